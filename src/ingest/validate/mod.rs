//! Business-rule layers: the rule registry, the finding sink and the rule sets.
//!
//! Rules are evaluated on the parsed XML tree, not on the invoice model: the official
//! artefacts define them as XPath over the document (presence versus blank, one
//! assertion per context node, first-match shadowing inside a pattern), and only the
//! tree keeps the distinctions they draw. Each rule module mirrors one official
//! Schematron file; ARCHITECTURE.md says how to add a rule.

pub mod cdar;
pub mod codelists;
pub mod en16931;
pub mod extended;
pub mod facturx;
pub mod fr;
pub mod registry;
pub mod xpath;

use crate::ingest::profile::Profile;
use crate::xml::Node;

use super::report::{Finding, Layer, Severity, Syntax};

/// One rule of an official rule set, as listed by `facteur rules`.
#[derive(Debug)]
pub struct Rule {
    /// The official id (`BR-CO-10`).
    pub id: &'static str,
    pub severity: Severity,
    /// Business terms and groups the rule is about.
    pub terms: &'static [&'static str],
    /// One line saying what must hold.
    pub description: &'static str,
}

impl Rule {
    /// The first term, used as the finding's `term`.
    pub fn term(&self) -> Option<&'static str> {
        self.terms.first().copied()
    }
}

/// Which rule sets a validation applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum RuleSet {
    /// EN 16931 only (CII checked against the D16B schema).
    En16931,
    /// EN 16931 plus the French CIUS (CII checked against the D22B schema). Default.
    #[default]
    Fr,
}

/// The version string of the EN 16931 rules implemented here.
pub const EN16931_VERSION: &str = "EN16931 1.3.16";

/// The version string of the EN 16931 rules followed by the French CIUS rules.
pub const FR_VERSION: &str = "EN16931 1.3.16 + BR-FR 1.4.0";

impl RuleSet {
    /// The rule-set version named in every result.
    pub fn version(self) -> &'static str {
        match self {
            RuleSet::En16931 => EN16931_VERSION,
            RuleSet::Fr => FR_VERSION,
        }
    }

    /// The rule-set version once the profile is known: the profile's rules, then
    /// BR-FR for [`RuleSet::Fr`] (`"EXTENDED-CTC-FR 1.4.0 + BR-FR 1.4.0"`).
    pub fn version_for(self, profile: Profile) -> String {
        match self {
            RuleSet::En16931 => profile.label().to_string(),
            RuleSet::Fr => format!("{} + {}", profile.label(), registry::BR_FR_SET),
        }
    }
}

/// Collects the findings of one document.
pub struct Sink<'a> {
    findings: &'a mut Vec<Finding>,
}

impl<'a> Sink<'a> {
    pub fn new(findings: &'a mut Vec<Finding>) -> Self {
        Sink { findings }
    }

    /// Records that `rule` failed on `at`.
    pub fn fail(&mut self, rule: &'static Rule, at: Node<'_>, message: impl Into<String>) {
        self.findings.push(Finding {
            rule: rule.id,
            severity: rule.severity,
            term: rule.term(),
            location: at.path(),
            message: message.into(),
        });
    }

    /// Records that `rule` failed on `at`, about `term` rather than the rule's first
    /// term (rules whose assertions concern different business terms).
    pub fn fail_with_term(
        &mut self,
        rule: &'static Rule,
        term: Option<&'static str>,
        at: Node<'_>,
        message: impl Into<String>,
    ) {
        self.findings.push(Finding {
            rule: rule.id,
            severity: rule.severity,
            term,
            location: at.path(),
            message: message.into(),
        });
    }

    /// Records that `rule` failed at a location given as text.
    pub fn fail_at(&mut self, rule: &'static Rule, location: String, message: impl Into<String>) {
        self.findings.push(Finding {
            rule: rule.id,
            severity: rule.severity,
            term: rule.term(),
            location,
            message: message.into(),
        });
    }

    /// Records `rule` as failed unless `holds`.
    pub fn check(&mut self, rule: &'static Rule, holds: bool, at: Node<'_>, message: &str) {
        if !holds {
            self.fail(rule, at, message);
        }
    }

    /// [`Sink::check`] with a message built only when the rule fails: most rules hold,
    /// and formatting every message up front was a large share of the rule layer's cost.
    pub fn check_with(
        &mut self,
        rule: &'static Rule,
        holds: bool,
        at: Node<'_>,
        message: impl FnOnce() -> String,
    ) {
        if !holds {
            self.fail(rule, at, message());
        }
    }
}

/// Runs the business-rule layers that apply to `syntax` on a parsed document: the
/// profile's rules (EN 16931, EXTENDED-CTC-FR or a Factur-X profile, as
/// [`crate::ingest::profile`] selected them), then, for [`RuleSet::Fr`], the French
/// CIUS. Returns the layers that ran, in order.
pub fn run(
    root: Node<'_>,
    syntax: Syntax,
    rules: RuleSet,
    profile: Profile,
    findings: &mut Vec<Finding>,
) -> &'static [Layer] {
    let start = findings.len();
    let mut sink = Sink::new(findings);
    match (syntax, profile) {
        // Lifecycle messages only exist in the French reform: their rules always run.
        (Syntax::Cdar, _) => {
            cdar::check(root, &mut sink);
            return &[Layer::French];
        }
        (Syntax::Unknown, _) => return &[],
        (Syntax::Cii, Profile::FacturX(fx)) => facturx::check(root, fx, findings, start),
        (_, Profile::ExtendedCtcFr) => extended::check(root, syntax, findings, start),
        (Syntax::Ubl, _) => en16931::ubl::check(root, &mut sink),
        (Syntax::Cii, _) => en16931::cii::check(root, &mut sink),
    }
    if rules == RuleSet::Fr && matches!(syntax, Syntax::Ubl | Syntax::Cii) {
        fr::check(root, syntax, findings);
        &[Layer::En16931, Layer::French]
    } else {
        &[Layer::En16931]
    }
}
