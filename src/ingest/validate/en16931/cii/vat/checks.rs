//! Evaluation of the CII VAT category rules: the -01 and BR-B rules on the root, the
//! others on each line tax (`C:CL`), allowance/charge tax (`C:CA`, `C:CC`) and header
//! breakdown (`C:CB`) of a family.

use rust_decimal::Decimal;

use super::super::{Doc, is_vat, shadowed_header_tax};
use super::facts::{Facts, codes, indicator, under};
use super::{
    Amounts, Anchor, BR_B_01, BR_B_02, BR_IC_11, BR_IC_12, BR_O_11, BR_O_12, BR_O_13, BR_O_14,
    FAMILIES, Family, Parties, Presence, RateRule, Reading,
};
use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::breakdown::INVOICE_LINE;
use crate::ingest::validate::xpath::{amount, decimal, double, r2, round_half_up};
use crate::xml::{Namespace, Node};

/// The rules whose context is `/rsm:CrossIndustryInvoice`.
pub(super) fn document(doc: &Doc<'_>, facts: &Facts, sink: &mut Sink<'_>) {
    let root = doc.root;
    for f in &FAMILIES {
        let x = f.code;
        let lines = facts.line_taxes.of(x);
        let headers = facts.header_taxes.of(x);
        let allowance_charges = facts.allowance_charge_taxes.of(x);
        let holds = match f.presence {
            Presence::AtLeastTwo => {
                (lines == 0 || lines + headers >= 2)
                    && (allowance_charges == 0 || allowance_charges + headers >= 2)
            }
            Presence::ExactlyOne => {
                (headers == 0 && lines == 0 && allowance_charges == 0)
                    || (headers == 1 && (lines > 0 || allowance_charges > 0))
            }
            Presence::AtMostOne => {
                headers == 0 || (headers == 1 && (lines > 0 || allowance_charges > 0))
            }
        };
        let message = || {
            format!(
                "VAT category '{x}' ({}): {lines} line tax(es), {allowance_charges} allowance/charge tax(es) and {headers} VAT breakdown(s) do not match",
                f.name
            )
        };
        sink.check_with(f.rules[0], holds, root, message);
    }

    if facts.split_payment {
        sink.check(
            &BR_B_01,
            !facts.foreign_country,
            root,
            "split payment (VAT category 'B') is used but a country code other than IT appears",
        );
        sink.check(
            &BR_B_02,
            !facts.standard,
            root,
            "split payment (VAT category 'B') and standard rate (VAT category 'S') are both used",
        );
    }
}

fn parties_hold(parties: Parties, facts: &Facts) -> bool {
    let p = &facts.parties;
    let seller = p.seller_va || p.seller_fc || p.tax_rep_va;
    let seller_vat = p.seller_va || p.tax_rep_va;
    match parties {
        Parties::Seller => seller,
        Parties::SellerAndBuyer => seller && (p.buyer_va || p.buyer_legal),
        Parties::SellerVat => seller_vat,
        Parties::SellerVatAndBuyerVat => seller_vat && p.buyer_va,
        Parties::NoVatIds => !p.seller_va && !p.tax_rep_va && !p.buyer_va,
    }
}

fn parties_message(parties: Parties) -> &'static str {
    match parties {
        Parties::Seller => {
            "has no seller VAT or tax registration (schemeID VA or FC) and no tax representative VAT registration"
        }
        Parties::SellerAndBuyer => {
            "lacks a seller (or tax representative) registration, or a buyer VAT registration or legal organisation id"
        }
        Parties::SellerVat => {
            "has no seller VAT registration (schemeID VA) and no tax representative VAT registration"
        }
        Parties::SellerVatAndBuyerVat => {
            "lacks a seller (or tax representative) VAT registration or the buyer VAT registration"
        }
        Parties::NoVatIds => "carries a seller, tax representative or buyer VAT registration",
    }
}

/// The `n`-th ancestor of a node (1 is its parent).
fn ancestor(node: Node<'_>, n: usize) -> Option<Node<'_>> {
    (0..n).try_fold(node, |cur, _| cur.parent())
}

/// The families whose contexts take a tax element. EN: the first family, in pattern
/// order, among its codes (first match wins inside the model pattern). Factur-X: every
/// family among its codes (each rule group has its own pattern).
fn families_of<'d>(tax: Node<'d>, reading: Reading) -> impl Iterator<Item = &'static Family> + 'd {
    let codes = codes(tax);
    let taken = match reading {
        Reading::En16931 => 1,
        Reading::FacturX => FAMILIES.len(),
    };
    FAMILIES
        .iter()
        .filter(move |f| codes.contains(&f.code))
        .take(taken)
}

