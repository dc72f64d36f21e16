//! UN/CEFACT CII CrossIndustryInvoice tree -> [`Invoice`], following the EN 16931 CII
//! syntax binding (CEN/TS 16931-3-3). D16B and D22B share every path used here.
//!
//! Each element is visited once: the document's top-level groups, then the header
//! agreement, delivery and settlement and each line through their own children,
//! dispatching on the element name, so mapping stays linear in the document size.

use crate::invoice::{
    Attachment, Buyer, Contact, CreditTransfer, Delivery, DirectDebit, DocumentAllowanceCharge,
    Identifier, Invoice, InvoiceTypeCode, Note, Payee, PaymentCard, PaymentInstructions,
    PostalAddress, PrecedingInvoiceReference, Seller, SupportingDocument, TaxRepresentative,
    VatBreakdown,
};
use crate::xml::{Namespace, Node};

use super::cii_line;
use super::read::{Reader, attr, identifier, text};

const RAM: Namespace = Namespace::RAM;
const RSM: Namespace = Namespace::RSM;

/// Builds the invoice model from a CII document. Never fails: absent terms stay empty.
pub fn to_invoice(root: Node<'_>) -> Invoice {
    let mut m = Mapper {
        r: Reader::default(),
    };
    let mut inv = Invoice::default();
    for c in root.children() {
        match (c.namespace(), c.local_name()) {
            (RSM, "ExchangedDocumentContext") => {
                inv.process_control.business_process = c
                    .first(&[
                        (RAM, "BusinessProcessSpecifiedDocumentContextParameter"),
                        (RAM, "ID"),
                    ])
                    .and_then(|n| text(Some(n)));
                inv.process_control.specification_identifier = c
                    .first(&[
                        (RAM, "GuidelineSpecifiedDocumentContextParameter"),
                        (RAM, "ID"),
                    ])
                    .and_then(|n| text(Some(n)));
            }
            (RSM, "ExchangedDocument") => m.document(c, &mut inv),
            (RSM, "SupplyChainTradeTransaction") => m.transaction(c, &mut inv),
            _ => {}
        }
    }
    inv.unparsed = m.r.unparsed;
    inv
}

struct Mapper {
    r: Reader,
}

/// Everything a CII `ram:*TradeParty` can carry; each EN 16931 party takes its share.
#[derive(Default)]
struct Party {
    name: Option<String>,
    trading_name: Option<String>,
    identifiers: Vec<Identifier>,
    legal_id: Option<Identifier>,
    description: Option<String>,
    vat_id: Option<String>,
    tax_registration_id: Option<String>,
    endpoint: Option<Identifier>,
    address: Option<PostalAddress>,
    contact: Option<Contact>,
}

impl Mapper {
    fn document(&mut self, node: Node<'_>, inv: &mut Invoice) {
        for c in node.children() {
            match (c.namespace(), c.local_name()) {
                (RAM, "ID") => inv.number = text(Some(c)),
                (RAM, "TypeCode") => inv.type_code = text(Some(c)).map(InvoiceTypeCode),
                (RAM, "IssueDateTime") => inv.issue_date = self.r.cii_date(Some(c), "BT-2"),
                (RAM, "IncludedNote") => inv.notes.push(Note {
                    subject_code: text(c.child(RAM, "SubjectCode")),
                    text: text(c.child(RAM, "Content")),
                }),
                _ => {}
            }
        }
    }

    fn transaction(&mut self, node: Node<'_>, inv: &mut Invoice) {
        // Sized once: grown by doubling, the lines of a 10 000-line invoice were
        // copied about 13 times (20 MB), each copy into fresh pages.
        inv.lines.reserve(
            node.children_named(RAM, "IncludedSupplyChainTradeLineItem")
                .count(),
        );
        for c in node.children() {
            match (c.namespace(), c.local_name()) {
                (RAM, "IncludedSupplyChainTradeLineItem") => {
                    inv.lines.push(cii_line::line(&mut self.r, c))
                }
                (RAM, "ApplicableHeaderTradeAgreement") => self.agreement(c, inv),
                (RAM, "ApplicableHeaderTradeDelivery") => self.delivery(c, inv),
                (RAM, "ApplicableHeaderTradeSettlement") => self.settlement(c, inv),
                _ => {}
            }
        }
    }

