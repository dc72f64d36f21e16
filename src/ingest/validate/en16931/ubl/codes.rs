//! Code-list rules BR-CL-* (UBL, pattern `Codesmodel`, plus BR-CL-08 of the model
//! pattern). Every context is a single `cbc:` element, so one walk dispatches them all
//! on the element's name and parent; the lists themselves are data
//! ([`crate::ingest::validate::codelists`]).

use super::Doc;
use crate::ingest::validate::codelists::{
    ALLOWANCE_REASONS, CHARGE_REASONS, COUNTRIES_UBL, CREDIT_NOTE_TYPES_UBL, CURRENCIES, CodeList,
    EAS, ICD, INVOICE_TYPES_UBL, ITEM_CLASSIFICATIONS, MIME_CODES, PAYMENT_MEANS, PERIOD_CODES_UBL,
    REFERENCE_QUALIFIERS, TEXT_SUBJECTS_UBL, UNITS, VAT_CATEGORIES, VATEX,
};
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::xpath::{boolean, normalize_space};
use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

rules! {
    BR_CL_01 = "BR-CL-01", Fatal, ["BT-3"], "The invoice type code is in the UNTDID 1001 invoice (or credit note) subset";
    BR_CL_03 = "BR-CL-03", Fatal, ["currencyID"], "Every amount's currencyID is an ISO 4217 currency code";
    BR_CL_04 = "BR-CL-04", Fatal, ["BT-5"], "The invoice currency code is an ISO 4217 currency code";
    BR_CL_05 = "BR-CL-05", Fatal, ["BT-6"], "The VAT accounting currency code is an ISO 4217 currency code";
    BR_CL_06 = "BR-CL-06", Fatal, ["BT-8"], "The value added tax point date code is 3, 35 or 432 (UNTDID 2005 subset)";
    BR_CL_07 = "BR-CL-07", Fatal, ["BT-18-1"], "The invoiced object identifier scheme is a UNTDID 1153 reference qualifier";
    BR_CL_08 = "BR-CL-08", Fatal, ["BT-21"], "An invoice note subject code (#XXX#) is a UNTDID 4451 text subject qualifier";
    BR_CL_10 = "BR-CL-10", Fatal, ["BT-29-1", "BT-46-1", "BT-60-1"], "Party identifier schemes are ISO 6523 ICD codes (SEPA allowed for seller and payee)";
    BR_CL_11 = "BR-CL-11", Fatal, ["BT-30-1", "BT-47-1", "BT-61-1"], "Legal registration identifier schemes are ISO 6523 ICD codes";
    BR_CL_13 = "BR-CL-13", Fatal, ["BT-158-1"], "Item classification list identifiers are UNTDID 7143 codes";
    BR_CL_14 = "BR-CL-14", Fatal, ["BT-40", "BT-55", "BT-69", "BT-80"], "Country codes are ISO 3166-1 alpha-2 codes";
    BR_CL_15 = "BR-CL-15", Fatal, ["BT-159"], "The item country of origin is an ISO 3166-1 alpha-2 code";
    BR_CL_16 = "BR-CL-16", Fatal, ["BT-81"], "The payment means type code is a UNTDID 4461 code";
    BR_CL_17 = "BR-CL-17", Fatal, ["BT-95", "BT-102", "BT-118"], "Tax category codes are UNCL 5305 codes of the EN 16931 subset";
    BR_CL_18 = "BR-CL-18", Fatal, ["BT-151"], "Invoiced item VAT category codes are UNCL 5305 codes of the EN 16931 subset";
    BR_CL_19 = "BR-CL-19", Fatal, ["BT-98", "BT-140"], "Allowance reason codes are UNTDID 5189 codes of the EN 16931 subset";
    BR_CL_20 = "BR-CL-20", Fatal, ["BT-105", "BT-145"], "Charge reason codes are UNTDID 7161 codes";
    BR_CL_21 = "BR-CL-21", Fatal, ["BT-157-1"], "Item standard identifier schemes are ISO 6523 ICD codes";
    BR_CL_22 = "BR-CL-22", Fatal, ["BT-121"], "VAT exemption reason codes are VATEX codes (case-insensitive)";
    BR_CL_23 = "BR-CL-23", Fatal, ["BT-130", "BT-150"], "Unit codes are UN/ECE Recommendation 20 or 21 codes";
    BR_CL_24 = "BR-CL-24", Fatal, ["BT-125-1"], "Attachment MIME codes are one of the six allowed media types";
    BR_CL_25 = "BR-CL-25", Fatal, ["BT-34-1", "BT-49-1"], "Electronic address schemes are CEF EAS codes";
    BR_CL_26 = "BR-CL-26", Fatal, ["BT-71-1"], "Deliver-to location identifier schemes are ISO 6523 ICD codes";
}

