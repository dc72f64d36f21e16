//! Flows to the PPF (specs-externes v3.2 §3.4): objects of one nature and format,
//! grouped per interface code, packed as a `tar.gz` archive named
//! `<interface code 8>_<application code 6>_<flow id 25>`, where the flow id is the
//! sender's application code and a 19-character sequence (AIFE recommendation: the
//! interface's 4 digits then 15 digits). Limits: 100 MB per file, 1 GB per flow, and
//! an indicative maximum of objects per flow (F1 1000, F6 2000, F10 100, §3.4.6).
//!
//! The [`Batcher`] decides when a flow leaves: when it is full (objects or bytes), when
//! its oldest object has waited the maximum age (one hour by default, §3.4.6), or when
//! an object's due time (24 hours for F1 and F6, §3.6.5-6) comes within a safety
//! margin. It is pure: the clock is an argument.
//!
//! Flow ids are derived from a sequence the caller allocates (storage will), so a
//! flow re-sent after a crash carries the same name and the PPF's uniqueness check
//! (IRR_UNICITE) sees the duplicate. Archives are deterministic (fixed mtime, fixed
//! order), so the same objects give the same bytes.

use std::collections::HashMap;
use std::fmt;
use std::io::Write as _;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

use super::f1::{F1File, F1Syntax};
use super::f6::F6Message;
use super::f10::F10File;
use super::{ApplicationCode, Instant, ObjectId};

/// The interface codes facteur sends on (table 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum InterfaceCode {
    /// F1 regulatory data in UBL: FFE0111A.
    F1Ubl,
    /// F1 regulatory data in CII: FFE0112A.
    F1Cii,
    /// F6 invoice lifecycle (the mandatory statuses a PA sends): FFE0614A.
    F6Invoice,
    /// F6 lifecycle of mandatory statuses: FFE0654A (kept for the PPF's answers and
    /// in case the PPF asks for this code on the way in).
    F6MandatoryStatus,
    /// F10 transaction and payment data: FFE1025A.
    F10,
}

impl InterfaceCode {
    pub fn code(self) -> &'static str {
        match self {
            InterfaceCode::F1Ubl => "FFE0111A",
            InterfaceCode::F1Cii => "FFE0112A",
            InterfaceCode::F6Invoice => "FFE0614A",
            InterfaceCode::F6MandatoryStatus => "FFE0654A",
            InterfaceCode::F10 => "FFE1025A",
        }
    }

    /// The 4 digits of the code, which start the recommended flow sequence.
    fn digits(self) -> &'static str {
        &self.code()[3..7]
    }

    /// Indicative maximum of objects per flow (table 5).
    pub fn max_objects(self) -> usize {
        match self {
            InterfaceCode::F1Ubl | InterfaceCode::F1Cii => 1000,
            InterfaceCode::F6Invoice | InterfaceCode::F6MandatoryStatus => 2000,
            InterfaceCode::F10 => 100,
        }
    }

    pub fn parse(code: &str) -> Option<InterfaceCode> {
        [
            InterfaceCode::F1Ubl,
            InterfaceCode::F1Cii,
            InterfaceCode::F6Invoice,
            InterfaceCode::F6MandatoryStatus,
            InterfaceCode::F10,
        ]
        .into_iter()
        .find(|i| i.code() == code)
    }
}

/// Largest file in a flow (footnote 67).
pub const MAX_FILE_BYTES: u64 = 100 * 1024 * 1024;
/// Largest flow (footnote 67).
pub const MAX_FLOW_BYTES: u64 = 1024 * 1024 * 1024;
/// Largest sequence that fits the 15 digits after the interface's 4.
pub const MAX_SEQUENCE: u64 = 999_999_999_999_999;

/// One object of a flow: a file and what batching needs to know of it. Serializable
/// so storage can keep pending objects across a restart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowObject {
    pub interface: InterfaceCode,
    pub id: ObjectId,
    pub file_name: String,
    pub content: Vec<u8>,
    /// When the PPF must have it, if a deadline applies.
    pub due_at: Option<Instant>,
}

