//! Calculation and conditional rules BR-CO-* (UBL). UBL casts with `xs:decimal`, so
//! everything is exact decimal arithmetic, rounded with [`r2`] where the rule rounds.

use rust_decimal::Decimal;

use super::{Doc, cac, cbc};
use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::xpath::{amount, boolean, r2, round_half_up, sum};
use crate::xml::{Namespace, Node};

rules! {
    BR_CO_10 = "BR-CO-10", Fatal, ["BT-106", "BT-131"], "Sum of invoice line net amounts = Σ invoice line net amounts";
    BR_CO_11 = "BR-CO-11", Fatal, ["BT-107", "BT-92"], "Sum of allowances on document level = Σ document level allowance amounts";
    BR_CO_12 = "BR-CO-12", Fatal, ["BT-108", "BT-99"], "Sum of charges on document level = Σ document level charge amounts";
    BR_CO_13 = "BR-CO-13", Fatal, ["BT-109"], "Total without VAT = Σ line net amounts − allowances + charges";
    BR_CO_14 = "BR-CO-14", Fatal, ["BT-110", "BT-117"], "Invoice total VAT amount = Σ VAT category tax amounts";
    BR_CO_15 = "BR-CO-15", Fatal, ["BT-112", "BT-109", "BT-110"], "Total with VAT = total without VAT + total VAT amount";
    BR_CO_16 = "BR-CO-16", Fatal, ["BT-115"], "Amount due = total with VAT − paid amount + rounding amount";
    BR_CO_17 = "BR-CO-17", Fatal, ["BT-117", "BT-116", "BT-119"], "VAT category tax amount = taxable amount × rate / 100, rounded to two decimals";
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    br_co_15(doc.root, sink);
    for node in doc.elements() {
        if node.is(Namespace::CAC, "LegalMonetaryTotal") {
            document_totals(doc, node, sink);
        } else if node.is(Namespace::CAC, "TaxTotal") && node.parent() == Some(doc.root) {
            br_co_14(node, sink);
        } else if node.is(Namespace::CAC, "TaxSubtotal")
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::CAC, "TaxTotal"))
        {
            br_co_17(node, sink);
        }
    }
}

/// The value of a `cbc:` child: `Ok(None)` absent, `Err(())` not a decimal.
fn child(node: Node<'_>, local: &str) -> Result<Option<Decimal>, ()> {
    amount(node.child(Namespace::CBC, local))
}

/// Document-level allowances (`false`) or charges (`true`) under `parent`.
fn allowance_charges<'d>(
    parent: Node<'d>,
    charge: bool,
) -> impl Iterator<Item = Node<'d>> + use<'d> {
    parent
        .children_named(Namespace::CAC, "AllowanceCharge")
        .filter(move |ac| {
            ac.child(Namespace::CBC, "ChargeIndicator")
                .and_then(|i| boolean(i.text()))
                == Some(charge)
        })
}

fn document_totals(doc: &Doc<'_>, totals: Node<'_>, sink: &mut Sink<'_>) {
    // BR-CO-10: BT-106 = r2(Σ BT-131) over every line of the document.
    let lines = doc
        .elements()
        .filter(|n| n.is(Namespace::CAC, "InvoiceLine") || n.is(Namespace::CAC, "CreditNoteLine"))
        .filter_map(|line| line.child(Namespace::CBC, "LineExtensionAmount"));
    let holds = match (child(totals, "LineExtensionAmount"), sum(lines)) {
        (Ok(Some(stated)), Ok(total)) => stated == r2(total),
        _ => false,
    };
    sink.check(&BR_CO_10, holds, totals, "the sum of invoice line net amounts (BT-106) differs from the sum of the line net amounts (BT-131)");

    // BR-CO-11 / BR-CO-12: totals of document-level allowances and charges.
    let parent = totals.parent().unwrap_or(totals);
    for (rule, total_name, charge, what) in [
        (&BR_CO_11, "AllowanceTotalAmount", false, "allowances"),
        (&BR_CO_12, "ChargeTotalAmount", true, "charges"),
    ] {
        let items: Vec<Node<'_>> = allowance_charges(parent, charge).collect();
        let holds = match child(totals, total_name) {
            Ok(None) => items.is_empty(),
            Ok(Some(stated)) => sum(items
                .iter()
                .filter_map(|ac| ac.child(Namespace::CBC, "Amount")))
            .is_ok_and(|total| stated == r2(total)),
            Err(()) => false,
        };
        sink.check(
            rule,
            holds,
            totals,
            &format!("cbc:{total_name} differs from the sum of the document-level {what}"),
        );
    }

    // BR-CO-13: BT-109 = BT-106 − BT-107 + BT-108.
    let holds = (|| {
        let net = child(totals, "LineExtensionAmount")?;
        let allowances = child(totals, "AllowanceTotalAmount")?;
        let charges = child(totals, "ChargeTotalAmount")?;
        let stated = child(totals, "TaxExclusiveAmount")?;
        let (Some(net), Some(stated)) = (net, stated) else {
            return Ok::<bool, ()>(false);
        };
        Ok(match (allowances, charges) {
            (None, None) => stated == net,
            (a, c) => stated == r2(net - a.unwrap_or_default() + c.unwrap_or_default()),
        })
    })()
    .unwrap_or(false);
    sink.check(
        &BR_CO_13,
        holds,
        totals,
        "the total without VAT (BT-109) differs from line net amounts − allowances + charges",
    );

    // BR-CO-16: BT-115 = BT-112 − BT-113 + BT-114, rounded on both sides.
    let holds = (|| {
        let due = child(totals, "PayableAmount")?;
        let with_vat = child(totals, "TaxInclusiveAmount")?;
        let prepaid = child(totals, "PrepaidAmount")?;
        let rounding = child(totals, "PayableRoundingAmount")?;
        let (Some(due), Some(with_vat)) = (due, with_vat) else {
            return Ok::<bool, ()>(false);
        };
        Ok(match (prepaid, rounding) {
            (None, None) => due == with_vat,
            (Some(p), None) => due == r2(with_vat - p),
            (Some(p), Some(r)) => r2(due - r) == r2(with_vat - p),
            (None, Some(r)) => r2(due - r) == with_vat,
        })
    })()
    .unwrap_or(false);
    sink.check(
        &BR_CO_16,
        holds,
        totals,
        "the amount due (BT-115) differs from total with VAT − paid amount + rounding amount",
    );
}

