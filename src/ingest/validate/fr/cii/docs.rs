//! Document-level conditions (CII): BR-FR-08 (cadre), BR-FR-17/18 (attachments),
//! BR-FR-27/28 (item attributes), BR-FR-29/30 (AFL/AVV references) and the
//! conditional rules BR-FR-CO-03, 04, 05, 07, 08, 09, 12.
//!
//! BR-FR-30 reads `ram:AdditionalReferencedDocument` directly under the line item,
//! where the CII schema has none: it only fires on schema-invalid documents.

use super::{Doc, at, has_child_text, qdt, ram, udt};
use crate::ingest::validate::fr::defs::{ATTACH, CADRES};
use crate::ingest::validate::fr::{Abort, Assertion, FrSink, assertions, single};
use crate::ingest::validate::xpath::{double, nb, normalize_space, string_of, string_value};
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
    CORRECTIVE_REF = BR_FR_CO_04, "BR-FR-CO-04_BT-4", "BT-3";
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
    if let Some(context) = doc.context {
        let profile = doc.profile.map(|p| p.text());
        let message = || {
            format!(
                "the cadre de facturation (BusinessProcessSpecifiedDocumentContextParameter/ram:ID) is {}; it must be one of B1, S1, M1, B2, S2, M2, S3, B4, S4, M4, S5, S6, B7, S7, B8, S8, M8, B9, S9, M9",
                profile.map_or("missing".to_string(), |p| format!("'{p}'"))
            )
        };
        sink.check_with(
            &CADRE,
            profile.is_some_and(|p| CADRES.contains(&p)),
            context,
            message,
        );
    }

    let attachments = at(doc.agreement, &[ram("AdditionalReferencedDocument")]);
    for document in attachments
        .iter()
        .filter(|d| has_child_text(**d, "TypeCode", "916"))
    {
        let name = document
            .child(Namespace::RAM, "Name")
            .map(|n| normalize_space(&string_value(n)))
            .unwrap_or_default();
        let message = || {
            format!(
                "the attachment description '{name}' is not one of the listed codes (RIB, LISIBLE, PJA, BON_COMMANDE …)"
            )
        };
        sink.check_with(
            &ATTACHMENT_CODE,
            name.is_empty() || ATTACH.contains(&name.as_str()),
            *document,
            message,
        );
    }
    let readable = attachments
        .iter()
        .filter(|d| has_child_text(**d, "Name", "LISIBLE"))
        .count();
    sink.check_with(&ONE_READABLE, readable <= 1, root, || {
        format!(
            "{readable} attachments are named LISIBLE; at most one readable rendering is allowed"
        )
    });

    if let Some(agreement) = doc.agreement {
        references(
            agreement,
            (&HEADER_REFS_ONCE, &HEADER_AFL, &HEADER_AVV),
            "invoiced object",
            sink,
        );
    }
    for line in &doc.lines {
        references(
            line.node,
            (&LINE_REFS_ONCE, &LINE_AFL, &LINE_AVV),
            "line object",
            sink,
        );
        for attribute in line.node.all(&[
            ram("SpecifiedTradeProduct"),
            ram("ApplicableProductCharacteristic"),
        ]) {
            item_attribute(attribute, sink);
        }
    }
    conditions(doc, sink)
}

/// BR-FR-29 / BR-FR-30: the AFL and AVV references among the
/// `ram:AdditionalReferencedDocument` children of `parent`.
fn references(
    parent: Node<'_>,
    (once, afl, avv): (&'static Assertion, &'static Assertion, &'static Assertion),
    what: &str,
    sink: &mut FrSink<'_, '_>,
) {
    let documents: Vec<Node<'_>> = parent
        .children_named(Namespace::RAM, "AdditionalReferencedDocument")
        .collect();
    let of = |scheme: &str| -> Vec<Node<'_>> {
        documents
            .iter()
            .copied()
            .filter(|d| has_child_text(*d, "ReferenceTypeCode", scheme))
            .collect()
    };
    let (afl_docs, avv_docs) = (of("AFL"), of("AVV"));
    sink.check_with(
        once,
        afl_docs.len() <= 1 && avv_docs.len() <= 1,
        parent,
        || format!("the {what} references AFL or AVV more than once"),
    );
    for (assertion, docs, scheme) in [(afl, &afl_docs, "AFL"), (avv, &avv_docs, "AVV")] {
        for id in docs
            .iter()
            .flat_map(|d| d.children_named(Namespace::RAM, "IssuerAssignedID"))
        {
            sink.check_with(assertion, nb(&string_value(id)), id, || {
                format!("the {what} reference with type {scheme} is blank")
            });
        }
    }
}

/// BR-FR-27 and BR-FR-28 on one `ram:ApplicableProductCharacteristic`.
fn item_attribute(attribute: Node<'_>, sink: &mut FrSink<'_, '_>) {
    let description: Vec<Node<'_>> = attribute
        .children_named(Namespace::RAM, "Description")
        .collect();
    let code: Vec<Node<'_>> = attribute
        .children_named(Namespace::RAM, "TypeCode")
        .collect();
    sink.check(
        &ATTRIBUTE_NAMED,
        !description.is_empty() || !code.is_empty(),
        attribute,
        "the item attribute has neither a name (ram:Description) nor a code (ram:TypeCode)",
    );
    for d in description {
        sink.check(
            &ATTRIBUTE_NAME,
            nb(&string_value(d)),
            d,
            "the item attribute name is blank",
        );
    }
    for c in code {
        sink.check(
            &ATTRIBUTE_CODE,
            nb(&string_value(c)),
            c,
            "the item attribute code is blank",
        );
    }
    let value = attribute.child(Namespace::RAM, "Value").is_some();
    let measures: Vec<Node<'_>> = attribute
        .children_named(Namespace::RAM, "ValueMeasure")
        .collect();
    let with_unit = measures
        .iter()
        .any(|m| m.attr("unitCode").is_some_and(|u| !u.is_empty()));
    sink.check(
        &ATTRIBUTE_VALUE,
        (value && measures.is_empty()) || (!value && with_unit),
        attribute,
        "the item attribute must have either a value (ram:Value) or a measure with a unit (ram:ValueMeasure/@unitCode), not both and not neither",
    );
}

