//! The F10 XML: `Report` with `ReportDocument` and either `TransactionsReport` or
//! `PaymentsReport`, elements in the sequence of `xsd-f10/{ereporting,report,
//! transaction,payment}.xsd`. Those schemas declare every element locally and
//! unqualified, so the document has no namespace at all. Dates are `YYYYMMDD`
//! (G1.09), the creation time `YYYYMMDDHHMMSS` (TT-3).

use rust_decimal::Decimal;

use super::records::RatePayment;
use super::{
    Body, DailyAggregate, DailyPayments, F10Error, F10Invoice, InvoicePayment, Transmission,
};
use crate::invoice::{Date, Invoice, PostalAddress};
use crate::taxfeed::time::format_102;
use crate::taxfeed::xmlw::XmlWriter;

/// TT-29: the profile of e-reporting data (S1.12).
const PROFILE: &str = "urn.cpro.gouv.fr:1p0:ereporting";

fn date(w: &mut XmlWriter, name: &str, d: Date) {
    w.leaf(name, &format_102(d));
}

fn opt_date(w: &mut XmlWriter, name: &str, d: Option<Date>) {
    if let Some(d) = d {
        date(w, name, d);
    }
}

pub(super) fn report(t: &Transmission, transmission_id: &str) -> Result<String, F10Error> {
    let mut w = XmlWriter::with_capacity(4096);
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Report>\n");
    w.open("ReportDocument");
    w.leaf("Id", transmission_id);
    w.open("IssueDateTime");
    w.leaf("DateTimeString", &t.issued_at.format_204());
    w.close("IssueDateTime");
    w.leaf("TypeCode", t.sequence.transmission_type().code());
    w.open("Sender");
    w.leaf_attr(
        "Id",
        "schemeId",
        Some(crate::invoice::scheme::PLATFORM),
        &t.sender.matricule.to_string(),
    );
    w.leaf("Name", &t.sender.name);
    w.leaf("RoleCode", "WK");
    w.close("Sender");
    w.open("Issuer");
    w.leaf_attr("Id", "schemeId", Some("0002"), t.declarant.siren.as_str());
    w.leaf("Name", &t.declarant.name);
    w.leaf("RoleCode", t.declarant.role.code());
    w.close("Issuer");
    w.close("ReportDocument");
    let period = |w: &mut XmlWriter| {
        w.open("ReportPeriod");
        date(w, "StartDate", t.period.start);
        date(w, "EndDate", t.period.end);
        w.close("ReportPeriod");
    };
    match &t.body {
        Body::Transactions {
            invoices,
            aggregates,
        } => {
            w.open("TransactionsReport");
            period(&mut w);
            for i in invoices {
                invoice(&mut w, i)?;
            }
            for a in aggregates {
                aggregate(&mut w, a, t.declarant.vat_option_code.as_deref());
            }
            w.close("TransactionsReport");
        }
        Body::Payments { invoices, days } => {
            w.open("PaymentsReport");
            period(&mut w);
            for p in invoices {
                invoice_payment(&mut w, p);
            }
            for d in days {
                day_payments(&mut w, d);
            }
            w.close("PaymentsReport");
        }
    }
    w.raw("</Report>\n");
    Ok(w.finish())
}

fn aggregate(w: &mut XmlWriter, a: &DailyAggregate, vat_option: Option<&str>) {
    w.open("Transactions");
    date(w, "Date", a.date);
    w.leaf("TransactionsCurrency", a.currency.as_str());
    if a.category == super::Category::TPS1 {
        w.opt_leaf("TaxDueDateTypeCode", vat_option);
    }
    w.leaf("CategoryCode", a.category.code());
    w.leaf_display("TaxExclusiveAmount", a.taxable_total);
    w.leaf_display("TaxTotal", a.vat_total);
    w.leaf_display("TransactionsCount", a.count);
    for r in &a.subtotals {
        w.open("TaxSubtotal");
        w.leaf_display("TaxPercent", r.rate);
        w.leaf_display("TaxableAmount", r.taxable);
        w.leaf_display("TaxTotal", r.vat);
        w.close("TaxSubtotal");
    }
    w.close("Transactions");
}

