//! Calculation and conditional rules BR-CO-* (CII). Where the official CII rules sum
//! untyped values (computed as `xs:double` there) facteur sums exact decimals: the
//! results agree for amounts with at most two decimals and fewer than 15 significant
//! digits, and never produce a binary rounding artefact.

use rust_decimal::Decimal;

use super::{Doc, ram, shadowed_header_tax};
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
    br_co_15(doc, sink);
    for node in doc.elements() {
        if node.is(
            Namespace::RAM,
            "SpecifiedTradeSettlementHeaderMonetarySummation",
        ) {
            document_totals(doc, node, sink);
        } else if node.is(Namespace::RAM, "ApplicableTradeTax")
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::RAM, "ApplicableHeaderTradeSettlement"))
            && !shadowed_header_tax(node)
        {
            br_co_17(node, sink);
        }
    }
}

/// The first `ram:{local}` child as a decimal: `Ok(None)` absent, `Err(())` invalid.
fn child(node: Node<'_>, local: &str) -> Result<Option<Decimal>, ()> {
    amount(node.child(Namespace::RAM, local))
}

/// Header allowances (`false`) or charges (`true`): `$STL/ram:SpecifiedTradeAllowanceCharge`
/// whose `ram:ChargeIndicator/udt:Indicator` casts to that boolean.
fn header_allowance_charges<'d>(doc: &Doc<'d>, charge: bool) -> Vec<Node<'d>> {
    let Some(settlement) = doc.settlement else {
        return Vec::new();
    };
    settlement
        .children_named(Namespace::RAM, "SpecifiedTradeAllowanceCharge")
        .filter(|ac| {
            ac.first(&[ram("ChargeIndicator"), (Namespace::UDT, "Indicator")])
                .and_then(|i| boolean(i.text()))
                == Some(charge)
        })
        .collect()
}

fn document_totals(doc: &Doc<'_>, totals: Node<'_>, sink: &mut Sink<'_>) {
    // BR-CO-10: the lines are those of the transaction holding this summation.
    let transaction = totals.parent().and_then(|s| s.parent());
    let line_amounts = transaction
        .into_iter()
        .flat_map(|t| t.children_named(Namespace::RAM, "IncludedSupplyChainTradeLineItem"))
        .flat_map(|line| {
            line.all(&[
                ram("SpecifiedLineTradeSettlement"),
                ram("SpecifiedTradeSettlementLineMonetarySummation"),
                ram("LineTotalAmount"),
            ])
        });
    let holds = match (child(totals, "LineTotalAmount"), sum(line_amounts)) {
        (Ok(Some(stated)), Ok(total)) => stated == r2(total),
        _ => false,
    };
    sink.check(&BR_CO_10, holds, totals, "the sum of invoice line net amounts (BT-106) differs from the sum of the line net amounts (BT-131)");

    // BR-CO-11 / BR-CO-12, over the first ActualAmount of each allowance or charge.
    for (rule, total_name, charge, what) in [
        (&BR_CO_11, "AllowanceTotalAmount", false, "allowances"),
        (&BR_CO_12, "ChargeTotalAmount", true, "charges"),
    ] {
        let items = header_allowance_charges(doc, charge);
        let stated: Vec<Node<'_>> = totals.children_named(Namespace::RAM, total_name).collect();
        let holds = if stated.is_empty() {
            items.is_empty()
        } else {
            match sum(items
                .iter()
                .filter_map(|ac| ac.child(Namespace::RAM, "ActualAmount")))
            {
                Ok(total) => stated
                    .iter()
                    .any(|s| amount(Some(*s)) == Ok(Some(r2(total)))),
                Err(()) => false,
            }
        };
        sink.check(
            rule,
            holds,
            totals,
            &format!("ram:{total_name} differs from the sum of the document-level {what}"),
        );
    }

    // BR-CO-13: four alternatives on the first occurrences.
    let holds = (|| {
        let basis = child(totals, "TaxBasisTotalAmount")?.ok_or(())?;
        let net = child(totals, "LineTotalAmount")?.ok_or(())?;
        let allowances = child(totals, "AllowanceTotalAmount")?;
        let charges = child(totals, "ChargeTotalAmount")?;
        Ok::<bool, ()>(match (allowances, charges) {
            (Some(a), Some(c)) => basis == r2(net - a + c),
            (Some(a), None) => basis == r2(net - a),
            (None, Some(c)) => basis == r2(net + c),
            (None, None) => basis == r2(net),
        })
    })()
    .unwrap_or(false);
    sink.check(
        &BR_CO_13,
        holds,
        totals,
        "the total without VAT (BT-109) differs from line net amounts − allowances + charges",
    );

    // BR-CO-14 on each TaxTotalAmount in the invoice currency.
    if let Some(currency) = doc.currency() {
        let breakdown = doc
            .settlement
            .into_iter()
            .flat_map(|s| s.children_named(Namespace::RAM, "ApplicableTradeTax"))
            .flat_map(|t| t.children_named(Namespace::RAM, "CalculatedAmount"));
        let expected = sum(breakdown).map(r2);
        for tax_total in totals
            .children_named(Namespace::RAM, "TaxTotalAmount")
            .filter(|t| t.attr("currencyID") == Some(currency))
        {
            let holds =
                matches!((amount(Some(tax_total)), expected), (Ok(Some(v)), Ok(e)) if v == e);
            sink.check(&BR_CO_14, holds, tax_total, "the invoice total VAT amount (BT-110) differs from the sum of the VAT category tax amounts (BT-117)");
        }
    }

    // BR-CO-16: exact, no rounding.
    let holds = (|| {
        let due = child(totals, "DuePayableAmount")?.ok_or(())?;
        let grand = child(totals, "GrandTotalAmount")?.ok_or(())?;
        let prepaid = child(totals, "TotalPrepaidAmount")?;
        let rounding = child(totals, "RoundingAmount")?;
        Ok::<bool, ()>(due == grand - prepaid.unwrap_or_default() + rounding.unwrap_or_default())
    })()
    .unwrap_or(false);
    sink.check(
        &BR_CO_16,
        holds,
        totals,
        "the amount due (BT-115) differs from total with VAT − paid amount + rounding amount",
    );
}

