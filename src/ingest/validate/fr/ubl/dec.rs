//! Number formats (UBL): BR-FR-DEC-01 (amounts), -02 (quantities), -03 (prices),
//! -04 (VAT rates), each a pattern on the normalize-space'd value.
//!
//! `BR-FR-DEC-01_BT-111` shares the context of the BT-110 rule earlier in its pattern
//! and is never evaluated; the BT-110 rule covers every `cac:TaxTotal/cbc:TaxAmount`.

use super::{Doc, cac, cbc};
use crate::ingest::validate::fr::defs::{dec19_2, dec19_4, pct4_2p, price};
use crate::ingest::validate::fr::{Assertion, FrSink, assertions, ends_with};
use crate::ingest::validate::xpath::{normalize_space, string_value};
use std::sync::OnceLock;

use crate::fxhash::FxHashMap;
use crate::xml::{Namespace, Node};

assertions! {
    BT_92_99 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-92_BT-99", "BT-92";
    BT_93_100 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-93_BT-100", "BT-93";
    BT_106 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-106", "BT-106";
    BT_107 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-107", "BT-107";
    BT_108 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-108", "BT-108";
    BT_109 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-109", "BT-109";
    BT_110 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-110", "BT-110";
    BT_112 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-112", "BT-112";
    BT_113 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-113", "BT-113";
    BT_114 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-114", "BT-114";
    BT_115 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-115", "BT-115";
    BT_116 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-116", "BT-116";
    BT_117 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-117", "BT-117";
    BT_131 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-131", "BT-131";
    BT_136_141 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-136_BT-141", "BT-136";
    BT_137_142 = BR_FR_DEC_01, "BR-FR-DEC-01_BT-137_BT-142", "BT-137";
    BT_129 = BR_FR_DEC_02, "BR-FR-DEC-02_BT-129", "BT-129";
    BT_149 = BR_FR_DEC_02, "BR-FR-DEC-02_BT-149", "BT-149";
    BT_146 = BR_FR_DEC_03, "BR-FR-DEC-03_BT-146", "BT-146";
    BT_147 = BR_FR_DEC_03, "BR-FR-DEC-03_BT-147", "BT-147";
    BT_148 = BR_FR_DEC_03, "BR-FR-DEC-03_BT-148", "BT-148";
    RATE_96_103 = BR_FR_DEC_04, "BR-FR-DEC-04_BT-96_BT-103", "BT-96";
    RATE_119 = BR_FR_DEC_04, "BR-FR-DEC-04_BT-119", "BT-119";
    RATE_152 = BR_FR_DEC_04, "BR-FR-DEC-04_BT-152", "BT-152";
}

type Path = &'static [(Namespace, &'static str)];

/// Amount elements anchored at the root.
static ROOT_AMOUNTS: &[(Path, &Assertion, &str)] = &[
    (
        &[cac("AllowanceCharge"), cbc("Amount")],
        &BT_92_99,
        "document allowance or charge amount",
    ),
    (
        &[cac("AllowanceCharge"), cbc("BaseAmount")],
        &BT_93_100,
        "document allowance or charge base amount",
    ),
    (
        &[cac("InvoiceLine"), cbc("LineExtensionAmount")],
        &BT_131,
        "line net amount",
    ),
    (
        &[cac("InvoiceLine"), cac("AllowanceCharge"), cbc("Amount")],
        &BT_136_141,
        "line allowance or charge amount",
    ),
    (
        &[
            cac("InvoiceLine"),
            cac("AllowanceCharge"),
            cbc("BaseAmount"),
        ],
        &BT_137_142,
        "line allowance or charge base amount",
    ),
];

/// Amount elements matched at any depth.
static ANY_AMOUNTS: &[(Path, &Assertion, &str)] = &[
    (
        &[cac("LegalMonetaryTotal"), cbc("LineExtensionAmount")],
        &BT_106,
        "sum of line net amounts",
    ),
    (
        &[cac("LegalMonetaryTotal"), cbc("AllowanceTotalAmount")],
        &BT_107,
        "sum of allowances",
    ),
    (
        &[cac("LegalMonetaryTotal"), cbc("ChargeTotalAmount")],
        &BT_108,
        "sum of charges",
    ),
    (
        &[cac("LegalMonetaryTotal"), cbc("TaxExclusiveAmount")],
        &BT_109,
        "total without VAT",
    ),
    (&[cac("TaxTotal"), cbc("TaxAmount")], &BT_110, "VAT total"),
    (
        &[cac("LegalMonetaryTotal"), cbc("TaxInclusiveAmount")],
        &BT_112,
        "total with VAT",
    ),
    (
        &[cac("LegalMonetaryTotal"), cbc("PrepaidAmount")],
        &BT_113,
        "paid amount",
    ),
    (
        &[cac("LegalMonetaryTotal"), cbc("PayableRoundingAmount")],
        &BT_114,
        "rounding amount",
    ),
    (
        &[cac("LegalMonetaryTotal"), cbc("PayableAmount")],
        &BT_115,
        "amount due",
    ),
    (
        &[cac("TaxTotal"), cac("TaxSubtotal"), cbc("TaxableAmount")],
        &BT_116,
        "VAT category taxable amount",
    ),
    (
        &[cac("TaxTotal"), cac("TaxSubtotal"), cbc("TaxAmount")],
        &BT_117,
        "VAT category tax amount",
    ),
];

