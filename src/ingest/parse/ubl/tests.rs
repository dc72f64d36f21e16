//! Unit tests of the UBL mapper on small crafted documents, one corner per test.

use super::*;
use crate::invoice::{Amount, Date};
use crate::xml::{Limits, parse_str};

const NS: &str = r#"xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2""#;

fn invoice(body: &str) -> Invoice {
    let text = format!(
        r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" {NS}>{body}</Invoice>"#
    );
    let doc = parse_str(&text, &Limits::default()).expect("well-formed");
    to_invoice(doc.root())
}

fn credit_note(body: &str) -> Invoice {
    let text = format!(
        r#"<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2" {NS}>{body}</CreditNote>"#
    );
    let doc = parse_str(&text, &Limits::default()).expect("well-formed");
    to_invoice(doc.root())
}

fn amount(s: &str) -> Option<Amount> {
    Amount::parse(s)
}

#[test]
fn note_subject_codes_are_split_off_the_text() {
    let inv = invoice(
        "<cbc:Note>#PMT#Indemnité : 40 EUR</cbc:Note><cbc:Note>#BAR#B2B</cbc:Note>\
         <cbc:Note>plain # text</cbc:Note><cbc:Note>#not a code#x</cbc:Note><cbc:Note>#AAB#</cbc:Note>",
    );
    let notes: Vec<(Option<&str>, Option<&str>)> = inv
        .notes
        .iter()
        .map(|n| (n.subject_code.as_deref(), n.text.as_deref()))
        .collect();
    assert_eq!(
        notes,
        [
            (Some("PMT"), Some("Indemnité : 40 EUR")),
            (Some("BAR"), Some("B2B")),
            (None, Some("plain # text")),
            (None, Some("#not a code#x")),
            (Some("AAB"), None),
        ]
    );
}

#[test]
fn credit_note_takes_due_date_from_payment_means_and_reads_credited_quantity() {
    let inv = credit_note(
        "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>\
         <cac:AdditionalDocumentReference><cbc:ID>PRJ-7</cbc:ID><cbc:DocumentTypeCode>50</cbc:DocumentTypeCode></cac:AdditionalDocumentReference>\
         <cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode><cbc:PaymentDueDate>2024-03-31</cbc:PaymentDueDate></cac:PaymentMeans>\
         <cac:CreditNoteLine><cbc:ID>1</cbc:ID><cbc:CreditedQuantity unitCode=\"H87\">-2.5</cbc:CreditedQuantity>\
         <cbc:LineExtensionAmount currencyID=\"EUR\">-25.00</cbc:LineExtensionAmount></cac:CreditNoteLine>",
    );
    assert!(inv.is_credit_note());
    assert_eq!(inv.due_date, Date::new(2024, 3, 31));
    assert_eq!(inv.project_reference.as_deref(), Some("PRJ-7"));
    assert!(
        inv.supporting_documents.is_empty(),
        "type 50 is BT-11, not BG-24"
    );
    assert_eq!(inv.lines.len(), 1);
    assert_eq!(
        inv.lines[0].quantity.map(|q| q.to_string()),
        Some("-2.5".into())
    );
    assert_eq!(inv.lines[0].unit_code.as_deref(), Some("H87"));
    assert_eq!(inv.lines[0].net_amount, amount("-25.00"));
}

#[test]
fn vat_totals_are_told_apart_by_currency_whatever_their_order() {
    let inv = invoice(
        "<cbc:DocumentCurrencyCode>USD</cbc:DocumentCurrencyCode><cbc:TaxCurrencyCode>EUR</cbc:TaxCurrencyCode>\
         <cac:TaxTotal><cbc:TaxAmount currencyID=\"EUR\">18.00</cbc:TaxAmount></cac:TaxTotal>\
         <cac:TaxTotal><cbc:TaxAmount currencyID=\"USD\">20.00</cbc:TaxAmount>\
           <cac:TaxSubtotal><cbc:TaxableAmount currencyID=\"USD\">100.00</cbc:TaxableAmount><cbc:TaxAmount currencyID=\"USD\">20.00</cbc:TaxAmount>\
           <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>20</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal>\
         </cac:TaxTotal>",
    );
    assert_eq!(inv.totals.total_vat, amount("20.00"));
    assert_eq!(inv.totals.total_vat_accounting_currency, amount("18.00"));
    assert_eq!(inv.vat_breakdown.len(), 1);
    assert_eq!(inv.vat_breakdown[0].taxable_amount, amount("100.00"));
    assert_eq!(inv.vat_breakdown[0].category_code.as_deref(), Some("S"));
}

