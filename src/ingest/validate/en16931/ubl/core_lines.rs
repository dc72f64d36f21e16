//! Core rules about invoice lines and periods (UBL): line content (BR-21…28), header
//! and line invoicing periods (BR-29, BR-30), item attributes and identifiers
//! (BR-54, BR-64, BR-65).

use super::{Doc, cac, cbc, is_line, is_line_period};
use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::xpath::{any_number, date, nb_node};
use crate::xml::{Namespace, Node};

rules! {
    BR_21 = "BR-21", Fatal, ["BT-126"], "Each invoice line shall have an invoice line identifier";
    BR_22 = "BR-22", Fatal, ["BT-129"], "Each invoice line shall have an invoiced quantity";
    BR_23 = "BR-23", Fatal, ["BT-130"], "An invoice line shall have an invoiced quantity unit of measure code";
    BR_24 = "BR-24", Fatal, ["BT-131"], "Each invoice line shall have an invoice line net amount";
    BR_25 = "BR-25", Fatal, ["BT-153"], "Each invoice line shall contain the item name";
    BR_26 = "BR-26", Fatal, ["BT-146"], "Each invoice line shall contain the item net price";
    BR_27 = "BR-27", Fatal, ["BT-146"], "The item net price shall not be negative";
    BR_28 = "BR-28", Fatal, ["BT-148"], "The item gross price shall not be negative";
    BR_29 = "BR-29", Fatal, ["BG-14", "BT-73", "BT-74"], "If both invoicing period start and end dates are given, the end date shall not be before the start date";
    BR_30 = "BR-30", Fatal, ["BG-26", "BT-134", "BT-135"], "If both invoice line period start and end dates are given, the end date shall not be before the start date";
    BR_54 = "BR-54", Fatal, ["BG-32", "BT-160", "BT-161"], "Each item attribute shall contain an item attribute name and an item attribute value";
    BR_64 = "BR-64", Fatal, ["BT-157-1"], "The item standard identifier shall have a scheme identifier";
    BR_65 = "BR-65", Fatal, ["BT-158-1"], "The item classification identifier shall have a scheme identifier";
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    for node in doc.elements() {
        if is_line(node) {
            line(node, sink);
        } else if is_line_period(node) {
            period(&BR_30, "invoice line period", node, sink);
        } else if node.is(Namespace::CAC, "InvoicePeriod") {
            period(&BR_29, "invoicing period", node, sink);
        } else if node.is(Namespace::CAC, "AdditionalItemProperty") {
            let has = |local: &str| node.child(Namespace::CBC, local).is_some();
            sink.check(
                &BR_54,
                has("Name") && has("Value"),
                node,
                "the item attribute (cac:AdditionalItemProperty) needs both cbc:Name and cbc:Value",
            );
        } else if node.is(Namespace::CBC, "ID")
            && item_child_of_line(node, "StandardItemIdentification")
        {
            sink.check(
                &BR_64,
                node.attr("schemeID").is_some(),
                node,
                "the item standard identifier (cac:StandardItemIdentification/cbc:ID) has no schemeID attribute",
            );
        } else if node.is(Namespace::CBC, "ItemClassificationCode")
            && item_child_of_line(node, "CommodityClassification")
        {
            sink.check(
                &BR_65,
                node.attr("listID").is_some(),
                node,
                "the item classification code (cbc:ItemClassificationCode) has no listID attribute",
            );
        }
    }
}

/// True for `X/cbc:… ` where X is `cac:{group}` in `cac:Item` of a line
/// (`cac:InvoiceLine/cac:Item/cac:{group}/cbc:…`).
fn item_child_of_line(node: Node<'_>, group: &str) -> bool {
    let Some(parent) = node.parent().filter(|p| p.is(Namespace::CAC, group)) else {
        return false;
    };
    parent
        .parent()
        .filter(|item| item.is(Namespace::CAC, "Item"))
        .and_then(|item| item.parent())
        .is_some_and(is_line)
}

fn line(line: Node<'_>, sink: &mut Sink<'_>) {
    sink.check(
        &BR_21,
        nb_node(line.child(Namespace::CBC, "ID")),
        line,
        "the invoice line identifier (cbc:ID) is missing or blank",
    );
    // The node-sets below are walked as iterators, twice where two rules read them:
    // a line has a handful of children, and collecting each set cost an allocation
    // per line.
    let quantities = || {
        line.children().filter(|c| {
            c.is(Namespace::CBC, "InvoicedQuantity") || c.is(Namespace::CBC, "CreditedQuantity")
        })
    };
    sink.check(
        &BR_22,
        quantities().next().is_some(),
        line,
        "the invoiced quantity (cbc:InvoicedQuantity or cbc:CreditedQuantity) is missing",
    );
    sink.check(
        &BR_23,
        quantities().any(|q| q.attr("unitCode").is_some()),
        line,
        "the invoiced quantity has no unitCode attribute",
    );
    sink.check(
        &BR_24,
        line.child(Namespace::CBC, "LineExtensionAmount").is_some(),
        line,
        "the invoice line net amount (cbc:LineExtensionAmount) is missing",
    );
    sink.check(
        &BR_25,
        nb_node(line.first(&[cac("Item"), cbc("Name")])),
        line,
        "the item name (cac:Item/cbc:Name) is missing or blank",
    );
    let prices = || line.children_named(Namespace::CAC, "Price");
    let net_price = || prices().flat_map(|p| p.children_named(Namespace::CBC, "PriceAmount"));
    sink.check(
        &BR_26,
        net_price().next().is_some(),
        line,
        "the item net price (cac:Price/cbc:PriceAmount) is missing",
    );
    // A missing price makes the comparison false: BR-27 fires together with BR-26.
    sink.check(
        &BR_27,
        any_number(net_price(), |v| v >= 0.0),
        line,
        "the item net price (cac:Price/cbc:PriceAmount) is negative, missing or not a number",
    );
    let gross_price = || {
        prices()
            .flat_map(|p| p.children_named(Namespace::CAC, "AllowanceCharge"))
            .flat_map(|a| a.children_named(Namespace::CBC, "BaseAmount"))
    };
    sink.check(
        &BR_28,
        gross_price().next().is_none() || any_number(gross_price(), |v| v >= 0.0),
        line,
        "the item gross price (cac:Price/cac:AllowanceCharge/cbc:BaseAmount) is negative or not a number",
    );
}

/// BR-29 / BR-30: `xs:date(cbc:EndDate) >= xs:date(cbc:StartDate)` when both exist.
fn period(
    rule: &'static crate::ingest::validate::Rule,
    what: &str,
    period: Node<'_>,
    sink: &mut Sink<'_>,
) {
    let (Some(start), Some(end)) = (
        period.child(Namespace::CBC, "StartDate"),
        period.child(Namespace::CBC, "EndDate"),
    ) else {
        return;
    };
    let holds = matches!((date(start.text()), date(end.text())), (Some(s), Some(e)) if e >= s);
    sink.check_with(rule, holds, period, || {
        format!(
            "the {what} ends ({}) before it starts ({}), or a date is not valid",
            end.text().trim(),
            start.text().trim()
        )
    });
}
