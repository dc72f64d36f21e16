//! The hub end to end against the real PostgreSQL and RabbitMQ: the router and the
//! broker delivery (outbox relay, statuses consumer) in process, a plain lapin reader
//! on the platforms' queues. Every accepted invoice arrives exactly once per message
//! id on its recipient's queue, rejected ones never; statuses travel both ways.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header as http_header};
use facteur::api::{AppState, app};
use facteur::hub::broker::BrokerDelivery;
use facteur::routing::{Backoff, RelayConfig};
use facteur::samples;
use lapin::BasicProperties;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::directory_support::{m, postgres};
use crate::hub_support::{BUYER, status_codes, token, world};
use crate::routing::support::{broker, close_quietly, counts, drain, header, message_id};

const IDLE: Duration = Duration::from_millis(800);

/// A status as a platform publishes it: JSON 205 about `invoice`.
struct StatusMessage {
    exchange: String,
    routing_key: String,
    user_id: Option<&'static str>,
    sender_header: Option<&'static str>,
    message_id: String,
    invoice: String,
}

impl StatusMessage {
    /// Publishes on a channel of its own in confirm mode: an error when the broker
    /// refuses it (the channel is then closed, so no other publish is affected).
    async fn publish(&self, connection: &lapin::Connection) -> Result<(), String> {
        let refused = |error: lapin::Error| error.to_string();
        let channel = connection.create_channel().await.map_err(refused)?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(refused)?;
        let mut headers = FieldTable::default();
        let mut put = |name: &str, value: &str| {
            headers.insert(name.into(), AMQPValue::LongString(LongString::from(value)));
        };
        put("x-facteur-kind", "status");
        put("x-facteur-invoice-id", &self.invoice);
        if let Some(sender) = self.sender_header {
            put("x-facteur-sender-platform", sender);
        }
        let mut properties = BasicProperties::default()
            .with_message_id(self.message_id.as_str().into())
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_headers(headers);
        if let Some(user) = self.user_id {
            properties = properties.with_user_id(user.into());
        }
        let confirm = channel
            .basic_publish(
                self.exchange.as_str().into(),
                self.routing_key.as_str().into(),
                BasicPublishOptions::default(),
                json!({"status": 205}).to_string().as_bytes(),
                properties,
            )
            .await
            .map_err(refused)?
            .await
            .map_err(refused)?;
        if !confirm.is_ack() {
            return Err(format!("{} not acknowledged", self.message_id));
        }
        let _ = channel.close(200, "published".into()).await;
        Ok(())
    }
}

