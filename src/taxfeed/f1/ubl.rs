//! The F1 writer for UBL 2.1: an `Invoice` (or, for credit-note type codes, a
//! `CreditNote`) holding only the elements the F1 Base / Full UBL schemas keep, in
//! their order (`F1BASE_UBL-invoice-2.1.xsd`, `F1FULL_UBL_invoice-2.1.xsd` and the
//! reduced common components next to them).

use super::{F1Error, Header, Profile, preferred_identifier, required};
use crate::invoice::{
    Amount, DocumentAllowanceCharge, Identifier, Invoice, InvoiceLine, Period, PostalAddress,
};
use crate::taxfeed::xmlw::XmlWriter;

const INVOICE_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const CREDIT_NOTE_NS: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const NAMESPACES: &str = " xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\"";

/// The EN 16931 specification identifier when the invoice gave none (BT-24 is
/// mandatory in F1; S1.06 lets it repeat the F2 value).
const DEFAULT_SPECIFICATION: &str = "urn:cen.eu:en16931:2017";

struct Ctx<'a> {
    w: XmlWriter,
    currency: &'a str,
    full: bool,
}

impl Ctx<'_> {
    fn amount(&mut self, name: &str, value: Amount) {
        self.w
            .leaf_attr(name, "currencyID", Some(self.currency), &value.to_string());
    }

    fn opt_amount(&mut self, name: &str, value: Option<Amount>) {
        if let Some(v) = value {
            self.amount(name, v);
        }
    }

    fn date(&mut self, name: &str, value: Option<crate::invoice::Date>) {
        if let Some(d) = value {
            self.w.leaf_display(name, d);
        }
    }

    fn period(&mut self, period: &Period, description_code: Option<&str>) {
        self.w.open("cac:InvoicePeriod");
        self.date("cbc:StartDate", period.start);
        self.date("cbc:EndDate", period.end);
        self.w.opt_leaf("cbc:DescriptionCode", description_code);
        self.w.close("cac:InvoicePeriod");
    }

    fn id(&mut self, name: &str, id: &Identifier) {
        self.w
            .leaf_attr(name, "schemeID", id.scheme.as_deref(), &id.value);
    }

    fn address(&mut self, element: &str, a: &PostalAddress) {
        // The Full schema makes the country mandatory in an address; an address
        // without one (which EN 16931 already refuses) is left out, not invented.
        if self.full && a.country_code.is_none() {
            return;
        }
        self.w.open(element);
        self.w.opt_leaf("cbc:StreetName", a.line_one.as_deref());
        self.w
            .opt_leaf("cbc:AdditionalStreetName", a.line_two.as_deref());
        self.w.opt_leaf("cbc:CityName", a.city.as_deref());
        self.w.opt_leaf("cbc:PostalZone", a.post_code.as_deref());
        self.w
            .opt_leaf("cbc:CountrySubentity", a.country_subdivision.as_deref());
        if let Some(line) = &a.line_three {
            self.w.open("cac:AddressLine");
            self.w.leaf("cbc:Line", line);
            self.w.close("cac:AddressLine");
        }
        if let Some(country) = &a.country_code {
            self.w.open("cac:Country");
            self.w.leaf("cbc:IdentificationCode", country);
            self.w.close("cac:Country");
        }
        self.w.close(element);
    }

    fn tax_scheme(&mut self) {
        self.w.open("cac:TaxScheme");
        self.w.leaf("cbc:ID", "VAT");
        self.w.close("cac:TaxScheme");
    }

    fn party(&mut self, p: PartyView<'_>) {
        self.w.open("cac:Party");
        if let Some(id) = preferred_identifier(p.identifiers) {
            self.w.open("cac:PartyIdentification");
            self.id("cbc:ID", id);
            self.w.close("cac:PartyIdentification");
        }
        if let Some(a) = p.address {
            self.address("cac:PostalAddress", a);
        }
        if let Some(vat) = p.vat {
            self.w.open("cac:PartyTaxScheme");
            self.w.leaf("cbc:CompanyID", vat);
            self.tax_scheme();
            self.w.close("cac:PartyTaxScheme");
        }
        if let Some(legal) = p.legal {
            self.w.open("cac:PartyLegalEntity");
            self.id("cbc:CompanyID", legal);
            self.w.close("cac:PartyLegalEntity");
        }
        self.w.close("cac:Party");
    }

    fn tax_category(
        &mut self,
        element: &str,
        code: Option<&str>,
        rate: Option<crate::invoice::Percent>,
        exemption: (Option<&str>, Option<&str>),
    ) {
        let Some(code) = code else { return };
        self.w.open(element);
        self.w.leaf("cbc:ID", code);
        if let Some(r) = rate {
            self.w.leaf_display("cbc:Percent", r);
        }
        self.w.opt_leaf("cbc:TaxExemptionReasonCode", exemption.0);
        self.w.opt_leaf("cbc:TaxExemptionReason", exemption.1);
        self.tax_scheme();
        self.w.close(element);
    }

    fn allowance_charge(&mut self, charge: bool, ac: &DocumentAllowanceCharge) {
        self.w.open("cac:AllowanceCharge");
        self.w
            .leaf("cbc:ChargeIndicator", if charge { "true" } else { "false" });
        self.opt_amount("cbc:Amount", ac.amount);
        self.opt_amount("cbc:BaseAmount", ac.base_amount);
        self.tax_category(
            "cac:TaxCategory",
            ac.vat_category_code.as_deref(),
            ac.vat_rate,
            (None, None),
        );
        self.w.close("cac:AllowanceCharge");
    }

    fn line(&mut self, line: &InvoiceLine, credit_note: bool) -> Result<(), F1Error> {
        let (element, quantity_element) = if credit_note {
            ("cac:CreditNoteLine", "cbc:CreditedQuantity")
        } else {
            ("cac:InvoiceLine", "cbc:InvoicedQuantity")
        };
        let quantity = required(line.quantity, "BT-129")?;
        let name = required(line.item.name.as_deref(), "BT-153")?;
        let net_price = required(line.price.net_price, "BT-146")?;
        self.w.open(element);
        self.w.opt_leaf("cbc:Note", line.note.as_deref());
        self.w.leaf_attr(
            quantity_element,
            "unitCode",
            line.unit_code.as_deref(),
            &quantity.to_string(),
        );
        if let Some(p) = &line.period {
            self.period(p, None);
        }
        for (charge, list) in [(false, &line.allowances), (true, &line.charges)] {
            for ac in list {
                self.w.open("cac:AllowanceCharge");
                self.w
                    .leaf("cbc:ChargeIndicator", if charge { "true" } else { "false" });
                self.opt_amount("cbc:Amount", ac.amount);
                self.opt_amount("cbc:BaseAmount", ac.base_amount);
                self.w.close("cac:AllowanceCharge");
            }
        }
        self.w.open("cac:Item");
        self.w.leaf("cbc:Name", name);
        self.w.close("cac:Item");
        self.w.open("cac:Price");
        self.amount("cbc:PriceAmount", net_price);
        if line.price.discount.is_some() || line.price.gross_price.is_some() {
            // BT-147 / BT-148 ride on the price's allowance (UBL's only place for them).
            self.w.open("cac:AllowanceCharge");
            self.w.leaf("cbc:ChargeIndicator", "false");
            self.opt_amount("cbc:Amount", line.price.discount);
            self.opt_amount("cbc:BaseAmount", line.price.gross_price);
            self.w.close("cac:AllowanceCharge");
        }
        self.w.close("cac:Price");
        self.w.close(element);
        Ok(())
    }
}

