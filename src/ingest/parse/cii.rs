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
mod tests {
    use super::*;
    use crate::invoice::{Amount, Date};
    use crate::xml::{Limits, parse_str};

    /// A CII document whose transaction holds `transaction` and whose exchanged
    /// document holds `document`.
    fn invoice(document: &str, transaction: &str) -> Invoice {
        let text = format!(
            r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100">
            <rsm:ExchangedDocumentContext>
              <ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>B1</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter>
              <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
            </rsm:ExchangedDocumentContext>
            <rsm:ExchangedDocument>{document}</rsm:ExchangedDocument>
            <rsm:SupplyChainTradeTransaction>{transaction}</rsm:SupplyChainTradeTransaction>
            </rsm:CrossIndustryInvoice>"#
        );
        let doc = parse_str(&text, &Limits::default()).expect("well-formed");
        to_invoice(doc.root())
    }

    fn amount(s: &str) -> Option<Amount> {
        Amount::parse(s)
    }

    #[test]
    fn header_terms_and_french_notes() {
        let inv = invoice(
            r#"<ram:ID>F-1</ram:ID><ram:TypeCode>380</ram:TypeCode>
               <ram:IssueDateTime><udt:DateTimeString format="102">20250115</udt:DateTimeString></ram:IssueDateTime>
               <ram:IncludedNote><ram:Content>40 EUR</ram:Content><ram:SubjectCode>PMT</ram:SubjectCode></ram:IncludedNote>"#,
            r#"<ram:ApplicableHeaderTradeDelivery/>
               <ram:ApplicableHeaderTradeSettlement>
                 <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
                 <ram:InvoiceReferencedDocument><ram:IssuerAssignedID>F-0</ram:IssuerAssignedID>
                   <ram:FormattedIssueDateTime><qdt:DateTimeString format="102">20241231</qdt:DateTimeString></ram:FormattedIssueDateTime>
                 </ram:InvoiceReferencedDocument>
               </ram:ApplicableHeaderTradeSettlement>"#,
        );
        assert_eq!(inv.number.as_deref(), Some("F-1"));
        assert_eq!(inv.issue_date, Date::new(2025, 1, 15));
        assert_eq!(inv.process_control.business_process.as_deref(), Some("B1"));
        assert_eq!(inv.notes.len(), 1);
        assert_eq!(inv.notes[0].subject_code.as_deref(), Some("PMT"));
        assert_eq!(inv.notes[0].text.as_deref(), Some("40 EUR"));
        assert_eq!(inv.preceding_invoices.len(), 1);
        assert_eq!(
            inv.preceding_invoices[0].issue_date,
            Date::new(2024, 12, 31)
        );
        // The mandatory but empty delivery element is no delivery information.
        assert_eq!(inv.delivery, None);
        assert_eq!(inv.unparsed, []);
    }

    #[test]
    fn dates_in_another_format_or_impossible_are_kept_raw() {
        let inv = invoice(
            r#"<ram:IssueDateTime><udt:DateTimeString format="610">202501</udt:DateTimeString></ram:IssueDateTime>"#,
            r#"<ram:ApplicableHeaderTradeSettlement><ram:SpecifiedTradePaymentTerms>
                 <ram:DueDateDateTime><udt:DateTimeString format="102">20250230</udt:DateTimeString></ram:DueDateDateTime>
               </ram:SpecifiedTradePaymentTerms></ram:ApplicableHeaderTradeSettlement>"#,
        );
        assert_eq!(inv.issue_date, None);
        assert_eq!(inv.due_date, None);
        let kept: Vec<(&str, &str)> = inv
            .unparsed
            .iter()
            .map(|u| (u.term, u.raw.as_str()))
            .collect();
        assert_eq!(kept, [("BT-2", "202501"), ("BT-9", "20250230")]);
    }