/// Every node-anchored rule, dispatched from one walk.
pub(super) fn nodes(doc: &Doc<'_>, facts: &Facts, reading: Reading, sink: &mut Sink<'_>) {
    for node in doc.elements() {
        if node.namespace() != Namespace::RAM {
            continue;
        }
        match node.local_name() {
            "ApplicableTradeTax" => applicable_tax(node, facts, reading, sink),
            "CategoryTradeTax" => allowance_charge_tax(node, facts, reading, sink),
            "CategoryCode" => category_code(doc, node, facts, reading, sink),
            _ => {}
        }
    }
}

/// `$LTT[ram:CategoryCode = 'X'][VAT]` (rules -02, -05) and `$HTT[ram:CategoryCode =
/// 'X'][VAT]` for the families anchored on the header tax (L, M, O); Factur-X: the
/// same without `[VAT]`.
fn applicable_tax(tax: Node<'_>, facts: &Facts, reading: Reading, sink: &mut Sink<'_>) {
    if reading == Reading::En16931 && !is_vat(tax) {
        return;
    }
    // Both contexts start with `//rsm:SupplyChainTradeTransaction/`.
    let in_transaction = |names: &[&str]| {
        under(tax, names)
            && ancestor(tax, names.len() + 1)
                .is_some_and(|t| t.is(Namespace::RSM, "SupplyChainTradeTransaction"))
    };
    if in_transaction(&[
        "SpecifiedLineTradeSettlement",
        "IncludedSupplyChainTradeLineItem",
    ]) {
        for f in families_of(tax, reading) {
            parties(f, 1, tax, facts, "line", sink);
            rate(f, 4, tax, "line", sink);
        }
    } else if reading == Reading::FacturX && in_transaction(&["ApplicableHeaderTradeSettlement"]) {
        for f in families_of(tax, reading).filter(|f| f.anchor == Anchor::Tax) {
            breakdown(f, tax, tax, facts, reading, sink);
        }
    } else if reading == Reading::En16931 && shadowed_header_tax(tax) {
        // The same nodes the generic header-tax rules skip (BR-45 …); the contexts of
        // L, M and O come in that order in the pattern.
        let codes = codes(tax);
        let anchored = FAMILIES
            .iter()
            .filter(|f| f.anchor == Anchor::Tax)
            .find(|f| codes.contains(&f.code));
        if let Some(f) = anchored {
            breakdown(f, tax, tax, facts, reading, sink);
        }
    }
}

/// `//ram:SpecifiedTradeAllowanceCharge[…Indicator = false()|true()]/ram:CategoryTradeTax
/// [ram:CategoryCode = 'X'][VAT]` (rules -03/-06 and -04/-07). Factur-X writes
/// `[…Indicator = 'false'|'true']`, string comparisons (so `0`/`1` match neither, and
/// two indicators can match both), and has no `[VAT]`.
fn allowance_charge_tax(tax: Node<'_>, facts: &Facts, reading: Reading, sink: &mut Sink<'_>) {
    let Some(allowance_charge) = tax
        .parent()
        .filter(|p| p.is(Namespace::RAM, "SpecifiedTradeAllowanceCharge"))
    else {
        return;
    };
    let (allowance, charge) = match reading {
        Reading::En16931 => {
            let Some(charge) = indicator(allowance_charge) else {
                return;
            };
            if !is_vat(tax) {
                return;
            }
            (!charge, charge)
        }
        Reading::FacturX => {
            let literal = |value: &str| {
                allowance_charge
                    .all(&[
                        (Namespace::RAM, "ChargeIndicator"),
                        (Namespace::UDT, "Indicator"),
                    ])
                    .iter()
                    .any(|i| i.text() == value)
            };
            (literal("false"), literal("true"))
        }
    };
    for f in families_of(tax, reading) {
        if charge {
            parties(f, 3, tax, facts, "document charge", sink);
            rate(f, 6, tax, "document charge", sink);
        }
        if allowance {
            parties(f, 2, tax, facts, "document allowance", sink);
            rate(f, 5, tax, "document allowance", sink);
        }
    }
}

