//! The in-memory resolution index: every current definition line, keyed by a packed
//! addressing identifier, published as an immutable [`Snapshot`] behind an atomic
//! pointer.
//!
//! Layout (why it is small and fast): a SIREN is a `u32`, a SIRET a `u64`, routing
//! codes and suffixes are interned to `u32`; each key maps to a span of a single
//! `Vec<IndexLine>` (24 bytes a line: id, start, stop, matricule), lines of a key
//! sorted by start. A lookup is one hash probe per fallback level and a scan of the
//! key's few lines.
//!
//! Consistency: a snapshot is never modified. A change builds a new snapshot that
//! shares the big immutable [`Base`] and carries a small delta (the complete new
//! line list of each changed key, which replaces the base's), then swaps the pointer;
//! a reader holds one snapshot for its whole lookup, so it sees the directory either
//! before or after a change, never half of it.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::directory::day::Day;
use crate::identifiers::{AddressingId, AddressingRef, Matricule};

mod base;

use base::Packed;
pub use base::{Base, FastMap, IndexBuilder, MixHasher};
pub(crate) use base::{number, siren_num, siret_num};

/// Open end of a line in the index.
pub const OPEN: i32 = i32::MAX;

/// One definition line as the index keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexLine {
    pub id: i64,
    pub start: i32,
    /// First day the line no longer applies (the earlier of end and effective end),
    /// [`OPEN`] when none.
    pub stop: i32,
    pub matricule: u16,
}

impl IndexLine {
    pub fn new(id: i64, matricule: Matricule, start: Day, stop: Option<Day>) -> IndexLine {
        IndexLine {
            id,
            start: start.days(),
            stop: stop.map_or(OPEN, Day::days),
            matricule: matricule.value(),
        }
    }
}

/// Which identifier of the fallback chain a resolution used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    RoutingCode,
    Siret,
    Siren,
    Suffix,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::RoutingCode => "SIREN_SIRET_ROUTING",
            Level::Siret => "SIREN_SIRET",
            Level::Siren => "SIREN",
            Level::Suffix => "SIREN_SUFFIX",
        }
    }
}

/// The resolution policy when the addressing identifier itself has no line in force
/// (the reform's texts leave it open; see ARCHITECTURE.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fallback {
    /// SIREN_SIRET_ROUTING → SIREN_SIRET → SIREN; SIREN_SUFFIX exact only.
    #[default]
    Hierarchical,
    /// The addressing identifier's own line only.
    Exact,
}

impl Fallback {
    pub fn parse(value: &str) -> Option<Fallback> {
        match value {
            "hierarchical" => Some(Fallback::Hierarchical),
            "exact" => Some(Fallback::Exact),
            _ => None,
        }
    }
}

/// The answer to a resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub line: IndexLine,
    pub level: Level,
}

impl Resolved {
    pub fn matricule(&self) -> Option<Matricule> {
        Matricule::from_value(self.line.matricule)
    }
}

/// The delta's key: kind (0 SIREN, 1 SIRET, 2 routing code, 3 suffix) and the SIREN
/// or SIRET number; the routing code or suffix is compared in the entry, so a lookup
/// allocates nothing.
type DeltaKey = (u8, u64);

#[derive(Clone, Debug)]
struct DeltaEntry {
    name: Box<str>,
    lines: Arc<[IndexLine]>,
}

fn delta_key(addressing: &AddressingId) -> (DeltaKey, &str) {
    match addressing {
        AddressingId::Siren(s) => ((0, u64::from(siren_num(s))), ""),
        AddressingId::Siret(t) => ((1, siret_num(t)), ""),
        AddressingId::RoutingCode(t, c) => ((2, siret_num(t)), c.as_str()),
        AddressingId::Suffix(s, x) => ((3, u64::from(siren_num(s))), x.as_str()),
    }
}

/// Platform registrations as resolution needs them: per matricule, the first day it
/// is no longer in force ([`OPEN`] while registered, 0 when unknown).
#[derive(Clone)]
pub struct PlatformStates(Arc<[i32]>);

impl PlatformStates {
    pub fn new(platforms: impl IntoIterator<Item = (Matricule, Option<Day>)>) -> PlatformStates {
        let mut states = vec![0i32; 10_000];
        for (m, inactive_from) in platforms {
            if let Some(slot) = states.get_mut(m.value() as usize) {
                *slot = inactive_from.map_or(OPEN, Day::days);
            }
        }
        PlatformStates(states.into())
    }

    fn active_on(&self, matricule: u16, day: i32) -> bool {
        self.0.get(matricule as usize).is_some_and(|&d| day < d)
    }
}

