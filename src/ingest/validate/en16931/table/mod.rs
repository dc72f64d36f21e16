//! The interpreter of the syntax-binding rule tables (`{ubl,cii}/syntax_table.rs`).
//!
//! About 1 100 official rules say only "element X under P should not be used", "at
//! most one X", "exactly one X" or "X shall be present". They are data: a context
//! pattern, a path from the context, and a kind. This module compiles a table once
//! and evaluates all of it in one walk over the document: rules are indexed by the
//! name of the element they look at and, where the row fixes it, the name of its
//! parent; on each element only those candidates check their full path by climbing
//! the parents. Names are interned into integers once per table and once per
//! document name, so path checks compare integers, not strings.
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

mod parse;

use parse::Symbols;

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

/// One name test. Exact names are interned into table symbols at compile time, so a
/// test is an integer comparison; suffix tests (`ram:*ID`) compare strings.
#[derive(Clone, Copy, Debug)]
enum Test {
    Name(u32),
    Suffix(Option<Namespace>, &'static str),
}

impl Test {
    fn matches(&self, node: Node<'_>, names: &mut Resolver<'_>) -> bool {
        match *self {
            Test::Name(symbol) => names.symbol(node) == symbol,
            Test::Suffix(ns, suffix) => {
                let q = node.qname();
                ns.is_none_or(|ns| ns == q.ns) && q.local.ends_with(suffix)
            }
        }
    }
}

/// A location step: alternative name tests.
type Step = Vec<Test>;

fn step_matches(step: &Step, node: Node<'_>, names: &mut Resolver<'_>) -> bool {
    step.iter().any(|t| t.matches(node, names))
}

#[derive(Debug)]
struct Pattern {
    absolute: bool,
    steps: Vec<Step>,
}

impl Pattern {
    fn matches(&self, node: Node<'_>, names: &mut Resolver<'_>) -> bool {
        let mut cur = Some(node);
        for step in self.steps.iter().rev() {
            match cur {
                Some(n) if step_matches(step, n, names) => cur = n.parent(),
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
    fn matches(&self, node: Node<'_>, names: &mut Resolver<'_>) -> bool {
        self.any.iter().any(|p| p.matches(node, names))
            && !self.except.iter().any(|p| p.matches(node, names))
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
    fn context_of<'d>(&self, node: Node<'d>, names: &mut Resolver<'_>) -> Option<Node<'d>> {
        if let Some(attr) = self.attr
            && node.attr(attr).is_none()
        {
            return None;
        }
        let mut cur = node;
        for (i, step) in self.steps.iter().enumerate().rev() {
            if !step_matches(step, cur, names) {
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
        self.context.matches(context, names).then_some(context)
    }

    /// The name tests of the element this row's path ends on.
    fn target_tests(&self) -> Vec<Test> {
        match self.steps.last() {
            Some(step) => step.clone(),
            None => self.context_tests(),
        }
    }

    /// The exact names the parent of the target element must have, when the row
    /// fixes them (the step before the last, or the context's last step); `None` when
    /// the parent may be anything the index cannot name.
    fn parent_symbols(&self) -> Option<Vec<u32>> {
        let tests: Vec<Test> = match self.steps.len() {
            // An attribute of the context node: its parent is the step before the
            // context's last, in every alternative.
            0 => {
                let mut tests = Vec::new();
                for pattern in &self.context.any {
                    match pattern.steps.len() {
                        0 | 1 => return None,
                        n => tests.extend_from_slice(&pattern.steps[n - 2]),
                    }
                }
                tests
            }
            1 if self.from_root => return None,
            1 => self.context_tests(),
            n => self.steps[n - 2].clone(),
        };
        tests
            .into_iter()
            .map(|t| match t {
                Test::Name(symbol) => Some(symbol),
                Test::Suffix(..) => None,
            })
            .collect()
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

/// A word-at-a-time multiplicative hash (as rustc's FxHash): the name index is
/// looked up once per distinct name of every document, with short string keys, where
/// SipHash's setup and byte-wise FNV both cost more than the lookup itself.
#[derive(Default)]
struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut word = [0u8; 8];
        let rest = chunks.remainder();
        word[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(word) ^ rest.len() as u64);
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

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

/// The rows whose path may end on an element of one name. Most rows also fix the
/// name of its parent: indexing on it leaves one or two candidates per element where
/// the name alone (`cbc:ID`) would give thirty.
#[derive(Clone, Default)]
struct Bucket {
    any_parent: Vec<Candidate>,
    by_parent: Vec<(u32, Vec<Candidate>)>,
}

impl Bucket {
    fn add(&mut self, parents: Option<&[u32]>, candidate: Candidate) {
        match parents {
            None => self.any_parent.push(candidate),
            Some(parents) => {
                for parent in parents {
                    match self.by_parent.iter_mut().find(|(p, _)| p == parent) {
                        Some((_, list)) => list.push(candidate),
                        None => self.by_parent.push((*parent, vec![candidate])),
                    }
                }
            }
        }
    }

    /// The candidates of an element whose parent has symbol `parent`.
    fn under(&self, parent: u32) -> &[Candidate] {
        self.by_parent
            .iter()
            .find(|(p, _)| *p == parent)
            .map_or(&[], |(_, list)| list.as_slice())
    }
}

/// A compiled rule table.
pub struct Table {
    rows: Vec<Compiled>,
    symbols: Symbols,
    /// Per symbol, the rows whose path may end on an element of that name.
    by_symbol: Vec<Bucket>,
    wildcard: Vec<(Test, Candidate)>,
}

impl Table {
    /// Compiles the rows of a generated table. Panics on a malformed row: the table is
    /// static data, and the unit tests compile every table.
    pub fn compile(entries: &'static [Entry]) -> Table {
        let mut symbols = Symbols::default();
        let rows: Vec<Compiled> = entries.iter().map(|e| symbols.row(e)).collect();
        let mut by_symbol = vec![Bucket::default(); symbols.ids.len()];
        let mut wildcard = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let row_index = u32::try_from(i).expect("rule table has fewer than 2^32 rows");
            let mut roles = vec![(Role::Target, row.target_tests(), row.parent_symbols())];
            if matches!(row.entry.kind, Kind::ExactlyOne | Kind::Required) {
                roles.push((Role::Context, row.context_tests(), None));
            }
            for (role, tests, parents) in roles {
                for test in tests {
                    let candidate = Candidate {
                        row: row_index,
                        role,
                    };
                    match test {
                        Test::Name(symbol) => {
                            by_symbol[symbol as usize].add(parents.as_deref(), candidate)
                        }
                        Test::Suffix(..) => wildcard.push((test, candidate)),
                    }
                }
            }
        }
        Table {
            rows,
            symbols,
            by_symbol,
            wildcard,
        }
    }

    /// Starts the evaluation of the table on one document.
    pub fn start(&self) -> Run<'_> {
        Run {
            table: self,
            names: Resolver {
                symbols: &self.symbols,
                by_name: Vec::new(),
            },
            by_name: Vec::new(),
            candidates: Vec::new(),
            hits: Vec::new(),
        }
    }
}

/// Not yet looked up, in the per-name caches of a run.
const UNKNOWN: u32 = u32::MAX;
/// A document name that no exact test of the table mentions.
const NO_SYMBOL: u32 = u32::MAX - 1;
/// The "parent" of the root element.
const NO_PARENT: u32 = u32::MAX - 2;

/// Maps the name ids of one document to table symbols, each looked up once.
struct Resolver<'t> {
    symbols: &'t Symbols,
    by_name: Vec<u32>,
}

impl Resolver<'_> {
    #[inline]
    fn symbol(&mut self, node: Node<'_>) -> u32 {
        let id = node.name_id().0 as usize;
        match self.by_name.get(id) {
            Some(&symbol) if symbol != UNKNOWN => symbol,
            _ => self.resolve(node, id),
        }
    }

    #[cold]
    fn resolve(&mut self, node: Node<'_>, id: usize) -> u32 {
        if self.by_name.len() <= id {
            // Name ids are dense and small: grow in steps, not one name at a time.
            self.by_name.resize((id + 1).max(256), UNKNOWN);
        }
        let q = node.qname();
        let symbol = self
            .symbols
            .ids
            .get(&(q.ns, &*q.local))
            .copied()
            .unwrap_or(NO_SYMBOL);
        self.by_name[id] = symbol;
        symbol
    }
}

/// The evaluation of a table on one document: feed every element to [`Run::visit`],
/// then call [`Run::finish`].
pub struct Run<'t> {
    table: &'t Table,
    names: Resolver<'t>,
    /// Per name id of the document: the range of its candidates in `candidates`.
    by_name: Vec<(u32, u32)>,
    candidates: Vec<Candidate>,
    /// (context node index, row, counted): one entry per selected node, and one
    /// uncounted entry per context node of the rows that must know their contexts.
    /// Sorted and grouped at the end: cheaper than a map for the few entries a
    /// document produces.
    hits: Vec<(u32, u32, bool)>,
}

impl Run<'_> {
    /// The candidate rows of an element, computed once per distinct name.
    fn candidates_of(&mut self, node: Node<'_>, symbol: u32) -> (usize, usize) {
        let id = node.name_id().0 as usize;
        if self.by_name.len() <= id {
            self.by_name.resize((id + 1).max(256), (UNKNOWN, 0));
        }
        if self.by_name[id].0 == UNKNOWN {
            let start = self.candidates.len();
            if let Some(bucket) = self.table.by_symbol.get(symbol as usize) {
                self.candidates.extend_from_slice(&bucket.any_parent);
            }
            for (test, candidate) in &self.table.wildcard {
                if test.matches(node, &mut self.names) {
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
        let symbol = self.names.symbol(node);
        let (start, len) = self.candidates_of(node, symbol);
        for k in start..start + len {
            let candidate = self.candidates[k];
            self.evaluate(candidate, node);
        }
        let table = self.table;
        if let Some(bucket) = table.by_symbol.get(symbol as usize)
            && !bucket.by_parent.is_empty()
        {
            let parent = node.parent().map_or(NO_PARENT, |p| self.names.symbol(p));
            for candidate in bucket.under(parent) {
                self.evaluate(*candidate, node);
            }
        }
    }

    /// Counts `node` for one candidate row, or registers it as a context node.
    fn evaluate(&mut self, candidate: Candidate, node: Node<'_>) {
        let row = &self.table.rows[candidate.row as usize];
        let context = match candidate.role {
            Role::Target => row.context_of(node, &mut self.names),
            Role::Context => row.context.matches(node, &mut self.names).then_some(node),
        };
        if let Some(context) = context {
            let counted = candidate.role == Role::Target;
            self.hits
                .push((context.index() as u32, candidate.row, counted));
        }
    }

    /// Reports every violation, in document order of the context nodes.
    pub fn finish(mut self, root: Node<'_>, sink: &mut Sink<'_>) {
        self.hits.sort_unstable();
        let document = root.document();
        for group in self.hits.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let (node, row, _) = group[0];
            let count = group.iter().filter(|h| h.2).count();
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
mod tests;
