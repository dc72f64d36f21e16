//! Which part of the feed an invoice belongs to: its processing type (the `BAR` note,
//! BR-FR-20) and its billing framework (BT-23, "cadre de facturation").
//!
//! A domestic B2B (or B2G) invoice gives F1 regulatory data and F6 statuses; an
//! international B2B one is e-reported per invoice (F10, 10.1); a B2C one is
//! e-reported in daily aggregates (10.3); out-of-scope and archive-only ones give
//! nothing.

use serde::{Deserialize, Serialize};

use crate::invoice::Invoice;

/// The processing type of an invoice (note subject `BAR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ProcessingType {
    /// Domestic business to business (the default when there is no BAR note).
    B2B,
    /// International business to business.
    B2BInt,
    /// Business to consumer.
    B2C,
    /// Business to consumer, international.
    B2CInt,
    OutOfScope,
    ArchiveOnly,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown processing type {0:?} in the BAR note")]
pub struct UnknownProcessingType(pub String);

/// Reads the `BAR` note; no note means domestic B2B, the reform's default case.
pub fn processing_type(invoice: &Invoice) -> Result<ProcessingType, UnknownProcessingType> {
    let Some(text) = invoice
        .notes
        .iter()
        .find(|n| n.subject_code.as_deref().map(str::trim) == Some("BAR"))
        .map(|n| n.text.as_deref().unwrap_or("").trim())
    else {
        return Ok(ProcessingType::B2B);
    };
    Ok(match text {
        "B2B" => ProcessingType::B2B,
        "B2BINT" => ProcessingType::B2BInt,
        "B2C" => ProcessingType::B2C,
        "B2CINT" => ProcessingType::B2CInt,
        "OUTOFSCOPE" => ProcessingType::OutOfScope,
        "ARCHIVEONLY" => ProcessingType::ArchiveOnly,
        other => return Err(UnknownProcessingType(other.to_string())),
    })
}

/// The billing frameworks the PPF accepts in F1 and F10 (G1.02).
pub const ALLOWED_FRAMEWORKS: &[&str] = &[
    "B1", "S1", "M1", "B2", "S2", "M2", "B4", "S4", "M4", "S5", "S6", "B7", "S7",
];

/// The invoice type codes the PPF accepts (G1.01).
pub const ALLOWED_TYPE_CODES: &[&str] = &[
    "380", "389", "393", "501", "386", "500", "384", "471", "472", "473", "261", "381", "396",
    "502", "503",
];

/// What a billing framework invoices: goods (B*), services (S*) or both (M*).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Supply {
    Goods,
    Services,
    Mixed,
}

/// The supply of a framework code, `None` for an unknown code.
pub fn supply_of(framework: &str) -> Option<Supply> {
    if !ALLOWED_FRAMEWORKS.contains(&framework) && framework != "S3" {
        return None;
    }
    match framework.as_bytes().first() {
        Some(b'B') => Some(Supply::Goods),
        Some(b'S') => Some(Supply::Services),
        Some(b'M') => Some(Supply::Mixed),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoice::Note;

    fn with_bar(text: &str) -> Invoice {
        Invoice {
            notes: vec![Note {
                subject_code: Some("BAR".into()),
                text: Some(text.into()),
            }],
            ..Invoice::default()
        }
    }

    #[test]
    fn processing_type_from_the_bar_note() {
        assert_eq!(
            processing_type(&Invoice::default()),
            Ok(ProcessingType::B2B)
        );
        assert_eq!(processing_type(&with_bar("B2C")), Ok(ProcessingType::B2C));
        assert_eq!(
            processing_type(&with_bar(" B2BINT ")),
            Ok(ProcessingType::B2BInt)
        );
        assert!(processing_type(&with_bar("B2X")).is_err());
    }

    #[test]
    fn frameworks() {
        assert_eq!(supply_of("B1"), Some(Supply::Goods));
        assert_eq!(supply_of("S6"), Some(Supply::Services));
        assert_eq!(supply_of("M4"), Some(Supply::Mixed));
        assert_eq!(supply_of("B8"), None);
        assert_eq!(supply_of("X1"), None);
    }
}
