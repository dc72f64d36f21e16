//! The F1 writer for CII D22B: a `CrossIndustryInvoice` holding only the elements the
//! F1 Base / Full CII schemas keep, in their order
//! (`F1{BASE,FULL}_CrossIndustryInvoice_ReusableAggregateBusinessInformationEntity_100pD22B.xsd`).

use super::{F1Error, Header, Profile, preferred_identifier, required};
use crate::invoice::{
    Amount, Date, DocumentAllowanceCharge, Identifier, Invoice, InvoiceLine, Percent, PostalAddress,
};
use crate::taxfeed::time::format_102;
use crate::taxfeed::xmlw::XmlWriter;

const ROOT_START: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\" xmlns:ram=\"urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100\" xmlns:qdt=\"urn:un:unece:uncefact:data:standard:QualifiedDataType:100\" xmlns:udt=\"urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100\">\n";

const DEFAULT_SPECIFICATION: &str = "urn:cen.eu:en16931:2017";

struct Ctx {
    w: XmlWriter,
    full: bool,
}

impl Ctx {
    /// A `udt:DateTimeType` holder with a format-102 date.
    fn date(&mut self, holder: &str, date: Date) {
        self.w.open(holder);
        self.w.leaf_attr(
            "udt:DateTimeString",
            "format",
            Some("102"),
            &format_102(date),
        );
        self.w.close(holder);
    }

    fn opt_date(&mut self, holder: &str, date: Option<Date>) {
        if let Some(d) = date {
            self.date(holder, d);
        }
    }

    fn amount(&mut self, name: &str, value: Amount) {
        self.w.leaf_display(name, value);
    }

    fn opt_amount(&mut self, name: &str, value: Option<Amount>) {
        if let Some(v) = value {
            self.amount(name, v);
        }
    }

    fn address(&mut self, a: &PostalAddress) {
        if self.full && a.country_code.is_none() {
            // Country is mandatory in the Full schema; never invent one.
            return;
        }
        self.w.open("ram:PostalTradeAddress");
        self.w.opt_leaf("ram:PostcodeCode", a.post_code.as_deref());
        self.w.opt_leaf("ram:LineOne", a.line_one.as_deref());
        self.w.opt_leaf("ram:LineTwo", a.line_two.as_deref());
        self.w.opt_leaf("ram:LineThree", a.line_three.as_deref());
        self.w.opt_leaf("ram:CityName", a.city.as_deref());
        self.w.opt_leaf("ram:CountryID", a.country_code.as_deref());
        self.w.opt_leaf(
            "ram:CountrySubDivisionName",
            a.country_subdivision.as_deref(),
        );
        self.w.close("ram:PostalTradeAddress");
    }

    fn party(&mut self, element: &str, p: PartyView<'_>) {
        self.w.open(element);
        if let Some(id) = preferred_identifier(p.identifiers) {
            self.w
                .leaf_attr("ram:GlobalID", "schemeID", id.scheme.as_deref(), &id.value);
        }
        self.w.opt_leaf("ram:Name", p.name);
        if let Some(legal) = p.legal {
            self.w.open("ram:SpecifiedLegalOrganization");
            self.w
                .leaf_attr("ram:ID", "schemeID", legal.scheme.as_deref(), &legal.value);
            self.w.close("ram:SpecifiedLegalOrganization");
        }
        if let Some(a) = p.address {
            self.address(a);
        }
        if let Some(vat) = p.vat {
            self.w.open("ram:SpecifiedTaxRegistration");
            self.w.leaf_attr("ram:ID", "schemeID", Some("VA"), vat);
            self.w.close("ram:SpecifiedTaxRegistration");
        }
        self.w.close(element);
    }

    fn trade_tax(&mut self, element: &str, t: TradeTax<'_>) {
        self.w.open(element);
        self.opt_amount("ram:CalculatedAmount", t.calculated);
        self.w.leaf("ram:TypeCode", "VAT");
        self.w.opt_leaf("ram:ExemptionReason", t.exemption_reason);
        self.opt_amount("ram:BasisAmount", t.basis);
        self.w.opt_leaf("ram:CategoryCode", t.category);
        self.w.opt_leaf("ram:ExemptionReasonCode", t.exemption_code);
        self.w.opt_leaf("ram:DueDateTypeCode", t.due_date_code);
        if let Some(r) = t.rate {
            self.w.leaf_display("ram:RateApplicablePercent", r);
        }
        self.w.close(element);
    }

