//! Syntax-binding rules CII-SR-*, CII-DT-* (CII).
//!
//! The rules that are only a path and a cardinality (most of both families) are data
//! in `syntax_table.rs`, run by [`Table`]; this file holds the others (predicates,
//! exceptions, value tests) and evaluates both in one walk.

use std::sync::OnceLock;

use super::Doc;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::en16931::table::Table;
use crate::ingest::validate::xpath::{boolean, normalize_space};
use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node, trim_space};

rules! {
    CII_SR_046 = "CII-SR-046", Fatal, ["BT-157"], "An item standard identifier (GlobalID) shall have a scheme identifier";
    CII_SR_090 = "CII-SR-090", Fatal, ["BT-159"], "An item country of origin shall have exactly one country identifier";
    CII_SR_119 = "CII-SR-119", Warning, ["BT-147"], "Only allowances (with an amount) should be given on the gross price";
    CII_SR_449 = "CII-SR-449", Warning, ["BT-71"], "The deliver to location should have either an ID or a GlobalID, not both";
    CII_SR_450 = "CII-SR-450", Warning, ["BT-46"], "The buyer should have either an ID or a GlobalID, not both";
    CII_SR_451 = "CII-SR-451", Warning, ["BT-60"], "The payee should have either an ID or a GlobalID, not both";
    CII_SR_457 = "CII-SR-457", Warning, ["BT-17"], "At most one additional referenced document with type code 50 (tender or lot reference)";
    CII_SR_458 = "CII-SR-458", Warning, ["BT-18"], "At most one additional referenced document with type code 130 (invoiced object)";
    CII_SR_462 = "CII-SR-462", Fatal, ["BT-8"], "All VAT point date codes (DueDateTypeCode) shall be equal";
    CII_SR_465 = "CII-SR-465", Warning, ["BG-6"], "The seller contact should not have both a person name and a department name";
    CII_SR_466 = "CII-SR-466", Warning, ["BG-9"], "The buyer contact should not have both a person name and a department name";
    CII_SR_467 = "CII-SR-467", Fatal, ["BT-81"], "All payment means type codes shall be equal";
    CII_SR_468 = "CII-SR-468", Fatal, ["BT-82"], "All payment means texts shall be equal";
    CII_SR_470 = "CII-SR-470", Fatal, ["BT-84"], "A credit transfer (payment means 30 or 58) shall have a payment account identifier";
    CII_SR_474 = "CII-SR-474", Warning, ["BT-128"], "At most one invoice line object identifier (line additional referenced document with type code 130)";
    CII_SR_475 = "CII-SR-475", Warning, ["BT-125"], "At most one attached document file name across the supporting documents (type code 916)";
    CII_SR_476 = "CII-SR-476", Warning, ["BT-125"], "At most one attached document across the supporting documents (type code 916)";
    CII_DT_010 = "CII-DT-010", Fatal, ["BT-3"], "No listID on the invoice type code (never evaluated: shadowed by the //ram:TypeCode rule)";
    CII_DT_011 = "CII-DT-011", Fatal, ["BT-3"], "No listAgencyID on the invoice type code (never evaluated: shadowed by the //ram:TypeCode rule)";
    CII_DT_012 = "CII-DT-012", Fatal, ["BT-3"], "No listVersionID on the invoice type code (never evaluated: shadowed by the //ram:TypeCode rule)";
    CII_DT_015 = "CII-DT-015", Fatal, [], "A referenced document shall not have a URIID, except a supporting document (type code 916)";
    CII_DT_018 = "CII-DT-018", Fatal, [], "A referenced document shall not have a type code, except an additional referenced document with type code 50, 130 or 916";
    CII_DT_021 = "CII-DT-021", Fatal, [], "A referenced document shall not have a name, except a supporting document (type code 916)";
    CII_DT_022 = "CII-DT-022", Fatal, [], "A referenced document shall not have an attachment, except a supporting document (type code 916)";
    CII_DT_024 = "CII-DT-024", Fatal, [], "A referenced document shall not have a reference type code, except an invoiced object (type code 130)";
    CII_DT_027 = "CII-DT-027", Fatal, [], "A referenced document shall not have a formatted issue date, except a preceding invoice reference";
    CII_DT_033 = "CII-DT-033", Fatal, [], "A quantity shall not have a unit code unless the invoiced quantities have one";
    CII_DT_037 = "CII-DT-037", Fatal, [], "A tax type code shall be VAT";
    CII_DT_041 = "CII-DT-041", Warning, [], "A tax should not have a basis amount outside the header settlement";
    CII_DT_052 = "CII-DT-052", Warning, [], "An exemption reason code should only be given in an ApplicableTradeTax";
    CII_DT_054 = "CII-DT-054", Warning, [], "A tax point date should only be given in the header settlement";
    CII_DT_058 = "CII-DT-058", Warning, [], "A due date type code should only be given in the header settlement";
    CII_DT_097 = "CII-DT-097", Fatal, [], "A date with format 102 shall be written YYYYMMDD";
    CII_DT_098 = "CII-DT-098", Warning, [], "An exemption reason should only be given in an ApplicableTradeTax";
}

