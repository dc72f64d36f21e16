//! Evaluation of the UBL VAT category rules: document-level rules (context `$ROOT`)
//! on the gathered [`Facts`], node-level rules on each matching tax category.

use rust_decimal::Decimal;

use super::super::Doc;
use super::facts::{Facts, code, indicator, is_vat};
use super::{
    Amounts, BR_B_01, BR_B_02, BR_IC_11, BR_IC_12, BR_O_11, BR_O_12, BR_O_13, BR_O_14, FAMILIES,
    Family, Parties, Presence, RateRule, Used, family,
};
use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::breakdown::{CREDIT_NOTE_LINE, INVOICE_LINE};
use crate::ingest::validate::xpath::{amount, decimal, double, r2};
use crate::xml::{Namespace, Node};

/// The rules whose context is the document root.
pub(super) fn document(doc: &Doc<'_>, facts: &Facts, sink: &mut Sink<'_>) {
    let root = doc.root;
    for f in &FAMILIES {
        let x = f.code;
        let holds = match f.presence {
            Presence::AtLeastOne | Presence::AtLeastOneVat => {
                let (used, unused_breakdowns) = if f.presence == Presence::AtLeastOne {
                    (
                        facts.allowance_charge.of(x) + facts.classified.of(x),
                        facts.breakdown.of(x),
                    )
                } else {
                    (
                        facts.allowance_charge_vat.of(x) + facts.classified_vat.of(x),
                        facts.breakdown_vat.of(x),
                    )
                };
                if used > 0 {
                    facts.breakdown.of(x) > 0
                } else {
                    unused_breakdowns == 0
                }
            }
            Presence::ExactlyOne => {
                facts.tax_category_vat.of(x) + facts.classified_vat.of(x) == 0
                    || facts.breakdown_vat.of(x) == 1
            }
        };
        sink.check_with(f.rules[0], holds, root, || match f.presence {
            Presence::ExactlyOne => format!(
                "VAT category '{x}' ({}) is used, so the VAT breakdown needs exactly one '{x}' entry (found {}), and an unused category has none",
                f.name,
                facts.breakdown_vat.of(x)
            ),
            _ => format!(
                "a line, allowance or charge with VAT category '{x}' ({}) needs a '{x}' VAT breakdown, and a '{x}' breakdown needs such a line, allowance or charge",
                f.name
            ),
        });

        let parties_hold = parties_hold(f.parties, facts);
        for (index, what) in ["line", "document allowance", "document charge"]
            .into_iter()
            .enumerate()
        {
            let (requires, excuses) = f.used[index];
            let holds = (used(facts, index, requires, x) > 0 && parties_hold)
                || used(facts, index, excuses, x) == 0;
            sink.check_with(f.rules[index + 1], holds, root, || {
                format!(
                    "a {what} has VAT category '{x}' ({}) but the invoice {}",
                    f.name,
                    parties_message(f.parties)
                )
            });
        }
    }

    // BR-IC-11 / BR-IC-12: an intra-community breakdown needs delivery information.
    if facts.breakdown_vat.of("K") > 0 {
        let delivery_date = root
            .first(&[
                (Namespace::CAC, "Delivery"),
                (Namespace::CBC, "ActualDeliveryDate"),
            ])
            .is_some_and(|d| d.text().chars().count() > 1);
        let period = root
            .children_named(Namespace::CAC, "InvoicePeriod")
            .any(|p| p.children().next().is_some());
        sink.check(
            &BR_IC_11,
            delivery_date || period,
            root,
            "an intra-community supply needs an actual delivery date (cbc:ActualDeliveryDate) or an invoicing period",
        );
        let country = root
            .first(&[
                (Namespace::CAC, "Delivery"),
                (Namespace::CAC, "DeliveryLocation"),
                (Namespace::CAC, "Address"),
                (Namespace::CAC, "Country"),
                (Namespace::CBC, "IdentificationCode"),
            ])
            .is_some_and(|c| c.text().chars().count() > 1);
        sink.check(
            &BR_IC_12,
            country,
            root,
            "an intra-community supply needs the deliver-to country code",
        );
    }

    // BR-O-11 … BR-O-14: 'not subject to VAT' excludes every other category.
    if facts.breakdown_vat.of("O") > 0 {
        let others = [
            (
                &BR_O_11,
                facts.breakdown_vat.other_than("O"),
                "VAT breakdown",
            ),
            (&BR_O_12, facts.classified_vat.other_than("O"), "line"),
            (
                &BR_O_13,
                facts.by_indicator_vat[0].other_than("O"),
                "allowance",
            ),
            (
                &BR_O_14,
                facts.by_indicator_vat[1].other_than("O"),
                "charge",
            ),
        ];
        for (rule, count, what) in others {
            let message = || {
                format!(
                    "the invoice has a 'not subject to VAT' breakdown, so no {what} may have another VAT category (found {count})"
                )
            };
            sink.check_with(rule, count == 0, root, message);
        }
    }

    if facts.split_payment_anywhere {
        sink.check(
            &BR_B_01,
            !facts.foreign_country,
            root,
            "split payment (VAT category 'B') is used but a country code other than IT appears",
        );
    }
    if facts.split_payment_used {
        sink.check(
            &BR_B_02,
            !facts.standard_used,
            root,
            "split payment (VAT category 'B') and standard rate (VAT category 'S') are both used",
        );
    }
}

