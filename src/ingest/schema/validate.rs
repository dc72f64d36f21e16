//! Validates a document tree against a compiled schema set, in one pass.
//!
//! The walk uses an explicit stack, not recursion, because a document may nest as
//! deep as the XML reader allows (2 048 levels) through the recursive UBL types.
//! Each element is checked once: its attributes, its text, and its children against
//! the content model; the children are then queued with the declaration they matched.
//! After a content-model error the remaining children are still checked, against the
//! declaration of the same name in the model, so one misplaced element does not hide
//! the errors inside its siblings.

use crate::ingest::report::{Finding, Severity};
use crate::xml::{Document, NameId, Namespace, Node, QName, is_space, trim_space};

use super::content::{Assign, Buffers, FlatMatch, Kid, ModelError, match_children};
use super::model::{
    ComplexType, Content, ElemIx, FlatModel, NameIx, NsIx, PartIx, Process, SchemaSet, TypeDef,
};

pub(crate) const RULE: &str = "XSD-INVALID";

/// Validates the tree under `root`, adding at most `cap` findings plus one notice
/// when more violations were found.
pub(crate) fn run(
    set: &SchemaSet,
    label: &str,
    root: Node<'_>,
    cap: usize,
    findings: &mut Vec<Finding>,
) {
    let mut v = Validator {
        set,
        doc: root.document(),
        ns_cache: Vec::new(),
        name_cache: Vec::new(),
        findings,
        reported: 0,
        cap,
        nodes: Vec::new(),
        kids: Vec::new(),
        buffers: Buffers::default(),
    };
    let root_decl = v
        .schema_name(root.name_id())
        .and_then(|n| set.globals.get(&n).copied());
    let Some(decl) = root_decl else {
        let uri = v.doc.namespace_uri(root.namespace()).to_string();
        v.report(
            root,
            format!(
                "root element {{{uri}}}{} is not declared in the {label} schema",
                root.local_name()
            ),
        );
        return;
    };
    let mut stack = vec![(root, Assign::Decl(decl))];
    while let Some((node, work)) = stack.pop() {
        if v.stopped() {
            break;
        }
        match work {
            Assign::Decl(e) => v.element(node, e, &mut stack),
            Assign::Wild(Process::Skip) => {}
            // Lax: children with a global declaration are validated, others are
            // searched further down the same way.
            Assign::Wild(_) => {
                let kids: Vec<_> = node.children().collect();
                for child in kids.into_iter().rev() {
                    let work = match v.global(child) {
                        Some(g) => Assign::Decl(g),
                        None => Assign::Wild(Process::Lax),
                    };
                    stack.push((child, work));
                }
            }
            Assign::Undeclared => {
                let name = display(node);
                v.report(
                    node,
                    format!("element {name} is not declared in any compiled schema"),
                );
            }
        }
    }
}

type Stack<'d> = Vec<(Node<'d>, Assign)>;

struct Validator<'a, 'd> {
    set: &'a SchemaSet,
    doc: &'d Document,
    /// Document namespace id -> schema namespace (outer `None`: not looked up yet).
    ns_cache: Vec<Option<Option<NsIx>>>,
    /// Document name id -> schema name (outer `None`: not looked up yet).
    name_cache: Vec<Option<Option<NameIx>>>,
    findings: &'a mut Vec<Finding>,
    reported: usize,
    cap: usize,
    /// Scratch vectors for the children of one element, reused for every element
    /// (allocating three vectors per element was a large share of this layer).
    nodes: Vec<Node<'d>>,
    kids: Vec<Kid>,
    buffers: Buffers,
}

/// Only XML whitespace (checked by bytes: the four whitespace characters are ASCII,
/// and every byte of a non-ASCII character is not one of them).
fn is_blank(text: &str) -> bool {
    text.bytes().all(is_space)
}

/// The element's name as the document writes it.
fn display(node: Node<'_>) -> String {
    qname_display(node.qname())
}

fn qname_display(q: &QName) -> String {
    if q.prefix.is_empty() {
        q.local.to_string()
    } else {
        format!("{}:{}", q.prefix, q.local)
    }
}

