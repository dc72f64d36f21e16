//! Identifier formats, dates and type codes (UBL): BR-FR-01, BR-FR-02, BR-FR-03,
//! BR-FR-04.
//!
//! The line preceding-invoice checks read `cac:BillingReference/cac:DocumentReference`
//! and `cac:InvoiceLine/cac:DocumentReference`, paths that do not carry
//! EXT-FR-FE-136/138 in UBL 2.1; they are implemented as written, so they fire on the
//! line object reference and never on the real line preceding-invoice reference.

use super::{Doc, cac, cbc};
use crate::ingest::validate::fr::defs::{DOCTYPES, date_u, idfmt, length};
use crate::ingest::validate::fr::{Assertion, FrSink, assertions};
use crate::ingest::validate::xpath::string_value;
use crate::xml::{Namespace, Node};

assertions! {
    BT_1_LEN = BR_FR_01, "BR-FR-01_BT-1-1", "BT-1";
    BT_1_FMT_01 = BR_FR_01, "BR-FR-01_BT-1-2", "BT-1";
    BT_1_FMT = BR_FR_02, "BR-FR-02_BT-1", "BT-1";
    BT_25_LEN = BR_FR_01, "BR-FR-01_BT-25-1", "BT-25";
    BT_25_FMT_01 = BR_FR_01, "BR-FR-01_BT-25-2", "BT-25";
    BT_25_FMT = BR_FR_02, "BR-FR-02_BT-25", "BT-25";
    FE_136_LEN = BR_FR_01, "BR-FR-01_EXT-FR-FE-136-1", "EXT-FR-FE-136";
    FE_136_FMT_01 = BR_FR_01, "BR-FR-01_BT-EXT-FR-FE-136-2", "EXT-FR-FE-136";
    FE_136_FMT = BR_FR_02, "BR-FR-02_EXT-FR-FE-136", "EXT-FR-FE-136";
    DATE_BT_2 = BR_FR_03, "BR-FR-03_BT-2", "BT-2";
    DATE_BT_7 = BR_FR_03, "BR-FR-03_BT-7", "BT-7";
    DATE_BT_9 = BR_FR_03, "BR-FR-03_BT-9", "BT-9";
    DATE_BT_26 = BR_FR_03, "BR-FR-03_BT-26", "BT-26";
    DATE_BT_72 = BR_FR_03, "BR-FR-03_BT-72", "BT-72";
    DATE_BT_73 = BR_FR_03, "BR-FR-03_BT-73", "BT-73";
    DATE_BT_74 = BR_FR_03, "BR-FR-03_BT-74", "BT-74";
    DATE_FE_138 = BR_FR_03, "BR-FR-03_EXT-FR-FE-138", "EXT-FR-FE-138";
    DATE_FE_158 = BR_FR_03, "BR-FR-03_EXT-FR-FE-158", "EXT-FR-FE-158";
    DATE_BT_134 = BR_FR_03, "BR-FR-03_BT-134", "BT-134";
    DATE_BT_135 = BR_FR_03, "BR-FR-03_BT-135", "BT-135";
    TYPE_BT_3 = BR_FR_04, "BR-FR-04_BT-3", "BT-3";
    TYPE_FE_02 = BR_FR_04, "BR-FR-04_EXT-FR-FE-02", "EXT-FR-FE-02";
    TYPE_FE_137 = BR_FR_04, "BR-FR-04_EXT-FR-FE-137", "EXT-FR-FE-137";
}

/// The date contexts of BR-FR-03, each a path from the root.
/// A path of child steps from the root.
type Path = &'static [(Namespace, &'static str)];

