//! Core rules about invoice lines and periods (CII): line content (BR-21…28), header
//! and line billing periods (BR-29, BR-30), item attributes and identifiers (BR-54,
//! BR-64, BR-65).

use super::Doc;
use super::ram;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::xpath::{any_number, nb, nb_node};
use crate::ingest::validate::{Rule, Sink};
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
        if node.namespace() != Namespace::RAM {
            continue;
        }
        match node.local_name() {
            "IncludedSupplyChainTradeLineItem" => line(node, sink),
            "BillingSpecifiedPeriod" => {
                let parent = node.parent();
                let within = |local: &str| parent.is_some_and(|p| p.is(Namespace::RAM, local));
                if within("ApplicableHeaderTradeSettlement") {
                    period(&BR_29, "invoicing period", node, sink);
                } else if within("SpecifiedLineTradeSettlement") {
                    period(&BR_30, "invoice line period", node, sink);
                }
            }
            "ApplicableProductCharacteristic" => {
                let has = |local: &str| node.child(Namespace::RAM, local).is_some();
                sink.check(
                    &BR_54,
                    has("Description") && has("Value"),
                    node,
                    "the item attribute (ram:ApplicableProductCharacteristic) needs both ram:Description and ram:Value",
                );
            }
            "DesignatedProductClassification" => {
                let code = node.child(Namespace::RAM, "ClassCode");
                sink.check(
                    &BR_65,
                    code.is_none_or(|c| c.attr("listID").is_some_and(nb)),
                    node,
                    "the item classification code (ram:ClassCode) has no listID attribute",
                );
            }
            _ => {}
        }
    }
}

fn line(line: Node<'_>, sink: &mut Sink<'_>) {
    sink.check(
        &BR_21,
        nb_node(line.first(&[ram("AssociatedDocumentLineDocument"), ram("LineID")])),
        line,
        "the invoice line identifier (AssociatedDocumentLineDocument/ram:LineID) is missing or blank",
    );
    let quantities = || grandchildren(line, "SpecifiedLineTradeDelivery", "BilledQuantity");
    sink.check(
        &BR_22,
        quantities().next().is_some(),
        line,
        "the invoiced quantity (SpecifiedLineTradeDelivery/ram:BilledQuantity) is missing",
    );
    sink.check(
        &BR_23,
        quantities().any(|q| q.attr("unitCode").is_some()),
        line,
        "the invoiced quantity (ram:BilledQuantity) has no unitCode attribute",
    );
    let net_amount = line.first(&[
        ram("SpecifiedLineTradeSettlement"),
        ram("SpecifiedTradeSettlementLineMonetarySummation"),
        ram("LineTotalAmount"),
    ]);
    sink.check(
        &BR_24,
        net_amount.is_some(),
        line,
        "the invoice line net amount (SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount) is missing",
    );
    sink.check(
        &BR_25,
        nb_node(line.first(&[ram("SpecifiedTradeProduct"), ram("Name")])),
        line,
        "the item name (SpecifiedTradeProduct/ram:Name) is missing or blank",
    );
    let net_price = || {
        grandchildren(
            line,
            "SpecifiedLineTradeAgreement",
            "NetPriceProductTradePrice",
        )
        .flat_map(|p| p.children_named(Namespace::RAM, "ChargeAmount"))
    };
    sink.check(
        &BR_26,
        net_price().next().is_some(),
        line,
        "the item net price (NetPriceProductTradePrice/ram:ChargeAmount) is missing",
    );
    // A missing price makes the comparison false: BR-27 fires together with BR-26.
    sink.check(
        &BR_27,
        any_number(net_price(), |v| v >= 0.0),
        line,
        "the item net price (NetPriceProductTradePrice/ram:ChargeAmount) is negative, missing or not a number",
    );
    let gross_price = || {
        grandchildren(
            line,
            "SpecifiedLineTradeAgreement",
            "GrossPriceProductTradePrice",
        )
        .flat_map(|p| p.children_named(Namespace::RAM, "ChargeAmount"))
    };
    sink.check(
        &BR_28,
        gross_price().next().is_none() || any_number(gross_price(), |v| v >= 0.0),
        line,
        "the item gross price (GrossPriceProductTradePrice/ram:ChargeAmount) is negative or not a number",
    );
    let first_global_id = line.first(&[ram("SpecifiedTradeProduct"), ram("GlobalID")]);
    let scheme = first_global_id.and_then(|g| g.attr("schemeID"));
    sink.check(
        &BR_64,
        first_global_id.is_none() || scheme.is_some_and(nb),
        line,
        "the item standard identifier (SpecifiedTradeProduct/ram:GlobalID) has no schemeID attribute",
    );
}

/// `node/ram:{parent}/ram:{child}` in document order, without collecting: each line
/// reads a few such node-sets, and a vector apiece was a visible share of its cost.
fn grandchildren<'d>(
    node: Node<'d>,
    parent: &'static str,
    child: &'static str,
) -> impl Iterator<Item = Node<'d>> + 'd {
    node.children_named(Namespace::RAM, parent)
        .flat_map(move |p| p.children_named(Namespace::RAM, child))
}

/// BR-29 / BR-30: the end date string is not lower than the start date string. Both
/// sides are untyped, so XPath compares them as strings (`YYYYMMDD` orders
/// lexically); only `udt:DateTimeString` with format 102 takes part, so a pair of
/// dates in another format fails.
fn period(rule: &'static Rule, what: &str, period: Node<'_>, sink: &mut Sink<'_>) {
    let (Some(start), Some(end)) = (
        period.child(Namespace::RAM, "StartDateTime"),
        period.child(Namespace::RAM, "EndDateTime"),
    ) else {
        return;
    };
    let (starts, ends) = (dates_102(start), dates_102(end));
    let holds = ends.iter().any(|e| starts.iter().any(|s| e >= s));
    sink.check_with(rule, holds, period, || {
        format!(
            "the {what} ends ({}) before it starts ({}), or a date is not in format 102",
            ends.first().copied().unwrap_or("?"),
            starts.first().copied().unwrap_or("?"),
        )
    });
}

/// The text of each `udt:DateTimeString` with `format="102"` under `at`.
fn dates_102<'d>(at: Node<'d>) -> Vec<&'d str> {
    at.children_named(Namespace::UDT, "DateTimeString")
        .filter(|s| s.attr("format") == Some("102"))
        .map(|s| s.text())
        .collect()
}
