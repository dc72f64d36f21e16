//! Unit tests of the CII mapper on small crafted documents, one corner per test.

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
