//! Unit tests of the UBL rule semantics that are easy to get wrong: presence versus
//! blank, boolean ChargeIndicator contexts, pattern shadowing of invoice periods,
//! typed dates, BR-DEC character counting and BR-CO-09's unpadded `contains`.

use crate::ingest::report::Finding;
use crate::ingest::validate::Sink;
use crate::xml::{Limits, parse_str};

/// The ids of every finding of the UBL rules on an invoice with `body` as content.
fn fired(body: &str) -> Vec<&'static str> {
    let xml = format!(
        r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">{body}</Invoice>"#
    );
    let doc = parse_str(&xml, &Limits::default()).expect("test document is well-formed");
    let mut findings: Vec<Finding> = Vec::new();
    super::check(doc.root(), &mut Sink::new(&mut findings));
    findings.iter().map(|f| f.rule).collect()
}

fn count(ids: &[&str], id: &str) -> usize {
    ids.iter().filter(|i| **i == id).count()
}

#[test]
fn presence_rules_accept_empty_elements_but_blank_rules_do_not() {
    // BR-31 only asks for cbc:Amount to exist; BR-52 asks for a non-blank cbc:ID.
    let ids = fired(
        "<cac:AdditionalDocumentReference><cbc:ID> \n </cbc:ID></cac:AdditionalDocumentReference>
         <cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>
           <cbc:AllowanceChargeReason/><cbc:Amount/></cac:AllowanceCharge>",
    );
    assert_eq!(count(&ids, "BR-31"), 0);
    assert_eq!(count(&ids, "BR-33"), 0);
    assert_eq!(count(&ids, "BR-52"), 1);
}

#[test]
fn charge_indicator_is_a_boolean_cast_and_level_decides_the_rule() {
    // `0` is false() in UBL; a line allowance answers to BR-41/42, not BR-31/33.
    let ids = fired(
        "<cac:AllowanceCharge><cbc:ChargeIndicator> 0 </cbc:ChargeIndicator></cac:AllowanceCharge>
         <cac:AllowanceCharge><cbc:ChargeIndicator>1</cbc:ChargeIndicator></cac:AllowanceCharge>
         <cac:AllowanceCharge><cbc:ChargeIndicator>yes</cbc:ChargeIndicator></cac:AllowanceCharge>
         <cac:InvoiceLine><cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>
           </cac:AllowanceCharge></cac:InvoiceLine>",
    );
    for (id, n) in [
        ("BR-31", 1),
        ("BR-33", 1),
        ("BR-CO-21", 1),
        ("BR-36", 1),
        ("BR-38", 1),
        ("BR-41", 1),
        ("BR-42", 1),
        ("BR-CO-23", 1),
        ("BR-43", 0),
    ] {
        assert_eq!(count(&ids, id), n, "{id} in {ids:?}");
    }
}

#[test]
fn line_periods_are_taken_before_the_header_period_rule() {
    let ids = fired(
        "<cac:InvoicePeriod><cbc:DescriptionCode>35</cbc:DescriptionCode></cac:InvoicePeriod>
         <cac:InvoiceLine><cac:InvoicePeriod><cbc:DescriptionCode>35</cbc:DescriptionCode>
           </cac:InvoicePeriod></cac:InvoiceLine>
         <cac:InvoiceLine><cac:InvoicePeriod><cbc:StartDate>2024-03-01</cbc:StartDate>
           <cbc:EndDate>2024-02-29</cbc:EndDate></cac:InvoicePeriod></cac:InvoiceLine>",
    );
    // A code alone satisfies the header period (BR-CO-19) but not a line period.
    assert_eq!(count(&ids, "BR-CO-19"), 0);
    assert_eq!(count(&ids, "BR-CO-20"), 1);
    assert_eq!(count(&ids, "BR-30"), 1);
    assert_eq!(count(&ids, "BR-29"), 0);
}

#[test]
fn periods_compare_typed_dates_and_fail_on_impossible_ones() {
    let period = |start: &str, end: &str| {
        fired(&format!(
            "<cac:InvoicePeriod><cbc:StartDate>{start}</cbc:StartDate><cbc:EndDate>{end}</cbc:EndDate></cac:InvoicePeriod>"
        ))
    };
    assert_eq!(count(&period("2024-01-31", "2024-01-31"), "BR-29"), 0);
    assert_eq!(count(&period("2024-01-31", "2024-01-30"), "BR-29"), 1);
    assert_eq!(count(&period("2023-02-28", "2023-02-30"), "BR-29"), 1);
}

#[test]
fn decimals_are_counted_as_written_including_trailing_zeros() {
    let ids = fired(
        "<cac:TaxTotal><cac:TaxSubtotal><cbc:TaxableAmount>100.00</cbc:TaxableAmount>
           <cbc:TaxAmount>20.000</cbc:TaxAmount></cac:TaxSubtotal></cac:TaxTotal>
         <cac:LegalMonetaryTotal><cbc:LineExtensionAmount>1.5</cbc:LineExtensionAmount>
           <cbc:PayableAmount>1.500</cbc:PayableAmount></cac:LegalMonetaryTotal>",
    );
    assert_eq!(count(&ids, "BR-DEC-19"), 0);
    assert_eq!(count(&ids, "BR-DEC-20"), 1);
    assert_eq!(count(&ids, "BR-DEC-09"), 0);
    assert_eq!(count(&ids, "BR-DEC-18"), 1);
    // Absent amounts pass.
    assert_eq!(count(&ids, "BR-DEC-16"), 0);
}

#[test]
fn vat_prefix_check_is_an_unpadded_contains() {
    let scheme = |id: &str| {
        fired(&format!(
            "<cac:AccountingSupplierParty><cac:Party><cac:PartyTaxScheme><cbc:CompanyID>{id}</cbc:CompanyID>
             <cac:TaxScheme><cbc:ID> vat </cbc:ID></cac:TaxScheme></cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>"
        ))
    };
    assert_eq!(count(&scheme("FR123"), "BR-CO-09"), 0);
    assert_eq!(count(&scheme("QQ123"), "BR-CO-09"), 1);
    // One character found in the list string, and the empty string, pass literally.
    assert_eq!(count(&scheme("D"), "BR-CO-09"), 0);
    assert_eq!(count(&scheme(""), "BR-CO-09"), 0);
}

#[test]
fn payee_must_differ_from_the_seller() {
    let ids = fired(
        "<cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>ACME</cbc:Name></cac:PartyName>
         </cac:Party></cac:AccountingSupplierParty>
         <cac:PayeeParty><cac:PartyName><cbc:Name>ACME</cbc:Name></cac:PartyName></cac:PayeeParty>",
    );
    assert_eq!(count(&ids, "BR-17"), 1);
    let ids = fired(
        "<cac:PayeeParty><cac:PartyIdentification><cbc:ID>1</cbc:ID></cac:PartyIdentification></cac:PayeeParty>",
    );
    assert_eq!(count(&ids, "BR-17"), 1);
}

#[test]
fn card_number_length_is_only_a_warning_in_ubl() {
    let xml = "<cac:PaymentMeans><cbc:PaymentMeansCode>48</cbc:PaymentMeansCode><cac:CardAccount>
         <cbc:PrimaryAccountNumberID> 1234 5678 901 </cbc:PrimaryAccountNumberID></cac:CardAccount></cac:PaymentMeans>";
    assert_eq!(count(&fired(xml), "BR-51"), 1);
    assert_eq!(
        super::core_parties::BR_51.severity,
        crate::ingest::report::Severity::Warning
    );
}
