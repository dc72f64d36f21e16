//! Every rule facteur implements, with its official id and severity.

use super::Rule;
use super::{en16931, extended, facturx, fr};
use crate::ingest::report::Syntax;

/// One entry of the registry: a rule, the syntax it applies to, the rule set.
pub struct Entry {
    pub syntax: Syntax,
    pub rule: &'static Rule,
    /// The official rule set and version the rule comes from.
    pub set: &'static str,
}

/// The rule sets, with their versions.
pub const EN16931_SET: &str = "EN16931 1.3.16";
pub const BR_FR_SET: &str = "BR-FR 1.4.0";
pub const BR_FR_CDV_SET: &str = "BR-FR-CDV 1.4.0";
pub const EXTENDED_CTC_FR_SET: &str = "EXTENDED-CTC-FR 1.4.0";
pub const FACTUR_X_SET: &str = "Factur-X 1.09";

/// All rules, UBL first, then CII; within a syntax, EN 16931 then BR-FR. The French
/// rules are declared once per reported id and apply to both syntaxes.
pub fn all() -> Vec<Entry> {
    let ubl = en16931::ubl::RULES
        .iter()
        .flat_map(|family| family.iter())
        .map(|rule| Entry {
            syntax: Syntax::Ubl,
            rule,
            set: EN16931_SET,
        });
    let cii = en16931::cii::RULES
        .iter()
        .flat_map(|family| family.iter())
        .map(|rule| Entry {
            syntax: Syntax::Cii,
            rule,
            set: EN16931_SET,
        });
    let french = |syntax| {
        fr::RULES.iter().map(move |rule| Entry {
            syntax,
            rule,
            set: BR_FR_SET,
        })
    };
    let cdar = super::cdar::RULES.iter().map(|rule| Entry {
        syntax: Syntax::Cdar,
        rule,
        set: BR_FR_CDV_SET,
    });
    let mut entries: Vec<Entry> = ubl
        .chain(french(Syntax::Ubl))
        .chain(cii)
        .chain(french(Syntax::Cii))
        .chain(cdar)
        .collect();
    // The profile rule sets: only ids not already listed for the syntax (the kept
    // EN ids, and ids the profiles share, are listed once, under their first set).
    let profiles = extended::ubl_rules()
        .into_iter()
        .map(|rule| (Syntax::Ubl, rule, EXTENDED_CTC_FR_SET))
        .chain(
            extended::cii_rules()
                .into_iter()
                .map(|rule| (Syntax::Cii, rule, EXTENDED_CTC_FR_SET)),
        )
        .chain(
            facturx::added_rules()
                .into_iter()
                .map(|rule| (Syntax::Cii, rule, FACTUR_X_SET)),
        );
    for (syntax, rule, set) in profiles {
        if !entries
            .iter()
            .any(|e| e.syntax == syntax && e.rule.id == rule.id)
        {
            entries.push(Entry { syntax, rule, set });
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn no_rule_is_listed_twice_for_a_syntax() {
        let mut seen = HashSet::new();
        for entry in all() {
            assert!(
                seen.insert((entry.syntax, entry.rule.id)),
                "{} listed twice for {}",
                entry.rule.id,
                entry.syntax.as_str()
            );
        }
    }

    #[test]
    fn the_french_rules_are_listed_for_both_syntaxes() {
        let entries = all();
        for syntax in [Syntax::Ubl, Syntax::Cii] {
            let listed = |id: &str| {
                entries
                    .iter()
                    .any(|e| e.syntax == syntax && e.rule.id == id)
            };
            assert!(listed("BR-FR-05") && listed("BR-FR-MV-05") && listed("BR-FR-BD-13"));
            assert!(
                !listed("BR-FR-05_BT-22-1"),
                "assertion ids are not rule ids"
            );
        }
    }
}
