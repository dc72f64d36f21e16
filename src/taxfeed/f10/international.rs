//! From the invoice model to e-reporting: an international B2B invoice becomes a 10.1
//! occurrence ([`F10Invoice`]), a B2C invoice becomes a B2C transaction record that
//! the daily aggregation sums ([`b2c_transaction`]).

use rust_decimal::Decimal;

use super::F10Error;
use super::records::{B2cTransaction, Category, Currency, RateAmount};
use crate::invoice::{Date, Identifier, Invoice, VatBreakdown, scheme};
use crate::taxfeed::scope::{Supply, supply_of};

/// ICD schemes of a party identifier in F10 (G1.73, G2.19).
pub mod id_scheme {
    /// EU VAT identifier of a party established outside France (≤ 18 characters).
    pub const EU_OUTSIDE_FRANCE: &str = "0223";
    /// Identifier of a party established outside the EU (≤ 18 characters).
    pub const OUTSIDE_EU: &str = "0227";
}

/// EU member states' VAT prefixes other than France (Greece writes EL).
const EU_VAT_PREFIXES: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "HR", "HU", "IE", "IT", "LT",
    "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// An international B2B invoice ready for 10.1: the invoice, checked, with the terms
/// F10 derives from it.
#[derive(Clone, Debug, PartialEq)]
pub struct F10Invoice {
    pub number: String,
    /// The operation date that places the invoice in a period: delivery date, else
    /// tax point date, else issue date.
    pub operation_date: Date,
    /// TT-33 with its scheme.
    pub seller_id: (String, String),
    /// TT-36 with its scheme, mandatory (G6.28).
    pub buyer_id: (String, String),
    /// TT-52 in EUR (G6.23).
    pub vat_total_eur: Decimal,
    pub invoice: Invoice,
}

fn problem(invoice: &Invoice, problem: impl Into<String>) -> F10Error {
    F10Error::Invoice {
        number: invoice.number.clone().unwrap_or_default(),
        problem: problem.into(),
    }
}

/// The operation date of an invoice (the trigger of its reporting period).
pub fn operation_date(invoice: &Invoice) -> Option<Date> {
    invoice
        .delivery
        .as_ref()
        .and_then(|d| d.actual_delivery_date)
        .or(invoice.vat_point_date)
        .or(invoice.issue_date)
}

/// The F10 identifier of a party: its SIREN (0002) when it has one, else its EU VAT
/// number (0223), else an identifier from outside the EU (0227).
fn party_id(
    legal: Option<&Identifier>,
    vat: Option<&str>,
    ids: &[Identifier],
) -> Option<(String, String)> {
    if let Some(l) = legal.filter(|l| l.has_scheme(scheme::SIREN)) {
        return Some((scheme::SIREN.into(), l.value.clone()));
    }
    if let Some(vat) = vat.map(str::trim) {
        // A French VAT number is FR + 2 key characters + the SIREN.
        if let Some(siren) = vat.strip_prefix("FR").and_then(|rest| rest.get(2..11))
            && siren.bytes().all(|b| b.is_ascii_digit())
        {
            return Some((scheme::SIREN.into(), siren.into()));
        }
        if EU_VAT_PREFIXES.iter().any(|p| vat.starts_with(p)) {
            return Some((id_scheme::EU_OUTSIDE_FRANCE.into(), vat.into()));
        }
        return Some((id_scheme::OUTSIDE_EU.into(), vat.into()));
    }
    legal
        .or_else(|| ids.first())
        .map(|id| (id_scheme::OUTSIDE_EU.into(), id.value.clone()))
}