static DATES: &[(&Assertion, Path, &str)] = &[
    (&DATE_BT_2, &[cbc("IssueDate")], "issue date"),
    (&DATE_BT_7, &[cbc("TaxPointDate")], "VAT point date"),
    (&DATE_BT_9, &[cbc("DueDate")], "due date"),
    (
        &DATE_BT_26,
        &[
            cac("BillingReference"),
            cac("InvoiceDocumentReference"),
            cbc("IssueDate"),
        ],
        "preceding invoice date",
    ),
    (
        &DATE_BT_72,
        &[cac("Delivery"), cbc("ActualDeliveryDate")],
        "actual delivery date",
    ),
    (
        &DATE_BT_73,
        &[cac("InvoicePeriod"), cbc("StartDate")],
        "invoicing period start date",
    ),
    (
        &DATE_BT_74,
        &[cac("InvoicePeriod"), cbc("EndDate")],
        "invoicing period end date",
    ),
    (
        &DATE_FE_138,
        &[
            cac("InvoiceLine"),
            cac("DocumentReference"),
            cbc("IssueDate"),
        ],
        "line document reference date",
    ),
    (
        &DATE_FE_158,
        &[
            cac("InvoiceLine"),
            cac("Delivery"),
            cbc("ActualDeliveryDate"),
        ],
        "line delivery date",
    ),
    (
        &DATE_BT_134,
        &[cac("InvoiceLine"), cac("InvoicePeriod"), cbc("StartDate")],
        "line period start date",
    ),
    (
        &DATE_BT_135,
        &[cac("InvoiceLine"), cac("InvoicePeriod"), cbc("EndDate")],
        "line period end date",
    ),
];

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    for node in doc.elements() {
        if node.namespace() != Namespace::CBC {
            continue;
        }
        identifiers(doc, node, sink);
        for (assertion, path, what) in DATES {
            if doc.at(node, path) {
                let value = string_value(node);
                let message = || {
                    format!(
                        "the {what} '{value}' is not a valid date YYYY-MM-DD of the years 2000 to 2099"
                    )
                };
                sink.check_with(assertion, date_u(&value), node, message);
            }
        }
        type_codes(doc, node, sink);
    }
}

fn identifiers(doc: &Doc<'_>, node: Node<'_>, sink: &mut FrSink<'_, '_>) {
    let (len, fmt_01, fmt, what) = if doc.at(node, &[cbc("ID")]) {
        (
            Some(&BT_1_LEN),
            Some(&BT_1_FMT_01),
            Some(&BT_1_FMT),
            "invoice number",
        )
    } else if doc.at(
        node,
        &[
            cac("BillingReference"),
            cac("InvoiceDocumentReference"),
            cbc("ID"),
        ],
    ) {
        (
            Some(&BT_25_LEN),
            Some(&BT_25_FMT_01),
            Some(&BT_25_FMT),
            "preceding invoice number",
        )
    } else if doc.at(
        node,
        &[
            cac("InvoiceLine"),
            cac("BillingReference"),
            cac("DocumentReference"),
            cbc("ID"),
        ],
    ) {
        (
            Some(&FE_136_LEN),
            Some(&FE_136_FMT_01),
            None,
            "line preceding invoice number",
        )
    } else if doc.at(
        node,
        &[cac("InvoiceLine"), cac("DocumentReference"), cbc("ID")],
    ) {
        (None, None, Some(&FE_136_FMT), "line document reference")
    } else {
        return;
    };
    let value = string_value(node);
    if let Some(assertion) = len {
        sink.check_with(assertion, length(&value) <= 35, node, || {
            format!(
                "the {what} '{value}' is longer than 35 characters ({})",
                length(&value)
            )
        });
    }
    let message = format!(
        "the {what} '{value}' contains a character other than letters, digits, + - _ / (or a space)"
    );
    for assertion in [fmt_01, fmt].into_iter().flatten() {
        sink.check(assertion, idfmt(&value), node, &message);
    }
}

fn type_codes(doc: &Doc<'_>, node: Node<'_>, sink: &mut FrSink<'_, '_>) {
    let type_name = if doc.credit_note {
        "CreditNoteTypeCode"
    } else {
        "InvoiceTypeCode"
    };
    let (assertion, what) = if doc.at(node, &[cbc(type_name)]) {
        (&TYPE_BT_3, "invoice type code")
    } else if doc.at(
        node,
        &[
            cac("BillingReference"),
            cac("InvoiceDocumentReference"),
            cbc("DocumentTypeCode"),
        ],
    ) {
        (&TYPE_FE_02, "preceding invoice type code")
    } else if doc.at(
        node,
        &[
            cac("InvoiceLine"),
            cac("BillingReference"),
            cac("InvoiceDocumentReference"),
            cbc("DocumentTypeCode"),
        ],
    ) {
        (&TYPE_FE_137, "line preceding invoice type code")
    } else {
        return;
    };
    let value = string_value(node);
    sink.check_with(assertion, DOCTYPES.contains(&value.as_ref()), node, || {
        format!("the {what} '{value}' is not one the French reform admits")
    });
}