    #[test]
    fn parties_with_several_identifiers_and_tax_registrations() {
        let inv = invoice(
            "",
            r#"<ram:ApplicableHeaderTradeAgreement>
                 <ram:SellerTradeParty>
                   <ram:ID>LOCAL-7</ram:ID>
                   <ram:GlobalID schemeID="0009">12345678200010</ram:GlobalID>
                   <ram:Name>Vendeur SA</ram:Name>
                   <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">123456782</ram:ID><ram:TradingBusinessName>Vendeur</ram:TradingBusinessName></ram:SpecifiedLegalOrganization>
                   <ram:DefinedTradeContact/>
                   <ram:PostalTradeAddress><ram:PostcodeCode>75001</ram:PostcodeCode><ram:LineOne>1 rue X</ram:LineOne><ram:CityName>Paris</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
                   <ram:URIUniversalCommunication><ram:URIID schemeID="0225">123456782</ram:URIID></ram:URIUniversalCommunication>
                   <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR44123456782</ram:ID></ram:SpecifiedTaxRegistration>
                   <ram:SpecifiedTaxRegistration><ram:ID schemeID="FC">TAX-9</ram:ID></ram:SpecifiedTaxRegistration>
                 </ram:SellerTradeParty>
                 <ram:BuyerTradeParty><ram:Name>Acheteur</ram:Name>
                   <ram:DefinedTradeContact><ram:DepartmentName>Achats</ram:DepartmentName></ram:DefinedTradeContact>
                 </ram:BuyerTradeParty>
                 <ram:AdditionalReferencedDocument><ram:IssuerAssignedID>OBJ-1</ram:IssuerAssignedID><ram:TypeCode>130</ram:TypeCode><ram:ReferenceTypeCode>AFL</ram:ReferenceTypeCode></ram:AdditionalReferencedDocument>
                 <ram:AdditionalReferencedDocument><ram:IssuerAssignedID>LOT-2</ram:IssuerAssignedID><ram:TypeCode>50</ram:TypeCode></ram:AdditionalReferencedDocument>
                 <ram:AdditionalReferencedDocument><ram:IssuerAssignedID>RIB-1</ram:IssuerAssignedID><ram:TypeCode>916</ram:TypeCode><ram:Name>RIB</ram:Name>
                   <ram:AttachmentBinaryObject mimeCode="application/pdf" filename="rib.pdf">JVBERi0=</ram:AttachmentBinaryObject></ram:AdditionalReferencedDocument>
               </ram:ApplicableHeaderTradeAgreement>"#,
        );
        let seller = &inv.seller;
        assert_eq!(
            seller.identifiers,
            [
                Identifier::new("LOCAL-7", None::<&str>),
                Identifier::new("12345678200010", Some("0009"))
            ]
        );
        assert_eq!(
            seller.legal_registration_identifier,
            Some(Identifier::new("123456782", Some("0002")))
        );
        assert_eq!(seller.trading_name.as_deref(), Some("Vendeur"));
        assert_eq!(
            seller.contact, None,
            "an empty contact element carries nothing"
        );
        assert_eq!(
            seller.electronic_address,
            Some(Identifier::new("123456782", Some("0225")))
        );
        assert_eq!(seller.vat_identifier.as_deref(), Some("FR44123456782"));
        assert_eq!(seller.tax_registration_identifier.as_deref(), Some("TAX-9"));
        assert_eq!(
            seller
                .postal_address
                .as_ref()
                .and_then(|a| a.city.as_deref()),
            Some("Paris")
        );
        assert_eq!(
            inv.buyer.contact.as_ref().and_then(|c| c.point.as_deref()),
            Some("Achats")
        );
        assert_eq!(
            inv.invoiced_object_identifier,
            Some(Identifier::new("OBJ-1", Some("AFL")))
        );
        assert_eq!(inv.tender_or_lot_reference.as_deref(), Some("LOT-2"));
        assert_eq!(inv.supporting_documents.len(), 1);
        let rib = &inv.supporting_documents[0];
        assert_eq!(rib.description.as_deref(), Some("RIB"));
        let attachment = rib.attachment.as_ref().expect("BT-125");
        assert_eq!(attachment.content_base64, "JVBERi0=");
        assert_eq!(attachment.filename.as_deref(), Some("rib.pdf"));
    }

