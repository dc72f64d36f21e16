//! The UBL VAT rules on small documents: the tolerances (strict ±1 versus exact),
//! per-rate sums, and the asymmetric triggers of BR-S-02 and BR-AF-04; and a property
//! test of the per-rate breakdown arithmetic.

use std::fmt::Write as _;

use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::ingest::validate::Sink;
use crate::ingest::validate::xpath::r2;
use crate::xml::{Limits, parse_str};

/// Every rule id the whole UBL rule set reports on `xml`.
fn fired(xml: &str) -> Vec<&'static str> {
    let document = parse_str(xml, &Limits::default()).expect("test document parses");
    let mut findings = Vec::new();
    super::super::check(document.root(), &mut Sink::new(&mut findings));
    findings.iter().map(|f| f.rule).collect()
}

fn fires(xml: &str, id: &str) -> bool {
    fired(xml).contains(&id)
}

fn category(id: &str, percent: Option<&str>) -> String {
    let percent = percent.map_or(String::new(), |p| format!("<cbc:Percent>{p}</cbc:Percent>"));
    format!("<cbc:ID>{id}</cbc:ID>{percent}<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>")
}

fn line(amount: &str, id: &str, percent: Option<&str>) -> String {
    format!(
        "<cac:InvoiceLine><cbc:LineExtensionAmount currencyID=\"EUR\">{amount}</cbc:LineExtensionAmount>\
         <cac:Item><cac:ClassifiedTaxCategory>{}</cac:ClassifiedTaxCategory></cac:Item></cac:InvoiceLine>",
        category(id, percent)
    )
}

fn subtotal(taxable: &str, tax: &str, id: &str, percent: Option<&str>) -> String {
    format!(
        "<cac:TaxSubtotal><cbc:TaxableAmount currencyID=\"EUR\">{taxable}</cbc:TaxableAmount>\
         <cbc:TaxAmount currencyID=\"EUR\">{tax}</cbc:TaxAmount><cac:TaxCategory>{}</cac:TaxCategory></cac:TaxSubtotal>",
        category(id, percent)
    )
}

/// An invoice with a seller VAT identifier, the given breakdowns and lines.
fn invoice(subtotals: &[String], lines: &[String]) -> String {
    format!(
        "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\" \
         xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" \
         xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">\
         <cac:AccountingSupplierParty><cac:Party><cac:PartyTaxScheme><cbc:CompanyID>FR12345678901</cbc:CompanyID>\
         <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme></cac:Party></cac:AccountingSupplierParty>\
         <cac:TaxTotal><cbc:TaxAmount currencyID=\"EUR\">0</cbc:TaxAmount>{}</cac:TaxTotal>{}</Invoice>",
        subtotals.concat(),
        lines.concat()
    )
}

#[test]
fn standard_rated_basis_is_strictly_within_one() {
    let lines = [line("99.00", "S", Some("20"))];
    let off_by_one = invoice(&[subtotal("100.00", "20.00", "S", Some("20"))], &lines);
    assert!(fires(&off_by_one, "BR-S-08"));
    let just_inside = invoice(&[subtotal("99.99", "20.00", "S", Some("20"))], &lines);
    assert!(!fires(&just_inside, "BR-S-08"));
}

#[test]
fn standard_rated_sums_are_kept_per_rate() {
    let lines = [
        line("100.00", "S", Some("20")),
        line("50.00", "S", Some("5.5")),
        line("10.00", "S", Some("20.0")),
    ];
    let right = invoice(
        &[
            subtotal("110.00", "22.00", "S", Some("20")),
            subtotal("50.00", "2.75", "S", Some("5.50")),
        ],
        &lines,
    );
    assert!(!fires(&right, "BR-S-08"));
    let swapped = invoice(
        &[
            subtotal("50.00", "22.00", "S", Some("20")),
            subtotal("110.00", "2.75", "S", Some("5.5")),
        ],
        &lines,
    );
    assert_eq!(
        fired(&swapped)
            .iter()
            .filter(|id| **id == "BR-S-08")
            .count(),
        2
    );
    // A rate with no line or allowance at that rate fails even with a zero basis.
    let orphan = invoice(&[subtotal("0.00", "0.00", "S", Some("10"))], &lines);
    assert!(fires(&orphan, "BR-S-08"));
}

#[test]
fn standard_rated_tax_is_strictly_within_one() {
    let lines = [line("100.00", "S", Some("20"))];
    let exact = invoice(&[subtotal("100.00", "20.00", "S", Some("20"))], &lines);
    assert!(!fires(&exact, "BR-S-09"));
    let off_by_one = invoice(&[subtotal("100.00", "21.00", "S", Some("20"))], &lines);
    assert!(fires(&off_by_one, "BR-S-09"));
    let inside = invoice(&[subtotal("100.00", "20.99", "S", Some("20"))], &lines);
    assert!(!fires(&inside, "BR-S-09"));
    // Signs are ignored: a negative basis with a negative tax amount passes.
    let credit = invoice(
        &[subtotal("-100.00", "-20.00", "S", Some("20"))],
        &[line("-100.00", "S", Some("20"))],
    );
    assert!(!fires(&credit, "BR-S-09"));
}

