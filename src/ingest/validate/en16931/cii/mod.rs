//! EN 16931 rules bound to UN/CEFACT CII (`EN16931-CII-validation` 1.3.16).
//!
//! Most CII rules are anchored at the root and follow absolute paths (`$AGR`, `$STL`
//! in the catalogue); the others match at any depth and are dispatched from one walk.

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
use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

/// Every CII rule family, for the registry.
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

/// Runs every EN 16931 CII rule on a document.
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

/// The VAT category rules anchored on tax nodes, in the Factur-X reading (no VAT
/// type filter, string charge indicators, one pattern per rule): Factur-X runs them
/// instead of the EN ones ([`is_vat_node_rule`]).
pub fn check_facturx_vat_nodes(root: Node<'_>, sink: &mut Sink<'_>) {
    vat::check_facturx_nodes(&Doc::new(root), sink);
}

/// The ids [`check_facturx_vat_nodes`] reports.
pub fn is_vat_node_rule(id: &str) -> bool {
    vat::is_node_rule(id)
}

/// The anchors of the catalogue's CII paths, resolved once per document.
pub(crate) struct Doc<'d> {
    pub root: Node<'d>,
    /// `$CTX`: `rsm:ExchangedDocumentContext`.
    pub context: Option<Node<'d>>,
    /// `$DOC`: `rsm:ExchangedDocument`.
    pub document: Option<Node<'d>>,
    /// `rsm:SupplyChainTradeTransaction`.
    pub transaction: Option<Node<'d>>,
    /// `$AGR`: `ram:ApplicableHeaderTradeAgreement`.
    pub agreement: Option<Node<'d>>,
    /// `$DLV`: `ram:ApplicableHeaderTradeDelivery`.
    pub delivery: Option<Node<'d>>,
    /// `$STL`: `ram:ApplicableHeaderTradeSettlement`.
    pub settlement: Option<Node<'d>>,
}

impl<'d> Doc<'d> {
    fn new(root: Node<'d>) -> Self {
        let transaction = root.child(Namespace::RSM, "SupplyChainTradeTransaction");
        let header = |local: &str| transaction.and_then(|t| t.child(Namespace::RAM, local));
        Doc {
            root,
            context: root.child(Namespace::RSM, "ExchangedDocumentContext"),
            document: root.child(Namespace::RSM, "ExchangedDocument"),
            transaction,
            agreement: header("ApplicableHeaderTradeAgreement"),
            delivery: header("ApplicableHeaderTradeDelivery"),
            settlement: header("ApplicableHeaderTradeSettlement"),
        }
    }

    /// Every element, in document order.
    pub fn elements(&self) -> impl Iterator<Item = Node<'d>> + 'd {
        self.root.document().elements()
    }

    /// Every `$STL/ram:{local}` value (currency codes are compared with XPath general
    /// comparisons, so all occurrences count).
    pub fn settlement_codes(&self, local: &str) -> Vec<&'d str> {
        self.settlement
            .into_iter()
            .flat_map(|s| s.children_named(Namespace::RAM, local))
            .map(|c| c.text())
            .collect()
    }

    /// The invoice currency code (BT-5), `$STL/ram:InvoiceCurrencyCode`.
    pub fn currency(&self) -> Option<&'d str> {
        self.settlement
            .and_then(|s| s.child(Namespace::RAM, "InvoiceCurrencyCode"))
            .map(|c| c.text())
    }
}

/// `ram:` path step.
pub(crate) const fn ram(local: &str) -> (Namespace, &str) {
    (Namespace::RAM, local)
}

/// The first node of `path` below an optional anchor.
pub(crate) fn under<'d>(anchor: Option<Node<'d>>, path: &[(Namespace, &str)]) -> Option<Node<'d>> {
    anchor.and_then(|a| a.first(path))
}

/// `upper-case(ram:TypeCode) = 'VAT'` on a trade tax element.
pub(crate) fn is_vat(tax: Node<'_>) -> bool {
    tax.children_named(Namespace::RAM, "TypeCode")
        .any(|t| upper_case_is_vat(t.text()))
}

/// `upper-case(value) = 'VAT'` without allocating for ASCII values (every line's tax
/// is tested several times); other values take the full Unicode case mapping.
fn upper_case_is_vat(value: &str) -> bool {
    if value.is_ascii() {
        value.eq_ignore_ascii_case("VAT")
    } else {
        value.to_uppercase() == "VAT"
    }
}

/// A header `ram:ApplicableTradeTax` that the L, M and O breakdown rules take first in
/// the model pattern: rules later in that pattern (BR-45…48, BR-CO-03, BR-CO-17,
/// BR-DEC-19/20) never see it.
pub(crate) fn shadowed_header_tax(tax: Node<'_>) -> bool {
    is_vat(tax)
        && tax
            .children_named(Namespace::RAM, "CategoryCode")
            .any(|c| matches!(c.text(), "L" | "M" | "O"))
        && tax
            .parent()
            .and_then(|s| s.parent())
            .is_some_and(|t| t.is(Namespace::RSM, "SupplyChainTradeTransaction"))
}

/// The model-pattern context a `ram:ChargeIndicator` falls in, if any. The CII model
/// rules take the indicator itself as context, under a header
/// (`ram:ApplicableHeaderTradeSettlement`) or line (`ram:SpecifiedLineTradeSettlement`)
/// `ram:SpecifiedTradeAllowanceCharge`, and select it by the *string* value of
/// `udt:Indicator`: only `false` and `true` match, not `0` or `1`. The allowance rule
/// comes first in the pattern, so it wins if both values are present.
///
/// Called on every element by several families: the name test is inlined there.
#[inline]
pub(crate) fn charge_indicator(node: Node<'_>) -> Option<AllowanceCharge> {
    if !node.is(Namespace::RAM, "ChargeIndicator") {
        return None;
    }
    charge_indicator_context(node)
}

fn charge_indicator_context(node: Node<'_>) -> Option<AllowanceCharge> {
    let settlement = node
        .parent()
        .filter(|p| p.is(Namespace::RAM, "SpecifiedTradeAllowanceCharge"))?
        .parent()?;
    let line = if settlement.is(Namespace::RAM, "SpecifiedLineTradeSettlement") {
        true
    } else if settlement.is(Namespace::RAM, "ApplicableHeaderTradeSettlement") {
        false
    } else {
        return None;
    };
    let indicator = |value: &str| {
        node.children_named(Namespace::UDT, "Indicator")
            .any(|i| i.text() == value)
    };
    match (line, indicator("false"), indicator("true")) {
        (false, true, _) => Some(AllowanceCharge::DocumentAllowance),
        (false, false, true) => Some(AllowanceCharge::DocumentCharge),
        (true, true, _) => Some(AllowanceCharge::LineAllowance),
        (true, false, true) => Some(AllowanceCharge::LineCharge),
        (_, false, false) => None,
    }
}

/// `//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax` as the model pattern
/// evaluates it for BR-45…48, BR-CO-03, BR-CO-17 and BR-DEC-19/20: not shadowed.
#[inline]
pub(crate) fn is_header_breakdown(node: Node<'_>) -> bool {
    node.is(Namespace::RAM, "ApplicableTradeTax")
        && node
            .parent()
            .is_some_and(|p| p.is(Namespace::RAM, "ApplicableHeaderTradeSettlement"))
        && !shadowed_header_tax(node)
}
