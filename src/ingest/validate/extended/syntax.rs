//! Code-list and syntax rules of EXTENDED-CTC-FR (rules-catalogue-profiles §2.7, §2.8):
//! the EN lists widened (ICD + BY/SE, MIME + XML, charge reasons from UNCL 5153), the
//! new INCOTERMS list, and the EN syntax restrictions the profile relaxes into their
//! own ids (more referenced-document fields, restricted delivery terms, one optional
//! line tax category).

use crate::ingest::validate::codelists::{ALLOWANCE_REASONS, CHARGE_REASONS, ICD, MIME_CODES};
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::xpath::{boolean, normalize_space};
use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

rules! {
    CL_10 = "BR-FREXT-CL-10", Fatal, ["BT-29-1", "BT-46-1", "BT-60-1"], "Party identifier schemes are ISO 6523 ICD codes, BY or SE";
    CL_19_GP = "BR-FREXT-CL-19-GP", Fatal, [], "Gross price allowance reason codes are UNTDID 5189 codes";
    CL_20 = "BR-FREXT-CL-20", Fatal, ["BT-105", "BT-145"], "Charge reason codes without list or of list 7161 are UNTDID 7161 codes";
    CL_20_TAX = "BR-FREXT-CL-20-TAX", Fatal, ["BT-105", "BT-145"], "Charge reason codes of list 5153 are UNCL 5153 tax codes other than VAT";
    CL_20_LISTID = "BR-FREXT-CL-20-LISTID", Fatal, ["BT-105", "BT-145"], "A charge reason code list is 7161 or 5153";
    CL_24 = "BR-FREXT-CL-24", Fatal, ["BT-125-1"], "Attachment MIME codes are one of the allowed media types (XML included)";
    CL_27 = "BR-FREXT-CL-27", Fatal, [], "Delivery terms are INCOTERMS codes";
    UBL_SR_48 = "UBL-FREXT-SR-48", Fatal, ["BT-151"], "An invoice line that counts in totals has exactly one classified tax category, other lines at most one";
    UBL_CR_410 = "UBL-FREXT-CR-410", Warning, [], "Document delivery terms only carry an id and a delivery location name";
    UBL_CR_645 = "UBL-FREXT-CR-645", Warning, [], "Line delivery terms only carry an id and a delivery location name";
    CII_CR_490 = "CII-FREXT-CR-490", Warning, [], "The tax exchange rate only carries source and target currencies, rate and date";
    CII_SR_106 = "CII-FREXT-SR-106", Warning, [], "Line delivery terms only carry a delivery type code and a location name";
    CII_SR_293 = "CII-FREXT-SR-293", Warning, [], "Delivery terms only carry a delivery type code and a location name";
    CII_SR_366 = "CII-FREXT-SR-366", Warning, [], "The tax currency exchange only carries source and target currencies, rate and date";
    CII_SR_439 = "CII-FREXT-SR-439", Fatal, ["BT-146"], "A line has at most one net price";
    CII_SR_454 = "CII-SR-454", Warning, ["BG-30"], "A line has at most one applicable trade tax";
    CII_DT_018 = "CII-EXT-DT-018", Fatal, [], "A referenced document has a type code only as an additional document of type 50, 130 or 916, or as a preceding invoice";
    CII_DT_024 = "CII-FREXT-DT-024", Fatal, ["BT-18-1"], "A referenced document has a reference type code only as an invoiced object (130) or a contract";
    CII_DT_027 = "CII-FREXTDT-027", Fatal, [], "A referenced document has a formatted issue date only as a preceding invoice, contract, order or despatch advice";
}

/// UNCL 5153 tax codes other than VAT (BR-FREXT-CL-20-TAX).
pub(crate) const TAX_CODES: &[&str] = &[
    "AAA", "AAB", "AAC", "AAD", "AAE", "AAF", "AAG", "AAH", "AAI", "AAJ", "AAK", "AAL", "AAM",
    "AAO", "AAP", "ADD", "BOL", "CAP", "CAR", "COC", "CST", "CUD", "CVD", "ENV", "EXC", "EXP",
    "FET", "FRE", "GCN", "GST", "ILL", "IMP", "IND", "LAC", "LCN", "LDP", "LOC", "LST", "MCA",
    "MCD", "OTH", "PDB", "PDC", "PRF", "SCN", "SSS", "STT", "SUP", "SUR", "SWT", "TAC", "TOT",
    "TOX", "TTA", "VAD",
];

