//! Syntax-binding rules UBL-SR-*, UBL-DT-*, UBL-CR-* (UBL).
//!
//! The rules that are only a path and a cardinality (most UBL-CR and UBL-SR) are data
//! in `syntax_table.rs`, run by [`Table`]; this file holds the others (predicates,
//! value comparisons, attributes anywhere, decimals) and evaluates both in one walk.

use std::sync::OnceLock;

use super::Doc;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::en16931::table::Table;
use crate::ingest::validate::xpath::{boolean, decimals_written};
use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

rules! {
    UBL_SR_04 = "UBL-SR-04", Fatal, ["BT-18"], "At most one invoiced object identifier (additional document reference with type code 130)";
    UBL_SR_12 = "UBL-SR-12", Fatal, ["BT-31"], "The seller VAT identifier shall occur at most once";
    UBL_SR_13 = "UBL-SR-13", Fatal, ["BT-32"], "The seller tax registration identifier shall occur at most once";
    UBL_SR_18 = "UBL-SR-18", Fatal, ["BT-48"], "The buyer VAT identifier shall occur at most once";
    UBL_SR_19 = "UBL-SR-19", Fatal, ["BT-59"], "The payee name shall occur at most once, and the payee shall differ from the seller";
    UBL_SR_20 = "UBL-SR-20", Fatal, ["BT-60"], "The payee identifier shall occur at most once, and the payee shall differ from the seller";
    UBL_SR_21 = "UBL-SR-21", Fatal, ["BT-61"], "The payee legal registration identifier shall occur at most once, and the payee shall differ from the seller";
    UBL_SR_29 = "UBL-SR-29", Fatal, ["BT-90"], "The bank assigned creditor identifier (SEPA) shall occur at most once";
    UBL_SR_30 = "UBL-SR-30", Fatal, ["BT-97"], "An allowance reason shall occur at most once per allowance";
    UBL_SR_31 = "UBL-SR-31", Fatal, ["BT-104"], "A charge reason shall occur at most once per charge";
    UBL_SR_42 = "UBL-SR-42", Fatal, ["BG-4"], "The seller party tax scheme shall occur at most twice";
    UBL_SR_43 = "UBL-SR-43", Fatal, ["BT-18", "BT-122"], "A scheme identifier is only allowed on an invoiced object identifier (type code 130, or 50 in a credit note)";
    UBL_SR_44 = "UBL-SR-44", Fatal, ["BT-83"], "All payment identifiers shall be equal";
    UBL_SR_47 = "UBL-SR-47", Fatal, ["BT-81"], "All payment means type codes shall be equal";
    UBL_SR_53 = "UBL-SR-53", Fatal, ["BT-31", "BT-32", "BT-48", "BT-63"], "A party tax scheme shall have a tax scheme identifier and a company identifier";
    UBL_DT_01 = "UBL-DT-01", Fatal, [], "Amounts other than prices shall have at most two decimals";
    UBL_DT_06 = "UBL-DT-06", Fatal, ["BT-125"], "A binary object shall have a MIME code";
    UBL_DT_07 = "UBL-DT-07", Fatal, ["BT-125"], "A binary object shall have a file name";
    UBL_DT_08 = "UBL-DT-08", Warning, [], "The schemeName attribute should not be used";
    UBL_DT_09 = "UBL-DT-09", Warning, [], "The schemeAgencyName attribute should not be used";
    UBL_DT_10 = "UBL-DT-10", Warning, [], "The schemeDataURI attribute should not be used";
    UBL_DT_11 = "UBL-DT-11", Warning, [], "The schemeURI attribute should not be used";
    UBL_DT_12 = "UBL-DT-12", Warning, [], "The format attribute should not be used";
    UBL_DT_13 = "UBL-DT-13", Warning, [], "The unitCodeListIdentifier attribute should not be used";
    UBL_DT_14 = "UBL-DT-14", Warning, [], "The unitCodeListAgencyIdentifier attribute should not be used";
    UBL_DT_15 = "UBL-DT-15", Warning, [], "The unitCodeListAgencyName attribute should not be used";
    UBL_DT_16 = "UBL-DT-16", Warning, [], "The listAgencyName attribute should not be used";
    UBL_DT_17 = "UBL-DT-17", Warning, [], "The listName attribute should not be used";
    UBL_DT_18 = "UBL-DT-18", Warning, [], "The name attribute should only be used on the payment means code";
    UBL_DT_19 = "UBL-DT-19", Warning, [], "The languageID attribute should not be used";
    UBL_DT_20 = "UBL-DT-20", Warning, [], "The listURI attribute should not be used";
    UBL_DT_21 = "UBL-DT-21", Warning, [], "The listSchemeURI attribute should not be used";
    UBL_DT_22 = "UBL-DT-22", Warning, [], "The languageLocaleID attribute should not be used";
    UBL_DT_23 = "UBL-DT-23", Warning, [], "The uri attribute should not be used";
    UBL_DT_24 = "UBL-DT-24", Warning, [], "The currencyCodeListVersionID attribute should not be used";
    UBL_DT_25 = "UBL-DT-25", Warning, [], "The characterSetCode attribute should not be used";
    UBL_DT_26 = "UBL-DT-26", Warning, [], "The encodingCode attribute should not be used";
    UBL_DT_27 = "UBL-DT-27", Warning, [], "The schemeAgencyID attribute should not be used";
    UBL_DT_28 = "UBL-DT-28", Warning, [], "The listAgencyID attribute should not be used";
    UBL_CR_002 = "UBL-CR-002", Warning, [], "The UBL version identifier, when present, should be 2.1";
    UBL_CR_412 = "UBL-CR-412", Warning, ["BT-9"], "An invoice should not give a payment due date in the payment means (only a credit note may)";
    UBL_CR_663 = "UBL-CR-663", Warning, [], "The unitCodeListID attribute should not be used";
    UBL_CR_665 = "UBL-CR-665", Warning, ["BT-122"], "A scheme identifier should not be used on a supporting document reference that is not an invoiced object";
    UBL_CR_666 = "UBL-CR-666", Fatal, ["BT-18"], "An invoiced object reference (type code 130) shall not have an attachment";
    UBL_CR_673 = "UBL-CR-673", Fatal, ["BT-18"], "An invoiced object reference (type code 130) shall not have a document description";
}