/// One consistent version of the index.
#[derive(Clone)]
pub struct Snapshot {
    base: Arc<Base>,
    delta: FastMap<DeltaKey, Vec<DeltaEntry>>,
    platforms: PlatformStates,
}

impl Snapshot {
    pub fn new(base: Base, platforms: PlatformStates) -> Snapshot {
        Snapshot {
            base: Arc::new(base),
            delta: FastMap::default(),
            platforms,
        }
    }

    pub fn base(&self) -> &Base {
        &self.base
    }

    /// Number of keys changed since the base was built.
    pub fn delta_len(&self) -> usize {
        self.delta.values().map(Vec::len).sum()
    }

    fn delta_lookup(&self, key: DeltaKey, name: &str) -> Option<&[IndexLine]> {
        if self.delta.is_empty() {
            return None;
        }
        self.delta
            .get(&key)?
            .iter()
            .find(|e| &*e.name == name)
            .map(|e| &*e.lines)
    }

    fn siren_lines(&self, siren: u32) -> &[IndexLine] {
        self.delta_lookup((0, u64::from(siren)), "")
            .unwrap_or_else(|| self.base.slice(self.base.siren.get(&siren)))
    }

    fn siret_lines(&self, siret: u64) -> &[IndexLine] {
        self.delta_lookup((1, siret), "")
            .unwrap_or_else(|| self.base.slice(self.base.siret.get(&siret)))
    }

    fn routing_lines(&self, siret: u64, code: &str) -> &[IndexLine] {
        self.delta_lookup((2, siret), code).unwrap_or_else(|| {
            let span = self
                .base
                .names
                .get(code)
                .and_then(|c| self.base.routing.get(&(siret, *c)));
            self.base.slice(span)
        })
    }

    fn suffix_lines(&self, siren: u32, suffix: &str) -> &[IndexLine] {
        self.delta_lookup((3, u64::from(siren)), suffix)
            .unwrap_or_else(|| {
                let span = self
                    .base
                    .names
                    .get(suffix)
                    .and_then(|x| self.base.suffix.get(&(siren, *x)));
                self.base.slice(span)
            })
    }

    /// Every current definition line of exactly this addressing identifier.
    pub fn lines_of(&self, addressing: &AddressingId) -> &[IndexLine] {
        match addressing {
            AddressingId::Siren(s) => self.siren_lines(siren_num(s)),
            AddressingId::Siret(t) => self.siret_lines(siret_num(t)),
            AddressingId::RoutingCode(t, c) => self.routing_lines(siret_num(t), c.as_str()),
            AddressingId::Suffix(s, x) => self.suffix_lines(siren_num(s), x.as_str()),
        }
    }

    /// The line in force on `day` among `lines` whose platform is registered that
    /// day; if lines overlap (only a trusted import can make them), the latest start wins.
    fn in_force(&self, lines: &[IndexLine], day: i32) -> Option<IndexLine> {
        lines
            .iter()
            .rev()
            .find(|l| l.start <= day && day < l.stop && self.platforms.active_on(l.matricule, day))
            .copied()
    }

    /// The line that receives for `addressing` on `day`, following `fallback`.
    pub fn resolve(
        &self,
        addressing: &AddressingId,
        day: Day,
        fallback: Fallback,
    ) -> Option<Resolved> {
        self.resolve_ref(addressing.as_ref(), day, fallback)
    }

    /// [`Snapshot::resolve`] on a borrowed identifier: a lookup from text
    /// (`AddressingRef::parse`) allocates nothing.
    pub fn resolve_ref(
        &self,
        addressing: AddressingRef<'_>,
        day: Day,
        fallback: Fallback,
    ) -> Option<Resolved> {
        let d = day.days();
        let found = |lines: &[IndexLine], level| {
            self.in_force(lines, d).map(|line| Resolved { line, level })
        };
        let hierarchical = fallback == Fallback::Hierarchical;
        let fall_back = |siret: u64, from_routing_code: bool| {
            if !hierarchical {
                return None;
            }
            from_routing_code
                .then(|| found(self.siret_lines(siret), Level::Siret))
                .flatten()
                .or_else(|| found(self.siren_lines((siret / 100_000) as u32), Level::Siren))
        };
        match addressing {
            AddressingRef::RoutingCode(t, c) => {
                let siret = number(t);
                found(self.routing_lines(siret, c), Level::RoutingCode)
                    .or_else(|| fall_back(siret, true))
            }
            AddressingRef::Siret(t) => {
                let siret = number(t);
                found(self.siret_lines(siret), Level::Siret).or_else(|| fall_back(siret, false))
            }
            AddressingRef::Siren(s) => found(self.siren_lines(number(s) as u32), Level::Siren),
            AddressingRef::Suffix(s, x) => {
                found(self.suffix_lines(number(s) as u32, x), Level::Suffix)
            }
        }
    }

