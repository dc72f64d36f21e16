//! The interpreter of the syntax-binding rule tables (`{ubl,cii}/syntax_table.rs`).
//!
//! About 1 100 official rules say only "element X under P should not be used", "at
//! most one X", "exactly one X" or "X shall be present". They are data: a context
//! pattern, a path from the context, and a kind. This module compiles a table once
//! and evaluates all of it in one walk over the document: rules are indexed by the
//! name of the element they look at, and on each element only the candidates with
//! that name check their full path by climbing the parents.
//!
//! # Pattern language
//!
//! - A step is `prefix:local`, `prefix:*Suffix` (any local name ending with
//!   `Suffix`), `*:*Suffix` (any namespace) or `(step|step)` (alternatives).
//! - A context is one or more patterns joined by `|`, optionally followed by
//!   `except (patterns)`: nodes an earlier rule of the same official pattern takes
//!   first (ISO Schematron first-match-wins) are excepted that way. A pattern
//!   starting with `/` is absolute; one starting with `//` or a name matches at any
//!   depth, as an XSLT match pattern does. The catalogue's abbreviations (`$ROOT`,
//!   `$CTX`, `$DOC`, `$LINE`, `$AGR`, `$DLV`, `$STL`, `$SUM`) are expanded.
//! - A path is child steps from the context node, optionally starting with `//`
//!   (anywhere in the document; the official tests use it only from the root) and
//!   optionally ending with `@name` (a namespace-less attribute on the last element,
//!   or on the context node itself when the path is only `@name`).
//!
//! # Semantics
//!
//! As in the official SVRL output, a rule is reported once per context node that
//! violates it: `Absent` when the path selects anything, `AtMostOne` when it selects
//! two or more nodes, `ExactlyOne` when it does not select exactly one, `Required`
//! when it selects nothing. Presence is XPath's: an empty element or attribute counts.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

/// What a table rule requires of the nodes its path selects from one context node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Absent,
    AtMostOne,
    ExactlyOne,
    Required,
}

/// One row of a rule table, as written in the generated file.
pub struct Entry {
    pub rule: &'static Rule,
    pub kind: Kind,
    pub context: &'static str,
    pub path: &'static str,
}

/// Declares a table: `NAME = "ID", Fatal|Warning, Kind, "context", "path";`. Defines
/// one `Rule` static per row, `RULES` for the registry and `TABLE` for [`Table`].
macro_rules! structure_rules {
    ($($name:ident = $id:literal, $severity:ident, $kind:ident, $ctx:literal, $path:literal;)*) => {
        $(
            pub static $name: $crate::ingest::validate::Rule = $crate::ingest::validate::Rule {
                id: $id,
                severity: $crate::ingest::report::Severity::$severity,
                terms: &[],
                description: $crate::ingest::validate::en16931::table::describe!($kind, $ctx, $path),
            };
        )*
        /// The rules of this table, in table order.
        pub static RULES: &[&$crate::ingest::validate::Rule] = &[$(&$name),*];
        /// The rows of this table, for the table interpreter.
        pub static TABLE: &[$crate::ingest::validate::en16931::table::Entry] = &[$(
            $crate::ingest::validate::en16931::table::Entry {
                rule: &$name,
                kind: $crate::ingest::validate::en16931::table::Kind::$kind,
                context: $ctx,
                path: $path,
            }
        ),*];
    };
}
pub(crate) use structure_rules;

/// The one-line description of a table rule, from its kind, context and path.
macro_rules! describe {
    (Absent, $ctx:literal, $path:literal) => {
        concat!(
            $path,
            " is not used by EN 16931 and should be absent (in ",
            $ctx,
            ")"
        )
    };
    (AtMostOne, $ctx:literal, $path:literal) => {
        concat!($path, " shall occur at most once (in ", $ctx, ")")
    };
    (ExactlyOne, $ctx:literal, $path:literal) => {
        concat!($path, " shall occur exactly once (in ", $ctx, ")")
    };
    (Required, $ctx:literal, $path:literal) => {
        concat!($path, " shall be present (in ", $ctx, ")")
    };
}
pub(crate) use describe;

/// The catalogue's abbreviations (§1.4), longest first so `$DOC` is not read in `$DOCX`.
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

