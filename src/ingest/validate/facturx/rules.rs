//! Factur-X rules without an EN 16931 CII counterpart of the same test: the empty
//! element warning, BT-24's code list, the Factur-X readings of BR-17 and of
//! `BR-FXEXT-Z-08rev` in BASIC WL / EN16931, and the EXTENDED-only checks on notes,
//! tax registrations, dates and the amount due (rules-catalogue-profiles §3.4–3.6).

use rust_decimal::Decimal;

use crate::ingest::profile::FacturX;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::extended::{model, vat};
use crate::ingest::validate::xpath::{decimal, nb, string_value};
use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node, trim_space};

rules! {
    FX_CODELIST = "FX-CODELIST", Fatal, ["BT-24"], "A Factur-X value belongs to the profile's code list (here: BT-24 names the profile the rules check)";
    PEPPOL_R008 = "PEPPOL-EN16931-R008", Warning, [], "A document shall not contain empty elements";
    BR_17 = "BR-17", Fatal, ["BG-10", "BT-59"], "The payee has a name";
    Z_08REV = "BR-FXEXT-Z-08rev", Warning, ["BT-116"], "The Z taxable amount is the sum of its items with the same exemption reasons, within 0.01 per item";
    FXEXT_01 = "BR-FXEXT-01", Fatal, ["BT-21", "BT-22"], "A header note with a subject code has a content or a content code";
    FXEXT_02 = "BR-FXEXT-02", Fatal, ["BT-127"], "A line note with a subject code has a content or a content code";
    FXEXT_03 = "BR-FXEXT-03", Fatal, [], "Tax registration ids of parties other than the seller are VAT ids (schemeID VA)";
    CII_DT_097A = "BR-FXEXT-CII-DT-097a", Fatal, [], "A date-time of format 205 is written YYYYMMDDHHMM";
    FX_EN_04 = "BR-FX-EN-04", Warning, ["BT-72", "BG-14", "BG-26"], "A German domestic invoice (not a prepayment invoice) gives a delivery date or an invoicing period, and a delivery date or delivery information";
}

/// The rules [`common`] reports in `profile`.
pub(super) fn common_rules(profile: FacturX) -> Vec<&'static Rule> {
    let mut out = vec![&BR_17];
    if profile != FacturX::BasicWl {
        out.push(&PEPPOL_R008);
    }
    if profile != FacturX::Extended {
        out.push(&Z_08REV);
    }
    if profile == FacturX::En16931 {
        out.push(&FX_EN_04);
    }
    out
}

/// The rules [`extended`] reports, besides BR-CO-25 and BR-FXEXT-CO-16 (declared with
/// the totals).
pub(super) static EXTENDED_ONLY: &[&Rule] = &[&FXEXT_01, &FXEXT_02, &FXEXT_03, &CII_DT_097A];

/// Rules every profile runs (with profile-dependent scope).
pub(super) fn common(root: Node<'_>, profile: FacturX, sink: &mut Sink<'_>) {
    for node in root.document().elements() {
        if profile != FacturX::BasicWl && node.children().next().is_none() && !nb(node.text()) {
            sink.fail(
                &PEPPOL_R008,
                node,
                format!("the element {} is empty", node.qname().local),
            );
        }
        if node.is(Namespace::RAM, "PayeeTradeParty") {
            // The official test compares with a seller path that never exists from
            // the payee, so only the name remains (§3.4).
            sink.check(
                &BR_17,
                node.child(Namespace::RAM, "Name").is_some(),
                node,
                "the payee (BG-10) has no name (BT-59)",
            );
        }
    }
    if profile == FacturX::En16931 {
        german_domestic_delivery(root, sink);
    }
    if profile != FacturX::Extended {
        let mut items = model::cii(root);
        for line in &mut items.lines {
            line.counted = true;
        }
        vat::z_rev(root, &items, &Z_08REV, sink);
    }
}

/// BR-FX-EN-04, a German domestic rule the EN16931 stylesheet carries (a warning,
/// rules-catalogue-profiles §3.5). Context: the transaction of an invoice whose type
/// code is not 386 (prepayment), where the seller or the invoicer, and the buyer or
/// the invoicee, have the postal country `DE` (upper-cased, trimmed). It then needs
/// (an actual delivery date, a header invoicing period, or an invoicing period on every
/// line) and (an actual delivery date, or some non-blank text in the header delivery).
fn german_domestic_delivery(root: Node<'_>, sink: &mut Sink<'_>) {
    // `TypeCode != '386'` is existential: an absent type code never matches.
    let not_prepayment = root
        .all(&[
            (Namespace::RSM, "ExchangedDocument"),
            (Namespace::RAM, "TypeCode"),
        ])
        .iter()
        .any(|code| code.text() != "386");
    let Some(transaction) = root.child(Namespace::RSM, "SupplyChainTradeTransaction") else {
        return;
    };
    if !not_prepayment {
        return;
    }
    let german = |group: &str, party: &str| {
        transaction
            .all(&[
                (Namespace::RAM, group),
                (Namespace::RAM, party),
                (Namespace::RAM, "PostalTradeAddress"),
                (Namespace::RAM, "CountryID"),
            ])
            .iter()
            .any(|c| c.text().trim().eq_ignore_ascii_case("DE"))
    };
    let domestic = (german("ApplicableHeaderTradeAgreement", "SellerTradeParty")
        || german("ApplicableHeaderTradeSettlement", "InvoicerTradeParty"))
        && (german("ApplicableHeaderTradeAgreement", "BuyerTradeParty")
            || german("ApplicableHeaderTradeSettlement", "InvoiceeTradeParty"));
    if !domestic {
        return;
    }
    let delivery = transaction.child(Namespace::RAM, "ApplicableHeaderTradeDelivery");
    let delivery_date = delivery.is_some_and(|d| {
        d.first(&[
            (Namespace::RAM, "ActualDeliverySupplyChainEvent"),
            (Namespace::RAM, "OccurrenceDateTime"),
        ])
        .is_some()
    });
    let header_period = transaction
        .first(&[
            (Namespace::RAM, "ApplicableHeaderTradeSettlement"),
            (Namespace::RAM, "BillingSpecifiedPeriod"),
        ])
        .is_some();
    let every_line_period = transaction
        .children_named(Namespace::RAM, "IncludedSupplyChainTradeLineItem")
        .all(|line| {
            line.first(&[
                (Namespace::RAM, "SpecifiedLineTradeSettlement"),
                (Namespace::RAM, "BillingSpecifiedPeriod"),
            ])
            .is_some()
        });
    let delivery_text = delivery.is_some_and(|d| nb(&string_value(d)));
    sink.check(
        &FX_EN_04,
        (delivery_date || header_period || every_line_period) && (delivery_date || delivery_text),
        transaction,
        "a German domestic invoice needs a delivery date (BT-72) or an invoicing period (BG-14, BG-26), and a delivery date or delivery information",
    );
}