impl F10Invoice {
    /// Checks what 10.1 requires of an international B2B invoice and derives the
    /// F10 terms.
    pub fn from_invoice(invoice: &Invoice) -> Result<F10Invoice, F10Error> {
        let number = invoice
            .number
            .clone()
            .ok_or_else(|| problem(invoice, "no number (BT-1)"))?;
        for (present, term) in [
            (invoice.issue_date.is_some(), "BT-2"),
            (invoice.type_code.is_some(), "BT-3"),
            (invoice.currency_code.is_some(), "BT-5"),
            (invoice.process_control.business_process.is_some(), "BT-23"),
            (!invoice.vat_breakdown.is_empty(), "BG-23"),
        ] {
            if !present {
                return Err(problem(invoice, format!("no {term}")));
            }
        }
        let s = &invoice.seller;
        let seller_id = party_id(
            s.legal_registration_identifier.as_ref(),
            s.vat_identifier.as_deref(),
            &s.identifiers,
        )
        .ok_or_else(|| problem(invoice, "no seller identifier (TT-33)"))?;
        let b = &invoice.buyer;
        let buyer_id = party_id(
            b.legal_registration_identifier.as_ref(),
            b.vat_identifier.as_deref(),
            &b.identifiers,
        )
        .ok_or_else(|| problem(invoice, "no buyer identifier (TT-36, G6.28)"))?;
        for (scheme, value) in [&seller_id, &buyer_id] {
            if scheme != crate::invoice::scheme::SIREN && value.chars().count() > 18 {
                return Err(problem(
                    invoice,
                    format!("identifier {value:?} is over 18 characters"),
                ));
            }
        }
        let vat_total_eur = vat_total_in_euro(invoice)?;
        Ok(F10Invoice {
            number,
            operation_date: operation_date(invoice).ok_or_else(|| problem(invoice, "no date"))?,
            seller_id,
            buyer_id,
            vat_total_eur,
            invoice: invoice.clone(),
        })
    }
}

/// BT-110 when the invoice is in euros, else BT-111 with BT-6 = EUR.
fn vat_total_in_euro(invoice: &Invoice) -> Result<Decimal, F10Error> {
    let sum_of_breakdown = || -> Decimal {
        invoice
            .vat_breakdown
            .iter()
            .filter_map(|v| v.tax_amount.map(|a| a.value()))
            .sum()
    };
    if invoice.currency_code.as_deref() == Some("EUR") {
        return Ok(invoice
            .totals
            .total_vat
            .map(|a| a.value())
            .unwrap_or_else(sum_of_breakdown));
    }
    match (
        invoice.vat_accounting_currency_code.as_deref(),
        invoice.totals.total_vat_accounting_currency,
    ) {
        (Some("EUR"), Some(amount)) => Ok(amount.value()),
        _ => Err(problem(
            invoice,
            "not in EUR and no VAT total in EUR (BT-6 = EUR, BT-111)",
        )),
    }
}

/// The B2C transaction record of a B2C invoice: its operation date, currency,
/// category (G1.68, see [`b2c_category`]), its VAT breakdown per rate, with credit
/// notes counted negative.
pub fn b2c_transaction(invoice: &Invoice) -> Result<B2cTransaction, F10Error> {
    let category = b2c_category(invoice)?;
    let currency_code = invoice
        .currency_code
        .as_deref()
        .ok_or_else(|| problem(invoice, "no currency (BT-5)"))?;
    let currency = Currency::parse(currency_code)
        .ok_or_else(|| problem(invoice, format!("bad currency {currency_code:?}")))?;
    let date = operation_date(invoice).ok_or_else(|| problem(invoice, "no date"))?;
    let sign = if invoice.is_credit_note() {
        Decimal::NEGATIVE_ONE
    } else {
        Decimal::ONE
    };
    let mut amounts: Vec<RateAmount> = Vec::with_capacity(invoice.vat_breakdown.len());
    for v in &invoice.vat_breakdown {
        let rate = v.rate.map(|r| r.value()).unwrap_or(Decimal::ZERO);
        let taxable = v
            .taxable_amount
            .ok_or_else(|| problem(invoice, "a VAT breakdown has no taxable amount"))?
            .value();
        let vat = v.tax_amount.map(|a| a.value()).unwrap_or(Decimal::ZERO);
        match amounts.iter_mut().find(|a| a.rate == rate) {
            Some(a) => {
                a.taxable += sign * taxable;
                a.vat += sign * vat;
            }
            None => amounts.push(RateAmount {
                rate,
                taxable: sign * taxable,
                vat: sign * vat,
            }),
        }
    }
    if amounts.is_empty() {
        return Err(problem(invoice, "no VAT breakdown (BG-23)"));
    }
    if currency != Currency::EUR {
        // The VAT must be in EUR (G6.23); the model has the EUR total (BT-111) but
        // not its split per rate, so only a single-rate invoice can be converted.
        let eur = vat_total_in_euro(invoice)?;
        match amounts.as_mut_slice() {
            [only] => only.vat = sign * eur,
            _ => {
                return Err(problem(
                    invoice,
                    "not in EUR with several VAT rates: the VAT per rate in EUR is unknown",
                ));
            }
        }
    }
    Ok(B2cTransaction {
        date,
        currency,
        category,
        amounts,
        count: 1,
    })
}

/// Exemption reasons (BT-121, VATEX) of the margin schemes of articles 266-1-e, 268 and
/// 297 A of the CGI: travel agents, second-hand goods, works of art, antiques.
const MARGIN_SCHEME_REASONS: [&str; 4] = ["VATEX-EU-D", "VATEX-EU-F", "VATEX-EU-I", "VATEX-EU-J"];

