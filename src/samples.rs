//! Synthetic, valid French B2B invoices of any size, in UBL 2.1 and CII D16B/D22B.
//!
//! Used by the benchmarks (10 and 10 000 lines), the golden fixtures and demos. The
//! invoices satisfy EN 16931 (totals, VAT breakdown, mandatory terms) and carry the
//! French terms (SIREN/SIRET with valid check digits, 0225 electronic addresses,
//! billing framework, mandatory notes), so they exercise every rule without firing any.

use std::fmt::Write as _;

use rust_decimal::Decimal;

/// Seller and buyer of every sample invoice (invented companies, valid Luhn keys).
const SELLER_SIREN: &str = "906170857";
const SELLER_SIRET: &str = "90617085700237";
const BUYER_SIREN: &str = "479612384";
const BUYER_SIRET: &str = "47961238400012";

/// The amounts of a sample invoice with `lines` lines, all at the standard 20 % rate.
struct Amounts {
    /// (quantity, unit price, line net amount) per line.
    lines: Vec<(u32, Decimal, Decimal)>,
    net: Decimal,
    vat: Decimal,
    gross: Decimal,
}

/// One line of a sample invoice: a quantity and a unit price in cents.
#[derive(Clone, Copy, Debug)]
pub struct SampleLine {
    pub quantity: u32,
    pub price_cents: i64,
}

/// The default lines: small quantities and prices that vary with the line number.
fn default_lines(lines: usize) -> Vec<SampleLine> {
    (0..lines)
        .map(|i| SampleLine {
            quantity: (i % 5) as u32 + 1,
            price_cents: 1000 + (i % 7) as i64 * 125,
        })
        .collect()
}

fn amounts_of(lines: &[SampleLine]) -> Amounts {
    let mut out = Vec::with_capacity(lines.len());
    let mut net = Decimal::ZERO;
    for line in lines {
        let quantity = line.quantity;
        let price = Decimal::new(line.price_cents, 2);
        let amount = price * Decimal::from(quantity);
        net += amount;
        out.push((quantity, price, amount));
    }
    let vat = (net * Decimal::new(20, 2)).round_dp(2);
    Amounts {
        lines: out,
        net,
        vat,
        gross: net + vat,
    }
}

/// A UBL 2.1 invoice with `lines` lines, numbered `number`.
pub fn ubl_invoice(number: &str, lines: usize) -> String {
    ubl_invoice_with(number, &default_lines(lines))
}

/// A UBL 2.1 invoice with the given lines; totals and VAT (20 %) computed from them.
pub fn ubl_invoice_with(number: &str, lines: &[SampleLine]) -> String {
    let a = amounts_of(lines);
    let mut x = String::with_capacity(1500 + lines.len() * 700);
    let _ = write!(
        x,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ProfileID>B1</cbc:ProfileID>
  <cbc:ID>{number}</cbc:ID>
  <cbc:IssueDate>2026-09-15</cbc:IssueDate>
  <cbc:DueDate>2026-10-15</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:Note>#PMT#Indemnité forfaitaire pour frais de recouvrement : 40 EUR.</cbc:Note>
  <cbc:Note>#PMD#Pénalités de retard : trois fois le taux d'intérêt légal.</cbc:Note>
  <cbc:Note>#AAB#Pas d'escompte pour paiement anticipé.</cbc:Note>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cbc:BuyerReference>ACHATS-2026</cbc:BuyerReference>
  <cac:AccountingSupplierParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0225">{SELLER_SIREN}</cbc:EndpointID>
      <cac:PartyIdentification><cbc:ID schemeID="0009">{SELLER_SIRET}</cbc:ID></cac:PartyIdentification>
      <cac:PostalAddress>
        <cbc:StreetName>45 avenue Jean Médecin</cbc:StreetName>
        <cbc:CityName>Nice</cbc:CityName>
        <cbc:PostalZone>06000</cbc:PostalZone>
        <cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme>
        <cbc:CompanyID>FR89{SELLER_SIREN}</cbc:CompanyID>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:PartyTaxScheme>
      <cac:PartyLegalEntity>
        <cbc:RegistrationName>Conseil Numérique Azur SAS</cbc:RegistrationName>
        <cbc:CompanyID schemeID="0002">{SELLER_SIREN}</cbc:CompanyID>
      </cac:PartyLegalEntity>
    </cac:Party>
  </cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0225">{BUYER_SIREN}</cbc:EndpointID>
      <cac:PartyIdentification><cbc:ID schemeID="0009">{BUYER_SIRET}</cbc:ID></cac:PartyIdentification>
      <cac:PostalAddress>
        <cbc:StreetName>1 route de Bourges</cbc:StreetName>
        <cbc:CityName>Châteauroux</cbc:CityName>
        <cbc:PostalZone>36000</cbc:PostalZone>
        <cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme>
        <cbc:CompanyID>FR80{BUYER_SIREN}</cbc:CompanyID>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:PartyTaxScheme>
      <cac:PartyLegalEntity>
        <cbc:RegistrationName>Coopérative Agricole du Berry</cbc:RegistrationName>
        <cbc:CompanyID schemeID="0002">{BUYER_SIREN}</cbc:CompanyID>
      </cac:PartyLegalEntity>
    </cac:Party>
  </cac:AccountingCustomerParty>
  <cac:PaymentMeans>
    <cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>
    <cac:PayeeFinancialAccount><cbc:ID>FR7630006000011234567890189</cbc:ID></cac:PayeeFinancialAccount>
  </cac:PaymentMeans>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">{vat}</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">{net}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="EUR">{vat}</cbc:TaxAmount>
      <cac:TaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>20.00</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">{net}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">{net}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">{gross}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">{gross}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
"#,
        net = a.net,
        vat = a.vat,
        gross = a.gross,
    );
    for (i, (quantity, price, amount)) in a.lines.iter().enumerate() {
        let _ = write!(
            x,
            r#"  <cac:InvoiceLine>
    <cbc:ID>{n}</cbc:ID>
    <cbc:InvoicedQuantity unitCode="C62">{quantity}</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">{amount}</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>Prestation de conseil, lot {n}</cbc:Name>
      <cac:SellersItemIdentification><cbc:ID>ART-{n:05}</cbc:ID></cac:SellersItemIdentification>
      <cac:ClassifiedTaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>20.00</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">{price}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
"#,
            n = i + 1,
        );
    }
    x.push_str("</Invoice>\n");
    x
}

