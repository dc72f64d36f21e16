//! Notes (CII): BR-FR-05, BR-FR-06, BR-FR-20, BR-FR-31 and BR-FR-CO-14, on
//! `ram:IncludedNote` elements and their exact `ram:SubjectCode`.

use super::{Doc, has_child_text, ram};
use crate::ingest::validate::fr::defs::BAR_CII;
use crate::ingest::validate::fr::{FrSink, assertions};
use crate::ingest::validate::xpath::normalize_space;
use crate::xml::Namespace;

assertions! {
    PMT = BR_FR_05, "BR-FR-05_BT-22_PMT", "BT-22";
    PMD = BR_FR_05, "BR-FR-05_BT-22_PMD", "BT-22";
    AAB = BR_FR_05, "BR-FR-05_BT-22_AAB", "BT-22";
    PMT_ONCE = BR_FR_06, "BR-FR-06_BT-21_PMT", "BT-21";
    PMD_ONCE = BR_FR_06, "BR-FR-06_BT-21_PMD", "BT-21";
    AAB_ONCE = BR_FR_06, "BR-FR-06_BT-21_AAB", "BT-21";
    TXD_ONCE = BR_FR_06, "BR-FR-06_BT-21_TXD", "BT-21";
    BAR_VALUE = BR_FR_20, "BR-FR-20_BT-21", "BT-21";
    BAR_ONCE = BR_FR_31, "BR-FR-31_BT-21", "BT-21";
    VAT_GROUP_TXD = BR_FR_CO_14, "BR-FR-CO-14_BT-29-1", "BT-29";
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    if let Some(document) = doc.document {
        for (present, once, code, what) in [
            (Some(&PMT), &PMT_ONCE, "PMT", "the recovery indemnity"),
            (Some(&PMD), &PMD_ONCE, "PMD", "the late-payment penalties"),
            (Some(&AAB), &AAB_ONCE, "AAB", "the early-payment discount"),
            (None, &TXD_ONCE, "TXD", "the VAT group membership"),
        ] {
            let count = doc.notes(code).len();
            if let Some(present) = present {
                sink.check_with(present, count >= 1, document, || {
                    format!("no note with subject code {code} states {what}")
                });
            }
            sink.check_with(once, count <= 1, document, || {
                format!("{count} notes have subject code {code}; at most one is allowed")
            });
        }
        let bar_notes = doc.notes("BAR");
        for note in &bar_notes {
            let content = note.child(Namespace::RAM, "Content");
            let value = content.map(|c| c.text());
            let message = || {
                format!(
                    "the BAR note value {} is not one of B2B, B2BINT, B2C, B2CINT, OUTOFSCOPE, ARCHIVEONLY",
                    value.map_or("(missing)".to_string(), |v| format!("'{v}'"))
                )
            };
            sink.check_with(
                &BAR_VALUE,
                value.is_some_and(|v| BAR_CII.contains(&v)),
                *note,
                message,
            );
        }
        let treatments = bar_notes
            .iter()
            .filter(|n| {
                n.children_named(Namespace::RAM, "Content")
                    .any(|c| BAR_CII.contains(&normalize_space(c.text()).as_str()))
            })
            .count();
        sink.check_with(&BAR_ONCE, treatments <= 1, document, || {
            format!("{treatments} BAR notes give a treatment; at most one is allowed")
        });
    }

    let member = doc
        .agreement
        .map(|a| a.all(&[ram("SellerTradeParty"), ram("GlobalID")]))
        .unwrap_or_default()
        .iter()
        .any(|id| id.attr("schemeID") == Some("0231"));
    if member {
        let declared = doc
            .notes("TXD")
            .iter()
            .any(|n| has_child_text(*n, "Content", "MEMBRE_ASSUJETTI_UNIQUE"));
        sink.check(&VAT_GROUP_TXD, declared, doc.root, "the seller is a single VAT group member (scheme 0231) but no TXD note says MEMBRE_ASSUJETTI_UNIQUE");
    }
}
