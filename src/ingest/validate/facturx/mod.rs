//! Factur-X 1.09 profile rules (BASIC WL, EN16931, EXTENDED) for the CII attached to
//! a PDF (rules-catalogue-profiles §3).
//!
//! Each profile stylesheet reuses most EN 16931 CII assertions under the same ids, so
//! the EN CII families run and only the ids the profile has are kept ([`ids`]); the
//! EXTENDED profile adds the EXTENDED-CTC-FR rules under `BR-FXEXT-*` ids, and every
//! profile checks BT-24 against its own accepted identifiers, which is how MINIMUM,
//! BASIC and unknown profiles are rejected (`FX-CODELIST`, the id the official
//! verdicts use). The structural checks of Appendix B (cardinalities, elements and
//! attributes not used, profile code lists) are data tables evaluated in one walk
//! ([`structure`]).

mod header;
mod ids;
mod presence;
mod rules;
mod structure;
mod structure_table;
mod sums;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::ingest::profile::{FacturX, specification_identifier, unaccepted_profile_name};
use crate::ingest::report::{Finding, Severity, Syntax};
use crate::ingest::validate::extended::{self, lines, model, totals, vat};
use crate::ingest::validate::{Rule, Sink, en16931};
use crate::xml::{Namespace, Node};

pub use rules::RULES;

/// The EN 16931 CII ids a profile reports.
fn kept(profile: FacturX) -> &'static HashSet<String> {
    static BASIC_WL: OnceLock<HashSet<String>> = OnceLock::new();
    static EN16931: OnceLock<HashSet<String>> = OnceLock::new();
    static EXTENDED: OnceLock<HashSet<String>> = OnceLock::new();
    match profile {
        FacturX::BasicWl => BASIC_WL.get_or_init(|| extended::expand(ids::BASIC_WL)),
        FacturX::En16931 => EN16931.get_or_init(|| {
            let mut set = extended::expand(ids::BASIC_WL);
            set.extend(extended::expand(ids::EN16931_ADDED));
            set
        }),
        FacturX::Extended => EXTENDED.get_or_init(|| {
            let mut set = extended::expand(ids::EXTENDED_COMMON);
            set.extend(extended::expand(ids::EXTENDED_SHARED));
            // CII-DT-097 is EXTENDED-only but has the EN test (§3.6).
            set.insert("CII-DT-097".to_string());
            set
        }),
    }
}

/// EN ids a profile has but whose Factur-X test never fails (catalogue Appendix D),
/// or which are re-implemented in [`rules`] with the Factur-X test.
const NEVER_OR_REDONE: &[&str] = &[
    "CII-SR-464",
    "BR-AF-08",
    "BR-AG-08",
    "BR-AF-09",
    "BR-AG-09",
    "BR-17",
    "BR-FXEXT-Z-08rev",
];

/// Runs the rules of `profile` on a CII document attached to a PDF.
pub(crate) fn check(root: Node<'_>, profile: FacturX, findings: &mut Vec<Finding>, start: usize) {
    {
        let mut sink = Sink::new(findings);
        en16931::cii::check(root, &mut sink);
    }
    let keep = kept(profile);
    let mut index = 0;
    findings.retain(|f| {
        index += 1;
        index <= start
            || (keep.contains(f.rule)
                && !NEVER_OR_REDONE.contains(&f.rule)
                && !header::REDONE.contains(&f.rule)
                && !presence::redone(f.rule)
                && !sums::redone(f.rule)
                && !en16931::cii::is_vat_node_rule(f.rule))
    });
    // The VAT category rules on tax nodes, in the Factur-X contexts (§3.3 a), for the
    // ids the profile has.
    let vat_start = findings.len();
    en16931::cii::check_facturx_vat_nodes(root, &mut Sink::new(findings));
    let mut index = 0;
    findings.retain(|f| {
        index += 1;
        index <= vat_start || (keep.contains(f.rule) && !NEVER_OR_REDONE.contains(&f.rule))
    });
    // Almost no Factur-X assertion carries a flag: missing means fatal (§1.3).
    for f in &mut findings[start..] {
        if matches!(f.rule, "CII-SR-463" | "CII-SR-465" | "CII-SR-466") {
            f.severity = Severity::Fatal;
        }
    }
    let mut sink = Sink::new(findings);
    bt24(root, profile, &mut sink);
    structure::check(root, profile, &mut sink);
    rules::common(root, profile, &mut sink);
    header::check(root, profile, &mut sink);
    presence::check(root, |id| keep.contains(id), &mut sink);
    sums::check(root, |id| keep.contains(id), &mut sink);
    totals::co_27(root, &mut sink);
    match profile {
        // BASIC WL has no line rules.
        FacturX::BasicWl => {}
        FacturX::En16931 => lines::fx_12(&model::cii(root), &mut sink),
        FacturX::Extended => extended_rules(root, &mut sink),
    }
}

