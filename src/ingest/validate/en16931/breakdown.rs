//! Per-category and per-rate sums of line net amounts, document-level charges and
//! document-level allowances, shared by the VAT breakdown rules (BR-S-08 … BR-O-08)
//! of both syntaxes.
//!
//! The official rules recompute these sums once per breakdown with `//` queries, which
//! is quadratic in the number of lines. facteur walks the document once, files every
//! amount under each category (and category and rate) it belongs to, and lets each
//! breakdown look its sums up.

use rust_decimal::Decimal;

use crate::fxhash::{FxHashMap, FxHashSet};

/// An XPath `sum()` over values cast with `xs:decimal`. A value that is not a decimal
/// (where XPath would stop with a cast error) poisons the sum: the rules that read it
/// fail, as the catalogue recommends for dynamic errors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sum {
    total: Decimal,
    invalid: bool,
}

impl Sum {
    /// Adds one value; `None` is a value that is not a decimal.
    pub fn add(&mut self, value: Option<Decimal>) {
        match value.and_then(|v| self.total.checked_add(v)) {
            Some(total) => self.total = total,
            None => self.invalid = true,
        }
    }

    /// The sum, or `None` if a summed value was not a decimal.
    pub fn value(self) -> Option<Decimal> {
        (!self.invalid).then_some(self.total)
    }
}

/// Which kind of line an amount comes from. UBL tests invoice lines and credit-note
/// lines in two separate branches of the same rule; CII only has [`INVOICE_LINE`].
pub(crate) const INVOICE_LINE: usize = 0;
pub(crate) const CREDIT_NOTE_LINE: usize = 1;

/// The sums that belong to one category, or to one category at one rate.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Sums {
    /// Line net amounts, per kind of line.
    pub lines: [Sum; 2],
    /// A line of that kind was filed here (even one without an amount).
    pub line_seen: [bool; 2],
    /// Document-level charge amounts.
    pub charges: Sum,
    /// Document-level allowance amounts.
    pub allowances: Sum,
    /// An allowance or charge was filed here; UBL's BR-S-08 asks for one at any depth,
    /// so line-level ones are counted too (see [`Breakdown::mark_allowance_charge`]).
    pub allowance_charge_seen: bool,
}

impl Sums {
    /// Σ lines of `kind` + Σ charges − Σ allowances, exact.
    pub fn net(&self, kind: usize) -> Option<Decimal> {
        let lines = self.lines[kind].value()?;
        lines
            .checked_add(self.charges.value()?)?
            .checked_sub(self.allowances.value()?)
    }
}

/// The category codes and decimal rates of the node being filed (a line, an
/// allowance or a charge), in buffers reused from node to node: every line is filed,
/// and three allocations per line were a visible share of the rule layer.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    /// The codes are `codes[..len]`; the strings beyond are spare capacity.
    codes: Vec<String>,
    len: usize,
    pub rates: Vec<Decimal>,
}

impl Keys {
    /// Forgets the previous node's codes and rates.
    pub fn clear(&mut self) {
        self.len = 0;
        self.rates.clear();
    }

    pub fn push_code(&mut self, code: &str) {
        match self.codes.get_mut(self.len) {
            Some(spare) => {
                spare.clear();
                spare.push_str(code);
            }
            None => self.codes.push(code.to_string()),
        }
        self.len += 1;
    }

    pub fn codes(&self) -> &[String] {
        &self.codes[..self.len]
    }
}

/// Every sum of one document, keyed by category code and by (category code, rate).
#[derive(Debug, Default)]
pub(crate) struct Breakdown {
    by_category: FxHashMap<String, Sums>,
    /// Category -> rate -> sums: nested so that lookups and updates borrow the
    /// category `&str` instead of building an owned key each time.
    by_rate: FxHashMap<String, FxHashMap<Decimal, Sums>>,
}

/// The distinct values of a node's categories or rates: XPath selects a line once per
/// query however many of its tax categories match, so duplicates must not add twice.
/// Used only beyond [`FEW`] values; below, [`first_of_its_value`] answers without
/// allocating, which matters because every line is filed.
fn distinct<T: Eq + std::hash::Hash>(values: &[T]) -> Vec<&T> {
    let mut seen = FxHashSet::default();
    values.iter().filter(|v| seen.insert(*v)).collect()
}

/// Up to this many categories or rates per node, duplicates are found by a linear
/// scan; a node has one or two, and a set beyond a handful keeps pathological
/// documents linear.
const FEW: usize = 8;

/// True when `values[i]` does not occur before `i`.
fn first_of_its_value<T: PartialEq>(values: &[T], i: usize) -> bool {
    !values[..i].contains(&values[i])
}