impl<'d> Validator<'_, 'd> {
    fn stopped(&self) -> bool {
        self.reported > self.cap
    }

    fn report_at(&mut self, location: String, message: String) {
        self.reported += 1;
        if self.reported <= self.cap {
            self.findings.push(Finding {
                rule: RULE,
                severity: Severity::Fatal,
                term: None,
                location,
                message,
            });
        } else if self.reported == self.cap + 1 {
            self.findings.push(Finding {
                rule: RULE,
                severity: Severity::Fatal,
                term: None,
                location: "/".to_string(),
                message: format!(
                    "more than {} schema violations; the rest are not reported",
                    self.cap
                ),
            });
        }
    }

    fn report(&mut self, node: Node<'_>, message: String) {
        self.report_at(node.path(), message);
    }

    /// Called for every element: the cached answer is inlined, the first lookup
    /// of a namespace is not.
    #[inline]
    fn schema_ns(&mut self, ns: Namespace) -> Option<NsIx> {
        match self.ns_cache.get(ns.0 as usize) {
            Some(Some(hit)) => *hit,
            _ => self.lookup_ns(ns),
        }
    }

    fn lookup_ns(&mut self, ns: Namespace) -> Option<NsIx> {
        let slot = ns.0 as usize;
        if self.ns_cache.len() <= slot {
            self.ns_cache.resize(slot + 1, None);
        }
        let found = self.set.lookup_ns(self.doc.namespace_uri(ns));
        self.ns_cache[slot] = Some(found);
        found
    }

    /// Called for every element and attribute, like [`Validator::schema_ns`].
    #[inline]
    fn schema_name(&mut self, id: NameId) -> Option<NameIx> {
        match self.name_cache.get(id.0 as usize) {
            Some(Some(hit)) => *hit,
            _ => self.lookup_name(id),
        }
    }

    fn lookup_name(&mut self, id: NameId) -> Option<NameIx> {
        let slot = id.0 as usize;
        if self.name_cache.len() <= slot {
            self.name_cache.resize(slot + 1, None);
        }
        let q = self.doc.qname(id);
        let found = self
            .schema_ns(q.ns)
            .and_then(|ns| self.set.lookup_name(ns, &q.local));
        self.name_cache[slot] = Some(found);
        found
    }

    fn global(&mut self, node: Node<'_>) -> Option<ElemIx> {
        self.schema_name(node.name_id())
            .and_then(|n| self.set.globals.get(&n).copied())
    }

    fn element(&mut self, node: Node<'d>, e: ElemIx, stack: &mut Stack<'d>) {
        let set = self.set;
        let decl = set.element(e);
        // Most elements have no attribute: their attribute checks reduce to the
        // required attributes of the type (usually none).
        let has_attributes = node.attributes().next().is_some();
        let nil = has_attributes && self.xsi_attributes(node, decl.nillable);
        match &set.types[decl.ty as usize] {
            TypeDef::Simple(s) => {
                if has_attributes {
                    self.no_attribute_allowed(node);
                }
                if nil {
                    self.nil_content(node);
                } else {
                    self.simple_value(node, *s);
                }
            }
            TypeDef::Complex(ct) => {
                if has_attributes {
                    self.attributes(node, ct);
                }
                self.required_attributes(node, ct);
                if nil {
                    self.nil_content(node);
                } else {
                    self.content(node, ct, stack);
                }
            }
        }
    }

    /// An element of a simple type has no attributes but `xsi:` ones.
    fn no_attribute_allowed(&mut self, node: Node<'_>) {
        for (q, _) in node.attributes().filter(|(q, _)| q.ns != Namespace::XSI) {
            let msg = format!(
                "attribute {} is not allowed on {}",
                qname_display(q),
                display(node)
            );
            self.report(node, msg);
        }
    }

    /// Checks the `xsi:` attributes; returns whether the element is nil.
    fn xsi_attributes(&mut self, node: Node<'_>, nillable: bool) -> bool {
        let mut nil = false;
        for (q, value) in node.attributes().filter(|(q, _)| q.ns == Namespace::XSI) {
            match &*q.local {
                "schemaLocation" | "noNamespaceSchemaLocation" => {}
                "nil" => match trim_space(value) {
                    "true" | "1" if nillable => nil = true,
                    "true" | "1" => {
                        let msg = format!("element {} is not nillable", display(node));
                        self.report(node, msg);
                    }
                    "false" | "0" => {}
                    other => {
                        let msg = format!("{other:?} is not a valid xs:boolean for xsi:nil");
                        self.report(node, msg);
                    }
                },
                // Substituting a derived type needs the derivation hierarchy, which
                // the compiled tables do not keep; refusing is the safe side.
                "type" => {
                    let msg = format!(
                        "xsi:type on {} is not supported: the declared type must be used",
                        display(node)
                    );
                    self.report(node, msg);
                }
                other => {
                    let msg = format!("attribute xsi:{other} is not allowed on {}", display(node));
                    self.report(node, msg);
                }
            }
        }
        nil
    }

    fn nil_content(&mut self, node: Node<'_>) {
        if node.children().next().is_some() || !node.text().is_empty() {
            let msg = format!("element {} is nil and must be empty", display(node));
            self.report(node, msg);
        }
    }

    fn attributes(&mut self, node: Node<'_>, ct: &ComplexType) {
        let set = self.set;
        for (id, q, value) in node.attributes_with_ids() {
            if q.ns == Namespace::XSI {
                continue;
            }
            // Attribute names are cached per document name like element names: the
            // same few (`currencyID`, `schemeID`, ...) recur on most elements.
            let name = self.schema_name(id);
            let Some(attr) = name.and_then(|n| ct.attributes.iter().find(|a| a.name == n)) else {
                if !ct.any_attribute {
                    let msg = format!(
                        "attribute {} is not allowed on {}",
                        qname_display(q),
                        display(node)
                    );
                    self.report(node, msg);
                }
                continue;
            };
            let st = &set.simple[attr.ty as usize];
            let problem = match st.check(value) {
                Err(why) => Some(format!(
                    "attribute {} of {}: {why}",
                    qname_display(q),
                    display(node)
                )),
                Ok(()) => attr
                    .fixed
                    .as_ref()
                    .filter(|fixed| st.normalize(value) != st.normalize(fixed))
                    .map(|fixed| {
                        format!(
                            "attribute {} of {} must be {fixed:?}, not {value:?}",
                            qname_display(q),
                            display(node)
                        )
                    }),
            };
            if let Some(message) = problem {
                let location = format!("{}/@{}", node.path(), qname_display(q));
                self.report_at(location, message);
            }
        }
    }

    fn required_attributes(&mut self, node: Node<'_>, ct: &ComplexType) {
        for &required in &ct.required {
            let present = node
                .attributes_with_ids()
                .any(|(id, _, _)| self.schema_name(id) == Some(required));
            if !present {
                let msg = format!(
                    "attribute {} is required on {}",
                    self.set.display(required),
                    display(node)
                );
                self.report(node, msg);
            }
        }
    }

    fn simple_value(&mut self, node: Node<'_>, s: u32) {
        if let Some(child) = node.children().next() {
            let msg = format!(
                "element {} has simple content and cannot contain element {}",
                display(node),
                display(child)
            );
            self.report(child, msg);
            return;
        }
        if let Err(why) = self.set.simple[s as usize].check(node.text()) {
            let msg = format!("{}: {why}", display(node));
            self.report(node, msg);
        }
    }

    fn content(&mut self, node: Node<'d>, ct: &ComplexType, stack: &mut Stack<'d>) {
        match ct.content {
            Content::Empty => {
                if let Some(child) = node.children().next() {
                    let msg = format!(
                        "element {} must be empty; {} is not allowed",
                        display(node),
                        display(child)
                    );
                    self.report(child, msg);
                } else if !is_blank(node.text()) {
                    let msg = format!("element {} must be empty", display(node));
                    self.report(node, msg);
                }
            }
            Content::Simple(s) => self.simple_value(node, s),
            Content::Any => {
                stack.extend(node.children().map(|c| (c, Assign::Wild(Process::Lax))));
                let len = stack.len();
                let n = node.children().count();
                stack[len - n..].reverse();
            }
            Content::Elements { particle, mixed } => {
                if !mixed && !is_blank(node.text()) {
                    let msg = format!(
                        "element {} has element-only content; text is not allowed in it",
                        display(node)
                    );
                    self.report(node, msg);
                }
                self.children(node, ct, particle, stack);
            }
        }
    }

    fn children(
        &mut self,
        node: Node<'d>,
        ct: &ComplexType,
        particle: PartIx,
        stack: &mut Stack<'d>,
    ) {
        if let Some(flat) = &ct.flat {
            let base = stack.len();
            if self.flat_children(node, flat, stack) {
                stack[base..].reverse();
                debug_assert!(
                    self.matcher_agrees(node, particle, &stack[base..]),
                    "the flat table and the particle matcher disagree on {node:?}"
                );
                return;
            }
            stack.truncate(base);
        }
        let mut nodes = std::mem::take(&mut self.nodes);
        nodes.clear();
        nodes.extend(node.children());
        let mut kids = std::mem::take(&mut self.kids);
        kids.clear();
        for c in &nodes {
            kids.push(Kid {
                ns: self.schema_ns(c.namespace()),
                name: self.schema_name(c.name_id()),
            });
        }
        let mut buffers = std::mem::take(&mut self.buffers);
        let error = match_children(self.set, particle, &kids, &mut buffers);
        let assigned = &mut buffers.out;
        match error {
            None => {}
            Some(ModelError::Incomplete { expected }) => {
                let msg = format!(
                    "element {} is incomplete; expected {}",
                    display(node),
                    self.expected_list(&expected)
                );
                self.report(node, msg);
            }
            Some(ModelError::Unexpected { at, expected }) => {
                let child = nodes[at];
                let msg = if expected.is_empty() {
                    format!(
                        "element {} not expected here; no more elements are allowed in {}",
                        display(child),
                        display(node)
                    )
                } else {
                    format!(
                        "element {} not expected here; expected {}",
                        display(child),
                        self.expected_list(&expected)
                    )
                };
                self.report(child, msg);
                // Keep checking what follows, by name.
                for kid in &kids[assigned.len()..] {
                    let decl = kid
                        .name
                        .and_then(|n| ct.locals.get(&n).or_else(|| self.set.globals.get(&n)));
                    assigned.push(match decl {
                        Some(d) => Assign::Decl(*d),
                        None => Assign::Wild(Process::Skip),
                    });
                }
            }
        }
        for (child, work) in nodes.iter().zip(assigned.iter()).rev() {
            stack.push((*child, *work));
        }
        self.nodes = nodes;
        self.kids = kids;
        self.buffers = buffers;
    }

    /// Matches the children with the content model's flat table, pushing them with
    /// their declarations in document order; false when the table refuses them.
    fn flat_children(&mut self, node: Node<'d>, flat: &FlatModel, stack: &mut Stack<'d>) -> bool {
        let mut matcher = FlatMatch::new(flat);
        for child in node.children() {
            let Some(decl) = matcher.child(self.schema_name(child.name_id())) else {
                return false;
            };
            stack.push((child, Assign::Decl(decl)));
        }
        matcher.finish()
    }

    /// The particle matcher accepts the children the flat table accepted, with the
    /// same declarations (`pushed` is in stack order, the last child first). Checked
    /// in debug builds, so every test document cross-checks the two.
    fn matcher_agrees(
        &mut self,
        node: Node<'d>,
        particle: PartIx,
        pushed: &[(Node<'d>, Assign)],
    ) -> bool {
        let kids: Vec<Kid> = node
            .children()
            .map(|c| Kid {
                ns: self.schema_ns(c.namespace()),
                name: self.schema_name(c.name_id()),
            })
            .collect();
        let mut buffers = Buffers::default();
        let error = match_children(self.set, particle, &kids, &mut buffers);
        let flat: Vec<Assign> = pushed.iter().rev().map(|(_, a)| *a).collect();
        error.is_none() && buffers.out == flat
    }

    /// "one of a, b, c" from the particles that could have matched.
    fn expected_list(&self, particles: &[PartIx]) -> String {
        const SHOWN: usize = 12;
        let mut names: Vec<String> = Vec::new();
        for p in particles {
            let first = &self.set.particle(*p).first;
            for n in &first.names {
                let s = self.set.display(*n);
                if !names.contains(&s) {
                    names.push(s);
                }
            }
            if !first.wildcards.is_empty() && !names.iter().any(|n| n == "any element") {
                names.push("any element".to_string());
            }
        }
        let more = names.len().saturating_sub(SHOWN);
        names.truncate(SHOWN);
        let mut out = match names.len() {
            0 => "nothing more".to_string(),
            1 => names.remove(0),
            _ => format!("one of {}", names.join(", ")),
        };
        if more > 0 {
            out.push_str(&format!(" (and {more} more)"));
        }
        out
    }
}