/// A CII invoice with `lines` lines, numbered `number` (valid against D16B and D22B).
pub fn cii_invoice(number: &str, lines: usize) -> String {
    cii_invoice_with(number, &default_lines(lines))
}

/// A CII invoice with the given lines; totals and VAT (20 %) computed from them.
pub fn cii_invoice_with(number: &str, lines: &[SampleLine]) -> String {
    let a = amounts_of(lines);
    let mut x = String::with_capacity(2500 + lines.len() * 900);
    x.push_str(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:BusinessProcessSpecifiedDocumentContextParameter><ram:ID>B1</ram:ID></ram:BusinessProcessSpecifiedDocumentContextParameter>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
"#,
    );
    let _ = write!(
        x,
        r#"  <rsm:ExchangedDocument>
    <ram:ID>{number}</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20260915</udt:DateTimeString></ram:IssueDateTime>
    <ram:IncludedNote><ram:Content>Indemnité forfaitaire pour frais de recouvrement : 40 EUR.</ram:Content><ram:SubjectCode>PMT</ram:SubjectCode></ram:IncludedNote>
    <ram:IncludedNote><ram:Content>Pénalités de retard : trois fois le taux d'intérêt légal.</ram:Content><ram:SubjectCode>PMD</ram:SubjectCode></ram:IncludedNote>
    <ram:IncludedNote><ram:Content>Pas d'escompte pour paiement anticipé.</ram:Content><ram:SubjectCode>AAB</ram:SubjectCode></ram:IncludedNote>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
"#
    );
    for (i, (quantity, price, amount)) in a.lines.iter().enumerate() {
        let _ = write!(
            x,
            r#"    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>{n}</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:SellerAssignedID>ART-{n:05}</ram:SellerAssignedID><ram:Name>Prestation de conseil, lot {n}</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>{price}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">{quantity}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>20.00</ram:RateApplicablePercent></ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{amount}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
"#,
            n = i + 1,
        );
    }
    let _ = write!(
        x,
        r#"    <ram:ApplicableHeaderTradeAgreement>
      <ram:BuyerReference>ACHATS-2026</ram:BuyerReference>
      <ram:SellerTradeParty>
        <ram:GlobalID schemeID="0009">{SELLER_SIRET}</ram:GlobalID>
        <ram:Name>Conseil Numérique Azur SAS</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{SELLER_SIREN}</ram:ID></ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress><ram:PostcodeCode>06000</ram:PostcodeCode><ram:LineOne>45 avenue Jean Médecin</ram:LineOne><ram:CityName>Nice</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
        <ram:URIUniversalCommunication><ram:URIID schemeID="0225">{SELLER_SIREN}</ram:URIID></ram:URIUniversalCommunication>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR89{SELLER_SIREN}</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:GlobalID schemeID="0009">{BUYER_SIRET}</ram:GlobalID>
        <ram:Name>Coopérative Agricole du Berry</ram:Name>
        <ram:SpecifiedLegalOrganization><ram:ID schemeID="0002">{BUYER_SIREN}</ram:ID></ram:SpecifiedLegalOrganization>
        <ram:PostalTradeAddress><ram:PostcodeCode>36000</ram:PostcodeCode><ram:LineOne>1 route de Bourges</ram:LineOne><ram:CityName>Châteauroux</ram:CityName><ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>
        <ram:URIUniversalCommunication><ram:URIID schemeID="0225">{BUYER_SIREN}</ram:URIID></ram:URIUniversalCommunication>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR80{BUYER_SIREN}</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:SpecifiedTradeSettlementPaymentMeans>
        <ram:TypeCode>30</ram:TypeCode>
        <ram:PayeePartyCreditorFinancialAccount><ram:IBANID>FR7630006000011234567890189</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>
      </ram:SpecifiedTradeSettlementPaymentMeans>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>{vat}</ram:CalculatedAmount>
        <ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>{net}</ram:BasisAmount>
        <ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>20.00</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:SpecifiedTradePaymentTerms><ram:DueDateDateTime><udt:DateTimeString format="102">20261015</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>{net}</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>{net}</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">{vat}</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>{gross}</ram:GrandTotalAmount>
        <ram:DuePayableAmount>{gross}</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"#,
        net = a.net,
        vat = a.vat,
        gross = a.gross,
    );
    x
}

