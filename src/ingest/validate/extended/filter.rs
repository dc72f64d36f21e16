//! Which EN 16931 findings survive in EXTENDED-CTC-FR.
//!
//! EXTENDED-CTC-FR keeps most EN 16931 assertions with the same id, context and test,
//! so the EN families run unchanged and this filter removes what the profile does not
//! have: the ids it deletes or replaces (rules-catalogue-profiles Appendix A), the
//! line-level contexts of the three UBL rules whose context it narrows (§2.8), and, in
//! CII, the header VAT breakdowns that its new `-08` rules shadow (§2.9).

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::ingest::report::{Finding, Syntax};
use crate::ingest::validate::en16931::cii::is_vat;
use crate::xml::{Namespace, Node};

/// EN ids absent from EXTENDED-CTC-FR-UBL (Appendix A.1), in the catalogue's notation.
const REMOVED_UBL: &str = "BR-22..BR-24, BR-26..BR-28, BR-54, BR-AE-08, BR-AF-01, BR-AF-08, BR-AG-08, BR-CL-10, BR-CL-20, BR-CL-24, BR-CO-04, BR-CO-10..BR-CO-13, BR-CO-15, BR-CO-17, BR-E-01, BR-E-08, BR-G-01, BR-G-08, BR-IC-01, BR-IC-08, BR-O-01..BR-O-04, BR-O-08, BR-O-11..BR-O-14, BR-S-01, BR-S-08..BR-S-10, BR-Z-01, BR-Z-08, BR-Z-10, UBL-CR-018, UBL-CR-026, UBL-CR-047, UBL-CR-096, UBL-CR-099, UBL-CR-194, UBL-CR-195, UBL-CR-258, UBL-CR-259, UBL-CR-269..UBL-CR-274, UBL-CR-288, UBL-CR-410, UBL-CR-439, UBL-CR-480, UBL-CR-481, UBL-CR-490, UBL-CR-523..UBL-CR-525, UBL-CR-528..UBL-CR-531, UBL-CR-550, UBL-CR-561, UBL-CR-563, UBL-CR-600, UBL-CR-601, UBL-CR-609, UBL-CR-611, UBL-CR-619, UBL-CR-633, UBL-CR-634, UBL-CR-645, UBL-CR-662, UBL-CR-669, UBL-CR-670, UBL-SR-04, UBL-SR-16, UBL-SR-20, UBL-SR-34, UBL-SR-37, UBL-SR-48, UBL-SR-52";

/// EN ids absent from EXTENDED-CTC-FR-CII (Appendix A.2). CII-SR-454 is listed too:
/// its test changes (`= 1` becomes `<= 1`), so the profile's own version replaces it.
const REMOVED_CII: &str = "BR-22..BR-24, BR-26..BR-28, BR-38, BR-44, BR-54, BR-AE-01, BR-AE-08, BR-AF-01, BR-AF-08, BR-AF-10, BR-AG-01, BR-AG-08, BR-AG-10, BR-CL-07, BR-CL-10, BR-CL-20, BR-CL-24, BR-CO-04, BR-CO-10..BR-CO-13, BR-CO-15, BR-CO-17, BR-CO-22, BR-CO-24, BR-E-01, BR-E-08, BR-G-01, BR-G-08, BR-IC-01, BR-IC-08, BR-O-01..BR-O-04, BR-O-08..BR-O-14, BR-S-01, BR-S-08..BR-S-10, BR-Z-01, BR-Z-08, BR-Z-10, CII-DT-018, CII-DT-024, CII-DT-027, CII-DT-052, CII-DT-058, CII-DT-098, CII-SR-039..CII-SR-041, CII-SR-068, CII-SR-070, CII-SR-106..CII-SR-108, CII-SR-127, CII-SR-128, CII-SR-148, CII-SR-156, CII-SR-164, CII-SR-170, CII-SR-173..CII-SR-175, CII-SR-200, CII-SR-201, CII-SR-210, CII-SR-278, CII-SR-293, CII-SR-305, CII-SR-333, CII-SR-334, CII-SR-350..CII-SR-363, CII-SR-365, CII-SR-366, CII-SR-422, CII-SR-439, CII-SR-454, CII-SR-458, CII-SR-464, CII-SR-467..CII-SR-494";

