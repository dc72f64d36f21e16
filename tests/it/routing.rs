//! Routing over AMQP against a real RabbitMQ (no mock broker): topology, confirmed
//! publishing, the outbox relay through a connection loss, and the statuses consumer.
//!
//! Needs `FACTEUR_TEST_AMQP_URL` (e.g. `amqp://guest:guest@127.0.0.1:5672/%2f`) and
//! `rabbitmqctl`; without the URL each test prints `SKIPPED` and passes, unless
//! `FACTEUR_REQUIRE_SERVICES=1`. Each test has its own vhost, so they run in parallel;
//! a passing test deletes it (measured on RabbitMQ 3.10.8: the quorum queues' data
//! directories go with it).

mod relay;
mod statuses;
pub mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use facteur::identifiers::{AddressingId, Siren};
use facteur::routing::message::{PERSISTENT, header};
use facteur::routing::publisher::PublisherConfig;
use facteur::routing::{
    AmqpUrl, ConnectionConfig, FlowSyntax, InvoiceRouting, Outcome, OutgoingMessage, Publisher,
};
use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};

use support::{
    broker, close_quietly, counts, drain, header as header_of, matricule, message, message_id,
};

const IDLE: Duration = Duration::from_millis(700);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topology_is_idempotent_and_redeclared() {
    let Some(broker) = broker("topology") else {
        return;
    };
    let platforms = [matricule("0001"), matricule("0002")];
    let topology = broker.fresh_topology(&platforms).await;
    let connection = broker.connection("topology").await;
    // Declaring again changes nothing and fails nothing.
    topology
        .declare(&connection)
        .await
        .expect("second declaration");
    topology
        .declare(&connection)
        .await
        .expect("third declaration");

    // The queues are quorum queues: declaring one as classic is refused (406).
    let channel = connection.create_channel().await.unwrap();
    let mut classic = FieldTable::default();
    classic.insert(
        "x-queue-type".into(),
        AMQPValue::LongString(LongString::from("classic")),
    );
    let refused = channel
        .queue_declare(
            broker.names.platform_queue(platforms[0]).into(),
            QueueDeclareOptions::durable(),
            classic,
        )
        .await;
    assert!(refused.is_err(), "platform queue must be a quorum queue");

    // A broker that lost its definitions (here: the exchange, and with it every
    // binding) gets them back from a redeclaration, and routing works again.
    let channel = connection.create_channel().await.unwrap();
    channel
        .exchange_delete(broker.names.invoices_exchange().into(), Default::default())
        .await
        .unwrap();
    let mut publisher = Publisher::open(
        &connection,
        &PublisherConfig::new(broker.names.invoices_exchange()),
    )
    .await
    .unwrap();
    let lost = publisher
        .publish_one(&message("after-delete", platforms[0], 10))
        .await;
    assert!(!lost.is_confirmed(), "no exchange, no confirm: {lost:?}");

    topology.declare(&connection).await.expect("redeclaration");
    let mut publisher = Publisher::open(
        &connection,
        &PublisherConfig::new(broker.names.invoices_exchange()),
    )
    .await
    .unwrap();
    for platform in platforms {
        let outcome = publisher
            .publish_one(&message(&format!("routed-{platform}"), platform, 10))
            .await;
        assert_eq!(outcome, Outcome::Confirmed);
    }
    for platform in platforms {
        let got = drain(&connection, &broker.names.platform_queue(platform), IDLE).await;
        assert_eq!(got.len(), 1);
        assert_eq!(message_id(&got[0]), format!("routed-{platform}"));
    }
    close_quietly(&connection).await;
    broker.finish().await;
}

