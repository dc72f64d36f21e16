//! Hand-made documents, one per kind of violation, against the real schema sets.

use super::*;

#[test]
fn every_schema_set_compiles() {
    for (syntax, rules) in [
        (Syntax::Ubl, RuleSet::Fr),
        (Syntax::Cii, RuleSet::En16931),
        (Syntax::Cii, RuleSet::Fr),
        (Syntax::Cdar, RuleSet::Fr),
    ] {
        if let Err(e) = prepare(syntax, rules) {
            panic!("{syntax:?}/{rules:?}: {e}");
        }
    }
}
