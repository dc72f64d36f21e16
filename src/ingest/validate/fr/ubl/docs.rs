//! Document-level conditions (UBL): BR-FR-08 (cadre), BR-FR-17/18 (attachments),
//! BR-FR-27/28 (item attributes), BR-FR-29/30 (AFL/AVV references) and the
//! conditional rules BR-FR-CO-03, 04, 05, 07, 08, 09, 12.

use super::{Doc, cac, cbc};
use crate::ingest::validate::fr::defs::{ATTACH, CADRES};
use crate::ingest::validate::fr::{
    Abort, Assertion, FrSink, assertions, children_with_attr, single,
};
use crate::ingest::validate::xpath::{double, nb, string_of, string_value};
use crate::xml::{Namespace, Node};

assertions! {
    CADRE = BR_FR_08, "BR-FR-08_BT-23", "BT-23";
    ATTACHMENT_CODE = BR_FR_17, "BR-FR-17_BT-123", "BT-123";
    ONE_READABLE = BR_FR_18, "BR-FR-18_BT-123", "BT-123";
    ATTRIBUTE_NAMED = BR_FR_27, "BR-FR-27_BG-32", "BG-32";
    ATTRIBUTE_NAME = BR_FR_27, "BR-FR-27_BT-160", "BT-160";
    ATTRIBUTE_CODE = BR_FR_27, "BR-FR-27_EXT-FR-FE-159", "EXT-FR-FE-159";
    ATTRIBUTE_VALUE = BR_FR_28, "BR-FR-28-Value", "BT-161";
    HEADER_REFS_ONCE = BR_FR_29, "BR-FR-29_BT-18", "BT-18";
    HEADER_AFL = BR_FR_29, "BR-FR-29_AFL", "BT-18";
    HEADER_AVV = BR_FR_29, "BR-FR-29_AVV", "BT-18";
    LINE_REFS_ONCE = BR_FR_30, "BR-FR-30_BT-128", "BT-128";
    LINE_AFL = BR_FR_30, "BR-FR-30_AFL", "BT-128";
    LINE_AVV = BR_FR_30, "BR-FR-30_AVV", "BT-128";
    TYPE_262 = BR_FR_CO_03, "BR-FR-CO-03_BT-3", "BT-3";
    CORRECTIVE_REF = BR_FR_CO_04, "BR-FR-CO-04_BT-3", "BT-3";
    CREDIT_NOTE_REF = BR_FR_CO_05, "BR-FR-CO-05_BT-3", "BT-3";
    DUE_DATE = BR_FR_CO_07, "BR-FR-CO-07_BT-9", "BT-9";
    FINAL_TYPE = BR_FR_CO_08, "BR-FR-CO-08_BT-23", "BT-23";
    PAID_PREPAID = BR_FR_CO_09, "BR-FR-CO-09_BT-23-1", "BT-113";
    PAID_DUE = BR_FR_CO_09, "BR-FR-CO-09_BT-23-2", "BT-115";
    PAID_DUE_DATE = BR_FR_CO_09, "BR-FR-CO-09_BT-23-3", "BT-9";
    EUR_VAT = BR_FR_CO_12, "BR-FR-CO-12_BT-5", "BT-5";
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) -> Result<(), Abort> {
    let root = doc.root;
    let profile = doc.profile.map(|p| p.text());
    let message = || {
        format!(
            "the cadre de facturation (cbc:ProfileID) is {}; it must be one of B1, S1, M1, B2, S2, M2, S3, B4, S4, M4, S5, S6, B7, S7, B8, S8, M8, B9, S9, M9",
            profile.map_or("missing".to_string(), |p| format!("'{p}'"))
        )
    };
    sink.check_with(
        &CADRE,
        profile.is_some_and(|p| CADRES.contains(&p)),
        root,
        message,
    );

    let readable = root
        .children_named(Namespace::CAC, "AdditionalDocumentReference")
        .filter(|r| {
            r.children_named(Namespace::CBC, "DocumentDescription")
                .any(|d| d.text() == "LISIBLE")
        })
        .count();
    let message = || {
        format!(
            "{readable} attachments are described as LISIBLE; at most one readable rendering is allowed"
        )
    };
    sink.check_with(&ONE_READABLE, readable <= 1, root, message);

    for node in doc.elements() {
        if node.is(Namespace::CAC, "AdditionalDocumentReference") {
            attachment(node, sink)?;
            if doc.at(node, &[cac("AdditionalDocumentReference")]) {
                references(
                    node,
                    (&HEADER_REFS_ONCE, &HEADER_AFL, &HEADER_AVV),
                    "invoiced object",
                    sink,
                );
            }
        } else if doc.at(node, &[cac("InvoiceLine"), cac("DocumentReference")]) {
            references(
                node,
                (&LINE_REFS_ONCE, &LINE_AFL, &LINE_AVV),
                "line object",
                sink,
            );
        } else if node.is(Namespace::CAC, "AdditionalItemProperty") {
            item_attribute(doc, node, sink);
        }
    }

    conditions(doc, sink)
}