fn payment_subtotals(w: &mut XmlWriter, subtotals: &[RatePayment]) {
    for s in subtotals {
        w.open("SubTotals");
        w.leaf_display("TaxPercent", s.rate);
        w.leaf("CurrencyCode", "EUR");
        w.leaf_display("Amount", s.amount);
        w.close("SubTotals");
    }
}

fn invoice_payment(w: &mut XmlWriter, p: &InvoicePayment) {
    w.open("Invoice");
    w.leaf("InvoiceID", &p.invoice_id);
    date(w, "IssueDate", p.issue_date);
    w.open("Payment");
    date(w, "Date", p.payment_date);
    payment_subtotals(w, &p.amounts);
    w.close("Payment");
    w.close("Invoice");
}

fn day_payments(w: &mut XmlWriter, d: &DailyPayments) {
    w.open("Transactions");
    w.open("Payment");
    date(w, "Date", d.date);
    payment_subtotals(w, &d.subtotals);
    w.close("Payment");
    w.close("Transactions");
}

fn party(
    w: &mut XmlWriter,
    id: &(String, String),
    vat: Option<&str>,
    address: Option<&PostalAddress>,
) {
    w.leaf_attr("CompanyId", "schemeId", Some(&id.0), &id.1);
    if let Some(vat) = vat {
        w.leaf_attr("TaxRegistrationId", "qualifyingId", Some("VAT"), vat);
    }
    if let Some(country) = address.and_then(|a| a.country_code.as_deref()) {
        w.open("PostalAddress");
        w.leaf("CountryId", country);
        w.close("PostalAddress");
    }
}

fn charge_indicator(charge: bool) -> &'static str {
    if charge { "true" } else { "false" }
}

