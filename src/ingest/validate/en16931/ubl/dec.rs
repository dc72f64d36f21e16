//! Decimal-places rules BR-DEC-* (UBL): amounts carry at most two decimals, counted
//! as the official test counts them, characters after the first '.' of the raw text
//! (so `1.500` fails and an absent amount passes).

use super::{Doc, allowance_charge, is_line};
use crate::ingest::validate::en16931::{AllowanceCharge, rules};
use crate::ingest::validate::xpath::decimals_written;
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

// BR-DEC-13 and BR-DEC-15 are registered but have no check: their official test
// selects `cac:TaxTotal/cbc:TaxAmount[@currencyID = cbc:DocumentCurrencyCode]`, which
// looks for the currency code *under* the tax amount, selects nothing, and so always
// holds. The decimals of the VAT totals are still limited by UBL-DT-01.

/// The elements of the monetary totals and the rule limiting each.
const TOTALS: &[(&str, &Rule)] = &[
    ("LineExtensionAmount", &BR_DEC_09),
    ("AllowanceTotalAmount", &BR_DEC_10),
    ("ChargeTotalAmount", &BR_DEC_11),
    ("TaxExclusiveAmount", &BR_DEC_12),
    ("TaxInclusiveAmount", &BR_DEC_14),
    ("PrepaidAmount", &BR_DEC_16),
    ("PayableRoundingAmount", &BR_DEC_17),
    ("PayableAmount", &BR_DEC_18),
];

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    for node in doc.elements() {
        if let Some(context) = allowance_charge(doc, node) {
            let (amount, base) = match context {
                AllowanceCharge::DocumentAllowance => (&BR_DEC_01, &BR_DEC_02),
                AllowanceCharge::DocumentCharge => (&BR_DEC_05, &BR_DEC_06),
                AllowanceCharge::LineAllowance => (&BR_DEC_24, &BR_DEC_25),
                AllowanceCharge::LineCharge => (&BR_DEC_27, &BR_DEC_28),
            };
            at_most_two(amount, node, "Amount", sink);
            at_most_two(base, node, "BaseAmount", sink);
        } else if node.is(Namespace::CAC, "LegalMonetaryTotal") {
            for (local, rule) in TOTALS {
                at_most_two(rule, node, local, sink);
            }
        } else if node.is(Namespace::CAC, "TaxSubtotal")
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::CAC, "TaxTotal"))
        {
            at_most_two(&BR_DEC_19, node, "TaxableAmount", sink);
            at_most_two(&BR_DEC_20, node, "TaxAmount", sink);
        } else if is_line(node) {
            at_most_two(&BR_DEC_23, node, "LineExtensionAmount", sink);
        }
    }
}

/// `string-length(substring-after(cbc:{local}, '.')) <= 2` on `context`. XPath takes
/// the string value of the first `cbc:{local}` child.
fn at_most_two(rule: &'static Rule, context: Node<'_>, local: &str, sink: &mut Sink<'_>) {
    let Some(amount) = context.child(Namespace::CBC, local) else {
        return;
    };
    let written = decimals_written(amount.text());
    if written > 2 {
        sink.fail(
            rule,
            amount,
            format!(
                "cbc:{local} {:?} has {written} decimals written; at most 2 are allowed",
                amount.text()
            ),
        );
    }
}
