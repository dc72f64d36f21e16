//! Unit tests of the hand-written UBL syntax-binding rules (and a few table rules
//! through the same entry point).

use super::super::Doc;
use super::check;
use crate::ingest::report::Finding;
use crate::ingest::validate::Sink;
use crate::xml::{Limits, parse_str};

const NS: &str = r#"xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2""#;

/// The syntax-binding rule ids fired on a document, sorted, without duplicates.
fn fired(xml: &str) -> Vec<&'static str> {
    let doc = parse_str(xml, &Limits::default()).expect("test document is well-formed");
    let mut findings: Vec<Finding> = Vec::new();
    check(&Doc::new(doc.root()), &mut Sink::new(&mut findings));
    let mut ids: Vec<&'static str> = findings.iter().map(|f| f.rule).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn invoice(body: &str) -> Vec<&'static str> {
    fired(&format!(
        r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" {NS}>{body}</Invoice>"#
    ))
}

fn credit_note(body: &str) -> Vec<&'static str> {
    fired(&format!(
        r#"<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2" {NS}>{body}</CreditNote>"#
    ))
}

#[test]
fn amounts_count_written_decimals_except_prices() {
    assert!(invoice("<cbc:TaxAmount>1.25</cbc:TaxAmount>").is_empty());
    assert_eq!(
        invoice("<cbc:TaxAmount>1.250</cbc:TaxAmount>"),
        ["UBL-DT-01"]
    );
    assert_eq!(
        invoice("<cbc:TaxAmount>1.25 </cbc:TaxAmount>"),
        ["UBL-DT-01"]
    );
    assert!(invoice("<cac:Price><cbc:PriceAmount>1.2345</cbc:PriceAmount></cac:Price>").is_empty());
    let price_allowance = "<cac:Price><cac:AllowanceCharge><cbc:ChargeIndicator>false</cbc:ChargeIndicator>\
        <cbc:Amount>0.125</cbc:Amount><cbc:BaseAmount>10.125</cbc:BaseAmount></cac:AllowanceCharge></cac:Price>";
    assert!(invoice(price_allowance).is_empty());
}

