//! Unit tests of the hand-written CII syntax-binding rules (and the shadowing of the
//! table rules they sit next to).

use super::super::Doc;
use super::check;
use crate::ingest::report::Finding;
use crate::ingest::validate::Sink;
use crate::xml::{Limits, parse_str};

/// The syntax-binding rule ids fired on a CII document whose transaction is `tx`
/// and whose `rsm:ExchangedDocument` holds `doc`, sorted, without duplicates.
fn fired(doc: &str, tx: &str) -> Vec<&'static str> {
    let xml = format!(
        r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>
<rsm:ExchangedDocument>{doc}</rsm:ExchangedDocument>
<rsm:SupplyChainTradeTransaction>{tx}</rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"#
    );
    let parsed = parse_str(&xml, &Limits::default()).expect("test document is well-formed");
    let mut findings: Vec<Finding> = Vec::new();
    check(&Doc::new(parsed.root()), &mut Sink::new(&mut findings));
    let mut ids: Vec<&'static str> = findings.iter().map(|f| f.rule).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// A document part with the one type code CII-SR-014 requires.
const DOC: &str = "<ram:ID>1</ram:ID><ram:TypeCode>380</ram:TypeCode>";

fn tx(tx: &str) -> Vec<&'static str> {
    fired(DOC, tx)
}

fn settlement(inner: &str) -> Vec<&'static str> {
    tx(&format!(
        "<ram:ApplicableHeaderTradeSettlement>{inner}</ram:ApplicableHeaderTradeSettlement>"
    ))
}

#[test]
fn skeleton_is_silent() {
    assert!(tx("").is_empty());
}

#[test]
fn format_102_dates_are_checked_lexically() {
    let date = |value: &str, format: &str| {
        fired(
            &format!(
                "{DOC}<ram:IssueDateTime><udt:DateTimeString format=\"{format}\">{value}</udt:DateTimeString></ram:IssueDateTime>"
            ),
            "",
        )
    };
    assert!(date("20240131", "102").is_empty());
    assert!(date(" 20230231\n", "102").is_empty(), "no calendar check");
    assert_eq!(date("2024-01-31", "102"), ["CII-DT-097"]);
    assert_eq!(date("20241301", "102"), ["CII-DT-097"]);
    assert_eq!(date("20240100", "102"), ["CII-DT-097"]);
    assert!(
        date("2024-01-31", "203").is_empty(),
        "only format 102 is checked"
    );
}

#[test]
fn referenced_document_exceptions() {
    let agreement = |docs: &str| {
        tx(&format!(
            "<ram:ApplicableHeaderTradeAgreement>{docs}</ram:ApplicableHeaderTradeAgreement>"
        ))
    };
    let attachment = "<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>a</ram:IssuerAssignedID>\
        <ram:URIID>http://x</ram:URIID><ram:TypeCode>916</ram:TypeCode><ram:Name>n</ram:Name></ram:AdditionalReferencedDocument>";
    assert!(agreement(attachment).is_empty());
    let tender = "<ram:AdditionalReferencedDocument><ram:IssuerAssignedID>a</ram:IssuerAssignedID>\
        <ram:URIID>http://x</ram:URIID><ram:TypeCode>50</ram:TypeCode><ram:ReferenceTypeCode>AAA</ram:ReferenceTypeCode></ram:AdditionalReferencedDocument>";
    assert_eq!(agreement(tender), ["CII-DT-015", "CII-DT-024"]);
    let contract = "<ram:ContractReferencedDocument><ram:IssuerAssignedID>c</ram:IssuerAssignedID>\
        <ram:TypeCode>1</ram:TypeCode><ram:FormattedIssueDateTime/></ram:ContractReferencedDocument>";
    assert_eq!(agreement(contract), ["CII-DT-018", "CII-DT-027"]);
    let preceding = "<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>p</ram:IssuerAssignedID>\
        <ram:FormattedIssueDateTime/></ram:InvoiceReferencedDocument>";
    assert!(settlement(preceding).is_empty());
}

#[test]
fn trade_tax_rules_depend_on_where_the_tax_is() {
    let header_tax = "<ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>1</ram:BasisAmount>\
        <ram:DueDateTypeCode>5</ram:DueDateTypeCode><ram:ExemptionReason>r</ram:ExemptionReason></ram:ApplicableTradeTax>";
    assert!(settlement(header_tax).is_empty());
    assert_eq!(
        settlement(
            "<ram:ApplicableTradeTax><ram:TypeCode>vat</ram:TypeCode></ram:ApplicableTradeTax>"
        ),
        ["CII-DT-037"]
    );
    let charge_tax = "<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator>\
        <ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:ExemptionReason>r</ram:ExemptionReason></ram:CategoryTradeTax></ram:SpecifiedTradeAllowanceCharge>";
    assert_eq!(settlement(charge_tax), ["CII-DT-098"]);
    let line_tax = "<ram:IncludedSupplyChainTradeLineItem><ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax>\
        <ram:BasisAmount>1</ram:BasisAmount><ram:TaxPointDate/></ram:ApplicableTradeTax></ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>";
    let found = tx(line_tax);
    assert!(
        found.contains(&"CII-DT-041") && found.contains(&"CII-DT-054"),
        "{found:?}"
    );
}

