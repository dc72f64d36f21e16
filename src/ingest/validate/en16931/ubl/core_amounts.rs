//! Core rules about allowances, charges and the VAT breakdown (UBL): document-level
//! allowances and charges (BR-31…33, BR-36…38), line allowances and charges
//! (BR-41…44), VAT breakdown content (BR-45…48).

use super::{Doc, allowance_charge, has_vat_scheme};
use crate::ingest::validate::en16931::{AllowanceCharge, rules};
use crate::ingest::validate::xpath::normalize_space;
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
        if let Some(context) = allowance_charge(doc, node) {
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
        } else if node.is(Namespace::CAC, "TaxSubtotal")
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::CAC, "TaxTotal"))
        {
            breakdown(node, sink);
        }
    }
}

/// Presence only: an empty `<cbc:Amount/>` or reason satisfies these rules.
fn allowance_or_charge(node: Node<'_>, checks: &Checks, sink: &mut Sink<'_>) {
    let what = checks.what;
    let has = |local: &str| node.child(Namespace::CBC, local).is_some();
    sink.check_with(checks.amount, has("Amount"), node, || {
        format!("the {what} has no amount (cbc:Amount)")
    });
    if let Some(rule) = checks.category {
        let message = || {
            format!(
                "the {what} has no VAT category code (cac:TaxCategory/cbc:ID with tax scheme VAT)"
            )
        };
        sink.check_with(
            rule,
            vat_categories(node).any(|c| c.child(Namespace::CBC, "ID").is_some()),
            node,
            message,
        );
    }
    let message = || {
        format!(
            "the {what} has neither a reason (cbc:AllowanceChargeReason) nor a reason code (cbc:AllowanceChargeReasonCode)"
        )
    };
    sink.check_with(
        checks.reason,
        has("AllowanceChargeReason") || has("AllowanceChargeReasonCode"),
        node,
        message,
    );
}

/// `cac:TaxCategory[VAT]` children of `node`.
fn vat_categories<'d>(node: Node<'d>) -> impl Iterator<Item = Node<'d>> + use<'d> {
    node.children_named(Namespace::CAC, "TaxCategory")
        .filter(|c| has_vat_scheme(*c))
}

/// BR-45…48 on each `cac:TaxTotal/cac:TaxSubtotal`.
fn breakdown(subtotal: Node<'_>, sink: &mut Sink<'_>) {
    let has = |local: &str| subtotal.child(Namespace::CBC, local).is_some();
    sink.check(
        &BR_45,
        has("TaxableAmount"),
        subtotal,
        "the VAT breakdown has no taxable amount (cbc:TaxableAmount)",
    );
    sink.check(
        &BR_46,
        has("TaxAmount"),
        subtotal,
        "the VAT breakdown has no tax amount (cbc:TaxAmount)",
    );
    let ids: Vec<Node<'_>> = vat_categories(subtotal)
        .flat_map(|c| c.children_named(Namespace::CBC, "ID"))
        .collect();
    sink.check(
        &BR_47,
        !ids.is_empty(),
        subtotal,
        "the VAT breakdown has no VAT category code (cac:TaxCategory/cbc:ID with tax scheme VAT)",
    );
    let rate = vat_categories(subtotal).any(|c| c.child(Namespace::CBC, "Percent").is_some());
    let not_subject = ids.iter().any(|id| normalize_space(id.text()) == "O");
    sink.check(
        &BR_48,
        rate || not_subject,
        subtotal,
        "the VAT breakdown has no VAT rate (cac:TaxCategory/cbc:Percent) and its category is not O (not subject to VAT)",
    );
}