async fn post(
    router: &axum::Router,
    platform: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method("POST")
        .uri(path)
        .header(
            http_header::AUTHORIZATION,
            format!("Bearer {}", token(platform)),
        )
        .header(http_header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Waits for `check` to hold (an async condition), up to `limit`.
async fn until<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    check().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoices_reach_their_platform_once_and_statuses_travel_back() {
    let Some(broker) = broker("hub-e2e") else {
        return;
    };
    let Some(t) = postgres().await else {
        return;
    };
    let hub = world(&t.db).await;
    broker
        .fresh_topology(&[m("0001"), m("0002"), m("0003")])
        .await;
    let mut relay = RelayConfig::new(broker.config("hub-e2e-relay"));
    relay.idle_poll = Duration::from_millis(50);
    relay.retry = Backoff::new(Duration::from_millis(100), Duration::from_millis(500));
    let delivery = BrokerDelivery::start(
        hub.clone(),
        broker.config("hub-e2e"),
        broker.names.clone(),
        relay,
    )
    .await
    .unwrap();
    let mut state = AppState::with_hub(hub.clone());
    state.broker_delivery = true;
    let router = app(state);

    // 40 accepted invoices (UBL and CII), each sent twice; 3 rejected documents.
    let mut accepted = HashSet::new();
    for n in 0..40 {
        let number = format!("E-{n}");
        let document = if n % 2 == 0 {
            samples::ubl_invoice(&number, 2)
        } else {
            samples::cii_invoice(&number, 2)
        };
        for attempt in 0..2 {
            let (s, receipt) = post(
                &router,
                "0001",
                "/v1/invoices",
                "application/xml",
                document.clone().into_bytes(),
            )
            .await;
            assert!(s.is_success(), "{receipt}");
            if attempt == 0 {
                assert_eq!(receipt["status"], 200, "{receipt}");
            } else {
                // A replay answers the first receipt with the invoice's current status:
                // 201 once the relay has had the broker's confirm in between.
                assert_eq!(receipt["replayed"], true, "{receipt}");
                assert!(
                    receipt["status"] == 200 || receipt["status"] == 201,
                    "{receipt}"
                );
            }
            accepted.insert(receipt["invoice_id"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(accepted.len(), 40);
    let mut rejected = HashSet::new();
    let unknown = samples::ubl_invoice("R-1", 1).replace(&format!(">{BUYER}<"), ">732829320<");
    let duplicate = samples::cii_invoice("E-0", 2);
    for document in [unknown, duplicate, "<Invoice/>".to_string()] {
        let (_, receipt) = post(
            &router,
            "0001",
            "/v1/invoices",
            "application/xml",
            document.into_bytes(),
        )
        .await;
        assert_eq!(receipt["status"], 213, "{receipt}");
        rejected.insert(receipt["invoice_id"].as_str().unwrap().to_string());
    }

    // Everything confirmed: the outbox is empty and every accepted invoice has 201.
    assert!(
        until(Duration::from_secs(60), || async {
            t.db.outbox_backlog().await.unwrap() == 0
        })
        .await
    );
    for id in &accepted {
        assert_eq!(t.db.invoice(id).await.unwrap().unwrap().status.code(), 201);
    }

    let reader = broker.connection("hub-e2e-reader").await;
    let received = drain(&reader, &broker.names.platform_queue(m("0002")), IDLE).await;
    let per_id = counts(&received);
    let ids: HashSet<String> = per_id.keys().cloned().collect();
    assert_eq!(
        ids, accepted,
        "exactly the accepted invoices, on the recipient's queue"
    );
    assert!(per_id.values().all(|&n| n == 1), "{per_id:?}");
    assert!(ids.is_disjoint(&rejected));
    let first = &received[0];
    assert_eq!(header(first, "x-facteur-kind").as_deref(), Some("invoice"));
    assert_eq!(
        header(first, "x-facteur-sender-platform").as_deref(),
        Some("0001")
    );
    assert_eq!(
        header(first, "x-facteur-recipient-address").as_deref(),
        Some(BUYER)
    );
    let id = message_id(first);
    let stored = t.db.invoice(&id).await.unwrap().unwrap();
    assert_eq!(
        header(first, "x-facteur-sha256"),
        Some(stored.sha256.clone())
    );
    assert_eq!(
        t.db.document(&stored.sha256).await.unwrap().unwrap(),
        first.data
    );
    for platform in ["0001", "0003"] {
        let other = drain(
            &reader,
            &broker.names.platform_queue(m(platform)),
            Duration::from_millis(300),
        )
        .await;
        assert!(other.is_empty(), "{platform} received {}", other.len());
    }

    // The buyer's platform reports 202 over HTTP: it reaches the seller's queue.
    let (s, body) = post(
        &router,
        "0002",
        &format!("/v1/invoices/{id}/statuses"),
        "application/json",
        json!({"status": 202}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    // And 205 over AMQP, published by the buyer's platform under its own broker user
    // to the statuses exchange, twice (a redelivery): recorded once.
    let buyer_platform = broker.platform_connection(m("0002")).await;
    let outsider = broker.platform_connection(m("0003")).await;
    let statuses_exchange = broker.names.statuses_exchange();
    let approval = |message: &str| StatusMessage {
        exchange: statuses_exchange.clone(),
        routing_key: String::new(),
        user_id: None,
        sender_header: Some("0002"),
        message_id: message.to_string(),
        invoice: id.clone(),
    };
    for message in ["approval-1", "approval-1"] {
        let status = StatusMessage {
            user_id: Some("platform-0002"),
            ..approval(message)
        };
        status.publish(&buyer_platform).await.unwrap();
    }
    // An outsider's status, a forged sender header, a status without user_id: all
    // refused and parked.
    let refused = [
        (
            &outsider,
            StatusMessage {
                user_id: Some("platform-0003"),
                sender_header: Some("0003"),
                ..approval("intrusion-1")
            },
        ),
        (
            &outsider,
            StatusMessage {
                user_id: Some("platform-0003"),
                ..approval("forged-1")
            },
        ),
        (&reader, approval("anonymous-1")),
    ];
    for (connection, status) in refused {
        status.publish(connection).await.unwrap();
    }
    // The broker itself refuses a user_id that is not the connection's user, and the
    // outsider's user may not write anywhere but the statuses exchange.
    let spoofed = StatusMessage {
        user_id: Some("platform-0002"),
        ..approval("spoofed-1")
    };
    let error = spoofed.publish(&outsider).await.unwrap_err();
    assert!(
        error.contains("PRECONDITION_FAILED"),
        "user_id spoofed: {error}"
    );
    let bypass = StatusMessage {
        exchange: String::new(),
        routing_key: broker.names.platform_queue(m("0001")),
        user_id: Some("platform-0003"),
        ..approval("bypass-1")
    };
    let error = bypass.publish(&outsider).await.unwrap_err();
    assert!(
        error.contains("ACCESS_REFUSED"),
        "wrote through the default exchange: {error}"
    );
    assert!(
        until(Duration::from_secs(30), || async {
            t.db.statuses(&id)
                .await
                .unwrap()
                .iter()
                .any(|s| s.status == 205)
        })
        .await
    );
    assert!(
        until(Duration::from_secs(30), || async {
            t.db.outbox_backlog().await.unwrap() == 0
        })
        .await
    );
    let back = drain(&reader, &broker.names.platform_queue(m("0001")), IDLE).await;
    let statuses: Vec<String> = back
        .iter()
        .filter_map(|d| header(d, "x-facteur-status"))
        .collect();
    assert_eq!(
        statuses,
        ["202", "205"],
        "each status once, in order, to the seller's platform"
    );
    assert!(
        back.iter()
            .all(|d| header(d, "x-facteur-kind").as_deref() == Some("status"))
    );
    assert!(
        back.iter()
            .all(|d| header(d, "x-facteur-invoice-id").as_deref() == Some(id.as_str()))
    );
    let parked = drain(&reader, &broker.names.statuses_parking_queue(), IDLE).await;
    let mut parked: Vec<String> = parked.iter().map(message_id).collect();
    parked.sort();
    assert_eq!(parked, ["anonymous-1", "forged-1", "intrusion-1"]);
    let codes = status_codes(&t.db, &id).await;
    assert_eq!(codes, [200, 201, 202, 205]);

    let (relay_stats, consumer_stats) = delivery.stop().await;
    assert_eq!(relay_stats.confirmed, 42, "40 invoices and 2 statuses");
    assert_eq!(consumer_stats.acked, 2);
    assert_eq!(consumer_stats.dead_lettered, 3);
    for connection in [&buyer_platform, &outsider, &reader] {
        close_quietly(connection).await;
    }
    broker.finish().await;
    t.cleanup().await;
}
