//! Multi-vendor (cadres S8/B8/M8) and bidirectional (S9/B9/M9) invoices (UBL):
//! BR-FR-MV-01 … 14, BR-FR-BD-02, BR-FR-BD-13 (assertion `BR-FR-MV-BD_BT-3`),
//! BR-FR-BD-14.
//!
//! UBL carries the line sub-type and parent line in a self-reference: a line
//! `cac:BillingReference` whose invoice id is BT-1 ([`super::Line`]). A top GROUP line
//! is reported on that BillingReference (U-GROUP), as in the file. Amounts are
//! compared as XPath doubles with the files' tolerances.

use std::collections::{HashMap, HashSet};

use super::{Doc, Line, cac, cbc};
use crate::ingest::validate::fr::defs::{MV_FORBIDDEN_TYPES, shown, within};
use crate::ingest::validate::fr::lookup::{Breakdowns, Parents};
use crate::ingest::validate::fr::{Assertion, FrSink, assertions};
use crate::ingest::validate::xpath::{double, nb, normalize_space, string_value};
use crate::xml::{Namespace, Node};

assertions! {
    SUBTYPE = BR_FR_MV_01, "BR-FR-MV-01_EXT-FR-FE-163", "EXT-FR-FE-163";
    HAS_GROUP = BR_FR_MV_02, "BR-FR-MV-02_EXT-FR-FE-163", "EXT-FR-FE-163";
    TWO_GROUPS = BR_FR_BD_02, "BR-FR-BD-02_EXT-FR-FE-163", "EXT-FR-FE-163";
    SELLER_GROUP = BR_FR_BD_02, "BR-FR-BD-02_BT-30", "BT-30";
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
    BD_TYPE = BR_FR_BD_13, "BR-FR-MV-BD_BT-3", "BT-3";
    MV_PRECEDING_ID = BR_FR_MV_14, "BR-FR-MV-14-EXT-FR-FE-136", "EXT-FR-FE-136";
    MV_PRECEDING_DATE = BR_FR_MV_14, "BR-FR-MV-14-EXT-FR-FE-138", "EXT-FR-FE-138";
    BD_PRECEDING_ID = BR_FR_BD_14, "BR-FR-BD-14-EXT-FR-FE-136", "EXT-FR-FE-136";
    BD_PRECEDING_DATE = BR_FR_BD_14, "BR-FR-BD-14-EXT-FR-FE-138", "EXT-FR-FE-138";
}

/// The number value of an optional node (`number()`: NaN when absent or not a number).
fn number(node: Option<Node<'_>>) -> f64 {
    node.and_then(|n| double(&string_value(n)))
        .unwrap_or(f64::NAN)
}

/// Precomputed lookups over the lines, so that every rule stays linear.
struct Index<'a, 'd> {
    doc: &'a Doc<'d>,
    /// Lines by raw `cbc:ID`, for their children.
    parents: Parents<'d>,
    /// Lines by parent line id.
    children: HashMap<&'d str, Vec<&'a Line<'d>>>,
    /// The root VAT breakdowns (`cac:TaxTotal/cac:TaxSubtotal` with a VAT scheme).
    breakdowns: Breakdowns,
}

impl<'a, 'd> Index<'a, 'd> {
    fn new(doc: &'a Doc<'d>) -> Self {
        let mut parents = Parents::default();
        let mut children: HashMap<&str, Vec<&Line<'_>>> = HashMap::new();
        for line in &doc.lines {
            parents.add(line.id, &line.seller_ids, line.afl.iter().map(|a| a.text()));
            let mut named = line.parents.clone();
            named.sort_unstable();
            named.dedup();
            for parent in named {
                children.entry(parent).or_default().push(line);
            }
        }
        let mut breakdowns = Breakdowns::default();
        for subtotal in doc.root.all(&[cac("TaxTotal"), cac("TaxSubtotal")]) {
            let vat = subtotal
                .all(&[cac("TaxCategory"), cac("TaxScheme"), cbc("ID")])
                .iter()
                .any(|id| id.text() == "VAT");
            if vat {
                let reason = subtotal
                    .first(&[cac("TaxCategory"), cbc("TaxExemptionReason")])
                    .map(|r| string_value(r).into_owned())
                    .unwrap_or_default();
                breakdowns.add(reason, number(subtotal.child(Namespace::CBC, "TaxAmount")));
            }
        }
        Index {
            doc,
            parents,
            children,
            breakdowns,
        }
    }

