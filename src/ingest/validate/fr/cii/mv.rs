//! Multi-vendor (cadres S8/B8/M8) and bidirectional (S9/B9/M9) invoices (CII):
//! BR-FR-MV-01 … 14, BR-FR-BD-02, 13, 14.
//!
//! CII carries the sub-type and parent line in `ram:AssociatedDocumentLineDocument`
//! ([`super::Line`]); a top GROUP line is the line item itself (C-GROUP). Where the
//! CII file differs from the UBL one it is followed: MV-01 checks only existing
//! sub-types, MV-03 only existing AFL/AVV references, MV-12 compares with any earlier
//! `ram:IssuerAssignedID`.

use std::collections::{HashMap, HashSet};

use super::{Doc, Line, at, has_child_text, ram, sub_invoice_docs};
use crate::ingest::validate::fr::defs::{MV_FORBIDDEN_TYPES, shown, within};
use crate::ingest::validate::fr::lookup::{Breakdowns, Parents};
use crate::ingest::validate::fr::{Assertion, FrSink, assertions};
use crate::ingest::validate::xpath::{double, nb, normalize_space, string_value};
use crate::xml::{Namespace, Node};

assertions! {
    SUBTYPE = BR_FR_MV_01, "BR-FR-MV-01_EXT-FR-FE-163", "EXT-FR-FE-163";
    HAS_GROUP = BR_FR_MV_02, "BR-FR-MV-02_EXT-FR-FE-163", "EXT-FR-FE-163";
    TWO_GROUPS = BR_FR_BD_02, "BR-FR-BD-02_EXT-FR-FE-163", "EXT-FR-FE-163";
    SELLER_GROUP = BR_FR_BD_02, "BR-FR-BD-02_BT-31", "BT-31";
    BUYER_GROUP = BR_FR_BD_02, "BR-FR-BD-02_BT-47", "BT-47";
    GROUP_NAME = BR_FR_MV_03, "BR-FR-MV-03_EXT-FR-FE-164", "EXT-FR-FE-164";
    GROUP_ID = BR_FR_MV_03, "BR-FR-MV-03_EXT-FR-FE-167", "EXT-FR-FE-167";
    GROUP_COUNTRY = BR_FR_MV_03, "BR-FR-MV-03_EXT-FR-FE-177", "EXT-FR-FE-177";
    GROUP_VAT = BR_FR_MV_03, "BR-FR-MV-03_EXT-FR-FE-181", "EXT-FR-FE-181";
    GROUP_VAT_ACCOUNTING = BR_FR_MV_03, "BR-FR-MV-03_EXT-FR-FE-182", "EXT-FR-FE-182";
    GROUP_AFL = BR_FR_MV_03, "BR-FR-MV-03_BT-128_AFL", "BT-128";
    GROUP_AVV = BR_FR_MV_03, "BR-FR-MV-03_BT-128_AVV", "BT-128";
    GROUP_AMOUNT = BR_FR_MV_05, "BR-FR-MV-05_EXT-FR-FE-BG-12", "BT-131";
    LINE_SELLER = BR_FR_MV_06, "BR-FR-MV-06_EXT-FR-FE-167", "EXT-FR-FE-167";
    LINE_AFL = BR_FR_MV_07, "BR-FR-MV-07_BT-128", "BT-128";
    DETAIL_REASON = BR_FR_MV_08, "BR-FR-MV-08_BT-128", "BT-120";
    GROUP_VAT_SUM = BR_FR_MV_09, "BR-FR-MV-09_EXT-FR-FE-181", "EXT-FR-FE-181";
    GROUP_TOTAL = BR_FR_MV_10, "BR-FR-MV-10_EXT-FR-FE-184", "EXT-FR-FE-184";
    MAIN_SELLER_NUMBER = BR_FR_MV_11, "BR-FR-MV-11_BT-128", "BT-128";
    UNIQUE_AFL = BR_FR_MV_12, "BR-FR-MV-12_BT-128", "BT-128";
    MV_TYPE = BR_FR_MV_13, "BR-FR-MV-13_BT-3", "BT-3";
    BD_TYPE = BR_FR_BD_13, "BR-FR-BD-13_BT-3", "BT-3";
    MV_PRECEDING_ID = BR_FR_MV_14, "BR-FR-MV-14-EXT-FR-FE-136", "EXT-FR-FE-136";
    MV_PRECEDING_DATE = BR_FR_MV_14, "BR-FR-MV-14-EXT-FR-FE-138", "EXT-FR-FE-138";
    BD_PRECEDING_ID = BR_FR_BD_14, "BR-FR-BD-14-EXT-FR-FE-136", "EXT-FR-FE-136";
    BD_PRECEDING_DATE = BR_FR_BD_14, "BR-FR-BD-14-EXT-FR-FE-138", "EXT-FR-FE-138";
}

