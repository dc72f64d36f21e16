//! UBL 2.1 Invoice / CreditNote tree -> [`Invoice`], following the EN 16931 UBL syntax
//! binding (CEN/TS 16931-3-2).
//!
//! Each element is visited once: the root's children, then each party, line and
//! group through its own children, dispatching on the element name. Nothing searches
//! the document, so mapping stays linear in its size (10 000-line invoices included).
//! The few terms that depend on a sibling read later in the document (BT-110 against
//! BT-5/BT-6, BT-90 from the seller or payee into the direct debit) are finished after
//! the pass.

use crate::invoice::{
    Attachment, Buyer, Contact, CreditTransfer, Delivery, DirectDebit, DocumentAllowanceCharge,
    Identifier, Invoice, InvoiceTypeCode, Note, Payee, PaymentCard, PaymentInstructions,
    PostalAddress, PrecedingInvoiceReference, Seller, SupportingDocument, TaxRepresentative,
    VatBreakdown,
};
use crate::xml::{Namespace, Node};

use super::read::{Reader, attr, identifier, text};
use super::ubl_line;

const CAC: Namespace = Namespace::CAC;
const CBC: Namespace = Namespace::CBC;

/// `cac:InvoiceLine` in an invoice, `cac:CreditNoteLine` in a credit note.
fn is_line_name(local: &str) -> bool {
    matches!(local, "InvoiceLine" | "CreditNoteLine")
}

