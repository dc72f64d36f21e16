//! Documents an invoice points to: notes (BG-1), process control (BG-2), preceding
//! invoices (BG-3) and additional supporting documents (BG-24).

use serde::Serialize;

use super::types::Date;

/// BG-1 INVOICE NOTE.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Note {
    /// BT-21 Invoice note subject code (UNTDID 4451; the French reform requires PMT,
    /// PMD, AAB and uses TXD, BAR). UBL has no element for it: it is written as a
    /// `#CODE#` prefix of the note text, which the UBL mapper splits off.
    pub subject_code: Option<String>,
    /// BT-22 Invoice note.
    pub text: Option<String>,
}

/// BG-2 PROCESS CONTROL.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ProcessControl {
    /// BT-23 Business process type. In France: the billing framework ("cadre de
    /// facturation") B1, S1, M1, B2, ... M9.
    pub business_process: Option<String>,
    /// BT-24 Specification identifier (`urn:cen.eu:en16931:2017`, a CIUS or an
    /// extension such as EXTENDED-CTC-FR).
    pub specification_identifier: Option<String>,
}

/// BG-3 PRECEDING INVOICE REFERENCE.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PrecedingInvoiceReference {
    /// BT-25 Preceding Invoice reference.
    pub reference: Option<String>,
    /// BT-26 Preceding Invoice issue date.
    pub issue_date: Option<Date>,
}

/// BG-24 ADDITIONAL SUPPORTING DOCUMENTS.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SupportingDocument {
    /// BT-122 Supporting document reference.
    pub reference: Option<String>,
    /// BT-123 Supporting document description (in France a code such as `RIB` or
    /// `LISIBLE`, BR-FR-17).
    pub description: Option<String>,
    /// BT-124 External document location.
    pub external_location: Option<String>,
    /// BT-125 Attached document.
    pub attachment: Option<Attachment>,
}

/// BT-125 Attached document, with its MIME code (BT-125-1) and file name (BT-125-2).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Attachment {
    /// BT-125 The content, base64 as written in the document (decoding is left to
    /// whoever needs the bytes, so mapping stays cheap for large attachments).
    pub content_base64: String,
    /// BT-125-1 Attached document Mime code.
    pub mime_code: Option<String>,
    /// BT-125-2 Attached document Filename.
    pub filename: Option<String>,
}