/// `number()` of an optional node: NaN when absent or not a number.
fn number(node: Option<Node<'_>>) -> f64 {
    node.and_then(|n| double(&string_value(n)))
        .unwrap_or(f64::NAN)
}

/// The line monetary summation element `ram:{local}` of a line item.
fn line_sum<'d>(line: &Line<'d>, local: &str) -> Vec<Node<'d>> {
    line.node.all(&[
        ram("SpecifiedLineTradeSettlement"),
        ram("SpecifiedTradeSettlementLineMonetarySummation"),
        ram(local),
    ])
}

/// The line VAT total in `currency` (`…/ram:TaxTotalAmount[@currencyID = currency]`).
fn line_vat<'d>(line: &Line<'d>, currency: Option<&str>) -> Option<Node<'d>> {
    let currency = currency?;
    line_sum(line, "TaxTotalAmount")
        .into_iter()
        .find(|t| t.attr("currencyID") == Some(currency))
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    let cadre = doc.cadre;
    if !cadre.special {
        // Every rule of this family is conditioned on cadre 8 or 9.
        return;
    }
    let mut parent_lines = Parents::default();
    let mut children: HashMap<&str, Vec<&Line<'_>>> = HashMap::new();
    for line in &doc.lines {
        parent_lines.add(line.id, &line.seller_ids, line.afl.iter().map(|a| a.text()));
        let mut parents = line.parents.clone();
        parents.sort_unstable();
        parents.dedup();
        for parent in parents {
            children.entry(parent).or_default().push(line);
        }
    }
    let children_of = |line: &Line<'_>| -> Vec<&Line<'_>> {
        let id = normalize_space(line.id.unwrap_or(""));
        children.get(id.as_str()).cloned().unwrap_or_default()
    };
    let groups: Vec<&Line<'_>> = doc.lines.iter().filter(|l| l.group).collect();
    let mut breakdowns = Breakdowns::default();
    for tax in at(doc.settlement, &[ram("ApplicableTradeTax")]) {
        if has_child_text(tax, "TypeCode", "VAT") {
            let reason = tax
                .child(Namespace::RAM, "ExemptionReason")
                .map(|r| string_value(r).into_owned())
                .unwrap_or_default();
            breakdowns.add(
                reason,
                number(tax.child(Namespace::RAM, "CalculatedAmount")),
            );
        }
    }
    let legal_ids = |party: &str| -> Vec<&str> {
        at(
            doc.agreement,
            &[ram(party), ram("SpecifiedLegalOrganization"), ram("ID")],
        )
        .into_iter()
        .map(|n| n.text())
        .collect()
    };
    let (seller_ids, buyer_ids) = (legal_ids("SellerTradeParty"), legal_ids("BuyerTradeParty"));

    if let Some(transaction) = doc.transaction {
        if cadre.multi_vendor {
            sink.check(&HAS_GROUP, !groups.is_empty(), transaction, "a multi-vendor invoice needs at least one top GROUP line (LineStatusReasonCode GROUP without ParentLineID)");
        }
        if cadre.bidirectional {
            sink.check_with(&TWO_GROUPS, groups.len() == 2, transaction, || {
                format!(
                    "a bidirectional invoice needs exactly two top GROUP lines; it has {}",
                    groups.len()
                )
            });
            for (assertion, ids, whose) in [
                (&SELLER_GROUP, &seller_ids, "seller"),
                (&BUYER_GROUP, &buyer_ids, "buyer"),
            ] {
                let count = groups
                    .iter()
                    .filter(|l| l.seller_ids.iter().any(|s| ids.contains(s)))
                    .count();
                let message = || {
                    format!(
                        "a bidirectional invoice needs exactly one top GROUP line whose seller legal id is the {whose}'s; it has {count}"
                    )
                };
                sink.check_with(assertion, count == 1, transaction, message);
            }
        }
        unique_sub_invoice(doc, transaction, sink);
    }
    for node in at(doc.document, &[ram("TypeCode")]) {
        let raw = string_value(node);
        let value = normalize_space(&raw);
        if cadre.multi_vendor {
            sink.check_with(
                &MV_TYPE,
                nb(&raw) && !MV_FORBIDDEN_TYPES.contains(&raw.as_ref()),
                node,
                || format!("a multi-vendor invoice cannot be self-billed: type code '{raw}'"),
            );
        }
        if cadre.bidirectional {
            let message = || {
                format!(
                    "a bidirectional invoice must be self-billed (389, 261, 501, 500, 502, 471, 473): type code '{value}'"
                )
            };
            sink.check_with(
                &BD_TYPE,
                nb(&raw) && MV_FORBIDDEN_TYPES.contains(&value.as_str()),
                node,
                message,
            );
        }
    }

    for line in &doc.lines {
        for status in line.node.all(&[
            ram("AssociatedDocumentLineDocument"),
            ram("LineStatusReasonCode"),
        ]) {
            sink.check(
                &SUBTYPE,
                nb(&string_value(status)),
                status,
                "the line sub-type (LineStatusReasonCode) is blank",
            );
        }
        let own_seller = line
            .seller_ids
            .first()
            .map(|s| normalize_space(s))
            .unwrap_or_default();
        let parent_seller = normalize_space(parent_lines.seller(&line.parents).unwrap_or(""));
        let message = || {
            format!(
                "the line seller legal id '{own_seller}' is missing or differs from its parent line's ('{parent_seller}')"
            )
        };
        sink.check_with(
            &LINE_SELLER,
            nb(&own_seller) && (line.parents.is_empty() || own_seller == parent_seller),
            line.node,
            message,
        );
        let afl: Vec<&str> = line.afl.iter().map(|n| n.text()).collect();
        let message = || {
            format!(
                "the line sub-invoice number (AFL) {afl:?} is missing or differs from its parent line's {:?}",
                line.parents
            )
        };
        sink.check_with(
            &LINE_AFL,
            afl.first().is_some_and(|a| nb(a))
                && (line.parents.is_empty() || parent_lines.shares_afl(&line.parents, &afl)),
            line.node,
            message,
        );
        if line.status_is("DETAIL") {
            let reason = line
                .node
                .first(&[
                    ram("SpecifiedLineTradeSettlement"),
                    ram("ApplicableTradeTax"),
                    ram("ExemptionReason"),
                ])
                .map(|r| string_value(r).into_owned())
                .unwrap_or_default();
            let afl = afl.first().copied().unwrap_or("");
            let message = || {
                format!(
                    "the DETAIL line's VAT exemption reason '{reason}' does not start with #{afl}# (its sub-invoice number)"
                )
            };
            sink.check_with(
                &DETAIL_REASON,
                nb(afl) && nb(&reason) && reason.starts_with(&format!("#{afl}#")),
                line.node,
                message,
            );
        }
    }

    for group in &groups {
        group_line(doc, (group, &children_of(group)), &breakdowns, sink);
        preceding_reference(doc, group, sink);
    }
    main_seller_number(doc, &groups, &seller_ids, sink);
}