/// Attributes that must not appear anywhere (`not(//@name)`), with their rule.
static ATTRIBUTES_ANYWHERE: &[(&str, &Rule)] = &[
    ("schemeName", &UBL_DT_08),
    ("schemeAgencyName", &UBL_DT_09),
    ("schemeDataURI", &UBL_DT_10),
    ("schemeURI", &UBL_DT_11),
    ("format", &UBL_DT_12),
    ("unitCodeListIdentifier", &UBL_DT_13),
    ("unitCodeListAgencyIdentifier", &UBL_DT_14),
    ("unitCodeListAgencyName", &UBL_DT_15),
    ("listAgencyName", &UBL_DT_16),
    ("listName", &UBL_DT_17),
    ("languageID", &UBL_DT_19),
    ("listURI", &UBL_DT_20),
    ("listSchemeURI", &UBL_DT_21),
    ("languageLocaleID", &UBL_DT_22),
    ("uri", &UBL_DT_23),
    ("currencyCodeListVersionID", &UBL_DT_24),
    ("characterSetCode", &UBL_DT_25),
    ("encodingCode", &UBL_DT_26),
    ("schemeAgencyID", &UBL_DT_27),
    ("listAgencyID", &UBL_DT_28),
    ("unitCodeListID", &UBL_CR_663),
];

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

/// The index in [`ATTRIBUTES_ANYWHERE`] of an attribute name. A `match` compiles to a
/// length switch, where a scan of the list would compare every attribute 21 times.
fn attribute_anywhere(local: &str) -> Option<usize> {
    Some(match local {
        "schemeName" => 0,
        "schemeAgencyName" => 1,
        "schemeDataURI" => 2,
        "schemeURI" => 3,
        "format" => 4,
        "unitCodeListIdentifier" => 5,
        "unitCodeListAgencyIdentifier" => 6,
        "unitCodeListAgencyName" => 7,
        "listAgencyName" => 8,
        "listName" => 9,
        "languageID" => 10,
        "listURI" => 11,
        "listSchemeURI" => 12,
        "languageLocaleID" => 13,
        "uri" => 14,
        "currencyCodeListVersionID" => 15,
        "characterSetCode" => 16,
        "encodingCode" => 17,
        "schemeAgencyID" => 18,
        "listAgencyID" => 19,
        "unitCodeListID" => 20,
        _ => return None,
    })
}

/// The compiled `syntax_table.rs`, built on first use.
fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table::compile(super::syntax_table::TABLE))
}

fn cac(node: Node<'_>, local: &str) -> bool {
    node.is(Namespace::CAC, local)
}

fn cbc(node: Node<'_>, local: &str) -> bool {
    node.is(Namespace::CBC, local)
}

/// XPath `cbc:DocumentTypeCode = code` (existential, exact string).
fn type_code_is(reference: Node<'_>, code: &str) -> bool {
    reference
        .children_named(Namespace::CBC, "DocumentTypeCode")
        .any(|c| c.text() == code)
}

