//! French CIUS rules: FNFE-MPE BR-FR v1.4.0, "Flux 2", fatal edition, for UBL and CII.
//!
//! Each official assertion (`BR-FR-05_BT-22-1`) is an [`Assertion`] that reports under
//! its rule id (`BR-FR-05`, the id the official verdicts use), with the assertion id at
//! the start of the message. Contexts follow catalogue §2.8 exactly, one finding per
//! failing context node; the UBL and CII bindings differ on purpose where the files
//! differ (blank handling, absent elements, B2CINT …).
//!
//! Where the official stylesheet stops with an XPath dynamic error (a function given
//! two nodes), none of its findings exist; the layer then reports one `XSLT-ERROR`
//! instead of its findings, as the official verdicts do.

pub mod cii;
pub mod defs;
mod lookup;
mod rules;
#[cfg(test)]
mod tests;
pub mod ubl;

pub use rules::RULES;

use super::{Rule, Sink};
use crate::ingest::report::{Finding, Syntax};
use crate::xml::{Namespace, Node};

/// One assertion of the official files.
#[derive(Debug)]
pub struct Assertion {
    /// The rule it reports under.
    pub rule: &'static Rule,
    /// The assertion id of the official file (`BR-FR-05_BT-22_PMT`).
    pub id: &'static str,
    /// The business term the assertion is about.
    pub term: &'static str,
}

/// Declares assertions: `NAME = RULE, "assertion id", "term";`.
macro_rules! assertions {
    ($($name:ident = $rule:ident, $id:literal, $term:literal;)*) => {
        $(
            static $name: $crate::ingest::validate::fr::Assertion =
                $crate::ingest::validate::fr::Assertion {
                    rule: &$crate::ingest::validate::fr::rules::$rule,
                    id: $id,
                    term: $term,
                };
        )*
        /// The assertions of this file, for the catalogue completeness test.
        pub(super) static ASSERTIONS: &[&$crate::ingest::validate::fr::Assertion] =
            &[$(&$name),*];
    };
}
pub(crate) use assertions;

/// Records the findings of the French layer.
pub(crate) struct FrSink<'s, 'f> {
    sink: &'s mut Sink<'f>,
}

impl FrSink<'_, '_> {
    /// Records that `assertion` failed on `at`.
    pub fn fail(&mut self, assertion: &'static Assertion, at: Node<'_>, message: &str) {
        self.sink.fail_with_term(
            assertion.rule,
            Some(assertion.term),
            at,
            format!("{}: {message}", assertion.id),
        );
    }

    /// Records `assertion` as failed on `at` unless `holds`.
    pub fn check(
        &mut self,
        assertion: &'static Assertion,
        holds: bool,
        at: Node<'_>,
        message: &str,
    ) {
        if !holds {
            self.fail(assertion, at, message);
        }
    }

    /// [`FrSink::check`] with a message built only when the assertion fails.
    pub fn check_with(
        &mut self,
        assertion: &'static Assertion,
        holds: bool,
        at: Node<'_>,
        message: impl FnOnce() -> String,
    ) {
        if !holds {
            self.fail(assertion, at, &message());
        }
    }
}

/// The official stylesheet would stop here with a dynamic error: which assertion, at
/// which node, and why.
#[derive(Debug)]
pub(crate) struct Abort {
    pub assertion: &'static str,
    pub location: String,
    pub reason: &'static str,
}

/// Where a single value is expected: the only node, none, or an [`Abort`] when there
/// are several (XPath functions on a sequence of two nodes raise an error).
pub(crate) fn single<'d>(
    mut nodes: impl Iterator<Item = Node<'d>>,
    assertion: &'static Assertion,
    reason: &'static str,
) -> Result<Option<Node<'d>>, Abort> {
    let first = nodes.next();
    match nodes.next() {
        None => Ok(first),
        Some(second) => Err(Abort {
            assertion: assertion.id,
            location: second.path(),
            reason,
        }),
    }
}

/// Runs the French layer on a UBL or CII document.
pub fn check(root: Node<'_>, syntax: Syntax, findings: &mut Vec<Finding>) {
    let mut own = Vec::new();
    let outcome = {
        let mut sink = Sink::new(&mut own);
        let mut fr = FrSink { sink: &mut sink };
        match syntax {
            Syntax::Ubl => ubl::check(root, &mut fr),
            Syntax::Cii => cii::check(root, &mut fr),
            Syntax::Cdar | Syntax::Unknown => Ok(()),
        }
    };
    match outcome {
        Ok(()) => findings.append(&mut own),
        Err(abort) => {
            let mut sink = Sink::new(findings);
            sink.fail_at(
                &rules::XSLT_ERROR,
                abort.location,
                format!(
                    "{}: {}; the official BR-FR stylesheet stops with a dynamic error here and gives no BR-FR verdict",
                    abort.assertion, abort.reason
                ),
            );
        }
    }
}

/// True when `node` is the last step of `path` and its ancestors are the earlier
/// steps, innermost last (a relative XPath pattern `a/b/c`, matching at any depth).
pub(crate) fn ends_with(node: Node<'_>, path: &[(Namespace, &str)]) -> bool {
    let mut current = Some(node);
    for (ns, local) in path.iter().rev() {
        match current {
            Some(n) if n.is(*ns, local) => current = n.parent(),
            _ => return false,
        }
    }
    true
}

/// Every child of `node` matching `{ns}local` with `@attr = value`.
pub(crate) fn children_with_attr<'d>(
    node: Node<'d>,
    ns: Namespace,
    local: &'static str,
    attr: &'static str,
    value: &'static str,
) -> impl Iterator<Item = Node<'d>> + use<'d> {
    node.children_named(ns, local)
        .filter(move |c| c.attr(attr) == Some(value))
}