#[test]
fn sepa_party_identifier_is_the_creditor_id_not_a_seller_id() {
    let inv = invoice(
        "<cac:AccountingSupplierParty><cac:Party>\
           <cbc:EndpointID schemeID=\"0225\">123456782_PARIS</cbc:EndpointID>\
           <cac:PartyIdentification><cbc:ID schemeID=\"SEPA\">FR12ZZZ123456</cbc:ID></cac:PartyIdentification>\
           <cac:PartyIdentification><cbc:ID schemeID=\"0009\">12345678200010</cbc:ID></cac:PartyIdentification>\
           <cac:PartyIdentification><cbc:ID schemeID=\"0224\">PARIS</cbc:ID></cac:PartyIdentification>\
           <cac:PartyTaxScheme><cbc:CompanyID>FR44123456782</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>\
           <cac:PartyLegalEntity><cbc:RegistrationName>Vendeur SA</cbc:RegistrationName><cbc:CompanyID schemeID=\"0002\">123456782</cbc:CompanyID></cac:PartyLegalEntity>\
         </cac:Party></cac:AccountingSupplierParty>\
         <cac:PaymentMeans><cbc:PaymentMeansCode>59</cbc:PaymentMeansCode>\
           <cac:PaymentMandate><cbc:ID>MANDATE-1</cbc:ID><cac:PayerFinancialAccount><cbc:ID>FR7630001007941234567890185</cbc:ID></cac:PayerFinancialAccount></cac:PaymentMandate>\
         </cac:PaymentMeans>",
    );
    let seller = &inv.seller;
    assert_eq!(seller.name.as_deref(), Some("Vendeur SA"));
    assert_eq!(
        seller.identifiers,
        [
            Identifier::new("12345678200010", Some("0009")),
            Identifier::new("PARIS", Some("0224"))
        ]
    );
    assert!(
        seller
            .legal_registration_identifier
            .as_ref()
            .is_some_and(|i| i.has_scheme("0002"))
    );
    assert_eq!(
        seller.electronic_address,
        Some(Identifier::new("123456782_PARIS", Some("0225")))
    );
    assert_eq!(seller.vat_identifier.as_deref(), Some("FR44123456782"));
    let debit = inv
        .payment_instructions
        .and_then(|p| p.direct_debit)
        .expect("BG-19");
    assert_eq!(debit.creditor_identifier.as_deref(), Some("FR12ZZZ123456"));
    assert_eq!(debit.mandate_reference.as_deref(), Some("MANDATE-1"));
    assert_eq!(
        debit.debited_account.as_deref(),
        Some("FR7630001007941234567890185")
    );
}

#[test]
fn unknown_charge_indicator_is_neither_allowance_nor_charge() {
    let inv = invoice(
        "<cac:AllowanceCharge><cbc:ChargeIndicator>yes</cbc:ChargeIndicator><cbc:Amount currencyID=\"EUR\">5</cbc:Amount></cac:AllowanceCharge>\
         <cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator><cbc:Amount currencyID=\"EUR\">7.5</cbc:Amount></cac:AllowanceCharge>",
    );
    assert!(inv.allowances.is_empty());
    assert_eq!(inv.charges.len(), 1);
    assert_eq!(inv.charges[0].amount, amount("7.5"));
    assert_eq!(inv.unparsed.len(), 1);
    assert_eq!(
        (inv.unparsed[0].term, inv.unparsed[0].raw.as_str()),
        ("BG-20/BG-21", "yes")
    );
}

#[test]
fn ten_thousand_lines_map_in_one_pass() {
    let mut body = String::from("<cbc:ID>BIG</cbc:ID>");
    for i in 0..10_000 {
        body.push_str(&format!(
            "<cac:InvoiceLine><cbc:ID>{i}</cbc:ID><cbc:InvoicedQuantity unitCode=\"C62\">1</cbc:InvoicedQuantity>\
             <cbc:LineExtensionAmount currencyID=\"EUR\">0.01</cbc:LineExtensionAmount>\
             <cac:Item><cbc:Name>n</cbc:Name></cac:Item></cac:InvoiceLine>"
        ));
    }
    body.push_str("<cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID=\"EUR\">100.00</cbc:LineExtensionAmount></cac:LegalMonetaryTotal>");
    let inv = invoice(&body);
    assert_eq!(inv.lines.len(), 10_000);
    assert_eq!(inv.lines[9_999].identifier.as_deref(), Some("9999"));
    assert_eq!(
        Some(inv.sum_of_line_net_amounts()),
        inv.totals.sum_of_line_net_amounts
    );
}