/// The EXTENDED profile's own rules, most shared with EXTENDED-CTC-FR under
/// `BR-FXEXT-*` ids.
fn extended_rules(root: Node<'_>, sink: &mut Sink<'_>) {
    let items = model::cii(root);
    lines::fx_12(&items, sink);
    totals::cii(root, vat::Variant::FacturX, &totals::FACTUR_X, &items, sink);
    vat::check(
        root,
        vat::Variant::FacturX,
        &items,
        &vat::fx::FX_FAMILIES,
        &vat::fx::FX_S_09,
        sink,
    );
    lines::cii(root, vat::Variant::FacturX, &lines::FACTUR_X, &items, sink);
    rules::extended(root, sink);
}

/// BT-24 against code list 1 of the profile: exact string, an empty value passes
/// (BR-01 reports it). The message names the profile when it is one the reform does
/// not accept (MINIMUM, BASIC).
fn bt24(root: Node<'_>, profile: FacturX, sink: &mut Sink<'_>) {
    let Some(node) = root.first(&[
        (Namespace::RSM, "ExchangedDocumentContext"),
        (Namespace::RAM, "GuidelineSpecifiedDocumentContextParameter"),
        (Namespace::RAM, "ID"),
    ]) else {
        return;
    };
    let value = node.text();
    if value.is_empty() || profile.accepted_identifiers().contains(&value) {
        return;
    }
    let trimmed = specification_identifier(root, Syntax::Cii).unwrap_or(value);
    let message = match unaccepted_profile_name(trimmed) {
        Some(name) => format!(
            "the specification identifier (BT-24) '{value}' names {name}, which the French reform does not accept in a Factur-X PDF (accepted: BASIC WL, EN16931, EXTENDED); checked against the Factur-X {} rules",
            profile.name()
        ),
        None => format!(
            "the specification identifier (BT-24) '{value}' is not one of the Factur-X {} identifiers {:?}",
            profile.name(),
            profile.accepted_identifiers()
        ),
    };
    sink.fail(&rules::FX_CODELIST, node, message);
}

/// Every rule [`check`] can report for `profile`: the EN 16931 CII rules the profile
/// keeps with their EN test, and the profile's own rules, as `check` runs them. The
/// catalogue completeness test (`tests/it/catalogue.rs`) compares it with the
/// profile's id index (rules-catalogue-profiles Appendix E), so keep the two
/// functions in step. Severities are those of the declarations; `check` raises
/// CII-SR-465/466 to fatal at run time.
pub fn rules_for(profile: FacturX) -> Vec<&'static Rule> {
    let keep = kept(profile);
    let has = |rule: &&&'static Rule| keep.contains(rule.id);
    let mut out: Vec<&'static Rule> = en16931::cii::RULES
        .iter()
        .flat_map(|family| family.iter().copied())
        .filter(|rule| {
            keep.contains(rule.id)
                && !NEVER_OR_REDONE.contains(&rule.id)
                && !header::REDONE.contains(&rule.id)
                && !presence::redone(rule.id)
                && !sums::redone(rule.id)
        })
        .collect();
    out.push(&rules::FX_CODELIST);
    out.extend(structure::RULES.iter().copied());
    out.extend(rules::common_rules(profile));
    out.extend(header::RULES.iter().filter(has).copied());
    out.extend(presence::RULES.iter().filter(has).copied());
    out.extend(sums::RULES.iter().filter(has).copied());
    out.push(&totals::BR_CO_27);
    if profile != FacturX::BasicWl {
        out.push(&lines::fx::FX_12);
    }
    if profile == FacturX::Extended {
        out.extend(totals::fx::RULES.iter().copied());
        out.push(&totals::BR_CO_25);
        out.extend(vat::fx::RULES.iter().copied());
        out.extend(lines::fx::RULES.iter().copied());
        out.push(&lines::FXEXT_04);
        out.extend(rules::EXTENDED_ONLY.iter().copied());
    }
    out
}

/// Every rule the Factur-X profiles add to the EN 16931 CII ones, for the registry.
pub fn added_rules() -> Vec<&'static Rule> {
    let mut out: Vec<&'static Rule> = rules::RULES.to_vec();
    out.extend(structure::RULES.iter().copied());
    // Same ids as EN 16931 CII rules, listed under EN 16931 by the registry.
    out.extend(header::RULES.iter().copied());
    out.extend(presence::RULES.iter().copied());
    out.extend(sums::RULES.iter().copied());
    out.extend(totals::fx::RULES.iter().copied());
    out.extend(vat::fx::RULES.iter().copied());
    out.extend(lines::fx::RULES.iter().copied());
    out
}