/// `count` synthetic B2C transactions spread over `days` days from `first_day`,
/// in EUR and two other currencies, over the four categories and the French rates,
/// with amounts in cents; deterministic for a `seed` (a xorshift generator, so the
/// benchmarks and tests need no random crate). The VAT is computed at the rate from the
/// taxable amount even for the foreign currencies, standing for an amount a till
/// would already have converted to EUR (G6.23).
pub fn b2c_transactions(
    count: usize,
    seed: u64,
    first_day: crate::invoice::Date,
    days: u8,
) -> Vec<crate::taxfeed::f10::B2cTransaction> {
    use crate::taxfeed::f10::{B2cTransaction, Category, Currency, RateAmount};
    const RATES: [i64; 4] = [200, 100, 55, 21];
    const CATEGORIES: [Category; 4] = [
        Category::TLB1,
        Category::TPS1,
        Category::TNT1,
        Category::TMA1,
    ];
    let currencies = [
        Currency::EUR,
        Currency::parse("USD").unwrap_or(Currency::EUR),
        Currency::parse("CHF").unwrap_or(Currency::EUR),
    ];
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let r = next();
        let day = crate::taxfeed::time::add_days(first_day, (r % u64::from(days.max(1))) as i64);
        let currency = currencies[if r % 10 == 0 {
            (r / 10 % 2 + 1) as usize
        } else {
            0
        }];
        let category = CATEGORIES[(r >> 8) as usize % 4];
        let rates = 1 + (r >> 12) as usize % 2;
        let amounts = (0..rates)
            .map(|i| {
                let rate = Decimal::new(RATES[((r >> 16) as usize + i) % 4], 1);
                let taxable = Decimal::new(((next() % 50_000) as i64) + 1, 2);
                RateAmount {
                    rate,
                    taxable,
                    vat: (taxable * rate / Decimal::ONE_HUNDRED).round_dp(2),
                }
            })
            .collect();
        out.push(B2cTransaction {
            date: day,
            currency,
            category,
            amounts,
            count: 1,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{Options, ingest};

    #[test]
    fn samples_are_accepted_with_no_finding() {
        for (name, xml) in [
            ("ubl", ubl_invoice("F-1", 3)),
            ("cii", cii_invoice("F-1", 3)),
            ("ubl-one-line", ubl_invoice("F-2", 1)),
            ("cii-many", cii_invoice("F-3", 40)),
        ] {
            let outcome = ingest(xml.as_bytes(), &Options::default());
            assert!(
                outcome.report.findings.is_empty() && outcome.report.accepted(),
                "{name}: {:#?}",
                outcome.report.findings
            );
        }
    }

    #[test]
    fn sample_totals_add_up() {
        let a = amounts_of(&default_lines(10));
        let sum: Decimal = a.lines.iter().map(|l| l.2).sum();
        assert_eq!(sum, a.net);
        assert_eq!(a.gross, a.net + a.vat);
    }
}