    #[test]
    fn settlement_totals_allowances_and_payment() {
        let inv = invoice(
            "",
            r#"<ram:ApplicableHeaderTradeSettlement>
                 <ram:CreditorReferenceID>FR12ZZZ123456</ram:CreditorReferenceID>
                 <ram:PaymentReference>REF-1</ram:PaymentReference>
                 <ram:TaxCurrencyCode>EUR</ram:TaxCurrencyCode>
                 <ram:InvoiceCurrencyCode>USD</ram:InvoiceCurrencyCode>
                 <ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>59</ram:TypeCode>
                   <ram:PayerPartyDebtorFinancialAccount><ram:IBANID>DE02100100109307118603</ram:IBANID></ram:PayerPartyDebtorFinancialAccount>
                 </ram:SpecifiedTradeSettlementPaymentMeans>
                 <ram:ApplicableTradeTax><ram:CalculatedAmount>20.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>
                   <ram:BasisAmount>100.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode>
                   <ram:DueDateTypeCode>5</ram:DueDateTypeCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent></ram:ApplicableTradeTax>
                 <ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator>
                   <ram:CalculationPercent>10</ram:CalculationPercent><ram:BasisAmount>110.00</ram:BasisAmount><ram:ActualAmount>11.00</ram:ActualAmount>
                   <ram:ReasonCode>95</ram:ReasonCode><ram:Reason>Remise</ram:Reason>
                   <ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20</ram:RateApplicablePercent></ram:CategoryTradeTax>
                 </ram:SpecifiedTradeAllowanceCharge>
                 <ram:SpecifiedTradePaymentTerms><ram:Description>30 jours</ram:Description><ram:DirectDebitMandateID>M-1</ram:DirectDebitMandateID></ram:SpecifiedTradePaymentTerms>
                 <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
                   <ram:LineTotalAmount>111.00</ram:LineTotalAmount><ram:AllowanceTotalAmount>11.00</ram:AllowanceTotalAmount>
                   <ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
                   <ram:TaxTotalAmount currencyID="EUR">18.00</ram:TaxTotalAmount>
                   <ram:TaxTotalAmount currencyID="USD">20.00</ram:TaxTotalAmount>
                   <ram:GrandTotalAmount>120.00</ram:GrandTotalAmount><ram:DuePayableAmount>120.00</ram:DuePayableAmount>
                 </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
               </ram:ApplicableHeaderTradeSettlement>"#,
        );
        assert_eq!(inv.vat_point_date_code.as_deref(), Some("5"));
        assert_eq!(inv.payment_terms.as_deref(), Some("30 jours"));
        let t = &inv.totals;
        assert_eq!(t.total_vat, amount("20.00"));
        assert_eq!(t.total_vat_accounting_currency, amount("18.00"));
        assert_eq!(t.total_without_vat, amount("100.00"));
        assert_eq!(t.amount_due, amount("120.00"));
        assert_eq!(inv.allowances.len(), 1);
        let a = &inv.allowances[0];
        assert_eq!(
            (a.amount, a.base_amount),
            (amount("11.00"), amount("110.00"))
        );
        assert_eq!(a.percentage.map(|p| p.to_string()), Some("10".into()));
        assert_eq!(a.reason_code.as_deref(), Some("95"));
        assert_eq!(a.vat_category_code.as_deref(), Some("S"));
        let pay = inv.payment_instructions.as_ref().expect("BG-16");
        assert_eq!(pay.means_type_code.as_deref(), Some("59"));
        assert_eq!(pay.remittance_information.as_deref(), Some("REF-1"));
        let debit = pay.direct_debit.as_ref().expect("BG-19");
        assert_eq!(debit.creditor_identifier.as_deref(), Some("FR12ZZZ123456"));
        assert_eq!(debit.mandate_reference.as_deref(), Some("M-1"));
        assert_eq!(
            debit.debited_account.as_deref(),
            Some("DE02100100109307118603")
        );
    }