impl FlowObject {
    /// An F1 file, due 24 hours after its invoice's status 200 (`deposited_at`).
    pub fn f1(file: F1File, deposited_at: Option<Instant>) -> FlowObject {
        FlowObject {
            interface: match file.syntax {
                F1Syntax::Ubl => InterfaceCode::F1Ubl,
                F1Syntax::Cii => InterfaceCode::F1Cii,
            },
            id: file.id,
            file_name: file.file_name,
            content: file.xml.into_bytes(),
            due_at: deposited_at.map(|t| t.plus_hours(super::f6::DUE_HOURS)),
        }
    }

    pub fn f6(message: F6Message) -> FlowObject {
        FlowObject {
            interface: InterfaceCode::F6Invoice,
            id: message.id,
            file_name: message.file_name,
            content: message.xml.into_bytes(),
            due_at: Some(message.due_at),
        }
    }

    /// An F10 file; its deadline is the period's (see `f10::period::deadline`), given
    /// as an instant by the caller who knows the time zone.
    pub fn f10(file: F10File, due_at: Option<Instant>) -> FlowObject {
        FlowObject {
            interface: InterfaceCode::F10,
            id: file.id,
            file_name: file.file_name,
            content: file.xml.into_bytes(),
            due_at,
        }
    }

    /// Bytes the object takes in the tar stream: a header block (two more for a
    /// long name) and the content padded to 512.
    fn tar_bytes(&self) -> u64 {
        let header = if self.file_name.len() > 100 {
            3 * 512
        } else {
            512
        };
        header + (self.content.len() as u64).div_ceil(512) * 512
    }
}

/// A flow's name (the envelope).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FlowName {
    pub interface: InterfaceCode,
    pub application_code: ApplicationCode,
    /// Allocated by the sender, unique per interface; at most [`MAX_SEQUENCE`].
    pub sequence: u64,
}

impl FlowName {
    /// The 25-character flow id: application code + interface digits + 15 digits.
    pub fn flow_id(&self) -> String {
        format!(
            "{}{}{:015}",
            self.application_code,
            self.interface.digits(),
            self.sequence
        )
    }

    /// The archive's file name.
    pub fn file_name(&self) -> String {
        format!("{self}.tar.gz")
    }

    /// Reads a name back (`FFE0111A_AAA123_AAA1230111000000000000001`).
    pub fn parse(text: &str) -> Option<FlowName> {
        let mut parts = text.split('_');
        let (interface, app, id) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let interface = InterfaceCode::parse(interface)?;
        let application_code = ApplicationCode::parse(app).ok()?;
        let rest = id.strip_prefix(app)?.strip_prefix(interface.digits())?;
        if rest.len() != 15 || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(FlowName {
            interface,
            application_code,
            sequence: rest.parse().ok()?,
        })
    }
}

impl fmt::Display for FlowName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}_{}_{}",
            self.interface.code(),
            self.application_code,
            self.flow_id()
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("a flow needs at least one object (IRR_VIDE)")]
    Empty,
    #[error("file {name} is {size} bytes, over the 100 MB limit (IRR_TAILLE_F)")]
    FileTooLarge { name: String, size: u64 },
    #[error("file {0} is empty (IRR_VIDE_F)")]
    EmptyFile(String),
    #[error("the flow would be {0} bytes, over the 1 GB limit (IRR_TAILLE)")]
    FlowTooLarge(u64),
    #[error("{count} objects exceed the {max} allowed per {interface:?} flow")]
    TooManyObjects {
        interface: InterfaceCode,
        count: usize,
        max: usize,
    },
    #[error("object {id} belongs to interface {found:?}, not {expected:?}")]
    WrongInterface {
        id: ObjectId,
        expected: InterfaceCode,
        found: InterfaceCode,
    },
    #[error("two files are named {0}")]
    DuplicateFileName(String),
    #[error("sequence {0} does not fit the flow id's 15 digits")]
    Sequence(u64),
    #[error("cannot write the archive: {0}")]
    Io(#[from] std::io::Error),
}

