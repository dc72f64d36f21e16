//! Every rule facteur implements, with its official id and severity.

use super::Rule;
use super::en16931;
use crate::ingest::report::Syntax;

/// One entry of the registry: a rule and the syntax it applies to.
pub struct Entry {
    pub syntax: Syntax,
    pub rule: &'static Rule,
}

/// All rules, UBL first, then CII.
pub fn all() -> Vec<Entry> {
    let ubl = en16931::ubl::RULES
        .iter()
        .flat_map(|family| family.iter())
        .map(|rule| Entry {
            syntax: Syntax::Ubl,
            rule,
        });
    let cii = en16931::cii::RULES
        .iter()
        .flat_map(|family| family.iter())
        .map(|rule| Entry {
            syntax: Syntax::Cii,
            rule,
        });
    let cdar = super::cdar::RULES.iter().map(|rule| Entry {
        syntax: Syntax::Cdar,
        rule,
    });
    ubl.chain(cii).chain(cdar).collect()
}