    fn allowance_charge(
        &mut self,
        element: &str,
        charge: bool,
        amount: Amount,
        tax: Option<TradeTax<'_>>,
    ) {
        self.w.open(element);
        self.w.open("ram:ChargeIndicator");
        self.w
            .leaf("udt:Indicator", if charge { "true" } else { "false" });
        self.w.close("ram:ChargeIndicator");
        self.amount("ram:ActualAmount", amount);
        if let Some(t) = tax {
            self.trade_tax("ram:CategoryTradeTax", t);
        }
        self.w.close(element);
    }

    fn document_allowance_charge(
        &mut self,
        charge: bool,
        ac: &DocumentAllowanceCharge,
    ) -> Result<(), F1Error> {
        let amount = required(ac.amount, if charge { "BT-99" } else { "BT-92" })?;
        let tax = TradeTax {
            category: ac.vat_category_code.as_deref(),
            rate: ac.vat_rate,
            ..TradeTax::default()
        };
        self.allowance_charge(
            "ram:SpecifiedTradeAllowanceCharge",
            charge,
            amount,
            Some(tax),
        );
        Ok(())
    }

    fn line(&mut self, line: &InvoiceLine) -> Result<(), F1Error> {
        let quantity = required(line.quantity, "BT-129")?;
        let name = required(line.item.name.as_deref(), "BT-153")?;
        let net_price = required(line.price.net_price, "BT-146")?;
        self.w.open("ram:IncludedSupplyChainTradeLineItem");
        if let Some(note) = &line.note {
            self.w.open("ram:AssociatedDocumentLineDocument");
            self.w.open("ram:IncludedNote");
            self.w.leaf("ram:Content", note);
            self.w.close("ram:IncludedNote");
            self.w.close("ram:AssociatedDocumentLineDocument");
        }
        self.w.open("ram:SpecifiedTradeProduct");
        self.w.leaf("ram:Name", name);
        self.w.close("ram:SpecifiedTradeProduct");
        self.w.open("ram:SpecifiedLineTradeAgreement");
        // The Full schema requires a gross price; without BT-148 the price before
        // discount is the net price itself (no BT-147 discount was given).
        self.w.open("ram:GrossPriceProductTradePrice");
        self.amount(
            "ram:ChargeAmount",
            line.price.gross_price.unwrap_or(net_price),
        );
        if let Some(discount) = line.price.discount {
            self.allowance_charge("ram:AppliedTradeAllowanceCharge", false, discount, None);
        }
        self.w.close("ram:GrossPriceProductTradePrice");
        self.w.open("ram:NetPriceProductTradePrice");
        self.amount("ram:ChargeAmount", net_price);
        self.w.close("ram:NetPriceProductTradePrice");
        self.w.close("ram:SpecifiedLineTradeAgreement");
        self.w.open("ram:SpecifiedLineTradeDelivery");
        self.w.leaf_attr(
            "ram:BilledQuantity",
            "unitCode",
            line.unit_code.as_deref(),
            &quantity.to_string(),
        );
        self.w.close("ram:SpecifiedLineTradeDelivery");
        let has_allowances = !line.allowances.is_empty() || !line.charges.is_empty();
        if line.period.is_some() || has_allowances {
            self.w.open("ram:SpecifiedLineTradeSettlement");
            if let Some(p) = &line.period {
                self.w.open("ram:BillingSpecifiedPeriod");
                self.opt_date("ram:StartDateTime", p.start);
                self.opt_date("ram:EndDateTime", p.end);
                self.w.close("ram:BillingSpecifiedPeriod");
            }
            for (charge, list) in [(false, &line.allowances), (true, &line.charges)] {
                for ac in list {
                    let amount = required(ac.amount, if charge { "BT-141" } else { "BT-136" })?;
                    self.allowance_charge(
                        "ram:SpecifiedTradeAllowanceCharge",
                        charge,
                        amount,
                        None,
                    );
                }
            }
            self.w.close("ram:SpecifiedLineTradeSettlement");
        }
        self.w.close("ram:IncludedSupplyChainTradeLineItem");
        Ok(())
    }
}

