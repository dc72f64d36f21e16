//! EN 16931 rules bound to UN/CEFACT CII (`EN16931-CII-validation` 1.3.16).
//!
//! Most CII rules are anchored at the root and follow absolute paths (`$AGR`, `$STL`
//! in the catalogue); the others match at any depth and are dispatched from one walk.

mod calc;
mod codes;
mod core;
mod dec;
mod syntax;
pub(super) mod syntax_table;
mod vat;

use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

/// Every CII rule family, for the registry.
pub static RULES: &[&[&Rule]] = &[
    core::RULES,
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
    calc::check(&doc, sink);
    dec::check(&doc, sink);
    vat::check(&doc, sink);
    codes::check(&doc, sink);
    syntax::check(&doc, sink);
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
        .any(|t| t.text().to_uppercase() == "VAT")
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