/// Builds the invoice model from a UBL document. Never fails: absent terms stay empty.
pub fn to_invoice(root: Node<'_>) -> Invoice {
    let mut m = Mapper {
        r: Reader::default(),
        credit_note: root.is(Namespace::UBL_CREDIT_NOTE, "CreditNote"),
        sepa_creditor_id: None,
    };
    let mut inv = Invoice::default();
    let mut tax_totals = Vec::new();
    let mut payment_means = Vec::new();
    let mut payment_due_date = None;
    // Sized once: grown by doubling, the lines of a 10 000-line invoice were copied
    // about 13 times (20 MB), each copy into fresh pages.
    inv.lines.reserve_exact(
        root.children()
            .filter(|c| c.namespace() == CAC && is_line_name(c.local_name()))
            .count(),
    );

    for c in root.children() {
        match (c.namespace(), c.local_name()) {
            (CBC, "ID") => inv.number = text(Some(c)),
            (CBC, "IssueDate") => inv.issue_date = m.r.date(Some(c), "BT-2"),
            (CBC, "DueDate") => inv.due_date = m.r.date(Some(c), "BT-9"),
            (CBC, "InvoiceTypeCode" | "CreditNoteTypeCode") => {
                inv.type_code = text(Some(c)).map(InvoiceTypeCode)
            }
            (CBC, "Note") => inv.notes.push(note(c)),
            (CBC, "TaxPointDate") => inv.vat_point_date = m.r.date(Some(c), "BT-7"),
            (CBC, "DocumentCurrencyCode") => inv.currency_code = text(Some(c)),
            (CBC, "TaxCurrencyCode") => inv.vat_accounting_currency_code = text(Some(c)),
            (CBC, "AccountingCost") => inv.buyer_accounting_reference = text(Some(c)),
            (CBC, "BuyerReference") => inv.buyer_reference = text(Some(c)),
            (CBC, "CustomizationID") => {
                inv.process_control.specification_identifier = text(Some(c))
            }
            (CBC, "ProfileID") => inv.process_control.business_process = text(Some(c)),
            (CAC, "InvoicePeriod") => {
                inv.vat_point_date_code = text(c.child(CBC, "DescriptionCode"));
                inv.invoicing_period = ubl_line::period(&mut m.r, c, "BT-73", "BT-74");
            }
            (CAC, "OrderReference") => {
                inv.purchase_order_reference = text(c.child(CBC, "ID"));
                inv.sales_order_reference = text(c.child(CBC, "SalesOrderID"));
            }
            (CAC, "BillingReference") => {
                if let Some(r) = c.child(CAC, "InvoiceDocumentReference") {
                    inv.preceding_invoices.push(PrecedingInvoiceReference {
                        reference: text(r.child(CBC, "ID")),
                        issue_date: m.r.date(r.child(CBC, "IssueDate"), "BT-26"),
                    });
                }
            }
            (CAC, "DespatchDocumentReference") => {
                inv.despatch_advice_reference = text(c.child(CBC, "ID"))
            }
            (CAC, "ReceiptDocumentReference") => {
                inv.receiving_advice_reference = text(c.child(CBC, "ID"))
            }
            (CAC, "OriginatorDocumentReference") => {
                inv.tender_or_lot_reference = text(c.child(CBC, "ID"))
            }
            (CAC, "ContractDocumentReference") => inv.contract_reference = text(c.child(CBC, "ID")),
            (CAC, "AdditionalDocumentReference") => m.additional_reference(c, &mut inv),
            (CAC, "ProjectReference") => inv.project_reference = text(c.child(CBC, "ID")),
            (CAC, "AccountingSupplierParty") => {
                if let Some(p) = c.child(CAC, "Party") {
                    inv.seller = m.party(p).into_seller();
                }
            }
            (CAC, "AccountingCustomerParty") => {
                if let Some(p) = c.child(CAC, "Party") {
                    inv.buyer = m.party(p).into_buyer();
                }
            }
            (CAC, "PayeeParty") => inv.payee = Some(m.party(c).into_payee()),
            (CAC, "TaxRepresentativeParty") => {
                inv.tax_representative = Some(m.party(c).into_tax_representative())
            }
            (CAC, "Delivery") => inv.delivery = Some(m.delivery(c)),
            (CAC, "PaymentMeans") => {
                if payment_due_date.is_none() {
                    payment_due_date = c.child(CBC, "PaymentDueDate");
                }
                payment_means.push(c);
            }
            // BT-20 is single: the first payment terms note wins.
            (CAC, "PaymentTerms") if inv.payment_terms.is_none() => {
                inv.payment_terms = text(c.child(CBC, "Note"))
            }
            (CAC, "AllowanceCharge") => m.document_allowance_charge(c, &mut inv),
            (CAC, "TaxTotal") => tax_totals.push(c),
            (CAC, "LegalMonetaryTotal") => m.totals(c, &mut inv),
            (CAC, name) if is_line_name(name) => inv.lines.push(ubl_line::line(&mut m.r, c)),
            _ => {}
        }
    }

    // A CreditNote has no root cbc:DueDate: its binding puts BT-9 in the payment means
    // (an Invoice's binding is the root element only).
    if m.credit_note && inv.due_date.is_none() {
        inv.due_date = m.r.date(payment_due_date, "BT-9");
    }
    m.tax_totals(&tax_totals, &mut inv);
    inv.payment_instructions = m.payment_instructions(&payment_means);
    inv.unparsed = m.r.unparsed;
    inv
}

/// A UBL note: the EN 16931 UBL binding has no element for BT-21, so the subject code
/// travels as a `#CODE#` prefix of the text (the convention the French rules use).
fn note(node: Node<'_>) -> Note {
    let Some(raw) = text(Some(node)) else {
        return Note::default();
    };
    if let Some(rest) = raw.strip_prefix('#')
        && let Some((code, body)) = rest.split_once('#')
        && !code.is_empty()
        && !code.contains(char::is_whitespace)
    {
        return Note {
            subject_code: Some(code.to_string()),
            text: Some(body.to_string()).filter(|b| !b.is_empty()),
        };
    }
    Note {
        subject_code: None,
        text: Some(raw),
    }
}

struct Mapper {
    r: Reader,
    credit_note: bool,
    /// BT-90: the binding puts the bank assigned creditor identifier among the seller's
    /// (or payee's) party identifications, with scheme `SEPA`.
    sepa_creditor_id: Option<String>,
}

/// Everything a UBL `cac:Party` can carry; each EN 16931 party takes its share.
#[derive(Default)]
struct Party {
    registration_name: Option<String>,
    party_name: Option<String>,
    identifiers: Vec<Identifier>,
    legal_id: Option<Identifier>,
    legal_form: Option<String>,
    vat_id: Option<String>,
    tax_registration_id: Option<String>,
    endpoint: Option<Identifier>,
    address: Option<PostalAddress>,
    contact: Option<Contact>,
}

