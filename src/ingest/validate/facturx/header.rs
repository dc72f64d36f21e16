//! The header VAT breakdown rules as the Factur-X stylesheets evaluate them
//! (rules-catalogue-profiles §3.2, §3.4): each rule group has its own pattern, so BR-45
//! to BR-48, BR-CO-03, BR-CO-17 and BR-DEC-19/20 see **every** header
//! `ram:ApplicableTradeTax`, L, M and O included (EN16931-CII shadows those), BR-47 and
//! BR-48 have no TypeCode filter, and BR-CO-03 looks at its own node only.

use rust_decimal::Decimal;

use crate::ingest::profile::FacturX;
use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::xpath::{decimal, decimals_written, r2, round_half_up};
use crate::xml::{Namespace, Node};

rules! {
    BR_45 = "BR-45", Fatal, ["BT-116"], "Each VAT breakdown shall have a VAT category taxable amount";
    BR_46 = "BR-46", Fatal, ["BT-117"], "Each VAT breakdown shall have a VAT category tax amount";
    BR_47 = "BR-47", Fatal, ["BT-118"], "Each VAT breakdown shall be defined through a VAT category code";
    BR_48 = "BR-48", Fatal, ["BT-119"], "Each VAT breakdown shall have a VAT category rate, except if the invoice is not subject to VAT";
    BR_CO_03 = "BR-CO-03", Fatal, ["BT-7", "BT-8"], "Value added tax point date and value added tax point date code are mutually exclusive";
    BR_CO_17 = "BR-CO-17", Fatal, ["BT-117", "BT-116", "BT-119"], "VAT category tax amount = taxable amount × rate / 100, rounded to two decimals";
    BR_DEC_19 = "BR-DEC-19", Fatal, ["BT-116"], "The VAT category taxable amount shall have at most 2 decimals";
    BR_DEC_20 = "BR-DEC-20", Fatal, ["BT-117"], "The VAT category tax amount shall have at most 2 decimals";
}

/// The ids this file takes over from the EN 16931 CII families in Factur-X.
pub(super) const REDONE: &[&str] = &[
    "BR-45",
    "BR-46",
    "BR-47",
    "BR-48",
    "BR-CO-03",
    "BR-CO-17",
    "BR-DEC-19",
    "BR-DEC-20",
];

/// Runs the header breakdown rules on `//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax`.
pub(super) fn check(root: Node<'_>, profile: FacturX, sink: &mut Sink<'_>) {
    for tax in root.document().elements().filter(|n| {
        n.is(Namespace::RAM, "ApplicableTradeTax")
            && n.parent()
                .is_some_and(|p| p.is(Namespace::RAM, "ApplicableHeaderTradeSettlement"))
    }) {
        let child = |local| tax.child(Namespace::RAM, local);
        let has = |local| child(local).is_some();
        sink.check(
            &BR_45,
            has("BasisAmount"),
            tax,
            "the VAT breakdown has no taxable amount (ram:BasisAmount)",
        );
        sink.check(
            &BR_46,
            has("CalculatedAmount"),
            tax,
            "the VAT breakdown has no tax amount (ram:CalculatedAmount)",
        );
        sink.check(
            &BR_47,
            has("CategoryCode"),
            tax,
            "the VAT breakdown has no category code (ram:CategoryCode)",
        );
        let category_o = tax
            .children_named(Namespace::RAM, "CategoryCode")
            .any(|c| c.text() == "O");
        sink.check(
            &BR_48,
            has("RateApplicablePercent") || category_o,
            tax,
            "the VAT breakdown has no rate (ram:RateApplicablePercent) and is not of category O",
        );
        sink.check(
            &BR_CO_03,
            !(has("TaxPointDate") && has("DueDateTypeCode")),
            tax,
            "both a VAT point date (ram:TaxPointDate) and a VAT point date code (ram:DueDateTypeCode) are given: use only one",
        );
        for (rule, local) in [
            (&BR_DEC_19, "BasisAmount"),
            (&BR_DEC_20, "CalculatedAmount"),
        ] {
            if let Some(amount) = child(local) {
                sink.check(
                    rule,
                    decimals_written(amount.text()) <= 2,
                    amount,
                    "the amount has more than 2 decimals",
                );
            }
        }
        // EXTENDED has no BR-CO-17 (BR-FXEXT-S-09b takes its role for S).
        if profile != FacturX::Extended {
            br_co_17(tax, sink);
        }
    }
}

/// BR-CO-17 with the CII reading: inclusive ±1, signs ignored, zero rates by `round()`.
fn br_co_17(tax: Node<'_>, sink: &mut Sink<'_>) {
    let value = |local| {
        tax.child(Namespace::RAM, local)
            .map(|n| decimal(n.text()).ok_or(()))
            .transpose()
    };
    let holds = (|| {
        let Some(calculated) = value("CalculatedAmount")? else {
            return Ok::<bool, ()>(false);
        };
        let basis = value("BasisAmount")?;
        Ok(match value("RateApplicablePercent")? {
            None => round_half_up(calculated).is_zero(),
            Some(rate) if round_half_up(rate).is_zero() => round_half_up(calculated).is_zero(),
            Some(rate) => {
                let Some(product) = basis.and_then(|b| b.abs().checked_mul(rate)) else {
                    return Ok(false);
                };
                let expected = r2(product / Decimal::ONE_HUNDRED);
                let calculated = calculated.abs();
                calculated - Decimal::ONE <= expected && expected <= calculated + Decimal::ONE
            }
        })
    })()
    .unwrap_or(false);
    sink.check(
        &BR_CO_17,
        holds,
        tax,
        "the VAT category tax amount (BT-117) differs from taxable amount × rate / 100 by more than one currency unit",
    );
}
