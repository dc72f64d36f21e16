//! Unit tests of the Factur-X profile selection effects: ids a profile does not have,
//! the BT-24 check that rejects MINIMUM and BASIC, the empty-element warning and the
//! EXTENDED GROUP sum without tolerance.

use crate::ingest::profile::FacturX;
use crate::ingest::report::{Finding, Severity};
use crate::xml::{Limits, parse_str};

fn fired(profile: FacturX, bt24: &str, transaction: &str) -> Vec<Finding> {
    let xml = format!(
        r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"><rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{bt24}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext><rsm:SupplyChainTradeTransaction>{transaction}</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"#
    );
    let doc = parse_str(&xml, &Limits::default()).expect("test document is well-formed");
    let mut findings = Vec::new();
    super::check(doc.root(), profile, &mut findings, 0);
    findings
}

fn has(findings: &[Finding], id: &str) -> bool {
    findings.iter().any(|f| f.rule == id)
}

const SUMMATION: &str = "<ram:ApplicableHeaderTradeSettlement><ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:LineTotalAmount>10.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement>";

#[test]
fn basic_wl_has_no_line_rules() {
    // No line, BT-106 = 10: BR-16 and BR-CO-10 exist in EN16931, not in BASIC WL.
    let en = fired(FacturX::En16931, "urn:cen.eu:en16931:2017", SUMMATION);
    assert!(has(&en, "BR-16") && has(&en, "BR-CO-10"));
    let wl = fired(FacturX::BasicWl, "urn:factur-x.eu:1p0:basicwl", SUMMATION);
    assert!(!has(&wl, "BR-16") && !has(&wl, "BR-CO-10"), "{wl:?}");
    assert!(!has(&wl, "FX-CODELIST"));
}

#[test]
fn minimum_and_basic_are_rejected_with_a_named_profile() {
    for (bt24, name) in [
        ("urn:factur-x.eu:1p0:minimum", "MINIMUM"),
        ("urn:factur-x.eu:1p0:basic", "BASIC"),
    ] {
        let findings = fired(FacturX::En16931, bt24, SUMMATION);
        let finding = findings
            .iter()
            .find(|f| f.rule == "FX-CODELIST")
            .expect("BT-24 is checked against the profile identifiers");
        assert_eq!(finding.severity, Severity::Fatal);
        assert!(finding.message.contains(name), "{}", finding.message);
    }
}

#[test]
fn empty_elements_warn_except_in_basic_wl() {
    let empty = "<ram:ApplicableHeaderTradeAgreement><ram:BuyerReference> </ram:BuyerReference></ram:ApplicableHeaderTradeAgreement>";
    let en = fired(FacturX::En16931, "urn:cen.eu:en16931:2017", empty);
    assert!(has(&en, "PEPPOL-EN16931-R008"));
    let wl = fired(FacturX::BasicWl, "urn:factur-x.eu:1p0:basicwl", empty);
    assert!(!has(&wl, "PEPPOL-EN16931-R008"));
}

#[test]
fn extended_group_sum_is_a_double_sum_without_tolerance() {
    let line = |id: &str, sub: &str, parent: &str, amount: &str| {
        format!(
            "<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument><ram:LineID>{id}</ram:LineID>{parent}<ram:LineStatusReasonCode>{sub}</ram:LineStatusReasonCode></ram:AssociatedDocumentLineDocument><ram:SpecifiedLineTradeSettlement><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{amount}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>"
        )
    };
    let parent = |p: &str| format!("<ram:ParentLineID>{p}</ram:ParentLineID>");
    // 0.1 + 0.2 is 0.30000000000000004 in doubles: the GROUP line of 0.3 fails.
    let lines = [
        line("G", "GROUP", "", "0.3"),
        line("1", "DETAIL", &parent("G"), "0.1"),
        line("2", "DETAIL", &parent("G"), "0.2"),
    ]
    .concat();
    let ext = "urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended";
    assert!(has(&fired(FacturX::Extended, ext, &lines), "BR-FXEXT-08"));
    let lines = [
        line("G", "GROUP", "", "0.75"),
        line("1", "DETAIL", &parent("G"), "0.5"),
        line("2", "DETAIL", &parent("G"), "0.25"),
    ]
    .concat();
    assert!(!has(&fired(FacturX::Extended, ext, &lines), "BR-FXEXT-08"));
}