/// What the document-wide hand-written rules gather during the walk.
#[derive(Default)]
struct Gathered<'d> {
    /// Attributes of [`ATTRIBUTES_ANYWHERE`] seen, by index.
    attributes: Vec<bool>,
    /// A `@name` on anything other than `cbc:PaymentMeansCode` (UBL-DT-18).
    stray_name: bool,
    sepa_ids: usize,
    payment_ids: Vec<&'d str>,
    payment_means_codes: Vec<&'d str>,
    cr_665: bool,
    cr_666: bool,
    cr_673: bool,
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    let mut run = table().start();
    let mut gathered = Gathered {
        attributes: vec![false; ATTRIBUTES_ANYWHERE.len()],
        ..Gathered::default()
    };
    for node in doc.elements() {
        run.visit(node);
        element(doc, node, &mut gathered, sink);
    }
    run.finish(doc.root, sink);
    document(doc, &gathered, sink);
}

/// The hand-written rules whose context is the element itself, and the gathering for
/// the document-wide ones.
fn element<'d>(doc: &Doc<'d>, node: Node<'d>, gathered: &mut Gathered<'d>, sink: &mut Sink<'_>) {
    attributes(node, gathered);
    let local = node.local_name();
    if local.ends_with("Amount") {
        ubl_dt_01(node, sink);
    }
    if local.ends_with("BinaryObject") {
        sink.check(
            &UBL_DT_06,
            node.attr("mimeCode").is_some(),
            node,
            "the binary object has no mimeCode attribute",
        );
        sink.check(
            &UBL_DT_07,
            node.attr("filename").is_some(),
            node,
            "the binary object has no filename attribute",
        );
    }
    match node.namespace() {
        Namespace::CAC => match local {
            "PayeeParty" => payee(node, sink),
            "AllowanceCharge" => allowance_charge(node, sink),
            "Party"
                if node
                    .parent()
                    .is_some_and(|p| cac(p, "AccountingSupplierParty")) =>
            {
                let schemes = node
                    .children_named(Namespace::CAC, "PartyTaxScheme")
                    .count();
                check_lazy(sink, &UBL_SR_42, schemes <= 2, node, || {
                    format!("the seller has {schemes} party tax schemes, at most two allowed")
                });
            }
            "AdditionalDocumentReference" => additional_reference(doc, node, gathered, sink),
            "PartyTaxScheme" => {
                let scheme_id = node
                    .children_named(Namespace::CAC, "TaxScheme")
                    .any(|s| s.child(Namespace::CBC, "ID").is_some());
                let company_id = node.child(Namespace::CBC, "CompanyID").is_some();
                sink.check(
                    &UBL_SR_53,
                    scheme_id && company_id,
                    node,
                    "the party tax scheme lacks cac:TaxScheme/cbc:ID or cbc:CompanyID",
                );
            }
            _ => {}
        },
        Namespace::CBC => match local {
            "PaymentID" => gathered.payment_ids.push(node.text()),
            "PaymentMeansCode" => gathered.payment_means_codes.push(node.text()),
            "ID" if node.parent().is_some_and(|p| cac(p, "PartyIdentification"))
                && node
                    .attr("schemeID")
                    .is_some_and(|s| s.to_uppercase() == "SEPA") =>
            {
                gathered.sepa_ids += 1;
            }
            _ => {}
        },
        _ => {}
    }
}

fn attributes(node: Node<'_>, gathered: &mut Gathered<'_>) {
    for (name, _) in node.attributes() {
        if name.ns != Namespace::NONE {
            continue;
        }
        if &*name.local == "name" && !cbc(node, "PaymentMeansCode") {
            gathered.stray_name = true;
        }
        if let Some(i) = attribute_anywhere(&name.local) {
            gathered.attributes[i] = true;
        }
    }
}

/// UBL-DT-01: at most two characters after the first '.', on every `*Amount` except
/// prices and amounts under a price that has an allowance. The official exception is
/// `not(ancestor::cac:Price/cac:AllowanceCharge)`: any ancestor price having an
/// allowance child, whether or not the amount is inside that allowance.
fn ubl_dt_01(node: Node<'_>, sink: &mut Sink<'_>) {
    if node.local_name().ends_with("PriceAmount") {
        return;
    }
    let mut ancestor = node.parent();
    while let Some(a) = ancestor {
        if cac(a, "Price") && a.child(Namespace::CAC, "AllowanceCharge").is_some() {
            return;
        }
        ancestor = a.parent();
    }
    let decimals = if node.children().next().is_none() {
        decimals_written(node.text())
    } else {
        decimals_written(&node.string_value())
    };
    check_lazy(sink, &UBL_DT_01, decimals <= 2, node, || {
        format!("the amount is written with {decimals} decimals, at most 2 allowed")
    });
}