/// How many lines (`index` 0), allowances (1) or charges (2) use category `x` in the
/// sense of `query`.
fn used(facts: &Facts, index: usize, query: Used, x: &str) -> usize {
    let counts = match (index.checked_sub(1), query) {
        (None, Used::AnyScheme) => &facts.classified,
        (None, Used::VatRawId) => &facts.classified_vat_raw,
        (None, Used::Vat | Used::VatDocumentLevel) => &facts.classified_vat,
        (Some(k), Used::AnyScheme) => &facts.by_indicator[k],
        (Some(k), Used::VatRawId) => &facts.by_indicator_vat_raw[k],
        (Some(k), Used::Vat) => &facts.by_indicator_vat[k],
        (Some(k), Used::VatDocumentLevel) => &facts.root_by_indicator_vat[k],
    };
    counts.of(x)
}

fn parties_hold(parties: Parties, facts: &Facts) -> bool {
    let p = &facts.parties;
    match parties {
        Parties::Seller => p.seller_company || p.tax_rep_vat,
        Parties::SellerAndBuyer => {
            (p.seller_company || p.tax_rep_vat) && (p.buyer_vat || p.buyer_legal)
        }
        Parties::SellerVat => p.seller_vat || p.tax_rep_vat,
        Parties::SellerVatAndBuyerVat => (p.seller_vat || p.tax_rep_vat) && p.buyer_vat,
        Parties::NoVatIds => !p.seller_vat && !p.tax_rep_vat && !p.buyer_vat,
    }
}

fn parties_message(parties: Parties) -> &'static str {
    match parties {
        Parties::Seller => {
            "has neither a seller tax identifier nor a tax representative VAT identifier"
        }
        Parties::SellerAndBuyer => {
            "lacks a seller (or tax representative) identifier or a buyer VAT or legal registration identifier"
        }
        Parties::SellerVat => {
            "has neither a seller VAT identifier nor a tax representative VAT identifier"
        }
        Parties::SellerVatAndBuyerVat => {
            "lacks a seller (or tax representative) VAT identifier or the buyer VAT identifier"
        }
        Parties::NoVatIds => "carries a seller, tax representative or buyer VAT identifier",
    }
}

/// The rules whose context is a line's, allowance's, charge's or breakdown's tax
/// category of one family (`U:UL`, `U:UA`, `U:UC`, `U:UB`).
pub(super) fn nodes(doc: &Doc<'_>, facts: &Facts, sink: &mut Sink<'_>) {
    for node in doc.elements() {
        let line = node.is(Namespace::CAC, "ClassifiedTaxCategory")
            && node.parent().is_some_and(|item| {
                item.is(Namespace::CAC, "Item")
                    && item.parent().is_some_and(|l| {
                        l.is(Namespace::CAC, "InvoiceLine")
                            || l.is(Namespace::CAC, "CreditNoteLine")
                    })
            });
        let category = node.is(Namespace::CAC, "TaxCategory");
        if !(line || category) || !is_vat(node) {
            continue;
        }
        let Some(f) = family(&code(node)) else {
            continue;
        };
        let Some(parent) = node.parent() else {
            continue;
        };
        if line {
            rate(f, 4, node, "line", sink);
        } else if parent.is(Namespace::CAC, "AllowanceCharge") {
            match indicator(parent) {
                Some(false) => rate(f, 5, node, "document allowance", sink),
                Some(true) => rate(f, 6, node, "document charge", sink),
                None => {}
            }
        } else if parent.is(Namespace::CAC, "TaxSubtotal")
            && parent
                .parent()
                .is_some_and(|t| t.is(Namespace::CAC, "TaxTotal") && t.parent() == Some(doc.root))
        {
            breakdown(f, node, parent, doc.line_name, facts, sink);
        }
    }
}

