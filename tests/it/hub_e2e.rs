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
use lapin::options::BasicPublishOptions;
use lapin::types::{AMQPValue, FieldTable, LongString};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::directory_support::{m, postgres};
use crate::hub_support::{BUYER, token, world};
use crate::routing::support::{broker, counts, drain, header, message_id};

const IDLE: Duration = Duration::from_millis(800);

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
        for _ in 0..2 {
            let (s, receipt) = post(
                &router,
                "0001",
                "/v1/invoices",
                "application/xml",
                document.clone().into_bytes(),
            )
            .await;
            assert!(s.is_success(), "{receipt}");
            assert_eq!(receipt["status"], 200, "{receipt}");
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
    // And 205 over AMQP, on facteur.statuses, twice (a redelivery): recorded once.
    let channel = reader.create_channel().await.unwrap();
    let publish = |sender: &'static str, message: &'static str, invoice: String| {
        let channel = channel.clone();
        let queue = broker.names.statuses_queue();
        async move {
            let mut headers = FieldTable::default();
            for (name, value) in [
                ("x-facteur-kind", "status".to_string()),
                ("x-facteur-invoice-id", invoice),
                ("x-facteur-sender-platform", sender.to_string()),
            ] {
                headers.insert(
                    name.into(),
                    AMQPValue::LongString(LongString::from(value.as_str())),
                );
            }
            channel
                .basic_publish(
                    "".into(),
                    queue.as_str().into(),
                    BasicPublishOptions::default(),
                    json!({"status": 205}).to_string().as_bytes(),
                    BasicProperties::default()
                        .with_message_id(message.into())
                        .with_content_type("application/json".into())
                        .with_delivery_mode(2)
                        .with_headers(headers),
                )
                .await
                .unwrap()
                .await
                .unwrap();
        }
    };
    publish("0002", "approval-1", id.clone()).await;
    publish("0002", "approval-1", id.clone()).await;
    // An outsider's status is refused and parked.
    publish("0003", "intrusion-1", id.clone()).await;
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
    assert_eq!(
        parked.iter().map(message_id).collect::<Vec<_>>(),
        ["intrusion-1"]
    );
    let codes: Vec<u16> =
        t.db.statuses(&id)
            .await
            .unwrap()
            .iter()
            .map(|s| s.status)
            .collect();
    assert_eq!(codes, [200, 201, 202, 205]);

    let (relay_stats, consumer_stats) = delivery.stop().await;
    assert_eq!(relay_stats.confirmed, 42, "40 invoices and 2 statuses");
    assert_eq!(consumer_stats.acked, 2);
    assert_eq!(consumer_stats.dead_lettered, 1);
    reader.close(200, "done".into()).await.unwrap();
    broker.finish().await;
    t.cleanup().await;
}
