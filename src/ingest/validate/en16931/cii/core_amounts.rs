//! Core rules about allowances, charges and the VAT breakdown (CII): document-level
//! allowances and charges (BR-31…33, BR-36…38), line allowances and charges
//! (BR-41…44), VAT breakdown content (BR-45…48). The allowance and charge rules take
//! `ram:ChargeIndicator` as context and look at its siblings (`../ram:ActualAmount`).

use super::{Doc, charge_indicator, is_header_breakdown, is_vat};
use crate::ingest::validate::en16931::{AllowanceCharge, rules};
use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

rules! {
    BR_31 = "BR-31", Fatal, ["BT-92"], "Each document level allowance shall have a document level allowance amount";
    BR_32 = "BR-32", Fatal, ["BT-95"], "Each document level allowance shall have a document level allowance VAT category code";
    BR_33 = "BR-33", Fatal, ["BT-97", "BT-98"], "Each document level allowance shall have a reason or a reason code";
    BR_36 = "BR-36", Fatal, ["BT-99"], "Each document level charge shall have a document level charge amount";
    BR_37 = "BR-37", Fatal, ["BT-102"], "Each document level charge shall have a document level charge VAT category code";
    BR_38 = "BR-38", Fatal, ["BT-104", "BT-105"], "Each document level charge shall have a reason or a reason code";
    BR_41 = "BR-41", Fatal, ["BT-136"], "Each invoice line allowance shall have an invoice line allowance amount";
    BR_42 = "BR-42", Fatal, ["BT-139", "BT-140"], "Each invoice line allowance shall have a reason or a reason code";
    BR_43 = "BR-43", Fatal, ["BT-141"], "Each invoice line charge shall have an invoice line charge amount";
    BR_44 = "BR-44", Fatal, ["BT-144", "BT-145"], "Each invoice line charge shall have a reason or a reason code";
    BR_45 = "BR-45", Fatal, ["BT-116"], "Each VAT breakdown shall have a VAT category taxable amount";
    BR_46 = "BR-46", Fatal, ["BT-117"], "Each VAT breakdown shall have a VAT category tax amount";
    BR_47 = "BR-47", Fatal, ["BT-118"], "Each VAT breakdown shall be defined through a VAT category code";
    BR_48 = "BR-48", Fatal, ["BT-119"], "Each VAT breakdown shall have a VAT category rate, except if the invoice is not subject to VAT";
}

/// The rules one allowance/charge context checks, and how its messages name it.
struct Checks {
    amount: &'static Rule,
    category: Option<&'static Rule>,
    reason: &'static Rule,
    what: &'static str,
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    for node in doc.elements() {
        if let Some(context) = charge_indicator(node) {
            let checks = match context {
                AllowanceCharge::DocumentAllowance => Checks {
                    amount: &BR_31,
                    category: Some(&BR_32),
                    reason: &BR_33,
                    what: "document level allowance",
                },
                AllowanceCharge::DocumentCharge => Checks {
                    amount: &BR_36,
                    category: Some(&BR_37),
                    reason: &BR_38,
                    what: "document level charge",
                },
                AllowanceCharge::LineAllowance => Checks {
                    amount: &BR_41,
                    category: None,
                    reason: &BR_42,
                    what: "invoice line allowance",
                },
                AllowanceCharge::LineCharge => Checks {
                    amount: &BR_43,
                    category: None,
                    reason: &BR_44,
                    what: "invoice line charge",
                },
            };
            allowance_or_charge(node, &checks, sink);
        } else if is_header_breakdown(node) {
            breakdown(node, sink);
        }
    }
}

/// Presence only, on the siblings of the indicator.
fn allowance_or_charge(indicator: Node<'_>, checks: &Checks, sink: &mut Sink<'_>) {
    let Some(parent) = indicator.parent() else {
        return;
    };
    let what = checks.what;
    let has = |local: &str| parent.child(Namespace::RAM, local).is_some();
    sink.check_with(checks.amount, has("ActualAmount"), parent, || {
        format!("the {what} has no amount (ram:ActualAmount)")
    });
    if let Some(rule) = checks.category {
        let category = parent
            .children_named(Namespace::RAM, "CategoryTradeTax")
            .filter(|t| is_vat(*t))
            .any(|t| t.child(Namespace::RAM, "CategoryCode").is_some());
        let message = || {
            format!(
                "the {what} has no VAT category code (CategoryTradeTax/ram:CategoryCode with type code VAT)"
            )
        };
        sink.check_with(rule, category, parent, message);
    }
    sink.check_with(
        checks.reason,
        has("Reason") || has("ReasonCode"),
        parent,
        || {
            format!(
                "the {what} has neither a reason (ram:Reason) nor a reason code (ram:ReasonCode)"
            )
        },
    );
}

/// BR-45…48 on each header `ram:ApplicableTradeTax` the L/M/O rules do not take.
fn breakdown(tax: Node<'_>, sink: &mut Sink<'_>) {
    let has = |local: &str| tax.child(Namespace::RAM, local).is_some();
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
    let vat = is_vat(tax);
    sink.check(
        &BR_47,
        vat && has("CategoryCode"),
        tax,
        "the VAT breakdown has no VAT category code (ram:CategoryCode with ram:TypeCode VAT)",
    );
    let not_subject = tax
        .children_named(Namespace::RAM, "CategoryCode")
        .any(|c| c.text() == "O");
    sink.check(
        &BR_48,
        vat && (has("RateApplicablePercent") || not_subject),
        tax,
        "the VAT breakdown has no VAT rate (ram:RateApplicablePercent) and its category is not O (not subject to VAT)",
    );
}