/// The root conditions BR-FR-CO-03 … 12.
fn conditions(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) -> Result<(), Abort> {
    let root = doc.root;
    let text_at = |anchor: Option<Node<'_>>, path: &[(Namespace, &str)]| {
        string_of(at(anchor, path).first().copied()).into_owned()
    };

    if doc.type_in(&["262"]) {
        let complete = !text_at(
            doc.agreement,
            &[ram("ContractReferencedDocument"), ram("IssuerAssignedID")],
        )
        .is_empty()
            && !text_at(
                doc.settlement,
                &[
                    ram("BillingSpecifiedPeriod"),
                    ram("StartDateTime"),
                    udt("DateTimeString"),
                ],
            )
            .is_empty()
            && !text_at(
                doc.settlement,
                &[
                    ram("BillingSpecifiedPeriod"),
                    ram("EndDateTime"),
                    udt("DateTimeString"),
                ],
            )
            .is_empty();
        sink.check(&TYPE_262, complete, root, "a credit note of type 262 needs the contract reference (BT-12) and the invoicing period start and end dates (BG-14)");
    }

    let preceding = at(doc.settlement, &[ram("InvoiceReferencedDocument")]);
    if doc.type_in(&["384", "471", "472", "473"]) {
        let message = || {
            format!(
                "a corrective invoice needs exactly one preceding invoice reference (ram:InvoiceReferencedDocument); it has {}",
                preceding.len()
            )
        };
        sink.check_with(&CORRECTIVE_REF, preceding.len() == 1, root, message);
    }

    if doc.type_in(&["261", "381", "396", "502", "503"]) {
        let complete = |r: &Node<'_>| {
            r.child(Namespace::RAM, "IssuerAssignedID").is_some()
                && r.first(&[ram("FormattedIssueDateTime"), qdt("DateTimeString")])
                    .is_some()
        };
        let header = preceding.iter().any(complete);
        let lines_referenced = doc
            .lines
            .iter()
            .filter(|l| l.statuses.is_empty() || l.status_is("DETAIL"))
            .all(|l| {
                l.node
                    .all(&[
                        ram("SpecifiedLineTradeSettlement"),
                        ram("InvoiceReferencedDocument"),
                    ])
                    .iter()
                    .any(complete)
            });
        sink.check(&CREDIT_NOTE_REF, header || lines_referenced, root, "a credit note needs a preceding invoice reference with number and date (BT-25, BT-26) in the header or on every detail line");
    }

    let due_path = &[
        ram("SpecifiedTradePaymentTerms"),
        ram("DueDateDateTime"),
        udt("DateTimeString"),
    ];
    let due = text_at(doc.settlement, due_path);
    if !due.is_empty() {
        let issue = text_at(doc.document, &[ram("IssueDateTime"), udt("DateTimeString")]);
        let issue_present =
            !at(doc.document, &[ram("IssueDateTime"), udt("DateTimeString")]).is_empty();
        let exempt = doc.type_in(&["386", "500", "503"]) || doc.profile_in(&["B2", "S2", "M2"]);
        sink.check_with(
            &DUE_DATE,
            exempt || (issue_present && due >= issue),
            root,
            || format!("the due date {due} is before the issue date {issue}"),
        );
    }

    if doc.profile_in(&["B4", "S4", "M4"]) {
        sink.check(&FINAL_TYPE, !doc.type_in(&["386", "500", "503"]), root, "a final invoice after down payment (cadre B4, S4, M4) cannot be a down-payment invoice (386, 500, 503)");
    }

    if doc.profile_in(&["B2", "S2", "M2"]) {
        let number = |local: &str| {
            at(doc.summation, &[ram(local)])
                .first()
                .and_then(|n| double(&string_value(*n)))
                .unwrap_or(f64::NAN)
        };
        sink.check(&PAID_PREPAID, number("TotalPrepaidAmount") == number("GrandTotalAmount"), root, "an already-paid invoice (cadre 2) must have a paid amount (BT-113) equal to the total with VAT (BT-112)");
        sink.check(
            &PAID_DUE,
            number("DuePayableAmount") == 0.0,
            root,
            "an already-paid invoice (cadre 2) must have an amount due (BT-115) of 0",
        );
        sink.check(
            &PAID_DUE_DATE,
            !due.is_empty(),
            root,
            "an already-paid invoice (cadre 2) must give the payment date as due date (BT-9)",
        );
    }

    let currency = doc
        .settlement
        .and_then(|s| s.child(Namespace::RAM, "InvoiceCurrencyCode"));
    if let Some(currency) = currency.filter(|c| c.text() != "EUR") {
        let eur_totals = at(doc.summation, &[ram("TaxTotalAmount")])
            .into_iter()
            .filter(|t| t.attr("currencyID") == Some("EUR"));
        let eur_total = single(
            eur_totals,
            &EUR_VAT,
            "the invoice has several VAT totals in EUR",
        )?;
        let accounting_eur = doc
            .settlement
            .is_some_and(|s| has_child_text(s, "TaxCurrencyCode", "EUR"));
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
