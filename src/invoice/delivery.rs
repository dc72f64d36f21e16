//! Delivery information (BG-13) with the deliver-to address (BG-15), and [`Period`],
//! the shape of the invoicing period (BG-14) and of the line period (BG-26).

use serde::Serialize;

use super::party::PostalAddress;
use super::types::{Date, Identifier};

/// BG-13 DELIVERY INFORMATION.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Delivery {
    /// BT-70 Deliver to party name.
    pub party_name: Option<String>,
    /// BT-71 Deliver to location identifier, with its scheme (BT-71-1).
    pub location_identifier: Option<Identifier>,
    /// BT-72 Actual delivery date.
    pub actual_delivery_date: Option<Date>,
    /// BG-15 DELIVER TO ADDRESS (BT-75..BT-80, BT-165).
    pub address: Option<PostalAddress>,
}

/// A period: BG-14 INVOICING PERIOD (BT-73, BT-74) or BG-26 INVOICE LINE PERIOD
/// (BT-134, BT-135).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Period {
    /// BT-73 Invoicing period start date (BT-134 on a line).
    pub start: Option<Date>,
    /// BT-74 Invoicing period end date (BT-135 on a line).
    pub end: Option<Date>,
}
