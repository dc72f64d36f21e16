//! Factur-X / ZUGFeRD 2.x: the CII XML embedded in a PDF/A-3.

use crate::xml::Limits;

/// Why no XML could be taken from a PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the PDF cannot be read: {0}")]
    Unreadable(String),
    #[error("the PDF has no embedded invoice XML: {0}")]
    NoXml(String),
}

/// Extracts the embedded invoice XML of a Factur-X PDF.
pub fn extract_xml(_pdf: &[u8], _limits: &Limits) -> Result<Vec<u8>, PdfError> {
    Err(PdfError::Unreadable(
        "PDF reading is not implemented yet".into(),
    ))
}