/// INCOTERMS (BR-FREXT-CL-27).
pub(crate) const INCOTERMS: &[&str] = &[
    "1", "2", "CFR", "CIF", "CIP", "CPT", "DAP", "DDP", "DPU", "EXW", "FAS", "FCA", "FOB",
];

/// The official membership test on a fixed list: one whitespace-collapsed token.
fn in_list(list: &[&str], value: &str) -> bool {
    let token = normalize_space(value);
    !token.contains(' ') && list.contains(&token.as_str())
}

fn has_ancestor(node: Node<'_>, ns: Namespace, local: &str) -> bool {
    let mut cur = node.parent();
    while let Some(p) = cur {
        if p.is(ns, local) {
            return true;
        }
        cur = p.parent();
    }
    false
}

/// The three BR-FREXT-CL-20 rules on one charge reason code (first match wins).
fn charge_reason(code: Node<'_>, sink: &mut Sink<'_>) {
    let (rule, holds) = match code.attr("listID") {
        None | Some("7161") => (&CL_20, CHARGE_REASONS.has(code.text())),
        Some("5153") => (&CL_20_TAX, in_list(TAX_CODES, code.text())),
        // The official test reads the value, not the attribute (catalogue §2.7).
        Some(_) => (&CL_20_LISTID, in_list(&["7161", "5153"], code.text())),
    };
    sink.check(
        rule,
        holds,
        code,
        "the charge reason code is not in its code list",
    );
}

/// Only the named children (by local name) occur below `node`.
fn only_children(node: Node<'_>, allowed: &[&str]) -> bool {
    node.children().all(|c| allowed.contains(&c.local_name()))
}

/// UBL rules.
pub(crate) fn ubl(root: Node<'_>, sink: &mut Sink<'_>) {
    let bt1 = root.child(Namespace::CBC, "ID").map_or("", |n| n.text());
    for node in root.document().elements() {
        if node.is(Namespace::CBC, "ID")
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::CAC, "PartyIdentification"))
        {
            if let Some(scheme) = node.attr("schemeID") {
                let sepa = normalize_space(scheme) == "SEPA"
                    && (has_ancestor(node, Namespace::CAC, "AccountingSupplierParty")
                        || has_ancestor(node, Namespace::CAC, "PayeeParty"));
                sink.check(
                    &CL_10,
                    ICD.has(scheme) || in_list(&["BY", "SE"], scheme) || sepa,
                    node,
                    "the party identifier scheme is not an ISO 6523 ICD code, BY or SE",
                );
            }
        } else if node.is(Namespace::CBC, "AllowanceChargeReasonCode") {
            let charge = node.parent().is_some_and(|ac| {
                ac.is(Namespace::CAC, "AllowanceCharge")
                    && ac
                        .children_named(Namespace::CBC, "ChargeIndicator")
                        .any(|i| boolean(i.text()) == Some(true))
            });
            if charge {
                charge_reason(node, sink);
            }
        } else if node.is(Namespace::CBC, "EmbeddedDocumentBinaryObject") {
            if let Some(mime) = node.attr("mimeCode") {
                sink.check(
                    &CL_24,
                    MIME_CODES.contains(mime) || matches!(mime, "application/xml" | "text/xml"),
                    node,
                    "the attachment MIME code is not an allowed media type",
                );
            }
        } else if node.is(Namespace::CBC, "ID")
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::CAC, "DeliveryTerms"))
        {
            sink.check(
                &CL_27,
                in_list(INCOTERMS, node.text()),
                node,
                "the delivery terms are not an INCOTERMS code",
            );
        } else if super::super::en16931::ubl::is_line(node) && node.parent() == Some(root) {
            let categories = node
                .all(&[
                    (Namespace::CAC, "Item"),
                    (Namespace::CAC, "ClassifiedTaxCategory"),
                ])
                .len();
            let references = node.all(&[
                (Namespace::CAC, "BillingReference"),
                (Namespace::CAC, "InvoiceDocumentReference"),
                (Namespace::CBC, "ID"),
            ]);
            let detail = super::model::ubl_self_reference(node, bt1)
                .and_then(|r| {
                    r.first(&[
                        (Namespace::CAC, "InvoiceDocumentReference"),
                        (Namespace::CBC, "DocumentStatusCode"),
                    ])
                })
                .is_some_and(|s| s.text() == "DETAIL");
            let counted = references.is_empty() || detail;
            sink.check(
                &UBL_SR_48,
                if counted { categories == 1 } else { categories <= 1 },
                node,
                "the line needs exactly one classified tax category (at most one when it does not count in totals)",
            );
            for terms in node.children_named(Namespace::CAC, "DeliveryTerms") {
                delivery_terms_ubl(&UBL_CR_645, terms, root, sink);
            }
        }
    }
    for terms in root.children_named(Namespace::CAC, "DeliveryTerms") {
        delivery_terms_ubl(&UBL_CR_410, terms, root, sink);
    }
    for rate in root.children_named(Namespace::CAC, "TaxExchangeRate") {
        sink.check(
            &CII_CR_490,
            only_children(
                rate,
                &[
                    "SourceCurrencyCode",
                    "TargetCurrencyCode",
                    "CalculationRate",
                    "Date",
                ],
            ),
            root,
            "the tax exchange rate carries other elements than currencies, rate and date",
        );
    }
}

