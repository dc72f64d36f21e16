//! Payment instructions (BG-16): credit transfer (BG-17), payment card (BG-18) and
//! direct debit (BG-19).

use serde::Serialize;

/// BG-16 PAYMENT INSTRUCTIONS.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PaymentInstructions {
    /// BT-81 Payment means type code (UNTDID 4461).
    pub means_type_code: Option<String>,
    /// BT-82 Payment means text.
    pub means_text: Option<String>,
    /// BT-83 Remittance information.
    pub remittance_information: Option<String>,
    /// BG-17 CREDIT TRANSFER (repeatable: one per account the buyer may pay to).
    pub credit_transfers: Vec<CreditTransfer>,
    /// BG-18 PAYMENT CARD INFORMATION.
    pub payment_card: Option<PaymentCard>,
    /// BG-19 DIRECT DEBIT.
    pub direct_debit: Option<DirectDebit>,
}

/// BG-17 CREDIT TRANSFER.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CreditTransfer {
    /// BT-84 Payment account identifier (IBAN for SEPA, or a proprietary id).
    pub account_identifier: Option<String>,
    /// BT-85 Payment account name.
    pub account_name: Option<String>,
    /// BT-86 Payment service provider identifier (BIC).
    pub service_provider_identifier: Option<String>,
}

/// BG-18 PAYMENT CARD INFORMATION.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PaymentCard {
    /// BT-87 Payment card primary account number (masked, BR-51).
    pub primary_account_number: Option<String>,
    /// BT-88 Payment card holder name.
    pub holder_name: Option<String>,
}

/// BG-19 DIRECT DEBIT.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DirectDebit {
    /// BT-89 Mandate reference identifier.
    pub mandate_reference: Option<String>,
    /// BT-90 Bank assigned creditor identifier.
    pub creditor_identifier: Option<String>,
    /// BT-91 Debited account identifier.
    pub debited_account: Option<String>,
}