/// The header-tax `ram:CategoryCode` contexts of S and Z (any tax type) and of AE, E,
/// G and K (VAT type, under `rsm:SupplyChainTradeTransaction`).
fn category_code(
    doc: &Doc<'_>,
    code: Node<'_>,
    facts: &Facts,
    reading: Reading,
    sink: &mut Sink<'_>,
) {
    let Some(tax) = code
        .parent()
        .filter(|t| t.is(Namespace::RAM, "ApplicableTradeTax"))
    else {
        return;
    };
    if !under(tax, &["ApplicableHeaderTradeSettlement"]) {
        return;
    }
    let Some(f) = FAMILIES.iter().find(|f| f.code == code.text()) else {
        return;
    };
    let anchored = match f.anchor {
        Anchor::Code => true,
        Anchor::VatCode => {
            (reading == Reading::FacturX || is_vat(tax))
                && ancestor(tax, 2)
                    .is_some_and(|t| t.is(Namespace::RSM, "SupplyChainTradeTransaction"))
        }
        Anchor::Tax => false,
    };
    if !anchored {
        return;
    }
    breakdown(f, code, tax, facts, reading, sink);
    if f.code == "K" {
        intra_community(doc, code, tax, sink);
    }
}

/// Rules -02 … -04 (`index` 1 … 3) on one line or allowance/charge tax.
fn parties(f: &Family, index: usize, at: Node<'_>, facts: &Facts, what: &str, sink: &mut Sink<'_>) {
    sink.check_with(f.rules[index], parties_hold(f.parties, facts), at, || {
        format!(
            "a {what} has VAT category '{}' ({}) but the invoice {}",
            f.code,
            f.name,
            parties_message(f.parties)
        )
    });
}

/// Rules -05 … -07 (`index` 4 … 6) on the rate of one tax element.
fn rate(f: &Family, index: usize, tax: Node<'_>, what: &str, sink: &mut Sink<'_>) {
    // An untyped value compared with a number is read as a double; a value that is not
    // a number would stop the official validation, here it fails the rule.
    // Read as an iterator, not collected: every line's tax passes here.
    let rates = || tax.children_named(Namespace::RAM, "RateApplicablePercent");
    let any = |test: fn(f64) -> bool| rates().any(|r| double(r.text()).is_some_and(test));
    let (holds, wanted) = match f.rate {
        RateRule::Positive => (any(|r| r > 0.0), "greater than 0"),
        RateRule::NonNegative => (any(|r| r >= 0.0), "0 or more"),
        RateRule::Zero => (any(|r| r == 0.0), "0"),
        RateRule::Absent => (rates().next().is_none(), "absent"),
    };
    let message = || {
        format!(
            "the VAT rate (ram:RateApplicablePercent) of a {what} with VAT category '{}' ({}) must be {wanted}",
            f.code, f.name
        )
    };
    sink.check_with(f.rules[index], holds, tax, message);
}

/// The decimal values of a tax element's `ram:{local}` children (`None` for one that
/// is not a decimal).
fn values(tax: Node<'_>, local: &str) -> Vec<Option<Decimal>> {
    tax.children_named(Namespace::RAM, local)
        .map(|n| decimal(n.text()))
        .collect()
}