/// `Sink::check` with a message built only when the rule fails: most checks pass,
/// and formatting every message would cost more than the checks.
fn check_lazy(
    sink: &mut Sink<'_>,
    rule: &'static Rule,
    holds: bool,
    at: Node<'_>,
    message: impl FnOnce() -> String,
) {
    if !holds {
        sink.fail(rule, at, message());
    }
}

/// The compiled `syntax_table.rs`, built on first use.
fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table::compile(super::syntax_table::TABLE))
}

fn ram(node: Node<'_>, local: &str) -> bool {
    node.is(Namespace::RAM, local)
}

/// `ram:` children of `node` named `local`.
fn children<'d>(node: Node<'d>, local: &'static str) -> impl Iterator<Item = Node<'d>> {
    node.children_named(Namespace::RAM, local)
}

/// XPath `ram:TypeCode = code` (existential, exact string).
fn type_code_is(node: Node<'_>, code: &str) -> bool {
    children(node, "TypeCode").any(|c| c.text() == code)
}

fn has_ancestor(node: Node<'_>, local: &str) -> bool {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if ram(n, local) {
            return true;
        }
        cur = n.parent();
    }
    false
}

/// What the document-wide hand-written rules gather during the walk.
#[derive(Default)]
struct Gathered<'d> {
    due_date_codes: Vec<&'d str>,
    means_type_codes: Vec<String>,
    means_information: Vec<&'d str>,
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    let mut run = table().start();
    let mut gathered = Gathered::default();
    // CII-DT-033 accepts a unit code anywhere once some line quantity has one.
    let billed_unit = lines(doc).any(|line| {
        children(line, "SpecifiedLineTradeDelivery")
            .flat_map(|d| children(d, "BilledQuantity"))
            .any(|q| q.attr("unitCode").is_some())
    });
    for node in doc.elements() {
        run.visit(node);
        element(node, billed_unit, &mut gathered, sink);
    }
    run.finish(doc.root, sink);
    document(doc, &gathered, sink);
}

/// `$LINE`: the line items of every transaction.
fn lines<'d>(doc: &Doc<'d>) -> impl Iterator<Item = Node<'d>> + 'd {
    transactions(doc).flat_map(|t| children(t, "IncludedSupplyChainTradeLineItem"))
}

fn transactions<'d>(doc: &Doc<'d>) -> impl Iterator<Item = Node<'d>> + 'd {
    doc.root
        .children_named(Namespace::RSM, "SupplyChainTradeTransaction")
}

/// `$AGR`, `$DLV`, `$STL`: the header parts named `local` of every transaction.
fn headers<'d>(doc: &Doc<'d>, local: &'static str) -> impl Iterator<Item = Node<'d>> + 'd {
    transactions(doc).flat_map(move |t| children(t, local))
}