    fn agreement(&mut self, node: Node<'_>, inv: &mut Invoice) {
        for c in node.children() {
            match (c.namespace(), c.local_name()) {
                (RAM, "BuyerReference") => inv.buyer_reference = text(Some(c)),
                (RAM, "SellerTradeParty") => {
                    let p = self.party(c);
                    inv.seller = Seller {
                        name: p.name,
                        trading_name: p.trading_name,
                        identifiers: p.identifiers,
                        legal_registration_identifier: p.legal_id,
                        vat_identifier: p.vat_id,
                        tax_registration_identifier: p.tax_registration_id,
                        additional_legal_information: p.description,
                        electronic_address: p.endpoint,
                        postal_address: p.address,
                        contact: p.contact,
                    };
                }
                (RAM, "BuyerTradeParty") => {
                    let p = self.party(c);
                    inv.buyer = Buyer {
                        name: p.name,
                        trading_name: p.trading_name,
                        identifiers: p.identifiers,
                        legal_registration_identifier: p.legal_id,
                        vat_identifier: p.vat_id,
                        electronic_address: p.endpoint,
                        postal_address: p.address,
                        contact: p.contact,
                    };
                }
                (RAM, "SellerTaxRepresentativeTradeParty") => {
                    let p = self.party(c);
                    inv.tax_representative = Some(TaxRepresentative {
                        name: p.name,
                        vat_identifier: p.vat_id,
                        postal_address: p.address,
                    });
                }
                (RAM, "SellerOrderReferencedDocument") => {
                    inv.sales_order_reference = text(c.child(RAM, "IssuerAssignedID"))
                }
                (RAM, "BuyerOrderReferencedDocument") => {
                    inv.purchase_order_reference = text(c.child(RAM, "IssuerAssignedID"))
                }
                (RAM, "ContractReferencedDocument") => {
                    inv.contract_reference = text(c.child(RAM, "IssuerAssignedID"))
                }
                (RAM, "AdditionalReferencedDocument") => self.additional_reference(c, inv),
                (RAM, "SpecifiedProcuringProject") => {
                    inv.project_reference = text(c.child(RAM, "ID"))
                }
                _ => {}
            }
        }
    }

    /// `ram:AdditionalReferencedDocument` carries three terms, told apart by
    /// `ram:TypeCode`: 130 is BT-18 (scheme in `ram:ReferenceTypeCode`), 50 is BT-17,
    /// anything else (916 in EN 16931) a supporting document (BG-24).
    fn additional_reference(&mut self, node: Node<'_>, inv: &mut Invoice) {
        let id = node.child(RAM, "IssuerAssignedID");
        match text(node.child(RAM, "TypeCode")).as_deref() {
            Some("130") => {
                inv.invoiced_object_identifier = text(id).map(|value| Identifier {
                    value,
                    scheme: text(node.child(RAM, "ReferenceTypeCode")),
                })
            }
            Some("50") => inv.tender_or_lot_reference = text(id),
            _ => {
                let binary = node.child(RAM, "AttachmentBinaryObject");
                inv.supporting_documents.push(SupportingDocument {
                    reference: text(id),
                    description: text(node.child(RAM, "Name")),
                    external_location: text(node.child(RAM, "URIID")),
                    attachment: binary.map(|b| Attachment {
                        content_base64: b.text().trim().to_string(),
                        mime_code: attr(b, "mimeCode"),
                        filename: attr(b, "filename"),
                    }),
                });
            }
        }
    }

