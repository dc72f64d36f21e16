//! EN 16931 rules bound to UBL 2.1 (`EN16931-UBL-validation` 1.3.16).
//!
//! Contexts follow the official patterns: `$ROOT` rules take the root (`Invoice` or
//! `CreditNote`); patterns without a leading `/` match at any depth, so their checks
//! are dispatched from one walk over every element.

mod calc;
mod codes;
mod core;
mod core_amounts;
mod core_lines;
mod core_parties;
mod dec;
mod syntax;
pub(super) mod syntax_table;
#[cfg(test)]
mod tests;
mod vat;

use super::AllowanceCharge;
use crate::ingest::validate::xpath::{boolean, is_vat_id};
use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

/// Every UBL rule family, for the registry.
pub static RULES: &[&[&Rule]] = &[
    core::RULES,
    core_parties::RULES,
    core_lines::RULES,
    core_amounts::RULES,
    calc::RULES,
    dec::RULES,
    vat::RULES,
    codes::RULES,
    syntax::RULES,
    syntax_table::RULES,
];

/// Runs every EN 16931 UBL rule on a document.
pub fn check(root: Node<'_>, sink: &mut Sink<'_>) {
    let doc = Doc::new(root);
    core::check(&doc, sink);
    core_parties::check(&doc, sink);
    core_lines::check(&doc, sink);
    core_amounts::check(&doc, sink);
    calc::check(&doc, sink);
    dec::check(&doc, sink);
    vat::check(&doc, sink);
    codes::check(&doc, sink);
    syntax::check(&doc, sink);
}

/// The rules the foundation issue (#2) names, alone: BR-01…BR-16 (the `core`
/// family) and the BR-CO sums with BR-CO-10…17 (the `calc` family). The pipeline
/// always runs [`check`]; this is what `benches/validate.rs` times as "parse + the
/// core rules", the figure that issue sets.
pub fn check_core_and_sums(root: Node<'_>, sink: &mut Sink<'_>) {
    let doc = Doc::new(root);
    core::check(&doc, sink);
    calc::check(&doc, sink);
}

/// What the UBL rules share about one document.
pub(crate) struct Doc<'d> {
    pub root: Node<'d>,
    /// `cac:InvoiceLine` for an invoice, `cac:CreditNoteLine` for a credit note.
    pub line_name: &'static str,
}

impl<'d> Doc<'d> {
    fn new(root: Node<'d>) -> Self {
        let line_name = if root.is(Namespace::UBL_CREDIT_NOTE, "CreditNote") {
            "CreditNoteLine"
        } else {
            "InvoiceLine"
        };
        Doc { root, line_name }
    }

    /// Every element, in document order.
    pub fn elements(&self) -> impl Iterator<Item = Node<'d>> + 'd {
        self.root.document().elements()
    }
}

/// `cac:`/`cbc:` path steps.
pub(crate) const fn cac(local: &str) -> (Namespace, &str) {
    (Namespace::CAC, local)
}
pub(crate) const fn cbc(local: &str) -> (Namespace, &str) {
    (Namespace::CBC, local)
}

/// True when `node` is `cac:{name}` and its ancestors are, innermost first, the
/// `cac:` elements named in `parents` (a relative XPath pattern `a/b/node`).
///
/// The name test is inlined into the families' walks, which call this on every
/// element; only the few elements of that name climb their parents.
#[inline]
pub(crate) fn matches_pattern(node: Node<'_>, name: &str, parents: &[&str]) -> bool {
    node.is(Namespace::CAC, name) && parents_match(node, parents)
}

fn parents_match(node: Node<'_>, parents: &[&str]) -> bool {
    let mut cur = node;
    for parent in parents {
        match cur.parent() {
            Some(p) if p.is(Namespace::CAC, parent) => cur = p,
            _ => return false,
        }
    }
    true
}

/// The model-pattern context a `cac:AllowanceCharge` falls in, if any: document level
/// when it is a child of the root, line level under `cac:InvoiceLine` or
/// `cac:CreditNoteLine` (any depth), allowance or charge by `cbc:ChargeIndicator =
/// false()` / `true()` (a boolean cast: `0`/`1` count too). The allowance rule comes
/// first in the pattern, so it wins if both indicators are present.
///
/// Called on every element by several families: the name test is inlined there.
#[inline]
pub(crate) fn allowance_charge(doc: &Doc<'_>, node: Node<'_>) -> Option<AllowanceCharge> {
    if !node.is(Namespace::CAC, "AllowanceCharge") {
        return None;
    }
    allowance_charge_context(doc, node)
}

fn allowance_charge_context(doc: &Doc<'_>, node: Node<'_>) -> Option<AllowanceCharge> {
    let parent = node.parent()?;
    let line =
        parent.is(Namespace::CAC, "InvoiceLine") || parent.is(Namespace::CAC, "CreditNoteLine");
    if !line && parent != doc.root {
        return None;
    }
    let indicator = |value: bool| {
        node.children_named(Namespace::CBC, "ChargeIndicator")
            .any(|i| boolean(i.text()) == Some(value))
    };
    match (line, indicator(false), indicator(true)) {
        (false, true, _) => Some(AllowanceCharge::DocumentAllowance),
        (false, false, true) => Some(AllowanceCharge::DocumentCharge),
        (true, true, _) => Some(AllowanceCharge::LineAllowance),
        (true, false, true) => Some(AllowanceCharge::LineCharge),
        (_, false, false) => None,
    }
}

/// `[cac:TaxScheme/normalize-space(upper-case(cbc:ID)) = 'VAT']` on a tax category or
/// party tax scheme.
pub(crate) fn has_vat_scheme(node: Node<'_>) -> bool {
    node.children_named(Namespace::CAC, "TaxScheme")
        .any(|scheme| {
            scheme
                .child(Namespace::CBC, "ID")
                .is_some_and(|id| is_vat_id(id.text()))
        })
}

/// `cac:InvoiceLine/cac:InvoicePeriod | cac:CreditNoteLine/cac:InvoicePeriod`: the line
/// period rule comes first in the pattern, so every other `cac:InvoicePeriod` is left
/// to the header period rule.
#[inline]
pub(crate) fn is_line_period(node: Node<'_>) -> bool {
    node.is(Namespace::CAC, "InvoicePeriod") && node.parent().is_some_and(is_line)
}

/// `cac:InvoiceLine | cac:CreditNoteLine`, at any depth.
#[inline]
pub(crate) fn is_line(node: Node<'_>) -> bool {
    node.is(Namespace::CAC, "InvoiceLine") || node.is(Namespace::CAC, "CreditNoteLine")
}
