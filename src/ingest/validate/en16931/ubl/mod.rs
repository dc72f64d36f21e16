//! EN 16931 rules bound to UBL 2.1 (`EN16931-UBL-validation` 1.3.16).
//!
//! Contexts follow the official patterns: `$ROOT` rules take the root (`Invoice` or
//! `CreditNote`); patterns without a leading `/` match at any depth, so their checks
//! are dispatched from one walk over every element.

mod calc;
mod codes;
mod core;
mod dec;
mod syntax;
pub(super) mod syntax_table;
mod vat;

use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

/// Every UBL rule family, for the registry.
pub static RULES: &[&[&Rule]] = &[
    core::RULES,
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
    calc::check(&doc, sink);
    dec::check(&doc, sink);
    vat::check(&doc, sink);
    codes::check(&doc, sink);
    syntax::check(&doc, sink);
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
pub(crate) fn matches_pattern(node: Node<'_>, name: &str, parents: &[&str]) -> bool {
    if !node.is(Namespace::CAC, name) {
        return false;
    }
    let mut cur = node;
    for parent in parents {
        match cur.parent() {
            Some(p) if p.is(Namespace::CAC, parent) => cur = p,
            _ => return false,
        }
    }
    true
}