impl Party {
    fn into_seller(self) -> Seller {
        Seller {
            name: self.registration_name,
            trading_name: self.party_name,
            identifiers: self.identifiers,
            legal_registration_identifier: self.legal_id,
            vat_identifier: self.vat_id,
            tax_registration_identifier: self.tax_registration_id,
            additional_legal_information: self.legal_form,
            electronic_address: self.endpoint,
            postal_address: self.address,
            contact: self.contact,
        }
    }

    fn into_buyer(self) -> Buyer {
        Buyer {
            name: self.registration_name,
            trading_name: self.party_name,
            identifiers: self.identifiers,
            legal_registration_identifier: self.legal_id,
            vat_identifier: self.vat_id,
            electronic_address: self.endpoint,
            postal_address: self.address,
            contact: self.contact,
        }
    }

    /// BG-10: the payee's name is its `PartyName` (it has no registration name term).
    fn into_payee(self) -> Payee {
        Payee {
            name: self.party_name.or(self.registration_name),
            identifiers: self.identifiers,
            legal_registration_identifier: self.legal_id,
        }
    }

    fn into_tax_representative(self) -> TaxRepresentative {
        TaxRepresentative {
            name: self.party_name.or(self.registration_name),
            vat_identifier: self.vat_id,
            postal_address: self.address,
        }
    }
}

impl Mapper {
    fn party(&mut self, party: Node<'_>) -> Party {
        let mut p = Party::default();
        for c in party.children() {
            match (c.namespace(), c.local_name()) {
                (CBC, "EndpointID") => p.endpoint = identifier(Some(c), "schemeID"),
                (CAC, "PartyIdentification") => {
                    if let Some(id) = identifier(c.child(CBC, "ID"), "schemeID") {
                        if id.has_scheme("SEPA") {
                            self.sepa_creditor_id.get_or_insert(id.value);
                        } else {
                            p.identifiers.push(id);
                        }
                    }
                }
                (CAC, "PartyName") if p.party_name.is_none() => {
                    p.party_name = text(c.child(CBC, "Name"))
                }
                (CAC, "PostalAddress") => p.address = Some(address(c)),
                (CAC, "PartyTaxScheme") => {
                    let id = text(c.child(CBC, "CompanyID"));
                    let is_vat = c
                        .first(&[(CAC, "TaxScheme"), (CBC, "ID")])
                        .is_some_and(|s| s.text().trim() == "VAT");
                    let slot = if is_vat {
                        &mut p.vat_id
                    } else {
                        &mut p.tax_registration_id
                    };
                    if slot.is_none() {
                        *slot = id;
                    }
                }
                (CAC, "PartyLegalEntity") => {
                    p.registration_name = text(c.child(CBC, "RegistrationName"));
                    p.legal_id = identifier(c.child(CBC, "CompanyID"), "schemeID");
                    p.legal_form = text(c.child(CBC, "CompanyLegalForm"));
                }
                (CAC, "Contact") => {
                    p.contact = Some(Contact {
                        point: text(c.child(CBC, "Name")),
                        telephone: text(c.child(CBC, "Telephone")),
                        email: text(c.child(CBC, "ElectronicMail")),
                    })
                }
                _ => {}
            }
        }
        p
    }

    /// `cac:AdditionalDocumentReference` carries three terms, told apart by
    /// `cbc:DocumentTypeCode`: 130 is BT-18, 50 is BT-11 in a CreditNote (which has no
    /// `cac:ProjectReference`), anything else a supporting document (BG-24).
    fn additional_reference(&mut self, node: Node<'_>, inv: &mut Invoice) {
        let code = text(node.child(CBC, "DocumentTypeCode"));
        match code.as_deref() {
            Some("130") => {
                inv.invoiced_object_identifier = identifier(node.child(CBC, "ID"), "schemeID")
            }
            Some("50") if self.credit_note => inv.project_reference = text(node.child(CBC, "ID")),
            _ => {
                let attachment = node.child(CAC, "Attachment");
                let embedded =
                    attachment.and_then(|a| a.child(CBC, "EmbeddedDocumentBinaryObject"));
                inv.supporting_documents.push(SupportingDocument {
                    reference: text(node.child(CBC, "ID")),
                    description: text(node.child(CBC, "DocumentDescription")),
                    external_location: attachment
                        .and_then(|a| a.first(&[(CAC, "ExternalReference"), (CBC, "URI")]))
                        .and_then(|u| text(Some(u))),
                    attachment: embedded.map(|e| Attachment {
                        content_base64: e.text().trim().to_string(),
                        mime_code: attr(e, "mimeCode"),
                        filename: attr(e, "filename"),
                    }),
                });
            }
        }
    }