/// BR-CO-14 on each root-level `cac:TaxTotal` that has subtotals.
fn br_co_14(tax_total: Node<'_>, sink: &mut Sink<'_>) {
    let subtotals: Vec<Node<'_>> = tax_total
        .children_named(Namespace::CAC, "TaxSubtotal")
        .collect();
    if subtotals.is_empty() {
        return;
    }
    let amounts = subtotals
        .iter()
        .filter_map(|s| s.child(Namespace::CBC, "TaxAmount"));
    let holds = match (child(tax_total, "TaxAmount"), sum(amounts)) {
        (Ok(Some(stated)), Ok(total)) => stated == r2(total),
        _ => false,
    };
    sink.check(&BR_CO_14, holds, tax_total, "the invoice total VAT amount (BT-110) differs from the sum of the VAT category tax amounts (BT-117)");
}

/// BR-CO-15 on the root: for the document currency, exactly one tax total in that
/// currency, and BT-112 = r2(BT-109 + BT-110).
fn br_co_15(root: Node<'_>, sink: &mut Sink<'_>) {
    let Some(currency) = root.child(Namespace::CBC, "DocumentCurrencyCode") else {
        return;
    };
    let currency = currency.text();
    let in_currency: Vec<Node<'_>> = root
        .children_named(Namespace::CAC, "TaxTotal")
        .filter_map(|t| t.child(Namespace::CBC, "TaxAmount"))
        .filter(|a| a.attr("currencyID") == Some(currency))
        .collect();
    let totals = root.first(&[cac("LegalMonetaryTotal")]);
    let holds = in_currency.len() == 1
        && (|| {
            let totals = totals.ok_or(())?;
            let with_vat = child(totals, "TaxInclusiveAmount")?.ok_or(())?;
            let without_vat = child(totals, "TaxExclusiveAmount")?.ok_or(())?;
            let vat = amount(Some(in_currency[0]))?.ok_or(())?;
            Ok::<bool, ()>(with_vat == r2(without_vat + vat))
        })()
        .unwrap_or(false);
    let message = if in_currency.len() == 1 {
        "the total with VAT (BT-112) differs from total without VAT (BT-109) + total VAT (BT-110)"
            .to_string()
    } else {
        format!(
            "expected exactly one cac:TaxTotal/cbc:TaxAmount in the invoice currency {currency:?}, found {}",
            in_currency.len()
        )
    };
    sink.check(&BR_CO_15, holds, root, &message);
}

/// BR-CO-17 on each VAT breakdown: |BT-117| ≈ r2(|BT-116| × rate / 100), strictly
/// within one currency unit; zero rates need a zero amount.
fn br_co_17(subtotal: Node<'_>, sink: &mut Sink<'_>) {
    let holds = (|| {
        let tax = child(subtotal, "TaxAmount")?;
        let basis = child(subtotal, "TaxableAmount")?;
        let rate = amount(subtotal.first(&[cac("TaxCategory"), cbc("Percent")]))?;
        let Some(tax) = tax else {
            return Ok::<bool, ()>(false);
        };
        Ok(match rate {
            None => round_half_up(tax).is_zero(),
            Some(rate) if round_half_up(rate).is_zero() => round_half_up(tax).is_zero(),
            Some(rate) => {
                let Some(basis) = basis else { return Ok(false) };
                let Some(product) = basis.abs().checked_mul(rate) else {
                    return Ok(false);
                };
                let expected = r2(product / Decimal::ONE_HUNDRED);
                let tax = tax.abs();
                tax - Decimal::ONE < expected && expected < tax + Decimal::ONE
            }
        })
    })()
    .unwrap_or(false);
    sink.check(&BR_CO_17, holds, subtotal, "the VAT category tax amount (BT-117) differs from taxable amount × rate / 100 by one currency unit or more");
}
