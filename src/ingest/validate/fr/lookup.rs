//! Lookups the multi-vendor rules of both bindings share, built once per document so
//! that comparing each line with its parent, or each GROUP line with the VAT
//! breakdown, stays linear in the document size.

use std::collections::{HashMap, HashSet};

/// What the lines carrying a given line id offer to the lines naming it as parent.
#[derive(Default)]
struct Parent<'d> {
    /// The first line seller legal id of the first line with that id.
    seller: Option<&'d str>,
    /// Every sub-invoice number (AFL) of the lines with that id.
    afl: HashSet<&'d str>,
}

/// Parent lines by line id (raw, as the files compare them).
#[derive(Default)]
pub(crate) struct Parents<'d> {
    by_id: HashMap<&'d str, Parent<'d>>,
}

impl<'d> Parents<'d> {
    /// Records a line: its id, its seller legal ids and its AFL numbers.
    pub fn add(
        &mut self,
        id: Option<&'d str>,
        sellers: &[&'d str],
        afl: impl IntoIterator<Item = &'d str>,
    ) {
        let Some(id) = id else { return };
        let entry = self.by_id.entry(id).or_insert_with(|| Parent {
            seller: sellers.first().copied(),
            afl: HashSet::new(),
        });
        entry.afl.extend(afl);
    }

    /// The seller legal id of the first line named by `parents`.
    pub fn seller(&self, parents: &[&str]) -> Option<&'d str> {
        parents
            .iter()
            .find_map(|p| self.by_id.get(p))
            .and_then(|p| p.seller)
    }

    /// Some AFL number in `afl` is also one of a line named by `parents`
    /// (existential comparison).
    pub fn shares_afl(&self, parents: &[&str], afl: &[&str]) -> bool {
        parents
            .iter()
            .filter_map(|p| self.by_id.get(p))
            .any(|p| afl.iter().any(|a| p.afl.contains(a)))
    }
}

/// VAT breakdown amounts by the sub-invoice their exemption reason starts with.
///
/// The files sum the breakdowns whose reason `starts-with('#' + AFL + '#')`. For an AFL
/// without '#' that is the breakdowns whose reason's first `#…#` segment is the AFL,
/// found in a map; an AFL containing '#' falls back to scanning every breakdown.
#[derive(Default)]
pub(crate) struct Breakdowns {
    all: Vec<(String, f64)>,
    by_segment: HashMap<String, f64>,
}

impl Breakdowns {
    /// Records one VAT breakdown: its exemption reason (empty when absent) and amount.
    pub fn add(&mut self, reason: String, amount: f64) {
        if let Some(segment) = reason
            .strip_prefix('#')
            .and_then(|rest| rest.split_once('#'))
            .map(|(segment, _)| segment)
        {
            *self.by_segment.entry(segment.to_string()).or_insert(0.0) += amount;
        }
        self.all.push((reason, amount));
    }

    /// XPath `sum()` of the amounts whose reason starts with `#afl#` (0 when none).
    pub fn sum_for(&self, afl: &str) -> f64 {
        if afl.contains('#') {
            let prefix = format!("#{afl}#");
            self.all
                .iter()
                .filter(|(reason, _)| reason.starts_with(&prefix))
                .map(|(_, amount)| amount)
                .sum()
        } else {
            self.by_segment.get(afl).copied().unwrap_or(0.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakdowns_sum_by_sub_invoice_prefix() {
        let mut b = Breakdowns::default();
        b.add("#FA-1#".into(), 10.0);
        b.add("#FA-1# reduced".into(), 2.5);
        b.add("#FA-2#".into(), 7.0);
        b.add("#A#B#".into(), 1.0);
        b.add("no prefix".into(), 100.0);
        assert_eq!(b.sum_for("FA-1"), 12.5);
        assert_eq!(b.sum_for("FA-3"), 0.0);
        assert_eq!(b.sum_for("A#B"), 1.0);
        assert_eq!(b.sum_for("A"), 1.0);
    }

    #[test]
    fn parents_answer_by_line_id() {
        let mut p = Parents::default();
        p.add(Some("G1"), &["906170857"], ["FA-1"]);
        p.add(Some("G1"), &["111111111"], ["FA-9"]);
        p.add(None, &["222222222"], ["FA-2"]);
        assert_eq!(p.seller(&["G1"]), Some("906170857"));
        assert_eq!(p.seller(&["G2"]), None);
        assert!(p.shares_afl(&["G1"], &["FA-9"]));
        assert!(!p.shares_afl(&["G1"], &["FA-2"]));
    }
}