    #[test]
    fn line_with_every_group() {
        let inv = invoice(
            "",
            r#"<ram:IncludedSupplyChainTradeLineItem>
                 <ram:AssociatedDocumentLineDocument><ram:LineID>10</ram:LineID><ram:IncludedNote><ram:Content>note</ram:Content></ram:IncludedNote></ram:AssociatedDocumentLineDocument>
                 <ram:SpecifiedTradeProduct><ram:GlobalID schemeID="0160">4012345000009</ram:GlobalID><ram:SellerAssignedID>S-1</ram:SellerAssignedID>
                   <ram:Name>Widget</ram:Name>
                   <ram:ApplicableProductCharacteristic><ram:Description>Colour</ram:Description><ram:Value>Blue</ram:Value></ram:ApplicableProductCharacteristic>
                   <ram:DesignatedProductClassification><ram:ClassCode listID="STI" listVersionID="2">123</ram:ClassCode></ram:DesignatedProductClassification>
                   <ram:OriginTradeCountry><ram:ID>DE</ram:ID></ram:OriginTradeCountry>
                 </ram:SpecifiedTradeProduct>
                 <ram:SpecifiedLineTradeAgreement>
                   <ram:BuyerOrderReferencedDocument><ram:LineID>PO-3</ram:LineID></ram:BuyerOrderReferencedDocument>
                   <ram:GrossPriceProductTradePrice><ram:ChargeAmount>12.00</ram:ChargeAmount><ram:BasisQuantity unitCode="C62">1</ram:BasisQuantity>
                     <ram:AppliedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator><ram:ActualAmount>2.00</ram:ActualAmount></ram:AppliedTradeAllowanceCharge>
                   </ram:GrossPriceProductTradePrice>
                   <ram:NetPriceProductTradePrice><ram:ChargeAmount>10.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>
                 </ram:SpecifiedLineTradeAgreement>
                 <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">3</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
                 <ram:SpecifiedLineTradeSettlement>
                   <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>5.5</ram:RateApplicablePercent></ram:ApplicableTradeTax>
                   <ram:BillingSpecifiedPeriod><ram:StartDateTime><udt:DateTimeString format="102">20250101</udt:DateTimeString></ram:StartDateTime></ram:BillingSpecifiedPeriod>
                   <ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>true</udt:Indicator></ram:ChargeIndicator><ram:ActualAmount>1.00</ram:ActualAmount><ram:Reason>Port</ram:Reason></ram:SpecifiedTradeAllowanceCharge>
                   <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>31.00</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
                   <ram:AdditionalReferencedDocument><ram:IssuerAssignedID>OBJ</ram:IssuerAssignedID><ram:TypeCode>130</ram:TypeCode><ram:ReferenceTypeCode>AVV</ram:ReferenceTypeCode></ram:AdditionalReferencedDocument>
                   <ram:ReceivableSpecifiedTradeAccountingAccount><ram:ID>6064</ram:ID></ram:ReceivableSpecifiedTradeAccountingAccount>
                 </ram:SpecifiedLineTradeSettlement>
               </ram:IncludedSupplyChainTradeLineItem>"#,
        );
        assert_eq!(inv.lines.len(), 1);
        let l = &inv.lines[0];
        assert_eq!(l.identifier.as_deref(), Some("10"));
        assert_eq!(l.note.as_deref(), Some("note"));
        assert_eq!(l.quantity.map(|q| q.to_string()), Some("3".into()));
        assert_eq!(l.unit_code.as_deref(), Some("C62"));
        assert_eq!(l.net_amount, amount("31.00"));
        assert_eq!(l.order_line_reference.as_deref(), Some("PO-3"));
        assert_eq!(l.buyer_accounting_reference.as_deref(), Some("6064"));
        assert_eq!(
            l.object_identifier,
            Some(Identifier::new("OBJ", Some("AVV")))
        );
        assert_eq!(
            l.period.as_ref().and_then(|p| p.start),
            Date::new(2025, 1, 1)
        );
        assert_eq!(l.charges.len(), 1);
        assert_eq!(l.charges[0].reason.as_deref(), Some("Port"));
        assert_eq!(l.price.net_price, amount("10.00"));
        assert_eq!(l.price.gross_price, amount("12.00"));
        assert_eq!(l.price.discount, amount("2.00"));
        assert_eq!(l.price.base_quantity_unit_code.as_deref(), Some("C62"));
        assert_eq!(l.vat.rate.map(|r| r.to_string()), Some("5.5".into()));
        assert_eq!(
            l.item.standard_identifier,
            Some(Identifier::new("4012345000009", Some("0160")))
        );
        assert_eq!(l.item.sellers_identifier.as_deref(), Some("S-1"));
        assert_eq!(
            l.item.classifications[0].scheme_version.as_deref(),
            Some("2")
        );
        assert_eq!(l.item.country_of_origin.as_deref(), Some("DE"));
        assert_eq!(l.item.attributes[0].value.as_deref(), Some("Blue"));
    }
}