/// BR-FR-MV-03, 05, 09, 10 on a top GROUP line.
fn group_line(
    doc: &Doc<'_>,
    (line, children): (&Line<'_>, &[&Line<'_>]),
    breakdowns: &Breakdowns,
    sink: &mut FrSink<'_, '_>,
) {
    let node = line.node;
    let seller = node.first(&[
        ram("SpecifiedLineTradeAgreement"),
        ram("ItemSellerTradeParty"),
    ]);
    let nb_at = |path: &[(Namespace, &str)]| {
        at(seller, path)
            .first()
            .is_some_and(|n| nb(&string_value(*n)))
    };
    sink.check(
        &GROUP_NAME,
        nb_at(&[ram("Name")]),
        node,
        "the GROUP line has no seller name (ItemSellerTradeParty/ram:Name)",
    );
    sink.check(&GROUP_ID, nb_at(&[ram("SpecifiedLegalOrganization"), ram("ID")]), node, "the GROUP line has no seller legal id (ItemSellerTradeParty/SpecifiedLegalOrganization/ram:ID)");
    sink.check(&GROUP_COUNTRY, nb_at(&[ram("PostalTradeAddress"), ram("CountryID")]), node, "the GROUP line has no seller country (ItemSellerTradeParty/PostalTradeAddress/ram:CountryID)");
    let vat = line_vat(line, doc.currency);
    sink.check(
        &GROUP_VAT,
        vat.is_some_and(|v| nb(&string_value(v))),
        node,
        "the GROUP line has no VAT total in the invoice currency (line TaxTotalAmount)",
    );
    if let Some(accounting) = doc
        .settlement
        .and_then(|s| s.child(Namespace::RAM, "TaxCurrencyCode"))
    {
        let currency = accounting.text();
        let vat = line_vat(line, Some(currency));
        sink.check_with(
            &GROUP_VAT_ACCOUNTING,
            nb(currency) && vat.is_some_and(|v| nb(&string_value(v))),
            node,
            || {
                format!(
                    "the GROUP line has no VAT total in the VAT accounting currency '{currency}'"
                )
            },
        );
    }
    for document in sub_invoice_docs(node, "AFL") {
        let id = document.child(Namespace::RAM, "IssuerAssignedID");
        sink.check(&GROUP_AFL, has_child_text(document, "TypeCode", "130") && id.is_some_and(|i| nb(&string_value(i))), document, "the GROUP line's sub-invoice number reference (AFL) needs type code 130 and a non-blank number");
    }
    for document in sub_invoice_docs(node, "AVV") {
        let id = document
            .child(Namespace::RAM, "IssuerAssignedID")
            .map(|i| string_value(i).into_owned());
        let ok = has_child_text(document, "TypeCode", "130")
            && id
                .as_deref()
                .is_some_and(|i| nb(i) && !matches!(i, "M8" | "S8" | "B8"));
        sink.check(&GROUP_AVV, ok, document, "the GROUP line's sub-invoice cadre reference (AVV) needs type code 130 and a cadre other than M8, S8, B8");
    }

    // BR-FR-MV-05: net amount = Σ children's net amounts (a child without sub-type,
    // or an INFORMATION one, is left out).
    let amounts: Vec<f64> = children
        .iter()
        .filter(|c| c.statuses.iter().any(|s| *s != "INFORMATION"))
        .flat_map(|c| line_sum(c, "LineTotalAmount"))
        .map(|a| number(Some(a)))
        .collect();
    let net = number(line_sum(line, "LineTotalAmount").first().copied());
    let sum: f64 = amounts.iter().sum();
    let message = || {
        format!(
            "the GROUP line net amount ({}) differs from the sum of its children's net amounts ({sum})",
            shown(net)
        )
    };
    sink.check_with(
        &GROUP_AMOUNT,
        within(net, sum, 0.01 * amounts.len() as f64),
        node,
        message,
    );

    // BR-FR-MV-09: VAT total = Σ VAT breakdown amounts of its sub-invoice.
    let sub_invoice = line.afl.first().map_or("", |a| a.text());
    let prefix = format!("#{sub_invoice}#");
    let breakdown = breakdowns.sum_for(sub_invoice);
    let line_vat = number(vat);
    let message = || {
        format!(
            "the GROUP line VAT total ({}) differs from the VAT breakdown amounts of sub-invoice {prefix} ({breakdown})",
            shown(line_vat)
        )
    };
    sink.check_with(
        &GROUP_VAT_SUM,
        within(line_vat, breakdown, 0.01),
        node,
        message,
    );

    // BR-FR-MV-10: total with VAT = net + VAT, when given.
    if let Some(total) = line_sum(line, "GrandTotalAmount").first().copied() {
        let details = children.iter().filter(|c| c.status_is("DETAIL")).count();
        let total_value = number(Some(total));
        let message = || {
            format!(
                "the GROUP line total with VAT ({}) differs from its net amount ({}) plus VAT ({})",
                shown(total_value),
                shown(net),
                shown(line_vat)
            )
        };
        sink.check_with(
            &GROUP_TOTAL,
            nb(&string_value(total)) && within(total_value - net, line_vat, 0.01 * details as f64),
            node,
            message,
        );
    }
}

