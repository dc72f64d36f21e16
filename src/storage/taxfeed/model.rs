//! The tax feed's stored records: kinds and states as the database spells them, the
//! rows as read back, and what the service hands in (an acknowledgement's outcomes).

use std::fmt;

use sha2::{Digest, Sha256};

use crate::storage::{Result, StorageError};
use crate::taxfeed::flow::{FlowObject, InterfaceCode};
use crate::taxfeed::{Instant, ObjectId};

/// Which feed an object belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    F1,
    F6,
    F10,
}

impl ObjectKind {
    pub fn of(interface: InterfaceCode) -> ObjectKind {
        match interface {
            InterfaceCode::F1Ubl | InterfaceCode::F1Cii => ObjectKind::F1,
            InterfaceCode::F6Invoice | InterfaceCode::F6MandatoryStatus => ObjectKind::F6,
            InterfaceCode::F10 => ObjectKind::F10,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::F1 => "F1",
            ObjectKind::F6 => "F6",
            ObjectKind::F10 => "F10",
        }
    }

    pub(super) fn parse(text: &str) -> Result<ObjectKind> {
        match text {
            "F1" => Ok(ObjectKind::F1),
            "F6" => Ok(ObjectKind::F6),
            "F10" => Ok(ObjectKind::F10),
            other => Err(StorageError::Corrupt(format!("tax object kind {other:?}"))),
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an object is on its way to the tax administration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectState {
    /// Stored, not yet in a flow.
    Pending,
    /// In a flow that has not been acknowledged.
    Packed,
    /// Acknowledged as accepted (250, 300, or an F6 in a receivable flow).
    Acknowledged,
    /// Acknowledged as rejected (251, 301, 601, or its flow was unreceivable, 501).
    Rejected,
}

impl ObjectState {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectState::Pending => "pending",
            ObjectState::Packed => "packed",
            ObjectState::Acknowledged => "acknowledged",
            ObjectState::Rejected => "rejected",
        }
    }

    pub(super) fn parse(text: &str) -> Result<ObjectState> {
        match text {
            "pending" => Ok(ObjectState::Pending),
            "packed" => Ok(ObjectState::Packed),
            "acknowledged" => Ok(ObjectState::Acknowledged),
            "rejected" => Ok(ObjectState::Rejected),
            other => Err(StorageError::Corrupt(format!("tax object state {other:?}"))),
        }
    }
}

/// Where a flow is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FlowState {
    /// Packed, to be sent (again) at `next_attempt_at`.
    Ready,
    /// Receivable (500), its objects' outcomes recorded.
    Acknowledged,
    /// Unreceivable (501).
    Rejected,
}

impl FlowState {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowState::Ready => "ready",
            FlowState::Acknowledged => "acknowledged",
            FlowState::Rejected => "rejected",
        }
    }

    pub(super) fn parse(text: &str) -> Result<FlowState> {
        match text {
            "ready" => Ok(FlowState::Ready),
            "acknowledged" => Ok(FlowState::Acknowledged),
            "rejected" => Ok(FlowState::Rejected),
            other => Err(StorageError::Corrupt(format!("tax flow state {other:?}"))),
        }
    }
}

/// What [`Db::taxfeed_enqueue`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enqueued {
    /// A new object, now pending.
    New,
    /// The same object (same id, same bytes) was already stored: nothing changed.
    AlreadyQueued,
    /// The object had been rejected and comes back corrected (same id, new bytes): it
    /// is pending again (a corrected F1 is resent under the same number, §3.6.9).
    Requeued,
}

/// An object as stored, without its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredObject {
    pub id: ObjectId,
    pub kind: ObjectKind,
    pub interface: InterfaceCode,
    pub source: String,
    pub file_name: String,
    pub sha256: String,
    pub due_at: Option<Instant>,
    pub enqueued_at: Instant,
    pub state: ObjectState,
    pub flow_id: Option<String>,
    pub ack_status: Option<u16>,
    pub ack_reason: Option<String>,
    pub acknowledged_at: Option<Instant>,
}

/// A flow as stored, without its archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFlow {
    pub flow_id: String,
    pub interface: InterfaceCode,
    pub file_name: String,
    pub size: u64,
    pub object_count: u32,
    pub state: FlowState,
    pub attempts: u32,
    pub next_attempt_at: Instant,
    pub last_error: Option<String>,
    pub ack_status: Option<u16>,
    pub ack_reasons: Option<String>,
    pub created_at: Instant,
    pub acknowledged_at: Option<Instant>,
}

/// A pending object read for packing, with when it was stored (the batcher's clock).
#[derive(Clone, Debug)]
pub struct PendingObject {
    pub object: FlowObject,
    pub enqueued_at: Instant,
}

/// A flow claimed for one push attempt.
#[derive(Clone, Debug)]
pub struct ClaimedFlow {
    pub flow_id: String,
    pub interface: InterfaceCode,
    pub file_name: String,
    pub archive: Vec<u8>,
    /// Attempts so far, this one included.
    pub attempts: u32,
    /// The objects it carries: (id, file name in the archive).
    pub objects: Vec<(ObjectId, String)>,
}

/// One object's outcome in an acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectOutcome {
    pub file_name: String,
    pub accepted: bool,
    pub status: u16,
    pub reason: Option<String>,
}

/// An acknowledgement to record: the flow's status and every object's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedAck {
    pub flow_id: String,
    /// 500 receivable, 501 unreceivable.
    pub status: u16,
    pub reasons: Option<String>,
    /// The acknowledgement as received, kept as evidence.
    pub document: String,
    pub objects: Vec<ObjectOutcome>,
}

/// Counts per (kind, state) and what an operator needs to see of the queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backlog {
    /// (kind, state, count, oldest enqueue time in that state).
    pub objects: Vec<(ObjectKind, ObjectState, u64, Option<Instant>)>,
    /// (state, count).
    pub flows: Vec<(FlowState, u64)>,
    /// The oldest object not yet acknowledged (pending or packed).
    pub oldest_unacknowledged: Option<Instant>,
    /// Flows waiting for a retry, with their last error, soonest first (at most 10).
    pub failing: Vec<StoredFlow>,
}

impl Backlog {
    /// Objects in `state`, every kind.
    pub fn count(&self, state: ObjectState) -> u64 {
        self.objects
            .iter()
            .filter(|o| o.1 == state)
            .map(|o| o.2)
            .sum()
    }
}

/// Lower-case hex SHA-256 (sha2 0.11's digest does not format as hex).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