#[test]
fn zero_rated_basis_is_exact() {
    let lines = [line("100", "Z", Some("0"))];
    let equal = invoice(&[subtotal("100.00", "0", "Z", Some("0"))], &lines);
    assert!(!fires(&equal, "BR-Z-08"));
    let cent_off = invoice(&[subtotal("100.01", "0", "Z", Some("0"))], &lines);
    assert!(fires(&cent_off, "BR-Z-08"));
}

#[test]
fn standard_rated_item_outside_the_vat_scheme_still_needs_a_seller_id() {
    // BR-S-02 requires a seller id for a VAT-scheme 'S' item, but is only excused when
    // no 'S' item of any scheme exists.
    let foreign = "<cac:InvoiceLine><cbc:LineExtensionAmount currencyID=\"EUR\">1</cbc:LineExtensionAmount>\
        <cac:Item><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID></cac:ClassifiedTaxCategory></cac:Item></cac:InvoiceLine>";
    let xml = invoice(&[], &[foreign.to_string()])
        .replace("<cbc:CompanyID>FR12345678901</cbc:CompanyID>", "");
    assert!(fires(&xml, "BR-S-02"));
}

#[test]
fn igic_charge_with_a_padded_code_is_excused_by_the_untrimmed_test() {
    let charge = |id: &str| {
        format!(
            "<cac:AllowanceCharge><cbc:ChargeIndicator>true</cbc:ChargeIndicator>\
             <cbc:Amount currencyID=\"EUR\">1</cbc:Amount><cac:TaxCategory>{}</cac:TaxCategory></cac:AllowanceCharge>",
            category(id, Some("7"))
        )
    };
    let without_seller = |id: &str| {
        invoice(&[], &[charge(id)]).replace("<cbc:CompanyID>FR12345678901</cbc:CompanyID>", "")
    };
    assert!(fires(&without_seller("L"), "BR-AF-04"));
    assert!(!fires(&without_seller(" L "), "BR-AF-04"));
}

/// Two decimals, as a document would write them.
fn money(cents: i64) -> String {
    Decimal::new(cents, 2).to_string()
}

/// An invoice whose lines carry the given (rate index, cents) pairs, with a breakdown
/// computed correctly per rate; `perturb` adds cents to the first breakdown's basis.
fn generated(lines: &[(usize, i64)], perturb: i64) -> String {
    const RATES: [&str; 4] = ["20", "10", "5.5", "2.1"];
    let mut subtotals = Vec::new();
    let mut total = Decimal::ZERO;
    for (index, rate) in RATES.iter().enumerate() {
        let cents: i64 = lines
            .iter()
            .filter(|(r, _)| *r == index)
            .map(|(_, c)| c)
            .sum();
        if !lines.iter().any(|(r, _)| *r == index) {
            continue;
        }
        let basis = Decimal::new(cents, 2);
        let percent: Decimal = rate.parse().expect("constant rate");
        let tax = r2(basis * percent / Decimal::ONE_HUNDRED);
        total += tax;
        let shown = if subtotals.is_empty() {
            basis + Decimal::new(perturb, 2)
        } else {
            basis
        };
        subtotals.push(subtotal(
            &shown.to_string(),
            &tax.to_string(),
            "S",
            Some(rate),
        ));
    }
    let mut body = String::new();
    for (rate, cents) in lines {
        let _ = write!(body, "{}", line(&money(*cents), "S", Some(RATES[*rate])));
    }
    invoice(&subtotals, &[body]).replace(
        "<cbc:TaxAmount currencyID=\"EUR\">0</cbc:TaxAmount>",
        &format!("<cbc:TaxAmount currencyID=\"EUR\">{total}</cbc:TaxAmount>"),
    )
}

proptest! {
    #[test]
    fn a_correct_per_rate_breakdown_never_fires(
        lines in prop::collection::vec((0usize..4, -1_000_000i64..1_000_000), 1..12),
    ) {
        let ids = fired(&generated(&lines, 0));
        for id in ["BR-S-08", "BR-S-09", "BR-CO-17"] {
            prop_assert!(!ids.contains(&id), "{} fired on a correct breakdown", id);
        }
    }

    #[test]
    fn a_basis_off_by_one_or_more_fires_br_s_08(
        lines in prop::collection::vec((0usize..4, -1_000_000i64..1_000_000), 1..12),
        cents in 100i64..1_000_000,
        negative in any::<bool>(),
    ) {
        let perturb = if negative { -cents } else { cents };
        prop_assert!(fired(&generated(&lines, perturb)).contains(&"BR-S-08"));
    }
}
