//! Property tests of the arithmetic rules on whole documents: invoices whose totals
//! and VAT breakdown are computed correctly are accepted for any amounts, and a total
//! moved by one cent is caught by exactly the rule that owns it.

use facteur::ingest::report::Severity;
use facteur::ingest::validate::RuleSet;
use facteur::ingest::{Options, ingest};
use facteur::samples::{SampleLine, cii_invoice_with, ubl_invoice_with};
use proptest::prelude::*;

fn lines() -> impl Strategy<Value = Vec<SampleLine>> {
    prop::collection::vec(
        (1u32..500, 1i64..10_000_000).prop_map(|(quantity, price_cents)| SampleLine {
            quantity,
            price_cents,
        }),
        1..12,
    )
}

fn fatal_ids(xml: &str) -> Vec<&'static str> {
    let options = Options {
        rules: RuleSet::En16931,
        ..Options::default()
    };
    ingest(xml.as_bytes(), &options)
        .report
        .rule_ids(Severity::Fatal)
}

/// Replaces the text of the first element `tag` (e.g. `cbc:PayableAmount`) by `value`.
fn set_first(xml: &str, tag: &str, value: impl Fn(&str) -> String) -> String {
    let open = format!("<{tag}");
    let start = xml.find(&open).expect("element present");
    let text_start = start + xml[start..].find('>').unwrap() + 1;
    let text_end = text_start + xml[text_start..].find('<').unwrap();
    format!(
        "{}{}{}",
        &xml[..text_start],
        value(&xml[text_start..text_end]),
        &xml[text_end..]
    )
}

/// Adds one cent to a decimal written with two decimals.
fn plus_cent(amount: &str) -> String {
    let cents: i64 = amount.replace('.', "").parse().unwrap();
    format!("{}.{:02}", (cents + 1) / 100, (cents + 1) % 100)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn correct_invoices_are_accepted_whatever_the_amounts(lines in lines()) {
        prop_assert_eq!(fatal_ids(&ubl_invoice_with("P-1", &lines)), Vec::<&str>::new());
        prop_assert_eq!(fatal_ids(&cii_invoice_with("P-1", &lines)), Vec::<&str>::new());
    }

    #[test]
    fn a_cent_off_the_amount_due_fires_br_co_16(lines in lines()) {
        let xml = set_first(&ubl_invoice_with("P-2", &lines), "cbc:PayableAmount", plus_cent);
        prop_assert_eq!(fatal_ids(&xml), vec!["BR-CO-16"]);
        let xml = set_first(&cii_invoice_with("P-2", &lines), "ram:DuePayableAmount", plus_cent);
        prop_assert_eq!(fatal_ids(&xml), vec!["BR-CO-16"]);
    }

    #[test]
    fn a_cent_off_the_line_total_fires_br_co_10(lines in lines()) {
        let xml = set_first(&ubl_invoice_with("P-3", &lines), "cbc:LineExtensionAmount", plus_cent);
        // BT-106 is the first LineExtensionAmount (document totals come before lines);
        // BR-CO-13 also holds the total without VAT to BT-106.
        prop_assert_eq!(fatal_ids(&xml), vec!["BR-CO-10", "BR-CO-13"]);
    }

    #[test]
    fn a_cent_off_the_vat_total_fires_br_co_14_and_15(lines in lines()) {
        let xml = set_first(&ubl_invoice_with("P-4", &lines), "cbc:TaxAmount", plus_cent);
        prop_assert_eq!(fatal_ids(&xml), vec!["BR-CO-14", "BR-CO-15"]);
    }
}