/// UBL-SR-19, -20, -21. Each also requires `PartyName/Name != seller
/// RegistrationName` as a general comparison: true only if some payee name differs
/// from some seller name, so a payee without a name fails all three.
fn payee(node: Node<'_>, sink: &mut Sink<'_>) {
    let names: Vec<&str> = node
        .all(&[(Namespace::CAC, "PartyName"), (Namespace::CBC, "Name")])
        .into_iter()
        .map(|n| n.text())
        .collect();
    let seller_names: Vec<&str> = node
        .parent()
        .map(|p| {
            p.all(&[
                (Namespace::CAC, "AccountingSupplierParty"),
                (Namespace::CAC, "Party"),
                (Namespace::CAC, "PartyLegalEntity"),
                (Namespace::CBC, "RegistrationName"),
            ])
        })
        .unwrap_or_default()
        .into_iter()
        .map(|n| n.text())
        .collect();
    let differs = names.iter().any(|a| seller_names.iter().any(|b| a != b));
    let same = "the payee has no name or the same name as the seller";
    let ids = node
        .all(&[
            (Namespace::CAC, "PartyIdentification"),
            (Namespace::CBC, "ID"),
        ])
        .into_iter()
        .filter(|id| id.attr("schemeID").unwrap_or("").to_uppercase() != "SEPA")
        .count();
    let legal_ids = node
        .all(&[
            (Namespace::CAC, "PartyLegalEntity"),
            (Namespace::CBC, "CompanyID"),
        ])
        .len();
    for (rule, count, what) in [
        (&UBL_SR_19, names.len(), "payee names"),
        (&UBL_SR_20, ids, "payee identifiers"),
        (
            &UBL_SR_21,
            legal_ids,
            "payee legal registration identifiers",
        ),
    ] {
        if count > 1 {
            sink.fail(rule, node, format!("{count} {what}, at most one allowed"));
        } else if !differs {
            sink.fail(rule, node, same);
        }
    }
}

/// UBL-SR-30 / -31. The allowance rule comes first in the official pattern, so an
/// allowance charge with both a false and a true indicator is only an allowance.
fn allowance_charge(node: Node<'_>, sink: &mut Sink<'_>) {
    let indicators: Vec<Option<bool>> = node
        .children_named(Namespace::CBC, "ChargeIndicator")
        .map(|i| boolean(i.text()))
        .collect();
    let rule = if indicators.contains(&Some(false)) {
        &UBL_SR_30
    } else if indicators.contains(&Some(true)) {
        &UBL_SR_31
    } else {
        return;
    };
    let reasons = node
        .children_named(Namespace::CBC, "AllowanceChargeReason")
        .count();
    check_lazy(sink, rule, reasons <= 1, node, || {
        format!("{reasons} reasons, at most one allowed")
    });
}

/// UBL-SR-43 on every additional document reference, and the gathering for the
/// root-level UBL-CR-665, -666 and -673 (`//cac:AdditionalDocumentReference[...]`).
fn additional_reference<'d>(
    doc: &Doc<'d>,
    node: Node<'d>,
    gathered: &mut Gathered<'d>,
    sink: &mut Sink<'_>,
) {
    let codes: Vec<&str> = node
        .children_named(Namespace::CBC, "DocumentTypeCode")
        .map(|c| c.text())
        .collect();
    let scheme = node
        .children_named(Namespace::CBC, "ID")
        .any(|id| id.attr("schemeID").is_some());
    let credit_note = doc.root.local_name() == "CreditNote";
    let holds = codes.contains(&"130")
        || (credit_note && codes.contains(&"50"))
        || (!scheme && codes.is_empty());
    sink.check(
        &UBL_SR_43,
        holds,
        node,
        "a document type code or scheme identifier is only allowed on an invoiced object identifier",
    );
    let invoiced_object = type_code_is(node, "130");
    if (codes.iter().any(|c| *c != "130") || codes.is_empty()) && scheme {
        gathered.cr_665 = true;
    }
    if invoiced_object {
        gathered.cr_666 |= node.child(Namespace::CAC, "Attachment").is_some();
        gathered.cr_673 |= node.child(Namespace::CBC, "DocumentDescription").is_some();
    }
}