/// The rules whose context matches at any depth, and the gathering for the others.
fn element<'d>(
    node: Node<'d>,
    billed_unit: bool,
    gathered: &mut Gathered<'d>,
    sink: &mut Sink<'_>,
) {
    match node.namespace() {
        Namespace::RAM => {}
        Namespace::UDT => {
            if node.local_name() == "DateTimeString" && node.attr("format") == Some("102") {
                cii_dt_097(node, sink);
            }
            return;
        }
        _ => return,
    }
    let local = node.local_name();
    if local.ends_with("ReferencedDocument") {
        referenced_document(node, sink);
    }
    if local.ends_with("Quantity") && node.attr("unitCode").is_some() {
        sink.check(
            &CII_DT_033,
            billed_unit,
            node,
            "a unit code is given but no invoiced quantity has one",
        );
    }
    if local.ends_with("TradeTax") {
        trade_tax(node, sink);
    }
    match local {
        "DueDateTypeCode" if node.parent().is_some_and(|p| ram(p, "ApplicableTradeTax")) => {
            gathered.due_date_codes.push(node.text());
        }
        "SpecifiedTradeSettlementPaymentMeans" => {
            gathered
                .means_type_codes
                .extend(children(node, "TypeCode").map(|c| normalize_space(c.text())));
            gathered
                .means_information
                .extend(children(node, "Information").map(|i| i.text()));
        }
        _ => {}
    }
}

/// CII-DT-015 … -027 with their exceptions, on `//ram:*ReferencedDocument`.
fn referenced_document(node: Node<'_>, sink: &mut Sink<'_>) {
    let additional = ram(node, "AdditionalReferencedDocument");
    let attachment = additional && type_code_is(node, "916");
    let typed = additional
        && (type_code_is(node, "50") || type_code_is(node, "130") || type_code_is(node, "916"));
    let object = additional && type_code_is(node, "130");
    let invoice = ram(node, "InvoiceReferencedDocument");
    for (rule, child, allowed) in [
        (&CII_DT_015, "URIID", attachment),
        (&CII_DT_018, "TypeCode", typed),
        (&CII_DT_021, "Name", attachment),
        (&CII_DT_022, "AttachmentBinaryObject", attachment),
        (&CII_DT_024, "ReferenceTypeCode", object),
        (&CII_DT_027, "FormattedIssueDateTime", invoice),
    ] {
        if !allowed && children(node, child).next().is_some() {
            sink.fail(
                rule,
                node,
                format!("ram:{child} is not allowed in this referenced document"),
            );
        }
    }
}

/// CII-DT-037, -041, -052, -054, -058, -098 on `//ram:*TradeTax`.
fn trade_tax(node: Node<'_>, sink: &mut Sink<'_>) {
    let codes: Vec<&str> = children(node, "TypeCode").map(|c| c.text()).collect();
    sink.check(
        &CII_DT_037,
        codes.is_empty() || codes.contains(&"VAT"),
        node,
        "the tax type code is not VAT",
    );
    let in_header = has_ancestor(node, "ApplicableHeaderTradeSettlement");
    let applicable = ram(node, "ApplicableTradeTax");
    for (rule, child, allowed) in [
        (&CII_DT_041, "BasisAmount", in_header),
        (&CII_DT_052, "ExemptionReasonCode", applicable),
        (&CII_DT_098, "ExemptionReason", applicable),
        (&CII_DT_054, "TaxPointDate", in_header),
        (&CII_DT_058, "DueDateTypeCode", in_header),
    ] {
        if !allowed && children(node, child).next().is_some() {
            sink.fail(rule, node, format!("ram:{child} should not be used here"));
        }
    }
}

