//! Flow F1: the regulatory data of an accepted domestic invoice, extracted for the
//! PPF in the invoice's own syntax (UBL 2.1 or CII D22B), in the Base profile (start
//! trajectory, from 1 September 2026) or the Full profile (target, from 1 September
//! 2027), one invoice per file.
//!
//! The official F1 XSDs (`xsd-f1/F1_{BASE,FULL}_{UBL_2.1,CII_D22B}`) are the
//! reduced UBL / CII schemas: every element they keep is written here in their
//! sequence order, every other one is left out. The writers are [`ubl`] and [`cii`];
//! this file holds what both share: the checks of Annexe 7 that make an invoice
//! extractable, the file name (S1.06) and the object id.

mod cii;
mod ubl;

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ObjectId;
use super::scope::{ALLOWED_FRAMEWORKS, ALLOWED_TYPE_CODES, ProcessingType, processing_type};
use crate::invoice::{Date, Identifier, Invoice, scheme};

/// The F1 profile, which the file name announces (S1.06).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Profile {
    /// Start trajectory: header data only.
    Base,
    /// Target trajectory: header data, allowances and charges, lines.
    Full,
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The case matters: the PPF matches `Base_` / `Full_` exactly (S1.06).
        f.write_str(match self {
            Profile::Base => "Base",
            Profile::Full => "Full",
        })
    }
}

/// The syntax of an F1 file, which follows the invoice's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum F1Syntax {
    Ubl,
    Cii,
}

/// Why an invoice gives no F1 file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum F1Error {
    #[error("{term} is required in the regulatory data and absent")]
    Missing { term: &'static str },
    #[error("processing type {0:?} is not domestic B2B: it is e-reported (F10) or out of scope")]
    NotDomestic(ProcessingType),
    #[error("{0}")]
    ProcessingType(#[from] super::scope::UnknownProcessingType),
    #[error("invoice type code {0:?} is not accepted by the PPF (G1.01)")]
    TypeCode(String),
    #[error("billing framework {0:?} is not accepted by the PPF (G1.02)")]
    Framework(String),
    #[error("the seller SIREN (BT-30 with scheme 0002) is required (G1.63)")]
    SellerSiren,
    #[error(
        "invoice currency {currency} is not EUR: the VAT total in EUR (BT-6 = EUR, BT-111) is required (G1.12)"
    )]
    VatInEuro { currency: String },
    #[error("issue date {0} is outside the years 2000-2099 (G1.36)")]
    Year(Date),
    #[error(
        "invoice number {0:?} is not 1-35 of [A-Za-z0-9 +-_/] without edge or double spaces (G1.05)"
    )]
    Number(String),
    #[error("VAT rate {0} is not a French rate (G1.24)")]
    VatRate(String),
    #[error("VAT category {0:?} is not accepted by the PPF (G2.31)")]
    VatCategory(String),
    #[error("{0} (G1.31, G1.32)")]
    PrecedingInvoice(&'static str),
}

/// The VAT rates the PPF accepts (G1.24), in percent.
const ALLOWED_RATES: &[&str] = &[
    "0", "0.9", "1.05", "1.75", "2.1", "5.5", "7", "8.5", "9.2", "9.6", "10", "13", "19.6", "20",
    "20.6",
];

/// The VAT categories the PPF accepts (G2.31).
const ALLOWED_CATEGORIES: &[&str] = &["S", "E", "AE", "K", "G", "O", "Z"];

/// G1.05: up to 35 characters among letters, digits, space, `-`, `+`, `_`, `/`; not
/// only spaces, no leading, trailing or doubled space.
fn number_ok(number: &str) -> bool {
    let chars_ok = number
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '+' | '_' | '/'));
    (1..=35).contains(&number.chars().count())
        && chars_ok
        && !number.starts_with(' ')
        && !number.ends_with(' ')
        && !number.contains("  ")
}

/// One F1 file, ready to be put in a flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct F1File {
    /// `F1/<profile>/<seller SIREN>/<year>/<number>`: the uniqueness key of G1.45
    /// (number, year of issue, seller SIREN) with the profile.
    pub id: ObjectId,
    pub profile: Profile,
    pub syntax: F1Syntax,
    /// `Base_<name>.xml` or `Full_<name>.xml` (S1.06).
    pub file_name: String,
    pub xml: String,
}

/// The terms every F1 file needs, read and checked once.
pub(crate) struct Header<'a> {
    pub number: &'a str,
    pub issue_date: Date,
    pub type_code: &'a str,
    pub currency: &'a str,
    pub framework: &'a str,
    pub seller_siren: &'a str,
    /// BT-6 and BT-111 when the VAT is also given in an accounting currency.
    pub accounting_vat: Option<(&'a str, crate::invoice::Amount)>,
}

fn required<T>(value: Option<T>, term: &'static str) -> Result<T, F1Error> {
    value.ok_or(F1Error::Missing { term })
}