#[test]
fn unit_codes_are_allowed_once_a_billed_quantity_has_one() {
    let line = |billed: &str| {
        format!(
            "<ram:IncludedSupplyChainTradeLineItem><ram:SpecifiedLineTradeDelivery>{billed}</ram:SpecifiedLineTradeDelivery></ram:IncludedSupplyChainTradeLineItem>"
        )
    };
    let basis = "<ram:ApplicableHeaderTradeSettlement><ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator/>\
        <ram:BasisQuantity unitCode=\"C62\">1</ram:BasisQuantity></ram:SpecifiedTradeAllowanceCharge></ram:ApplicableHeaderTradeSettlement>";
    let with = tx(&format!(
        "{}{basis}",
        line("<ram:BilledQuantity unitCode=\"C62\">1</ram:BilledQuantity>")
    ));
    assert!(!with.contains(&"CII-DT-033"), "{with:?}");
    let without = tx(&format!(
        "{}{basis}",
        line("<ram:BilledQuantity>1</ram:BilledQuantity>")
    ));
    assert!(without.contains(&"CII-DT-033"), "{without:?}");
}

#[test]
fn payment_means_must_agree_and_transfers_need_an_account() {
    let means = |code: &str, account: &str| {
        format!(
            "<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>{code}</ram:TypeCode>{account}</ram:SpecifiedTradeSettlementPaymentMeans>"
        )
    };
    let iban = "<ram:PayeePartyCreditorFinancialAccount><ram:IBANID>FR76</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>";
    assert!(settlement(&format!("{}{}", means("58", iban), means(" 58 ", iban))).is_empty());
    assert_eq!(
        settlement(&format!("{}{}", means("58", iban), means("30", iban))),
        ["CII-SR-467"]
    );
    assert_eq!(settlement(&means("30", "")), ["CII-SR-470"]);
    assert!(settlement(&means("49", "")).is_empty());
}

#[test]
fn vat_point_date_codes_must_agree_across_the_document() {
    let tax = |code: &str| {
        format!(
            "<ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:DueDateTypeCode>{code}</ram:DueDateTypeCode></ram:ApplicableTradeTax>"
        )
    };
    assert!(settlement(&format!("{}{}", tax("5"), tax("5"))).is_empty());
    assert_eq!(
        settlement(&format!("{}{}", tax("5"), tax("29"))),
        ["CII-SR-462"]
    );
}

#[test]
fn gross_price_carries_only_allowances_with_an_amount() {
    let line = |charge: &str| {
        tx(&format!(
            "<ram:IncludedSupplyChainTradeLineItem><ram:SpecifiedLineTradeAgreement><ram:GrossPriceProductTradePrice>\
             <ram:ChargeAmount>10</ram:ChargeAmount>{charge}</ram:GrossPriceProductTradePrice>\
             <ram:NetPriceProductTradePrice><ram:ChargeAmount>9</ram:ChargeAmount></ram:NetPriceProductTradePrice>\
             </ram:SpecifiedLineTradeAgreement><ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax/></ram:SpecifiedLineTradeSettlement>\
             </ram:IncludedSupplyChainTradeLineItem>"
        ))
    };
    let allowance = |value: &str| {
        format!(
            "<ram:AppliedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>{value}</udt:Indicator></ram:ChargeIndicator>\
                 <ram:ActualAmount>1</ram:ActualAmount></ram:AppliedTradeAllowanceCharge>"
        )
    };
    assert!(line("").is_empty());
    assert!(line(&allowance("false")).is_empty());
    assert_eq!(line(&allowance("true")), ["CII-SR-119"]);
}

#[test]
fn identifier_attribute_rules_shadow_each_other() {
    // $DOC/ram:ID is taken by CII-DT-001..007, so CII-DT-101..104 do not see it; the
    // document type code's list attributes (CII-DT-010..012) are never evaluated.
    let doc = r#"<ram:ID schemeName="x" schemeID="y">1</ram:ID><ram:TypeCode listID="z">380</ram:TypeCode>"#;
    assert_eq!(fired(doc, ""), ["CII-DT-001", "CII-DT-005"]);
    let agreement = tx(
        r#"<ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty>
        <ram:GlobalID schemeName="x" schemeID="0088">1</ram:GlobalID></ram:SellerTradeParty></ram:ApplicableHeaderTradeAgreement>"#,
    );
    assert_eq!(agreement, ["CII-DT-101"]);
    assert_eq!(fired("<ram:ID>1</ram:ID>", ""), ["CII-SR-014"]);
}
