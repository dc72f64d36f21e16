//! Measuring the broker for `facteur bench hub`: the consumer that stands for the
//! recipient's platform (it counts what reaches a platform queue, by `message_id`), and
//! the raw confirmed-publish rate of the same messages into a scratch quorum queue,
//! which is the ceiling the hub is compared with. Here because only `routing` speaks
//! AMQP.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicQosOptions, ExchangeDeclareOptions, ExchangeDeleteOptions,
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions, QueuePurgeOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Connection, ExchangeKind};
use tokio::task::JoinHandle;

use super::RoutingError;
use super::connection::{ConnectionConfig, close_bounded, connect};
use super::message::OutgoingMessage;
use super::publisher::{Publisher, PublisherConfig};
use super::topology::{Names, Topology};
use crate::identifiers::Matricule;

/// What the counting consumer has seen so far.
#[derive(Default)]
struct Seen {
    ids: HashSet<String>,
    deliveries: u64,
    last: Option<Instant>,
}

/// A consumer on one platform queue (auto-acknowledged: it only counts), recording
/// each distinct `message_id` and when the last new one arrived.
pub struct DeliveryCounter {
    seen: Arc<Mutex<Seen>>,
    task: JoinHandle<Result<(), RoutingError>>,
    connection: Connection,
}

impl DeliveryCounter {
    /// Declares the topology for `platform` (idempotent, as the relay does), empties
    /// its queue of an earlier run's messages, and starts counting.
    pub async fn start(
        config: &ConnectionConfig,
        platform: Matricule,
    ) -> Result<DeliveryCounter, RoutingError> {
        let connection = connect(config).await?;
        let names = Names::default();
        Topology::new(names.clone(), [platform])
            .declare(&connection)
            .await?;
        let queue = names.platform_queue(platform);
        let channel = connection
            .create_channel()
            .await
            .map_err(RoutingError::broker("channel.open"))?;
        channel
            .queue_purge(queue.as_str().into(), QueuePurgeOptions::default())
            .await
            .map_err(RoutingError::broker("queue.purge"))?;
        channel
            .basic_qos(4096, BasicQosOptions::default())
            .await
            .map_err(RoutingError::broker("basic.qos"))?;
        let mut consumer = channel
            .basic_consume(
                queue.as_str().into(),
                "facteur-bench-counter".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .map_err(RoutingError::broker("basic.consume"))?;
        let seen = Arc::new(Mutex::new(Seen::default()));
        let sink = seen.clone();
        let task = tokio::spawn(async move {
            while let Some(delivery) = consumer.next().await {
                let delivery = delivery.map_err(RoutingError::broker("basic.deliver"))?;
                let id = delivery
                    .properties
                    .message_id()
                    .as_ref()
                    .map(|id| id.to_string())
                    .unwrap_or_default();
                let mut seen = sink.lock().unwrap_or_else(|e| e.into_inner());
                seen.deliveries += 1;
                if seen.ids.insert(id) {
                    seen.last = Some(Instant::now());
                }
            }
            Ok(())
        });
        Ok(DeliveryCounter {
            seen,
            task,
            connection,
        })
    }

    /// Distinct message ids delivered.
    pub fn distinct(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ids
            .len()
    }

    /// Every delivery, copies included.
    pub fn deliveries(&self) -> u64 {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .deliveries
    }

    /// When the last new message id arrived.
    pub fn last_new(&self) -> Option<Instant> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).last
    }

    /// Whether `id` was delivered.
    pub fn contains(&self, id: &str) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ids
            .contains(id)
    }

    /// Stops consuming; an error the consumer met is returned.
    pub async fn stop(self) -> Result<(), RoutingError> {
        close_bounded(&self.connection, "bench done").await;
        match self.task.await {
            Ok(result) => result.or_else(|e| {
                // Closing the connection ends the stream with an error: that is the stop.
                tracing::debug!(error = %e, "counter stopped");
                Ok(())
            }),
            Err(e) => Err(RoutingError::Broker {
                operation: "consumer task",
                source: lapin::Error::from(std::io::Error::other(e.to_string())),
            }),
        }
    }
}

/// The raw broker rate: how fast the messages were confirmed.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRate {
    pub messages: usize,
    pub confirmed: usize,
    pub bytes: u64,
    pub elapsed: Duration,
}

impl RawRate {
    pub fn per_second(&self) -> f64 {
        self.confirmed as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Publishes `messages` (persistent, `mandatory`, with confirms, the relay's window)
/// into a scratch quorum queue bound like a platform queue, then deletes it: the
/// broker's own ceiling for these message sizes, without any database.
pub async fn raw_publish_rate(
    config: &ConnectionConfig,
    messages: &[OutgoingMessage],
    window: usize,
) -> Result<RawRate, RoutingError> {
    const SCRATCH: &str = "facteur.bench.raw";
    let connection = connect(config).await?;
    let channel = connection
        .create_channel()
        .await
        .map_err(RoutingError::broker("channel.open"))?;
    channel
        .exchange_declare(
            SCRATCH.into(),
            ExchangeKind::Direct,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(RoutingError::broker("exchange.declare"))?;
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString(LongString::from("quorum")),
    );
    channel
        .queue_declare(SCRATCH.into(), QueueDeclareOptions::durable(), arguments)
        .await
        .map_err(RoutingError::broker("queue.declare"))?;
    let mut keys: Vec<String> = messages
        .iter()
        .map(|m| m.routing_key().to_string())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    for key in &keys {
        channel
            .queue_bind(
                SCRATCH.into(),
                SCRATCH.into(),
                key.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(RoutingError::broker("queue.bind"))?;
    }
    let mut publisher_config = PublisherConfig::new(SCRATCH);
    publisher_config.window = window;
    let mut publisher = Publisher::open(&connection, &publisher_config).await?;
    let started = Instant::now();
    let outcomes = publisher.publish_batch(messages.iter()).await;
    let elapsed = started.elapsed();
    let confirmed = outcomes.iter().filter(|o| o.is_confirmed()).count();
    // The scratch queue held every message: give the broker its memory back.
    channel
        .queue_delete(SCRATCH.into(), QueueDeleteOptions::default())
        .await
        .map_err(RoutingError::broker("queue.delete"))?;
    channel
        .exchange_delete(SCRATCH.into(), ExchangeDeleteOptions::default())
        .await
        .map_err(RoutingError::broker("exchange.delete"))?;
    close_bounded(&connection, "bench done").await;
    Ok(RawRate {
        messages: messages.len(),
        confirmed,
        bytes: messages.iter().map(|m| m.body().len() as u64).sum(),
        elapsed,
    })
}