/// BR-FR-MV-14 / BR-FR-BD-14: top GROUP lines of corrective invoices and credit notes
/// carry the preceding invoice reference.
fn preceding_reference(doc: &Doc<'_>, line: &Line<'_>, sink: &mut FrSink<'_, '_>) {
    let references = line.node.all(&[
        ram("SpecifiedLineTradeSettlement"),
        ram("InvoiceReferencedDocument"),
    ]);
    let has_id = references
        .iter()
        .any(|r| r.child(Namespace::RAM, "IssuerAssignedID").is_some());
    let has_date = references.iter().any(|r| {
        r.first(&[ram("FormattedIssueDateTime"), super::qdt("DateTimeString")])
            .is_some()
    });
    let checks: [(bool, &'static Assertion, &'static Assertion); 2] = [
        (
            doc.cadre.multi_vendor && doc.type_in(&["384", "472", "381", "396", "503"]),
            &MV_PRECEDING_ID,
            &MV_PRECEDING_DATE,
        ),
        (
            doc.cadre.bidirectional && doc.type_in(&["261", "471", "473", "502"]),
            &BD_PRECEDING_ID,
            &BD_PRECEDING_DATE,
        ),
    ];
    for (applies, id_rule, date_rule) in checks {
        if applies {
            sink.check(id_rule, has_id, line.node, "the GROUP line of a corrective invoice or credit note needs the preceding invoice number (line InvoiceReferencedDocument/ram:IssuerAssignedID)");
            sink.check(date_rule, has_date, line.node, "the GROUP line of a corrective invoice or credit note needs the preceding invoice date (line InvoiceReferencedDocument/FormattedIssueDateTime)");
        }
    }
}