#[derive(Clone, Copy, Debug)]
enum Local {
    Exact(&'static str),
    Suffix(&'static str),
}

/// One name test: a namespace (`None` = any) and a local name.
#[derive(Clone, Copy, Debug)]
struct Test {
    ns: Option<Namespace>,
    local: Local,
}

impl Test {
    fn matches(&self, node: Node<'_>) -> bool {
        let q = node.qname();
        self.ns.is_none_or(|ns| ns == q.ns)
            && match self.local {
                Local::Exact(l) => *q.local == *l,
                Local::Suffix(s) => q.local.ends_with(s),
            }
    }
}

/// A location step: alternative name tests.
type Step = Vec<Test>;

fn step_matches(step: &Step, node: Node<'_>) -> bool {
    step.iter().any(|t| t.matches(node))
}

#[derive(Debug)]
struct Pattern {
    absolute: bool,
    steps: Vec<Step>,
}

impl Pattern {
    fn matches(&self, node: Node<'_>) -> bool {
        let mut cur = Some(node);
        for step in self.steps.iter().rev() {
            match cur {
                Some(n) if step_matches(step, n) => cur = n.parent(),
                _ => return false,
            }
        }
        !self.absolute || cur.is_none()
    }
}

#[derive(Debug)]
struct Context {
    any: Vec<Pattern>,
    except: Vec<Pattern>,
}

impl Context {
    fn matches(&self, node: Node<'_>) -> bool {
        self.any.iter().any(|p| p.matches(node)) && !self.except.iter().any(|p| p.matches(node))
    }
}

/// A table row in evaluable form.
struct Compiled {
    entry: &'static Entry,
    context: Context,
    /// The path starts with `//`: its first step may be anywhere, the context is the root.
    from_root: bool,
    steps: Vec<Step>,
    attr: Option<&'static str>,
}

impl Compiled {
    /// The context node for which `node` is selected by this row's path, if any.
    fn context_of<'d>(&self, node: Node<'d>) -> Option<Node<'d>> {
        if let Some(attr) = self.attr
            && node.attr(attr).is_none()
        {
            return None;
        }
        let mut cur = node;
        for (i, step) in self.steps.iter().enumerate().rev() {
            if !step_matches(step, cur) {
                return None;
            }
            if i > 0 {
                cur = cur.parent()?;
            }
        }
        let context = if self.from_root {
            node.document().root()
        } else if self.steps.is_empty() {
            node
        } else {
            cur.parent()?
        };
        self.context.matches(context).then_some(context)
    }

    /// The name tests of the element this row's path ends on.
    fn target_tests(&self) -> Vec<Test> {
        match self.steps.last() {
            Some(step) => step.clone(),
            None => self.context_tests(),
        }
    }

    /// The name tests of the context node.
    fn context_tests(&self) -> Vec<Test> {
        self.context
            .any
            .iter()
            .filter_map(|p| p.steps.last())
            .flatten()
            .copied()
            .collect()
    }
}

fn parse_test(text: &'static str) -> Test {
    let (prefix, local) = text
        .split_once(':')
        .unwrap_or_else(|| panic!("rule table: step {text:?} has no prefix"));
    let ns = match prefix {
        "*" => None,
        p => Some(namespace(p).unwrap_or_else(|| panic!("rule table: unknown prefix {p:?}"))),
    };
    let local = match local.strip_prefix('*') {
        Some(suffix) => Local::Suffix(suffix),
        None => Local::Exact(local),
    };
    Test { ns, local }
}

fn parse_step(text: &'static str) -> Step {
    match text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        Some(alternatives) => alternatives.split('|').map(parse_test).collect(),
        None => vec![parse_test(text)],
    }
}

/// Parses `/a/b`, `//a/b` or `a/b` into a pattern (steps without the leading slashes).
fn parse_pattern(text: &'static str) -> Pattern {
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
        steps: split_steps(rest).into_iter().map(parse_step).collect(),
    }
}

/// Splits on `/` outside parentheses.
fn split_steps(text: &'static str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '/' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// Splits a union on `|` outside parentheses.
fn split_union(text: &'static str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => {
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
/// at compile time: the compiled table lives for the whole process.
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

fn parse_context(text: &'static str) -> Context {
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
        any: split_union(any).into_iter().map(parse_pattern).collect(),
        except: except
            .map(|e| split_union(e).into_iter().map(parse_pattern).collect())
            .unwrap_or_default(),
    }
}

fn compile_entry(entry: &'static Entry) -> Compiled {
    let (from_root, path) = match entry.path.strip_prefix("//") {
        Some(rest) => (true, rest),
        None => (false, entry.path),
    };
    let mut steps = split_steps(path);
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
        context: parse_context(entry.context),
        from_root,
        steps: steps.into_iter().map(parse_step).collect(),
        attr,
    }
}

/// FNV-1a: the name index is hashed once per distinct name of a document, with short
/// keys, where SipHash's setup cost dominates.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// Why an element is a candidate of a row: it may be selected by the path (and be
/// counted), or be a context node that must be known even when nothing is selected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Target,
    Context,
}

#[derive(Clone, Copy, Debug)]
struct Candidate {
    row: u32,
    role: Role,
}