    /// The lines whose parent line id is the normalised id of `line`.
    fn children_of(&self, line: &Line<'d>) -> &[&'a Line<'d>] {
        let id = normalize_space(line.id.unwrap_or(""));
        self.children.get(id.as_str()).map_or(&[], Vec::as_slice)
    }

    /// The VAT total of a line in currency `currency` (`cac:TaxTotal/cbc:TaxAmount`).
    fn line_vat(&self, line: &Line<'d>, currency: Option<&str>) -> Option<Node<'d>> {
        let currency = currency?;
        line.node
            .children_named(Namespace::CAC, "TaxTotal")
            .flat_map(|t| t.children_named(Namespace::CBC, "TaxAmount"))
            .find(|a| a.attr("currencyID") == Some(currency))
    }
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    let cadre = doc.cadre;
    if !cadre.special {
        // Every rule of this family is conditioned on cadre 8 or 9.
        return;
    }
    let root = doc.root;
    let index = Index::new(doc);
    let groups: Vec<(&Line<'_>, Node<'_>)> = doc
        .lines
        .iter()
        .flat_map(|line| line.groups.iter().map(move |g| (line, *g)))
        .collect();
    let party_ids = |party: &str| -> Vec<&str> {
        root.all(&[
            cac(party),
            cac("Party"),
            cac("PartyLegalEntity"),
            cbc("CompanyID"),
        ])
        .into_iter()
        .map(|n| n.text())
        .collect()
    };
    let (seller_ids, buyer_ids) = (
        party_ids("AccountingSupplierParty"),
        party_ids("AccountingCustomerParty"),
    );

    if cadre.multi_vendor {
        sink.check(&HAS_GROUP, !groups.is_empty(), root, "a multi-vendor invoice needs at least one top GROUP line (sub-type GROUP without parent line)");
    }
    if cadre.bidirectional {
        sink.check_with(&TWO_GROUPS, groups.len() == 2, root, || {
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
                .filter(|(line, _)| line.seller_ids.iter().any(|s| ids.contains(s)))
                .count();
            let message = || {
                format!(
                    "a bidirectional invoice needs exactly one top GROUP line whose seller legal id is the {whose}'s; it has {count}"
                )
            };
            sink.check_with(assertion, count == 1, root, message);
        }
    }
    type_code(doc, sink);

    for line in &doc.lines {
        lines(&index, line, sink);
    }
    for (line, group) in &groups {
        group_line(&index, line, *group, sink);
        preceding_reference(doc, line, *group, sink);
    }
    main_seller_number(doc, &groups, &seller_ids, sink);
    unique_sub_invoice(doc, sink);
}

/// BR-FR-MV-13 and BR-FR-BD-13 on each BT-3 element.
fn type_code(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    let name = if doc.credit_note {
        "CreditNoteTypeCode"
    } else {
        "InvoiceTypeCode"
    };
    for node in doc.root.children_named(Namespace::CBC, name) {
        let value = normalize_space(node.text());
        let listed = MV_FORBIDDEN_TYPES.contains(&value.as_str());
        if doc.cadre.multi_vendor {
            sink.check_with(&MV_TYPE, !value.is_empty() && !listed, node, || {
                format!("a multi-vendor invoice cannot be self-billed: type code '{value}'")
            });
        }
        if doc.cadre.bidirectional {
            let message = || {
                format!(
                    "a bidirectional invoice must be self-billed (389, 261, 501, 500, 502, 471, 473): type code '{value}'"
                )
            };
            sink.check_with(&BD_TYPE, !value.is_empty() && listed, node, message);
        }
    }
}

/// BR-FR-MV-01, 06, 07, 08 on every line.
fn lines(index: &Index<'_, '_>, line: &Line<'_>, sink: &mut FrSink<'_, '_>) {
    let node = line.node;
    sink.check(&SUBTYPE, line.statuses.iter().any(|s| nb(s)), node, "the line has no sub-type (self-reference cac:BillingReference with DocumentStatusCode GROUP, DETAIL or INFORMATION)");

    let own_seller = line
        .seller_ids
        .first()
        .map(|s| normalize_space(s))
        .unwrap_or_default();
    let parent_seller = normalize_space(index.parents.seller(&line.parents).unwrap_or(""));
    let message = || {
        format!(
            "the line seller legal id '{own_seller}' is missing or differs from its parent line's ('{parent_seller}')"
        )
    };
    sink.check_with(
        &LINE_SELLER,
        nb(&own_seller) && (line.parents.is_empty() || own_seller == parent_seller),
        node,
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
            && (line.parents.is_empty() || index.parents.shares_afl(&line.parents, &afl)),
        node,
        message,
    );

    if line.status_is("DETAIL") {
        let reason = node
            .first(&[
                cac("Item"),
                cac("ClassifiedTaxCategory"),
                cbc("TaxExemptionReason"),
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
            node,
            message,
        );
    }
}

/// BR-FR-MV-03, 05, 09, 10 on a top GROUP line (reported on its self-reference).
fn group_line(index: &Index<'_, '_>, line: &Line<'_>, group: Node<'_>, sink: &mut FrSink<'_, '_>) {
    let doc = index.doc;
    let node = line.node;
    let manufacturer = node.first(&[cac("Item"), cac("ManufacturerParty")]);
    let legal = manufacturer.and_then(|m| m.child(Namespace::CAC, "PartyLegalEntity"));
    let nb_child = |parent: Option<Node<'_>>, local: &str| {
        parent
            .and_then(|p| p.child(Namespace::CBC, local))
            .is_some_and(|n| nb(&string_value(n)))
    };
    sink.check(&GROUP_NAME, nb_child(legal, "RegistrationName"), group, "the GROUP line has no seller name (Item/ManufacturerParty/PartyLegalEntity/cbc:RegistrationName)");
    sink.check(&GROUP_ID, nb_child(legal, "CompanyID"), group, "the GROUP line has no seller legal id (Item/ManufacturerParty/PartyLegalEntity/cbc:CompanyID)");
    let country = node
        .descendants_named(Namespace::CAC, "Item")
        .flat_map(|i| {
            i.all(&[
                cac("ManufacturerParty"),
                cac("PostalAddress"),
                cac("Country"),
                cbc("IdentificationCode"),
            ])
        })
        .next();
    sink.check(
        &GROUP_COUNTRY,
        country.is_some_and(|c| nb(&string_value(c))),
        group,
        "the GROUP line has no seller country (Item/ManufacturerParty/PostalAddress/Country)",
    );
    let vat = index.line_vat(line, doc.currency);
    sink.check(
        &GROUP_VAT,
        vat.is_some_and(|v| nb(&string_value(v))),
        group,
        "the GROUP line has no VAT total in the invoice currency (cac:TaxTotal/cbc:TaxAmount)",
    );
    if let Some(accounting) = doc
        .root
        .descendants_named(Namespace::CBC, "TaxCurrencyCode")
        .next()
    {
        let currency = accounting.text();
        let vat = index.line_vat(line, Some(currency));
        sink.check_with(
            &GROUP_VAT_ACCOUNTING,
            nb(currency) && vat.is_some_and(|v| nb(&string_value(v))),
            group,
            || {
                format!(
                    "the GROUP line has no VAT total in the VAT accounting currency '{currency}'"
                )
            },
        );
    }
    let afl = &line.afl;
    sink.check(
        &GROUP_AFL,
        afl.first().is_some_and(|a| nb(a.text())),
        group,
        "the GROUP line has no sub-invoice number (cac:DocumentReference, type 130, scheme AFL)",
    );
    let avv = super::sub_invoice_refs(node, "AVV");
    let avv_ok = avv.first().is_some_and(|a| nb(a.text()))
        && !avv.iter().any(|a| matches!(a.text(), "M8" | "S8" | "B8"));
    sink.check(&GROUP_AVV, avv_ok, group, "the GROUP line has no sub-invoice cadre (cac:DocumentReference, type 130, scheme AVV), or gives a multi-vendor cadre 8");

    // BR-FR-MV-05: net amount = Σ children's net amounts (not INFORMATION lines).
    let amounts: Vec<f64> = index
        .children_of(line)
        .iter()
        .filter(|c| c.statuses.iter().any(|s| *s != "INFORMATION"))
        .flat_map(|c| c.node.children_named(Namespace::CBC, "LineExtensionAmount"))
        .map(|a| number(Some(a)))
        .collect();
    let net = number(node.child(Namespace::CBC, "LineExtensionAmount"));
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
        group,
        message,
    );

    // BR-FR-MV-09: VAT total = Σ VAT breakdown amounts of its sub-invoice.
    let sub_invoice = afl.first().map_or("", |a| a.text());
    let prefix = format!("#{sub_invoice}#");
    let breakdown = index.breakdowns.sum_for(sub_invoice);
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
        group,
        message,
    );

