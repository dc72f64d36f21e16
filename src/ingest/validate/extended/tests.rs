//! Unit tests of the EXTENDED-CTC-FR readings that are easy to get wrong: tolerances
//! per item, GROUP lines left out of totals, the with/without exemption reason
//! readings of `-08`, BT-110 as a `for` variable in CII BR-FREXT-CO-15, the filter of
//! removed EN ids, and BR-FREXT-CL-20-LISTID reading the value.

use crate::ingest::report::{Finding, Syntax};
use crate::xml::{Limits, parse_str};

const CII_NS: &str = r#"xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100""#;

fn fired_cii(transaction: &str) -> Vec<Finding> {
    let xml = format!(
        "<rsm:CrossIndustryInvoice {CII_NS}><rsm:SupplyChainTradeTransaction>{transaction}</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"
    );
    let doc = parse_str(&xml, &Limits::default()).expect("test document is well-formed");
    let mut findings = Vec::new();
    super::check(doc.root(), Syntax::Cii, &mut findings, 0);
    findings
}

fn has(findings: &[Finding], id: &str) -> bool {
    findings.iter().any(|f| f.rule == id)
}

/// A CII line with an id, optional sub-type and parent, a net amount and an S tax.
fn line(id: &str, sub: Option<&str>, parent: Option<&str>, amount: &str, reason: &str) -> String {
    let sub = sub.map_or(String::new(), |s| {
        format!("<ram:LineStatusReasonCode>{s}</ram:LineStatusReasonCode>")
    });
    let parent = parent.map_or(String::new(), |p| {
        format!("<ram:ParentLineID>{p}</ram:ParentLineID>")
    });
    format!(
        "<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument><ram:LineID>{id}</ram:LineID>{parent}{sub}</ram:AssociatedDocumentLineDocument>
         <ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:ExemptionReason>{reason}</ram:ExemptionReason><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent></ram:ApplicableTradeTax>
         <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{amount}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>"
    )
}

fn breakdown(basis: &str, vat: &str, reason: &str) -> String {
    format!(
        "<ram:ApplicableTradeTax><ram:CalculatedAmount>{vat}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:ExemptionReason>{reason}</ram:ExemptionReason><ram:BasisAmount>{basis}</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent></ram:ApplicableTradeTax>"
    )
}

fn settlement(taxes: &str, line_total: &str, tax_total: Option<&str>) -> String {
    let tax_total = tax_total.map_or(String::new(), |t| {
        format!("<ram:TaxTotalAmount currencyID=\"EUR\">{t}</ram:TaxTotalAmount>")
    });
    format!(
        "<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>{taxes}
         <ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:LineTotalAmount>{line_total}</ram:LineTotalAmount><ram:TaxBasisTotalAmount>{line_total}</ram:TaxBasisTotalAmount>{tax_total}<ram:GrandTotalAmount>0</ram:GrandTotalAmount><ram:DuePayableAmount>0</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement>"
    )
}

#[test]
fn line_totals_tolerate_a_cent_per_line_and_leave_group_lines_out() {
    // Lines 10.00 + 20.00 + a GROUP line of 30.00: BT-106 = 30.02 is within 0.01 × 3
    // lines (the tolerance counts every line item, the sum only those that count).
    let lines = [
        line("G1", Some("GROUP"), None, "30.00", ""),
        line("1", Some("DETAIL"), Some("G1"), "10.00", ""),
        line("2", Some("DETAIL"), Some("G1"), "20.00", ""),
    ]
    .concat();
    let ok = fired_cii(&format!(
        "{lines}{}",
        settlement(&breakdown("30.00", "6.00", ""), "30.02", Some("6.00"))
    ));
    assert!(!has(&ok, "BR-FREXT-CO-10"), "{ok:?}");
    assert!(!has(&ok, "BR-CO-10"), "the EN rule is removed");
    assert!(
        !has(&ok, "BR-FREXT-08"),
        "the GROUP amount is the sum of its children"
    );
    let off = fired_cii(&format!(
        "{lines}{}",
        settlement(&breakdown("30.00", "6.00", ""), "30.04", Some("6.00"))
    ));
    assert!(has(&off, "BR-FREXT-CO-10"));
}

#[test]
fn eight_passes_with_matching_reasons_and_warns_without() {
    // Two S 20% breakdowns told apart by their reason text, each with its own line.
    let lines = [
        line("1", None, None, "100.00", "#A#"),
        line("2", None, None, "50.00", "#B#"),
    ]
    .concat();
    let taxes = [
        breakdown("100.00", "20.00", "#A#"),
        breakdown("50.00", "10.00", "#B#"),
    ]
    .concat();
    let findings = fired_cii(&format!(
        "{lines}{}",
        settlement(&taxes, "150.00", Some("30.00"))
    ));
    assert!(!has(&findings, "BR-FXEXT-S-08"), "{findings:?}");
    assert!(!has(&findings, "BR-FXEXT-S-08rev"));
    // Without the reasons each breakdown would have to hold both lines.
    assert!(has(&findings, "BR-FXEXT-S-08ini"));
    assert!(!has(&findings, "BR-FXEXT-S-09"));
}

#[test]
fn grand_total_needs_a_vat_total_in_the_invoice_currency() {
    let lines = line("1", None, None, "100.00", "");
    let without = fired_cii(&format!(
        "{lines}{}",
        settlement(&breakdown("100.00", "20.00", ""), "100.00", None)
    ));
    assert!(has(&without, "BR-FREXT-CO-15"));
}

