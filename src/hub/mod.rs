//! The hub's pipeline: pure orchestration of the modules that own each step — no SQL
//! (`storage`), no HTTP (`api`), no AMQP (`routing`).
//!
//! - [`submit`]: a received document → validation (`ingest`) → admission and
//!   directory resolution (`ingest::admission`, `directory`) → one transaction that
//!   stores the document, the invoice, its first status (200 or 213) and, when
//!   accepted, its delivery in the outbox. Every received document ends with exactly
//!   one terminal outcome, returned as a [`Receipt`].
//! - [`many`]: many documents of one sender (a batch's chunk) decided as `submit`
//!   would decide them one after the other, stored in one transaction.
//! - [`statuses`]: a platform reports a lifecycle status; it is checked (right and
//!   transition, `lifecycle::status`), appended to the chain, and delivered to the
//!   other party's platform through the same outbox.
//! - [`audit`]: re-computes every status chain and document hash.
//! - [`broker`]: delivery through RabbitMQ (the outbox relay, the statuses consumer).
//!
//! Who may see or touch an invoice is decided by `accounts::policy::authorize_platform`.

pub mod audit;
pub mod broker;
pub mod many;
pub mod statuses;
pub mod submit;

use std::sync::Arc;

use crate::accounts::policy::Denied;
use crate::directory::Directory;
use crate::ingest;
use crate::lifecycle::TransitionError;
use crate::metrics::ServiceMetrics;
use crate::storage::{Db, StorageError};

pub use many::{Prepared, Submission};
pub use statuses::{StatusInput, StatusReceipt};
pub use submit::Receipt;

/// Why the hub could not do what was asked. A document that fails validation is not
/// an error: it gets a receipt with status 213.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("idempotency key {key:?} was already used for a different document")]
    IdempotencyKeyReused { key: String },
    #[error("invoice {0} not found")]
    NotFound(String),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("status refused: {0}")]
    Transition(#[from] TransitionError),
    #[error("status refused: {0}")]
    InvalidStatus(String),
    #[error("another change to invoice {0} was recorded at the same moment; send it again")]
    Conflict(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// The hub: storage, the directory, how to validate, and what it counts.
pub struct Hub {
    db: Db,
    directory: Arc<Directory>,
    options: ingest::Options,
    metrics: ServiceMetrics,
}

impl Hub {
    pub fn new(db: Db, directory: Arc<Directory>) -> Hub {
        Hub {
            db,
            directory,
            options: ingest::Options::default(),
            // Counted but not rendered until `with_metrics` gives the service's.
            metrics: ServiceMetrics::new(),
        }
    }

    /// Counts submissions and deliveries in `metrics` (the ones `/metrics` renders).
    pub fn with_metrics(mut self, metrics: ServiceMetrics) -> Hub {
        self.metrics = metrics;
        self
    }

    pub fn metrics(&self) -> &ServiceMetrics {
        &self.metrics
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn directory(&self) -> &Arc<Directory> {
        &self.directory
    }

    /// How the hub validates: what the e-reporting of an invoice applies too.
    pub fn options(&self) -> &ingest::Options {
        &self.options
    }
}

/// A random identifier (128 bits, hex) for invoices and status messages.
fn new_id(prefix: &str) -> Result<String, HubError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| HubError::Internal(format!("no randomness: {e}")))?;
    Ok(format!("{prefix}{}", crate::accounts::tokens::hex(&bytes)))
}

/// Now, as the stored timestamps write it.
fn now() -> String {
    crate::directory::day::timestamp(crate::directory::day::unix_now())
}
