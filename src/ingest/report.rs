//! What validation says about a document: findings, the layers that ran, the verdict.

use serde::Serialize;

/// How serious a finding is. A document with any `Fatal` finding is rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Fatal,
    Warning,
}

/// The XML syntax of a document (for a PDF, that of its embedded XML).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Syntax {
    /// UBL 2.1 `Invoice` or `CreditNote`.
    Ubl,
    /// UN/CEFACT `CrossIndustryInvoice`.
    Cii,
    /// UN/CEFACT Cross Domain Acknowledgement and Response (lifecycle message).
    Cdar,
    /// Not read far enough to tell, or not a supported syntax.
    Unknown,
}

impl Syntax {
    pub fn as_str(self) -> &'static str {
        match self {
            Syntax::Ubl => "ubl",
            Syntax::Cii => "cii",
            Syntax::Cdar => "cdar",
            Syntax::Unknown => "unknown",
        }
    }
}

/// One finding: a rule that failed on one place of the document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The official rule id (`BR-CO-10`, `UBL-SR-12`) or a pre-rule id (`XML-DOCTYPE`).
    pub rule: &'static str,
    pub severity: Severity,
    /// The EN 16931 business term or group concerned (`BT-106`, `BG-25`), if any.
    pub term: Option<&'static str>,
    /// Where: an XPath into the document, or a byte position for unreadable input.
    pub location: String,
    /// What is wrong, for a person.
    pub message: String,
}

/// The validation layers, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// Bytes to a well-formed XML tree (PDF extraction, encodings, DTD refusal, limits).
    Syntax,
    /// XML Schema of the detected syntax.
    Schema,
    /// EN 16931 business rules and syntax bindings.
    En16931,
    /// French CIUS rules (BR-FR).
    French,
}

/// Whether a layer ran. A layer that did not run never counts as passed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status", content = "reason")]
pub enum LayerStatus {
    Ran,
    NotRun(String),
}

/// Everything validation established about one document.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub syntax: Syntax,
    /// The rule sets applied, e.g. `EN16931 1.3.16`.
    pub rules: String,
    pub findings: Vec<Finding>,
    pub layers: Vec<(Layer, LayerStatus)>,
}

impl Report {
    pub fn new(rules: impl Into<String>) -> Self {
        Report {
            syntax: Syntax::Unknown,
            rules: rules.into(),
            findings: Vec::new(),
            layers: Vec::new(),
        }
    }

    /// Rejected when any finding is fatal, or when a layer could not run (that
    /// is always accompanied by the fatal finding that stopped it).
    pub fn accepted(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Fatal)
            && self
                .layers
                .iter()
                .all(|(_, status)| *status == LayerStatus::Ran)
    }

    pub fn fatal_count(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Fatal)
            .count()
    }

    /// The first `most` fatal findings as `RULE: message`, joined by `; `: what a
    /// refusal tells the sender.
    pub fn fatal_summary(&self, most: usize) -> String {
        let fatal: Vec<String> = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Fatal)
            .take(most)
            .map(|f| format!("{}: {}", f.rule, f.message))
            .collect();
        fatal.join("; ")
    }

    /// Distinct rule ids with the given severity, sorted.
    pub fn rule_ids(&self, severity: Severity) -> Vec<&'static str> {
        let mut ids: Vec<_> = self
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(|f| f.rule)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &'static str, severity: Severity) -> Finding {
        Finding {
            rule,
            severity,
            term: None,
            location: "/x".into(),
            message: format!("{rule} failed"),
        }
    }

    #[test]
    fn the_fatal_summary_names_the_first_fatal_findings_only() {
        let mut report = Report::new("test");
        report.findings = vec![
            finding("BR-01", Severity::Fatal),
            finding("BR-W", Severity::Warning),
            finding("BR-02", Severity::Fatal),
            finding("BR-03", Severity::Fatal),
        ];
        assert_eq!(
            report.fatal_summary(2),
            "BR-01: BR-01 failed; BR-02: BR-02 failed"
        );
        assert_eq!(report.fatal_summary(usize::MAX).matches("; ").count(), 2);
        assert_eq!(Report::new("test").fatal_summary(10), "");
    }
}