/// A packed flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    pub name: FlowName,
    /// The objects it carries, in archive order.
    pub objects: Vec<ObjectId>,
    /// The `tar.gz` bytes.
    pub archive: Vec<u8>,
}

fn check_object(o: &FlowObject) -> Result<(), FlowError> {
    let size = o.content.len() as u64;
    if size == 0 {
        return Err(FlowError::EmptyFile(o.file_name.clone()));
    }
    if size > MAX_FILE_BYTES {
        return Err(FlowError::FileTooLarge {
            name: o.file_name.clone(),
            size,
        });
    }
    Ok(())
}

/// Packs `objects` into the flow `name`, checking the limits the PPF checks.
pub fn package(name: FlowName, objects: &[FlowObject]) -> Result<Flow, FlowError> {
    package_with(name, objects, Compression::fast())
}

/// [`package`] with a chosen compression level (fast by default: flows are mostly
/// small XML files, where the level changes the size little and the time much).
pub fn package_with(
    name: FlowName,
    objects: &[FlowObject],
    level: Compression,
) -> Result<Flow, FlowError> {
    if objects.is_empty() {
        return Err(FlowError::Empty);
    }
    if name.sequence > MAX_SEQUENCE {
        return Err(FlowError::Sequence(name.sequence));
    }
    let max = name.interface.max_objects();
    if objects.len() > max {
        return Err(FlowError::TooManyObjects {
            interface: name.interface,
            count: objects.len(),
            max,
        });
    }
    let mut names = std::collections::HashSet::with_capacity(objects.len());
    let mut tar_size = 1024u64;
    for o in objects {
        if o.interface != name.interface {
            return Err(FlowError::WrongInterface {
                id: o.id.clone(),
                expected: name.interface,
                found: o.interface,
            });
        }
        check_object(o)?;
        if !names.insert(o.file_name.as_str()) {
            return Err(FlowError::DuplicateFileName(o.file_name.clone()));
        }
        tar_size += o.tar_bytes();
    }
    if tar_size > MAX_FLOW_BYTES {
        return Err(FlowError::FlowTooLarge(tar_size));
    }
    let capacity = usize::try_from(tar_size / 4).unwrap_or(0);
    let gz = GzEncoder::new(Vec::with_capacity(capacity), level);
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    for o in objects {
        let mut header = tar::Header::new_gnu();
        header.set_size(o.content.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, &o.file_name, o.content.as_slice())?;
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    let archive = gz.finish()?;
    if archive.len() as u64 > MAX_FLOW_BYTES {
        return Err(FlowError::FlowTooLarge(archive.len() as u64));
    }
    Ok(Flow {
        name,
        objects: objects.iter().map(|o| o.id.clone()).collect(),
        archive,
    })
}

/// When flows leave.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchPolicy {
    /// Seconds the oldest object may wait (one hour, §3.4.6).
    pub max_age_seconds: i64,
    /// A flow leaves when an object's due time is this close (leaves time to send,
    /// retry and be acknowledged within the 24 hours).
    pub due_margin_seconds: i64,
    /// Upper bound of a flow's size (the tar size, which bounds the archive's).
    pub max_flow_bytes: u64,
    /// Lower the per-interface maximum of objects (tests, a pilot's agreed value);
    /// `None` keeps table 5.
    pub max_objects: Option<usize>,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        BatchPolicy {
            max_age_seconds: 3600,
            due_margin_seconds: 2 * 3600,
            max_flow_bytes: MAX_FLOW_BYTES,
            max_objects: None,
        }
    }
}

/// Why a batch was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseReason {
    /// The maximum number of objects was reached.
    Full,
    /// The next object would have pushed the flow past its size limit.
    Size,
    /// The oldest object waited the maximum age.
    Age,
    /// An object's due time came within the margin.
    Due,
    /// Everything pending was asked for (shutdown).
    Flush,
}

/// Objects ready to become one flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub interface: InterfaceCode,
    pub objects: Vec<FlowObject>,
    pub reason: CloseReason,
}

