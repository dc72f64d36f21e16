//! EN 16931 validation artefacts 1.3.16, one submodule per syntax binding; inside,
//! one file per rule family (core BR-xx, calculation BR-CO, decimals BR-DEC, VAT
//! categories, code lists, syntax bindings).

pub mod cii;
pub(crate) mod table;
pub mod ubl;

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