/// One 10.1 occurrence (TG-8).
fn invoice(w: &mut XmlWriter, f: &F10Invoice) -> Result<(), F10Error> {
    let inv: &Invoice = &f.invoice;
    let missing = |term: &str| F10Error::Invoice {
        number: f.number.clone(),
        problem: format!("no {term}"),
    };
    w.open("Invoice");
    w.leaf("ID", &f.number);
    date(
        w,
        "IssueDate",
        inv.issue_date.ok_or_else(|| missing("BT-2"))?,
    );
    w.leaf(
        "TypeCode",
        inv.type_code
            .as_ref()
            .ok_or_else(|| missing("BT-3"))?
            .as_str(),
    );
    w.leaf(
        "CurrencyCode",
        inv.currency_code
            .as_deref()
            .ok_or_else(|| missing("BT-5"))?,
    );
    opt_date(w, "DueDate", inv.due_date);
    w.opt_leaf("TaxDueDateTypeCode", inv.vat_point_date_code.as_deref());
    for note in &inv.notes {
        w.open("IncludedNote");
        w.opt_leaf("Subject", note.subject_code.as_deref());
        w.opt_leaf("Content", note.text.as_deref());
        w.close("IncludedNote");
    }
    w.open("BusinessProcess");
    w.leaf(
        "ID",
        inv.process_control
            .business_process
            .as_deref()
            .ok_or_else(|| missing("BT-23"))?,
    );
    w.leaf("TypeID", PROFILE);
    w.close("BusinessProcess");
    for p in &inv.preceding_invoices {
        if let Some(reference) = &p.reference {
            w.open("ReferencedDocument");
            w.leaf("ID", reference);
            opt_date(w, "IssueDate", p.issue_date);
            w.close("ReferencedDocument");
        }
    }
    w.open("Seller");
    party(
        w,
        &f.seller_id,
        inv.seller.vat_identifier.as_deref(),
        inv.seller.postal_address.as_ref(),
    );
    w.close("Seller");
    w.open("Buyer");
    party(
        w,
        &f.buyer_id,
        inv.buyer.vat_identifier.as_deref(),
        inv.buyer.postal_address.as_ref(),
    );
    w.close("Buyer");
    if let Some(vat) = inv
        .tax_representative
        .as_ref()
        .and_then(|t| t.vat_identifier.as_deref())
    {
        w.open("SellerTaxRepresentative");
        w.leaf_attr("TaxRegistrationId", "schemeId", Some("VAT"), vat);
        w.close("SellerTaxRepresentative");
    }
    if let Some(d) = &inv.delivery {
        w.open("Delivery");
        opt_date(w, "Date", d.actual_delivery_date);
        if let Some(a) = &d.address {
            w.open("Location");
            w.opt_leaf("LineOne", a.line_one.as_deref());
            w.opt_leaf("LineTwo", a.line_two.as_deref());
            w.opt_leaf("LineThree", a.line_three.as_deref());
            w.opt_leaf("CityName", a.city.as_deref());
            w.opt_leaf("PostalZone", a.post_code.as_deref());
            w.opt_leaf("CountrySubentity", a.country_subdivision.as_deref());
            w.opt_leaf("CountryId", a.country_code.as_deref());
            w.close("Location");
        }
        w.close("Delivery");
    }
    if let Some(p) = &inv.invoicing_period {
        w.open("InvoicePeriod");
        opt_date(w, "StartDate", p.start);
        opt_date(w, "EndDate", p.end);
        w.close("InvoicePeriod");
    }
    for (charge, list) in [(false, &inv.allowances), (true, &inv.charges)] {
        for ac in list {
            w.open_attr(
                "AllowanceCharge",
                "ChargeIndicator",
                charge_indicator(charge),
            );
            if let Some(a) = ac.amount {
                w.leaf_display("Amount", a);
            }
            w.opt_leaf("TaxCategoryCode", ac.vat_category_code.as_deref());
            if let Some(r) = ac.vat_rate {
                w.leaf_display("TaxPercent", r);
            }
            w.close("AllowanceCharge");
        }
    }
    w.open("MonetaryTotal");
    if let Some(total) = inv.totals.total_without_vat {
        w.leaf_display("TaxExclusiveAmount", total);
    }
    w.leaf_attr(
        "TaxAmount",
        "CurrencyCode",
        Some("EUR"),
        &f.vat_total_eur.to_string(),
    );
    w.close("MonetaryTotal");
    for v in &inv.vat_breakdown {
        w.open("TaxSubTotal");
        w.leaf_display(
            "TaxableAmount",
            v.taxable_amount.ok_or_else(|| missing("BT-116"))?,
        );
        w.leaf_display(
            "TaxAmount",
            v.tax_amount.map(|a| a.value()).unwrap_or(Decimal::ZERO),
        );
        w.open("TaxCategory");
        w.opt_leaf("Code", v.category_code.as_deref());
        // The rate is mandatory here (TT-57); a category without one (O, E…) is at 0.
        w.leaf_display(
            "Percent",
            v.rate.map(|r| r.value()).unwrap_or(Decimal::ZERO),
        );
        w.opt_leaf("TaxExemptionReason", v.exemption_reason.as_deref());
        w.opt_leaf("TaxExemptionReasonCode", v.exemption_reason_code.as_deref());
        w.close("TaxCategory");
        w.close("TaxSubTotal");
    }
    for line in &inv.lines {
        w.open("Line");
        if let Some(note) = &line.note {
            w.open("Note");
            w.leaf("Comment", note);
            w.close("Note");
        }
        if let Some(q) = line.quantity {
            w.leaf_attr(
                "BilledQuantity",
                "UnitCode",
                line.unit_code.as_deref(),
                &q.to_string(),
            );
        }
        if let Some(p) = &line.period {
            w.open("InvoicePeriod");
            opt_date(w, "StartDate", p.start);
            opt_date(w, "EndDate", p.end);
            w.close("InvoicePeriod");
        }
        for (charge, list) in [(false, &line.allowances), (true, &line.charges)] {
            for ac in list {
                if let Some(a) = ac.amount {
                    w.open_attr(
                        "AllowanceCharge",
                        "ChargeIndicator",
                        charge_indicator(charge),
                    );
                    w.leaf_display("Amount", a);
                    w.close("AllowanceCharge");
                }
            }
        }
        let price = &line.price;
        if price.net_price.is_some() || price.discount.is_some() || price.gross_price.is_some() {
            w.open("Price");
            if let Some(p) = price.net_price {
                w.leaf_display("PriceAmount", p);
            }
            if let Some(d) = price.discount {
                w.leaf_display("AllowanceChargeAmount", d);
            }
            if let Some(g) = price.gross_price {
                w.leaf_display("AllowanceChargeBaseAmount", g);
            }
            w.close("Price");
        }
        if let Some(name) = &line.item.name {
            w.open("Product");
            w.leaf("Name", name);
            w.close("Product");
        }
        w.close("Line");
    }
    w.close("Invoice");
    Ok(())
}