fn delivery_terms_ubl(rule: &'static Rule, terms: Node<'_>, root: Node<'_>, sink: &mut Sink<'_>) {
    let location_ok = terms
        .children_named(Namespace::CAC, "DeliveryLocation")
        .all(|l| only_children(l, &["Name"]));
    sink.check(
        rule,
        only_children(terms, &["ID", "DeliveryLocation"]) && location_ok,
        root,
        "the delivery terms carry other elements than an id and a delivery location name",
    );
}

/// CII rules.
pub(crate) fn cii(root: Node<'_>, sink: &mut Sink<'_>) {
    let ram = |node: Node<'_>, local: &str| node.is(Namespace::RAM, local);
    for node in root.document().elements() {
        if node.namespace() != Namespace::RAM {
            continue;
        }
        let parent = node.parent();
        let under = |local: &str| parent.is_some_and(|p| ram(p, local));
        let local = node.local_name();
        if local.ends_with("ReferencedDocument") {
            referenced_document(node, sink);
        }
        match local {
            "GlobalID" => {
                if let Some(scheme) = node.attr("schemeID")
                    && !has_ancestor(node, Namespace::RAM, "SpecifiedTradeProduct")
                    && !has_ancestor(node, Namespace::RAM, "ShipToTradeParty")
                {
                    sink.check(
                        &CL_10,
                        ICD.has(scheme) || in_list(&["BY", "SE"], scheme),
                        node,
                        "the global identifier scheme is not an ISO 6523 ICD code, BY or SE",
                    );
                }
            }
            "ReasonCode" => {
                let Some(charge) = parent.filter(|p| {
                    ram(*p, "SpecifiedTradeAllowanceCharge")
                        || ram(*p, "AppliedTradeAllowanceCharge")
                }) else {
                    continue;
                };
                let indicator = |value| {
                    charge
                        .all(&[
                            (Namespace::RAM, "ChargeIndicator"),
                            (Namespace::UDT, "Indicator"),
                        ])
                        .iter()
                        .any(|i| boolean(i.text()) == Some(value))
                };
                if ram(charge, "SpecifiedTradeAllowanceCharge") && indicator(true) {
                    charge_reason(node, sink);
                } else if ram(charge, "AppliedTradeAllowanceCharge")
                    && indicator(false)
                    && charge
                        .parent()
                        .is_some_and(|p| ram(p, "GrossPriceProductTradePrice"))
                {
                    sink.check(
                        &CL_19_GP,
                        ALLOWANCE_REASONS.has(node.text()),
                        node,
                        "the gross price allowance reason code is not a UNTDID 5189 code",
                    );
                }
            }
            "AttachmentBinaryObject" => {
                if let Some(mime) = node.attr("mimeCode") {
                    sink.check(
                        &CL_24,
                        MIME_CODES.contains(mime) || matches!(mime, "application/xml" | "text/xml"),
                        node,
                        "the attachment MIME code is not an allowed media type",
                    );
                }
            }
            "DeliveryTypeCode" if under("ApplicableTradeDeliveryTerms") => {
                sink.check(
                    &CL_27,
                    in_list(INCOTERMS, node.text()),
                    node,
                    "the delivery terms are not an INCOTERMS code",
                );
            }
            "SpecifiedLineTradeAgreement" => {
                let prices = node.all(&[
                    (Namespace::RAM, "NetPriceProductTradePrice"),
                    (Namespace::RAM, "ChargeAmount"),
                ]);
                sink.check(
                    &CII_SR_439,
                    prices.len() <= 1,
                    node,
                    "the line has more than one net price",
                );
                delivery_terms_cii(&CII_SR_106, node, sink);
            }
            "SpecifiedLineTradeSettlement" => {
                let taxes = node
                    .children_named(Namespace::RAM, "ApplicableTradeTax")
                    .count();
                sink.check(
                    &CII_SR_454,
                    taxes <= 1,
                    node,
                    "the line has more than one applicable trade tax",
                );
            }
            "ApplicableHeaderTradeAgreement" => delivery_terms_cii(&CII_SR_293, node, sink),
            "ApplicableHeaderTradeSettlement" => {
                let ok = node
                    .children_named(Namespace::RAM, "TaxApplicableTradeCurrencyExchange")
                    .all(|x| {
                        only_children(
                            x,
                            &[
                                "SourceCurrencyCode",
                                "TargetCurrencyCode",
                                "ConversionRate",
                                "ConversionRateDateTime",
                            ],
                        )
                    });
                sink.check(&CII_SR_366, ok, node, "the tax currency exchange carries other elements than currencies, rate and date");
            }
            _ => {}
        }
    }
}

