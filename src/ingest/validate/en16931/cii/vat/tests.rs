//! The CII VAT rules on small documents: exact per-rate BR-S-08 over r2-rounded
//! partial sums (halves towards +∞), strict ±1 for BR-Z-08 and BR-S-09, the rules that
//! never fail, and the breakdown contexts.

use crate::ingest::validate::Sink;
use crate::xml::{Limits, parse_str};

/// Every rule id the whole CII rule set reports on `xml`.
fn fired(xml: &str) -> Vec<&'static str> {
    let document = parse_str(xml, &Limits::default()).expect("test document parses");
    let mut findings = Vec::new();
    super::super::check(document.root(), &mut Sink::new(&mut findings));
    findings.iter().map(|f| f.rule).collect()
}

fn count(xml: &str, id: &str) -> usize {
    fired(xml).iter().filter(|f| **f == id).count()
}

fn tax(element: &str, code: &str, rate: Option<&str>, extra: &str) -> String {
    let rate = rate.map_or(String::new(), |r| {
        format!("<ram:RateApplicablePercent>{r}</ram:RateApplicablePercent>")
    });
    format!(
        "<ram:{element}>{extra}<ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>{code}</ram:CategoryCode>{rate}</ram:{element}>"
    )
}

fn line(amount: &str, code: &str, rate: Option<&str>) -> String {
    format!(
        "<ram:IncludedSupplyChainTradeLineItem><ram:SpecifiedLineTradeSettlement>{}\
         <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{amount}</ram:LineTotalAmount>\
         </ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement>\
         </ram:IncludedSupplyChainTradeLineItem>",
        tax("ApplicableTradeTax", code, rate, "")
    )
}

fn breakdown(basis: &str, calculated: &str, code: &str, rate: Option<&str>) -> String {
    tax(
        "ApplicableTradeTax",
        code,
        rate,
        &format!(
            "<ram:CalculatedAmount>{calculated}</ram:CalculatedAmount><ram:BasisAmount>{basis}</ram:BasisAmount>"
        ),
    )
}

fn invoice(breakdowns: &[String], lines: &[String]) -> String {
    format!(
        "<rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\" \
         xmlns:ram=\"urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100\">\
         <rsm:SupplyChainTradeTransaction>{}<ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty>\
         <ram:SpecifiedTaxRegistration><ram:ID schemeID=\"VA\">FR12345678901</ram:ID></ram:SpecifiedTaxRegistration>\
         </ram:SellerTradeParty></ram:ApplicableHeaderTradeAgreement>\
         <ram:ApplicableHeaderTradeSettlement>{}</ram:ApplicableHeaderTradeSettlement>\
         </rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>",
        lines.concat(),
        breakdowns.concat()
    )
}

#[test]
fn standard_rated_basis_equals_the_rounded_sums_exactly() {
    // Σ = −0.125, rounded half towards +∞ to −0.12 (not −0.13).
    let lines = [
        line("-0.100", "S", Some("20")),
        line("-0.025", "S", Some("20")),
    ];
    let rounded_up = invoice(&[breakdown("-0.12", "-0.02", "S", Some("20"))], &lines);
    assert_eq!(count(&rounded_up, "BR-S-08"), 0);
    let rounded_away = invoice(&[breakdown("-0.13", "-0.03", "S", Some("20"))], &lines);
    assert_eq!(count(&rounded_away, "BR-S-08"), 1);
}

#[test]
fn standard_rated_sums_are_kept_per_rate() {
    let lines = [
        line("100.00", "S", Some("20")),
        line("50.00", "S", Some("5.5")),
    ];
    let right = invoice(
        &[
            breakdown("100.00", "20.00", "S", Some("20.00")),
            breakdown("50.00", "2.75", "S", Some("5.50")),
        ],
        &lines,
    );
    assert_eq!(count(&right, "BR-S-08"), 0);
    let merged = invoice(&[breakdown("150.00", "30.00", "S", Some("20"))], &lines);
    assert_eq!(count(&merged, "BR-S-08"), 1);
}

#[test]
fn standard_rated_tax_is_strictly_within_one() {
    let lines = [line("72.50", "S", Some("19.00"))];
    // round(72.50 × 19) / 100 = 13.78.
    let inside = invoice(&[breakdown("72.50", "12.79", "S", Some("19.00"))], &lines);
    assert_eq!(count(&inside, "BR-S-09"), 0);
    let off_by_one = invoice(&[breakdown("72.50", "12.78", "S", Some("19.00"))], &lines);
    assert_eq!(count(&off_by_one, "BR-S-09"), 1);
}

#[test]
fn zero_rated_basis_is_strictly_within_one() {
    let lines = [line("100.00", "Z", Some("0"))];
    let inside = invoice(&[breakdown("100.99", "0", "Z", Some("0"))], &lines);
    assert_eq!(count(&inside, "BR-Z-08"), 0);
    let off_by_one = invoice(&[breakdown("101.00", "0", "Z", Some("0"))], &lines);
    assert_eq!(count(&off_by_one, "BR-Z-08"), 1);
}

#[test]
fn igic_basis_and_tax_never_fail() {
    let lines = [line("100.00", "L", Some("7"))];
    let wrong = invoice(&[breakdown("5.00", "99.00", "L", Some("7"))], &lines);
    let ids = fired(&wrong);
    assert!(!ids.contains(&"BR-AF-08") && !ids.contains(&"BR-AF-09"));
}

#[test]
fn not_subject_to_vat_is_checked_on_the_header_tax_itself() {
    let lines = [line("100.00", "O", None)];
    let wrong = invoice(&[breakdown("90.00", "0", "O", None)], &lines);
    assert_eq!(count(&wrong, "BR-O-08"), 1);
    // The model pattern's generic header-tax rules never see that node.
    assert_eq!(count(&wrong, "BR-CO-17"), 0);
    let mixed = invoice(
        &[breakdown("100.00", "0", "O", None)],
        &[lines[0].clone(), line("1.00", "S", Some("20"))],
    );
    assert_eq!(count(&mixed, "BR-O-11"), 1);
}

#[test]
fn two_standard_rated_lines_pass_br_s_01_without_a_breakdown() {
    let lines = [line("1", "S", Some("20")), line("2", "S", Some("20"))];
    assert_eq!(count(&invoice(&[], &lines), "BR-S-01"), 0);
    assert_eq!(count(&invoice(&[], &lines[..1]), "BR-S-01"), 1);
}
