//! VAT categories and rates (CII): BR-FR-15 and BR-FR-16.
//!
//! The CII file fails an absent category code (except on a GROUP or INFORMATION line)
//! and lets an empty rate pass (`string(ram:RateApplicablePercent)` empty).

use super::{Doc, at, has_child_text, ram};
use crate::ingest::validate::fr::defs::{VAT_CATEGORIES, VATRATES};
use crate::ingest::validate::fr::{Assertion, FrSink, assertions};
use crate::ingest::validate::xpath::string_value;
use crate::xml::{Namespace, Node};

assertions! {
    CAT_ALLOWANCE = BR_FR_15, "BR-FR-15_BT-95_BT-102", "BT-95";
    CAT_ALLOWANCE_LM = BR_FR_15, "BR-FR-15_BT-95_BT-102_LM", "BT-95";
    CAT_BREAKDOWN = BR_FR_15, "BR-FR-15_BT-95_BT-118", "BT-118";
    CAT_BREAKDOWN_LM = BR_FR_15, "BR-FR-15_BT-95_BT-118_LM", "BT-118";
    CAT_LINE = BR_FR_15, "BR-FR-15_BT-95_BT-151", "BT-151";
    CAT_LINE_LM = BR_FR_15, "BR-FR-15_BT-95_BT-151_LM", "BT-151";
    RATE_ALLOWANCE = BR_FR_16, "BR-FR-16_BT-96_BT-103", "BT-96";
    RATE_BREAKDOWN = BR_FR_16, "BR-FR-16_BT-119", "BT-119";
    RATE_LINE = BR_FR_16, "BR-FR-16_BT-152", "BT-152";
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    for tax in at(
        doc.settlement,
        &[
            ram("SpecifiedTradeAllowanceCharge"),
            ram("CategoryTradeTax"),
        ],
    ) {
        category(
            tax,
            (&CAT_ALLOWANCE, &CAT_ALLOWANCE_LM),
            false,
            "allowance or charge",
            sink,
        );
        rate(tax, &RATE_ALLOWANCE, "allowance or charge", sink);
    }
    for tax in at(doc.settlement, &[ram("ApplicableTradeTax")]) {
        category(
            tax,
            (&CAT_BREAKDOWN, &CAT_BREAKDOWN_LM),
            false,
            "VAT breakdown",
            sink,
        );
        rate(tax, &RATE_BREAKDOWN, "VAT breakdown", sink);
    }
    for line in &doc.lines {
        // A GROUP or INFORMATION line may leave its category out.
        let may_omit = line
            .statuses
            .iter()
            .any(|s| matches!(*s, "GROUP" | "INFORMATION"));
        for tax in line.node.all(&[
            ram("SpecifiedLineTradeSettlement"),
            ram("ApplicableTradeTax"),
        ]) {
            category(
                tax,
                (&CAT_LINE, &CAT_LINE_LM),
                may_omit,
                "invoice line",
                sink,
            );
            rate(tax, &RATE_LINE, "invoice line", sink);
        }
    }
}

/// `ram:CategoryCode = (S, E, AE, K, G, O, Z)` (or absent where `may_omit`), then
/// `not(ram:CategoryCode = ('L', 'M'))`.
fn category(
    tax: Node<'_>,
    (listed, not_lm): (&'static Assertion, &'static Assertion),
    may_omit: bool,
    what: &str,
    sink: &mut FrSink<'_, '_>,
) {
    let codes: Vec<&str> = tax
        .children_named(Namespace::RAM, "CategoryCode")
        .map(|c| c.text())
        .collect();
    let shown = if codes.is_empty() {
        "(missing)".to_string()
    } else {
        format!("'{}'", codes.join(", "))
    };
    sink.check_with(
        listed,
        codes.iter().any(|c| VAT_CATEGORIES.contains(c)) || (codes.is_empty() && may_omit),
        tax,
        || format!("the {what} VAT category {shown} is not one of S, E, AE, K, G, O, Z"),
    );
    sink.check_with(
        not_lm,
        !has_child_text(tax, "CategoryCode", "L") && !has_child_text(tax, "CategoryCode", "M"),
        tax,
        || format!("the {what} VAT category {shown} (L: IGIC, M: IPSI) does not apply in France"),
    );
}

/// `string(ram:RateApplicablePercent) = ''` or the rate is listed (raw text).
fn rate(tax: Node<'_>, assertion: &'static Assertion, what: &str, sink: &mut FrSink<'_, '_>) {
    let value = tax
        .child(Namespace::RAM, "RateApplicablePercent")
        .map(|r| string_value(r).into_owned())
        .unwrap_or_default();
    let message = || {
        format!(
            "the {what} VAT rate '{value}' is not a French VAT rate written as listed (e.g. 20, 20.00, 5.5, 2.10)"
        )
    };
    sink.check_with(
        assertion,
        value.is_empty() || VATRATES.contains(&value.as_str()),
        tax,
        message,
    );
}