/// Checks the invoice against the F1 rules an extract can check on its own (the
/// directory checks G1.63 / G1.101 are the PPF's) and reads the header terms.
/// G1.31 / G1.32: a corrective invoice refers to exactly one preceding invoice, a
/// credit note to at least one, at the header (the line-level references of the
/// French extension are not in the model); the Full profile also needs their dates.
fn check_preceding(invoice: &Invoice, profile: Profile) -> Result<(), F1Error> {
    let Some(code) = &invoice.type_code else {
        return Ok(());
    };
    let refs: Vec<_> = invoice
        .preceding_invoices
        .iter()
        .filter(|p| p.reference.is_some())
        .collect();
    if code.is_corrective() && refs.len() != 1 {
        return Err(F1Error::PrecedingInvoice(
            "a corrective invoice refers to exactly one preceding invoice (BT-25)",
        ));
    }
    if code.is_credit_note() && refs.is_empty() {
        return Err(F1Error::PrecedingInvoice(
            "a credit note refers to its preceding invoices (BT-25)",
        ));
    }
    let referring = code.is_corrective() || code.is_credit_note();
    if referring && profile == Profile::Full && refs.iter().any(|p| p.issue_date.is_none()) {
        return Err(F1Error::PrecedingInvoice(
            "the Full profile needs the date (BT-26) of every preceding invoice",
        ));
    }
    Ok(())
}

pub(crate) fn header(invoice: &Invoice) -> Result<Header<'_>, F1Error> {
    let kind = processing_type(invoice)?;
    if kind != ProcessingType::B2B {
        return Err(F1Error::NotDomestic(kind));
    }
    let number = required(invoice.number.as_deref(), "BT-1")?;
    if !number_ok(number) {
        return Err(F1Error::Number(number.to_string()));
    }
    let issue_date = required(invoice.issue_date, "BT-2")?;
    if !(2000..=2099).contains(&issue_date.year) {
        return Err(F1Error::Year(issue_date));
    }
    let type_code = required(invoice.type_code.as_ref(), "BT-3")?.as_str();
    if !ALLOWED_TYPE_CODES.contains(&type_code) {
        return Err(F1Error::TypeCode(type_code.to_string()));
    }
    let currency = required(invoice.currency_code.as_deref(), "BT-5")?;
    let framework = required(invoice.process_control.business_process.as_deref(), "BT-23")?;
    if !ALLOWED_FRAMEWORKS.contains(&framework) {
        return Err(F1Error::Framework(framework.to_string()));
    }
    for v in &invoice.vat_breakdown {
        if let Some(code) = v.category_code.as_deref()
            && !ALLOWED_CATEGORIES.contains(&code)
        {
            return Err(F1Error::VatCategory(code.to_string()));
        }
        if let Some(rate) = v.rate {
            let normalized = rate.value().normalize().to_string();
            if !ALLOWED_RATES.contains(&normalized.as_str()) {
                return Err(F1Error::VatRate(rate.to_string()));
            }
        }
    }
    let seller_siren = invoice
        .seller
        .legal_registration_identifier
        .as_ref()
        .filter(|id| id.has_scheme(scheme::SIREN))
        .map(|id| id.value.as_str())
        .ok_or(F1Error::SellerSiren)?;
    let accounting_vat = match (
        invoice.vat_accounting_currency_code.as_deref(),
        invoice.totals.total_vat_accounting_currency,
    ) {
        (Some(code), Some(amount)) if code != currency => Some((code, amount)),
        _ => None,
    };
    if currency != "EUR" && accounting_vat.is_none_or(|(code, _)| code != "EUR") {
        return Err(F1Error::VatInEuro {
            currency: currency.to_string(),
        });
    }
    Ok(Header {
        number,
        issue_date,
        type_code,
        currency,
        framework,
        seller_siren,
        accounting_vat,
    })
}

/// Whether `invoice` gives an F1 file at all (the header checks of [`extract`]).
pub fn check(invoice: &Invoice) -> Result<(), F1Error> {
    header(invoice).map(|_| ())
}

/// Extracts the F1 file of `invoice` in `syntax` and `profile`.
pub fn extract(invoice: &Invoice, syntax: F1Syntax, profile: Profile) -> Result<F1File, F1Error> {
    let h = header(invoice)?;
    check_preceding(invoice, profile)?;
    let xml = match syntax {
        F1Syntax::Ubl => ubl::write(invoice, &h, profile)?,
        F1Syntax::Cii => cii::write(invoice, &h, profile)?,
    };
    Ok(F1File {
        id: ObjectId(format!(
            "F1/{profile}/{}/{}/{}",
            h.seller_siren, h.issue_date.year, h.number
        )),
        profile,
        syntax,
        file_name: file_name(profile, &h),
        xml,
    })
}

/// `<profile>_<SIREN>_<year>_<number>.xml`. The number may hold characters a file
/// name must not (`/`, space, `+`): they become `-`, and a short digest of the
/// number keeps two numbers that differ only there apart.
fn file_name(profile: Profile, h: &Header<'_>) -> String {
    let safe: String = h
        .number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut name = format!("{profile}_{}_{}_{safe}", h.seller_siren, h.issue_date.year);
    if safe != h.number {
        let digest = Sha256::digest(h.number.as_bytes());
        name.push('_');
        for b in &digest[..4] {
            name.push_str(&format!("{b:02x}"));
        }
    }
    name.push_str(".xml");
    name
}

/// The identifier to write where the F1 schema keeps a single occurrence of a
/// repeatable term (BT-29, BT-46): the SIRET when there is one, the French rules'
/// preferred establishment id, else the first with a scheme, else the first.
pub(crate) fn preferred_identifier(ids: &[Identifier]) -> Option<&Identifier> {
    ids.iter()
        .find(|id| id.has_scheme(scheme::SIRET))
        .or_else(|| ids.iter().find(|id| id.scheme.is_some()))
        .or_else(|| ids.first())
}

#[cfg(test)]
mod tests;
