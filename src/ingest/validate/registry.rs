//! Every rule facteur implements, with its official id and severity.

use super::Rule;
use super::{en16931, fr};
use crate::ingest::report::Syntax;

/// One entry of the registry: a rule and the syntax it applies to.
pub struct Entry {
    pub syntax: Syntax,
    pub rule: &'static Rule,
}

/// All rules, UBL first, then CII; within a syntax, EN 16931 then BR-FR. The French
/// rules are declared once per reported id and apply to both syntaxes.
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
    let french = |syntax| {
        fr::RULES.iter().map(move |rule| Entry {
            syntax,
            rule: *rule,
        })
    };
    ubl.chain(french(Syntax::Ubl))
        .chain(cii)
        .chain(french(Syntax::Cii))
        .collect()
}
