//! Code-list rules BR-CL-* (CII, pattern `EN16931-Codes`). Every context is a single
//! `ram:` element, so one walk dispatches them all on the element's name and
//! ancestors; the lists themselves are data ([`crate::ingest::validate::codelists`]).

use super::Doc;
use crate::ingest::validate::codelists::{
    ALLOWANCE_REASONS, CHARGE_REASONS, COUNTRIES_CII, CURRENCIES, CodeList, DOCUMENT_TYPES_CII,
    DUE_DATE_CODES_CII, EAS, ICD, ITEM_CLASSIFICATIONS, MIME_CODES, PAYMENT_MEANS,
    REFERENCE_QUALIFIERS, TEXT_SUBJECTS_CII, UNITS, VAT_CATEGORIES, VATEX,
};
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::xpath::boolean;
use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

rules! {
    BR_CL_01 = "BR-CL-01", Fatal, ["BT-3"], "The invoice type code is in the UNTDID 1001 subset";
    BR_CL_03 = "BR-CL-03", Fatal, ["currencyID"], "The currencyID of each tax total amount is an ISO 4217 currency code";
    BR_CL_04 = "BR-CL-04", Fatal, ["BT-5"], "The invoice currency code is an ISO 4217 currency code";
    BR_CL_05 = "BR-CL-05", Fatal, ["BT-6"], "The VAT accounting currency code is an ISO 4217 currency code";
    BR_CL_06 = "BR-CL-06", Fatal, ["BT-8"], "The value added tax point date code is 5, 29 or 72 (UNTDID 2475 subset)";
    BR_CL_07 = "BR-CL-07", Fatal, ["BT-18-1"], "Reference type codes are UNTDID 1153 reference qualifiers";
    BR_CL_08 = "BR-CL-08", Fatal, ["BT-21"], "Invoice note subject codes are UNTDID 4451 text subject qualifiers";
    BR_CL_10 = "BR-CL-10", Fatal, ["BT-29-1", "BT-46-1", "BT-60-1"], "Global identifier schemes are ISO 6523 ICD codes";
    BR_CL_11 = "BR-CL-11", Fatal, ["BT-30-1", "BT-47-1", "BT-61-1"], "Identifier schemes (other than tax registrations) are ISO 6523 ICD codes";
    BR_CL_13 = "BR-CL-13", Fatal, ["BT-158-1"], "Item classification list identifiers are UNTDID 7143 codes";
    BR_CL_14 = "BR-CL-14", Fatal, ["BT-40", "BT-55", "BT-69", "BT-80"], "Country codes are ISO 3166-1 alpha-2 codes";
    BR_CL_15 = "BR-CL-15", Fatal, ["BT-159"], "The item country of origin is an ISO 3166-1 alpha-2 code";
    BR_CL_16 = "BR-CL-16", Fatal, ["BT-81"], "The payment means type code is a UNTDID 4461 code";
    BR_CL_17 = "BR-CL-17", Fatal, ["BT-95", "BT-102"], "Allowance and charge VAT category codes are UNCL 5305 codes of the EN 16931 subset";
    BR_CL_18 = "BR-CL-18", Fatal, ["BT-151", "BT-118"], "Line and breakdown VAT category codes are UNCL 5305 codes of the EN 16931 subset";
    BR_CL_19 = "BR-CL-19", Fatal, ["BT-98", "BT-140"], "Allowance reason codes are UNTDID 5189 codes of the EN 16931 subset";
    BR_CL_20 = "BR-CL-20", Fatal, ["BT-105", "BT-145"], "Charge reason codes are UNTDID 7161 codes";
    BR_CL_21 = "BR-CL-21", Fatal, ["BT-157-1"], "Item standard identifier schemes are ISO 6523 ICD codes";
    BR_CL_22 = "BR-CL-22", Fatal, ["BT-121"], "VAT exemption reason codes are VATEX codes (case-insensitive)";
    BR_CL_23 = "BR-CL-23", Fatal, ["BT-130", "BT-150"], "Unit codes are UN/ECE Recommendation 20 or 21 codes";
    BR_CL_24 = "BR-CL-24", Fatal, ["BT-125-1"], "Attachment MIME codes are one of the six allowed media types";
    BR_CL_25 = "BR-CL-25", Fatal, ["BT-34-1", "BT-49-1"], "Electronic address schemes are CEF EAS codes";
    BR_CL_26 = "BR-CL-26", Fatal, ["BT-71-1"], "Deliver-to location identifier schemes are ISO 6523 ICD codes";
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    for node in doc.elements() {
        if node.namespace() == Namespace::RAM {
            element(node, sink);
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

/// `ram:ChargeIndicator/udt:Indicator` compared with `false()`/`true()`: cast to a
/// boolean, `None` when absent or not a boolean.
fn indicator(allowance_charge: Node<'_>) -> Option<bool> {
    allowance_charge
        .first(&[
            (Namespace::RAM, "ChargeIndicator"),
            (Namespace::UDT, "Indicator"),
        ])
        .and_then(|i| boolean(i.text()))
}

fn parent_is(node: Node<'_>, ns: Namespace, local: &str) -> bool {
    node.parent().is_some_and(|p| p.is(ns, local))
}

fn has_ancestor(node: Node<'_>, local: &str) -> bool {
    std::iter::successors(node.parent(), |n| n.parent()).any(|a| a.is(Namespace::RAM, local))
}

fn element(node: Node<'_>, sink: &mut Sink<'_>) {
    let text = node.text();
    match node.local_name() {
        "TypeCode" if parent_is(node, Namespace::RSM, "ExchangedDocument") => {
            member(&BR_CL_01, &DOCUMENT_TYPES_CII, text, node, sink)
        }
        "TypeCode" if parent_is(node, Namespace::RAM, "SpecifiedTradeSettlementPaymentMeans") => {
            member(&BR_CL_16, &PAYMENT_MEANS, text, node, sink)
        }
        "TaxTotalAmount" => attribute(&BR_CL_03, &CURRENCIES, node, "currencyID", sink),
        "InvoiceCurrencyCode" => member(&BR_CL_04, &CURRENCIES, text, node, sink),
        "TaxCurrencyCode" => member(&BR_CL_05, &CURRENCIES, text, node, sink),
        "DueDateTypeCode" => member(&BR_CL_06, &DUE_DATE_CODES_CII, text, node, sink),
        "ReferenceTypeCode" => member(&BR_CL_07, &REFERENCE_QUALIFIERS, text, node, sink),
        "SubjectCode" => member(&BR_CL_08, &TEXT_SUBJECTS_CII, text, node, sink),
        "GlobalID" => global_id(node, sink),
        // BR-CL-11 comes before BR-CL-15 in the pattern: an origin country id that
        // carries a @schemeID is checked as a scheme, not as a country.
        "ID" if node.attr("schemeID").is_some()
            && !has_ancestor(node, "SpecifiedTaxRegistration") =>
        {
            attribute(&BR_CL_11, &ICD, node, "schemeID", sink)
        }
        "ID" if parent_is(node, Namespace::RAM, "OriginTradeCountry") => {
            member(&BR_CL_15, &COUNTRIES_CII, text, node, sink)
        }
        "ClassCode" => attribute(&BR_CL_13, &ITEM_CLASSIFICATIONS, node, "listID", sink),
        "CountryID" => member(&BR_CL_14, &COUNTRIES_CII, text, node, sink),
        "CategoryCode" if parent_is(node, Namespace::RAM, "CategoryTradeTax") => {
            member(&BR_CL_17, &VAT_CATEGORIES, text, node, sink)
        }
        "CategoryCode" if parent_is(node, Namespace::RAM, "ApplicableTradeTax") => {
            member(&BR_CL_18, &VAT_CATEGORIES, text, node, sink)
        }
        "ReasonCode" => {
            let charge = node
                .parent()
                .filter(|p| p.is(Namespace::RAM, "SpecifiedTradeAllowanceCharge"))
                .and_then(indicator);
            match charge {
                Some(false) => member(&BR_CL_19, &ALLOWANCE_REASONS, text, node, sink),
                Some(true) => member(&BR_CL_20, &CHARGE_REASONS, text, node, sink),
                None => {}
            }
        }
        "ExemptionReasonCode" => {
            sink.check_with(&BR_CL_22, VATEX.has_upper(text), node, || {
                format!("{text:?} is not a {} code", VATEX.name)
            });
        }
        "BasisQuantity" | "BilledQuantity" => attribute(&BR_CL_23, &UNITS, node, "unitCode", sink),
        "AttachmentBinaryObject" => {
            // Compared exactly, without trimming.
            if let Some(mime) = node.attr("mimeCode") {
                sink.check_with(&BR_CL_24, MIME_CODES.contains(mime), node, || {
                    format!("@mimeCode {mime:?} is not an allowed MIME code")
                });
            }
        }
        "URIID" if parent_is(node, Namespace::RAM, "URIUniversalCommunication") => {
            attribute(&BR_CL_25, &EAS, node, "schemeID", sink)
        }
        _ => {}
    }
}

/// The three `ram:GlobalID` contexts: item identifiers (BR-CL-21), the header
/// deliver-to party (BR-CL-26), and every other one outside a product or a deliver-to
/// party (BR-CL-10).
fn global_id(node: Node<'_>, sink: &mut Sink<'_>) {
    if node.attr("schemeID").is_none() {
        return;
    }
    if parent_is(node, Namespace::RAM, "SpecifiedTradeProduct") {
        attribute(&BR_CL_21, &ICD, node, "schemeID", sink);
    } else if parent_is(node, Namespace::RAM, "ShipToTradeParty")
        && node
            .parent()
            .and_then(|p| p.parent())
            .is_some_and(|d| d.is(Namespace::RAM, "ApplicableHeaderTradeDelivery"))
    {
        attribute(&BR_CL_26, &ICD, node, "schemeID", sink);
    }
    if !has_ancestor(node, "SpecifiedTradeProduct") && !has_ancestor(node, "ShipToTradeParty") {
        attribute(&BR_CL_10, &ICD, node, "schemeID", sink);
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::validate::Sink;
    use crate::xml::{Limits, parse_str};

    fn fired(body: &str) -> Vec<&'static str> {
        let xml = format!(
            "<rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\" \
             xmlns:ram=\"urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100\">\
             {body}</rsm:CrossIndustryInvoice>"
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
    fn country_lists_differ_from_ubl() {
        assert!(fired("<ram:CountryID>AN</ram:CountryID>").is_empty());
        assert_eq!(fired("<ram:CountryID>SS</ram:CountryID>"), ["BR-CL-14"]);
    }

    #[test]
    fn an_origin_country_with_a_scheme_is_checked_as_a_scheme_only() {
        let origin = |attr: &str| {
            format!("<ram:OriginTradeCountry><ram:ID{attr}>XX</ram:ID></ram:OriginTradeCountry>")
        };
        assert_eq!(fired(&origin("")), ["BR-CL-15"]);
        assert!(fired(&origin(" schemeID=\"0088\"")).is_empty());
    }

    #[test]
    fn tax_registrations_are_not_icd_schemes() {
        let registration = "<ram:SpecifiedTaxRegistration><ram:ID schemeID=\"VA\">FR1</ram:ID></ram:SpecifiedTaxRegistration>";
        assert!(fired(registration).is_empty());
        assert_eq!(fired("<ram:ID schemeID=\"VA\">FR1</ram:ID>"), ["BR-CL-11"]);
    }
}