/// Calls `each` once per distinct value, in order of first occurrence.
fn for_distinct<T: Eq + std::hash::Hash>(values: &[T], mut each: impl FnMut(&T)) {
    if values.len() <= FEW {
        for (i, v) in values.iter().enumerate() {
            if first_of_its_value(values, i) {
                each(v);
            }
        }
    } else {
        for v in distinct(values) {
            each(v);
        }
    }
}

/// The entry of `key` in a map keyed by `String`, allocating the key only when new.
fn entry<'m, V: Default>(map: &'m mut FxHashMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_string(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

impl Breakdown {
    /// The sums of a category (all zero when nothing was filed under it).
    pub fn category(&self, category: &str) -> Sums {
        self.by_category.get(category).copied().unwrap_or_default()
    }

    /// The sums of a category at one rate (rates compare as decimals: 5.5 = 5.50).
    pub fn rate(&self, category: &str, rate: Decimal) -> Sums {
        self.by_rate
            .get(category)
            .and_then(|rates| rates.get(&rate))
            .copied()
            .unwrap_or_default()
    }

    /// Files every (category, rate) pair of one node, and every category alone.
    fn file(
        &mut self,
        categories: &[String],
        rates: &[Decimal],
        mut update: impl FnMut(&mut Sums),
    ) {
        for_distinct(categories, |category| {
            update(entry(&mut self.by_category, category));
            if !rates.is_empty() {
                let by_rate = entry(&mut self.by_rate, category);
                for_distinct(rates, |rate| update(by_rate.entry(*rate).or_default()));
            }
        });
    }

    /// Files a line of `kind` whose tax categories carry `categories` and `rates`;
    /// `amount` is its net amount (`None` when it is not a decimal).
    pub fn add_line(
        &mut self,
        kind: usize,
        categories: &[String],
        rates: &[Decimal],
        amount: Option<Decimal>,
    ) {
        self.file(categories, rates, |s| {
            s.lines[kind].add(amount);
            s.line_seen[kind] = true;
        });
    }

    /// Files a document-level allowance (`charge == false`) or charge.
    pub fn add_allowance_charge(
        &mut self,
        charge: bool,
        categories: &[String],
        rates: &[Decimal],
        amount: Option<Decimal>,
    ) {
        self.file(categories, rates, |s| {
            if charge {
                s.charges.add(amount);
            } else {
                s.allowances.add(amount);
            }
        });
    }

    /// Records that an allowance or charge of any level carries these categories and
    /// rates, without adding its amount anywhere.
    pub fn mark_allowance_charge(&mut self, categories: &[String], rates: &[Decimal]) {
        self.file(categories, rates, |s| s.allowance_charge_seen = true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: i64, scale: u32) -> Decimal {
        Decimal::new(v, scale)
    }

    #[test]
    fn sums_are_filed_per_category_and_per_rate() {
        let mut b = Breakdown::default();
        let s = |c: &str| vec![c.to_string()];
        b.add_line(INVOICE_LINE, &s("S"), &[d(20, 0)], Some(d(10000, 2)));
        b.add_line(INVOICE_LINE, &s("S"), &[d(55, 1)], Some(d(5000, 2)));
        b.add_line(INVOICE_LINE, &s("S"), &[d(2000, 2)], Some(d(2500, 2)));
        b.add_allowance_charge(true, &s("S"), &[d(20, 0)], Some(d(1000, 2)));
        b.add_allowance_charge(false, &s("S"), &[d(20, 0)], Some(d(500, 2)));
        assert_eq!(b.rate("S", d(20, 0)).net(INVOICE_LINE), Some(d(13000, 2)));
        assert_eq!(b.rate("S", d(550, 2)).net(INVOICE_LINE), Some(d(5000, 2)));
        assert_eq!(b.category("S").net(INVOICE_LINE), Some(d(18000, 2)));
        assert_eq!(b.category("Z").net(INVOICE_LINE), Some(Decimal::ZERO));
        assert!(!b.rate("S", d(10, 0)).line_seen[INVOICE_LINE]);
    }

    #[test]
    fn a_value_that_is_not_a_decimal_poisons_its_sums() {
        let mut b = Breakdown::default();
        b.add_line(INVOICE_LINE, &["E".to_string()], &[], None);
        assert_eq!(b.category("E").net(INVOICE_LINE), None);
    }

    #[test]
    fn a_line_with_two_matching_categories_counts_once() {
        let mut b = Breakdown::default();
        let cats = vec!["S".to_string(), "S".to_string()];
        b.add_line(INVOICE_LINE, &cats, &[d(5, 0), d(50, 1)], Some(d(7, 0)));
        assert_eq!(b.rate("S", d(5, 0)).net(INVOICE_LINE), Some(d(7, 0)));
        assert_eq!(b.category("S").net(INVOICE_LINE), Some(d(7, 0)));
    }
}
