//! Number formats (CII): BR-FR-DEC-01 (amounts), -02 (quantities), -03 (prices), -04
//! (VAT rates), on the normalize-space'd value of each element; an empty element
//! fails. `BR-FR-DEC-01_BT-111` shares its context with BT-110 and never fires.

use super::{Doc, Path, at, ram};
use crate::ingest::validate::fr::defs::{dec19_2, dec19_4, pct4_2p, price};
use crate::ingest::validate::fr::{Assertion, FrSink, assertions};
use crate::ingest::validate::xpath::{normalize_space, string_value};
use crate::xml::Node;

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

/// The number pattern an element must match.
#[derive(Clone, Copy)]
enum Format {
    Amount,
    Quantity,
    Price,
    Rate,
}

/// Where a path starts.
#[derive(Clone, Copy)]
enum From {
    Settlement,
    Summation,
    Lines,
}

static CHECKS: &[(&Assertion, From, Path, Format, &str)] = &[
    (
        &BT_92_99,
        From::Settlement,
        &[ram("SpecifiedTradeAllowanceCharge"), ram("ActualAmount")],
        Format::Amount,
        "document allowance or charge amount",
    ),
    (
        &BT_93_100,
        From::Settlement,
        &[ram("SpecifiedTradeAllowanceCharge"), ram("BasisAmount")],
        Format::Amount,
        "document allowance or charge base amount",
    ),
    (
        &BT_106,
        From::Summation,
        &[ram("LineTotalAmount")],
        Format::Amount,
        "sum of line net amounts",
    ),
    (
        &BT_107,
        From::Summation,
        &[ram("AllowanceTotalAmount")],
        Format::Amount,
        "sum of allowances",
    ),
    (
        &BT_108,
        From::Summation,
        &[ram("ChargeTotalAmount")],
        Format::Amount,
        "sum of charges",
    ),
    (
        &BT_109,
        From::Summation,
        &[ram("TaxBasisTotalAmount")],
        Format::Amount,
        "total without VAT",
    ),
    (
        &BT_110,
        From::Summation,
        &[ram("TaxTotalAmount")],
        Format::Amount,
        "VAT total",
    ),
    (
        &BT_112,
        From::Summation,
        &[ram("GrandTotalAmount")],
        Format::Amount,
        "total with VAT",
    ),
    (
        &BT_113,
        From::Summation,
        &[ram("TotalPrepaidAmount")],
        Format::Amount,
        "paid amount",
    ),
    (
        &BT_114,
        From::Summation,
        &[ram("RoundingAmount")],
        Format::Amount,
        "rounding amount",
    ),
    (
        &BT_115,
        From::Summation,
        &[ram("DuePayableAmount")],
        Format::Amount,
        "amount due",
    ),
    (
        &BT_116,
        From::Settlement,
        &[ram("ApplicableTradeTax"), ram("BasisAmount")],
        Format::Amount,
        "VAT category taxable amount",
    ),
    (
        &BT_117,
        From::Settlement,
        &[ram("ApplicableTradeTax"), ram("CalculatedAmount")],
        Format::Amount,
        "VAT category tax amount",
    ),
    (
        &BT_131,
        From::Lines,
        &[
            ram("SpecifiedLineTradeSettlement"),
            ram("SpecifiedTradeSettlementLineMonetarySummation"),
            ram("LineTotalAmount"),
        ],
        Format::Amount,
        "line net amount",
    ),
    (
        &BT_136_141,
        From::Lines,
        &[
            ram("SpecifiedLineTradeSettlement"),
            ram("SpecifiedTradeAllowanceCharge"),
            ram("ActualAmount"),
        ],
        Format::Amount,
        "line allowance or charge amount",
    ),
    (
        &BT_137_142,
        From::Lines,
        &[
            ram("SpecifiedLineTradeSettlement"),
            ram("SpecifiedTradeAllowanceCharge"),
            ram("BasisAmount"),
        ],
        Format::Amount,
        "line allowance or charge base amount",
    ),
    (
        &BT_129,
        From::Lines,
        &[ram("SpecifiedLineTradeDelivery"), ram("BilledQuantity")],
        Format::Quantity,
        "invoiced quantity",
    ),
    (
        &BT_149,
        From::Lines,
        &[
            ram("SpecifiedLineTradeAgreement"),
            ram("NetPriceProductTradePrice"),
            ram("BasisQuantity"),
        ],
        Format::Quantity,
        "price base quantity",
    ),
    (
        &BT_146,
        From::Lines,
        &[
            ram("SpecifiedLineTradeAgreement"),
            ram("NetPriceProductTradePrice"),
            ram("ChargeAmount"),
        ],
        Format::Price,
        "net price",
    ),
    (
        &BT_147,
        From::Lines,
        &[
            ram("SpecifiedLineTradeAgreement"),
            ram("GrossPriceProductTradePrice"),
            ram("AppliedTradeAllowanceCharge"),
            ram("ActualAmount"),
        ],
        Format::Price,
        "price discount",
    ),
    (
        &BT_148,
        From::Lines,
        &[
            ram("SpecifiedLineTradeAgreement"),
            ram("GrossPriceProductTradePrice"),
            ram("ChargeAmount"),
        ],
        Format::Price,
        "gross price",
    ),
    (
        &RATE_96_103,
        From::Settlement,
        &[
            ram("SpecifiedTradeAllowanceCharge"),
            ram("CategoryTradeTax"),
            ram("RateApplicablePercent"),
        ],
        Format::Rate,
        "allowance or charge VAT rate",
    ),
    (
        &RATE_119,
        From::Settlement,
        &[ram("ApplicableTradeTax"), ram("RateApplicablePercent")],
        Format::Rate,
        "VAT category rate",
    ),
    (
        &RATE_152,
        From::Lines,
        &[
            ram("SpecifiedLineTradeSettlement"),
            ram("ApplicableTradeTax"),
            ram("RateApplicablePercent"),
        ],
        Format::Rate,
        "line VAT rate",
    ),
];

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    let bidirectional = doc.cadre.bidirectional;
    for (assertion, from, path, format, what) in CHECKS {
        let nodes: Vec<Node<'_>> = match from {
            From::Settlement => at(doc.settlement, path),
            From::Summation => at(doc.summation, path),
            From::Lines => doc.in_lines(path),
        };
        for node in nodes {
            let value = normalize_space(&string_value(node));
            let (holds, expected) = match format {
                Format::Amount => (
                    dec19_2(&value),
                    "a number of at most 19 digits with at most 2 decimals",
                ),
                Format::Quantity => (
                    dec19_4(&value),
                    "a number of at most 19 digits with at most 4 decimals",
                ),
                Format::Price if bidirectional => (
                    price(&value, true),
                    "a number of at most 19 digits with at most 6 decimals",
                ),
                Format::Price => (
                    price(&value, false),
                    "a positive number of at most 19 digits with at most 6 decimals",
                ),
                Format::Rate => (
                    pct4_2p(&value),
                    "a positive number of at most 4 digits with at most 2 decimals",
                ),
            };
            sink.check_with(assertion, holds, node, || {
                format!("the {what} '{value}' is not {expected}")
            });
        }
    }
}
