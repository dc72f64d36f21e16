//! Decimal-places rules BR-DEC-* (CII): amounts carry at most two decimals, counted
//! as the official test counts them, characters after the first '.' of the raw text
//! (so `1.500` fails and an absent amount passes). BR-DEC-13 and BR-DEC-15 are the
//! exception: they compare the value with its rounding to two decimals.

use super::{Doc, charge_indicator, is_header_breakdown, ram};
use crate::ingest::validate::en16931::{AllowanceCharge, rules};
use crate::ingest::validate::xpath::{decimal, decimals_written, r2};
use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

rules! {
    BR_DEC_01 = "BR-DEC-01", Fatal, ["BT-92"], "The document level allowance amount shall have at most 2 decimals";
    BR_DEC_02 = "BR-DEC-02", Fatal, ["BT-93"], "The document level allowance base amount shall have at most 2 decimals";
    BR_DEC_05 = "BR-DEC-05", Fatal, ["BT-99"], "The document level charge amount shall have at most 2 decimals";
    BR_DEC_06 = "BR-DEC-06", Fatal, ["BT-100"], "The document level charge base amount shall have at most 2 decimals";
    BR_DEC_09 = "BR-DEC-09", Fatal, ["BT-106"], "The sum of invoice line net amounts shall have at most 2 decimals";
    BR_DEC_10 = "BR-DEC-10", Fatal, ["BT-107"], "The sum of allowances on document level shall have at most 2 decimals";
    BR_DEC_11 = "BR-DEC-11", Fatal, ["BT-108"], "The sum of charges on document level shall have at most 2 decimals";
    BR_DEC_12 = "BR-DEC-12", Fatal, ["BT-109"], "The invoice total amount without VAT shall have at most 2 decimals";
    BR_DEC_13 = "BR-DEC-13", Fatal, ["BT-110"], "The invoice total VAT amount shall have at most 2 decimals";
    BR_DEC_14 = "BR-DEC-14", Fatal, ["BT-112"], "The invoice total amount with VAT shall have at most 2 decimals";
    BR_DEC_15 = "BR-DEC-15", Fatal, ["BT-111"], "The invoice total VAT amount in accounting currency shall have at most 2 decimals";
    BR_DEC_16 = "BR-DEC-16", Fatal, ["BT-113"], "The paid amount shall have at most 2 decimals";
    BR_DEC_17 = "BR-DEC-17", Fatal, ["BT-114"], "The rounding amount shall have at most 2 decimals";
    BR_DEC_18 = "BR-DEC-18", Fatal, ["BT-115"], "The amount due for payment shall have at most 2 decimals";
    BR_DEC_19 = "BR-DEC-19", Fatal, ["BT-116"], "The VAT category taxable amount shall have at most 2 decimals";
    BR_DEC_20 = "BR-DEC-20", Fatal, ["BT-117"], "The VAT category tax amount shall have at most 2 decimals";
    BR_DEC_23 = "BR-DEC-23", Fatal, ["BT-131"], "The invoice line net amount shall have at most 2 decimals";
    BR_DEC_24 = "BR-DEC-24", Fatal, ["BT-136"], "The invoice line allowance amount shall have at most 2 decimals";
    BR_DEC_25 = "BR-DEC-25", Fatal, ["BT-137"], "The invoice line allowance base amount shall have at most 2 decimals";
    BR_DEC_27 = "BR-DEC-27", Fatal, ["BT-141"], "The invoice line charge amount shall have at most 2 decimals";
    BR_DEC_28 = "BR-DEC-28", Fatal, ["BT-142"], "The invoice line charge base amount shall have at most 2 decimals";
}