#[test]
fn charge_reason_with_another_list_id_is_checked_on_its_value() {
    let charge = |list: &str, code: &str| {
        format!(
            "<ram:ApplicableHeaderTradeSettlement><ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>true</udt:Indicator></ram:ChargeIndicator><ram:ReasonCode listID=\"{list}\">{code}</ram:ReasonCode></ram:SpecifiedTradeAllowanceCharge></ram:ApplicableHeaderTradeSettlement>"
        )
    };
    assert!(has(
        &fired_cii(&charge("XYZ", "WH")),
        "BR-FREXT-CL-20-LISTID"
    ));
    assert!(!has(
        &fired_cii(&charge("XYZ", "5153")),
        "BR-FREXT-CL-20-LISTID"
    ));
    assert!(has(
        &fired_cii(&charge("5153", "VAT")),
        "BR-FREXT-CL-20-TAX"
    ));
    assert!(!has(
        &fired_cii(&charge("5153", "ENV")),
        "BR-FREXT-CL-20-TAX"
    ));
}

#[test]
fn sub_line_references_name_another_line() {
    let own_parent = line("1", Some("DETAIL"), Some("1"), "10.00", "");
    let findings = fired_cii(&format!("{own_parent}{}", settlement("", "10.00", None)));
    assert!(has(&findings, "BR-FREXT-11"));
    let no_type = line("2", None, Some("1"), "10.00", "");
    let findings = fired_cii(&format!("{no_type}{}", settlement("", "10.00", None)));
    assert!(has(&findings, "BR-FREXT-06"));
}

#[test]
fn the_registry_lists_each_syntax_its_own_vat_ids() {
    let ubl: Vec<&str> = super::ubl_rules().iter().map(|r| r.id).collect();
    let cii: Vec<&str> = super::cii_rules().iter().map(|r| r.id).collect();
    assert!(ubl.contains(&"BR-FREXT-S-08") && !ubl.contains(&"BR-FXEXT-S-08"));
    assert!(cii.contains(&"BR-FXEXT-S-08") && !cii.contains(&"BR-FREXT-S-08"));
    assert!(ubl.contains(&"BR-FREXT-Z-01") && cii.contains(&"BR-FREXT-Z-01"));
    assert!(cii.contains(&"BR-CO-27") && !ubl.contains(&"BR-CO-27"));
    assert!(cii.contains(&"BR-FREXT-BR-22") && ubl.contains(&"BR-FREXT-22"));
}

fn fired_ubl(lines: &str) -> Vec<Finding> {
    let xml = format!(
        r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ID>F1</cbc:ID>{lines}</Invoice>"#
    );
    let doc = parse_str(&xml, &Limits::default()).expect("test document is well-formed");
    let mut findings = Vec::new();
    super::check(doc.root(), Syntax::Ubl, &mut findings, 0);
    findings
}

fn ubl_attribute(code: &str) -> String {
    format!(
        "<cac:InvoiceLine><cbc:ID>1</cbc:ID><cac:Item><cac:AdditionalItemProperty><cbc:Name>Colour</cbc:Name><cbc:NameCode listID=\"6313\">{code}</cbc:NameCode><cbc:Value>red</cbc:Value></cac:AdditionalItemProperty></cac:Item></cac:InvoiceLine>"
    )
}

fn cii_attribute(code: &str) -> String {
    format!(
        "<ram:IncludedSupplyChainTradeLineItem><ram:SpecifiedTradeProduct><ram:ApplicableProductCharacteristic><ram:TypeCode>{code}</ram:TypeCode><ram:Description>Colour</ram:Description><ram:Value>red</ram:Value></ram:ApplicableProductCharacteristic></ram:SpecifiedTradeProduct></ram:IncludedSupplyChainTradeLineItem>"
    )
}

#[test]
fn item_attribute_codes_come_from_untdid_6313_and_the_factur_x_extension() {
    use crate::ingest::report::Severity;
    // UNTDID 6313 codes and extension codes pass, surrounding whitespace is collapsed.
    for code in ["AAA", "ZZZ", "COLOR_TEXT", " WEEE_NUMBER\n"] {
        assert!(
            !has(&fired_ubl(&ubl_attribute(code)), "BR-FREXT-04"),
            "{code:?}"
        );
        assert!(
            !has(&fired_cii(&cii_attribute(code)), "BR-FXEXT-04"),
            "{code:?}"
        );
    }
    // Unknown, lower-case, empty or two-token values fail: fatal in UBL, a warning in CII.
    for code in ["COLOUR", "aaa", "", "AAA AAB"] {
        let ubl = fired_ubl(&ubl_attribute(code));
        let found = ubl.iter().find(|f| f.rule == "BR-FREXT-04");
        assert!(
            found
                .is_some_and(|f| f.severity == Severity::Fatal && f.location.ends_with("NameCode")),
            "{code:?}: {ubl:?}"
        );
        let cii = fired_cii(&cii_attribute(code));
        let found = cii.iter().find(|f| f.rule == "BR-FXEXT-04");
        assert!(
            found.is_some_and(|f| f.severity == Severity::Warning),
            "{code:?}: {cii:?}"
        );
        // Each syntax reports only its own id.
        assert!(!has(&ubl, "BR-FXEXT-04") && !has(&cii, "BR-FREXT-04"));
    }
    // The UBL context is a line item's attribute: a NameCode elsewhere is not checked.
    let elsewhere = "<cac:Item><cac:AdditionalItemProperty><cbc:NameCode>COLOUR</cbc:NameCode></cac:AdditionalItemProperty></cac:Item>";
    assert!(!has(&fired_ubl(elsewhere), "BR-FREXT-04"));
}