/// The `cbc:` amount elements whose `@currencyID` BR-CL-03 checks.
const AMOUNTS: &[&str] = &[
    "Amount",
    "BaseAmount",
    "PriceAmount",
    "TaxAmount",
    "TaxableAmount",
    "LineExtensionAmount",
    "TaxExclusiveAmount",
    "TaxInclusiveAmount",
    "AllowanceTotalAmount",
    "ChargeTotalAmount",
    "PrepaidAmount",
    "PayableRoundingAmount",
    "PayableAmount",
];

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    for node in doc.elements() {
        if node.namespace() == Namespace::CBC {
            element(doc, node, sink);
        }
    }
}

/// Checks `value` against `list` with the official token test.
fn member(rule: &'static Rule, list: &CodeList, value: &str, at: Node<'_>, sink: &mut Sink<'_>) {
    sink.check_with(rule, list.has(value), at, || {
        format!("{value:?} is not a {} code", list.name)
    });
}

/// Checks an attribute against `list` when it is present (`[@attr]` contexts).
fn attribute(
    rule: &'static Rule,
    list: &CodeList,
    node: Node<'_>,
    name: &str,
    sink: &mut Sink<'_>,
) {
    if let Some(value) = node.attr(name) {
        sink.check_with(rule, list.has(value), node, || {
            format!("@{name} {value:?} is not a {} code", list.name)
        });
    }
}

fn parent_is(node: Node<'_>, local: &str) -> bool {
    node.parent().is_some_and(|p| p.is(Namespace::CAC, local))
}

fn element(doc: &Doc<'_>, node: Node<'_>, sink: &mut Sink<'_>) {
    let name = node.local_name();
    match name {
        "InvoiceTypeCode" => member(&BR_CL_01, &INVOICE_TYPES_UBL, node.text(), node, sink),
        "CreditNoteTypeCode" => member(&BR_CL_01, &CREDIT_NOTE_TYPES_UBL, node.text(), node, sink),
        _ if AMOUNTS.contains(&name) => {
            // A missing attribute is the empty string, which no list contains.
            let value = node.attr("currencyID").unwrap_or("");
            sink.check_with(&BR_CL_03, CURRENCIES.has(value), node, || {
                format!("@currencyID {value:?} is not an {} code", CURRENCIES.name)
            });
        }
        "DocumentCurrencyCode" => member(&BR_CL_04, &CURRENCIES, node.text(), node, sink),
        "TaxCurrencyCode" => member(&BR_CL_05, &CURRENCIES, node.text(), node, sink),
        "DescriptionCode" if parent_is(node, "InvoicePeriod") => {
            member(&BR_CL_06, &PERIOD_CODES_UBL, node.text(), node, sink)
        }
        "Note" if node.parent() == Some(doc.root) => note(node, sink),
        "ID" => identifier(node, sink),
        "CompanyID" if parent_is(node, "PartyLegalEntity") => {
            attribute(&BR_CL_11, &ICD, node, "schemeID", sink)
        }
        "ItemClassificationCode" if parent_is(node, "CommodityClassification") => {
            attribute(&BR_CL_13, &ITEM_CLASSIFICATIONS, node, "listID", sink)
        }
        "IdentificationCode" if parent_is(node, "Country") => {
            member(&BR_CL_14, &COUNTRIES_UBL, node.text(), node, sink)
        }
        "IdentificationCode" if parent_is(node, "OriginCountry") => {
            member(&BR_CL_15, &COUNTRIES_UBL, node.text(), node, sink)
        }
        "PaymentMeansCode" if parent_is(node, "PaymentMeans") => {
            member(&BR_CL_16, &PAYMENT_MEANS, node.text(), node, sink)
        }
        "AllowanceChargeReasonCode" => {
            // `cac:AllowanceCharge[cbc:ChargeIndicator = false()|true()]`, any level.
            let charge = node
                .parent()
                .filter(|p| p.is(Namespace::CAC, "AllowanceCharge"))
                .and_then(|ac| ac.child(Namespace::CBC, "ChargeIndicator"))
                .and_then(|i| boolean(i.text()));
            match charge {
                Some(false) => member(&BR_CL_19, &ALLOWANCE_REASONS, node.text(), node, sink),
                Some(true) => member(&BR_CL_20, &CHARGE_REASONS, node.text(), node, sink),
                None => {}
            }
        }
        "TaxExemptionReasonCode" => {
            sink.check_with(&BR_CL_22, VATEX.has_upper(node.text()), node, || {
                format!("{:?} is not a {} code", node.text(), VATEX.name)
            });
        }
        "InvoicedQuantity" | "BaseQuantity" | "CreditedQuantity" => {
            attribute(&BR_CL_23, &UNITS, node, "unitCode", sink)
        }
        "EmbeddedDocumentBinaryObject" => {
            // Compared exactly, without trimming.
            if let Some(mime) = node.attr("mimeCode") {
                sink.check_with(&BR_CL_24, MIME_CODES.contains(mime), node, || {
                    format!("@mimeCode {mime:?} is not an allowed MIME code")
                });
            }
        }
        "EndpointID" => attribute(&BR_CL_25, &EAS, node, "schemeID", sink),
        _ => {}
    }
}

