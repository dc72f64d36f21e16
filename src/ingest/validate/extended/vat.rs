//! The VAT breakdown rules of EXTENDED-CTC-FR (rules-catalogue-profiles §2.5), shared
//! with Factur-X EXTENDED (§3.6) under other ids: `-01` (a category is used if and only
//! if it has a breakdown), `-08` / `-08ini` / `-08rev` (the taxable amount is the sum
//! of its items within 0.01 per item, with or without matching exemption reasons) and
//! `S-09` (the S VAT amount within 0.01 per item).
//!
//! Multi-vendor invoices have several breakdowns of one category and rate, told apart
//! by the exemption reason text, so `-08rev` matches items on their reasons too and
//! `-08` passes when either reading holds.

use rust_decimal::Decimal;

use super::model::{Arith, Item, Items, Tax, cents, cii_tax, r2_sum, ubl_tax};
use crate::ingest::report::Syntax;
use crate::ingest::validate::en16931::cii::is_vat;
use crate::ingest::validate::en16931::ubl::has_vat_scheme;
use crate::ingest::validate::xpath::{decimal, r2};
use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

pub(crate) use super::vat_rules::{
    CII_FAMILIES, FREXT_S_09, FXEXT_S_09, Family, RULES, UBL_FAMILIES, fx,
};

/// Which rule set's reading of the shared tests applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    /// EXTENDED-CTC-FR UBL: double sums, U-IN lines.
    Ubl,
    /// EXTENDED-CTC-FR CII: decimal sums, C-IN lines, logistics fees.
    Cii,
    /// Factur-X EXTENDED: as CII, but written `for … return`, so a breakdown without
    /// rate (other than O) or without basis fails.
    FacturX,
}

/// One VAT breakdown (BG-23) as the `-08` and `-09` rules read it.
struct Breakdown<'d> {
    /// The context node: UBL `cac:TaxCategory`, CII `ram:ApplicableTradeTax`.
    node: Node<'d>,
    tax: Tax,
    /// BT-116 and BT-117, raw text.
    basis: Option<&'d str>,
    vat: Option<&'d str>,
    /// The node matches the rule context's VAT filter (`-09b` has none).
    vat_scheme: bool,
}

