//! EN 16931 validation artefacts 1.3.16, one submodule per syntax binding; inside,
//! one file per rule family (core BR-xx, calculation BR-CO, decimals BR-DEC, VAT
//! categories, code lists, syntax bindings).

pub(crate) mod breakdown;
pub mod cii;
pub(crate) mod table;
pub mod ubl;

/// The four allowance/charge contexts of the model patterns. Each syntax decides
/// which one an element falls in; the rule families then dispatch on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AllowanceCharge {
    /// BG-20, a document-level allowance.
    DocumentAllowance,
    /// BG-21, a document-level charge.
    DocumentCharge,
    /// BG-27, an invoice line allowance.
    LineAllowance,
    /// BG-28, an invoice line charge.
    LineCharge,
}

/// Declares the rules of one family as statics: `NAME = "ID", Fatal|Warning,
/// [terms], "description";`.
macro_rules! rules {
    ($($name:ident = $id:literal, $severity:ident, [$($term:literal),*], $text:literal;)*) => {
        $(
            pub static $name: $crate::ingest::validate::Rule = $crate::ingest::validate::Rule {
                id: $id,
                severity: $crate::ingest::report::Severity::$severity,
                terms: &[$($term),*],
                description: $text,
            };
        )*
        /// The rules of this family, in declaration order.
        pub static RULES: &[&$crate::ingest::validate::Rule] = &[$(&$name),*];
    };
}
pub(crate) use rules;