#[derive(Default)]
struct Pending {
    objects: Vec<FlowObject>,
    tar_bytes: u64,
    since: Option<Instant>,
    earliest_due: Option<Instant>,
}

/// Groups objects per interface and closes batches by count, size, age and due time.
pub struct Batcher {
    policy: BatchPolicy,
    pending: HashMap<InterfaceCode, Pending>,
}

impl Batcher {
    pub fn new(policy: BatchPolicy) -> Batcher {
        Batcher {
            policy,
            pending: HashMap::new(),
        }
    }

    fn max_objects(&self, interface: InterfaceCode) -> usize {
        let table = interface.max_objects();
        self.policy.max_objects.map_or(table, |m| m.clamp(1, table))
    }

    /// Adds an object received at `now`; returns the batches this closes (the
    /// pending one when the object would not fit, the new one when it is full).
    pub fn push(&mut self, object: FlowObject, now: Instant) -> Result<Vec<Batch>, FlowError> {
        check_object(&object)?;
        let interface = object.interface;
        let max_objects = self.max_objects(interface);
        let max_bytes = self.policy.max_flow_bytes;
        let mut closed = Vec::new();
        let size = object.tar_bytes();
        let pending = self.pending.entry(interface).or_default();
        if !pending.objects.is_empty() && pending.tar_bytes + size + 1024 > max_bytes {
            closed.push(take(interface, pending, CloseReason::Size));
        }
        pending.tar_bytes += size;
        pending.since.get_or_insert(now);
        if let Some(due) = object.due_at {
            pending.earliest_due = Some(pending.earliest_due.map_or(due, |d| d.min(due)));
        }
        pending.objects.push(object);
        if pending.objects.len() >= max_objects {
            closed.push(take(interface, pending, CloseReason::Full));
        }
        Ok(closed)
    }

    /// The batches that must leave at `now`: old enough, or holding an object about
    /// to be due.
    pub fn poll(&mut self, now: Instant) -> Vec<Batch> {
        let policy = self.policy;
        let mut out = Vec::new();
        for (interface, pending) in &mut self.pending {
            if pending.objects.is_empty() {
                continue;
            }
            let due = pending
                .earliest_due
                .is_some_and(|d| now.plus_seconds(policy.due_margin_seconds) >= d);
            let old = pending
                .since
                .is_some_and(|s| now.seconds_since(s) >= policy.max_age_seconds);
            if due {
                out.push(take(*interface, pending, CloseReason::Due));
            } else if old {
                out.push(take(*interface, pending, CloseReason::Age));
            }
        }
        out.sort_by_key(|b| b.interface);
        out
    }

    /// Closes every pending batch.
    pub fn flush(&mut self) -> Vec<Batch> {
        let mut out: Vec<Batch> = self
            .pending
            .iter_mut()
            .filter(|(_, p)| !p.objects.is_empty())
            .map(|(i, p)| take(*i, p, CloseReason::Flush))
            .collect();
        out.sort_by_key(|b| b.interface);
        out
    }

    /// Objects waiting, all interfaces together.
    pub fn pending_objects(&self) -> usize {
        self.pending.values().map(|p| p.objects.len()).sum()
    }

    /// When [`Batcher::poll`] will next close a batch if nothing else happens, so a
    /// scheduler can sleep until then.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.pending
            .values()
            .filter(|p| !p.objects.is_empty())
            .filter_map(|p| {
                let age = p.since.map(|s| s.plus_seconds(self.policy.max_age_seconds));
                let due = p
                    .earliest_due
                    .map(|d| d.plus_seconds(-self.policy.due_margin_seconds));
                match (age, due) {
                    (Some(a), Some(d)) => Some(a.min(d)),
                    (a, d) => a.or(d),
                }
            })
            .min()
    }
}

fn take(interface: InterfaceCode, pending: &mut Pending, reason: CloseReason) -> Batch {
    let objects = std::mem::take(&mut pending.objects);
    *pending = Pending::default();
    Batch {
        interface,
        objects,
        reason,
    }
}

#[cfg(test)]
mod tests;
