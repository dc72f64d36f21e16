//! The interpreter of the syntax-binding rule tables (`{ubl,cii}/syntax_table.rs`).
//!
//! About 1 100 official rules say only "element X under P should not be used", "at
//! most one X", "exactly one X" or "X shall be present". They are data: a context
//! pattern, a path from the context, and a kind. This module compiles a table once
//! and evaluates all of it in one walk over the document: rules are indexed by the
//! name of the element they look at and, where the row fixes it, the name of its
//! parent. Per document, each distinct pair (element name, parent name) gets its
//! candidate rows once, less those the two names already rule out; on each element
//! only those candidates check their full path by climbing the parents. Names are
//! interned into integers once per table and once per document name, so path checks
//! compare integers, not strings; a context node is tested once per distinct context,
//! and each row counts its selections per context node in place, so the end of the
//! walk only judges counts.
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

impl Test {
    /// The test on a name of the table itself (`symbol` is its number).
    fn matches_name(&self, ns: Namespace, local: &str, symbol: u32) -> bool {
        match *self {
            Test::Name(s) => s == symbol,
            Test::Suffix(test_ns, suffix) => {
                test_ns.is_none_or(|t| t == ns) && local.ends_with(suffix)
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

impl Pattern {
    /// False when the names of `node` and its parent already rule out a match:
    /// the last two steps, and an absolute one-step pattern's root.
    fn may_match(
        &self,
        node: Node<'_>,
        parent: Option<Node<'_>>,
        names: &mut Resolver<'_>,
    ) -> bool {
        let n = self.steps.len();
        if n == 0 {
            return true;
        }
        if !step_matches(&self.steps[n - 1], node, names) {
            return false;
        }
        match parent {
            None => n == 1,
            Some(p) if n >= 2 => step_matches(&self.steps[n - 2], p, names),
            Some(_) => !self.absolute,
        }
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

    /// A necessary condition of [`Context::matches`] on the names of `node` and its
    /// parent only (exceptions can only remove matches).
    fn may_match(
        &self,
        node: Node<'_>,
        parent: Option<Node<'_>>,
        names: &mut Resolver<'_>,
    ) -> bool {
        self.any.iter().any(|p| p.may_match(node, parent, names))
    }

    /// Some alternative's last step matches `node`.
    fn last_step_matches(&self, node: Node<'_>, names: &mut Resolver<'_>) -> bool {
        self.any.iter().any(|p| {
            p.steps
                .last()
                .is_none_or(|step| step_matches(step, node, names))
        })
    }
}

/// A table row in evaluable form.
struct Compiled {
    entry: &'static Entry,
    context: Context,
    /// Rows with the same context text share this id, so a run tests each context
    /// node against each distinct context once, not once per row and selected node.
    context_id: u32,
    /// The path starts with `//`: its first step may be anywhere, the context is the root.
    from_root: bool,
    steps: Vec<Step>,
    attr: Option<&'static str>,
}

impl Compiled {
    /// The node that is this row's context for `node` if `node` is selected by the
    /// row's path: the caller still tests it against the context patterns.
    fn context_candidate<'d>(&self, node: Node<'d>, names: &mut Resolver<'_>) -> Option<Node<'d>> {
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
        if self.from_root {
            Some(node.document().root())
        } else if self.steps.is_empty() {
            Some(node)
        } else {
            cur.parent()
        }
    }

    /// False when the names of `node` and its parent already rule out that this row
    /// selects `node` (`Target`) or takes it as its context (`Context`): a
    /// necessary test of [`Compiled::context_candidate`] followed by the context
    /// test, run once per distinct pair of names.
    fn may_apply(
        &self,
        role: Role,
        node: Node<'_>,
        parent: Option<Node<'_>>,
        names: &mut Resolver<'_>,
    ) -> bool {
        if role == Role::Context {
            return self.context.may_match(node, parent, names);
        }
        if self.from_root {
            // The context is the root whatever the parent is.
            return true;
        }
        let n = self.steps.len();
        if n > 0 && !step_matches(&self.steps[n - 1], node, names) {
            return false;
        }
        match (n, parent) {
            // An attribute of the context node: `node` is the context.
            (0, _) => self.context.may_match(node, parent, names),
            // The parent is the context.
            (1, Some(p)) => self.context.last_step_matches(p, names),
            (_, Some(p)) => step_matches(&self.steps[n - 2], p, names),
            (_, None) => false,
        }
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
    /// The suffix-test candidates this name matches, found once at compile time.
    wildcard: Vec<Candidate>,
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
    /// The candidates of suffix tests (`ram:*ID`), grouped by test, for the document
    /// names the table does not know: each distinct suffix is tested once per such
    /// name (the names it knows have theirs in their bucket).
    suffixes: Vec<(Test, Vec<Candidate>)>,
    /// The number of distinct contexts (`Compiled::context_id`).
    contexts: usize,
}

impl Table {
    /// Compiles the rows of a generated table. Panics on a malformed row: the table is
    /// static data, and the unit tests compile every table.
    pub fn compile(entries: &'static [Entry]) -> Table {
        let mut symbols = Symbols::default();
        let mut rows: Vec<Compiled> = entries.iter().map(|e| symbols.row(e)).collect();
        let mut context_ids: FxMap<&'static str, u32> = FxMap::default();
        for row in &mut rows {
            let next = u32::try_from(context_ids.len()).expect("fewer than 2^32 contexts");
            row.context_id = *context_ids.entry(row.entry.context).or_insert(next);
        }
        let contexts = context_ids.len();
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
        for (&(ns, local), &symbol) in &symbols.ids {
            by_symbol[symbol as usize].wildcard = wildcard
                .iter()
                .filter(|(test, _)| test.matches_name(ns, local, symbol))
                .map(|(_, candidate)| *candidate)
                .collect();
        }
        let mut suffixes: Vec<(Test, Vec<Candidate>)> = Vec::new();
        for (test, candidate) in &wildcard {
            let Test::Suffix(ns, suffix) = *test else {
                continue;
            };
            let same = |t: &Test| matches!(*t, Test::Suffix(n, s) if n == ns && s == suffix);
            match suffixes.iter_mut().find(|(t, _)| same(t)) {
                Some((_, list)) => list.push(*candidate),
                None => suffixes.push((*test, vec![*candidate])),
            }
        }
        Table {
            rows,
            symbols,
            by_symbol,
            suffixes,
            contexts,
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
            name_candidates: Vec::new(),
            pairs: Vec::new(),
            candidates: Vec::new(),
            scratch: Vec::new(),
            // Zeroed memory (no node tested, no group open) costs no fill: these are
            // allocated for every document, however small.
            context_memo: vec![0; self.contexts],
            open_of_row: vec![0; self.rows.len()],
            open: Vec::new(),
            groups: Vec::new(),
            interleaved: false,
        }
    }
}

/// The nodes one row selected from one context node, counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Group {
    context: u32,
    row: u32,
    count: u32,
}

/// The candidates of the elements of one name under a parent of one name, in
/// `Run::candidates`; the pairs of one element name form a list through `next`.
#[derive(Clone, Copy, Debug)]
struct Pair {
    parent: u32,
    start: u32,
    len: u32,
    next: u32,
}

/// The per-name index entry of a run.
#[derive(Clone, Copy, Debug)]
struct NameEntry {
    /// The name's candidates in `Run::name_candidates` (`UNKNOWN` start: not yet).
    start: u32,
    len: u32,
    /// The first of its pairs in `Run::pairs`, or `NO_PAIR`.
    pairs: u32,
}

const NO_PAIR: u32 = u32::MAX;

/// Not yet looked up, in the per-name caches of a run.
const UNKNOWN: u32 = u32::MAX;
/// A document name that no exact test of the table mentions.
const NO_SYMBOL: u32 = u32::MAX - 1;
/// The "parent" of the root element.
const NO_PARENT: u32 = u32::MAX - 2;
/// The parent name id of the root element (name ids are dense from 0).
const NO_PARENT_NAME: u32 = u32::MAX;

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
    /// Per name id of the document: its candidates whatever the parent, and the
    /// parent names met so far.
    by_name: Vec<NameEntry>,
    name_candidates: Vec<Candidate>,
    /// Per pair of name ids (element, parent) met: the range of their candidates in
    /// `candidates`. An element name has one parent name or a few, so a short list
    /// per name beats hashing the pair on every element.
    pairs: Vec<Pair>,
    /// The candidates of the pair being indexed.
    scratch: Vec<Candidate>,
    candidates: Vec<Candidate>,
    /// Per context id: the last node tested against that context (index + 1, 0 for
    /// none) shifted left once, or-ed with the answer. Sibling targets share their
    /// context node, so most tests are answered here.
    context_memo: Vec<u64>,
    /// Per row: 1 + its group being counted in `open`, 0 before its first one.
    open_of_row: Vec<u32>,
    /// The group being counted of each row met so far. A row's selected nodes
    /// arrive in document order, and those of one context node almost always
    /// arrive together, so a group is counted in place and closed when the next
    /// context node shows up: no per-hit entry to sort at the end.
    open: Vec<Group>,
    /// The closed groups, in closing order.
    groups: Vec<Group>,
    /// Some row came back to a context node earlier than one it had already left
    /// (nested contexts of one row: `//X` inside an `X`), so a group may have
    /// been closed in parts: `finish` then merges the parts before judging.
    interleaved: bool,
}

impl Run<'_> {
    /// Evaluates the rows that may select `node` or take it as context.
    pub fn visit(&mut self, node: Node<'_>) {
        let parent = node.parent();
        let parent_name = parent.map_or(NO_PARENT_NAME, |p| p.name_id().0);
        let (start, len) = match self.find_pair(node.name_id().0, parent_name) {
            Some(pair) => (pair.start, pair.len),
            None => self.index_names(parent_name, node, parent),
        };
        for k in start..start + len {
            let candidate = self.candidates[k as usize];
            self.evaluate(candidate, node);
        }
    }

    /// The candidates of every element named as `node` under a parent named as
    /// `parent`: the rows the table index gives for the name and the parent's exact
    /// name, less those the two names already rule out. Done once per distinct pair
    /// of names of the document.
    #[cold]
    fn index_names(
        &mut self,
        parent_name: u32,
        node: Node<'_>,
        parent: Option<Node<'_>>,
    ) -> (u32, u32) {
        let table = self.table;
        let (start, len) = self.candidates_of_name(node);
        let mut found = std::mem::take(&mut self.scratch);
        found.clear();
        for k in start..start + len {
            let candidate = self.name_candidates[k as usize];
            if table.rows[candidate.row as usize].may_apply(
                candidate.role,
                node,
                parent,
                &mut self.names,
            ) {
                found.push(candidate);
            }
        }
        let symbol = self.names.symbol(node);
        if let Some(bucket) = table.by_symbol.get(symbol as usize)
            && !bucket.by_parent.is_empty()
        {
            let parent_symbol = parent.map_or(NO_PARENT, |p| self.names.symbol(p));
            for candidate in bucket.under(parent_symbol) {
                if table.rows[candidate.row as usize].may_apply(
                    candidate.role,
                    node,
                    parent,
                    &mut self.names,
                ) {
                    found.push(*candidate);
                }
            }
        }
        // Both fit: a document has fewer than 2^32 elements and names.
        let range = (self.candidates.len() as u32, found.len() as u32);
        self.candidates.extend_from_slice(&found);
        self.scratch = found;
        let entry = &mut self.by_name[node.name_id().0 as usize];
        self.pairs.push(Pair {
            parent: parent_name,
            start: range.0,
            len: range.1,
            next: entry.pairs,
        });
        entry.pairs = (self.pairs.len() - 1) as u32;
        range
    }

    /// The pair of an element name and a parent name, if already indexed.
    #[inline]
    fn find_pair(&self, name: u32, parent_name: u32) -> Option<Pair> {
        let mut next = self.by_name.get(name as usize)?.pairs;
        while let Some(pair) = self.pairs.get(next as usize) {
            if pair.parent == parent_name {
                return Some(*pair);
            }
            next = pair.next;
        }
        None
    }

    /// The candidates of every element named as `node`, whatever its parent: the
    /// name's own rows and the suffix tests it passes. Done once per distinct name.
    fn candidates_of_name(&mut self, node: Node<'_>) -> (u32, u32) {
        let id = node.name_id().0 as usize;
        if self.by_name.len() <= id {
            // Name ids are dense and small: grow in steps, not one name at a time.
            let unknown = NameEntry {
                start: UNKNOWN,
                len: 0,
                pairs: NO_PAIR,
            };
            self.by_name.resize((id + 1).max(256), unknown);
        }
        if self.by_name[id].start == UNKNOWN {
            let table = self.table;
            let start = self.name_candidates.len();
            let symbol = self.names.symbol(node);
            match table.by_symbol.get(symbol as usize) {
                Some(bucket) => {
                    self.name_candidates.extend_from_slice(&bucket.any_parent);
                    self.name_candidates.extend_from_slice(&bucket.wildcard);
                }
                None => {
                    for (test, candidates) in &table.suffixes {
                        if test.matches(node, &mut self.names) {
                            self.name_candidates.extend_from_slice(candidates);
                        }
                    }
                }
            }
            let entry = &mut self.by_name[id];
            entry.start = start as u32;
            entry.len = (self.name_candidates.len() - start) as u32;
        }
        (self.by_name[id].start, self.by_name[id].len)
    }

    /// Counts `node` for one candidate row, or registers it as a context node.
    fn evaluate(&mut self, candidate: Candidate, node: Node<'_>) {
        let row = &self.table.rows[candidate.row as usize];
        let context = match candidate.role {
            Role::Target => row.context_candidate(node, &mut self.names),
            Role::Context => Some(node),
        };
        if let Some(context) = context
            && self.is_context(row, context)
        {
            let counted = candidate.role == Role::Target;
            self.count(candidate.row, context.index() as u32, counted);
        }
    }

    /// `node` matches `row`'s context patterns, answered from the memo when the
    /// previous test of that context was on the same node.
    fn is_context(&mut self, row: &Compiled, node: Node<'_>) -> bool {
        let tested = (node.index() as u64 + 1) << 1;
        let memo = &mut self.context_memo[row.context_id as usize];
        if *memo & !1 != tested {
            *memo = tested | u64::from(row.context.matches(node, &mut self.names));
        }
        *memo & 1 == 1
    }

    /// Counts one selected node (or notes a context node, uncounted) for `row`.
    fn count(&mut self, row: u32, context: u32, counted: bool) {
        let slot = &mut self.open_of_row[row as usize];
        if *slot == 0 {
            self.open.push(Group {
                context,
                row,
                count: 0,
            });
            *slot = self.open.len() as u32;
        }
        let open = &mut self.open[*slot as usize - 1];
        if open.context != context {
            // Contexts first met later come later in document order: one earlier
            // than the group being closed may be one met before.
            self.interleaved |= context < open.context;
            self.groups.push(*open);
            *open = Group {
                context,
                row,
                count: 0,
            };
        }
        open.count += u32::from(counted);
    }

    /// Reports every violation, in document order of the context nodes (and table
    /// order for one node).
    pub fn finish(mut self, root: Node<'_>, sink: &mut Sink<'_>) {
        let mut groups = std::mem::take(&mut self.groups);
        groups.extend_from_slice(&self.open);
        if self.interleaved {
            groups = merge_parts(groups);
        }
        let rows = &self.table.rows;
        let mut found: Vec<(Group, String)> = groups
            .into_iter()
            .filter_map(|g| violation(&rows[g.row as usize], g.count).map(|m| (g, m)))
            .collect();
        found.sort_unstable_by_key(|(group, _)| *group);
        let document = root.document();
        for (group, message) in found {
            let rule = rows[group.row as usize].entry.rule;
            sink.fail(rule, document.node(group.context as usize), message);
        }
    }
}

/// Sums the counts of the groups closed in parts (same context node and row).
fn merge_parts(mut groups: Vec<Group>) -> Vec<Group> {
    groups.sort_unstable();
    let mut merged: Vec<Group> = Vec::with_capacity(groups.len());
    for group in groups {
        match merged.last_mut() {
            Some(last) if (last.context, last.row) == (group.context, group.row) => {
                last.count += group.count;
            }
            _ => merged.push(group),
        }
    }
    merged
}

/// The message of a row whose path selected `count` nodes from one context node,
/// if that breaks the row.
fn violation(row: &Compiled, count: u32) -> Option<String> {
    let path = row.entry.path;
    match row.entry.kind {
        Kind::Absent if count > 0 => Some(format!("{path} is present but not used by EN 16931")),
        Kind::AtMostOne if count > 1 => {
            Some(format!("{path} occurs {count} times, at most once allowed"))
        }
        Kind::ExactlyOne if count != 1 => Some(format!(
            "{path} occurs {count} times, exactly once required"
        )),
        Kind::Required if count == 0 => Some(format!("{path} is missing")),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