#[test]
fn structural_checks_report_the_four_pseudo_ids() {
    let wl = "urn:factur-x.eu:1p0:basicwl";
    let agreement = "<ram:ApplicableHeaderTradeAgreement>
        <ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>PO-1</ram:IssuerAssignedID><ram:FormattedIssueDateTime/></ram:BuyerOrderReferencedDocument>
        <ram:BuyerTradeParty><ram:GlobalID>123</ram:GlobalID><ram:Name>B</ram:Name><ram:PostalTradeAddress><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress></ram:BuyerTradeParty>
        </ram:ApplicableHeaderTradeAgreement>
        <ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>STD</ram:InvoiceCurrencyCode></ram:ApplicableHeaderTradeSettlement>";
    let findings = fired(FacturX::BasicWl, wl, agreement);
    let at = |id: &str, local: &str| {
        findings
            .iter()
            .any(|f| f.rule == id && f.location.ends_with(local))
    };
    // The order date is not used in BASIC WL.
    assert!(
        at("FX-NOT-USED", "ram:FormattedIssueDateTime"),
        "{findings:?}"
    );
    // A buyer global id needs its scheme.
    assert!(at("FX-ATTRIBUTE", "ram:GlobalID"));
    // STD left ISO 4217 (STN replaced it).
    assert!(at("FX-CODELIST", "ram:InvoiceCurrencyCode"));
    // The agreement has no seller; the settlement no monetary summation.
    assert!(at("FX-CARDINALITY", "ram:ApplicableHeaderTradeAgreement"));
    assert!(at("FX-CARDINALITY", "ram:ApplicableHeaderTradeSettlement"));
    // STN is accepted.
    let stn = agreement.replace(">STD<", ">STN<");
    let findings = fired(FacturX::BasicWl, wl, &stn);
    assert!(
        !findings.iter().any(|f| f.rule == "FX-CODELIST"),
        "{findings:?}"
    );
}

#[test]
fn header_breakdowns_of_l_m_o_are_not_shadowed() {
    // EN16931-CII never evaluates BR-45 on an L breakdown; Factur-X does.
    let tax = "<ram:ApplicableHeaderTradeSettlement><ram:ApplicableTradeTax><ram:CalculatedAmount>0</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>L</ram:CategoryCode><ram:RateApplicablePercent>0</ram:RateApplicablePercent></ram:ApplicableTradeTax></ram:ApplicableHeaderTradeSettlement>";
    let findings = fired(FacturX::En16931, "urn:cen.eu:en16931:2017", tax);
    assert!(has(&findings, "BR-45"), "{findings:?}");
}

#[test]
fn whitespace_only_values_pass_the_presence_rules() {
    // `x != ''`: a blank seller name passes in Factur-X (EN BR-06 fails it).
    let agreement = "<ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty><ram:Name> </ram:Name></ram:SellerTradeParty></ram:ApplicableHeaderTradeAgreement>";
    let findings = fired(FacturX::En16931, "urn:cen.eu:en16931:2017", agreement);
    assert!(!has(&findings, "BR-06"), "{findings:?}");
    assert!(has(&findings, "BR-07"));
}

/// A document with its type code (BT-3), for the rules that read it.
fn fired_with_type(profile: FacturX, type_code: &str, transaction: &str) -> Vec<Finding> {
    let xml = format!(
        r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"><rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext><rsm:ExchangedDocument><ram:TypeCode>{type_code}</ram:TypeCode></rsm:ExchangedDocument><rsm:SupplyChainTradeTransaction>{transaction}</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"#
    );
    let doc = parse_str(&xml, &Limits::default()).expect("test document is well-formed");
    let mut findings = Vec::new();
    super::check(doc.root(), profile, &mut findings, 0);
    findings
}

fn parties(seller: &str, buyer: &str) -> String {
    format!(
        "<ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty><ram:PostalTradeAddress><ram:CountryID>{seller}</ram:CountryID></ram:PostalTradeAddress></ram:SellerTradeParty><ram:BuyerTradeParty><ram:PostalTradeAddress><ram:CountryID>{buyer}</ram:CountryID></ram:PostalTradeAddress></ram:BuyerTradeParty></ram:ApplicableHeaderTradeAgreement>"
    )
}