/// CII-DT-097: `^\s*\d{4}(1[0-2]|0[1-9])(3[01]|[12][0-9]|0[1-9])\s*$`, no calendar
/// check. XSD's `\d` also matches non-ASCII decimal digits; only ASCII ones are
/// accepted here, as std has no Unicode `Nd` test (no real date uses others).
fn cii_dt_097(node: Node<'_>, sink: &mut Sink<'_>) {
    let text = node.text();
    let value = trim_space(text);
    let b = value.as_bytes();
    let ok = b.len() == 8
        && b.iter().all(u8::is_ascii_digit)
        && matches!((b[4], b[5]), (b'1', b'0'..=b'2') | (b'0', b'1'..=b'9'))
        && matches!(
            (b[6], b[7]),
            (b'3', b'0'..=b'1') | (b'1'..=b'2', b'0'..=b'9') | (b'0', b'1'..=b'9')
        );
    check_lazy(sink, &CII_DT_097, ok, node, || {
        format!("the date {text:?} with format 102 is not YYYYMMDD")
    });
}

/// Rules anchored at the root, `$LINE`, `$AGR`, `$DLV` or `$STL`.
fn document(doc: &Doc<'_>, gathered: &Gathered<'_>, sink: &mut Sink<'_>) {
    let root = doc.root;
    let first = gathered.means_type_codes.first();
    sink.check(
        &CII_SR_467,
        gathered.means_type_codes.iter().all(|c| Some(c) == first),
        root,
        "the payment means type codes differ",
    );
    let first = gathered.means_information.first();
    sink.check(
        &CII_SR_468,
        gathered.means_information.iter().all(|i| Some(i) == first),
        root,
        "the payment means texts differ",
    );
    for line in lines(doc) {
        line_rules(line, sink);
    }
    for agreement in headers(doc, "ApplicableHeaderTradeAgreement") {
        agreement_rules(agreement, sink);
    }
    for delivery in headers(doc, "ApplicableHeaderTradeDelivery") {
        not_both_ids(&CII_SR_449, delivery, "ShipToTradeParty", sink);
    }
    for settlement in headers(doc, "ApplicableHeaderTradeSettlement") {
        settlement_rules(settlement, gathered, sink);
    }
}

fn line_rules(line: Node<'_>, sink: &mut Sink<'_>) {
    for product in children(line, "SpecifiedTradeProduct") {
        let global = children(product, "GlobalID").collect::<Vec<_>>();
        sink.check(
            &CII_SR_046,
            global.is_empty() || global.iter().any(|g| g.attr("schemeID").is_some()),
            product,
            "the item standard identifier (ram:GlobalID) has no schemeID",
        );
        let countries = children(product, "OriginTradeCountry").collect::<Vec<_>>();
        let ids: usize = countries.iter().map(|c| children(*c, "ID").count()).sum();
        check_lazy(
            sink,
            &CII_SR_090,
            countries.is_empty() || ids == 1,
            product,
            || format!("the country of origin has {ids} ram:ID, exactly one required"),
        );
    }
    for agreement in children(line, "SpecifiedLineTradeAgreement") {
        cii_sr_119(agreement, sink);
    }
    for settlement in children(line, "SpecifiedLineTradeSettlement") {
        let objects = children(settlement, "AdditionalReferencedDocument")
            .filter(|d| children(*d, "TypeCode").any(|c| normalize_space(c.text()) == "130"))
            .count();
        check_lazy(sink, &CII_SR_474, objects <= 1, settlement, || {
            format!("{objects} line object identifiers, at most one allowed")
        });
    }
}