/// The `cbc:ID` contexts: tax categories (BR-CL-17/18) and identifier schemes
/// (BR-CL-07/10/21/26).
fn identifier(node: Node<'_>, sink: &mut Sink<'_>) {
    let Some(parent) = node.parent().filter(|p| p.namespace() == Namespace::CAC) else {
        return;
    };
    match parent.local_name() {
        "TaxCategory" => member(&BR_CL_17, &VAT_CATEGORIES, node.text(), node, sink),
        "ClassifiedTaxCategory" => member(&BR_CL_18, &VAT_CATEGORIES, node.text(), node, sink),
        "AdditionalDocumentReference" | "DocumentReference"
            if parent
                .children_named(Namespace::CBC, "DocumentTypeCode")
                .any(|c| c.text() == "130") =>
        {
            attribute(&BR_CL_07, &REFERENCE_QUALIFIERS, node, "schemeID", sink)
        }
        "PartyIdentification" => {
            let Some(scheme) = node.attr("schemeID") else {
                return;
            };
            // SEPA (creditor identifier) is allowed for the seller and the payee.
            let sepa = normalize_space(scheme) == "SEPA"
                && ancestors(node).any(|a| {
                    a.is(Namespace::CAC, "AccountingSupplierParty")
                        || a.is(Namespace::CAC, "PayeeParty")
                });
            sink.check_with(&BR_CL_10, ICD.has(scheme) || sepa, node, || {
                format!("@schemeID {scheme:?} is not an {} code", ICD.name)
            });
        }
        "StandardItemIdentification" => attribute(&BR_CL_21, &ICD, node, "schemeID", sink),
        "DeliveryLocation" => attribute(&BR_CL_26, &ICD, node, "schemeID", sink),
        _ => {}
    }
}

fn ancestors(node: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    std::iter::successors(node.parent(), |n| n.parent())
}

/// BR-CL-08: a note may start with a subject code between `#` signs; when the text
/// between the first two `#` is three characters long it must be a UNTDID 4451 code.
fn note(node: Node<'_>, sink: &mut Sink<'_>) {
    let text = node.string_value();
    let Some((_, after)) = text.split_once('#') else {
        return;
    };
    // `substring-before(…, '#')` is empty when no second '#' follows.
    let subject = after.split_once('#').map_or("", |(s, _)| s);
    if subject.chars().count() == 3 {
        sink.check_with(&BR_CL_08, TEXT_SUBJECTS_UBL.contains(subject), node, || {
            format!(
                "the note subject code {subject:?} is not a {} code",
                TEXT_SUBJECTS_UBL.name
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::validate::Sink;
    use crate::xml::{Limits, parse_str};

    fn fired(body: &str) -> Vec<&'static str> {
        let xml = format!(
            "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2\" \
             xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" \
             xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">{body}</Invoice>"
        );
        let document = parse_str(&xml, &Limits::default()).expect("test document parses");
        let mut findings = Vec::new();
        super::check(
            &super::super::Doc::new(document.root()),
            &mut Sink::new(&mut findings),
        );
        findings.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn codes_tolerate_surrounding_whitespace_only() {
        assert!(fired("<cbc:DocumentCurrencyCode>\n EUR \t</cbc:DocumentCurrencyCode>").is_empty());
        assert_eq!(
            fired("<cbc:DocumentCurrencyCode>E UR</cbc:DocumentCurrencyCode>"),
            ["BR-CL-04"]
        );
        assert_eq!(fired("<cbc:DocumentCurrencyCode/>"), ["BR-CL-04"]);
    }

    #[test]
    fn an_amount_without_currency_fails() {
        assert_eq!(
            fired("<cbc:PayableAmount>1</cbc:PayableAmount>"),
            ["BR-CL-03"]
        );
    }

    #[test]
    fn exemption_codes_are_case_insensitive_and_mime_codes_exact() {
        let vatex = "<cbc:TaxExemptionReasonCode> vatex-eu-ic </cbc:TaxExemptionReasonCode>";
        assert!(fired(vatex).is_empty());
        let mime = "<cbc:EmbeddedDocumentBinaryObject mimeCode=\"application/pdf \">x</cbc:EmbeddedDocumentBinaryObject>";
        assert_eq!(fired(mime), ["BR-CL-24"]);
    }

    #[test]
    fn sepa_is_a_scheme_for_the_seller_only() {
        let party = |role: &str| {
            format!(
                "<cac:{role}><cac:Party><cac:PartyIdentification><cbc:ID schemeID=\" SEPA\">X</cbc:ID>\
                 </cac:PartyIdentification></cac:Party></cac:{role}>"
            )
        };
        assert!(fired(&party("AccountingSupplierParty")).is_empty());
        assert_eq!(fired(&party("AccountingCustomerParty")), ["BR-CL-10"]);
    }

    #[test]
    fn a_note_subject_is_checked_only_when_three_characters_long() {
        assert!(fired("<cbc:Note>#AAI#text</cbc:Note>").is_empty());
        assert_eq!(fired("<cbc:Note>#XYZ#text</cbc:Note>"), ["BR-CL-08"]);
        assert!(fired("<cbc:Note>#XYZW#text</cbc:Note>").is_empty());
        assert!(fired("<cbc:Note>no subject # here</cbc:Note>").is_empty());
    }
}
