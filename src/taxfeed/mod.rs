//! The tax feed: what facteur, as an approved platform (PA), owes the tax
//! administration through the PPF. A pure core builds the objects and packs them into
//! flows; around it, the service stores them (through `storage::taxfeed`), pushes the
//! flows over HTTPS and records the acknowledgements. This is the only module that
//! knows reqwest.
//!
//! - [`f1`]: the regulatory data of a domestic invoice (Base / Full, UBL / CII).
//! - [`f6`]: the mandatory statuses (200, 210, 212, 213) as CDAR messages to the PPF.
//! - [`f10`]: e-reporting of international B2B and B2C transactions and payments.
//! - [`flow`]: objects grouped per interface code into named tar.gz flows, and the
//!   batcher that decides when a flow leaves.
//! - [`time`]: instants and calendar arithmetic for deadlines (no system clock).
//! - [`scope`]: which feed an invoice belongs to (its processing type, BAR note).
//! - [`ack`]: acknowledgements (500/501, 250/251, 300/301, 601) and what they mean for
//!   each object.
//! - [`transport`]: one push attempt (reqwest), `Retry-After`, the retry policy.
//! - [`service`]: enqueue, pack, push, run; the I/O edge (storage, clock, network).
//! - [`follow`]: the follower of the hub's status records (F1, F6, F10 records from
//!   every accepted invoice and mandatory status), one transaction per page.
//! - [`ereporting`]: F10 records filed per declarant and period, transmitted (IN, then
//!   RE) when the period has closed.
//! - [`submission`]: platforms' e-reporting data (JSON, F10 XML) checked field by
//!   field before it is filed.
//! - [`receiver`]: a reference receiver of the tax administration's side.
//! - [`metrics`]: the backlog as Prometheus gauges for `/metrics`.
//!
//! Every object has a stable [`ObjectId`] derived from its business key (an F1 from
//! the uniqueness triple of G1.45, an F6 from invoice + status + time, an F10 from
//! declarant + period + sequence), so storing and re-sending one is idempotent.

pub mod ack;
pub mod ereporting;
pub mod f1;
pub mod f10;
pub mod f6;
pub mod flow;
pub mod follow;
pub mod metrics;
pub mod receiver;
pub mod scope;
pub mod service;
pub mod submission;
pub mod time;
pub mod transport;
mod xmlw;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::identifiers::Matricule;

pub use scope::{ProcessingType, processing_type};
pub use time::Instant;

/// The stable identity of an object of the feed (one F1 file, one CDAR message, one
/// F10 transmission): the same business object always gets the same id, so a retry
/// or a restart never makes a second one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ObjectId(pub String);

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A partner application code at the PPF exchange system: 6 characters, digits or
/// upper-case letters (the flow naming rule, specs-externes §3.4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ApplicationCode([u8; 6]);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("application code {0:?} must be 6 digits or upper-case letters")]
pub struct BadApplicationCode(pub String);

impl ApplicationCode {
    pub fn parse(value: &str) -> Result<ApplicationCode, BadApplicationCode> {
        let bytes = value.as_bytes();
        match <[u8; 6]>::try_from(bytes) {
            Ok(code)
                if code
                    .iter()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()) =>
            {
                Ok(ApplicationCode(code))
            }
            _ => Err(BadApplicationCode(value.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for ApplicationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for ApplicationCode {
    type Error = BadApplicationCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ApplicationCode::parse(&s)
    }
}

impl From<ApplicationCode> for String {
    fn from(c: ApplicationCode) -> String {
        c.as_str().to_string()
    }
}

/// The platform facteur runs as: the sender of every flow and of every message of
/// the feed (CDAR MDT-19/20, F10 TT-7..TT-10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    /// Registration number (scheme 0238).
    pub matricule: Matricule,
    /// Company name (MDT-20, TT-9).
    pub name: String,
    /// Partner application code at the PPF exchange system (flow names).
    pub application_code: ApplicationCode,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_codes() {
        assert_eq!(
            ApplicationCode::parse("AAA123").map(|c| c.to_string()),
            Ok("AAA123".into())
        );
        for bad in ["AAA12", "aaa123", "AAA1234", "AAA-12", "ÉAA12"] {
            assert!(ApplicationCode::parse(bad).is_err(), "{bad}");
        }
    }
}