/// VAT categories (BT-118) of a supply not subject to VAT in France: not subject
/// (O), intra-community supply (K), export (G).
const NOT_TAXABLE_IN_FRANCE: [&str; 3] = ["O", "K", "G"];

/// The transaction category of a B2C invoice (Annexe 7, G1.68), from its VAT
/// breakdown first, then its billing framework:
/// - TMA1 when a breakdown gives a margin-scheme exemption reason;
/// - TNT1 when every breakdown is of a category not subject to VAT in France;
/// - otherwise TLB1 for a goods framework (B*), TPS1 for a services one (S*).
///
/// A mixed framework (M1, M2, M4) of a taxable invoice must be split between goods
/// and services line by line, which the model cannot tell; such invoices are
/// refused, and their records are to be given as [`B2cTransaction`]s directly.
pub fn b2c_category(invoice: &Invoice) -> Result<Category, F10Error> {
    let breakdown = &invoice.vat_breakdown;
    let reason_is = |codes: &[&str], v: &VatBreakdown| {
        v.exemption_reason_code
            .as_deref()
            .is_some_and(|c| codes.iter().any(|m| c.trim().eq_ignore_ascii_case(m)))
    };
    if breakdown
        .iter()
        .any(|v| reason_is(&MARGIN_SCHEME_REASONS, v))
    {
        return Ok(Category::TMA1);
    }
    let category_is = |codes: &[&str], v: &VatBreakdown| {
        v.category_code
            .as_deref()
            .is_some_and(|c| codes.contains(&c.trim()))
    };
    if !breakdown.is_empty()
        && breakdown
            .iter()
            .all(|v| category_is(&NOT_TAXABLE_IN_FRANCE, v))
    {
        return Ok(Category::TNT1);
    }
    let framework = invoice
        .process_control
        .business_process
        .as_deref()
        .ok_or_else(|| problem(invoice, "no billing framework (BT-23)"))?;
    match supply_of(framework) {
        Some(Supply::Goods) => Ok(Category::TLB1),
        Some(Supply::Services) => Ok(Category::TPS1),
        Some(Supply::Mixed) => Err(problem(
            invoice,
            format!("mixed framework {framework}: goods and services must be reported apart"),
        )),
        None => Err(problem(invoice, format!("unknown framework {framework:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoice(framework: &str, breakdown: &[(&str, Option<&str>)]) -> Invoice {
        let mut invoice = Invoice::default();
        invoice.process_control.business_process = Some(framework.to_string());
        invoice.vat_breakdown = breakdown
            .iter()
            .map(|(category, reason)| VatBreakdown {
                category_code: Some(category.to_string()),
                exemption_reason_code: reason.map(str::to_string),
                ..VatBreakdown::default()
            })
            .collect();
        invoice
    }

    #[test]
    fn the_b2c_category_comes_from_the_vat_breakdown_then_the_framework() {
        let category = |framework, breakdown| b2c_category(&invoice(framework, breakdown)).ok();
        assert_eq!(category("B1", &[("S", None)]), Some(Category::TLB1));
        assert_eq!(
            category("S1", &[("S", None), ("AA", None)]),
            Some(Category::TPS1)
        );
        // A margin scheme wins over the framework, mixed ones included.
        assert_eq!(
            category("B1", &[("E", Some("VATEX-EU-F"))]),
            Some(Category::TMA1)
        );
        assert_eq!(
            category("M1", &[("E", Some("vatex-eu-j"))]),
            Some(Category::TMA1)
        );
        // Not subject to VAT in France: every breakdown O, K or G.
        assert_eq!(category("S1", &[("O", None)]), Some(Category::TNT1));
        assert_eq!(
            category("B1", &[("K", None), ("G", None)]),
            Some(Category::TNT1)
        );
        // One taxable breakdown makes it taxable; a plain exemption is not TNT1.
        assert_eq!(
            category("B1", &[("O", None), ("S", None)]),
            Some(Category::TLB1)
        );
        assert_eq!(
            category("S1", &[("E", Some("VATEX-EU-132"))]),
            Some(Category::TPS1)
        );
        // A taxable mixed framework cannot be split here; no framework is refused.
        assert!(category("M1", &[("S", None)]).is_none());
        let mut without = invoice("B1", &[("S", None)]);
        without.process_control.business_process = None;
        assert!(b2c_category(&without).is_err());
    }
}
