//! Document totals as the Factur-X stylesheets check them (rules-catalogue-profiles
//! §3.4, §3.5): BR-CO-11 and BR-CO-12 add every `ram:ActualAmount` of the allowances or
//! charges as doubles (EN takes the first of each), BR-CO-12 adds the logistics fees,
//! BR-CO-15 keeps the EN test but sits on each monetary summation (EN: on the root, so
//! a missing summation fails it there and passes here), and BR-CO-18 is evaluated once
//! per header settlement instead of once per line.

use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::extended::model::r2_double;
use crate::ingest::validate::xpath::{amount, double, r2};
use crate::xml::{Namespace, Node};

rules! {
    BR_CO_11 = "BR-CO-11", Fatal, ["BT-107"], "Sum of allowances on document level = Σ document level allowance amounts";
    BR_CO_12 = "BR-CO-12", Fatal, ["BT-108"], "Sum of charges on document level = Σ document level charge amounts and logistics fees";
    BR_CO_15 = "BR-CO-15", Fatal, ["BT-112", "BT-109", "BT-110"], "Total with VAT = total without VAT + total VAT amount";
    BR_CO_18 = "BR-CO-18", Fatal, ["BG-23"], "An invoice shall at least have one VAT breakdown group";
}

/// The ids this file takes over from the EN 16931 CII families in Factur-X.
pub(super) fn redone(id: &str) -> bool {
    RULES.iter().any(|r| r.id == id)
}

/// `r2(sum(nodes))` with untyped (double) addition; `None` when a value is not a number.
fn r2_sum<'d>(nodes: impl IntoIterator<Item = Node<'d>>) -> Option<f64> {
    let mut sum = 0f64;
    for n in nodes {
        sum += double(n.text())?;
    }
    Some(r2_double(sum))
}

/// Every `ram:ActualAmount` of the given allowances or charges.
fn amounts<'d>(list: &[Node<'d>]) -> Vec<Node<'d>> {
    list.iter()
        .flat_map(|c| c.children_named(Namespace::RAM, "ActualAmount"))
        .collect()
}

/// Runs BR-CO-11, BR-CO-12 and BR-CO-18 where the profile has them.
pub(super) fn check(root: Node<'_>, has: impl Fn(&str) -> bool, sink: &mut Sink<'_>) {
    let settlement = root.first(&[
        (Namespace::RSM, "SupplyChainTradeTransaction"),
        (Namespace::RAM, "ApplicableHeaderTradeSettlement"),
    ]);
    let charges = |value: &str| -> Vec<Node<'_>> {
        settlement
            .iter()
            .flat_map(|s| s.children_named(Namespace::RAM, "SpecifiedTradeAllowanceCharge"))
            .filter(|c| {
                c.all(&[
                    (Namespace::RAM, "ChargeIndicator"),
                    (Namespace::UDT, "Indicator"),
                ])
                .iter()
                .any(|i| i.text() == value)
            })
            .collect()
    };
    let (allowances, charged) = (charges("false"), charges("true"));
    let fees: Vec<Node<'_>> = settlement
        .map(|s| {
            s.all(&[
                (Namespace::RAM, "SpecifiedLogisticsServiceCharge"),
                (Namespace::RAM, "AppliedAmount"),
            ])
        })
        .unwrap_or_default();
    let charge_total = settlement.and_then(|s| {
        s.first(&[
            (
                Namespace::RAM,
                "SpecifiedTradeSettlementHeaderMonetarySummation",
            ),
            (Namespace::RAM, "ChargeTotalAmount"),
        ])
    });
    for total in root.document().elements().filter(|n| {
        n.is(
            Namespace::RAM,
            "SpecifiedTradeSettlementHeaderMonetarySummation",
        )
    }) {
        if has("BR-CO-11") {
            let bt107 = total.child(Namespace::RAM, "AllowanceTotalAmount");
            let holds = (allowances.is_empty() && bt107.is_none())
                || bt107
                    .and_then(|t| double(t.text()))
                    .zip(r2_sum(amounts(&allowances)))
                    .is_some_and(|(t, s)| t == s);
            sink.check(&BR_CO_11, holds, total, "the sum of allowances (BT-107) is not the rounded sum of the document allowance amounts");
        }
        if has("BR-CO-12") {
            let holds = (charged.is_empty() && charge_total.is_none())
                || charge_total
                    .and_then(|t| double(t.text()))
                    .zip(r2_sum(amounts(&charged)).zip(r2_sum(fees.iter().copied())))
                    .is_some_and(|(t, (c, g))| r2_double(t) == r2_double(c + g));
            sink.check(&BR_CO_12, holds, total, "the sum of charges (BT-108) is not the rounded sum of the document charge amounts and logistics fees");
        }
        if has("BR-CO-15") {
            br_co_15(settlement, total, sink);
        }
    }
    if has("BR-CO-18") {
        for header in root.document().elements().filter(|n| {
            n.is(Namespace::RAM, "ApplicableHeaderTradeSettlement")
                && n.parent()
                    .is_some_and(|p| p.is(Namespace::RSM, "SupplyChainTradeTransaction"))
        }) {
            sink.check(
                &BR_CO_18,
                header.child(Namespace::RAM, "ApplicableTradeTax").is_some(),
                header,
                "the invoice has no VAT breakdown (ram:ApplicableTradeTax)",
            );
        }
    }
}

/// BR-CO-15 on one summation, with the EN test: for c = the invoice currency (the rule
/// holds vacuously without one), exactly one `ram:TaxTotalAmount[@currencyID = c]` and
/// BT-112 = r2(BT-109 + BT-110), or BT-112 = BT-109 (exact decimals).
fn br_co_15(settlement: Option<Node<'_>>, total: Node<'_>, sink: &mut Sink<'_>) {
    let Some(currency) = settlement
        .and_then(|s| s.child(Namespace::RAM, "InvoiceCurrencyCode"))
        .map(|c| c.text())
    else {
        return;
    };
    let holds = (|| {
        let child = |local| amount(total.child(Namespace::RAM, local));
        let grand = child("GrandTotalAmount")?.ok_or(())?;
        let basis = child("TaxBasisTotalAmount")?.ok_or(())?;
        let in_currency: Vec<Node<'_>> = total
            .children_named(Namespace::RAM, "TaxTotalAmount")
            .filter(|t| t.attr("currencyID") == Some(currency))
            .collect();
        let with_tax = in_currency.len() == 1
            && amount(Some(in_currency[0]))?.is_some_and(|vat| grand == r2(basis + vat));
        Ok::<bool, ()>(with_tax || grand == basis)
    })()
    .unwrap_or(false);
    sink.check(&BR_CO_15, holds, total, "the total with VAT (BT-112) differs from total without VAT (BT-109) + the one total VAT amount (BT-110) in the invoice currency");
}