#[test]
fn binary_objects_need_mime_code_and_file_name() {
    let object = |attrs: &str| {
        invoice(&format!(
            "<cac:AdditionalDocumentReference><cbc:ID>a</cbc:ID><cac:Attachment>\
             <cbc:EmbeddedDocumentBinaryObject {attrs}>AA==</cbc:EmbeddedDocumentBinaryObject>\
             </cac:Attachment></cac:AdditionalDocumentReference>"
        ))
    };
    assert!(object(r#"mimeCode="text/csv" filename="a.csv""#).is_empty());
    assert_eq!(object(r#"filename="a.csv""#), ["UBL-DT-06"]);
    assert_eq!(object(r#"mimeCode="text/csv""#), ["UBL-DT-07"]);
}

#[test]
fn attributes_anywhere_and_the_name_attribute() {
    let found =
        invoice(r#"<cbc:Note languageID="fr">x</cbc:Note><cbc:Note languageID="en">y</cbc:Note>"#);
    assert_eq!(found, ["UBL-DT-19"]);
    let means = r#"<cac:PaymentMeans><cbc:PaymentMeansCode name="Transfer">30</cbc:PaymentMeansCode></cac:PaymentMeans>"#;
    assert!(invoice(means).is_empty());
    assert_eq!(invoice(r#"<cbc:Note name="x">x</cbc:Note>"#), ["UBL-DT-18"]);
    assert_eq!(
        invoice(r#"<cbc:InvoicedQuantity unitCodeListID="x">1</cbc:InvoicedQuantity>"#),
        ["UBL-CR-663"]
    );
}

fn with_payee(payee: &str) -> Vec<&'static str> {
    invoice(&format!(
        "<cac:AccountingSupplierParty><cac:Party><cac:PartyLegalEntity>\
         <cbc:RegistrationName>Seller</cbc:RegistrationName></cac:PartyLegalEntity>\
         </cac:Party></cac:AccountingSupplierParty><cac:PayeeParty>{payee}</cac:PayeeParty>"
    ))
}

#[test]
fn payee_rules_require_a_payee_distinct_from_the_seller() {
    let named = |name: &str| format!("<cac:PartyName><cbc:Name>{name}</cbc:Name></cac:PartyName>");
    assert!(with_payee(&named("Factor")).is_empty());
    let all = ["UBL-SR-19", "UBL-SR-20", "UBL-SR-21"];
    assert_eq!(with_payee(&named("Seller")), all);
    assert_eq!(
        with_payee(""),
        all,
        "a payee without a name fails the name comparison"
    );
    let ids = "<cac:PartyIdentification><cbc:ID>1</cbc:ID></cac:PartyIdentification>\
               <cac:PartyIdentification><cbc:ID schemeID='sepa'>2</cbc:ID></cac:PartyIdentification>";
    assert!(
        with_payee(&format!("{}{ids}", named("Factor"))).is_empty(),
        "SEPA ids do not count"
    );
    let two = "<cac:PartyIdentification><cbc:ID>1</cbc:ID></cac:PartyIdentification>\
               <cac:PartyIdentification><cbc:ID schemeID='0088'>2</cbc:ID></cac:PartyIdentification>";
    assert_eq!(
        with_payee(&format!("{}{two}", named("Factor"))),
        ["UBL-SR-20"]
    );
}

#[test]
fn allowance_reason_rule_follows_the_first_matching_indicator() {
    let charge = |indicators: &str| {
        invoice(&format!(
            "<cac:AllowanceCharge>{indicators}<cbc:AllowanceChargeReason>a</cbc:AllowanceChargeReason>\
             <cbc:AllowanceChargeReason>b</cbc:AllowanceChargeReason></cac:AllowanceCharge>"
        ))
    };
    assert_eq!(
        charge("<cbc:ChargeIndicator>0</cbc:ChargeIndicator>"),
        ["UBL-SR-30"]
    );
    assert_eq!(
        charge("<cbc:ChargeIndicator> true </cbc:ChargeIndicator>"),
        ["UBL-SR-31"]
    );
    let both = "<cbc:ChargeIndicator>true</cbc:ChargeIndicator><cbc:ChargeIndicator>false</cbc:ChargeIndicator>";
    assert_eq!(charge(both), ["UBL-SR-30"]);
    assert!(charge("<cbc:ChargeIndicator>maybe</cbc:ChargeIndicator>").is_empty());
}

#[test]
fn scheme_identifiers_only_on_invoiced_objects() {
    let reference = |inner: &str| {
        format!("<cac:AdditionalDocumentReference>{inner}</cac:AdditionalDocumentReference>")
    };
    let object = reference(
        "<cbc:ID schemeID='ABZ'>1</cbc:ID><cbc:DocumentTypeCode>130</cbc:DocumentTypeCode>",
    );
    assert!(invoice(&object).is_empty());
    let tender = reference("<cbc:ID>1</cbc:ID><cbc:DocumentTypeCode>50</cbc:DocumentTypeCode>");
    assert_eq!(invoice(&tender), ["UBL-SR-43"]);
    assert!(credit_note(&tender).is_empty());
    let schemed = reference("<cbc:ID schemeID='ABZ'>1</cbc:ID>");
    assert_eq!(invoice(&schemed), ["UBL-CR-665", "UBL-SR-43"]);
    let attached = reference(
        "<cbc:ID>1</cbc:ID><cbc:DocumentTypeCode>130</cbc:DocumentTypeCode>\
         <cbc:DocumentDescription>d</cbc:DocumentDescription><cac:Attachment/>",
    );
    assert_eq!(invoice(&attached), ["UBL-CR-666", "UBL-CR-673"]);
    let twice = format!("{object}{object}");
    assert_eq!(invoice(&twice), ["UBL-SR-04"]);
}

#[test]
fn payment_identifiers_and_codes_must_agree() {
    let means = |code: &str, id: &str| {
        format!(
            "<cac:PaymentMeans><cbc:PaymentMeansCode>{code}</cbc:PaymentMeansCode><cbc:PaymentID>{id}</cbc:PaymentID></cac:PaymentMeans>"
        )
    };
    assert!(invoice(&format!("{}{}", means("30", "A"), means("30", "A"))).is_empty());
    assert_eq!(
        invoice(&format!("{}{}", means("30", "A"), means("58", "A"))),
        ["UBL-SR-47"]
    );
    assert_eq!(
        invoice(&format!("{}{}", means("30", "A"), means("30", "B"))),
        ["UBL-SR-44"]
    );
}

#[test]
fn seller_tax_schemes_are_split_on_an_upper_cased_vat() {
    let scheme = |id: &str, company: &str| {
        format!(
            "<cac:PartyTaxScheme><cbc:CompanyID>{company}</cbc:CompanyID><cac:TaxScheme><cbc:ID>{id}</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
        )
    };
    let seller = |schemes: &str| {
        invoice(&format!(
            "<cac:AccountingSupplierParty><cac:Party>{schemes}</cac:Party></cac:AccountingSupplierParty>"
        ))
    };
    assert!(seller(&format!("{}{}", scheme("VAT", "FR1"), scheme("LOC", "2"))).is_empty());
    assert_eq!(
        seller(&format!("{}{}", scheme("vat", "FR1"), scheme("VAT", "FR2"))),
        ["UBL-SR-12"]
    );
    assert_eq!(
        seller(&format!("{}{}", scheme("A", "1"), scheme("B", "2"))),
        ["UBL-SR-13"]
    );
    let three = format!(
        "{}{}{}",
        scheme("VAT", "1"),
        scheme("A", "2"),
        scheme("B", "3")
    );
    assert_eq!(seller(&three), ["UBL-SR-13", "UBL-SR-42"]);
    assert_eq!(
        seller("<cac:PartyTaxScheme><cbc:CompanyID>1</cbc:CompanyID></cac:PartyTaxScheme>"),
        ["UBL-SR-53"]
    );
}

#[test]
fn version_and_payment_due_date() {
    assert!(invoice("<cbc:UBLVersionID>2.1</cbc:UBLVersionID>").is_empty());
    assert_eq!(
        invoice("<cbc:UBLVersionID>2.2</cbc:UBLVersionID>"),
        ["UBL-CR-002"]
    );
    let due =
        "<cac:PaymentMeans><cbc:PaymentDueDate>2024-01-01</cbc:PaymentDueDate></cac:PaymentMeans>";
    assert_eq!(invoice(due), ["UBL-CR-412"]);
    assert!(credit_note(due).is_empty());
}

#[test]
fn table_rules_run_in_the_same_walk() {
    let line = "<cac:InvoiceLine><cbc:UUID>u</cbc:UUID><cac:Item><cac:ClassifiedTaxCategory/></cac:Item></cac:InvoiceLine>";
    assert_eq!(invoice(line), ["UBL-CR-515"]);
    assert_eq!(invoice("<cac:InvoiceLine/>"), ["UBL-SR-48"]);
}

#[test]
fn attribute_index_matches_the_rule_list() {
    for (i, (name, _)) in super::ATTRIBUTES_ANYWHERE.iter().enumerate() {
        assert_eq!(super::attribute_anywhere(name), Some(i), "{name}");
    }
    assert_eq!(super::attribute_anywhere("currencyID"), None);
}
