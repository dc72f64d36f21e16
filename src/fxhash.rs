//! A small, fast, non-cryptographic hasher (the "Fx" hash of rustc and Firefox) for
//! the maps built while reading and validating one document.
//!
//! std's default SipHash resists hash flooding, but its per-lookup cost dominated the
//! profile of the name tables, code lists and VAT sums, whose keys are short names
//! and codes. Flooding is not a concern there: every table is built from one
//! document, whose size the XML limits already bound, or from facteur's own data.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` using [`FxHasher`]; build with `FxHashMap::default()`.
pub(crate) type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
/// A `HashSet` using [`FxHasher`]; build with `FxHashSet::default()`.
pub(crate) type FxHashSet<T> = HashSet<T, BuildHasherDefault<FxHasher>>;

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// Folds each word into the state with a rotate, an xor and a multiply.
#[derive(Clone, Copy, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_and_sets_work_with_string_keys() {
        let mut map: FxHashMap<Box<str>, u32> = FxHashMap::default();
        for (i, k) in ["a", "ab", "abcdefgh", "abcdefghi", ""]
            .into_iter()
            .enumerate()
        {
            map.insert(k.into(), i as u32);
        }
        assert_eq!(map.get("abcdefghi"), Some(&3));
        assert_eq!(map.get(""), Some(&4));
        assert_eq!(map.get("abcdefg"), None);
        let set: FxHashSet<&str> = ["EUR", "USD"].into_iter().collect();
        assert!(set.contains("EUR") && !set.contains("GBP"));
    }
}
