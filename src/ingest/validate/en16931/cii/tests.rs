//! Unit tests of the CII rule semantics that are easy to get wrong: string versus
//! boolean ChargeIndicator contexts, L/M/O shadowing of the header breakdown rules,
//! per-line BR-CO-18, string-compared periods, rounding half towards +∞ and BR-DEC
//! counting.

use crate::ingest::report::Finding;
use crate::ingest::validate::Sink;
use crate::xml::{Limits, parse_str};

/// The ids of every finding of the CII rules on an invoice whose trade transaction
/// holds `transaction`.
fn fired(transaction: &str) -> Vec<&'static str> {
    let xml = format!(
        r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:SupplyChainTradeTransaction>{transaction}</rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"#
    );
    let doc = parse_str(&xml, &Limits::default()).expect("test document is well-formed");
    let mut findings: Vec<Finding> = Vec::new();
    super::check(doc.root(), &mut Sink::new(&mut findings));
    findings.iter().map(|f| f.rule).collect()
}

fn count(ids: &[&str], id: &str) -> usize {
    ids.iter().filter(|i| **i == id).count()
}

fn settlement(content: &str) -> String {
    format!("<ram:ApplicableHeaderTradeSettlement>{content}</ram:ApplicableHeaderTradeSettlement>")
}

#[test]
fn model_rules_match_the_indicator_string_but_totals_cast_it_to_boolean() {
    // `0` is false() for BR-CO-11 (so the allowance needs a total) but is not the
    // string 'false' the BR-31…33 contexts look for.
    let ids = fired(&settlement(
        "<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>0</udt:Indicator>
         </ram:ChargeIndicator><ram:ActualAmount>5</ram:ActualAmount></ram:SpecifiedTradeAllowanceCharge>
         <ram:SpecifiedTradeSettlementHeaderMonetarySummation/>",
    ));
    assert_eq!(count(&ids, "BR-33"), 0);
    assert_eq!(count(&ids, "BR-CO-21"), 0);
    assert_eq!(count(&ids, "BR-CO-11"), 1);

    let ids = fired(&settlement(
        "<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator>
         </ram:ChargeIndicator><ram:ActualAmount>5.125</ram:ActualAmount></ram:SpecifiedTradeAllowanceCharge>",
    ));
    for id in ["BR-32", "BR-33", "BR-CO-21", "BR-DEC-01"] {
        assert_eq!(count(&ids, id), 1, "{id} in {ids:?}");
    }
    assert_eq!(count(&ids, "BR-31"), 0);
}

#[test]
fn header_taxes_of_category_l_m_o_are_shadowed() {
    let tax = |type_code: &str, category: &str| {
        fired(&settlement(&format!(
            "<ram:ApplicableTradeTax><ram:CalculatedAmount>1.001</ram:CalculatedAmount>
             <ram:TypeCode>{type_code}</ram:TypeCode><ram:CategoryCode>{category}</ram:CategoryCode>
             </ram:ApplicableTradeTax>"
        )))
    };
    let shadowed = tax("VAT", "O");
    for id in ["BR-45", "BR-47", "BR-48", "BR-DEC-20", "BR-CO-17"] {
        assert_eq!(count(&shadowed, id), 0, "{id} in {shadowed:?}");
    }
    let evaluated = tax("VAT", "S");
    for id in ["BR-45", "BR-48", "BR-DEC-20"] {
        assert_eq!(count(&evaluated, id), 1, "{id} in {evaluated:?}");
    }
    // Without TypeCode VAT the L/M/O rules do not match, so the node is evaluated and
    // BR-47 (which requires TypeCode VAT) fails.
    let not_vat = tax("GST", "O");
    assert_eq!(count(&not_vat, "BR-45"), 1);
    assert_eq!(count(&not_vat, "BR-47"), 1);
}

#[test]
fn tax_point_rule_needs_an_evaluated_header_tax() {
    let both = "<ram:ApplicableTradeTax><ram:DueDateTypeCode>5</ram:DueDateTypeCode>
        <ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>CAT</ram:CategoryCode></ram:ApplicableTradeTax>
        <ram:ApplicableTradeTax><ram:TaxPointDate/><ram:TypeCode>VAT</ram:TypeCode>
        <ram:CategoryCode>M</ram:CategoryCode></ram:ApplicableTradeTax>";
    assert_eq!(count(&fired(&settlement(both)), "BR-CO-03"), 1);
    let shadowed_only = both.replace("CAT", "L");
    assert_eq!(count(&fired(&settlement(&shadowed_only)), "BR-CO-03"), 0);
}