    fn party(&mut self, node: Node<'_>) -> Party {
        let mut p = Party::default();
        for c in node.children() {
            match (c.namespace(), c.local_name()) {
                (RAM, "ID") | (RAM, "GlobalID") => {
                    p.identifiers.extend(identifier(Some(c), "schemeID"))
                }
                (RAM, "Name") => p.name = text(Some(c)),
                (RAM, "Description") => p.description = text(Some(c)),
                (RAM, "SpecifiedLegalOrganization") => {
                    p.legal_id = identifier(c.child(RAM, "ID"), "schemeID");
                    p.trading_name = text(c.child(RAM, "TradingBusinessName"));
                }
                (RAM, "DefinedTradeContact") => {
                    let contact = Contact {
                        point: text(c.child(RAM, "PersonName"))
                            .or(text(c.child(RAM, "DepartmentName"))),
                        telephone: c
                            .first(&[
                                (RAM, "TelephoneUniversalCommunication"),
                                (RAM, "CompleteNumber"),
                            ])
                            .and_then(|n| text(Some(n))),
                        email: c
                            .first(&[(RAM, "EmailURIUniversalCommunication"), (RAM, "URIID")])
                            .and_then(|n| text(Some(n))),
                    };
                    // An empty `ram:DefinedTradeContact` is common and says nothing.
                    if contact != Contact::default() {
                        p.contact = Some(contact);
                    }
                }
                (RAM, "PostalTradeAddress") => p.address = Some(address(c)),
                (RAM, "URIUniversalCommunication") => {
                    p.endpoint = identifier(c.child(RAM, "URIID"), "schemeID")
                }
                (RAM, "SpecifiedTaxRegistration") => {
                    // The scheme tells the VAT identifier (VA) from the tax registration
                    // identifier (FC).
                    let id = c.child(RAM, "ID");
                    let slot = match id.and_then(|i| i.attr("schemeID")).map(str::trim) {
                        Some("VA") => &mut p.vat_id,
                        Some("FC") => &mut p.tax_registration_id,
                        _ => continue,
                    };
                    *slot = text(id);
                }
                _ => {}
            }
        }
        p
    }

    fn delivery(&mut self, node: Node<'_>, inv: &mut Invoice) {
        let mut d = Delivery::default();
        for c in node.children() {
            match (c.namespace(), c.local_name()) {
                (RAM, "ShipToTradeParty") => {
                    d.party_name = text(c.child(RAM, "Name"));
                    d.location_identifier = identifier(c.child(RAM, "ID"), "schemeID")
                        .or_else(|| identifier(c.child(RAM, "GlobalID"), "schemeID"));
                    d.address = c.child(RAM, "PostalTradeAddress").map(address);
                }
                (RAM, "ActualDeliverySupplyChainEvent") => {
                    d.actual_delivery_date =
                        self.r.cii_date(c.child(RAM, "OccurrenceDateTime"), "BT-72")
                }
                (RAM, "DespatchAdviceReferencedDocument") => {
                    inv.despatch_advice_reference = text(c.child(RAM, "IssuerAssignedID"))
                }
                (RAM, "ReceivingAdviceReferencedDocument") => {
                    inv.receiving_advice_reference = text(c.child(RAM, "IssuerAssignedID"))
                }
                _ => {}
            }
        }
        // The delivery element is mandatory in CII and usually empty.
        if d != Delivery::default() {
            inv.delivery = Some(d);
        }
    }

