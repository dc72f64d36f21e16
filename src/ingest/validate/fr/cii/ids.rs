//! Identifier formats, dates and type codes (CII): BR-FR-01, BR-FR-02, BR-FR-03,
//! BR-FR-04. CII dates are `udt:`/`qdt:DateTimeString` values whose first eight
//! characters must be a valid `20YYMMDD`; the `@format` attribute is not read.

use super::{Doc, Path, at, qdt, ram, udt};
use crate::ingest::validate::fr::defs::{DOCTYPES, date_c, idfmt, length};
use crate::ingest::validate::fr::{Assertion, FrSink, assertions};
use crate::ingest::validate::xpath::string_value;
use crate::xml::Node;

assertions! {
    BT_1_LEN = BR_FR_01, "BR-FR-01_BT-1", "BT-1";
    BT_1_FMT = BR_FR_02, "BR-FR-02_BT-1", "BT-1";
    BT_25_LEN = BR_FR_01, "BR-FR-01_BT-25", "BT-25";
    BT_25_FMT = BR_FR_02, "BR-FR-02_BT-25", "BT-25";
    FE_136_LEN = BR_FR_01, "BR-FR-01_EXT-FR-FE-136", "EXT-FR-FE-136";
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
    DATE_FE_134 = BR_FR_03, "BR-FR-03_EXT-FR-FE-134", "BT-134";
    DATE_FE_135 = BR_FR_03, "BR-FR-03_EXT-FR-FE-135", "BT-135";
    TYPE_BT_3 = BR_FR_04, "BR-FR-04_BT-3", "BT-3";
    TYPE_FE_02 = BR_FR_04, "BR-FR-04_EXT-FR-FE-02", "EXT-FR-FE-02";
    TYPE_FE_137 = BR_FR_04, "BR-FR-04_EXT-FR-FE-137", "EXT-FR-FE-137";
}

/// Where a path starts: an anchor of the document, or each line item.
#[derive(Clone, Copy)]
enum From {
    Document,
    Settlement,
    Delivery,
    Lines,
}

fn nodes<'d>(doc: &Doc<'d>, from: From, path: Path) -> Vec<Node<'d>> {
    match from {
        From::Document => at(doc.document, path),
        From::Settlement => at(doc.settlement, path),
        From::Delivery => at(doc.delivery, path),
        From::Lines => doc.in_lines(path),
    }
}

static DATES: &[(&Assertion, From, Path, &str)] = &[
    (
        &DATE_BT_2,
        From::Document,
        &[ram("IssueDateTime"), udt("DateTimeString")],
        "issue date",
    ),
    (
        &DATE_BT_7,
        From::Settlement,
        &[
            ram("ApplicableTradeTax"),
            ram("TaxPointDate"),
            udt("DateString"),
        ],
        "VAT point date",
    ),
    (
        &DATE_BT_9,
        From::Settlement,
        &[
            ram("SpecifiedTradePaymentTerms"),
            ram("DueDateDateTime"),
            udt("DateTimeString"),
        ],
        "due date",
    ),
    (
        &DATE_BT_26,
        From::Settlement,
        &[
            ram("InvoiceReferencedDocument"),
            ram("FormattedIssueDateTime"),
            qdt("DateTimeString"),
        ],
        "preceding invoice date",
    ),
    (
        &DATE_BT_72,
        From::Delivery,
        &[
            ram("ActualDeliverySupplyChainEvent"),
            ram("OccurrenceDateTime"),
            udt("DateTimeString"),
        ],
        "actual delivery date",
    ),
    (
        &DATE_BT_73,
        From::Settlement,
        &[
            ram("BillingSpecifiedPeriod"),
            ram("StartDateTime"),
            udt("DateTimeString"),
        ],
        "invoicing period start date",
    ),
    (
        &DATE_BT_74,
        From::Settlement,
        &[
            ram("BillingSpecifiedPeriod"),
            ram("EndDateTime"),
            udt("DateTimeString"),
        ],
        "invoicing period end date",
    ),
    (
        &DATE_FE_138,
        From::Lines,
        &[
            ram("SpecifiedLineTradeSettlement"),
            ram("InvoiceReferencedDocument"),
            ram("FormattedIssueDateTime"),
            qdt("DateTimeString"),
        ],
        "line preceding invoice date",
    ),
    (
        &DATE_FE_158,
        From::Lines,
        &[
            ram("SpecifiedLineTradeDelivery"),
            ram("ActualDeliverySupplyChainEvent"),
            ram("OccurrenceDateTime"),
            udt("DateTimeString"),
        ],
        "line delivery date",
    ),
    (
        &DATE_FE_134,
        From::Lines,
        &[
            ram("SpecifiedLineTradeSettlement"),
            ram("BillingSpecifiedPeriod"),
            ram("StartDateTime"),
            udt("DateTimeString"),
        ],
        "line period start date",
    ),
    (
        &DATE_FE_135,
        From::Lines,
        &[
            ram("SpecifiedLineTradeSettlement"),
            ram("BillingSpecifiedPeriod"),
            ram("EndDateTime"),
            udt("DateTimeString"),
        ],
        "line period end date",
    ),
];