fn delivery_terms_cii(rule: &'static Rule, agreement: Node<'_>, sink: &mut Sink<'_>) {
    let ok = agreement
        .children_named(Namespace::RAM, "ApplicableTradeDeliveryTerms")
        .all(|t| {
            only_children(t, &["DeliveryTypeCode", "RelevantTradeLocation"])
                && t.children_named(Namespace::RAM, "RelevantTradeLocation")
                    .all(|l| only_children(l, &["Name"]))
        });
    sink.check(
        rule,
        ok,
        agreement,
        "the delivery terms carry other elements than a type code and a location name",
    );
}

/// The three referenced-document rules EXTENDED-CTC-FR widens.
fn referenced_document(node: Node<'_>, sink: &mut Sink<'_>) {
    let type_is = |code: &str| {
        node.children_named(Namespace::RAM, "TypeCode")
            .any(|t| t.text() == code)
    };
    let is = |local: &str| node.is(Namespace::RAM, local);
    let additional = is("AdditionalReferencedDocument");
    let typed = (additional && (type_is("50") || type_is("130") || type_is("916")))
        || is("InvoiceReferencedDocument");
    let reference_typed = (additional && type_is("130")) || is("ContractReferencedDocument");
    let dated = is("InvoiceReferencedDocument")
        || is("ContractReferencedDocument")
        || is("BuyerOrderReferencedDocument")
        || is("DespatchAdviceReferencedDocument");
    for (rule, child, allowed) in [
        (&CII_DT_018, "TypeCode", typed),
        (&CII_DT_024, "ReferenceTypeCode", reference_typed),
        (&CII_DT_027, "FormattedIssueDateTime", dated),
    ] {
        if !allowed && node.child(Namespace::RAM, child).is_some() {
            sink.fail(
                rule,
                node,
                format!("ram:{child} is not allowed in this referenced document"),
            );
        }
    }
}