/// BR-FR-MV-11: exactly one sub-invoice of the main seller carries BT-1 as number.
fn main_seller_number(
    doc: &Doc<'_>,
    groups: &[&Line<'_>],
    seller_ids: &[&str],
    sink: &mut FrSink<'_, '_>,
) {
    let Some(bt1) = doc.invoice_id else { return };
    let main: Vec<&&Line<'_>> = groups
        .iter()
        .filter(|l| l.seller_ids.iter().any(|s| seller_ids.contains(s)))
        .collect();
    let n: usize = main
        .iter()
        .map(|l| l.afl.iter().filter(|a| a.text() == bt1).count())
        .sum();
    for line in main {
        let afl = line.afl.first().map(|a| normalize_space(a.text()));
        let is_bt1 = afl.as_deref() == Some(bt1);
        let not_bt1 = afl.as_deref().is_some_and(|a| a != bt1);
        let message = || {
            format!(
                "{n} sub-invoices of the main seller carry the invoice number {bt1}; exactly one must"
            )
        };
        sink.check_with(
            &MAIN_SELLER_NUMBER,
            n == 1 || (n == 0 && is_bt1) || (n > 1 && not_bt1),
            line.node,
            message,
        );
    }
}

/// BR-FR-MV-12: no top GROUP line's AFL number equals an `ram:IssuerAssignedID` met
/// earlier in the document, whatever that identifier is.
fn unique_sub_invoice(doc: &Doc<'_>, transaction: Node<'_>, sink: &mut FrSink<'_, '_>) {
    let group_afl: HashSet<usize> = doc
        .lines
        .iter()
        .filter(|l| l.group)
        .flat_map(|l| l.afl.iter().map(|a| a.index()))
        .collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut repeated: Vec<&str> = Vec::new();
    for node in doc
        .elements()
        .filter(|n| n.is(Namespace::RAM, "IssuerAssignedID"))
    {
        if group_afl.contains(&node.index()) && seen.contains(node.text()) {
            repeated.push(node.text());
        }
        seen.insert(node.text());
    }
    let message = || {
        format!(
            "the sub-invoice numbers {repeated:?} of top GROUP lines are used by earlier identifiers"
        )
    };
    sink.check_with(&UNIQUE_AFL, repeated.is_empty(), transaction, message);
}
