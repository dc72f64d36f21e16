//! The parties of an invoice: seller (BG-4), buyer (BG-7), payee (BG-10), seller tax
//! representative (BG-11), and the postal address and contact groups they share.

use serde::Serialize;

use super::types::{ElectronicAddress, Identifier};

/// BG-4 SELLER.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Seller {
    /// BT-27 Seller name.
    pub name: Option<String>,
    /// BT-28 Seller trading name.
    pub trading_name: Option<String>,
    /// BT-29 Seller identifier, with its scheme (BT-29-1). Repeatable: the French
    /// reform carries SIRET, routing code and private identifiers side by side.
    pub identifiers: Vec<Identifier>,
    /// BT-30 Seller legal registration identifier, with its scheme (BT-30-1; `0002`
    /// SIREN in France).
    pub legal_registration_identifier: Option<Identifier>,
    /// BT-31 Seller VAT identifier.
    pub vat_identifier: Option<String>,
    /// BT-32 Seller tax registration identifier.
    pub tax_registration_identifier: Option<String>,
    /// BT-33 Seller additional legal information.
    pub additional_legal_information: Option<String>,
    /// BT-34 Seller electronic address, with its scheme (BT-34-1).
    pub electronic_address: Option<ElectronicAddress>,
    /// BG-5 SELLER POSTAL ADDRESS.
    pub postal_address: Option<PostalAddress>,
    /// BG-6 SELLER CONTACT.
    pub contact: Option<Contact>,
}

/// BG-7 BUYER.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Buyer {
    /// BT-44 Buyer name.
    pub name: Option<String>,
    /// BT-45 Buyer trading name.
    pub trading_name: Option<String>,
    /// BT-46 Buyer identifier, with its scheme (BT-46-1). Repeatable for the French
    /// reform (SIRET, routing code, ...).
    pub identifiers: Vec<Identifier>,
    /// BT-47 Buyer legal registration identifier, with its scheme (BT-47-1).
    pub legal_registration_identifier: Option<Identifier>,
    /// BT-48 Buyer VAT identifier.
    pub vat_identifier: Option<String>,
    /// BT-49 Buyer electronic address, with its scheme (BT-49-1).
    pub electronic_address: Option<ElectronicAddress>,
    /// BG-8 BUYER POSTAL ADDRESS.
    pub postal_address: Option<PostalAddress>,
    /// BG-9 BUYER CONTACT.
    pub contact: Option<Contact>,
}

/// BG-10 PAYEE.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Payee {
    /// BT-59 Payee name.
    pub name: Option<String>,
    /// BT-60 Payee identifier, with its scheme (BT-60-1). Repeatable for the French
    /// reform.
    pub identifiers: Vec<Identifier>,
    /// BT-61 Payee legal registration identifier, with its scheme (BT-61-1).
    pub legal_registration_identifier: Option<Identifier>,
}

/// BG-11 SELLER TAX REPRESENTATIVE PARTY.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TaxRepresentative {
    /// BT-62 Seller tax representative name.
    pub name: Option<String>,
    /// BT-63 Seller tax representative VAT identifier.
    pub vat_identifier: Option<String>,
    /// BG-12 SELLER TAX REPRESENTATIVE POSTAL ADDRESS.
    pub postal_address: Option<PostalAddress>,
}

/// A postal address: BG-5 (seller, BT-35..BT-40, BT-162), BG-8 (buyer, BT-50..BT-55,
/// BT-163), BG-12 (tax representative, BT-64..BT-69, BT-164) and BG-15 (deliver to,
/// BT-75..BT-80, BT-165) share this shape; field docs give the seller's ids.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PostalAddress {
    /// BT-35 Address line 1 (BT-50, BT-64, BT-75).
    pub line_one: Option<String>,
    /// BT-36 Address line 2 (BT-51, BT-65, BT-76).
    pub line_two: Option<String>,
    /// BT-162 Address line 3 (BT-163, BT-164, BT-165).
    pub line_three: Option<String>,
    /// BT-37 City (BT-52, BT-66, BT-77).
    pub city: Option<String>,
    /// BT-38 Post code (BT-53, BT-67, BT-78).
    pub post_code: Option<String>,
    /// BT-39 Country subdivision (BT-54, BT-68, BT-79).
    pub country_subdivision: Option<String>,
    /// BT-40 Country code, ISO 3166-1 alpha-2 (BT-55, BT-69, BT-80).
    pub country_code: Option<String>,
}

/// A contact: BG-6 (seller, BT-41..BT-43) and BG-9 (buyer, BT-56..BT-58).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Contact {
    /// BT-41 Contact point (BT-56).
    pub point: Option<String>,
    /// BT-42 Contact telephone number (BT-57).
    pub telephone: Option<String>,
    /// BT-43 Contact email address (BT-58).
    pub email: Option<String>,
}
