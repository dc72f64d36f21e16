//! Accounts in service: the orchestration between the pure rules (`policy`,
//! `workflow`, `lockout`, `password`, `tokens`) and `storage`. No SQL, no HTTP.
//!
//! Every operation takes the [`Caller`] rebuilt from the database for this very
//! request (nothing is cached between requests, so switching accounts can never show
//! the previous account's data), asks [`authorize`] and answers "not found" for what
//! the caller may not see, exactly as for what does not exist.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::Serialize;

use super::lockout::Locked;
use super::model::{
    AuditEvent, Grant, Request, RequestId, RequestKind, RequestState, Right, Scope, Service,
    ServiceId, Structure, StructureId, TechnicalScope, UserId,
};
use super::password::{self, PasswordError, Secret};
use super::policy::{Action, Denied, Principal, authorize};
use super::time::{Clock, Instant};
use super::tokens::{self, InvalidReset, NoRandomness, ResetToken};
use super::workflow::{self, Decision, WorkflowError};
use crate::identifiers::{Matricule, RoutingCode, Siren, Siret};
use crate::storage::{Db, StorageError, TechnicalAccount, UserRecord};

mod invoices;
mod requests;
mod sessions;
mod structures;
mod technical;
mod views;
pub use invoices::MyInvoice;
pub use views::{AuditView, MeView, RequestView, ServiceView, StructureView, TechnicalView};

/// How long a session lasts: 12 hours (a working day), then sign in again.
pub const SESSION_SECONDS: i64 = 12 * 3600;
/// Prefixes that tell what a token is for, and which table to look it up in.
pub const SESSION_PREFIX: &str = "fct_session";
pub const TECHNICAL_PREFIX: &str = "fct_api";

/// Where password-reset links go. The hub sends mail through whatever the operator
/// plugs in here; the clear token goes nowhere else (never to a log).
pub trait Notifier: Send + Sync {
    fn reset_link(&self, email: &str, token: &Secret);
}

/// The default when no mail transport is configured: says on stderr that a reset was
/// asked for (never the token) so support can issue one with the CLI.
pub struct NoMailer;

impl Notifier for NoMailer {
    fn reset_link(&self, _email: &str, _token: &Secret) {
        tracing::warn!(
            "password reset requested but no mail transport is configured; use `facteur accounts user reset-link`"
        );
    }
}

/// Why an accounts operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Unknown email or wrong password: one message for both.
    #[error("wrong email or password")]
    BadCredentials,
    #[error(transparent)]
    Locked(#[from] Locked),
    #[error(
        "sign in first: a session or technical-account token is required (Authorization: Bearer …)"
    )]
    Unauthenticated,
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error(transparent)]
    Reset(#[from] InvalidReset),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Random(#[from] NoRandomness),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

pub type Result<T> = std::result::Result<T, AccountError>;

/// Who is calling, as rebuilt from the database for this request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub principal: Principal,
    /// Set for a signed-in user.
    pub user: Option<UserRecord>,
    /// The session's digest, to sign out.
    pub session: Option<String>,
    /// Set for a technical account.
    pub technical: Option<TechnicalAccount>,
}

/// A new session, handed to its user once.
#[derive(Debug)]
pub struct NewSession {
    pub token: Secret,
    pub expires_at: Instant,
    pub user: UserId,
}

/// Accounts, over one database, one clock and one mail transport.
#[derive(Clone)]
pub struct Accounts {
    db: Db,
    clock: Arc<dyn Clock>,
    notifier: Arc<dyn Notifier>,
}

/// The key an email is unique and looked up by.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

fn nonblank(value: &str, what: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AccountError::Invalid(format!("{what} must not be empty")));
    }
    Ok(value.to_string())
}

/// Argon2 is deliberately slow: it runs off the async workers.
async fn verify_password(password: Secret, hash: String) -> bool {
    tokio::task::spawn_blocking(move || password::verify(&password, &hash))
        .await
        .unwrap_or(false)
}

async fn hash_password(password: Secret) -> Result<String> {
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| AccountError::Password(PasswordError::Hashing(e.to_string())))?
        .map_err(AccountError::from)
}

impl Accounts {
    pub fn new(db: Db, clock: Arc<dyn Clock>, notifier: Arc<dyn Notifier>) -> Accounts {
        Accounts {
            db,
            clock,
            notifier,
        }
    }

    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Allowed, or the answer for a resource of `visible` the caller may not act on:
    /// forbidden if they can see it, not found (like a missing one) otherwise.
    fn guard(
        &self,
        caller: &Caller,
        action: Action,
        visible: Scope,
        what: &'static str,
    ) -> Result<()> {
        match authorize(&caller.principal, action) {
            Ok(()) => Ok(()),
            Err(denied) if authorize(&caller.principal, Action::View(visible)).is_ok() => {
                Err(denied.into())
            }
            Err(_) => Err(AccountError::NotFound(what)),
        }
    }

    fn person(caller: &Caller) -> Result<&UserRecord> {
        authorize(&caller.principal, Action::UseAccount)?;
        caller.user.as_ref().ok_or(AccountError::Denied(Denied(
            "do this with a technical account",
        )))
    }
}

/// Where a request stands, in answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pending,
    Approved,
    Refused,
}

impl From<&RequestState> for Outcome {
    fn from(s: &RequestState) -> Outcome {
        match s {
            RequestState::Pending => Outcome::Pending,
            RequestState::Approved { .. } => Outcome::Approved,
            RequestState::Refused { .. } => Outcome::Refused,
        }
    }
}