    // BR-FR-MV-10: total with VAT = net + VAT, when given.
    if let Some(total) = node.child(Namespace::CBC, "TaxInclusiveLineExtensionAmount") {
        let details = index
            .children_of(line)
            .iter()
            .filter(|c| c.status_is("DETAIL"))
            .count();
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
            group,
            message,
        );
    }
}

/// BR-FR-MV-14 / BR-FR-BD-14: top GROUP lines of corrective invoices and credit notes
/// reference the preceding invoice (a BillingReference other than the self-reference).
fn preceding_reference(doc: &Doc<'_>, line: &Line<'_>, group: Node<'_>, sink: &mut FrSink<'_, '_>) {
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
    let others: Vec<Node<'_>> = line
        .node
        .all(&[cac("BillingReference"), cac("InvoiceDocumentReference")])
        .into_iter()
        .filter(|r| {
            r.children_named(Namespace::CBC, "ID")
                .any(|id| doc.invoice_id.is_some_and(|bt1| id.text() != bt1))
        })
        .collect();
    let dated = others
        .iter()
        .any(|r| r.child(Namespace::CBC, "IssueDate").is_some());
    for (applies, id_rule, date_rule) in checks {
        if applies {
            sink.check(id_rule, !others.is_empty(), group, "the GROUP line of a corrective invoice or credit note needs the preceding invoice number (line cac:BillingReference)");
            sink.check(date_rule, dated, group, "the GROUP line of a corrective invoice or credit note needs the preceding invoice date (line cac:BillingReference/…/cbc:IssueDate)");
        }
    }
}

