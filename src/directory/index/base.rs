//! The immutable bulk of the index and its builder: packed keys, the hash maps from
//! key to span, the single vector of lines, and the interned routing codes and
//! suffixes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::IndexLine;
use crate::identifiers::{AddressingId, Siren, Siret};

/// A multiply-xor hasher finished with MurmurHash3's `fmix64`: keys are not
/// attacker-chosen at lookup time in a way that matters (the index is built from the
/// directory), and SipHash would cost a third of a lookup.
#[derive(Default, Clone, Copy)]
pub struct MixHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut buf = [0u8; 8];
            buf[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(buf));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(23) ^ n).wrapping_mul(K);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<MixHasher>>;

#[derive(Clone, Copy, Debug)]
pub(super) struct Span {
    pub(super) offset: u32,
    pub(super) len: u32,
}

/// The packed form of an addressing identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Packed {
    Siren(u32),
    Siret(u64),
    Routing(u64, u32),
    Suffix(u32, u32),
}

fn digits(value: &str) -> Option<u64> {
    value.bytes().try_fold(0u64, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u64::from(b - b'0'))
    })
}

/// The number an identifier's digits spell (checked identifiers only).
pub(crate) fn number(value: &str) -> u64 {
    digits(value).unwrap_or(0)
}

pub(crate) fn siren_num(siren: &Siren) -> u32 {
    digits(siren.as_str()).unwrap_or(0) as u32
}

pub(crate) fn siret_num(siret: &Siret) -> u64 {
    digits(siret.as_str()).unwrap_or(0)
}

/// The immutable bulk of the index, built once from storage.
#[derive(Default)]
pub struct Base {
    pub(super) siren: FastMap<u32, Span>,
    pub(super) siret: FastMap<u64, Span>,
    pub(super) routing: FastMap<(u64, u32), Span>,
    pub(super) suffix: FastMap<(u32, u32), Span>,
    pub(super) lines: Vec<IndexLine>,
    pub(super) names: FastMap<Box<str>, u32>,
}

impl Base {
    pub(super) fn slice(&self, span: Option<&Span>) -> &[IndexLine] {
        match span {
            Some(s) => self
                .lines
                .get(s.offset as usize..(s.offset + s.len) as usize)
                .unwrap_or(&[]),
            None => &[],
        }
    }

    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    pub fn key_count(&self) -> usize {
        self.siren.len() + self.siret.len() + self.routing.len() + self.suffix.len()
    }

    /// Visits every key's lines (used to merge a delta into a new base).
    pub(super) fn for_each(&self, mut f: impl FnMut(Packed, &[IndexLine])) {
        for (k, s) in &self.siren {
            f(Packed::Siren(*k), self.slice(Some(s)));
        }
        for (k, s) in &self.siret {
            f(Packed::Siret(*k), self.slice(Some(s)));
        }
        for (k, s) in &self.routing {
            f(Packed::Routing(k.0, k.1), self.slice(Some(s)));
        }
        for (k, s) in &self.suffix {
            f(Packed::Suffix(k.0, k.1), self.slice(Some(s)));
        }
    }
}

/// Collects lines (in any order) and builds a [`Base`].
#[derive(Default)]
pub struct IndexBuilder {
    pub(super) entries: Vec<(Packed, IndexLine)>,
    names: FastMap<Box<str>, u32>,
    /// Rows whose identifiers could not be read back (should be none).
    pub skipped: u64,
}

impl IndexBuilder {
    pub fn with_capacity(lines: usize) -> IndexBuilder {
        IndexBuilder {
            entries: Vec::with_capacity(lines),
            ..IndexBuilder::default()
        }
    }

    pub(super) fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.names.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.insert(name.into(), id);
        id
    }

    pub fn push(&mut self, addressing: &AddressingId, line: IndexLine) {
        let packed = match addressing {
            AddressingId::Siren(s) => Packed::Siren(siren_num(s)),
            AddressingId::Siret(t) => Packed::Siret(siret_num(t)),
            AddressingId::RoutingCode(t, c) => {
                Packed::Routing(siret_num(t), self.intern(c.as_str()))
            }
            AddressingId::Suffix(s, x) => Packed::Suffix(siren_num(s), self.intern(x.as_str())),
        };
        self.entries.push((packed, line));
    }

    /// Pushes a row read back from storage, whose identifiers were validated when it
    /// was written (so only their digits are read here).
    pub fn push_parts(
        &mut self,
        siren: &str,
        siret: Option<&str>,
        routing_code: Option<&str>,
        suffix: Option<&str>,
        line: IndexLine,
    ) {
        let packed = match (digits(siren), siret.map(digits), routing_code, suffix) {
            (Some(s), None, None, None) => Packed::Siren(s as u32),
            (Some(s), None, None, Some(x)) => Packed::Suffix(s as u32, self.intern(x)),
            (Some(_), Some(Some(t)), None, None) => Packed::Siret(t),
            (Some(_), Some(Some(t)), Some(c), None) => Packed::Routing(t, self.intern(c)),
            _ => {
                self.skipped += 1;
                return;
            }
        };
        self.entries.push((packed, line));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn build(mut self) -> Base {
        self.entries
            .sort_unstable_by_key(|(k, l)| (*k, l.start, l.id));
        let mut counts = [0usize; 4];
        let mut previous = None;
        for (k, _) in &self.entries {
            if previous != Some(*k) {
                counts[match k {
                    Packed::Siren(_) => 0,
                    Packed::Siret(_) => 1,
                    Packed::Routing(..) => 2,
                    Packed::Suffix(..) => 3,
                }] += 1;
                previous = Some(*k);
            }
        }
        let mut base = Base {
            siren: FastMap::with_capacity_and_hasher(counts[0], Default::default()),
            siret: FastMap::with_capacity_and_hasher(counts[1], Default::default()),
            routing: FastMap::with_capacity_and_hasher(counts[2], Default::default()),
            suffix: FastMap::with_capacity_and_hasher(counts[3], Default::default()),
            lines: Vec::with_capacity(self.entries.len()),
            names: std::mem::take(&mut self.names),
        };
        let entries = std::mem::take(&mut self.entries);
        let mut i = 0;
        while i < entries.len() {
            let key = entries[i].0;
            let offset = base.lines.len() as u32;
            while i < entries.len() && entries[i].0 == key {
                base.lines.push(entries[i].1);
                i += 1;
            }
            let span = Span {
                offset,
                len: base.lines.len() as u32 - offset,
            };
            match key {
                Packed::Siren(s) => base.siren.insert(s, span),
                Packed::Siret(t) => base.siret.insert(t, span),
                Packed::Routing(t, c) => base.routing.insert((t, c), span),
                Packed::Suffix(s, x) => base.suffix.insert((s, x), span),
            };
        }
        drop(entries);
        base.names.shrink_to_fit();
        base
    }
}
