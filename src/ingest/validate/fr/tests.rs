//! Rule-level tests of the French layer on the sample invoices, each changed in one
//! place: which rule fires, on which node, under which assertion id, and what the
//! UBL and CII bindings do differently.

use crate::ingest::report::{Finding, Layer, LayerStatus};
use crate::ingest::validate::RuleSet;
use crate::ingest::{Options, ingest};
use crate::samples::{cii_invoice, ubl_invoice};

/// The findings of the French layer (rule ids starting with `BR-FR` or `XSLT-ERROR`).
fn french(xml: &str) -> Vec<Finding> {
    let report = ingest(xml.as_bytes(), &Options::default()).report;
    report
        .findings
        .into_iter()
        .filter(|f| f.rule.starts_with("BR-FR") || f.rule == "XSLT-ERROR")
        .collect()
}

fn ids(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule).collect()
}

#[test]
fn the_samples_pass_and_the_layer_is_recorded() {
    for xml in [ubl_invoice("FA-2026-001", 3), cii_invoice("FA-2026-001", 3)] {
        let report = ingest(xml.as_bytes(), &Options::default()).report;
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        assert!(report.layers.contains(&(Layer::French, LayerStatus::Ran)));
        assert_eq!(report.rules, "EN16931 1.3.16 + BR-FR 1.4.0");
    }
}

#[test]
fn the_en16931_rule_set_does_not_run_the_french_layer() {
    let xml = ubl_invoice("FA 1", 1);
    let options = Options {
        rules: RuleSet::En16931,
        ..Options::default()
    };
    let report = ingest(xml.as_bytes(), &options).report;
    assert!(!report.findings.iter().any(|f| f.rule.starts_with("BR-FR")));
    assert!(
        !report
            .layers
            .iter()
            .any(|(layer, _)| *layer == Layer::French)
    );
}

#[test]
fn a_missing_note_names_the_rule_and_the_assertion() {
    let xml = ubl_invoice("FA-1", 1).replace("#PMT#", "PMT ");
    let found = french(&xml);
    assert_eq!(ids(&found), ["BR-FR-05"]);
    assert!(found[0].message.starts_with("BR-FR-05_BT-22-1: "));
    assert_eq!(found[0].term, Some("BT-22"));
    assert_eq!(found[0].location, "/Invoice");

    let xml = cii_invoice("FA-1", 1).replace(
        "<ram:SubjectCode>PMT</ram:SubjectCode>",
        "<ram:SubjectCode>pmt</ram:SubjectCode>",
    );
    let found = french(&xml);
    assert_eq!(ids(&found), ["BR-FR-05"]);
    assert!(found[0].message.starts_with("BR-FR-05_BT-22_PMT: "));
}

#[test]
fn an_invoice_number_with_a_space_fails_both_ubl_ids() {
    let found = french(&ubl_invoice("FA 1", 1));
    let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(ids(&found), ["BR-FR-01", "BR-FR-02"], "{messages:?}");
    assert!(messages[0].starts_with("BR-FR-01_BT-1-2: "));
    assert!(messages[1].starts_with("BR-FR-02_BT-1: "));
    // CII reports the format under BR-FR-02 only.
    assert_eq!(ids(&french(&cii_invoice("FA 1", 1))), ["BR-FR-02"]);
}

#[test]
fn one_finding_per_failing_context_node() {
    let xml = ubl_invoice("FA-1", 1)
        .replace("2026-09-15", "2026-02-30")
        .replace("2026-10-15", "2100-10-15");
    let found = french(&xml);
    assert_eq!(ids(&found), ["BR-FR-03", "BR-FR-03"]);
    assert!(found[0].location.ends_with("cbc:IssueDate"));
    assert!(found[1].location.ends_with("cbc:DueDate"));
}