#[test]
fn missing_breakdown_is_reported_once_per_line() {
    let line = "<ram:IncludedSupplyChainTradeLineItem/>";
    let ids = fired(&format!("{line}{line}{line}"));
    assert_eq!(count(&ids, "BR-CO-18"), 3);
    let ids = fired(&format!(
        "{line}{}",
        settlement("<ram:ApplicableTradeTax/>")
    ));
    assert_eq!(count(&ids, "BR-CO-18"), 0);
}

#[test]
fn billing_periods_compare_format_102_strings() {
    let period = |start: &str, end: &str| {
        fired(&settlement(&format!(
            "<ram:BillingSpecifiedPeriod>
             <ram:StartDateTime><udt:DateTimeString format=\"102\">{start}</udt:DateTimeString></ram:StartDateTime>
             <ram:EndDateTime>{end}</ram:EndDateTime></ram:BillingSpecifiedPeriod>"
        )))
    };
    let end_102 = |d: &str| format!("<udt:DateTimeString format=\"102\">{d}</udt:DateTimeString>");
    assert_eq!(count(&period("20240101", &end_102("20240101")), "BR-29"), 0);
    assert_eq!(count(&period("20240102", &end_102("20240101")), "BR-29"), 1);
    // An end date in another format takes no part: the comparison is false.
    let other = "<udt:DateTimeString format=\"203\">202402011200</udt:DateTimeString>";
    assert_eq!(count(&period("20240101", other), "BR-29"), 1);
    // An empty end element still counts as present (BR-CO-19 passes, BR-29 fails).
    let ids = period("20240101", "");
    assert_eq!(count(&ids, "BR-29"), 1);
    assert_eq!(count(&ids, "BR-CO-19"), 0);
}

#[test]
fn totals_round_halves_towards_positive_infinity() {
    // r2(-0.125) is -0.12 in XPath (round half towards +∞), not -0.13.
    let totals = |basis: &str| {
        fired(&settlement(&format!(
            "<ram:SpecifiedTradeSettlementHeaderMonetarySummation>
             <ram:LineTotalAmount>-0.125</ram:LineTotalAmount>
             <ram:TaxBasisTotalAmount>{basis}</ram:TaxBasisTotalAmount>
             </ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        )))
    };
    assert_eq!(count(&totals("-0.12"), "BR-CO-13"), 0);
    assert_eq!(count(&totals("-0.13"), "BR-CO-13"), 1);
    // BR-DEC counts the characters written after the point.
    assert_eq!(count(&totals("-0.12"), "BR-DEC-09"), 1);
    assert_eq!(count(&totals("-0.120"), "BR-DEC-12"), 1);
}

#[test]
fn vat_total_decimals_test_the_value_not_the_text() {
    let totals = |amount: &str| {
        fired(&settlement(&format!(
            "<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
             <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
             <ram:TaxTotalAmount currencyID=\"EUR\">{amount}</ram:TaxTotalAmount>
             </ram:SpecifiedTradeSettlementHeaderMonetarySummation>"
        )))
    };
    assert_eq!(count(&totals("19.000"), "BR-DEC-13"), 0);
    assert_eq!(count(&totals("19.005"), "BR-DEC-13"), 1);
}

#[test]
fn vat_prefix_must_be_a_whole_token() {
    let seller = |id: &str| {
        fired(&format!(
            "<ram:ApplicableHeaderTradeAgreement><ram:SellerTradeParty><ram:SpecifiedTaxRegistration>
             <ram:ID schemeID=\"VA\">{id}</ram:ID></ram:SpecifiedTaxRegistration></ram:SellerTradeParty>
             </ram:ApplicableHeaderTradeAgreement>"
        ))
    };
    assert_eq!(count(&seller("DE123"), "BR-CO-09"), 0);
    assert_eq!(count(&seller("AN123"), "BR-CO-09"), 0);
    assert_eq!(count(&seller("D"), "BR-CO-09"), 1);
    assert_eq!(count(&seller("SS123"), "BR-CO-09"), 1);
}