static IDENTIFIERS: &[(&Assertion, &Assertion, From, Path, &str)] = &[
    (
        &BT_1_LEN,
        &BT_1_FMT,
        From::Document,
        &[ram("ID")],
        "invoice number",
    ),
    (
        &BT_25_LEN,
        &BT_25_FMT,
        From::Settlement,
        &[ram("InvoiceReferencedDocument"), ram("IssuerAssignedID")],
        "preceding invoice number",
    ),
    (
        &FE_136_LEN,
        &FE_136_FMT,
        From::Lines,
        &[
            ram("SpecifiedLineTradeSettlement"),
            ram("InvoiceReferencedDocument"),
            ram("IssuerAssignedID"),
        ],
        "line preceding invoice number",
    ),
];

static TYPES: &[(&Assertion, From, Path, &str)] = &[
    (
        &TYPE_BT_3,
        From::Document,
        &[ram("TypeCode")],
        "invoice type code",
    ),
    (
        &TYPE_FE_02,
        From::Settlement,
        &[ram("InvoiceReferencedDocument"), ram("TypeCode")],
        "preceding invoice type code",
    ),
    (
        &TYPE_FE_137,
        From::Lines,
        &[
            ram("SpecifiedLineTradeSettlement"),
            ram("InvoiceReferencedDocument"),
            ram("TypeCode"),
        ],
        "line preceding invoice type code",
    ),
];

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    for (len_rule, fmt_rule, from, path, what) in IDENTIFIERS {
        for node in nodes(doc, *from, path) {
            let value = string_value(node);
            sink.check_with(len_rule, length(&value) <= 35, node, || {
                format!(
                    "the {what} '{value}' is longer than 35 characters ({})",
                    length(&value)
                )
            });
            let message = || {
                format!(
                    "the {what} '{value}' contains a character other than letters, digits, + - _ / (or a space)"
                )
            };
            sink.check_with(fmt_rule, idfmt(&value), node, message);
        }
    }
    for (assertion, from, path, what) in DATES {
        for node in nodes(doc, *from, path) {
            let value = string_value(node);
            let message = || {
                format!(
                    "the {what} '{value}' does not start with a valid date YYYYMMDD of the years 2000 to 2099"
                )
            };
            sink.check_with(assertion, date_c(&value), node, message);
        }
    }
    for (assertion, from, path, what) in TYPES {
        for node in nodes(doc, *from, path) {
            let value = string_value(node);
            sink.check_with(assertion, DOCTYPES.contains(&value.as_ref()), node, || {
                format!("the {what} '{value}' is not one the French reform admits")
            });
        }
    }
}
