//! Document-level allowances and charges (BG-20, BG-21) and the document totals
//! (BG-22).

use serde::Serialize;

use super::types::{Amount, Percent};

/// BG-20 DOCUMENT LEVEL ALLOWANCES / BG-21 DOCUMENT LEVEL CHARGES (same shape; the
/// charge ids are BT-99..BT-105).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DocumentAllowanceCharge {
    /// BT-92 Document level allowance amount (BT-99 charge amount).
    pub amount: Option<Amount>,
    /// BT-93 Document level allowance base amount (BT-100).
    pub base_amount: Option<Amount>,
    /// BT-94 Document level allowance percentage (BT-101).
    pub percentage: Option<Percent>,
    /// BT-95 Document level allowance VAT category code (BT-102).
    pub vat_category_code: Option<String>,
    /// BT-96 Document level allowance VAT rate (BT-103).
    pub vat_rate: Option<Percent>,
    /// BT-97 Document level allowance reason (BT-104).
    pub reason: Option<String>,
    /// BT-98 Document level allowance reason code (BT-105).
    pub reason_code: Option<String>,
}

/// BG-22 DOCUMENT TOTALS.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DocumentTotals {
    /// BT-106 Sum of Invoice line net amount.
    pub sum_of_line_net_amounts: Option<Amount>,
    /// BT-107 Sum of allowances on document level.
    pub allowances_total: Option<Amount>,
    /// BT-108 Sum of charges on document level.
    pub charges_total: Option<Amount>,
    /// BT-109 Invoice total amount without VAT.
    pub total_without_vat: Option<Amount>,
    /// BT-110 Invoice total VAT amount (in the invoice currency, BT-5).
    pub total_vat: Option<Amount>,
    /// BT-111 Invoice total VAT amount in accounting currency (BT-6).
    pub total_vat_accounting_currency: Option<Amount>,
    /// BT-112 Invoice total amount with VAT.
    pub total_with_vat: Option<Amount>,
    /// BT-113 Paid amount.
    pub paid_amount: Option<Amount>,
    /// BT-114 Rounding amount.
    pub rounding_amount: Option<Amount>,
    /// BT-115 Amount due for payment.
    pub amount_due: Option<Amount>,
}