    fn settlement(&mut self, node: Node<'_>, inv: &mut Invoice) {
        let mut pi = PaymentInstructions::default();
        let mut debit = DirectDebit::default();
        let mut has_means = false;
        let mut tax_total_amounts = Vec::new();
        for c in node.children() {
            match (c.namespace(), c.local_name()) {
                (RAM, "CreditorReferenceID") => debit.creditor_identifier = text(Some(c)),
                (RAM, "PaymentReference") => pi.remittance_information = text(Some(c)),
                (RAM, "TaxCurrencyCode") => inv.vat_accounting_currency_code = text(Some(c)),
                (RAM, "InvoiceCurrencyCode") => inv.currency_code = text(Some(c)),
                (RAM, "PayeeTradeParty") => {
                    let p = self.party(c);
                    inv.payee = Some(Payee {
                        name: p.name,
                        identifiers: p.identifiers,
                        legal_registration_identifier: p.legal_id,
                    });
                }
                (RAM, "SpecifiedTradeSettlementPaymentMeans") => {
                    self.payment_means(c, !has_means, &mut pi, &mut debit);
                    has_means = true;
                }
                (RAM, "ApplicableTradeTax") => self.header_tax(c, inv),
                (RAM, "BillingSpecifiedPeriod") => {
                    inv.invoicing_period = cii_line::period(&mut self.r, c, "BT-73", "BT-74")
                }
                (RAM, "SpecifiedTradeAllowanceCharge") => self.document_allowance_charge(c, inv),
                (RAM, "SpecifiedTradePaymentTerms") => {
                    inv.payment_terms = inv
                        .payment_terms
                        .take()
                        .or(text(c.child(RAM, "Description")));
                    if inv.due_date.is_none() {
                        inv.due_date = self.r.cii_date(c.child(RAM, "DueDateDateTime"), "BT-9");
                    }
                    debit.mandate_reference = debit
                        .mandate_reference
                        .take()
                        .or(text(c.child(RAM, "DirectDebitMandateID")));
                }
                (RAM, "SpecifiedTradeSettlementHeaderMonetarySummation") => {
                    self.totals(c, inv, &mut tax_total_amounts)
                }
                (RAM, "ReceivableSpecifiedTradeAccountingAccount") => {
                    inv.buyer_accounting_reference = text(c.child(RAM, "ID"))
                }
                (RAM, "InvoiceReferencedDocument") => {
                    inv.preceding_invoices.push(PrecedingInvoiceReference {
                        reference: text(c.child(RAM, "IssuerAssignedID")),
                        issue_date: self
                            .r
                            .cii_date(c.child(RAM, "FormattedIssueDateTime"), "BT-26"),
                    })
                }
                _ => {}
            }
        }
        // BT-110 is the tax total in the invoice currency, BT-111 the one in the VAT
        // accounting currency; the currencies are only known once the whole settlement
        // has been read.
        let accounting = inv
            .vat_accounting_currency_code
            .clone()
            .filter(|c| Some(c) != inv.currency_code.as_ref());
        for amount in tax_total_amounts {
            let currency = amount.attr("currencyID").map(str::trim);
            if accounting.is_some() && currency == accounting.as_deref() {
                inv.totals.total_vat_accounting_currency = self.r.amount(Some(amount), "BT-111");
            } else if inv.totals.total_vat.is_none() {
                inv.totals.total_vat = self.r.amount(Some(amount), "BT-110");
            }
        }
        if debit != DirectDebit::default() {
            pi.direct_debit = Some(debit);
        }
        if has_means || pi != PaymentInstructions::default() {
            inv.payment_instructions = Some(pi);
        }
    }

    /// BG-16 is a single group in EN 16931 while CII repeats the payment means: the
    /// code and text come from the first, accounts and card from any.
    fn payment_means(
        &mut self,
        node: Node<'_>,
        first: bool,
        pi: &mut PaymentInstructions,
        debit: &mut DirectDebit,
    ) {
        if first {
            pi.means_type_code = text(node.child(RAM, "TypeCode"));
            pi.means_text = text(node.child(RAM, "Information"));
        }
        if pi.payment_card.is_none()
            && let Some(card) = node.child(RAM, "ApplicableTradeSettlementFinancialCard")
        {
            pi.payment_card = Some(PaymentCard {
                primary_account_number: text(card.child(RAM, "ID")),
                holder_name: text(card.child(RAM, "CardholderName")),
            });
        }
        if let Some(account) = node.child(RAM, "PayerPartyDebtorFinancialAccount") {
            debit.debited_account = debit
                .debited_account
                .take()
                .or(text(account.child(RAM, "IBANID")));
        }
        if let Some(account) = node.child(RAM, "PayeePartyCreditorFinancialAccount") {
            pi.credit_transfers.push(CreditTransfer {
                account_identifier: text(account.child(RAM, "IBANID"))
                    .or(text(account.child(RAM, "ProprietaryID"))),
                account_name: text(account.child(RAM, "AccountName")),
                service_provider_identifier: node
                    .first(&[
                        (RAM, "PayeeSpecifiedCreditorFinancialInstitution"),
                        (RAM, "BICID"),
                    ])
                    .and_then(|b| text(Some(b))),
            });
        }
    }

