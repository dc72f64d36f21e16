//! Bytes in, a typed invoice and a validation report out. Pure: no I/O, no database,
//! no network, so every layer is fast to test.
//!
//! The pipeline, in order (each stage runs only if the previous one produced its input,
//! and a stage that cannot run says so in the report):
//! 1. [`detect`] the container from the content: PDF (Factur-X) or XML;
//! 2. [`parse::facturx`] extracts the embedded XML of a PDF;
//! 3. [`crate::xml`] reads the XML securely into a tree;
//! 4. [`detect::syntax_of`] names the syntax from the root element and namespace;
//! 5. [`schema`] checks the tree against the syntax's XML Schema;
//! 6. [`validate`] runs the business rules;
//! 7. [`parse::ubl`] / [`parse::cii`] build the [`crate::invoice::Invoice`] model.
//!
//! [`archive`] reads batch uploads (zips of documents) safely, before this pipeline.

pub mod admission;
pub mod archive;
pub mod detect;
pub mod parse;
pub mod profile;
pub mod report;
pub mod schema;
pub mod validate;

use crate::invoice::Invoice;
use crate::xml::{self, Limits, XmlErrorKind};

use detect::Container;
use parse::facturx::PdfError;
use report::{Finding, Layer, LayerStatus, Report, Severity, Syntax};
use validate::RuleSet;

/// How to ingest: which rules, which limits.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub rules: RuleSet,
    pub limits: Limits,
}

/// The result of ingesting one document.
#[derive(Debug)]
pub struct Outcome {
    /// The invoice model, when the document could be read as an invoice (even an
    /// invalid one: the report says whether it is acceptable).
    pub invoice: Option<Invoice>,
    pub report: Report,
}

/// Ingests one document: detects, extracts, parses and validates it.
pub fn ingest(bytes: &[u8], options: &Options) -> Outcome {
    let mut report = Report::new(options.rules.version());
    let invoice = run(bytes, options, &mut report);
    Outcome { invoice, report }
}

/// Why a stored document could not be read back as an invoice.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

/// Reads a document already validated (the hub stored it) back into the model: the
/// secure XML reader and the syntax's mapping, without the schema and rule layers,
/// which would only say again what admission said. Returns the invoice and its XML
/// syntax (a Factur-X PDF gives CII); a CDAR message or an unknown root is an error.
pub fn read_invoice(bytes: &[u8], limits: &Limits) -> Result<(Invoice, Syntax), ReadError> {
    let extracted;
    let xml_bytes = match detect::container(bytes) {
        Container::Pdf => {
            extracted = parse::facturx::extract_xml(bytes, limits)
                .map_err(|e| ReadError(format!("Factur-X PDF: {e}")))?;
            &extracted[..]
        }
        Container::Xml => bytes,
    };
    let doc =
        xml::parse(xml_bytes, limits).map_err(|e| ReadError(format!("XML: {}", e.message)))?;
    let root = doc.root();
    let syntax = detect::syntax_of(root);
    match syntax {
        Syntax::Ubl => Ok((parse::ubl::to_invoice(root), syntax)),
        Syntax::Cii => Ok((parse::cii::to_invoice(root), syntax)),
        Syntax::Cdar | Syntax::Unknown => Err(ReadError(format!(
            "root element {} is not an invoice",
            root.local_name()
        ))),
    }
}

fn run(bytes: &[u8], options: &Options, report: &mut Report) -> Option<Invoice> {
    let extracted;
    let mut origin = profile::Origin::Standalone;
    let xml_bytes = match detect::container(bytes) {
        Container::Pdf => match parse::facturx::extract_xml(bytes, &options.limits) {
            Ok(xml) => {
                extracted = xml;
                origin = profile::Origin::FacturX;
                &extracted[..]
            }
            Err(err) => {
                let rule = match err {
                    PdfError::Unreadable(_) => "PDF-UNREADABLE",
                    PdfError::NoXml(_) => "PDF-NO-XML",
                };
                stop(report, rule, "pdf", err.to_string());
                return None;
            }
        },
        Container::Xml => bytes,
    };

    let doc = match xml::parse(xml_bytes, &options.limits) {
        Ok(doc) => doc,
        Err(err) => {
            let rule = match err.kind {
                XmlErrorKind::Doctype => "XML-DOCTYPE",
                XmlErrorKind::NotWellFormed => "XML-NOT-WELLFORMED",
            };
            stop(report, rule, &err.position(), err.message);
            return None;
        }
    };
    let root = doc.root();
    report.syntax = detect::syntax_of(root);
    if report.syntax == Syntax::Unknown {
        let uri = doc.namespace_uri(root.namespace()).to_string();
        stop(
            report,
            "SYNTAX-UNKNOWN",
            &root.path(),
            format!(
                "root element {{{uri}}}{} is neither a UBL 2.1 Invoice/CreditNote, a CII CrossIndustryInvoice nor a CDAR message",
                root.local_name()
            ),
        );
        return None;
    }
    report.layers.push((Layer::Syntax, LayerStatus::Ran));

    schema::validate(root, report.syntax, options.rules, &mut report.findings);
    report.layers.push((Layer::Schema, LayerStatus::Ran));

    let profile = profile::detect(root, report.syntax, origin);
    if report.syntax != Syntax::Cdar {
        report.rules = options.rules.version_for(profile);
    }
    let ran = validate::run(
        root,
        report.syntax,
        options.rules,
        profile,
        &mut report.findings,
    );
    report
        .layers
        .extend(ran.iter().map(|layer| (*layer, LayerStatus::Ran)));

    match report.syntax {
        Syntax::Ubl => Some(parse::ubl::to_invoice(root)),
        Syntax::Cii => Some(parse::cii::to_invoice(root)),
        Syntax::Cdar | Syntax::Unknown => None,
    }
}

/// Records a pre-rule failure and the layers it prevented from running.
fn stop(report: &mut Report, rule: &'static str, location: &str, message: String) {
    report.findings.push(Finding {
        rule,
        severity: Severity::Fatal,
        term: None,
        location: location.to_string(),
        message,
    });
    report.layers.push((
        Layer::Syntax,
        LayerStatus::NotRun(format!("{rule}: the document could not be read")),
    ));
}