#[test]
fn german_domestic_invoices_need_a_delivery_date_or_period_in_en16931() {
    let de = parties("DE", " de ");
    let undated = format!("{de}<ram:ApplicableHeaderTradeDelivery/>");
    let found = fired_with_type(FacturX::En16931, "380", &undated);
    let finding = found.iter().find(|f| f.rule == "BR-FX-EN-04");
    assert!(
        finding.is_some_and(|f| f.severity == Severity::Warning),
        "{found:?}"
    );
    let dated = format!(
        "{de}<ram:ApplicableHeaderTradeDelivery><ram:ActualDeliverySupplyChainEvent><ram:OccurrenceDateTime><udt:DateTimeString format=\"102\">20260901</udt:DateTimeString></ram:OccurrenceDateTime></ram:ActualDeliverySupplyChainEvent></ram:ApplicableHeaderTradeDelivery>"
    );
    assert!(!has(
        &fired_with_type(FacturX::En16931, "380", &dated),
        "BR-FX-EN-04"
    ));
    // A period alone is not enough without delivery information; with a delivery
    // text it is.
    let period = "<ram:ApplicableHeaderTradeSettlement><ram:BillingSpecifiedPeriod><ram:StartDateTime><udt:DateTimeString format=\"102\">20260801</udt:DateTimeString></ram:StartDateTime></ram:BillingSpecifiedPeriod></ram:ApplicableHeaderTradeSettlement>";
    let period_only = format!("{de}<ram:ApplicableHeaderTradeDelivery/>{period}");
    assert!(has(
        &fired_with_type(FacturX::En16931, "380", &period_only),
        "BR-FX-EN-04"
    ));
    let with_place = format!(
        "{de}<ram:ApplicableHeaderTradeDelivery><ram:ShipToTradeParty><ram:Name>Lager</ram:Name></ram:ShipToTradeParty></ram:ApplicableHeaderTradeDelivery>{period}"
    );
    assert!(!has(
        &fired_with_type(FacturX::En16931, "380", &with_place),
        "BR-FX-EN-04"
    ));
    // Not domestic, a prepayment invoice, or another profile: not checked.
    let fr = format!(
        "{}<ram:ApplicableHeaderTradeDelivery/>",
        parties("FR", "DE")
    );
    assert!(!has(
        &fired_with_type(FacturX::En16931, "380", &fr),
        "BR-FX-EN-04"
    ));
    assert!(!has(
        &fired_with_type(FacturX::En16931, "386", &undated),
        "BR-FX-EN-04"
    ));
    assert!(!has(
        &fired_with_type(FacturX::Extended, "380", &undated),
        "BR-FX-EN-04"
    ));
}

#[test]
fn group_lines_with_an_amount_need_amounts_on_their_group_children_in_en16931() {
    let line = |id: Option<&str>, sub: &str, parent: &str, amount: Option<&str>| {
        let id = id.map_or(String::new(), |i| format!("<ram:LineID>{i}</ram:LineID>"));
        let parent = if parent.is_empty() {
            String::new()
        } else {
            format!("<ram:ParentLineID>{parent}</ram:ParentLineID>")
        };
        let amount = amount.map_or(String::new(), |a| {
            format!("<ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{a}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>")
        });
        format!(
            "<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument>{id}{parent}<ram:LineStatusReasonCode>{sub}</ram:LineStatusReasonCode></ram:AssociatedDocumentLineDocument><ram:SpecifiedLineTradeSettlement>{amount}</ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>"
        )
    };
    let complete = [
        line(Some("1"), "GROUP", "", Some("10.00")),
        line(Some("2"), "GROUP", "1", Some("10.00")),
    ]
    .concat();
    for profile in [FacturX::En16931, FacturX::Extended] {
        assert!(!has(&fired(profile, "x", &complete), "BR-FXEXT-12"));
    }
    let missing = [
        line(Some("1"), "GROUP", "", Some("10.00")),
        line(Some("2"), "GROUP", "1", None),
    ]
    .concat();
    let no_id = line(None, "GROUP", "", Some("10.00"));
    for profile in [FacturX::En16931, FacturX::Extended] {
        assert!(
            has(&fired(profile, "x", &missing), "BR-FXEXT-12"),
            "{profile:?}"
        );
        assert!(
            has(&fired(profile, "x", &no_id), "BR-FXEXT-12"),
            "{profile:?}"
        );
    }
    assert!(!has(&fired(FacturX::BasicWl, "x", &missing), "BR-FXEXT-12"));
}

