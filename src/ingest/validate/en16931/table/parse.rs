//! The parser of the table pattern language (described in the parent module): turns
//! the strings of a generated table into steps, patterns and contexts, interning
//! every exact name into a table symbol so matching compares integers.

use super::{Compiled, Context, Entry, FxMap, Pattern, Step, Test};
use crate::xml::Namespace;

/// The catalogue's abbreviations (§1.4). None is a prefix of another.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("$ROOT", "/ubl:Invoice | /cn:CreditNote"),
    (
        "$CTX",
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext",
    ),
    ("$DOC", "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument"),
    (
        "$LINE",
        "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem",
    ),
    (
        "$AGR",
        "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement",
    ),
    (
        "$DLV",
        "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeDelivery",
    ),
    (
        "$STL",
        "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement",
    ),
    (
        "$SUM",
        "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementHeaderMonetarySummation",
    ),
];

fn namespace(prefix: &str) -> Option<Namespace> {
    Some(match prefix {
        "ubl" => Namespace::UBL_INVOICE,
        "cn" => Namespace::UBL_CREDIT_NOTE,
        "cac" => Namespace::CAC,
        "cbc" => Namespace::CBC,
        "ext" => Namespace::EXT,
        "rsm" => Namespace::RSM,
        "ram" => Namespace::RAM,
        "udt" => Namespace::UDT,
        "qdt" => Namespace::QDT,
        _ => return None,
    })
}

/// The exact names of a table, numbered densely from 0.
#[derive(Default)]
pub(super) struct Symbols {
    pub(super) ids: FxMap<(Namespace, &'static str), u32>,
}

impl Symbols {
    fn intern(&mut self, ns: Namespace, local: &'static str) -> u32 {
        let next = u32::try_from(self.ids.len()).expect("fewer than 2^32 names");
        *self.ids.entry((ns, local)).or_insert(next)
    }

    fn test(&mut self, text: &'static str) -> Test {
        let (prefix, local) = text
            .split_once(':')
            .unwrap_or_else(|| panic!("rule table: step {text:?} has no prefix"));
        let ns = match prefix {
            "*" => None,
            p => Some(namespace(p).unwrap_or_else(|| panic!("rule table: unknown prefix {p:?}"))),
        };
        match (ns, local.strip_prefix('*')) {
            (ns, Some(suffix)) => Test::Suffix(ns, suffix),
            (Some(ns), None) => Test::Name(self.intern(ns, local)),
            (None, None) => panic!("rule table: {text:?} needs a namespace"),
        }
    }

    fn step(&mut self, text: &'static str) -> Step {
        match text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
            Some(alternatives) => alternatives.split('|').map(|t| self.test(t)).collect(),
            None => vec![self.test(text)],
        }
    }

    /// `/a/b` (absolute), `//a/b` or `a/b` (any depth).
    fn pattern(&mut self, text: &'static str) -> Pattern {
        let text = text.trim();
        let (absolute, rest) = if let Some(rest) = text.strip_prefix("//") {
            (false, rest)
        } else if let Some(rest) = text.strip_prefix('/') {
            (true, rest)
        } else {
            (false, text)
        };
        Pattern {
            absolute,
            steps: split(rest, '/').into_iter().map(|s| self.step(s)).collect(),
        }
    }

    fn context(&mut self, text: &'static str) -> Context {
        let text = expand(text);
        let (any, except) = match text.split_once(" except ") {
            Some((any, except)) => (any, Some(except.trim())),
            None => (text, None),
        };
        let except = except.map(|e| {
            e.strip_prefix('(')
                .and_then(|e| e.strip_suffix(')'))
                .unwrap_or(e)
        });
        Context {
            any: split(any, '|')
                .into_iter()
                .map(|p| self.pattern(p))
                .collect(),
            except: except
                .map(|e| split(e, '|').into_iter().map(|p| self.pattern(p)).collect())
                .unwrap_or_default(),
        }
    }

    /// A table row in evaluable form.
    pub(super) fn row(&mut self, entry: &'static Entry) -> Compiled {
        let (from_root, path) = match entry.path.strip_prefix("//") {
            Some(rest) => (true, rest),
            None => (false, entry.path),
        };
        let mut steps = split(path, '/');
        let attr = match steps.last().and_then(|s| s.strip_prefix('@')) {
            Some(attr) => {
                steps.pop();
                Some(attr)
            }
            None => None,
        };
        assert!(
            !(steps.is_empty() && attr.is_none()),
            "rule table: {} has an empty path",
            entry.rule.id
        );
        Compiled {
            entry,
            context: self.context(entry.context),
            // Numbered by `Table::compile`, which sees every row.
            context_id: 0,
            from_root,
            steps: steps.into_iter().map(|s| self.step(s)).collect(),
            attr,
        }
    }
}

/// Splits on `separator` outside parentheses.
fn split(text: &'static str, separator: char) -> Vec<&'static str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if c == separator && depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// Expands the catalogue's abbreviations. The expansion is leaked once per table row
/// when the table is compiled: the compiled table lives for the whole process.
fn expand(text: &'static str) -> &'static str {
    if !text.contains('$') {
        return text;
    }
    let mut out = text.to_string();
    for (abbreviation, path) in ABBREVIATIONS {
        out = out.replace(abbreviation, path);
    }
    Box::leak(out.into_boxed_str())
}
