//! Factur-X / ZUGFeRD 2.x: the CII XML embedded in a PDF/A-3.
//!
//! [`extract_xml`] opens the PDF in memory with lopdf, finds the attachment that
//! carries the invoice ([`attachments`]) and returns its decoded bytes. [`write`]
//! does the reverse for fixtures and tests. Pure: no I/O.
//!
//! What is refused, and why:
//! - a PDF whose cross-reference table had to be rebuilt by scanning (a truncated or
//!   damaged file): the rebuilt table may name objects of an older revision, so the
//!   XML read from it may not be the one the sender signed off;
//! - a PDF encrypted with a non-empty user password (the empty one is tried, as
//!   every viewer does);
//! - any stream, structural or the XML itself, that decodes beyond
//!   [`Limits::max_bytes`] or beyond [`MAX_EXPANSION`] times the size of the PDF,
//!   so a small Flate bomb costs memory and time proportional to its own size;
//! - an XML stream whose Flate data fails its checksum ([`decode`]).

mod attachments;
mod decode;
pub mod write;

#[cfg(test)]
mod tests;

use lopdf::xref::XrefRecovery;
use lopdf::{Document, LoadOptions};

use crate::xml::Limits;

use attachments::Attachment;

pub use write::embed_xml;

/// Why no XML could be taken from a PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the PDF cannot be read: {0}")]
    Unreadable(String),
    #[error("the PDF has no embedded invoice XML: {0}")]
    NoXml(String),
}

/// How many times its own size a PDF may expand to when a stream is decoded. A
/// Factur-X PDF carries a rendered page (fonts, images) besides its XML, so the XML
/// is in practice smaller than the file; 8× leaves ample room for an XML-only PDF
/// while keeping a decompression bomb's cost within a small multiple of its size.
pub const MAX_EXPANSION: usize = 8;

/// The decode budget for one stream of `pdf`.
fn budget(pdf: &[u8], limits: &Limits) -> usize {
    limits
        .max_bytes
        .min(pdf.len().saturating_mul(MAX_EXPANSION))
}

/// Extracts the embedded invoice XML of a Factur-X PDF.
///
/// The attachment is the file specification named (by `/UF` or `/F`, ignoring case)
/// `factur-x.xml`, `zugferd-invoice.xml` or `xrechnung.xml`, found in the catalog's
/// `/Names /EmbeddedFiles` tree or its `/AF` array.
pub fn extract_xml(pdf: &[u8], limits: &Limits) -> Result<Vec<u8>, PdfError> {
    let doc = open(pdf, limits)?;
    let found = attachments::collect(&doc).map_err(PdfError::Unreadable)?;

    let mut invoices: Vec<&Attachment> = found.iter().filter(|a| a.is_invoice()).collect();
    if invoices.is_empty() {
        return Err(PdfError::NoXml(describe_absence(&found)));
    }
    // Several matching specifications are unusual (a ZUGFeRD 2.x converter that also
    // left the old name); the Factur-X name is the one the standard requires.
    invoices.sort_by_key(|a| a.rank());

    let mut without_stream = Vec::new();
    for attachment in invoices {
        match attachment.embedded_stream(&doc) {
            Some(stream) => {
                return decode::decode(stream, budget(pdf, limits)).map_err(|why| {
                    PdfError::Unreadable(format!(
                        "the embedded file {} cannot be decoded: {why}",
                        attachment.display_name()
                    ))
                });
            }
            None => without_stream.push(attachment.display_name()),
        }
    }
    Err(PdfError::NoXml(format!(
        "the file specification {} has no embedded file stream (/EF)",
        without_stream.join(", ")
    )))
}

/// Loads the document with every stream decode bounded, and refuses what it cannot
/// trust (see the module documentation).
fn open(pdf: &[u8], limits: &Limits) -> Result<Document, PdfError> {
    if pdf.is_empty() {
        return Err(PdfError::Unreadable("the file is empty".into()));
    }
    let options = LoadOptions {
        max_decompressed_size: Some(budget(pdf, limits)),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(pdf, options).map_err(|err| {
        let hint = if contains(pdf, b"/Encrypt") {
            " (the file declares encryption)"
        } else {
            ""
        };
        PdfError::Unreadable(format!("{}{hint}", chain(&err)))
    })?;

    // lopdf removes `/Encrypt` from the trailer once it has decrypted the document
    // with the empty user password; when it is still there, nothing was decrypted.
    if doc.trailer.has(b"Encrypt") {
        return Err(PdfError::Unreadable(
            "the PDF is encrypted and the empty user password does not open it".into(),
        ));
    }
    if doc.xref_recovery == Some(XrefRecovery::Reconstructed) {
        return Err(PdfError::Unreadable(
            "the cross-reference table is missing or damaged (a truncated file?)".into(),
        ));
    }
    if doc.catalog().is_err() {
        return Err(PdfError::Unreadable(
            "the trailer names no document catalog (/Root)".into(),
        ));
    }
    Ok(doc)
}

/// The `PDF-NO-XML` message: which attachments there were, so the sender can see
/// a misnamed file at once.
fn describe_absence(found: &[Attachment]) -> String {
    // Enough to recognise the file; a PDF with thousands of attachments does not
    // deserve a message of thousands of names.
    const SHOWN: usize = 10;
    if found.is_empty() {
        return "no attachment (neither /Names /EmbeddedFiles nor /AF names a file)".into();
    }
    let mut names: Vec<String> = found.iter().take(SHOWN).map(|a| a.display_name()).collect();
    if found.len() > SHOWN {
        names.push(format!("and {} more", found.len() - SHOWN));
    }
    format!(
        "no attachment named factur-x.xml, zugferd-invoice.xml or xrechnung.xml; attachments present: {}",
        names.join(", ")
    )
}

/// An error with its causes, as lopdf's own messages are terse ("couldn't parse
/// input") and the cause says what was wrong.
fn chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