/// EXTENDED-only rules not shared with EXTENDED-CTC-FR.
pub(super) fn extended(root: Node<'_>, sink: &mut Sink<'_>) {
    crate::ingest::validate::extended::totals::co_25(root, sink);
    for node in root.document().elements() {
        if node.is(Namespace::RAM, "IncludedNote")
            && node.child(Namespace::RAM, "SubjectCode").is_some()
        {
            let parent = node.parent();
            let rule = if parent.is_some_and(|p| p.is(Namespace::RSM, "ExchangedDocument")) {
                &FXEXT_01
            } else if parent.is_some_and(|p| p.is(Namespace::RAM, "AssociatedDocumentLineDocument"))
            {
                &FXEXT_02
            } else {
                continue;
            };
            let has = |local| node.child(Namespace::RAM, local).is_some();
            sink.check(
                rule,
                has("ContentCode") || has("Content"),
                node,
                "the note has a subject code but no content",
            );
        } else if node.is(Namespace::RAM, "ID")
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::RAM, "SpecifiedTaxRegistration"))
            && !ancestor(node, "SellerTradeParty")
        {
            sink.check(
                &FXEXT_03,
                node.attr("schemeID") == Some("VA"),
                node,
                "the tax registration id is not a VAT id (schemeID VA)",
            );
        } else if node.is(Namespace::UDT, "DateTimeString") && node.attr("format") == Some("205") {
            sink.check(
                &CII_DT_097A,
                format_205(node.text()),
                node,
                "the date-time is not written YYYYMMDDHHMM",
            );
        } else if node.is(
            Namespace::RAM,
            "SpecifiedTradeSettlementHeaderMonetarySummation",
        ) {
            co_16(root, node, sink);
        }
    }
}

fn ancestor(node: Node<'_>, local: &str) -> bool {
    let mut cur = node.parent();
    while let Some(p) = cur {
        if p.is(Namespace::RAM, local) {
            return true;
        }
        cur = p.parent();
    }
    false
}

/// `^\s*YYYYMMDDHHMM\s*$` with month 01–12, day 01–31, hour 00–23, minute 00–59.
fn format_205(value: &str) -> bool {
    let v = trim_space(value);
    if v.len() != 12 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let part = |range: std::ops::Range<usize>| v.get(range).and_then(|s| s.parse::<u32>().ok());
    matches!(
        (part(4..6), part(6..8), part(8..10), part(10..12)),
        (Some(1..=12), Some(1..=31), Some(0..=23), Some(0..=59))
    )
}

/// BR-FXEXT-CO-16: amount due = Σ grand total − Σ prepaid + Σ rounding + Σ financial
/// adjustments, exact decimals, no tolerance.
fn co_16(root: Node<'_>, total: Node<'_>, sink: &mut Sink<'_>) {
    let sum = |nodes: Vec<Node<'_>>| -> Option<Decimal> {
        nodes
            .iter()
            .try_fold(Decimal::ZERO, |acc, n| decimal(n.text()).map(|v| acc + v))
    };
    let children = |local| {
        total
            .children_named(Namespace::RAM, local)
            .collect::<Vec<_>>()
    };
    let adjustments = root.all(&[
        (Namespace::RSM, "SupplyChainTradeTransaction"),
        (Namespace::RAM, "ApplicableHeaderTradeSettlement"),
        (Namespace::RAM, "SpecifiedFinancialAdjustment"),
        (Namespace::RAM, "ActualAmount"),
    ]);
    let due = total
        .child(Namespace::RAM, "DuePayableAmount")
        .and_then(|d| decimal(d.text()));
    let expected = match (
        sum(children("GrandTotalAmount")),
        sum(children("TotalPrepaidAmount")),
        sum(children("RoundingAmount")),
        sum(adjustments),
    ) {
        (Some(g), Some(p), Some(r), Some(a)) => Some(g - p + r + a),
        _ => None,
    };
    sink.check(
        &crate::ingest::validate::extended::totals::fx::FX_CO_16,
        due.is_some() && due == expected,
        total,
        "the amount due (BT-115) is not the total with VAT minus the prepaid amount plus rounding and financial adjustments",
    );
}