struct PartyView<'a> {
    identifiers: &'a [Identifier],
    name: Option<&'a str>,
    legal: Option<&'a Identifier>,
    address: Option<&'a PostalAddress>,
    vat: Option<&'a str>,
}

#[derive(Default)]
struct TradeTax<'a> {
    calculated: Option<Amount>,
    basis: Option<Amount>,
    category: Option<&'a str>,
    rate: Option<Percent>,
    exemption_reason: Option<&'a str>,
    exemption_code: Option<&'a str>,
    due_date_code: Option<&'a str>,
}

pub(super) fn write(
    invoice: &Invoice,
    h: &Header<'_>,
    profile: Profile,
) -> Result<String, F1Error> {
    let full = profile == Profile::Full;
    let mut c = Ctx {
        w: XmlWriter::with_capacity(3500 + if full { invoice.lines.len() * 700 } else { 0 }),
        full,
    };
    c.w.raw(ROOT_START);
    c.w.open("rsm:ExchangedDocumentContext");
    c.w.open("ram:BusinessProcessSpecifiedDocumentContextParameter");
    c.w.leaf("ram:ID", h.framework);
    c.w.close("ram:BusinessProcessSpecifiedDocumentContextParameter");
    c.w.open("ram:GuidelineSpecifiedDocumentContextParameter");
    c.w.leaf(
        "ram:ID",
        invoice
            .process_control
            .specification_identifier
            .as_deref()
            .unwrap_or(DEFAULT_SPECIFICATION),
    );
    c.w.close("ram:GuidelineSpecifiedDocumentContextParameter");
    c.w.close("rsm:ExchangedDocumentContext");

    c.w.open("rsm:ExchangedDocument");
    c.w.leaf("ram:ID", h.number);
    c.w.leaf("ram:TypeCode", h.type_code);
    c.date("ram:IssueDateTime", h.issue_date);
    for note in &invoice.notes {
        c.w.open("ram:IncludedNote");
        c.w.opt_leaf("ram:Content", note.text.as_deref());
        c.w.opt_leaf("ram:SubjectCode", note.subject_code.as_deref());
        c.w.close("ram:IncludedNote");
    }
    c.w.close("rsm:ExchangedDocument");

    c.w.open("rsm:SupplyChainTradeTransaction");
    if full {
        if invoice.lines.is_empty() {
            return Err(F1Error::Missing { term: "BG-25" });
        }
        for line in &invoice.lines {
            c.line(line)?;
        }
    }
    c.w.open("ram:ApplicableHeaderTradeAgreement");
    let s = &invoice.seller;
    c.party(
        "ram:SellerTradeParty",
        PartyView {
            identifiers: &s.identifiers,
            name: s.name.as_deref(),
            legal: s.legal_registration_identifier.as_ref(),
            address: s.postal_address.as_ref(),
            vat: s.vat_identifier.as_deref(),
        },
    );
    let b = &invoice.buyer;
    c.party(
        "ram:BuyerTradeParty",
        PartyView {
            identifiers: &b.identifiers,
            name: b.name.as_deref(),
            legal: b.legal_registration_identifier.as_ref(),
            address: b.postal_address.as_ref(),
            vat: b.vat_identifier.as_deref(),
        },
    );
    if let Some(t) = &invoice.tax_representative {
        c.party(
            "ram:SellerTaxRepresentativeTradeParty",
            PartyView {
                identifiers: &[],
                name: t.name.as_deref(),
                legal: None,
                address: t.postal_address.as_ref(),
                vat: t.vat_identifier.as_deref(),
            },
        );
    }
    c.w.close("ram:ApplicableHeaderTradeAgreement");

    // Base requires the (possibly empty) delivery group; Full makes it optional.
    c.w.open("ram:ApplicableHeaderTradeDelivery");
    if let Some(d) = &invoice.delivery {
        if full && (d.party_name.is_some() || d.address.is_some()) {
            c.w.open("ram:ShipToTradeParty");
            c.w.opt_leaf("ram:Name", d.party_name.as_deref());
            if let Some(a) = &d.address {
                c.address(a);
            }
            c.w.close("ram:ShipToTradeParty");
        }
        if let Some(date) = d.actual_delivery_date {
            c.w.open("ram:ActualDeliverySupplyChainEvent");
            c.date("ram:OccurrenceDateTime", date);
            c.w.close("ram:ActualDeliverySupplyChainEvent");
        }
    }
    c.w.close("ram:ApplicableHeaderTradeDelivery");

    c.w.open("ram:ApplicableHeaderTradeSettlement");
    c.w.leaf("ram:InvoiceCurrencyCode", h.currency);
    if invoice.vat_breakdown.is_empty() {
        return Err(F1Error::Missing { term: "BG-23" });
    }
    for v in &invoice.vat_breakdown {
        c.trade_tax(
            "ram:ApplicableTradeTax",
            TradeTax {
                calculated: Some(required(v.tax_amount, "BT-117")?),
                basis: Some(required(v.taxable_amount, "BT-116")?),
                category: Some(required(v.category_code.as_deref(), "BT-118")?),
                rate: v.rate,
                exemption_reason: v.exemption_reason.as_deref(),
                exemption_code: v.exemption_reason_code.as_deref(),
                // CII repeats BT-8 in every breakdown (S1.13).
                due_date_code: invoice.vat_point_date_code.as_deref(),
            },
        );
    }
    if let Some(p) = &invoice.invoicing_period {
        c.w.open("ram:BillingSpecifiedPeriod");
        c.opt_date("ram:StartDateTime", p.start);
        c.opt_date("ram:EndDateTime", p.end);
        c.w.close("ram:BillingSpecifiedPeriod");
    }
    if full {
        for ac in &invoice.allowances {
            c.document_allowance_charge(false, ac)?;
        }
        for ac in &invoice.charges {
            c.document_allowance_charge(true, ac)?;
        }
    }
    if let Some(due) = invoice.due_date {
        c.w.open("ram:SpecifiedTradePaymentTerms");
        c.date("ram:DueDateDateTime", due);
        c.w.close("ram:SpecifiedTradePaymentTerms");
    }
    c.w.open("ram:SpecifiedTradeSettlementHeaderMonetarySummation");
    c.opt_amount("ram:TaxBasisTotalAmount", invoice.totals.total_without_vat);
    let total_vat = invoice.totals.total_vat.unwrap_or_else(|| {
        invoice
            .vat_breakdown
            .iter()
            .filter_map(|v| v.tax_amount)
            .sum()
    });
    c.w.leaf_attr(
        "ram:TaxTotalAmount",
        "currencyID",
        Some(h.currency),
        &total_vat.to_string(),
    );
    if let Some((code, amount)) = h.accounting_vat {
        c.w.leaf_attr(
            "ram:TaxTotalAmount",
            "currencyID",
            Some(code),
            &amount.to_string(),
        );
    }
    c.w.close("ram:SpecifiedTradeSettlementHeaderMonetarySummation");
    for preceding in &invoice.preceding_invoices {
        let Some(reference) = &preceding.reference else {
            continue;
        };
        c.w.open("ram:InvoiceReferencedDocument");
        c.w.leaf("ram:IssuerAssignedID", reference);
        if full && let Some(d) = preceding.issue_date {
            c.w.open("ram:FormattedIssueDateTime");
            c.w.leaf_attr("qdt:DateTimeString", "format", Some("102"), &format_102(d));
            c.w.close("ram:FormattedIssueDateTime");
        }
        c.w.close("ram:InvoiceReferencedDocument");
    }
    c.w.close("ram:ApplicableHeaderTradeSettlement");
    c.w.close("rsm:SupplyChainTradeTransaction");
    c.w.raw("</rsm:CrossIndustryInvoice>\n");
    Ok(c.w.finish())
}
