//! EXTENDED-CTC-FR 1.4.0 (UBL and CII): the EN 16931 rules as FNFE-MPE adapted them
//! for the French extended profile (rules-catalogue-profiles §2).
//!
//! The profile keeps most EN 16931 assertions unchanged, so the EN families run as
//! they are and [`filter`] drops what the profile deletes or narrows; the rules it
//! changes or adds live here, one file per family. Factur-X EXTENDED reuses several
//! of them under its own ids, which is why the shared rules take their ids as data.

mod filter;
pub(crate) mod lines;
pub(crate) mod model;
pub(crate) mod syntax;
#[cfg(test)]
mod tests;
pub(crate) mod totals;
pub(crate) mod vat;
mod vat_rules;

pub(crate) use filter::expand;

use crate::ingest::report::{Finding, Syntax};
use crate::ingest::validate::en16931;
use crate::ingest::validate::{Rule, Sink};
use crate::xml::Node;

/// The rules EXTENDED-CTC-FR adds or changes for UBL, for the registry.
pub fn ubl_rules() -> Vec<&'static Rule> {
    let mut rules: Vec<&'static Rule> = totals::RULES
        .iter()
        .copied()
        .filter(|r| r.id != "BR-CO-27")
        .collect();
    // UBL: the `-01`, `-08*` and S-09 rules are all `BR-FREXT-*`.
    rules.extend(
        vat::RULES
            .iter()
            .copied()
            .filter(|r| r.id.starts_with("BR-FREXT-")),
    );
    rules.extend(
        lines::RULES
            .iter()
            .copied()
            .filter(|r| !r.id.starts_with("BR-FREXT-BR-") && r.id != "BR-FXEXT-04"),
    );
    rules.extend(syntax::RULES.iter().copied().filter(|r| {
        !(r.id.starts_with("CII-") && r.id != "CII-FREXT-CR-490") && r.id != "BR-FREXT-CL-19-GP"
    }));
    rules
}

/// The rules EXTENDED-CTC-FR adds or changes for CII, for the registry.
pub fn cii_rules() -> Vec<&'static Rule> {
    let mut rules: Vec<&'static Rule> = totals::RULES.to_vec();
    // CII: `BR-FREXT-x-01`, but `BR-FXEXT-x-08*` and `BR-FXEXT-S-09`.
    rules.extend(
        vat::RULES
            .iter()
            .copied()
            .filter(|r| r.id.starts_with("BR-FXEXT-") || r.id.ends_with("-01")),
    );
    rules.extend(lines::RULES.iter().copied().filter(|r| {
        !matches!(
            r.id,
            "BR-FREXT-22" | "BR-FREXT-23" | "BR-FREXT-24" | "BR-FREXT-26" | "BR-FREXT-04"
        )
    }));
    rules.extend(
        syntax::RULES
            .iter()
            .copied()
            .filter(|r| !r.id.starts_with("UBL-") && r.id != "CII-FREXT-CR-490"),
    );
    rules
}

/// Runs EXTENDED-CTC-FR on a UBL or CII document: the kept EN 16931 rules (the
/// findings from `start` on are filtered), then the profile's own rules.
pub(crate) fn check(root: Node<'_>, syntax: Syntax, findings: &mut Vec<Finding>, start: usize) {
    {
        let mut sink = Sink::new(findings);
        match syntax {
            Syntax::Ubl => en16931::ubl::check(root, &mut sink),
            _ => en16931::cii::check(root, &mut sink),
        }
    }
    filter::retain(root, syntax, findings, start);
    let mut sink = Sink::new(findings);
    match syntax {
        Syntax::Ubl => {
            let items = model::ubl(root);
            totals::ubl(root, &items, &mut sink);
            vat::check(
                root,
                vat::Variant::Ubl,
                &items,
                &vat::UBL_FAMILIES,
                &vat::FREXT_S_09,
                &mut sink,
            );
            lines::ubl(root, &items, &mut sink);
            syntax::ubl(root, &mut sink);
        }
        _ => {
            let items = model::cii(root);
            totals::cii(
                root,
                vat::Variant::Cii,
                &totals::EXTENDED,
                &items,
                &mut sink,
            );
            vat::check(
                root,
                vat::Variant::Cii,
                &items,
                &vat::CII_FAMILIES,
                &vat::FXEXT_S_09,
                &mut sink,
            );
            lines::cii(
                root,
                vat::Variant::Cii,
                &lines::CII_EXTENDED,
                &items,
                &mut sink,
            );
            syntax::cii(root, &mut sink);
        }
    }
}