fn breakdowns(root: Node<'_>, syntax: Syntax) -> Vec<Breakdown<'_>> {
    let mut out = Vec::new();
    if syntax == Syntax::Ubl {
        for subtotal in root.all(&[
            (Namespace::CAC, "TaxTotal"),
            (Namespace::CAC, "TaxSubtotal"),
        ]) {
            for node in subtotal.children_named(Namespace::CAC, "TaxCategory") {
                out.push(Breakdown {
                    node,
                    tax: ubl_tax(node),
                    basis: subtotal
                        .child(Namespace::CBC, "TaxableAmount")
                        .map(|n| n.text()),
                    vat: subtotal
                        .child(Namespace::CBC, "TaxAmount")
                        .map(|n| n.text()),
                    vat_scheme: has_vat_scheme(node),
                });
            }
        }
    } else {
        for node in root.document().elements() {
            if node.is(Namespace::RAM, "ApplicableTradeTax")
                && node
                    .parent()
                    .is_some_and(|p| p.is(Namespace::RAM, "ApplicableHeaderTradeSettlement"))
            {
                out.push(Breakdown {
                    node,
                    tax: cii_tax(node),
                    basis: node.child(Namespace::RAM, "BasisAmount").map(|n| n.text()),
                    vat: node
                        .child(Namespace::RAM, "CalculatedAmount")
                        .map(|n| n.text()),
                    vat_scheme: is_vat(node),
                });
            }
        }
    }
    out
}

/// Runs `-01`, `-08`, `-08ini`, `-08rev` of every family and S-09 (`s09`).
pub(crate) fn check(
    root: Node<'_>,
    variant: Variant,
    items: &Items<'_>,
    families: &[Family],
    s09: &'static Rule,
    sink: &mut Sink<'_>,
) {
    let syntax = if variant == Variant::Ubl {
        Syntax::Ubl
    } else {
        Syntax::Cii
    };
    let all = breakdowns(root, syntax);
    for family in families {
        one(root, variant, items, &all, family, sink);
        for b in all
            .iter()
            .filter(|b| b.vat_scheme && b.tax.category == family.code)
        {
            eight(variant, items, b, family, sink);
        }
    }
    for b in all
        .iter()
        .filter(|b| b.tax.category == "S" && (b.vat_scheme || variant == Variant::FacturX))
    {
        nine(variant, items, b, s09, sink);
    }
}

/// `-01`: the category is used by an item if and only if it has a breakdown.
fn one(
    root: Node<'_>,
    variant: Variant,
    items: &Items<'_>,
    all: &[Breakdown<'_>],
    family: &Family,
    sink: &mut Sink<'_>,
) {
    let code = family.code;
    let has_breakdown = all.iter().any(|b| b.tax.category == code);
    let used = if variant == Variant::Ubl {
        // Root allowances/charges and the lines that count, no VAT scheme filter.
        let root_charges = root
            .all(&[
                (Namespace::CAC, "AllowanceCharge"),
                (Namespace::CAC, "TaxCategory"),
            ])
            .into_iter()
            .any(|t| ubl_tax(t).category == code);
        root_charges
            || items
                .lines
                .iter()
                .filter(|l| l.counted)
                .any(|l| l.item.taxes.iter().any(|t| t.category == code))
    } else {
        // The "DETAIL only" filter of the CII rule never applies (§2.5): every line
        // counts, and every `ram:CategoryTradeTax` at any depth.
        items
            .lines
            .iter()
            .any(|l| l.item.taxes.iter().any(|t| t.category == code))
            || root
                .document()
                .elements()
                .any(|n| n.is(Namespace::RAM, "CategoryTradeTax") && cii_tax(n).category == code)
    };
    sink.check(
        family.one,
        used == has_breakdown,
        root,
        if used {
            "an item uses this VAT category but there is no VAT breakdown (BG-23) for it"
        } else {
            "a VAT breakdown (BG-23) has this category but no line, allowance or charge uses it"
        },
    );
}

/// Whether an item tax matches a breakdown: on category and rate (O: category only),
/// and, `with_reasons`, on the exemption reason code and text.
fn matches(tax: &Tax, breakdown: &Tax, with_reasons: bool) -> bool {
    tax.category == breakdown.category
        && (breakdown.category == "O" || (tax.rate.is_some() && tax.rate == breakdown.rate))
        && (!with_reasons
            || (tax.reason_code == breakdown.reason_code && tax.reason == breakdown.reason))
}

/// The amounts of the items with a tax matching `breakdown`.
fn matching<'a, 'd: 'a>(
    list: impl Iterator<Item = &'a Item<'d>>,
    breakdown: &Tax,
    with_reasons: bool,
) -> Vec<&'d str> {
    list.filter(|i| i.taxes.iter().any(|t| matches(t, breakdown, with_reasons)))
        .filter_map(|i| i.amount)
        .collect()
}

/// |basis − L + A − C − G| and its tolerance 0.01 × n for one matching mode; `None`
/// when an amount is not a number.
fn difference(
    variant: Variant,
    items: &Items<'_>,
    breakdown: &Breakdown<'_>,
    basis: Decimal,
    with_reasons: bool,
) -> Option<(Decimal, Decimal)> {
    let arith = if variant == Variant::Ubl {
        Arith::Double
    } else {
        Arith::Decimal
    };
    let tax = &breakdown.tax;
    let lines = matching(
        items.lines.iter().filter(|l| l.counted).map(|l| &l.item),
        tax,
        with_reasons,
    );
    let allowances = matching(items.allowances.iter(), tax, with_reasons);
    let charges = matching(items.charges.iter(), tax, with_reasons);
    let fees = matching(items.fees.iter(), tax, with_reasons);
    let n = lines.len() + allowances.len() + charges.len() + fees.len();
    let l = r2_sum(lines, arith)?;
    let a = r2_sum(allowances, arith)?;
    let c = r2_sum(charges, arith)?;
    let g = r2_sum(fees, arith)?;
    Some(((basis - l + a - c - g).abs(), cents(n)))
}