    fn delivery(&mut self, node: Node<'_>) -> Delivery {
        let location = node.child(CAC, "DeliveryLocation");
        Delivery {
            party_name: node
                .first(&[(CAC, "DeliveryParty"), (CAC, "PartyName"), (CBC, "Name")])
                .and_then(|n| text(Some(n))),
            location_identifier: identifier(location.and_then(|l| l.child(CBC, "ID")), "schemeID"),
            actual_delivery_date: self.r.date(node.child(CBC, "ActualDeliveryDate"), "BT-72"),
            address: location.and_then(|l| l.child(CAC, "Address")).map(address),
        }
    }

    fn document_allowance_charge(&mut self, node: Node<'_>, inv: &mut Invoice) {
        let charge = self
            .r
            .indicator(node.child(CBC, "ChargeIndicator"), "BG-20/BG-21");
        let (terms, list) = match charge {
            Some(false) => (["BT-92", "BT-93", "BT-94", "BT-96"], &mut inv.allowances),
            Some(true) => (["BT-99", "BT-100", "BT-101", "BT-103"], &mut inv.charges),
            // Neither an allowance nor a charge: the indicator went to `unparsed`.
            None => return,
        };
        let category = node.child(CAC, "TaxCategory");
        list.push(DocumentAllowanceCharge {
            amount: self.r.amount(node.child(CBC, "Amount"), terms[0]),
            base_amount: self.r.amount(node.child(CBC, "BaseAmount"), terms[1]),
            percentage: self
                .r
                .percent(node.child(CBC, "MultiplierFactorNumeric"), terms[2]),
            vat_category_code: text(category.and_then(|c| c.child(CBC, "ID"))),
            vat_rate: self
                .r
                .percent(category.and_then(|c| c.child(CBC, "Percent")), terms[3]),
            reason: text(node.child(CBC, "AllowanceChargeReason")),
            reason_code: text(node.child(CBC, "AllowanceChargeReasonCode")),
        });
    }

    fn totals(&mut self, node: Node<'_>, inv: &mut Invoice) {
        let t = &mut inv.totals;
        for c in node.children().filter(|c| c.namespace() == CBC) {
            let (slot, term) = match c.local_name() {
                "LineExtensionAmount" => (&mut t.sum_of_line_net_amounts, "BT-106"),
                "TaxExclusiveAmount" => (&mut t.total_without_vat, "BT-109"),
                "TaxInclusiveAmount" => (&mut t.total_with_vat, "BT-112"),
                "AllowanceTotalAmount" => (&mut t.allowances_total, "BT-107"),
                "ChargeTotalAmount" => (&mut t.charges_total, "BT-108"),
                "PrepaidAmount" => (&mut t.paid_amount, "BT-113"),
                "PayableRoundingAmount" => (&mut t.rounding_amount, "BT-114"),
                "PayableAmount" => (&mut t.amount_due, "BT-115"),
                _ => continue,
            };
            *slot = self.r.amount(Some(c), term);
        }
    }