/// VAT rates, matched at any depth.
static RATES: &[(Path, &Assertion, &str)] = &[
    (
        &[cac("AllowanceCharge"), cac("TaxCategory"), cbc("Percent")],
        &RATE_96_103,
        "allowance or charge VAT rate",
    ),
    (
        &[
            cac("TaxTotal"),
            cac("TaxSubtotal"),
            cac("TaxCategory"),
            cbc("Percent"),
        ],
        &RATE_119,
        "VAT category rate",
    ),
    (
        &[cac("Item"), cac("ClassifiedTaxCategory"), cbc("Percent")],
        &RATE_152,
        "line VAT rate",
    ),
];

/// The rows of the three tables above whose path ends on one element name.
#[derive(Default)]
struct Candidates {
    root: Vec<usize>,
    any: Vec<usize>,
    rates: Vec<usize>,
}

/// The tables indexed by the local name of their last step, built once: an element
/// is tested only against the paths that can end on it (one hash lookup instead of a
/// name comparison per row). Rows keep their table order, so findings keep theirs.
fn candidates() -> &'static FxHashMap<&'static str, Candidates> {
    static INDEX: OnceLock<FxHashMap<&'static str, Candidates>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let last = |path: Path| path.last().map_or("", |(_, local)| *local);
        let mut index: FxHashMap<&'static str, Candidates> = FxHashMap::default();
        for (i, (path, _, _)) in ROOT_AMOUNTS.iter().enumerate() {
            index.entry(last(path)).or_default().root.push(i);
        }
        for (i, (path, _, _)) in ANY_AMOUNTS.iter().enumerate() {
            index.entry(last(path)).or_default().any.push(i);
        }
        for (i, (path, _, _)) in RATES.iter().enumerate() {
            index.entry(last(path)).or_default().rates.push(i);
        }
        index
    })
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    let bidirectional = doc.cadre.bidirectional;
    let index = candidates();
    let none = Candidates::default();
    for node in doc.elements() {
        if node.namespace() == Namespace::CBC {
            let rows = index.get(node.local_name()).unwrap_or(&none);
            for &i in &rows.root {
                let (path, assertion, what) = ROOT_AMOUNTS[i];
                if doc.at(node, path) {
                    amount(node, assertion, what, sink);
                }
            }
            for &i in &rows.any {
                let (path, assertion, what) = ANY_AMOUNTS[i];
                if ends_with(node, path) {
                    amount(node, assertion, what, sink);
                }
            }
            for &i in &rows.rates {
                let (path, assertion, what) = RATES[i];
                if ends_with(node, path) {
                    let value = normalize_space(&string_value(node));
                    let message = || {
                        format!(
                            "the {what} '{value}' is not a positive number of at most 4 digits with at most 2 decimals"
                        )
                    };
                    sink.check_with(assertion, pct4_2p(&value), node, message);
                }
            }
            let quantity = if doc.credit_note {
                "CreditedQuantity"
            } else {
                "InvoicedQuantity"
            };
            if doc.at(node, &[cac("InvoiceLine"), cbc(quantity)]) {
                let value = normalize_space(&string_value(node));
                let message = || {
                    format!(
                        "the invoiced quantity '{value}' is not a number of at most 19 digits with at most 4 decimals"
                    )
                };
                sink.check_with(&BT_129, dec19_4(&value), node, message);
            }
            if doc.at(
                node,
                &[
                    cac("InvoiceLine"),
                    cac("Price"),
                    cac("AllowanceCharge"),
                    cbc("BaseAmount"),
                ],
            ) {
                price_value(
                    node,
                    Some(node),
                    &BT_148,
                    "gross price",
                    bidirectional,
                    sink,
                );
            }
        } else if doc.at(
            node,
            &[cac("InvoiceLine"), cac("Price"), cac("AllowanceCharge")],
        ) {
            price_value(
                node,
                node.child(Namespace::CBC, "Amount"),
                &BT_147,
                "price discount",
                bidirectional,
                sink,
            );
        } else if doc.at(node, &[cac("InvoiceLine")]) {
            let price_node = node.child(Namespace::CAC, "Price");
            let base = price_node.and_then(|p| p.child(Namespace::CBC, "BaseQuantity"));
            let value = base
                .map(|b| normalize_space(&string_value(b)))
                .unwrap_or_default();
            let message = || {
                format!(
                    "the price base quantity '{value}' is not a number of at most 19 digits with at most 4 decimals"
                )
            };
            sink.check_with(&BT_149, value.is_empty() || dec19_4(&value), node, message);
            let amount = price_node.and_then(|p| p.child(Namespace::CBC, "PriceAmount"));
            price_value(node, amount, &BT_146, "net price", bidirectional, sink);
        }
    }
}

fn amount(node: Node<'_>, assertion: &'static Assertion, what: &str, sink: &mut FrSink<'_, '_>) {
    let value = normalize_space(&string_value(node));
    sink.check_with(assertion, dec19_2(&value), node, || {
        format!("the {what} '{value}' is not a number of at most 19 digits with at most 2 decimals")
    });
}

/// PRICE of an optional value (empty passes); reported on `context`.
fn price_value(
    context: Node<'_>,
    value: Option<Node<'_>>,
    assertion: &'static Assertion,
    what: &str,
    bidirectional: bool,
    sink: &mut FrSink<'_, '_>,
) {
    let value = value
        .map(|v| normalize_space(&string_value(v)))
        .unwrap_or_default();
    let message = || {
        format!(
            "the {what} '{value}' is not a number of at most 19 digits with at most 6 decimals{}",
            if bidirectional {
                ""
            } else {
                ", and not negative"
            }
        )
    };
    sink.check_with(
        assertion,
        value.is_empty() || price(&value, bidirectional),
        context,
        message,
    );
}