/// Expands `A..B` ranges of ids sharing a prefix (`UBL-CR-269..UBL-CR-274`), keeping
/// the zero padding of the bounds.
pub(crate) fn expand(list: &str) -> HashSet<String> {
    let mut ids = HashSet::new();
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let Some((from, to)) = item.split_once("..") else {
            ids.insert(item.to_string());
            continue;
        };
        let split = |id: &str| {
            let cut = id.rfind('-').map_or(0, |i| i + 1);
            let (prefix, digits) = id.split_at(cut);
            (prefix.to_string(), digits.len(), digits.parse::<u32>().ok())
        };
        let (prefix, width, lo) = split(from);
        let (_, _, hi) = split(to);
        if let (Some(lo), Some(hi)) = (lo, hi) {
            for n in lo..=hi {
                ids.insert(format!("{prefix}{n:0width$}"));
            }
        }
    }
    ids
}

fn removed(syntax: Syntax) -> &'static HashSet<String> {
    static UBL: OnceLock<HashSet<String>> = OnceLock::new();
    static CII: OnceLock<HashSet<String>> = OnceLock::new();
    match syntax {
        Syntax::Ubl => UBL.get_or_init(|| expand(REMOVED_UBL)),
        _ => CII.get_or_init(|| expand(REMOVED_CII)),
    }
}

/// Ids the CII `-08` rules of EXTENDED-CTC-FR shadow on the header VAT breakdowns
/// they take (§2.9): later rules of the same pattern never see those nodes.
const SHADOWED_CII: &[&str] = &[
    "BR-45",
    "BR-46",
    "BR-47",
    "BR-48",
    "BR-CO-03",
    "BR-DEC-19",
    "BR-DEC-20",
];

/// The header VAT breakdown categories that have a `BR-FXEXT-x-08` rule.
const EIGHT_CATEGORIES: &[&str] = &["AE", "L", "M", "E", "G", "K", "O", "S", "Z"];

/// A header `ram:ApplicableTradeTax` consumed by an EXTENDED-CTC-FR CII `-08` rule.
pub(crate) fn shadowed_by_eight(tax: Node<'_>) -> bool {
    tax.is(Namespace::RAM, "ApplicableTradeTax")
        && tax
            .parent()
            .is_some_and(|p| p.is(Namespace::RAM, "ApplicableHeaderTradeSettlement"))
        && is_vat(tax)
        && tax
            .children_named(Namespace::RAM, "CategoryCode")
            .any(|c| EIGHT_CATEGORIES.contains(&c.text()))
}

/// Removes from `findings` the EN findings EXTENDED-CTC-FR does not report.
pub(super) fn retain(root: Node<'_>, syntax: Syntax, findings: &mut Vec<Finding>, start: usize) {
    let removed = removed(syntax);
    let mut shadowed = Vec::new();
    let mut unshadowed_header_tax = false;
    if syntax == Syntax::Cii {
        for node in root.document().elements() {
            if node.is(Namespace::RAM, "ApplicableTradeTax")
                && node
                    .parent()
                    .is_some_and(|p| p.is(Namespace::RAM, "ApplicableHeaderTradeSettlement"))
            {
                if shadowed_by_eight(node) {
                    shadowed.push(node.path());
                } else {
                    unshadowed_header_tax = true;
                }
            }
        }
    }
    let within = |location: &str, path: &str| {
        location
            .strip_prefix(path)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    let mut index = 0;
    findings.retain(|f| {
        index += 1;
        if index <= start {
            return true;
        }
        if removed.contains(f.rule) {
            return false;
        }
        match syntax {
            // BR-55, UBL-SR-06 and UBL-SR-07 only look at the header BillingReference.
            Syntax::Ubl if matches!(f.rule, "BR-55" | "UBL-SR-06" | "UBL-SR-07") => {
                !(f.location.contains("InvoiceLine") || f.location.contains("CreditNoteLine"))
            }
            Syntax::Cii if f.rule == "BR-CO-03" => unshadowed_header_tax,
            Syntax::Cii if SHADOWED_CII.contains(&f.rule) => {
                !shadowed.iter().any(|p| within(&f.location, p))
            }
            _ => true,
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_keep_their_padding() {
        let ids = expand("UBL-CR-098..UBL-CR-100, BR-S-08..BR-S-10, CII-SR-04");
        for id in [
            "UBL-CR-098",
            "UBL-CR-099",
            "UBL-CR-100",
            "BR-S-09",
            "CII-SR-04",
        ] {
            assert!(ids.contains(id), "{id}");
        }
        assert_eq!(ids.len(), 7);
    }

    #[test]
    fn removed_lists_have_the_catalogue_counts() {
        assert_eq!(removed(Syntax::Ubl).len(), 92);
        // 133 removed ids plus CII-SR-454, replaced by its relaxed version.
        assert_eq!(removed(Syntax::Cii).len(), 134);
    }
}
