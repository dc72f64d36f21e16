//! The duplicate-attribute check of one start tag, in buffers reused for every tag.
//!
//! quick-xml's own check allocates a vector per tag that has attributes, about a
//! hundred allocations for a small invoice. Most tags have one or two attributes, so
//! a short linear scan answers; past [`SCAN_LIMIT`] keys a hash set takes over, so a
//! hostile tag with many thousands of attributes still costs linear time.

use std::collections::HashMap;

/// Keys compared one by one before the hash set is used.
const SCAN_LIMIT: usize = 16;

#[derive(Default)]
pub(crate) struct AttrKeys {
    /// Where each key seen so far starts in the tag, and its length.
    seen: Vec<(usize, usize)>,
    /// The same keys by name, filled only once there are more than [`SCAN_LIMIT`].
    /// std's SipHash, not Fx: these keys are chosen by whoever wrote the document,
    /// who could otherwise make them collide.
    by_name: HashMap<Box<str>, usize>,
}

impl AttrKeys {
    /// Forgets the keys of the previous tag.
    pub(crate) fn clear(&mut self) {
        self.seen.clear();
        if !self.by_name.is_empty() {
            self.by_name.clear();
        }
    }

    /// Records `key`, which starts at byte `at` of `tag`; returns where the same key
    /// was first written if it was already seen in this tag.
    pub(crate) fn insert(&mut self, tag: &str, at: usize, key: &str) -> Option<usize> {
        if self.seen.len() < SCAN_LIMIT {
            let previous = self
                .seen
                .iter()
                .find(|&&(start, len)| &tag[start..start + len] == key)
                .map(|&(start, _)| start);
            if previous.is_none() {
                self.seen.push((at, key.len()));
            }
            return previous;
        }
        if self.by_name.is_empty() {
            for &(start, len) in &self.seen {
                self.by_name.insert(tag[start..start + len].into(), start);
            }
        }
        match self.by_name.get(key) {
            Some(&start) => Some(start),
            None => {
                self.by_name.insert(key.into(), at);
                self.seen.push((at, key.len()));
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_declaration_of_a_repeated_key() {
        let tag = "a x='1' y='2' x='3'";
        let mut keys = AttrKeys::default();
        assert_eq!(keys.insert(tag, 2, "x"), None);
        assert_eq!(keys.insert(tag, 8, "y"), None);
        assert_eq!(keys.insert(tag, 14, "x"), Some(2));
        keys.clear();
        assert_eq!(keys.insert(tag, 14, "x"), None);
    }

    #[test]
    fn many_keys_switch_to_the_hash_set() {
        let names: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
        let tag: String = names.iter().map(|n| format!("{n}='' ")).collect();
        let mut keys = AttrKeys::default();
        let mut at = 0;
        for n in &names {
            assert_eq!(keys.insert(&tag, at, n), None);
            at += n.len() + 4;
        }
        assert_eq!(
            keys.insert(&tag, at, "k50"),
            Some(names[..50].iter().map(|n| n.len() + 4).sum())
        );
    }
}
