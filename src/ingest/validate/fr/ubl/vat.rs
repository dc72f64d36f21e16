//! VAT categories and rates (UBL): BR-FR-15 (with the assertion the file names
//! `BR-FR-08_BT-151-2`) and BR-FR-16.
//!
//! The UBL file lets an absent category pass and fails an empty `cbc:Percent`; the
//! `BR-FR-16_BT-103` rule repeats the context of `BR-FR-16_BT-96` in the same pattern
//! and is therefore never evaluated.

use super::{Doc, cac};
use crate::ingest::validate::fr::defs::{VAT_CATEGORIES, VATRATES};
use crate::ingest::validate::fr::{Assertion, FrSink, assertions, ends_with};
use crate::xml::{Namespace, Node};

assertions! {
    CAT_ALLOWANCE = BR_FR_15, "BR-FR-15_BT-95_BT-102-1", "BT-95";
    CAT_ALLOWANCE_LM = BR_FR_15, "BR-FR-15_BT-95_BT-102-2", "BT-95";
    CAT_BREAKDOWN = BR_FR_15, "BR-FR-15_BT-118-1", "BT-118";
    CAT_BREAKDOWN_LM = BR_FR_15, "BR-FR-15_BT-118-2", "BT-118";
    CAT_LINE = BR_FR_15, "BR-FR-15_BT-151-1", "BT-151";
    CAT_LINE_LM = BR_FR_15, "BR-FR-08_BT-151-2", "BT-151";
    RATE_ALLOWANCE = BR_FR_16, "BR-FR-16_BT-96", "BT-96";
    RATE_BREAKDOWN = BR_FR_16, "BR-FR-16_BT-119", "BT-119";
    RATE_LINE = BR_FR_16, "BR-FR-16_BT-152", "BT-152";
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    for node in doc.elements() {
        if node.namespace() != Namespace::CAC {
            continue;
        }
        if ends_with(node, &[cac("AllowanceCharge"), cac("TaxCategory")]) {
            category(
                node,
                (&CAT_ALLOWANCE, &CAT_ALLOWANCE_LM),
                "allowance or charge",
                sink,
            );
            rate(node, &RATE_ALLOWANCE, "allowance or charge", sink);
        } else if ends_with(
            node,
            &[cac("TaxTotal"), cac("TaxSubtotal"), cac("TaxCategory")],
        ) {
            category(
                node,
                (&CAT_BREAKDOWN, &CAT_BREAKDOWN_LM),
                "VAT breakdown",
                sink,
            );
            rate(node, &RATE_BREAKDOWN, "VAT breakdown", sink);
        } else if ends_with(node, &[cac("Item"), cac("ClassifiedTaxCategory")]) {
            category(node, (&CAT_LINE, &CAT_LINE_LM), "invoiced item", sink);
            // The rate rule names invoice lines only.
            if ends_with(
                node,
                &[
                    cac("InvoiceLine"),
                    cac("Item"),
                    cac("ClassifiedTaxCategory"),
                ],
            ) {
                rate(node, &RATE_LINE, "invoice line", sink);
            }
        }
    }
}

/// `not(cbc:ID) or cbc:ID = (S, E, AE, K, G, O, Z)`, then `not(cbc:ID = ('L', 'M'))`.
fn category(
    node: Node<'_>,
    (listed, not_lm): (&'static Assertion, &'static Assertion),
    what: &str,
    sink: &mut FrSink<'_, '_>,
) {
    let codes: Vec<&str> = node
        .children_named(Namespace::CBC, "ID")
        .map(|c| c.text())
        .collect();
    let shown = codes.join(", ");
    sink.check_with(
        listed,
        codes.is_empty() || codes.iter().any(|c| VAT_CATEGORIES.contains(c)),
        node,
        || format!("the {what} VAT category '{shown}' is not one of S, E, AE, K, G, O, Z"),
    );
    sink.check_with(
        not_lm,
        !codes.iter().any(|c| matches!(*c, "L" | "M")),
        node,
        || format!("the {what} VAT category '{shown}' (L: IGIC, M: IPSI) does not apply in France"),
    );
}

/// `not(cbc:Percent) or cbc:Percent = VATRATES` (raw text).
fn rate(node: Node<'_>, assertion: &'static Assertion, what: &str, sink: &mut FrSink<'_, '_>) {
    let rates: Vec<&str> = node
        .children_named(Namespace::CBC, "Percent")
        .map(|c| c.text())
        .collect();
    let message = || {
        format!(
            "the {what} VAT rate '{}' is not a French VAT rate written as listed (e.g. 20, 20.00, 5.5, 2.10)",
            rates.join(", ")
        )
    };
    sink.check_with(
        assertion,
        rates.is_empty() || rates.iter().any(|r| VATRATES.contains(r)),
        node,
        message,
    );
}
