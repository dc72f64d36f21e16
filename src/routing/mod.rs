//! Routing over AMQP (issue #6, parts 6 and 8): the only module that knows lapin.
//!
//! - [`connection`]: `amqp://` / `amqps://` URLs whose credentials never reach a log, and
//!   the connection itself (name, heartbeat, timeout).
//! - [`topology`]: the exchanges and quorum queues facteur owns, declared idempotently.
//! - [`message`]: the outgoing message (invoice or status) and its documented headers.
//! - [`publisher`]: a publisher with confirms, `mandatory` and a window of in-flight
//!   messages, which reports a per-message [`publisher::Outcome`].
//! - [`relay`]: the outbox relay and its supervisor (reconnect, redeclare, resume).
//! - [`consumer`]: the `facteur.statuses` consumer with manual acknowledgements.
//! - [`probe`]: what `facteur bench hub` measures of the broker: a counting consumer
//!   and the raw confirmed-publish rate.
//! - [`backoff`]: exponential backoff with jitter, and the shutdown signal.
//!
//! Delivery is at-least-once: the outbox (storage) is the source of truth, the broker
//! only ever holds copies, and consumers deduplicate by `message_id`.

pub mod backoff;
pub mod connection;
pub mod consumer;
pub mod message;
pub mod probe;
pub mod publisher;
pub mod relay;
pub mod topology;

pub use backoff::{Backoff, Shutdown, ShutdownTrigger, shutdown_channel};
pub use connection::{AmqpUrl, ConnectionConfig, check_reachable, connect};
pub use consumer::{ConsumerConfig, DeliveryHandler, Disposition, Incoming, run_status_consumer};
pub use message::{FlowSyntax, InvoiceRouting, MessageKind, OutgoingMessage, StatusRouting};
pub use publisher::{Outcome, Publisher, PublisherConfig};
pub use relay::{OutboxItem, OutboxStore, Relay, RelayConfig, RelayStats};
pub use topology::{Names, Topology};

/// What can go wrong while speaking AMQP. Every variant is safe to log: URLs appear
/// only in their redacted form.
#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    #[error("invalid AMQP URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("cannot connect to the broker at {url}")]
    Connect {
        url: String,
        #[source]
        source: lapin::Error,
    },
    #[error("broker operation {operation} failed")]
    Broker {
        operation: &'static str,
        #[source]
        source: lapin::Error,
    },
    #[error("invalid name {name:?}: expected {expected}")]
    InvalidName {
        name: String,
        expected: &'static str,
    },
    #[error("{field} is longer than AMQP's 255-byte short string: {len} bytes")]
    TooLong { field: &'static str, len: usize },
}

impl RoutingError {
    /// Wraps a lapin error with the name of the operation that failed, for `map_err`.
    pub(crate) fn broker(operation: &'static str) -> impl FnOnce(lapin::Error) -> Self {
        move |source| RoutingError::Broker { operation, source }
    }
}