/// The elements of the header monetary summation and the rule limiting each.
const TOTALS: &[(&str, &Rule)] = &[
    ("LineTotalAmount", &BR_DEC_09),
    ("AllowanceTotalAmount", &BR_DEC_10),
    ("ChargeTotalAmount", &BR_DEC_11),
    ("TaxBasisTotalAmount", &BR_DEC_12),
    ("GrandTotalAmount", &BR_DEC_14),
    ("TotalPrepaidAmount", &BR_DEC_16),
    ("RoundingAmount", &BR_DEC_17),
    ("DuePayableAmount", &BR_DEC_18),
];

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    let invoice = doc.settlement_codes("InvoiceCurrencyCode");
    let accounting = doc.settlement_codes("TaxCurrencyCode");
    for node in doc.elements() {
        if let Some(context) = charge_indicator(node) {
            let (amount, base) = match context {
                AllowanceCharge::DocumentAllowance => (&BR_DEC_01, &BR_DEC_02),
                AllowanceCharge::DocumentCharge => (&BR_DEC_05, &BR_DEC_06),
                AllowanceCharge::LineAllowance => (&BR_DEC_24, &BR_DEC_25),
                AllowanceCharge::LineCharge => (&BR_DEC_27, &BR_DEC_28),
            };
            // The tests read `../ram:ActualAmount` and `../ram:BasisAmount`.
            if let Some(parent) = node.parent() {
                at_most_two(amount, parent.child(Namespace::RAM, "ActualAmount"), sink);
                at_most_two(base, parent.child(Namespace::RAM, "BasisAmount"), sink);
            }
        } else if node.is(
            Namespace::RAM,
            "SpecifiedTradeSettlementHeaderMonetarySummation",
        ) {
            for (local, rule) in TOTALS {
                at_most_two(rule, node.child(Namespace::RAM, local), sink);
            }
            vat_totals(&invoice, &accounting, node, sink);
        } else if is_header_breakdown(node) {
            at_most_two(&BR_DEC_19, node.child(Namespace::RAM, "BasisAmount"), sink);
            at_most_two(
                &BR_DEC_20,
                node.child(Namespace::RAM, "CalculatedAmount"),
                sink,
            );
        } else if node.is(Namespace::RAM, "IncludedSupplyChainTradeLineItem") {
            let net = node.first(&[
                ram("SpecifiedLineTradeSettlement"),
                ram("SpecifiedTradeSettlementLineMonetarySummation"),
                ram("LineTotalAmount"),
            ]);
            at_most_two(&BR_DEC_23, net, sink);
        }
    }
}

/// `string-length(substring-after(amount, '.')) <= 2`; an absent amount passes.
fn at_most_two(rule: &'static Rule, amount: Option<Node<'_>>, sink: &mut Sink<'_>) {
    let Some(amount) = amount else { return };
    let written = decimals_written(amount.text());
    if written > 2 {
        sink.fail(
            rule,
            amount,
            format!(
                "ram:{} {:?} has {written} decimals written; at most 2 are allowed",
                amount.local_name(),
                amount.text()
            ),
        );
    }
}

/// BR-DEC-13 / BR-DEC-15: pass when there is no `ram:TaxTotalAmount`, or when one of
/// them is either in another currency (BR-DEC-13) or equal to its value rounded to
/// two decimals in the currency of the rule. BR-DEC-15 also passes when no VAT
/// accounting currency is given, and fails when one is given but no tax total is in
/// it.
fn vat_totals(invoice: &[&str], accounting: &[&str], summation: Node<'_>, sink: &mut Sink<'_>) {
    let totals: Vec<Node<'_>> = summation
        .children_named(Namespace::RAM, "TaxTotalAmount")
        .collect();
    if totals.is_empty() {
        return;
    }
    let in_currency = |total: &Node<'_>, currencies: &[&str]| {
        total
            .attr("currencyID")
            .is_some_and(|c| currencies.contains(&c))
    };
    let two_decimals = |total: &Node<'_>| decimal(total.text()).is_some_and(|v| v == r2(v));
    let holds = totals
        .iter()
        .any(|t| !in_currency(t, invoice) || two_decimals(t));
    sink.check(
        &BR_DEC_13,
        holds,
        summation,
        "the invoice total VAT amount (ram:TaxTotalAmount in the invoice currency) has more than 2 decimals",
    );
    let holds = accounting.is_empty()
        || totals
            .iter()
            .any(|t| in_currency(t, accounting) && two_decimals(t));
    sink.check(
        &BR_DEC_15,
        holds,
        summation,
        "no ram:TaxTotalAmount in the VAT accounting currency with at most 2 decimals",
    );
}