fn invoice_routing(index: usize, platform: facteur::identifiers::Matricule) -> InvoiceRouting {
    InvoiceRouting {
        id: format!("inv-{index:05}"),
        syntax: if index.is_multiple_of(2) {
            FlowSyntax::Ubl
        } else {
            FlowSyntax::FacturX
        },
        invoice_number: format!("F2026-{index}"),
        seller_siren: Siren::parse("732829320").unwrap(),
        recipient_address: AddressingId::parse("552081317").unwrap(),
        sender_platform: matricule("0001"),
        recipient_platform: platform,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_arrives_once_on_its_platform_with_the_documented_headers() {
    let Some(broker) = broker("headers") else {
        return;
    };
    let platforms = [matricule("0007"), matricule("0008"), matricule("0009")];
    broker.fresh_topology(&platforms).await;
    let connection = broker.connection("headers").await;
    let mut config = PublisherConfig::new(broker.names.invoices_exchange());
    config.window = 64;
    let mut publisher = Publisher::open(&connection, &config).await.unwrap();

    let messages: Vec<OutgoingMessage> = (0..600)
        .map(|index| {
            let platform = platforms[index % platforms.len()];
            let body = format!("<Invoice n=\"{index}\"/>").into_bytes();
            OutgoingMessage::invoice(&invoice_routing(index, platform), body).unwrap()
        })
        .collect();
    let outcomes = publisher.publish_batch(&messages).await;
    assert!(outcomes.iter().all(Outcome::is_confirmed), "{outcomes:?}");

    for platform in platforms {
        let deliveries = drain(&connection, &broker.names.platform_queue(platform), IDLE).await;
        let expected: Vec<&OutgoingMessage> = messages
            .iter()
            .filter(|m| m.platform() == platform)
            .collect();
        let counts = counts(&deliveries);
        assert_eq!(deliveries.len(), expected.len(), "platform {platform}");
        assert!(
            counts.values().all(|&n| n == 1),
            "each message exactly once"
        );
        for delivery in &deliveries {
            let sent = expected
                .iter()
                .find(|m| m.id() == message_id(delivery))
                .expect("only this platform's messages");
            assert_eq!(delivery.routing_key.as_str(), platform.to_string());
            assert_eq!(delivery.data, sent.body());
            let properties = &delivery.properties;
            assert_eq!(properties.delivery_mode(), &Some(PERSISTENT));
            assert_eq!(
                properties.content_type().as_ref().map(|c| c.as_str()),
                Some(sent.content_type())
            );
            for name in [
                header::KIND,
                header::SYNTAX,
                header::SHA256,
                header::INVOICE_NUMBER,
                header::SELLER_SIREN,
                header::RECIPIENT_ADDRESS,
                header::SENDER_PLATFORM,
            ] {
                let value = header_of(delivery, name);
                assert!(value.is_some(), "{name} missing");
                assert_eq!(value.as_deref(), sent.header(name), "{name}");
            }
        }
    }
    close_quietly(&connection).await;
    broker.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unroutable_messages_are_returned_never_confirmed() {
    let Some(broker) = broker("unroutable") else {
        return;
    };
    let known = matricule("0011");
    let unknown = matricule("0999");
    broker.fresh_topology(&[known]).await;
    let connection = broker.connection("unroutable").await;
    let mut config = PublisherConfig::new(broker.names.invoices_exchange());
    config.window = 256;
    let mut publisher = Publisher::open(&connection, &config).await.unwrap();

    // Unroutable messages scattered through windowed batches: lapin hands each return
    // to whichever ack comes next, so this is where a naive publisher mislabels (about
    // 1 return in 350 went to another message's confirm when measured).
    let messages: Vec<OutgoingMessage> = (0..20_000)
        .map(|i| {
            message(
                &format!("m{i}"),
                if i % 7 == 3 { unknown } else { known },
                100,
            )
        })
        .collect();
    let outcomes = publisher.publish_batch(&messages).await;
    for (message, outcome) in messages.iter().zip(&outcomes) {
        if message.platform() == unknown {
            assert!(
                matches!(
                    outcome,
                    Outcome::Returned {
                        reply_code: 312,
                        ..
                    }
                ),
                "{}: {outcome:?}",
                message.id()
            );
        } else {
            assert_eq!(outcome, &Outcome::Confirmed, "{}", message.id());
        }
    }
    let single = publisher.publish_one(&message("alone", unknown, 10)).await;
    assert!(
        matches!(
            single,
            Outcome::Returned {
                reply_code: 312,
                ..
            }
        ),
        "{single:?}"
    );

    let deliveries = drain(&connection, &broker.names.platform_queue(known), IDLE).await;
    let routed = messages.iter().filter(|m| m.platform() == known).count();
    assert_eq!(deliveries.len(), routed);
    close_quietly(&connection).await;
    broker.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_keeps_many_messages_in_flight() {
    let Some(broker) = broker("window") else {
        return;
    };
    let platform = matricule("0021");
    broker.fresh_topology(&[platform]).await;
    let connection = broker.connection("window").await;
    let mut publisher = Publisher::open(
        &connection,
        &PublisherConfig::new(broker.names.invoices_exchange()),
    )
    .await
    .unwrap();
    let messages: Vec<OutgoingMessage> = (0..10_000)
        .map(|i| message(&format!("w{i}"), platform, 64))
        .collect();
    let start = Instant::now();
    let outcomes = publisher.publish_batch(&messages).await;
    let elapsed = start.elapsed();
    let confirmed = outcomes.iter().filter(|o| o.is_confirmed()).count();
    println!(
        "10 000 messages, window 1024: {confirmed} confirmed in {elapsed:?} ({:.0} msg/s)",
        confirmed as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(confirmed, 10_000);
    let channel = connection.create_channel().await.unwrap();
    let queue = channel
        .queue_declare(
            broker.names.platform_queue(platform).into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    assert_eq!(queue.message_count(), 10_000);
    let ids: HashSet<String> = drain(&connection, &broker.names.platform_queue(platform), IDLE)
        .await
        .iter()
        .map(message_id)
        .collect();
    assert_eq!(ids.len(), 10_000);
    close_quietly(&connection).await;
    broker.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amqps_urls_speak_tls_and_errors_hide_the_password() {
    let Some(broker) = broker("tls") else { return };
    // The plain port does not speak TLS: the handshake must fail cleanly (rustls is
    // wired with its provider, no panic), and the error must not carry the password.
    let plain = broker
        .url
        .to_string()
        .replace("amqp://", "amqps://")
        .replace("****", "hunter2");
    let url = AmqpUrl::parse(&plain).unwrap();
    assert!(url.is_tls());
    let mut config = ConnectionConfig::new(url, "tls-probe");
    config.connect_timeout = Duration::from_secs(5);
    let error = facteur::routing::connect(&config)
        .await
        .expect_err("TLS against a plain port");
    let text = format!("{error} / {error:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("amqps://guest:****@"), "{text}");
    broker.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_to_a_platform_reaches_only_its_queue_even_with_raw_clients() {
    // A platform's own client publishing a status straight to facteur.statuses (the
    // default exchange) is what `consumer` tests rely on: check the queue exists.
    let Some(broker) = broker("raw") else { return };
    broker.fresh_topology(&[matricule("0031")]).await;
    let connection = broker.connection("raw").await;
    let channel = connection.create_channel().await.unwrap();
    channel
        .basic_publish(
            "".into(),
            broker.names.statuses_queue().into(),
            BasicPublishOptions::default(),
            b"<cdar/>",
            Default::default(),
        )
        .await
        .unwrap();
    let got = drain(&connection, &broker.names.statuses_queue(), IDLE).await;
    assert_eq!(got.len(), 1);
    close_quietly(&connection).await;
    broker.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_a_platform_rejects_is_parked_in_its_dead_letter_queue() {
    let Some(broker) = broker("parking") else {
        return;
    };
    let platform = matricule("0041");
    broker.fresh_topology(&[platform]).await;
    let connection = broker.connection("parking").await;
    let mut publisher = Publisher::open(
        &connection,
        &PublisherConfig::new(broker.names.invoices_exchange()),
    )
    .await
    .unwrap();
    let sent = message("refused-by-platform", platform, 100);
    assert_eq!(publisher.publish_one(&sent).await, Outcome::Confirmed);

    // The platform's own client refuses it without requeue.
    let channel = connection.create_channel().await.unwrap();
    let delivery = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let got = channel
                .basic_get(
                    broker.names.platform_queue(platform).into(),
                    Default::default(),
                )
                .await
                .unwrap();
            if let Some(got) = got {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("delivered to the platform queue");
    delivery
        .delivery
        .reject(lapin::options::BasicRejectOptions { requeue: false })
        .await
        .unwrap();

    let parked = drain(&connection, &broker.names.parking_queue(platform), IDLE).await;
    assert_eq!(parked.len(), 1);
    assert_eq!(message_id(&parked[0]), "refused-by-platform");
    assert_eq!(parked[0].routing_key.as_str(), "0041");
    assert_eq!(parked[0].data, sent.body());
    assert!(
        drain(&connection, &broker.names.platform_queue(platform), IDLE)
            .await
            .is_empty()
    );
    close_quietly(&connection).await;
    broker.finish().await;
}