    /// A new snapshot where `addressing`'s lines are exactly `lines`.
    fn with_lines(&self, addressing: &AddressingId, mut lines: Vec<IndexLine>) -> Snapshot {
        lines.sort_unstable_by_key(|l| (l.start, l.id));
        let (key, name) = delta_key(addressing);
        let mut next = self.clone();
        let entries = next.delta.entry(key).or_default();
        let entry = DeltaEntry {
            name: name.into(),
            lines: lines.into(),
        };
        match entries.iter_mut().find(|e| e.name == entry.name) {
            Some(e) => *e = entry,
            None => entries.push(entry),
        }
        next
    }

    /// A new base with the delta merged in (O(lines); done when the delta grows).
    pub fn compacted(&self) -> Snapshot {
        let mut builder = IndexBuilder::with_capacity(self.base.line_count());
        let names: Vec<(&str, u32)> = self.base.names.iter().map(|(k, v)| (&**k, *v)).collect();
        let mut by_id = vec![""; names.len()];
        for (name, id) in names {
            if let Some(slot) = by_id.get_mut(id as usize) {
                *slot = name;
            }
        }
        let overridden = |key: DeltaKey, name: &str| self.delta_lookup(key, name).is_some();
        self.base.for_each(|packed, lines| {
            let (key, name) = match packed {
                Packed::Siren(s) => ((0, u64::from(s)), ""),
                Packed::Siret(t) => ((1, t), ""),
                Packed::Routing(t, c) => ((2, t), by_id.get(c as usize).copied().unwrap_or("")),
                Packed::Suffix(s, x) => (
                    (3, u64::from(s)),
                    by_id.get(x as usize).copied().unwrap_or(""),
                ),
            };
            if overridden(key, name) {
                return;
            }
            let packed = match packed {
                Packed::Routing(t, _) => Packed::Routing(t, builder.intern(name)),
                Packed::Suffix(s, _) => Packed::Suffix(s, builder.intern(name)),
                other => other,
            };
            builder.entries.extend(lines.iter().map(|l| (packed, *l)));
        });
        for ((kind, num), entries) in &self.delta {
            for e in entries {
                let packed = match kind {
                    0 => Packed::Siren(*num as u32),
                    1 => Packed::Siret(*num),
                    2 => Packed::Routing(*num, builder.intern(&e.name)),
                    _ => Packed::Suffix(*num as u32, builder.intern(&e.name)),
                };
                builder.entries.extend(e.lines.iter().map(|l| (packed, *l)));
            }
        }
        Snapshot::new(builder.build(), self.platforms.clone())
    }
}

/// Deltas larger than this are merged into a new base after a change.
pub const COMPACT_AFTER: usize = 50_000;

/// The published index: readers `load` a snapshot; the directory's single writer
/// publishes new ones.
pub struct Index {
    current: ArcSwap<Snapshot>,
}

impl Index {
    pub fn new(snapshot: Snapshot) -> Index {
        Index {
            current: ArcSwap::from_pointee(snapshot),
        }
    }

    pub fn empty() -> Index {
        Index::new(Snapshot::new(Base::default(), PlatformStates::new([])))
    }

    /// The current snapshot; hold it for the whole of a lookup.
    pub fn load(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    pub fn resolve(
        &self,
        addressing: &AddressingId,
        day: Day,
        fallback: Fallback,
    ) -> Option<Resolved> {
        self.current.load().resolve(addressing, day, fallback)
    }

    pub fn resolve_ref(
        &self,
        addressing: AddressingRef<'_>,
        day: Day,
        fallback: Fallback,
    ) -> Option<Resolved> {
        self.current.load().resolve_ref(addressing, day, fallback)
    }

    /// Publishes `lines` as the complete current lines of each addressing identifier
    /// in one swap (several keys change together when a line takes over a default).
    pub fn replace(&self, changes: &[(AddressingId, Vec<IndexLine>)]) {
        self.current.rcu(|current| {
            let mut next = (**current).clone();
            for (addressing, lines) in changes {
                next = next.with_lines(addressing, lines.clone());
            }
            next
        });
    }

    pub fn set_platforms(&self, platforms: PlatformStates) {
        self.current.rcu(|current| {
            let mut next = (**current).clone();
            next.platforms = platforms.clone();
            next
        });
    }

    pub fn publish(&self, snapshot: Snapshot) {
        self.current.store(Arc::new(snapshot));
    }
}
