//! The consumer of `facteur.statuses`: platforms publish lifecycle statuses there, and
//! each delivery is handed to a handler (the hub checks, records and forwards it).
//!
//! Acknowledgements are manual and come after the handler: a status is acked only once
//! the handler has dealt with it, so a crash in between means a redelivery, not a loss
//! (handlers must be idempotent on `message_id`). A handler's `Reject` without requeue
//! dead-letters the delivery to `facteur.dead.statuses` for an operator. Prefetch bounds
//! what the broker pushes ahead of the handler. Deliveries are handled one at a time, in
//! queue order, so two statuses of one invoice are never applied out of order.
//!
//! Like the relay, the consumer supervises its connection: on failure it reconnects
//! with backoff, declares the topology again and resumes consuming.

use std::collections::BTreeMap;
use std::future::Future;

use futures_util::StreamExt;
use lapin::Connection;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions, BasicRejectOptions};
use lapin::types::{AMQPValue, FieldTable};

use super::RoutingError;
use super::backoff::{Backoff, Shutdown};
use super::connection::{ConnectionConfig, close_bounded, connect};
use super::topology::Topology;

/// A delivery, as the handler sees it: no lapin types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incoming {
    pub message_id: Option<String>,
    pub content_type: Option<String>,
    /// Headers with a string value (others are ignored: facteur documents only strings).
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    /// The `user_id` property: RabbitMQ refuses a publish whose `user_id` is not the
    /// publishing connection's user, so this names who published, where headers only
    /// say what the publisher claims.
    pub user_id: Option<String>,
    /// True when the broker delivered it before without an ack: the handler may have
    /// seen it already.
    pub redelivered: bool,
}

/// What to do with a delivery once handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Handled (or a duplicate): remove it from the queue.
    Ack,
    /// Refused. With `requeue: false` it is dead-lettered to the parking queue; with
    /// `requeue: true` (a transient failure, e.g. storage down) it is delivered again.
    Reject { requeue: bool },
}

pub trait DeliveryHandler: Send + Sync {
    fn handle(&self, delivery: Incoming) -> impl Future<Output = Disposition> + Send;
}

/// Consumer settings.
#[derive(Clone, Debug)]
pub struct ConsumerConfig {
    pub connection: ConnectionConfig,
    pub topology: Topology,
    /// Unacked deliveries the broker may push ahead of the handler.
    pub prefetch: u16,
    pub reconnect: Backoff,
}

impl ConsumerConfig {
    pub fn new(connection: ConnectionConfig, topology: Topology) -> Self {
        ConsumerConfig {
            connection,
            topology,
            prefetch: 32,
            reconnect: Backoff::new(
                std::time::Duration::from_millis(200),
                std::time::Duration::from_secs(30),
            ),
        }
    }
}

/// Counters of one `run`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsumerStats {
    pub acked: u64,
    pub dead_lettered: u64,
    pub requeued: u64,
    pub sessions: u64,
}

/// Consumes `facteur.statuses` until `shutdown`, reconnecting as needed.
pub async fn run_status_consumer<H: DeliveryHandler>(
    config: &ConsumerConfig,
    handler: &H,
    mut shutdown: Shutdown,
) -> ConsumerStats {
    let mut stats = ConsumerStats::default();
    let mut failures = 0u32;
    while !shutdown.is_requested() {
        let connection = match open(config).await {
            Ok(connection) => connection,
            Err(error) => {
                failures = failures.saturating_add(1);
                let delay = config.reconnect.delay(failures);
                tracing::warn!(
                    error = &error as &dyn std::error::Error,
                    failures,
                    delay_ms = delay.as_millis() as u64,
                    "status consumer cannot reach the broker"
                );
                shutdown.sleep(delay).await;
                continue;
            }
        };
        failures = 0;
        stats.sessions += 1;
        if let Err(error) = consume(config, &connection, handler, &mut shutdown, &mut stats).await {
            tracing::warn!(
                error = &error as &dyn std::error::Error,
                "status consumer session ended"
            );
        }
        close_bounded(&connection, "consumer stopping").await;
    }
    stats
}

async fn open(config: &ConsumerConfig) -> Result<Connection, RoutingError> {
    let connection = connect(&config.connection).await?;
    config.topology.declare(&connection).await?;
    Ok(connection)
}

async fn consume<H: DeliveryHandler>(
    config: &ConsumerConfig,
    connection: &Connection,
    handler: &H,
    shutdown: &mut Shutdown,
    stats: &mut ConsumerStats,
) -> Result<(), RoutingError> {
    let channel = connection
        .create_channel()
        .await
        .map_err(RoutingError::broker("channel.open"))?;
    channel
        .basic_qos(config.prefetch, BasicQosOptions::default())
        .await
        .map_err(RoutingError::broker("basic.qos"))?;
    let queue = config.topology.names.statuses_queue();
    let mut deliveries = channel
        .basic_consume(
            queue.as_str().into(),
            format!("{}-statuses", config.connection.connection_name).into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(RoutingError::broker("basic.consume"))?;
    tracing::info!(queue, prefetch = config.prefetch, "consuming statuses");
    loop {
        let next = tokio::select! {
            () = shutdown.requested() => return Ok(()),
            next = deliveries.next() => next,
        };
        let delivery = match next {
            Some(Ok(delivery)) => delivery,
            Some(Err(source)) => {
                return Err(RoutingError::Broker {
                    operation: "basic.deliver",
                    source,
                });
            }
            None => return Ok(()),
        };
        let incoming = incoming(&delivery);
        let message_id = incoming.message_id.clone().unwrap_or_default();
        let disposition = handler.handle(incoming).await;
        let acked = match disposition {
            Disposition::Ack => {
                stats.acked += 1;
                delivery.ack(BasicAckOptions::default()).await
            }
            Disposition::Reject { requeue } => {
                if requeue {
                    stats.requeued += 1;
                } else {
                    stats.dead_lettered += 1;
                }
                tracing::info!(message_id, requeue, "status rejected");
                delivery.reject(BasicRejectOptions { requeue }).await
            }
        };
        // A failed ack means the channel is gone: the broker will deliver it again.
        acked.map_err(RoutingError::broker("basic.ack"))?;
    }
}

fn incoming(delivery: &Delivery) -> Incoming {
    let properties = &delivery.properties;
    let mut headers = BTreeMap::new();
    if let Some(table) = properties.headers() {
        for (name, value) in table.inner() {
            let text = match value {
                AMQPValue::LongString(text) => {
                    String::from_utf8_lossy(text.as_bytes()).into_owned()
                }
                AMQPValue::ShortString(text) => text.to_string(),
                _ => continue,
            };
            headers.insert(name.to_string(), text);
        }
    }
    Incoming {
        message_id: properties.message_id().as_ref().map(|id| id.to_string()),
        content_type: properties.content_type().as_ref().map(|ct| ct.to_string()),
        headers,
        body: delivery.data.clone(),
        user_id: properties.user_id().as_ref().map(|user| user.to_string()),
        redelivered: delivery.redelivered,
    }
}