/// `-08`, `-08ini`, `-08rev` on one breakdown.
fn eight(
    variant: Variant,
    items: &Items<'_>,
    breakdown: &Breakdown<'_>,
    family: &Family,
    sink: &mut Sink<'_>,
) {
    let basis = breakdown.basis.and_then(decimal);
    let unusable = variant == Variant::FacturX
        && (breakdown.tax.rate.is_none() && breakdown.tax.category != "O");
    let holds = |with_reasons| {
        basis.filter(|_| !unusable).is_some_and(|basis| {
            difference(variant, items, breakdown, basis, with_reasons)
                .is_some_and(|(d, tol)| d <= tol)
        })
    };
    let (rev, ini) = (holds(true), holds(false));
    let at = breakdown.node;
    sink.check(
        family.eight,
        rev || ini,
        at,
        "the VAT category taxable amount (BT-116) differs from the sum of its items by more than 0.01 per item",
    );
    sink.check(
        family.ini,
        ini,
        at,
        "the VAT category taxable amount (BT-116) differs from the sum of the items of its category and rate (exemption reasons ignored) by more than 0.01 per item",
    );
    sink.check(
        family.rev,
        rev,
        at,
        "the VAT category taxable amount (BT-116) differs from the sum of the items of its category, rate and exemption reasons by more than 0.01 per item",
    );
}

/// S-09: |BT-117 − r2(basis × rate ÷ 100)| ≤ 0.01 per matching item (UBL: items with
/// reasons; CII and Factur-X: either reading).
fn nine(
    variant: Variant,
    items: &Items<'_>,
    breakdown: &Breakdown<'_>,
    rule: &'static Rule,
    sink: &mut Sink<'_>,
) {
    let count = |with_reasons| {
        let matching = |i: &Item<'_>| {
            i.amount.is_some()
                && i.taxes
                    .iter()
                    .any(|t| matches(t, &breakdown.tax, with_reasons))
        };
        items
            .lines
            .iter()
            .filter(|l| l.counted && matching(&l.item))
            .count()
            + items.allowances.iter().filter(|i| matching(i)).count()
            + items.charges.iter().filter(|i| matching(i)).count()
            + items.fees.iter().filter(|i| matching(i)).count()
    };
    let values = (
        breakdown.vat.and_then(decimal),
        breakdown.basis.and_then(decimal),
        breakdown.tax.rate,
    );
    let holds = match values {
        (Some(vat), Some(basis), Some(rate)) => {
            let d = (vat - r2(basis * rate / Decimal::ONE_HUNDRED)).abs();
            d <= cents(count(true)) || (variant != Variant::Ubl && d <= cents(count(false)))
        }
        _ => false,
    };
    sink.check(
        rule,
        holds,
        breakdown.node,
        "the S VAT amount (BT-117) differs from the taxable amount times the rate by more than 0.01 per item",
    );
}

/// The BASIC WL and EN16931 `BR-FXEXT-Z-08rev` (§3.4): the `-08rev` test on every Z
/// breakdown, over all lines (no sub-line filter; `items` should count them all); a
/// missing rate or basis fails it.
pub(crate) fn z_rev(root: Node<'_>, items: &Items<'_>, rule: &'static Rule, sink: &mut Sink<'_>) {
    for b in breakdowns(root, Syntax::Cii)
        .iter()
        .filter(|b| b.vat_scheme && b.tax.category == "Z")
    {
        let holds = b.tax.rate.is_some()
            && b.basis.and_then(decimal).is_some_and(|basis| {
                difference(Variant::FacturX, items, b, basis, true).is_some_and(|(d, tol)| d <= tol)
            });
        sink.check(
            rule,
            holds,
            b.node,
            "the Z taxable amount (BT-116) differs from the sum of the items of its rate and exemption reasons by more than 0.01 per item",
        );
    }
}