#[test]
fn the_extended_language_code_is_an_iso_639_2_code() {
    let language = |code: &str| {
        let xml = format!(
            r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"><rsm:ExchangedDocument><ram:LanguageID>{code}</ram:LanguageID></rsm:ExchangedDocument></rsm:CrossIndustryInvoice>"#
        );
        let doc = parse_str(&xml, &Limits::default()).expect("well-formed");
        let mut findings = Vec::new();
        super::check(doc.root(), FacturX::Extended, &mut findings, 0);
        findings
            .into_iter()
            .filter(|f| f.rule == "FX-CODELIST" && f.location.ends_with("LanguageID"))
            .count()
    };
    for code in ["fra", "fre", "deu", "ger", "qaa-qtz"] {
        assert_eq!(language(code), 0, "{code}");
    }
    // ISO 639-1 two-letter codes, upper case and padded values are not in the list.
    for code in ["fr", "FRA", " fra", "xyz"] {
        assert_eq!(language(code), 1, "{code}");
    }
}

/// The ids the EN16931-CII rules report on the same transaction, for comparison.
fn fired_en16931(transaction: &str) -> Vec<Finding> {
    let xml = format!(
        r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"><rsm:SupplyChainTradeTransaction>{transaction}</rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>"#
    );
    let doc = parse_str(&xml, &Limits::default()).expect("test document is well-formed");
    let mut findings = Vec::new();
    crate::ingest::validate::en16931::cii::check(
        doc.root(),
        &mut crate::ingest::validate::Sink::new(&mut findings),
    );
    findings
}

const FX_EN: &str = "urn:cen.eu:en16931:2017";

/// A header settlement with one document allowance and some header taxes.
fn settlement(allowance_tax: &str, indicator: &str, header_taxes: &str) -> String {
    format!(
        "<ram:ApplicableHeaderTradeSettlement>{header_taxes}<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>{indicator}</udt:Indicator></ram:ChargeIndicator><ram:ActualAmount>5.00</ram:ActualAmount><ram:CategoryTradeTax>{allowance_tax}</ram:CategoryTradeTax></ram:SpecifiedTradeAllowanceCharge></ram:ApplicableHeaderTradeSettlement>"
    )
}

#[test]
fn vat_category_rules_take_every_tax_type_in_factur_x() {
    // A standard rated allowance whose tax has no TypeCode, and no seller VAT id:
    // EN16931-CII's context requires TypeCode VAT, the Factur-X one does not.
    let untyped = settlement(
        "<ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent>",
        "false",
        "",
    );
    assert!(!has(&fired_en16931(&untyped), "BR-S-03"));
    for profile in [FacturX::BasicWl, FacturX::En16931, FacturX::Extended] {
        assert!(
            has(&fired(profile, "x", &untyped), "BR-S-03"),
            "{profile:?}"
        );
    }
    // The indicator is compared as the string 'false': `0` is an allowance for
    // EN16931-CII (boolean cast) and nothing for Factur-X.
    let typed = "<ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent>";
    let zero = settlement(typed, "0", "");
    assert!(has(&fired_en16931(&zero), "BR-S-03"));
    assert!(!has(&fired(FacturX::En16931, FX_EN, &zero), "BR-S-03"));
    // An 'O' breakdown without tax type and without exemption reason: BR-O-10 in
    // Factur-X only (EN reads it only with TypeCode VAT).
    let o = settlement(
        "<ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>O</ram:CategoryCode>",
        "false",
        "<ram:ApplicableTradeTax><ram:CalculatedAmount>0</ram:CalculatedAmount><ram:BasisAmount>-5.00</ram:BasisAmount><ram:CategoryCode>O</ram:CategoryCode></ram:ApplicableTradeTax>",
    );
    assert!(!has(&fired_en16931(&o), "BR-O-10"));
    assert!(has(&fired(FacturX::BasicWl, "x", &o), "BR-O-10"));
}