/// CII-SR-119: the gross price may only carry allowances with an amount: either some
/// indicator is false and some amount exists, or there is neither indicator nor amount.
fn cii_sr_119(agreement: Node<'_>, sink: &mut Sink<'_>) {
    let charges: Vec<Node<'_>> = children(agreement, "GrossPriceProductTradePrice")
        .flat_map(|p| children(p, "AppliedTradeAllowanceCharge"))
        .collect();
    let indicators: Vec<Node<'_>> = charges
        .iter()
        .flat_map(|c| children(*c, "ChargeIndicator"))
        .collect();
    let allowance = indicators.iter().any(|i| {
        i.children_named(Namespace::UDT, "Indicator")
            .any(|v| boolean(v.text()) == Some(false))
    });
    let amounts = charges
        .iter()
        .any(|c| children(*c, "ActualAmount").next().is_some());
    sink.check(
        &CII_SR_119,
        (allowance && amounts) || (indicators.is_empty() && !amounts),
        agreement,
        "the gross price carries a charge, or an allowance without an amount",
    );
}

fn agreement_rules(agreement: Node<'_>, sink: &mut Sink<'_>) {
    not_both_ids(&CII_SR_450, agreement, "BuyerTradeParty", sink);
    let documents: Vec<Node<'_>> = children(agreement, "AdditionalReferencedDocument").collect();
    for (rule, code) in [(&CII_SR_457, "50"), (&CII_SR_458, "130")] {
        let count = documents.iter().filter(|d| type_code_is(**d, code)).count();
        check_lazy(sink, rule, count <= 1, agreement, || {
            format!(
                "{count} additional referenced documents with type code {code}, at most one allowed"
            )
        });
    }
    for (rule, child) in [
        (&CII_SR_475, "Name"),
        (&CII_SR_476, "AttachmentBinaryObject"),
    ] {
        let count: usize = documents
            .iter()
            .filter(|d| type_code_is(**d, "916"))
            .map(|d| children(*d, child).count())
            .sum();
        check_lazy(sink, rule, count <= 1, agreement, || {
            format!("{count} ram:{child} in supporting documents, at most one allowed")
        });
    }
    for (rule, party) in [
        (&CII_SR_465, "SellerTradeParty"),
        (&CII_SR_466, "BuyerTradeParty"),
    ] {
        let contacts: Vec<Node<'_>> = children(agreement, party)
            .flat_map(|p| children(p, "DefinedTradeContact"))
            .collect();
        let has = |local: &'static str| {
            contacts
                .iter()
                .any(|c| children(*c, local).next().is_some())
        };
        sink.check(
            rule,
            !(has("PersonName") && has("DepartmentName")),
            agreement,
            "the contact has both a person name and a department name",
        );
    }
}

/// CII-SR-449/450/451: `party/ram:ID` and `party/ram:GlobalID` not both present.
fn not_both_ids(rule: &'static Rule, anchor: Node<'_>, party: &'static str, sink: &mut Sink<'_>) {
    let parties: Vec<Node<'_>> = children(anchor, party).collect();
    let has = |local: &'static str| parties.iter().any(|p| children(*p, local).next().is_some());
    check_lazy(sink, rule, !(has("ID") && has("GlobalID")), anchor, || {
        format!("ram:{party} has both an ID and a GlobalID")
    });
}

fn settlement_rules(settlement: Node<'_>, gathered: &Gathered<'_>, sink: &mut Sink<'_>) {
    not_both_ids(&CII_SR_451, settlement, "PayeeTradeParty", sink);
    let first = gathered.due_date_codes.first();
    sink.check(
        &CII_SR_462,
        gathered.due_date_codes.iter().all(|c| Some(c) == first),
        settlement,
        "the VAT point date codes differ",
    );
    for means in children(settlement, "SpecifiedTradeSettlementPaymentMeans") {
        let transfer = children(means, "TypeCode").any(|c| {
            let code = normalize_space(c.text());
            code == "30" || code == "58"
        });
        let account = children(means, "PayeePartyCreditorFinancialAccount").any(|a| {
            children(a, "IBANID").next().is_some() || children(a, "ProprietaryID").next().is_some()
        });
        if transfer && !account {
            sink.fail(
                &CII_SR_470,
                settlement,
                "a credit transfer has no payee account identifier (IBANID or ProprietaryID)",
            );
            break;
        }
    }
}

#[cfg(test)]
#[path = "syntax_tests.rs"]
mod tests;
