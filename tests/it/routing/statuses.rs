//! The `facteur.statuses` consumer against the real broker: a delivery is acked only
//! after its handler finished (a connection lost during the handler brings it back),
//! and a rejected status is dead-lettered to the parking queue.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use facteur::routing::{
    ConsumerConfig, DeliveryHandler, Disposition, Incoming, run_status_consumer, shutdown_channel,
};
use lapin::BasicProperties;
use lapin::options::BasicPublishOptions;
use lapin::types::{AMQPValue, FieldTable, LongString};
use tokio::sync::Notify;

use super::support::{broker, close_quietly, drain, eventually, header, matricule, message_id};

/// Records what it sees; rejects `bad`; holds `slow` until released, the first time.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(String, bool)>>,
    slow_started: Notify,
    release_slow: Notify,
}

impl DeliveryHandler for Recorder {
    async fn handle(&self, delivery: Incoming) -> Disposition {
        let id = delivery.message_id.clone().unwrap_or_default();
        let first_time = !self
            .seen
            .lock()
            .unwrap()
            .iter()
            .any(|(seen, _)| *seen == id);
        self.seen
            .lock()
            .unwrap()
            .push((id.clone(), delivery.redelivered));
        assert_eq!(
            delivery.headers.get("x-facteur-kind").map(String::as_str),
            Some("status")
        );
        match id.as_str() {
            "bad" => Disposition::Reject { requeue: false },
            "slow" if first_time => {
                self.slow_started.notify_one();
                self.release_slow.notified().await;
                Disposition::Ack
            }
            _ => Disposition::Ack,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_are_acked_after_the_handler_and_rejected_ones_dead_lettered() {
    let Some(broker) = broker("statuses") else {
        return;
    };
    let topology = broker.fresh_topology(&[matricule("0301")]).await;
    let platform = broker.connection("platform-0301").await;
    let channel = platform.create_channel().await.unwrap();
    for id in ["slow", "ok-1", "bad", "ok-2"] {
        let mut headers = FieldTable::default();
        headers.insert(
            "x-facteur-kind".into(),
            AMQPValue::LongString(LongString::from("status")),
        );
        channel
            .basic_publish(
                "".into(),
                broker.names.statuses_queue().into(),
                BasicPublishOptions::default(),
                format!("<cdar id=\"{id}\"/>").as_bytes(),
                BasicProperties::default()
                    .with_message_id(id.into())
                    .with_delivery_mode(2)
                    .with_headers(headers),
            )
            .await
            .unwrap();
    }

    let handler = Arc::new(Recorder::default());
    let mut config = ConsumerConfig::new(broker.config("statuses-consumer"), topology);
    config.prefetch = 4;
    config.reconnect.base = Duration::from_millis(100);
    let (trigger, shutdown) = shutdown_channel();
    let running = {
        let handler = Arc::clone(&handler);
        tokio::spawn(async move { run_status_consumer(&config, handler.as_ref(), shutdown).await })
    };

    // While the handler holds "slow", cut the consumer's connection: since it was not
    // acked, the broker delivers it again, flagged as redelivered.
    tokio::time::timeout(Duration::from_secs(20), handler.slow_started.notified())
        .await
        .expect("slow status delivered");
    broker.kill_connections().await;
    handler.release_slow.notify_one();

    let done = || {
        let seen = handler.seen.lock().unwrap();
        ["ok-1", "bad", "ok-2"]
            .iter()
            .all(|id| seen.iter().any(|(s, _)| s == id))
            && seen.iter().filter(|(s, _)| s == "slow").count() >= 2
    };
    assert!(
        eventually(Duration::from_secs(30), done).await,
        "{:?}",
        handler.seen.lock().unwrap()
    );
    trigger.trigger();
    let stats = running.await.unwrap();
    assert!(stats.sessions >= 2, "{stats:?}");
    assert!(stats.dead_lettered >= 1, "{stats:?}");

    let seen = handler.seen.lock().unwrap().clone();
    let slow: Vec<bool> = seen
        .iter()
        .filter(|(id, _)| id == "slow")
        .map(|(_, r)| *r)
        .collect();
    assert!(!slow[0]);
    assert!(slow[1..].iter().all(|redelivered| *redelivered), "{seen:?}");

    let checker = broker.connection("statuses-check").await;
    let left = drain(
        &checker,
        &broker.names.statuses_queue(),
        Duration::from_millis(700),
    )
    .await;
    assert!(left.is_empty(), "everything handled was acked");
    let parked = drain(
        &checker,
        &broker.names.statuses_parking_queue(),
        Duration::from_millis(700),
    )
    .await;
    assert_eq!(parked.iter().map(message_id).collect::<Vec<_>>(), ["bad"]);
    // The broker records why: x-death (quorum queues) or x-first-death-reason.
    assert!(
        parked[0]
            .properties
            .headers()
            .as_ref()
            .is_some_and(|h| h.inner().contains_key("x-death")
                || h.inner().contains_key("x-first-death-reason")),
        "{:?}",
        parked[0].properties.headers()
    );
    assert_eq!(
        header(&parked[0], "x-facteur-kind").as_deref(),
        Some("status")
    );
    close_quietly(&checker).await;
    close_quietly(&platform).await;
    broker.finish().await;
}