/// The rules anchored at the root.
fn document(doc: &Doc<'_>, gathered: &Gathered<'_>, sink: &mut Sink<'_>) {
    let root = doc.root;
    for (i, (name, rule)) in ATTRIBUTES_ANYWHERE.iter().enumerate() {
        if gathered.attributes[i] {
            sink.fail(rule, root, format!("a {name} attribute is present"));
        }
    }
    sink.check(
        &UBL_DT_18,
        !gathered.stray_name,
        root,
        "a name attribute is present outside cbc:PaymentMeansCode",
    );
    check_lazy(sink, &UBL_SR_29, gathered.sepa_ids <= 1, root, || {
        format!(
            "{} bank assigned creditor identifiers (SEPA), at most one allowed",
            gathered.sepa_ids
        )
    });
    for (rule, values, what) in [
        (&UBL_SR_44, &gathered.payment_ids, "payment identifiers"),
        (
            &UBL_SR_47,
            &gathered.payment_means_codes,
            "payment means codes",
        ),
    ] {
        check_lazy(
            sink,
            rule,
            values.iter().all(|v| Some(v) == values.first()),
            root,
            || format!("the {what} differ"),
        );
    }
    sink.check(
        &UBL_CR_665,
        !gathered.cr_665,
        root,
        "a supporting document identifier that is not an invoiced object has a schemeID",
    );
    sink.check(
        &UBL_CR_666,
        !gathered.cr_666,
        root,
        "an invoiced object reference (type code 130) has an attachment",
    );
    sink.check(
        &UBL_CR_673,
        !gathered.cr_673,
        root,
        "an invoiced object reference (type code 130) has a document description",
    );
    root_children(doc, sink);
}

/// Rules on the root's own children: references, party tax schemes, version, due date.
fn root_children(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    let root = doc.root;
    let invoiced_object_ids: usize = root
        .children_named(Namespace::CAC, "AdditionalDocumentReference")
        .filter(|r| type_code_is(*r, "130"))
        .map(|r| r.children_named(Namespace::CBC, "ID").count())
        .sum();
    check_lazy(sink, &UBL_SR_04, invoiced_object_ids <= 1, root, || {
        format!("{invoiced_object_ids} invoiced object identifiers, at most one allowed")
    });
    let supplier = "AccountingSupplierParty";
    let customer = "AccountingCustomerParty";
    for (rule, party, vat, what) in [
        (&UBL_SR_12, supplier, true, "seller VAT identifiers"),
        (
            &UBL_SR_13,
            supplier,
            false,
            "seller tax registration identifiers",
        ),
        (&UBL_SR_18, customer, true, "buyer VAT identifiers"),
    ] {
        let count = company_ids(root, party, vat);
        check_lazy(sink, rule, count <= 1, root, || {
            format!("{count} {what}, at most one allowed")
        });
    }
    let version_ok = root
        .children_named(Namespace::CBC, "UBLVersionID")
        .map(|v| v.text())
        .collect::<Vec<_>>();
    sink.check(
        &UBL_CR_002,
        version_ok.is_empty() || version_ok.contains(&"2.1"),
        root,
        "the UBL version identifier is not 2.1",
    );
    let due_in_means = !root
        .children_named(Namespace::CAC, "PaymentMeans")
        .any(|m| m.child(Namespace::CBC, "PaymentDueDate").is_some());
    sink.check(
        &UBL_CR_412,
        due_in_means || root.local_name() == "CreditNote",
        root,
        "an invoice gives cac:PaymentMeans/cbc:PaymentDueDate",
    );
}

/// `count(party/cac:PartyTaxScheme[cac:TaxScheme/upper-case(cbc:ID) = 'VAT']/cbc:CompanyID)`
/// (or `!= 'VAT'` when `vat` is false; both existential, so a scheme without an
/// identifier counts for neither). No character other than `v`, `a`, `t` upper-cases
/// to `V`, `A` or `T`, so an ASCII case-insensitive comparison is exact.
fn company_ids(root: Node<'_>, party: &str, vat: bool) -> usize {
    root.children_named(Namespace::CAC, party)
        .flat_map(|p| p.children_named(Namespace::CAC, "Party"))
        .flat_map(|p| p.children_named(Namespace::CAC, "PartyTaxScheme"))
        .filter(|scheme| {
            scheme
                .children_named(Namespace::CAC, "TaxScheme")
                .flat_map(|t| t.children_named(Namespace::CBC, "ID"))
                .any(|id| id.text().eq_ignore_ascii_case("VAT") == vat)
        })
        .map(|scheme| scheme.children_named(Namespace::CBC, "CompanyID").count())
        .sum()
}

#[cfg(test)]
#[path = "syntax_tests.rs"]
mod tests;