/// BR-FR-MV-11: exactly one sub-invoice of the main seller carries BT-1 as number.
fn main_seller_number(
    doc: &Doc<'_>,
    groups: &[(&Line<'_>, Node<'_>)],
    seller_ids: &[&str],
    sink: &mut FrSink<'_, '_>,
) {
    let Some(seller) = seller_ids.first() else {
        return;
    };
    let bt1 = doc.invoice_id.unwrap_or_default();
    let main: Vec<&(&Line<'_>, Node<'_>)> = groups
        .iter()
        .filter(|(line, _)| {
            line.seller_ids
                .iter()
                .any(|s| normalize_space(s) == *seller)
        })
        .collect();
    let mut counted: HashSet<usize> = HashSet::new();
    for (line, _) in &main {
        if doc.invoice_id.is_some() && line.afl.iter().any(|a| a.text() == bt1) {
            counted.insert(line.node.index());
        }
    }
    let n = counted.len();
    for (line, group) in main {
        let afl = line.afl.first().map(|a| normalize_space(a.text()));
        let is_bt1 = afl
            .as_deref()
            .is_some_and(|a| doc.invoice_id.is_some() && a == bt1);
        let not_bt1 = afl
            .as_deref()
            .is_some_and(|a| doc.invoice_id.is_some() && a != bt1);
        let message = || {
            format!(
                "{n} sub-invoices of the main seller carry the invoice number {bt1}; exactly one must"
            )
        };
        sink.check_with(
            &MAIN_SELLER_NUMBER,
            n == 1 || (n == 0 && is_bt1) || (n > 1 && not_bt1),
            *group,
            message,
        );
    }
}

/// BR-FR-MV-12: no top GROUP line's AFL repeats an AFL met earlier in the document.
fn unique_sub_invoice(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut repeated: Vec<&str> = Vec::new();
    for line in &doc.lines {
        let is_group = !line.groups.is_empty();
        for afl in &line.afl {
            if is_group && seen.contains(afl.text()) {
                repeated.push(afl.text());
            }
            seen.insert(afl.text());
        }
    }
    sink.check_with(&UNIQUE_AFL, repeated.is_empty(), doc.root, || {
        format!("the sub-invoice numbers {repeated:?} of top GROUP lines are used by earlier lines")
    });
}
