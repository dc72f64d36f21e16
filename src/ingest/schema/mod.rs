//! XML Schema layer: does the tree conform to the syntax's official XSD?
//!
//! The official schemas (copied unmodified under `schemas/`, see its PROVENANCE.md)
//! are embedded in the binary and compiled natively, once per schema set on first use,
//! into flat tables ([`model`]); a document is then checked in one pass over its tree
//! ([`validate`]) with a deterministic content-model matcher ([`content`]) and the
//! built-in datatypes ([`datatypes`]). No schema is ever fetched, and nothing a
//! document says (`xsi:schemaLocation`) changes which schema applies.

mod compile;
mod content;
mod datatypes;
mod model;
mod validate;

use std::sync::OnceLock;

use crate::xml::Node;

use super::report::{Finding, Severity, Syntax};
use super::validate::RuleSet;

pub use compile::CompileError;

use compile::SourceFile;
use model::SchemaSet;

/// At most this many schema violations are reported per document (plus one notice),
/// so a hostile file cannot flood the report.
pub const MAX_FINDINGS: usize = 50;

macro_rules! xsd {
    ($path:literal) => {
        SourceFile {
            name: $path,
            text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/", $path)),
        }
    };
}

const UBL_FILES: &[SourceFile] = &[
    xsd!("ubl-2.1/maindoc/UBL-Invoice-2.1.xsd"),
    xsd!("ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd"),
    xsd!("ubl-2.1/common/UBL-CommonAggregateComponents-2.1.xsd"),
    xsd!("ubl-2.1/common/UBL-CommonBasicComponents-2.1.xsd"),
    xsd!("ubl-2.1/common/UBL-CommonExtensionComponents-2.1.xsd"),
    xsd!("ubl-2.1/common/UBL-ExtensionContentDataType-2.1.xsd"),
    xsd!("ubl-2.1/common/UBL-QualifiedDataTypes-2.1.xsd"),
    xsd!("ubl-2.1/common/UBL-UnqualifiedDataTypes-2.1.xsd"),
    xsd!("ubl-2.1/common/CCTS_CCT_SchemaModule-2.1.xsd"),
    // Declared for `ext:ExtensionContent`, whose lax wildcard validates the signature
    // elements it recognises.
    xsd!("ubl-2.1/common/UBL-CommonSignatureComponents-2.1.xsd"),
    xsd!("ubl-2.1/common/UBL-SignatureAggregateComponents-2.1.xsd"),
    xsd!("ubl-2.1/common/UBL-SignatureBasicComponents-2.1.xsd"),
    xsd!("ubl-2.1/common/UBL-xmldsig-core-schema-2.1.xsd"),
    xsd!("ubl-2.1/common/UBL-XAdESv132-2.1.xsd"),
    xsd!("ubl-2.1/common/UBL-XAdESv141-2.1.xsd"),
];

const CII_D16B_FILES: &[SourceFile] = &[
    xsd!("cii-d16b/CrossIndustryInvoice_100pD16B.xsd"),
    xsd!("cii-d16b/CrossIndustryInvoice_ReusableAggregateBusinessInformationEntity_100pD16B.xsd"),
    xsd!("cii-d16b/CrossIndustryInvoice_QualifiedDataType_100pD16B.xsd"),
    xsd!("cii-d16b/CrossIndustryInvoice_UnqualifiedDataType_100pD16B.xsd"),
];

const CII_D22B_FILES: &[SourceFile] = &[
    xsd!("cii-d22b/CrossIndustryInvoice_100pD22B.xsd"),
    xsd!(
        "cii-d22b/CrossIndustryInvoice_100pD22B_urn_un_unece_uncefact_data_standard_ReusableAggregateBusinessInformationEntity_100.xsd"
    ),
    xsd!(
        "cii-d22b/CrossIndustryInvoice_100pD22B_urn_un_unece_uncefact_data_standard_QualifiedDataType_100.xsd"
    ),
    xsd!(
        "cii-d22b/CrossIndustryInvoice_100pD22B_urn_un_unece_uncefact_data_standard_UnqualifiedDataType_100.xsd"
    ),
];