/// Rules -08 … -10 (and BR-O-11 … 14) on one breakdown; `at` is the context node (the
/// category code or the tax itself), `tax` the header `ram:ApplicableTradeTax`.
fn breakdown(
    f: &Family,
    at: Node<'_>,
    tax: Node<'_>,
    facts: &Facts,
    reading: Reading,
    sink: &mut Sink<'_>,
) {
    let x = f.code;
    // r2(Σ lines) + r2(Σ charges) − r2(Σ allowances), each partial sum rounded.
    let expected = |sums: crate::ingest::validate::en16931::breakdown::Sums| {
        let lines = r2(sums.lines[INVOICE_LINE].value()?);
        let charges = r2(sums.charges.value()?);
        let allowances = r2(sums.allowances.value()?);
        lines.checked_add(charges)?.checked_sub(allowances)
    };
    let bases = values(tax, "BasisAmount");
    let basis_equals = |e: Option<Decimal>| e.is_some() && bases.contains(&e);
    let basis_holds = match f.amounts {
        // `every $rate in ../ram:RateApplicablePercent/xs:decimal(.) satisfies …`.
        Amounts::PerRate => values(tax, "RateApplicablePercent")
            .into_iter()
            .all(|rate| rate.is_some_and(|r| basis_equals(expected(facts.sums.rate(x, r))))),
        Amounts::WithinOne => match (
            bases.first().copied().flatten(),
            expected(facts.sums.category(x)),
        ) {
            // Factur-X makes the lower bound inclusive (rules-catalogue-profiles §3.5).
            (Some(b), Some(e)) => match reading {
                Reading::En16931 => b - Decimal::ONE < e && e < b + Decimal::ONE,
                Reading::FacturX => b - Decimal::ONE <= e && e < b + Decimal::ONE,
            },
            _ => false,
        },
        Amounts::Exact => basis_equals(expected(facts.sums.category(x))),
        Amounts::Never => true,
    };
    sink.check_with(f.rules[7], basis_holds, at, || match f.amounts {
        Amounts::WithinOne => format!(
            "the '{x}' taxable amount (BT-116) is not within 1 of r2(Σ '{x}' line net amounts) + r2(Σ '{x}' charges) − r2(Σ '{x}' allowances)"
        ),
        _ => format!(
            "the '{x}' taxable amount (BT-116) differs from r2(Σ line net amounts) + r2(Σ charges) − r2(Σ allowances) of its category and rate"
        ),
    });

    let tax_holds = match f.amounts {
        // |BT-117| − 1 < round(|BT-116| × rate) / 100 < |BT-117| + 1.
        Amounts::PerRate => {
            let calculated = amount(tax.child(Namespace::RAM, "CalculatedAmount"))
                .ok()
                .flatten();
            let basis = amount(tax.child(Namespace::RAM, "BasisAmount"))
                .ok()
                .flatten();
            let rate = amount(tax.child(Namespace::RAM, "RateApplicablePercent"))
                .ok()
                .flatten();
            match (calculated, basis, rate) {
                (Some(c), Some(b), Some(r)) => b.abs().checked_mul(r).is_some_and(|p| {
                    let e = round_half_up(p) / Decimal::ONE_HUNDRED;
                    let c = c.abs();
                    c - Decimal::ONE < e && e < c + Decimal::ONE
                }),
                _ => false,
            }
        }
        Amounts::WithinOne | Amounts::Exact => tax
            .children_named(Namespace::RAM, "CalculatedAmount")
            .any(|c| double(c.text()) == Some(0.0)),
        Amounts::Never => true,
    };
    sink.check_with(f.rules[8], tax_holds, at, || if f.amounts == Amounts::PerRate {
        format!(
            "the '{x}' VAT category tax amount (BT-117) is not within 1 of taxable amount × rate / 100"
        )
    } else {
        format!("the '{x}' VAT category tax amount (BT-117) must be 0")
    });

    let exemption = tax.child(Namespace::RAM, "ExemptionReason").is_some()
        || tax.child(Namespace::RAM, "ExemptionReasonCode").is_some();
    sink.check_with(f.rules[9], exemption == f.exemption_required, at, || {
        if f.exemption_required {
            format!("a '{x}' VAT breakdown needs a VAT exemption reason text or code")
        } else {
            format!("a '{x}' VAT breakdown must not have a VAT exemption reason text or code")
        }
    });

    if x == "O" {
        let others = [
            (
                &BR_O_11,
                facts.other_than_o_applicable,
                "VAT breakdown or line tax",
            ),
            (
                &BR_O_12,
                facts.other_than_o_applicable,
                "VAT breakdown or line tax",
            ),
            (
                &BR_O_13,
                facts.other_than_o_allowance_charge,
                "allowance or charge tax",
            ),
            (
                &BR_O_14,
                facts.other_than_o_allowance_charge,
                "allowance or charge tax",
            ),
        ];
        for (rule, found, what) in others {
            let message = || {
                format!(
                    "the invoice has a 'not subject to VAT' breakdown, so no {what} may have another VAT category"
                )
            };
            sink.check_with(rule, !found, at, message);
        }
    }
}

/// BR-IC-11 and BR-IC-12 on an intra-community breakdown's category code.
fn intra_community(doc: &Doc<'_>, code: Node<'_>, tax: Node<'_>, sink: &mut Sink<'_>) {
    let delivery = |path: &[(Namespace, &str)]| doc.delivery.and_then(|d| d.first(path)).is_some();
    let delivered = delivery(&[
        (Namespace::RAM, "ActualDeliverySupplyChainEvent"),
        (Namespace::RAM, "OccurrenceDateTime"),
        (Namespace::UDT, "DateTimeString"),
    ]);
    // `../../ram:BillingSpecifiedPeriod`: the period of the settlement holding the tax.
    let period = tax.parent().is_some_and(|settlement| {
        settlement
            .children_named(Namespace::RAM, "BillingSpecifiedPeriod")
            .any(|p| {
                p.child(Namespace::RAM, "StartDateTime").is_some()
                    || p.child(Namespace::RAM, "EndDateTime").is_some()
            })
    });
    sink.check(
        &BR_IC_11,
        delivered || period,
        code,
        "an intra-community supply needs an actual delivery date or an invoicing period start or end date",
    );
    let country = delivery(&[
        (Namespace::RAM, "ShipToTradeParty"),
        (Namespace::RAM, "PostalTradeAddress"),
        (Namespace::RAM, "CountryID"),
    ]);
    sink.check(
        &BR_IC_12,
        country,
        code,
        "an intra-community supply needs the deliver-to country code",
    );
}