#[test]
fn b2cint_is_rejected_in_ubl_and_accepted_in_cii() {
    let ubl = ubl_invoice("FA-1", 1).replace(
        "<cbc:DocumentCurrencyCode>",
        "<cbc:Note>#BAR#B2CINT</cbc:Note>\n  <cbc:DocumentCurrencyCode>",
    );
    assert_eq!(ids(&french(&ubl)), ["BR-FR-20"]);
    let cii = cii_invoice("FA-1", 1).replace(
        "</rsm:ExchangedDocument>",
        "<ram:IncludedNote><ram:Content>B2CINT</ram:Content><ram:SubjectCode>BAR</ram:SubjectCode></ram:IncludedNote></rsm:ExchangedDocument>",
    );
    assert!(french(&cii).is_empty());
}

#[test]
fn a_badly_written_rate_fires_the_list_and_the_format_rules() {
    let found = french(&cii_invoice("FA-1", 2).replace(
        "20.00</ram:RateApplicablePercent>",
        "20.000</ram:RateApplicablePercent>",
    ));
    // Two lines and the breakdown: one finding of each rule per tax element.
    assert_eq!(
        ids(&found),
        [
            "BR-FR-16",
            "BR-FR-16",
            "BR-FR-16",
            "BR-FR-DEC-04",
            "BR-FR-DEC-04",
            "BR-FR-DEC-04"
        ]
    );
}

#[test]
fn b2b_buyer_address_must_start_with_the_buyer_siren() {
    let xml = ubl_invoice("FA-1", 1).replace(
        "<cbc:DocumentCurrencyCode>",
        "<cbc:Note>#BAR#B2B</cbc:Note>\n  <cbc:DocumentCurrencyCode>",
    );
    assert!(french(&xml).is_empty());
    let moved = xml.replace(
        r#"<cbc:EndpointID schemeID="0225">479612384</cbc:EndpointID>"#,
        r#"<cbc:EndpointID schemeID="0225">906170857_ACHATS</cbc:EndpointID>"#,
    );
    assert_eq!(ids(&french(&moved)), ["BR-FR-21"]);
}

#[test]
fn two_siret_without_siren_stop_the_cii_stylesheet() {
    let ship_to = r#"<ram:ApplicableHeaderTradeDelivery><ram:ShipToTradeParty><ram:GlobalID schemeID="0009">90617085700237</ram:GlobalID><ram:GlobalID schemeID="0009">9061708570023</ram:GlobalID><ram:Name>Entrepôt</ram:Name></ram:ShipToTradeParty></ram:ApplicableHeaderTradeDelivery>"#;
    let xml = cii_invoice("FA 1", 1).replace("<ram:ApplicableHeaderTradeDelivery/>", ship_to);
    let found = french(&xml);
    // The invalid invoice number and the two identical schemes would fail too, but the
    // official stylesheet stops first: only the stop is reported.
    assert_eq!(ids(&found), ["XSLT-ERROR"]);
    assert!(found[0].message.starts_with("BR-FR-09_BT-71: "));
    // With a SIREN there is no derivation, hence no stop.
    let with_siren = xml.replace(
        "<ram:Name>Entrepôt</ram:Name>",
        r#"<ram:Name>Entrepôt</ram:Name><ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">906170857</ram:ID></ram:SpecifiedLegalOrganization>"#,
    );
    assert_eq!(ids(&french(&with_siren)), ["BR-FR-02", "BR-FR-CO-10"]);
}

#[test]
fn a_multi_vendor_cadre_needs_group_lines() {
    let found =
        french(&cii_invoice("FA-1", 1).replace("<ram:ID>B1</ram:ID>", "<ram:ID>S8</ram:ID>"));
    let mut rules = ids(&found);
    rules.sort_unstable();
    rules.dedup();
    // No GROUP line, and the line has no seller legal id nor sub-invoice number.
    assert_eq!(rules, ["BR-FR-MV-02", "BR-FR-MV-06", "BR-FR-MV-07"]);
}
