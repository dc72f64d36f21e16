//! An invoice line (BG-25) and its sub-groups: period (BG-26), allowances and charges
//! (BG-27, BG-28), price details (BG-29), VAT information (BG-30), item (BG-31, BG-32).

use serde::Serialize;

use super::delivery::Period;
use super::types::{Amount, Identifier, Percent, Quantity};

/// BG-25 INVOICE LINE.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InvoiceLine {
    /// BT-126 Invoice line identifier.
    pub identifier: Option<String>,
    /// BT-127 Invoice line note.
    pub note: Option<String>,
    /// BT-128 Invoice line object identifier, with its scheme (BT-128-1).
    pub object_identifier: Option<Identifier>,
    /// BT-129 Invoiced quantity (UBL `InvoicedQuantity` / `CreditedQuantity`).
    pub quantity: Option<Quantity>,
    /// BT-130 Invoiced quantity unit of measure code (UN/ECE Rec 20/21).
    pub unit_code: Option<String>,
    /// BT-131 Invoice line net amount.
    pub net_amount: Option<Amount>,
    /// BT-132 Referenced purchase order line reference.
    pub order_line_reference: Option<String>,
    /// BT-133 Invoice line Buyer accounting reference.
    pub buyer_accounting_reference: Option<String>,
    /// BG-26 INVOICE LINE PERIOD (BT-134 start, BT-135 end).
    pub period: Option<Period>,
    /// BG-27 INVOICE LINE ALLOWANCES.
    pub allowances: Vec<LineAllowanceCharge>,
    /// BG-28 INVOICE LINE CHARGES.
    pub charges: Vec<LineAllowanceCharge>,
    /// BG-29 PRICE DETAILS.
    pub price: PriceDetails,
    /// BG-30 LINE VAT INFORMATION.
    pub vat: LineVatInformation,
    /// BG-31 ITEM INFORMATION.
    pub item: ItemInformation,
}

/// BG-27 INVOICE LINE ALLOWANCES / BG-28 INVOICE LINE CHARGES (same shape; the
/// charge ids are BT-141..BT-145).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LineAllowanceCharge {
    /// BT-136 Invoice line allowance amount (BT-141 charge amount).
    pub amount: Option<Amount>,
    /// BT-137 Invoice line allowance base amount (BT-142).
    pub base_amount: Option<Amount>,
    /// BT-138 Invoice line allowance percentage (BT-143).
    pub percentage: Option<Percent>,
    /// BT-139 Invoice line allowance reason (BT-144).
    pub reason: Option<String>,
    /// BT-140 Invoice line allowance reason code (BT-145).
    pub reason_code: Option<String>,
}

/// BG-29 PRICE DETAILS.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PriceDetails {
    /// BT-146 Item net price.
    pub net_price: Option<Amount>,
    /// BT-147 Item price discount.
    pub discount: Option<Amount>,
    /// BT-148 Item gross price.
    pub gross_price: Option<Amount>,
    /// BT-149 Item price base quantity.
    pub base_quantity: Option<Quantity>,
    /// BT-150 Item price base quantity unit of measure code.
    pub base_quantity_unit_code: Option<String>,
}

/// BG-30 LINE VAT INFORMATION.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LineVatInformation {
    /// BT-151 Invoiced item VAT category code (UNCL 5305 subset: S, Z, E, AE, K, G, O, L, M).
    pub category_code: Option<String>,
    /// BT-152 Invoiced item VAT rate.
    pub rate: Option<Percent>,
}

/// BG-31 ITEM INFORMATION.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ItemInformation {
    /// BT-153 Item name.
    pub name: Option<String>,
    /// BT-154 Item description.
    pub description: Option<String>,
    /// BT-155 Item Seller's identifier.
    pub sellers_identifier: Option<String>,
    /// BT-156 Item Buyer's identifier.
    pub buyers_identifier: Option<String>,
    /// BT-157 Item standard identifier, with its scheme (BT-157-1).
    pub standard_identifier: Option<Identifier>,
    /// BT-158 Item classification identifiers.
    pub classifications: Vec<ItemClassification>,
    /// BT-159 Item country of origin.
    pub country_of_origin: Option<String>,
    /// BG-32 ITEM ATTRIBUTES.
    pub attributes: Vec<ItemAttribute>,
}

/// BT-158 Item classification identifier with its scheme and scheme version.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ItemClassification {
    /// BT-158 Item classification identifier.
    pub value: String,
    /// BT-158-1 Scheme identifier (UNTDID 7143).
    pub scheme: Option<String>,
    /// BT-158-2 Scheme version identifier.
    pub scheme_version: Option<String>,
}

/// BG-32 ITEM ATTRIBUTES.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ItemAttribute {
    /// BT-160 Item attribute name.
    pub name: Option<String>,
    /// BT-161 Item attribute value.
    pub value: Option<String>,
    /// French extension: the attribute name as a code (UBL `cbc:NameCode`), allowed
    /// instead of BT-160 (BR-FR-27).
    pub name_code: Option<String>,
    /// French extension: the attribute value as a quantity (UBL `cbc:ValueQuantity`),
    /// allowed instead of BT-161 (BR-FR-28).
    pub value_quantity: Option<Quantity>,
}