/// BR-FR-17: `not(cbc:DocumentDescription) or cbc:DocumentDescription = ATTACH`, with
/// the description taken as one value (two of them stop the official stylesheet).
fn attachment(node: Node<'_>, sink: &mut FrSink<'_, '_>) -> Result<(), Abort> {
    let description = single(
        node.children_named(Namespace::CBC, "DocumentDescription"),
        &ATTACHMENT_CODE,
        "the attachment has two descriptions",
    )?;
    if let Some(d) = description {
        let value = string_value(d);
        let message = || {
            format!(
                "the attachment description '{value}' is not one of the listed codes (RIB, LISIBLE, PJA, BON_COMMANDE …)"
            )
        };
        sink.check_with(
            &ATTACHMENT_CODE,
            ATTACH.contains(&value.as_ref()),
            node,
            message,
        );
    }
    Ok(())
}

/// BR-FR-29 / BR-FR-30 on one document reference: AFL and AVV ids at most once each,
/// and not blank.
fn references(
    node: Node<'_>,
    (once, afl, avv): (&'static Assertion, &'static Assertion, &'static Assertion),
    what: &str,
    sink: &mut FrSink<'_, '_>,
) {
    let afl_ids: Vec<Node<'_>> =
        children_with_attr(node, Namespace::CBC, "ID", "schemeID", "AFL").collect();
    let avv_ids: Vec<Node<'_>> =
        children_with_attr(node, Namespace::CBC, "ID", "schemeID", "AVV").collect();
    sink.check_with(once, afl_ids.len() <= 1 && avv_ids.len() <= 1, node, || {
        format!("the {what} reference has several AFL or AVV identifiers")
    });
    for (assertion, ids, scheme) in [(afl, &afl_ids, "AFL"), (avv, &avv_ids, "AVV")] {
        for id in ids {
            sink.check_with(assertion, nb(&string_value(*id)), *id, || {
                format!("the {what} reference with scheme {scheme} is blank")
            });
        }
    }
}

/// BR-FR-27 (on `ubl:Invoice/cac:Item/…`, which UBL 2.1 does not allow) and BR-FR-28
/// (on the line items).
fn item_attribute(doc: &Doc<'_>, node: Node<'_>, sink: &mut FrSink<'_, '_>) {
    let name = node
        .children_named(Namespace::CBC, "Name")
        .collect::<Vec<_>>();
    let code = node
        .children_named(Namespace::CBC, "NameCode")
        .collect::<Vec<_>>();
    if doc.at(node, &[cac("Item"), cac("AdditionalItemProperty")]) {
        sink.check(
            &ATTRIBUTE_NAMED,
            !name.is_empty() || !code.is_empty(),
            node,
            "the item attribute has neither a name nor a name code",
        );
        for n in name {
            sink.check(
                &ATTRIBUTE_NAME,
                nb(&string_value(n)),
                n,
                "the item attribute name is blank",
            );
        }
        for c in code {
            sink.check(
                &ATTRIBUTE_CODE,
                nb(&string_value(c)),
                c,
                "the item attribute name code is blank",
            );
        }
    }
    if doc.at(
        node,
        &[
            cac("InvoiceLine"),
            cac("Item"),
            cac("AdditionalItemProperty"),
        ],
    ) {
        let value = node.child(Namespace::CBC, "Value").is_some();
        let quantities: Vec<Node<'_>> = node
            .children_named(Namespace::CBC, "ValueQuantity")
            .collect();
        let with_unit = quantities
            .iter()
            .any(|q| q.attr("unitCode").is_some_and(|u| !u.is_empty()));
        sink.check(
            &ATTRIBUTE_VALUE,
            (value && quantities.is_empty()) || (!value && with_unit),
            node,
            "the item attribute must have either a value (cbc:Value) or a quantity with a unit (cbc:ValueQuantity/@unitCode), not both and not neither",
        );
    }
}

/// The root conditions BR-FR-CO-03 … 12.
fn conditions(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) -> Result<(), Abort> {
    let root = doc.root;
    let child_text = |path: &[(Namespace, &str)]| string_of(root.first(path)).into_owned();

    if doc.credit_note && doc.type_in(&["262"]) {
        let complete = !child_text(&[cac("ContractDocumentReference"), cbc("ID")]).is_empty()
            && !child_text(&[cac("InvoicePeriod"), cbc("StartDate")]).is_empty()
            && !child_text(&[cac("InvoicePeriod"), cbc("EndDate")]).is_empty();
        sink.check(
            &TYPE_262,
            complete,
            root,
            "a credit note of type 262 needs the contract reference (BT-12) and the invoicing period start and end dates (BG-14)",
        );
    }

    if !doc.credit_note && doc.type_in(&["384", "471", "472", "473"]) {
        let count = root
            .children_named(Namespace::CAC, "BillingReference")
            .count();
        let message = || {
            format!(
                "a corrective invoice needs exactly one preceding invoice reference (cac:BillingReference); it has {count}"
            )
        };
        sink.check_with(&CORRECTIVE_REF, count == 1, root, message);
    }

    if doc.credit_note && doc.type_in(&["261", "381", "396", "502", "503"]) {
        credit_note_references(doc, sink);
    }

    let due = root
        .child(Namespace::CBC, "DueDate")
        .map(|d| string_value(d).into_owned());
    if let Some(due) = due {
        let issue = root
            .child(Namespace::CBC, "IssueDate")
            .map(|d| string_value(d).into_owned());
        let exempt = doc.type_in(&["386", "500", "503"]) || doc.profile_in(&["B2", "S2", "M2"]);
        sink.check_with(
            &DUE_DATE,
            exempt || issue.as_ref().is_some_and(|i| due.as_str() >= i.as_str()),
            root,
            || {
                format!(
                    "the due date {due} is before the issue date {}",
                    issue.unwrap_or_default()
                )
            },
        );
    }

    if doc.profile_in(&["B4", "S4", "M4"]) {
        sink.check(
            &FINAL_TYPE,
            !doc.type_in(&["386", "500", "503"]),
            root,
            "a final invoice after down payment (cadre B4, S4, M4) cannot be a down-payment invoice (386, 500, 503)",
        );
    }

    if doc.profile_in(&["B2", "S2", "M2"]) {
        let number = |local: &str| {
            root.first(&[cac("LegalMonetaryTotal"), cbc(local)])
                .and_then(|n| double(&string_value(n)))
                .unwrap_or(f64::NAN)
        };
        sink.check(
            &PAID_PREPAID,
            number("PrepaidAmount") == number("TaxInclusiveAmount"),
            root,
            "an already-paid invoice (cadre 2) must have a paid amount (BT-113) equal to the total with VAT (BT-112)",
        );
        sink.check(
            &PAID_DUE,
            number("PayableAmount") == 0.0,
            root,
            "an already-paid invoice (cadre 2) must have an amount due (BT-115) of 0",
        );
        let due_dates = root.children_named(Namespace::CBC, "DueDate").chain(
            root.children_named(Namespace::CAC, "PaymentMeans")
                .flat_map(|m| m.children_named(Namespace::CBC, "PaymentDueDate")),
        );
        let due_date = single(
            due_dates,
            &PAID_DUE_DATE,
            "the invoice has several due dates",
        )?;
        sink.check(
            &PAID_DUE_DATE,
            !string_of(due_date).is_empty(),
            root,
            "an already-paid invoice (cadre 2) must give the payment date as due date (BT-9)",
        );
    }

    let currency = root.child(Namespace::CBC, "DocumentCurrencyCode");
    if let Some(currency) = currency.filter(|c| c.text() != "EUR") {
        let eur_totals = root
            .children_named(Namespace::CAC, "TaxTotal")
            .flat_map(|t| children_with_attr(t, Namespace::CBC, "TaxAmount", "currencyID", "EUR"));
        let eur_total = single(
            eur_totals,
            &EUR_VAT,
            "the invoice has several VAT totals in EUR",
        )?;
        let accounting_eur = root
            .children_named(Namespace::CBC, "TaxCurrencyCode")
            .any(|c| c.text() == "EUR");
        let message = || {
            format!(
                "the invoice currency is '{}': the VAT accounting currency (BT-6) must be EUR and the VAT total in EUR (BT-111) given",
                currency.text()
            )
        };
        sink.check_with(
            &EUR_VAT,
            accounting_eur && !string_of(eur_total).is_empty(),
            root,
            message,
        );
    }
    Ok(())
}

/// BR-FR-CO-05: a credit note references the credited invoice in its header, or on
/// every detail line (a line without self-reference or whose sub-type is DETAIL).
fn credit_note_references(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    let root = doc.root;
    let complete = |r: Node<'_>| {
        r.child(Namespace::CBC, "ID").is_some() && r.child(Namespace::CBC, "IssueDate").is_some()
    };
    let header = root
        .all(&[cac("BillingReference"), cac("InvoiceDocumentReference")])
        .into_iter()
        .filter(|r| complete(*r))
        .count();
    let eligible: Vec<_> = doc
        .lines
        .iter()
        .filter(|l| l.self_refs.is_empty() || l.status_is("DETAIL"))
        .collect();
    let referenced = eligible
        .iter()
        .filter(|line| {
            line.node
                .all(&[cac("BillingReference"), cac("InvoiceDocumentReference")])
                .into_iter()
                .any(|r| {
                    let other = r
                        .children_named(Namespace::CBC, "ID")
                        .any(|id| doc.invoice_id.is_some_and(|bt1| id.text() != bt1));
                    other && complete(r)
                })
        })
        .count();
    sink.check(
        &CREDIT_NOTE_REF,
        header >= 1 || referenced == eligible.len(),
        root,
        "a credit note needs a preceding invoice reference with number and date (BT-25, BT-26) in the header or on every detail line",
    );
}