#[test]
fn zero_rated_basis_tolerance_includes_its_lower_bound_in_factur_x() {
    // Σ Z lines = 10.00, basis 11.00: EN's strict `basis − 1 < Σ` fails, Factur-X's
    // `basis − 1 ≤ Σ` passes; a basis of 11.01 fails both.
    let doc = |basis: &str| {
        format!(
            "<ram:IncludedSupplyChainTradeLineItem><ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>Z</ram:CategoryCode><ram:RateApplicablePercent>0</ram:RateApplicablePercent></ram:ApplicableTradeTax><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>10.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem><ram:ApplicableHeaderTradeSettlement><ram:ApplicableTradeTax><ram:CalculatedAmount>0</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>{basis}</ram:BasisAmount><ram:CategoryCode>Z</ram:CategoryCode><ram:RateApplicablePercent>0</ram:RateApplicablePercent></ram:ApplicableTradeTax></ram:ApplicableHeaderTradeSettlement>"
        )
    };
    assert!(has(&fired_en16931(&doc("11.00")), "BR-Z-08"));
    assert!(!has(
        &fired(FacturX::En16931, FX_EN, &doc("11.00")),
        "BR-Z-08"
    ));
    assert!(has(
        &fired(FacturX::En16931, FX_EN, &doc("11.01")),
        "BR-Z-08"
    ));
}

#[test]
fn standard_rated_basis_counts_every_allowance_amount_in_factur_x() {
    // One S line of 100.00 and an S allowance written with two amounts, 5.00 and
    // 5.00: EN reads the first (basis 95.00), Factur-X's BR-S-08 both (basis 90.00).
    let doc = |basis: &str| {
        format!(
            "<ram:IncludedSupplyChainTradeLineItem><ram:SpecifiedLineTradeSettlement><ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent></ram:ApplicableTradeTax><ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>100.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem><ram:ApplicableHeaderTradeSettlement><ram:ApplicableTradeTax><ram:CalculatedAmount>18.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode><ram:BasisAmount>{basis}</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent></ram:ApplicableTradeTax><ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator><ram:ActualAmount>5.00</ram:ActualAmount><ram:ActualAmount>5.00</ram:ActualAmount><ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent></ram:CategoryTradeTax></ram:SpecifiedTradeAllowanceCharge></ram:ApplicableHeaderTradeSettlement>"
        )
    };
    assert!(!has(&fired_en16931(&doc("95.00")), "BR-S-08"));
    assert!(has(&fired_en16931(&doc("90.00")), "BR-S-08"));
    assert!(!has(
        &fired(FacturX::En16931, FX_EN, &doc("90.00")),
        "BR-S-08"
    ));
    assert!(has(
        &fired(FacturX::En16931, FX_EN, &doc("95.00")),
        "BR-S-08"
    ));
}

#[test]
fn grand_total_is_checked_on_each_monetary_summation_in_factur_x() {
    let currency = "<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>";
    // No summation at all: EN16931-CII fails BR-CO-15 on the root; the Factur-X
    // context (the summation) does not exist, so it is silent.
    let none = format!("{currency}</ram:ApplicableHeaderTradeSettlement>");
    assert!(has(&fired_en16931(&none), "BR-CO-15"));
    assert!(!has(&fired(FacturX::En16931, FX_EN, &none), "BR-CO-15"));
    let totals = |grand: &str| {
        format!(
            "{currency}<ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID=\"EUR\">20.00</ram:TaxTotalAmount><ram:GrandTotalAmount>{grand}</ram:GrandTotalAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement>"
        )
    };
    let wrong = fired(FacturX::BasicWl, "x", &totals("121.00"));
    let finding = wrong.iter().find(|f| f.rule == "BR-CO-15");
    assert!(
        finding.is_some_and(|f| f
            .location
            .ends_with("SpecifiedTradeSettlementHeaderMonetarySummation")),
        "{wrong:?}"
    );
    assert!(!has(
        &fired(FacturX::BasicWl, "x", &totals("120.00")),
        "BR-CO-15"
    ));
    // EXTENDED has BR-FXEXT-CO-15 instead.
    assert!(!has(
        &fired(FacturX::Extended, "x", &totals("121.00")),
        "BR-CO-15"
    ));
}