const CDAR_D22B_FILES: &[SourceFile] = &[
    xsd!("cdar-d22b/CrossDomainAcknowledgementAndResponse_100pD22B.xsd"),
    xsd!(
        "cdar-d22b/CrossDomainAcknowledgementAndResponse_100pD22B_urn_un_unece_uncefact_data_standard_ReusableAggregateBusinessInformationEntity_100.xsd"
    ),
    xsd!(
        "cdar-d22b/CrossDomainAcknowledgementAndResponse_100pD22B_urn_un_unece_uncefact_data_standard_QualifiedDataType_100.xsd"
    ),
    xsd!(
        "cdar-d22b/CrossDomainAcknowledgementAndResponse_100pD22B_urn_un_unece_uncefact_data_standard_UnqualifiedDataType_100.xsd"
    ),
];

/// One schema set: its files and its compiled tables, built on first use.
struct Set {
    label: &'static str,
    files: &'static [SourceFile],
    compiled: OnceLock<Result<SchemaSet, CompileError>>,
}

impl Set {
    const fn new(label: &'static str, files: &'static [SourceFile]) -> Self {
        Set {
            label,
            files,
            compiled: OnceLock::new(),
        }
    }

    fn get(&self) -> &Result<SchemaSet, CompileError> {
        self.compiled.get_or_init(|| compile::compile(self.files))
    }
}

static UBL: Set = Set::new("UBL 2.1", UBL_FILES);
static CII_D16B: Set = Set::new("CII D16B", CII_D16B_FILES);
static CII_D22B: Set = Set::new("CII D22B", CII_D22B_FILES);
static CDAR_D22B: Set = Set::new("CDAR D22B", CDAR_D22B_FILES);

/// The schema set that applies, `None` for a syntax without one.
fn set_for(syntax: Syntax, rules: RuleSet) -> Option<&'static Set> {
    match (syntax, rules) {
        (Syntax::Ubl, _) => Some(&UBL),
        (Syntax::Cii, RuleSet::En16931) => Some(&CII_D16B),
        (Syntax::Cii, RuleSet::Fr) => Some(&CII_D22B),
        (Syntax::Cdar, _) => Some(&CDAR_D22B),
        (Syntax::Unknown, _) => None,
    }
}

/// Compiles the schema set of `syntax` now rather than on the first document (for a
/// server's start-up, and to measure the one-off cost). A syntax without a schema
/// set has nothing to prepare.
pub fn prepare(syntax: Syntax, rules: RuleSet) -> Result<(), &'static CompileError> {
    match set_for(syntax, rules) {
        Some(set) => set.get().as_ref().map(|_| ()),
        None => Ok(()),
    }
}

/// Checks `root` against the XML Schema of `syntax` (UBL 2.1; CII D16B for the
/// EN 16931 rule set, D22B for the French one; CDAR D22B) and reports each violation
/// as an `XSD-INVALID` finding, at most [`MAX_FINDINGS`] of them.
pub fn validate(root: Node<'_>, syntax: Syntax, rules: RuleSet, findings: &mut Vec<Finding>) {
    // The pipeline stops at SYNTAX-UNKNOWN before this layer, so there is nothing to
    // check for an unknown syntax.
    let Some(set) = set_for(syntax, rules) else {
        return;
    };
    match set.get() {
        Ok(compiled) => validate::run(compiled, set.label, root, MAX_FINDINGS, findings),
        // A defect of the embedded schemas (the tests compile every set): the layer
        // cannot vouch for the document, so it is rejected, not waved through.
        Err(err) => findings.push(Finding {
            rule: "XSD-UNAVAILABLE",
            severity: Severity::Fatal,
            term: None,
            location: root.path(),
            message: format!("the {} schema could not be compiled: {err}", set.label),
        }),
    }
}

#[cfg(test)]
mod tests;
