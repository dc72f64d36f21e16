//! Notes (UBL): BR-FR-05, BR-FR-06, BR-FR-20, BR-FR-31 (assertion `BR-FR-30_BT-21`)
//! and BR-FR-CO-14.
//!
//! UBL has no subject code on `cbc:Note`: the files search the `#CODE#` markers in the
//! concatenation of all root notes ([`Doc::notes`]), so a marker split across two notes
//! or a BAR value running into the next note count as the files count them.

use super::{Doc, cac, cbc};
use crate::ingest::validate::fr::defs::{BAR_UBL, note_value, occurrences};
use crate::ingest::validate::fr::{FrSink, assertions};
use crate::ingest::validate::xpath::string_value;
use crate::xml::Namespace;

assertions! {
    PMT = BR_FR_05, "BR-FR-05_BT-22-1", "BT-22";
    PMD = BR_FR_05, "BR-FR-05_BT-22-2", "BT-22";
    AAB = BR_FR_05, "BR-FR-05_BT-22-3", "BT-22";
    PMT_ONCE = BR_FR_06, "BR-FR-06_BT-21-1", "BT-21";
    PMD_ONCE = BR_FR_06, "BR-FR-06_BT-21-2", "BT-21";
    AAB_ONCE = BR_FR_06, "BR-FR-06_BT-21-3", "BT-21";
    TXD_ONCE = BR_FR_06, "BR-FR-06_BT-21-4", "BT-21";
    BAR_VALUE = BR_FR_20, "BR-FR-20_BT-21", "BT-21";
    BAR_ONCE = BR_FR_31, "BR-FR-30_BT-21", "BT-21";
    VAT_GROUP_TXD = BR_FR_CO_14, "BR-FR-CO-14_BT-29-1", "BT-29";
}

/// The value the TXD note must carry for a member of a single VAT group.
const VAT_GROUP_MEMBER: &str = "MEMBRE_ASSUJETTI_UNIQUE";

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    let root = doc.root;
    for (assertion, code, what) in [
        (&PMT, "PMT", "the recovery indemnity (PMT)"),
        (&PMD, "PMD", "the late-payment penalties (PMD)"),
        (&AAB, "AAB", "the early-payment discount (AAB)"),
    ] {
        sink.check_with(
            assertion,
            doc.notes.contains(&format!("#{code}#")),
            root,
            || format!("no note states {what}: a cbc:Note starting with #{code}# is required"),
        );
    }
    for (assertion, code) in [
        (&PMT_ONCE, "PMT"),
        (&PMD_ONCE, "PMD"),
        (&AAB_ONCE, "AAB"),
        (&TXD_ONCE, "TXD"),
    ] {
        let count = occurrences(&doc.notes, &format!("#{code}#"));
        sink.check_with(assertion, count <= 1, root, || {
            format!("the notes contain #{code}# {count} times; at most one {code} note is allowed")
        });
    }

    let bar = doc.bar.as_str();
    sink.check_with(
        &BAR_VALUE,
        bar.is_empty() || BAR_UBL.contains(&bar),
        root,
        || {
            format!(
                "the BAR note value '{bar}' is not one of B2B, B2BINT, B2C, OUTOFSCOPE, ARCHIVEONLY"
            )
        },
    );

    // BR-FR-31: the BAR notes, concatenated and closed by '#', hold at most one
    // `BAR#<treatment>#` token.
    let mut bar_notes: String = root
        .children_named(Namespace::CBC, "Note")
        .map(string_value)
        .filter(|text| text.contains("#BAR#"))
        .collect();
    bar_notes.push('#');
    let treatments: usize = [
        "B2B",
        "B2BINT",
        "B2C",
        "B2CINT",
        "OUTOFSCOPE",
        "ARCHIVEONLY",
    ]
    .iter()
    .map(|t| occurrences(&bar_notes, &format!("BAR#{t}#")))
    .sum();
    sink.check_with(&BAR_ONCE, treatments <= 1, root, || {
        format!("the BAR notes give {treatments} treatments; at most one is allowed")
    });

    let vat_group_member = root
        .all(&[
            cac("AccountingSupplierParty"),
            cac("Party"),
            cac("PartyIdentification"),
            cbc("ID"),
        ])
        .iter()
        .any(|id| id.attr("schemeID") == Some("0231"));
    if vat_group_member {
        let txd = note_value(&doc.notes, "TXD");
        let message = || {
            format!(
                "the seller is identified as a single VAT group member (scheme 0231) but the TXD note is '{txd}', not #TXD#{VAT_GROUP_MEMBER}"
            )
        };
        sink.check_with(&VAT_GROUP_TXD, txd == VAT_GROUP_MEMBER, root, message);
    }
}
