//! The one semantic model of an invoice, in EN 16931 terms (BG-/BT-).

/// An invoice (BG-0): placeholder until the model lands.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Invoice {}
