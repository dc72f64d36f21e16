//! The VAT breakdown (BG-23): one entry per VAT category and rate.

use serde::Serialize;

use super::types::{Amount, Percent};

/// BG-23 VAT BREAKDOWN.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VatBreakdown {
    /// BT-116 VAT category taxable amount.
    pub taxable_amount: Option<Amount>,
    /// BT-117 VAT category tax amount.
    pub tax_amount: Option<Amount>,
    /// BT-118 VAT category code (UNCL 5305 subset: S, Z, E, AE, K, G, O, L, M).
    pub category_code: Option<String>,
    /// BT-119 VAT category rate.
    pub rate: Option<Percent>,
    /// BT-120 VAT exemption reason text.
    pub exemption_reason: Option<String>,
    /// BT-121 VAT exemption reason code (VATEX).
    pub exemption_reason_code: Option<String>,
}