/// BR-CO-15 on the root: in the invoice currency, exactly one tax total and
/// BT-112 = r2(BT-109 + BT-110); or BT-112 = BT-109.
fn br_co_15(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    let Some(currency) = doc.currency() else {
        return;
    };
    let totals = doc.settlement.and_then(|s| {
        s.child(
            Namespace::RAM,
            "SpecifiedTradeSettlementHeaderMonetarySummation",
        )
    });
    let holds = (|| {
        let totals = totals.ok_or(())?;
        let grand = child(totals, "GrandTotalAmount")?.ok_or(())?;
        let basis = child(totals, "TaxBasisTotalAmount")?.ok_or(())?;
        let in_currency: Vec<Node<'_>> = totals
            .children_named(Namespace::RAM, "TaxTotalAmount")
            .filter(|t| t.attr("currencyID") == Some(currency))
            .collect();
        let with_tax = in_currency.len() == 1
            && amount(Some(in_currency[0]))?.is_some_and(|vat| grand == r2(basis + vat));
        Ok::<bool, ()>(with_tax || grand == basis)
    })()
    .unwrap_or(false);
    sink.check(&BR_CO_15, holds, doc.root, "the total with VAT (BT-112) differs from total without VAT (BT-109) + the one total VAT amount (BT-110) in the invoice currency");
}

/// BR-CO-17 on each header breakdown not shadowed: |BT-117| ≈ r2(|BT-116| × rate / 100)
/// within one currency unit, inclusive.
fn br_co_17(tax: Node<'_>, sink: &mut Sink<'_>) {
    let holds = (|| {
        let calculated = child(tax, "CalculatedAmount")?;
        let basis = child(tax, "BasisAmount")?;
        let rate = child(tax, "RateApplicablePercent")?;
        let Some(calculated) = calculated else {
            return Ok::<bool, ()>(false);
        };
        Ok(match rate {
            None => round_half_up(calculated).is_zero(),
            Some(rate) if round_half_up(rate).is_zero() => round_half_up(calculated).is_zero(),
            Some(rate) => {
                let Some(basis) = basis else { return Ok(false) };
                let Some(product) = basis.abs().checked_mul(rate) else {
                    return Ok(false);
                };
                let expected = r2(product / Decimal::ONE_HUNDRED);
                let calculated = calculated.abs();
                calculated - Decimal::ONE <= expected && expected <= calculated + Decimal::ONE
            }
        })
    })()
    .unwrap_or(false);
    sink.check(&BR_CO_17, holds, tax, "the VAT category tax amount (BT-117) differs from taxable amount × rate / 100 by more than one currency unit");
}