    /// BT-110 is the `cac:TaxTotal/cbc:TaxAmount` in the invoice currency (BT-5),
    /// BT-111 the one in the VAT accounting currency (BT-6); the breakdown (BG-23)
    /// comes from the subtotals of the former.
    fn tax_totals(&mut self, tax_totals: &[Node<'_>], inv: &mut Invoice) {
        let accounting = inv
            .vat_accounting_currency_code
            .as_deref()
            .filter(|c| Some(*c) != inv.currency_code.as_deref());
        for total in tax_totals {
            let amount = total.child(CBC, "TaxAmount");
            let currency = amount.and_then(|a| a.attr("currencyID")).map(str::trim);
            if accounting.is_some() && currency == accounting {
                inv.totals.total_vat_accounting_currency = self.r.amount(amount, "BT-111");
                continue;
            }
            if inv.totals.total_vat.is_none() {
                inv.totals.total_vat = self.r.amount(amount, "BT-110");
            }
            for sub in total.children_named(CAC, "TaxSubtotal") {
                let category = sub.child(CAC, "TaxCategory");
                let cat = |name: &str| category.and_then(|c| c.child(CBC, name));
                inv.vat_breakdown.push(VatBreakdown {
                    taxable_amount: self.r.amount(sub.child(CBC, "TaxableAmount"), "BT-116"),
                    tax_amount: self.r.amount(sub.child(CBC, "TaxAmount"), "BT-117"),
                    category_code: text(cat("ID")),
                    rate: self.r.percent(cat("Percent"), "BT-119"),
                    exemption_reason: text(cat("TaxExemptionReason")),
                    exemption_reason_code: text(cat("TaxExemptionReasonCode")),
                });
            }
        }
    }

    /// BG-16 is a single group in EN 16931 while UBL repeats `cac:PaymentMeans` (one
    /// per account, typically): the code, text and card come from the first, the
    /// credit transfer accounts from all of them.
    fn payment_instructions(&mut self, means: &[Node<'_>]) -> Option<PaymentInstructions> {
        let mut pi = PaymentInstructions::default();
        let mut debit = DirectDebit {
            creditor_identifier: self.sepa_creditor_id.take(),
            ..DirectDebit::default()
        };
        for (i, m) in means.iter().enumerate() {
            if i == 0 {
                let code = m.child(CBC, "PaymentMeansCode");
                pi.means_type_code = text(code);
                pi.means_text = code.and_then(|c| attr(c, "name"));
                pi.remittance_information = text(m.child(CBC, "PaymentID"));
            }
            for account in m.children_named(CAC, "PayeeFinancialAccount") {
                pi.credit_transfers.push(CreditTransfer {
                    account_identifier: text(account.child(CBC, "ID")),
                    account_name: text(account.child(CBC, "Name")),
                    service_provider_identifier: account
                        .first(&[(CAC, "FinancialInstitutionBranch"), (CBC, "ID")])
                        .and_then(|b| text(Some(b))),
                });
            }
            if pi.payment_card.is_none()
                && let Some(card) = m.child(CAC, "CardAccount")
            {
                pi.payment_card = Some(PaymentCard {
                    primary_account_number: text(card.child(CBC, "PrimaryAccountNumberID")),
                    holder_name: text(card.child(CBC, "HolderName")),
                });
            }
            if let Some(mandate) = m.child(CAC, "PaymentMandate") {
                debit.mandate_reference =
                    debit.mandate_reference.or(text(mandate.child(CBC, "ID")));
                debit.debited_account = debit.debited_account.or(mandate
                    .first(&[(CAC, "PayerFinancialAccount"), (CBC, "ID")])
                    .and_then(|a| text(Some(a))));
            }
        }
        if debit != DirectDebit::default() {
            pi.direct_debit = Some(debit);
        }
        (!means.is_empty() || pi.direct_debit.is_some()).then_some(pi)
    }
}

/// BG-5 / BG-8 / BG-12 / BG-15: a UBL `cac:PostalAddress` or `cac:Address`.
fn address(node: Node<'_>) -> PostalAddress {
    PostalAddress {
        line_one: text(node.child(CBC, "StreetName")),
        line_two: text(node.child(CBC, "AdditionalStreetName")),
        line_three: node
            .first(&[(CAC, "AddressLine"), (CBC, "Line")])
            .and_then(|l| text(Some(l))),
        city: text(node.child(CBC, "CityName")),
        post_code: text(node.child(CBC, "PostalZone")),
        country_subdivision: text(node.child(CBC, "CountrySubentity")),
        country_code: node
            .first(&[(CAC, "Country"), (CBC, "IdentificationCode")])
            .and_then(|c| text(Some(c))),
    }
}

#[cfg(test)]
mod tests;
