//! A small cache of resolved element names, keyed by the raw `prefix:local` text.
//!
//! Resolving an element name (finding the prefix binding, then interning the
//! namespace and local name) was the largest cost of building the tree after the
//! reader itself, yet a document repeats a few dozen names. While the namespace
//! bindings in scope are unchanged, the same raw name always resolves to the same
//! [`NameId`], so a direct-mapped table answers most lookups with one comparison.
//! Any change of bindings starts a new generation, which invalidates every entry.
//!
//! The table is 4 KB; allocating and zeroing it for every document cost about as much
//! as reading a small invoice's names, so each thread keeps its tables between
//! documents ([`NameCache::take`]) and a new document starts a new generation.

use std::cell::Cell;

use super::names::NameId;
use super::parse::same_bytes;

const SLOTS: usize = 256;

#[derive(Clone, Copy)]
struct Entry {
    generation: u32,
    /// Byte range of the raw name in the document text.
    start: u32,
    len: u32,
    id: NameId,
}

pub(crate) struct NameCache {
    generation: u32,
    entries: Vec<Entry>,
}

/// Tables a thread keeps for its next documents (a document uses two, one for
/// element names and one for attribute names).
const SPARES: usize = 4;

thread_local! {
    /// The tables of the last document read on this thread, ready for the next one.
    static SPARE: Cell<Vec<NameCache>> = const { Cell::new(Vec::new()) };
}

/// A [`NameCache`] borrowed from the thread's spare slot, put back when dropped.
pub(crate) struct Recycled(NameCache);

impl std::ops::Deref for Recycled {
    type Target = NameCache;
    fn deref(&self) -> &NameCache {
        &self.0
    }
}

impl std::ops::DerefMut for Recycled {
    fn deref_mut(&mut self) -> &mut NameCache {
        &mut self.0
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        let cache = std::mem::replace(&mut self.0, NameCache::unallocated());
        SPARE.with(|spare| {
            let mut tables = spare.take();
            if tables.len() < SPARES {
                tables.push(cache);
            }
            spare.set(tables);
        });
    }
}

impl NameCache {
    /// A table for a new document: the thread's spare one with every entry
    /// invalidated, or a fresh one.
    pub(crate) fn take() -> Recycled {
        let spare = SPARE.with(|spare| {
            let mut tables = spare.take();
            let table = tables.pop();
            spare.set(tables);
            table
        });
        let cache = match spare {
            Some(mut cache) => {
                cache.invalidate();
                cache
            }
            None => NameCache::new(),
        };
        Recycled(cache)
    }

    /// A placeholder without a table, only ever left in a [`Recycled`] being dropped.
    fn unallocated() -> Self {
        NameCache {
            generation: 1,
            entries: Vec::new(),
        }
    }

    pub(crate) fn new() -> Self {
        let empty = Entry {
            generation: 0,
            start: 0,
            len: 0,
            id: NameId(0),
        };
        NameCache {
            generation: 1,
            entries: vec![empty; SLOTS],
        }
    }

    /// Forgets every entry: the prefix bindings in scope changed.
    pub(crate) fn invalidate(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // The counter wrapped (a table reused for billions of documents): entries
            // of an old generation could look current again, so forget them for real.
            for entry in &mut self.entries {
                entry.generation = 0;
            }
            self.generation = 1;
        }
    }

    /// The id cached for `raw`, which starts at byte `start` of `text`. Inlined: it
    /// runs for every start tag, and hits are the rule.
    #[inline]
    pub(crate) fn get(&self, text: &str, raw: &str) -> Option<NameId> {
        let e = &self.entries[slot(raw)];
        let hit = e.generation == self.generation
            && e.len as usize == raw.len()
            && text
                .as_bytes()
                .get(e.start as usize..(e.start + e.len) as usize)
                .is_some_and(|cached| same_bytes(cached, raw.as_bytes()));
        hit.then_some(e.id)
    }

    /// Remembers that `raw`, found at byte `start` of the text, resolves to `id`.
    pub(crate) fn put(&mut self, start: usize, raw: &str, id: NameId) {
        let (Ok(start), Ok(len)) = (u32::try_from(start), u32::try_from(raw.len())) else {
            return;
        };
        self.entries[slot(raw)] = Entry {
            generation: self.generation,
            start,
            len,
            id,
        };
    }
}

/// The table slot of a raw name: its length and three of its bytes, mixed by a
/// multiply. The bytes are taken from the end and the middle: names share their
/// first bytes (`cbc:`, `cac:`, `ram:`) far more often than their others.
fn slot(raw: &str) -> usize {
    let b = raw.as_bytes();
    let n = b.len();
    let at = |i: usize| u64::from(b.get(i).copied().unwrap_or(0));
    let key =
        n as u64 | at(n.wrapping_sub(1)) << 16 | at(n.wrapping_sub(3)) << 24 | at(n / 2) << 32;
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize % SLOTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hits_only_the_same_text_in_the_same_generation() {
        let text = "<cbc:ID><cbc:ID>";
        let mut cache = NameCache::new();
        assert_eq!(cache.get(text, "cbc:ID"), None);
        cache.put(1, "cbc:ID", NameId(7));
        assert_eq!(cache.get(text, "cbc:ID"), Some(NameId(7)));
        assert_eq!(cache.get(text, "cac:ID"), None);
        cache.invalidate();
        assert_eq!(cache.get(text, "cbc:ID"), None);
    }

    #[test]
    fn a_recycled_table_forgets_the_previous_document() {
        let text = "<cbc:ID><cbc:ID>";
        {
            let mut cache = NameCache::take();
            cache.put(1, "cbc:ID", NameId(7));
            assert_eq!(cache.get(text, "cbc:ID"), Some(NameId(7)));
        }
        let cache = NameCache::take();
        assert!(
            cache.generation > 1,
            "the table is reused, not allocated again"
        );
        assert_eq!(cache.get(text, "cbc:ID"), None);
    }

    #[test]
    fn a_wrapped_generation_forgets_every_entry() {
        let text = "<cbc:ID>";
        let mut cache = NameCache::new();
        cache.put(1, "cbc:ID", NameId(7));
        cache.generation = u32::MAX;
        cache.invalidate();
        assert_eq!(cache.generation, 1);
        assert_eq!(cache.get(text, "cbc:ID"), None);
    }
}