    /// A header `ram:ApplicableTradeTax` is one BG-23 entry; the tax point date (BT-7)
    /// and its code (BT-8) also live there.
    fn header_tax(&mut self, node: Node<'_>, inv: &mut Invoice) {
        if inv.vat_point_date.is_none() {
            inv.vat_point_date = self.r.cii_date(node.child(RAM, "TaxPointDate"), "BT-7");
        }
        if inv.vat_point_date_code.is_none() {
            inv.vat_point_date_code = text(node.child(RAM, "DueDateTypeCode"));
        }
        inv.vat_breakdown.push(VatBreakdown {
            taxable_amount: self.r.amount(node.child(RAM, "BasisAmount"), "BT-116"),
            tax_amount: self.r.amount(node.child(RAM, "CalculatedAmount"), "BT-117"),
            category_code: text(node.child(RAM, "CategoryCode")),
            rate: self
                .r
                .percent(node.child(RAM, "RateApplicablePercent"), "BT-119"),
            exemption_reason: text(node.child(RAM, "ExemptionReason")),
            exemption_reason_code: text(node.child(RAM, "ExemptionReasonCode")),
        });
    }

    fn document_allowance_charge(&mut self, node: Node<'_>, inv: &mut Invoice) {
        let (terms, list) = match cii_line::charge_indicator(&mut self.r, node, "BG-20/BG-21") {
            Some(false) => (["BT-92", "BT-93", "BT-94", "BT-96"], &mut inv.allowances),
            Some(true) => (["BT-99", "BT-100", "BT-101", "BT-103"], &mut inv.charges),
            // Neither an allowance nor a charge: the indicator went to `unparsed`.
            None => return,
        };
        let tax = node.child(RAM, "CategoryTradeTax");
        list.push(DocumentAllowanceCharge {
            amount: self.r.amount(node.child(RAM, "ActualAmount"), terms[0]),
            base_amount: self.r.amount(node.child(RAM, "BasisAmount"), terms[1]),
            percentage: self
                .r
                .percent(node.child(RAM, "CalculationPercent"), terms[2]),
            vat_category_code: text(tax.and_then(|t| t.child(RAM, "CategoryCode"))),
            vat_rate: self.r.percent(
                tax.and_then(|t| t.child(RAM, "RateApplicablePercent")),
                terms[3],
            ),
            reason: text(node.child(RAM, "Reason")),
            reason_code: text(node.child(RAM, "ReasonCode")),
        });
    }

    fn totals<'d>(&mut self, node: Node<'d>, inv: &mut Invoice, tax_totals: &mut Vec<Node<'d>>) {
        let t = &mut inv.totals;
        for c in node.children().filter(|c| c.namespace() == RAM) {
            let (slot, term) = match c.local_name() {
                "LineTotalAmount" => (&mut t.sum_of_line_net_amounts, "BT-106"),
                "ChargeTotalAmount" => (&mut t.charges_total, "BT-108"),
                "AllowanceTotalAmount" => (&mut t.allowances_total, "BT-107"),
                "TaxBasisTotalAmount" => (&mut t.total_without_vat, "BT-109"),
                "RoundingAmount" => (&mut t.rounding_amount, "BT-114"),
                "GrandTotalAmount" => (&mut t.total_with_vat, "BT-112"),
                "TotalPrepaidAmount" => (&mut t.paid_amount, "BT-113"),
                "DuePayableAmount" => (&mut t.amount_due, "BT-115"),
                "TaxTotalAmount" => {
                    tax_totals.push(c);
                    continue;
                }
                _ => continue,
            };
            *slot = self.r.amount(Some(c), term);
        }
    }
}

/// BG-5 / BG-8 / BG-12 / BG-15: a CII `ram:PostalTradeAddress`.
fn address(node: Node<'_>) -> PostalAddress {
    PostalAddress {
        line_one: text(node.child(RAM, "LineOne")),
        line_two: text(node.child(RAM, "LineTwo")),
        line_three: text(node.child(RAM, "LineThree")),
        city: text(node.child(RAM, "CityName")),
        post_code: text(node.child(RAM, "PostcodeCode")),
        country_subdivision: text(node.child(RAM, "CountrySubDivisionName")),
        country_code: text(node.child(RAM, "CountryID")),
    }
}

#[cfg(test)]
mod tests;