/// The parts of a party the F1 keeps, whatever its role.
struct PartyView<'a> {
    identifiers: &'a [Identifier],
    address: Option<&'a PostalAddress>,
    vat: Option<&'a str>,
    legal: Option<&'a Identifier>,
}

pub(super) fn write(
    invoice: &Invoice,
    h: &Header<'_>,
    profile: Profile,
) -> Result<String, F1Error> {
    let credit_note = invoice.is_credit_note();
    let full = profile == Profile::Full;
    let mut c = Ctx {
        w: XmlWriter::with_capacity(3000 + if full { invoice.lines.len() * 400 } else { 0 }),
        currency: h.currency,
        full,
    };
    let (root, ns) = if credit_note {
        ("CreditNote", CREDIT_NOTE_NS)
    } else {
        ("Invoice", INVOICE_NS)
    };
    c.w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
    c.w.raw(root);
    c.w.raw(" xmlns=\"");
    c.w.raw(ns);
    c.w.raw("\"");
    c.w.raw(NAMESPACES);
    c.w.raw(">\n");

    c.w.leaf(
        "cbc:CustomizationID",
        invoice
            .process_control
            .specification_identifier
            .as_deref()
            .unwrap_or(DEFAULT_SPECIFICATION),
    );
    c.w.leaf("cbc:ProfileID", h.framework);
    c.w.leaf("cbc:ID", h.number);
    c.w.leaf_display("cbc:IssueDate", h.issue_date);
    if credit_note {
        c.w.leaf("cbc:CreditNoteTypeCode", h.type_code);
    } else {
        c.date("cbc:DueDate", invoice.due_date);
        c.w.leaf("cbc:InvoiceTypeCode", h.type_code);
    }
    for note in &invoice.notes {
        // UBL carries the subject code as a `#CODE#` prefix (the French convention).
        let text = note.text.as_deref().unwrap_or("");
        match &note.subject_code {
            Some(code) => c.w.leaf("cbc:Note", &format!("#{code}#{text}")),
            None => c.w.leaf("cbc:Note", text),
        }
    }
    c.w.leaf("cbc:DocumentCurrencyCode", h.currency);
    let code = invoice.vat_point_date_code.as_deref();
    match (&invoice.invoicing_period, code) {
        (Some(p), _) => c.period(p, code),
        (None, Some(_)) => c.period(&Period::default(), code),
        (None, None) => {}
    }
    for preceding in &invoice.preceding_invoices {
        let Some(reference) = &preceding.reference else {
            continue;
        };
        c.w.open("cac:BillingReference");
        c.w.open("cac:InvoiceDocumentReference");
        c.w.leaf("cbc:ID", reference);
        if full {
            c.date("cbc:IssueDate", preceding.issue_date);
        }
        c.w.close("cac:InvoiceDocumentReference");
        c.w.close("cac:BillingReference");
    }
    let s = &invoice.seller;
    c.w.open("cac:AccountingSupplierParty");
    c.party(PartyView {
        identifiers: &s.identifiers,
        address: s.postal_address.as_ref(),
        vat: s.vat_identifier.as_deref(),
        legal: s.legal_registration_identifier.as_ref(),
    });
    c.w.close("cac:AccountingSupplierParty");
    let b = &invoice.buyer;
    c.w.open("cac:AccountingCustomerParty");
    c.party(PartyView {
        identifiers: &b.identifiers,
        address: b.postal_address.as_ref(),
        vat: b.vat_identifier.as_deref(),
        legal: b.legal_registration_identifier.as_ref(),
    });
    c.w.close("cac:AccountingCustomerParty");
    if let Some(t) = &invoice.tax_representative {
        c.w.open("cac:TaxRepresentativeParty");
        if let Some(a) = &t.postal_address {
            c.address("cac:PostalAddress", a);
        }
        if let Some(vat) = &t.vat_identifier {
            c.w.open("cac:PartyTaxScheme");
            c.w.leaf("cbc:CompanyID", vat);
            c.tax_scheme();
            c.w.close("cac:PartyTaxScheme");
        }
        c.w.close("cac:TaxRepresentativeParty");
    }
    if let Some(d) = &invoice.delivery {
        let location = full && (d.party_name.is_some() || d.address.is_some());
        if d.actual_delivery_date.is_some() || location {
            c.w.open("cac:Delivery");
            c.date("cbc:ActualDeliveryDate", d.actual_delivery_date);
            if location {
                c.w.open("cac:DeliveryLocation");
                c.w.opt_leaf("cbc:Name", d.party_name.as_deref());
                if let Some(a) = &d.address {
                    c.address("cac:Address", a);
                }
                c.w.close("cac:DeliveryLocation");
            }
            c.w.close("cac:Delivery");
        }
    }
    if credit_note && invoice.due_date.is_some() {
        c.w.open("cac:PaymentMeans");
        c.date("cbc:PaymentDueDate", invoice.due_date);
        c.w.close("cac:PaymentMeans");
    }
    if full {
        for ac in &invoice.allowances {
            c.allowance_charge(false, ac);
        }
        for ac in &invoice.charges {
            c.allowance_charge(true, ac);
        }
    }
    c.w.open("cac:TaxTotal");
    let total_vat = invoice.totals.total_vat.unwrap_or_else(|| {
        invoice
            .vat_breakdown
            .iter()
            .filter_map(|v| v.tax_amount)
            .sum()
    });
    c.amount("cbc:TaxAmount", total_vat);
    for v in &invoice.vat_breakdown {
        c.w.open("cac:TaxSubtotal");
        c.amount("cbc:TaxableAmount", required(v.taxable_amount, "BT-116")?);
        c.amount("cbc:TaxAmount", required(v.tax_amount, "BT-117")?);
        c.tax_category(
            "cac:TaxCategory",
            Some(required(v.category_code.as_deref(), "BT-118")?),
            v.rate,
            (
                v.exemption_reason_code.as_deref(),
                v.exemption_reason.as_deref(),
            ),
        );
        c.w.close("cac:TaxSubtotal");
    }
    c.w.close("cac:TaxTotal");
    if let Some((code, amount)) = h.accounting_vat {
        c.w.open("cac:TaxTotal");
        c.w.leaf_attr(
            "cbc:TaxAmount",
            "currencyID",
            Some(code),
            &amount.to_string(),
        );
        c.w.close("cac:TaxTotal");
    }
    c.w.open("cac:LegalMonetaryTotal");
    c.opt_amount("cbc:TaxExclusiveAmount", invoice.totals.total_without_vat);
    c.w.close("cac:LegalMonetaryTotal");
    if full {
        if invoice.lines.is_empty() {
            return Err(F1Error::Missing { term: "BG-25" });
        }
        for line in &invoice.lines {
            c.line(line, credit_note)?;
        }
    }
    c.w.raw("</");
    c.w.raw(root);
    c.w.raw(">\n");
    Ok(c.w.finish())
}