/// Rules -05 … -07 (`index` 4 … 6) on the rate of one tax category.
fn rate(f: &Family, index: usize, category: Node<'_>, what: &str, sink: &mut Sink<'_>) {
    // `cbc:Percent > 0` compares the untyped value as a double; a value that is not a
    // number would stop the official validation, here it fails the rule.
    // Read as an iterator, not collected: every line's category passes here.
    let percents = || category.children_named(Namespace::CBC, "Percent");
    let any = |test: fn(f64) -> bool| percents().any(|p| double(p.text()).is_some_and(test));
    let (holds, wanted) = match f.rate {
        RateRule::Positive => (any(|p| p > 0.0), "greater than 0"),
        RateRule::NonNegative => (any(|p| p >= 0.0), "0 or more"),
        RateRule::Zero => (any(|p| p == 0.0), "0"),
        RateRule::Absent => (percents().next().is_none(), "absent"),
    };
    sink.check_with(f.rules[index], holds, category, || {
        format!(
            "the VAT rate (cbc:Percent) of a {what} with VAT category '{}' ({}) must be {wanted}",
            f.code, f.name
        )
    });
}

/// `a − 1 < b < a + 1`, strictly, both sides required.
fn within_one(a: Option<Decimal>, b: Option<Decimal>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a - Decimal::ONE < b && b < a + Decimal::ONE,
        _ => false,
    }
}

/// Rules -08 … -10 on one breakdown tax category; `subtotal` is its `cac:TaxSubtotal`,
/// `lines` the name of the document's line element (for the messages).
fn breakdown(
    f: &Family,
    category: Node<'_>,
    subtotal: Node<'_>,
    lines: &str,
    facts: &Facts,
    sink: &mut Sink<'_>,
) {
    let x = f.code;
    let taxable = amount(subtotal.child(Namespace::CBC, "TaxableAmount"))
        .ok()
        .flatten();
    let tax = amount(subtotal.child(Namespace::CBC, "TaxAmount"))
        .ok()
        .flatten();
    let percents: Vec<Option<Decimal>> = category
        .children_named(Namespace::CBC, "Percent")
        .map(|p| decimal(p.text()))
        .collect();
    let kinds = [INVOICE_LINE, CREDIT_NOTE_LINE];

    let basis_holds = match f.amounts {
        // `(exists(//cac:InvoiceLine) and …) or (exists(//cac:CreditNoteLine) and …)`.
        Amounts::Exact => {
            let sums = facts.sums.category(x);
            kinds
                .iter()
                .any(|&k| facts.line_kinds[k] && taxable.is_some() && taxable == sums.net(k))
        }
        // `every $rate in xs:decimal(cbc:Percent) satisfies …`: vacuous without a rate.
        Amounts::PerRate | Amounts::PerRateWithLine => percents.iter().all(|rate| {
            let Some(rate) = *rate else { return false };
            let sums = facts.sums.rate(x, rate);
            kinds.iter().any(|&k| {
                let present = if f.amounts == Amounts::PerRateWithLine {
                    sums.line_seen[k] || sums.allowance_charge_seen
                } else {
                    facts.line_kinds[k]
                };
                present && within_one(taxable, sums.net(k))
            })
        }),
    };
    let message = match f.amounts {
        Amounts::Exact => format!(
            "the '{x}' taxable amount (BT-116) differs from Σ '{x}' cac:{lines} net amounts + Σ '{x}' document charges − Σ '{x}' document allowances"
        ),
        _ => format!(
            "the '{x}' taxable amount (BT-116) is not within 1 of Σ cac:{lines} net amounts + Σ document charges − Σ document allowances at its rate"
        ),
    };
    sink.check(f.rules[7], basis_holds, category, &message);

    let (tax_holds, message) = match f.amounts {
        Amounts::Exact => (
            tax == Some(Decimal::ZERO),
            format!("the '{x}' VAT category tax amount (BT-117) must be 0"),
        ),
        _ => {
            let expected = match (taxable, percents.first().copied().flatten()) {
                (Some(taxable), Some(rate)) => taxable
                    .abs()
                    .checked_mul(rate)
                    .map(|p| r2(p / Decimal::ONE_HUNDRED)),
                _ => None,
            };
            (
                within_one(tax.map(|t| t.abs()), expected),
                format!(
                    "the '{x}' VAT category tax amount (BT-117) is not within 1 of taxable amount × rate / 100"
                ),
            )
        }
    };
    sink.check(f.rules[8], tax_holds, category, &message);

    let exemption = category
        .child(Namespace::CBC, "TaxExemptionReason")
        .is_some()
        || category
            .child(Namespace::CBC, "TaxExemptionReasonCode")
            .is_some();
    sink.check_with(
        f.rules[9],
        exemption == f.exemption_required,
        category,
        || {
            if f.exemption_required {
                format!("a '{x}' VAT breakdown needs a VAT exemption reason text or code")
            } else {
                format!("a '{x}' VAT breakdown must not have a VAT exemption reason text or code")
            }
        },
    );
}