/// A compiled rule table.
pub struct Table {
    rows: Vec<Compiled>,
    exact: FnvMap<(Namespace, &'static str), Vec<Candidate>>,
    wildcard: Vec<(Test, Candidate)>,
}

impl Table {
    /// Compiles the rows of a generated table. Panics on a malformed row: the table is
    /// static data, and the unit tests compile every table.
    pub fn compile(entries: &'static [Entry]) -> Table {
        let rows: Vec<Compiled> = entries.iter().map(compile_entry).collect();
        let mut table = Table {
            rows: Vec::new(),
            exact: FnvMap::default(),
            wildcard: Vec::new(),
        };
        for (i, row) in rows.iter().enumerate() {
            let row_index = u32::try_from(i).expect("rule table has fewer than 2^32 rows");
            let mut roles = vec![(Role::Target, row.target_tests())];
            if matches!(row.entry.kind, Kind::ExactlyOne | Kind::Required) {
                roles.push((Role::Context, row.context_tests()));
            }
            for (role, tests) in roles {
                for test in tests {
                    let candidate = Candidate {
                        row: row_index,
                        role,
                    };
                    match (test.ns, test.local) {
                        (Some(ns), Local::Exact(local)) => {
                            table.exact.entry((ns, local)).or_default().push(candidate)
                        }
                        _ => table.wildcard.push((test, candidate)),
                    }
                }
            }
        }
        table.rows = rows;
        table
    }

    /// Starts the evaluation of the table on one document.
    pub fn start(&self) -> Run<'_> {
        Run {
            table: self,
            by_name: Vec::new(),
            candidates: Vec::new(),
            hits: FnvMap::default(),
        }
    }
}

/// Not yet computed, in [`Run::by_name`].
const UNKNOWN: (u32, u32) = (u32::MAX, 0);

/// The evaluation of a table on one document: feed every element to [`Run::visit`]
/// in any order, then call [`Run::finish`].
pub struct Run<'t> {
    table: &'t Table,
    /// Per name id of the document: the range of its candidates in `candidates`.
    by_name: Vec<(u32, u32)>,
    candidates: Vec<Candidate>,
    /// (row, context node index) -> number of nodes the path selects there.
    hits: FnvMap<(u32, u32), u32>,
}

impl Run<'_> {
    /// The candidate rows of an element, computed once per distinct name.
    fn candidates_of(&mut self, node: Node<'_>) -> (usize, usize) {
        let id = node.name_id().0 as usize;
        if self.by_name.len() <= id {
            self.by_name.resize(id + 1, UNKNOWN);
        }
        if self.by_name[id] == UNKNOWN {
            let start = self.candidates.len();
            let q = node.qname();
            if let Some(found) = self.table.exact.get(&(q.ns, &*q.local)) {
                self.candidates.extend_from_slice(found);
            }
            for (test, candidate) in &self.table.wildcard {
                if test.matches(node) {
                    self.candidates.push(*candidate);
                }
            }
            // Both fit: a document has fewer than 2^32 elements and names.
            self.by_name[id] = (start as u32, (self.candidates.len() - start) as u32);
        }
        let (start, len) = self.by_name[id];
        (start as usize, len as usize)
    }

    /// Evaluates the rows whose path may end on `node`.
    pub fn visit(&mut self, node: Node<'_>) {
        let (start, len) = self.candidates_of(node);
        for k in start..start + len {
            let candidate = self.candidates[k];
            let row = &self.table.rows[candidate.row as usize];
            match candidate.role {
                Role::Target => {
                    if let Some(context) = row.context_of(node) {
                        *self
                            .hits
                            .entry((candidate.row, context.index() as u32))
                            .or_insert(0) += 1;
                    }
                }
                Role::Context => {
                    if row.context.matches(node) {
                        self.hits
                            .entry((candidate.row, node.index() as u32))
                            .or_insert(0);
                    }
                }
            }
        }
    }

    /// Reports every violation, in document order of the context nodes.
    pub fn finish(self, root: Node<'_>, sink: &mut Sink<'_>) {
        let mut hits: Vec<((u32, u32), u32)> = self.hits.into_iter().collect();
        hits.sort_unstable_by_key(|&((row, node), _)| (node, row));
        let document = root.document();
        for ((row, node), count) in hits {
            let row = &self.table.rows[row as usize];
            let path = row.entry.path;
            let message = match row.entry.kind {
                Kind::Absent if count > 0 => format!("{path} is present but not used by EN 16931"),
                Kind::AtMostOne if count > 1 => {
                    format!("{path} occurs {count} times, at most once allowed")
                }
                Kind::ExactlyOne if count != 1 => {
                    format!("{path} occurs {count} times, exactly once required")
                }
                Kind::Required if count == 0 => format!("{path} is missing"),
                _ => continue,
            };
            sink.fail(row.entry.rule, document.node(node as usize), message);
        }
    }
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
