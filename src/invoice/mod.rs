//! The one semantic model of an invoice, in EN 16931 terms (BG-/BT-), with room for
//! the French extensions (billing framework BT-23, note subject codes, several
//! identifiers per party, addressing schemes).
//!
//! The model is built from invalid documents too (validation reports the problems
//! separately), so no field is ever required: every term is an `Option` or a `Vec`,
//! and a value that is present but cannot be read (an amount `12,50`, a date
//! `2024-02-30`) is left out of its field and kept, raw, in [`Invoice::unparsed`].
//!
//! Files: [`types`] (amounts, dates, identifiers, codes), [`party`] (BG-4..BG-12),
//! [`delivery`] (BG-13..BG-15), [`payment`] (BG-16..BG-19), [`totals`] (BG-20..BG-22),
//! [`vat`] (BG-23), [`references`] (BG-1..BG-3, BG-24), [`line`] (BG-25..BG-32).

pub mod delivery;
pub mod line;
pub mod party;
pub mod payment;
pub mod references;
pub mod totals;
pub mod types;
pub mod vat;

use serde::Serialize;

pub use delivery::{Delivery, Period};
pub use line::{
    InvoiceLine, ItemAttribute, ItemClassification, ItemInformation, LineAllowanceCharge,
    LineVatInformation, PriceDetails,
};
pub use party::{Buyer, Contact, Payee, PostalAddress, Seller, TaxRepresentative};
pub use payment::{CreditTransfer, DirectDebit, PaymentCard, PaymentInstructions};
pub use references::{
    Attachment, Note, PrecedingInvoiceReference, ProcessControl, SupportingDocument,
};
pub use totals::{DocumentAllowanceCharge, DocumentTotals};
pub use types::{
    Amount, Date, ElectronicAddress, Identifier, InvoiceTypeCode, Percent, Quantity, scheme,
};
pub use vat::VatBreakdown;

/// An invoice or credit note (EN 16931 BG-0).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Invoice {
    /// BT-1 Invoice number.
    pub number: Option<String>,
    /// BT-2 Invoice issue date.
    pub issue_date: Option<Date>,
    /// BT-3 Invoice type code (UNTDID 1001).
    pub type_code: Option<InvoiceTypeCode>,
    /// BT-5 Invoice currency code (ISO 4217).
    pub currency_code: Option<String>,
    /// BT-6 VAT accounting currency code.
    pub vat_accounting_currency_code: Option<String>,
    /// BT-7 Value added tax point date.
    pub vat_point_date: Option<Date>,
    /// BT-8 Value added tax point date code (UBL UNTDID 2005 {3, 35, 432}; CII
    /// UNTDID 2475 {5, 29, 72}; kept as written, the two lists differ).
    pub vat_point_date_code: Option<String>,
    /// BT-9 Payment due date.
    pub due_date: Option<Date>,
    /// BT-10 Buyer reference.
    pub buyer_reference: Option<String>,
    /// BT-11 Project reference.
    pub project_reference: Option<String>,
    /// BT-12 Contract reference.
    pub contract_reference: Option<String>,
    /// BT-13 Purchase order reference.
    pub purchase_order_reference: Option<String>,
    /// BT-14 Sales order reference.
    pub sales_order_reference: Option<String>,
    /// BT-15 Receiving advice reference.
    pub receiving_advice_reference: Option<String>,
    /// BT-16 Despatch advice reference.
    pub despatch_advice_reference: Option<String>,
    /// BT-17 Tender or lot reference.
    pub tender_or_lot_reference: Option<String>,
    /// BT-18 Invoiced object identifier, with its scheme (BT-18-1, UNTDID 1153).
    pub invoiced_object_identifier: Option<Identifier>,
    /// BT-19 Buyer accounting reference.
    pub buyer_accounting_reference: Option<String>,
    /// BT-20 Payment terms.
    pub payment_terms: Option<String>,
    /// BG-1 INVOICE NOTE.
    pub notes: Vec<Note>,
    /// BG-2 PROCESS CONTROL.
    pub process_control: ProcessControl,
    /// BG-3 PRECEDING INVOICE REFERENCE.
    pub preceding_invoices: Vec<PrecedingInvoiceReference>,
    /// BG-4 SELLER.
    pub seller: Seller,
    /// BG-7 BUYER.
    pub buyer: Buyer,
    /// BG-10 PAYEE.
    pub payee: Option<Payee>,
    /// BG-11 SELLER TAX REPRESENTATIVE PARTY.
    pub tax_representative: Option<TaxRepresentative>,
    /// BG-13 DELIVERY INFORMATION.
    pub delivery: Option<Delivery>,
    /// BG-14 INVOICING PERIOD. The standard nests it in BG-13; it stands here because
    /// both syntaxes carry it apart from the delivery and it is used on its own.
    pub invoicing_period: Option<Period>,
    /// BG-16 PAYMENT INSTRUCTIONS.
    pub payment_instructions: Option<PaymentInstructions>,
    /// BG-20 DOCUMENT LEVEL ALLOWANCES.
    pub allowances: Vec<DocumentAllowanceCharge>,
    /// BG-21 DOCUMENT LEVEL CHARGES.
    pub charges: Vec<DocumentAllowanceCharge>,
    /// BG-22 DOCUMENT TOTALS.
    pub totals: DocumentTotals,
    /// BG-23 VAT BREAKDOWN.
    pub vat_breakdown: Vec<VatBreakdown>,
    /// BG-24 ADDITIONAL SUPPORTING DOCUMENTS.
    pub supporting_documents: Vec<SupportingDocument>,
    /// BG-25 INVOICE LINE.
    pub lines: Vec<InvoiceLine>,
    /// Values present in the document that could not be read as their term's type
    /// (amount, quantity, percentage, date, indicator), in the order the mapper read
    /// them (document order, except for the few terms finished after the pass). Not an
    /// EN 16931 term: it keeps what the typed fields had to leave out.
    pub unparsed: Vec<Unparsed>,
}

/// A term whose text is present but not a valid value of its type.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Unparsed {
    /// The business term, e.g. `BT-131`.
    pub term: &'static str,
    /// The text as written.
    pub raw: String,
}

impl Invoice {
    /// True when BT-3 is a credit note type code.
    pub fn is_credit_note(&self) -> bool {
        self.type_code
            .as_ref()
            .is_some_and(InvoiceTypeCode::is_credit_note)
    }

    /// Σ BT-131 over the lines that have a readable net amount.
    pub fn sum_of_line_net_amounts(&self) -> Amount {
        self.lines.iter().filter_map(|l| l.net_amount).sum()
    }
}
