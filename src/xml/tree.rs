//! The immutable element tree produced by [`super::parse`].

use std::fmt::Write as _;

use super::names::{NameId, NameTable, Namespace, QName};

/// One element in the arena.
#[derive(Clone, Debug)]
pub(crate) struct Element {
    pub(crate) name: NameId,
    /// The namespace of `name`, kept here too: name tests compare it first, and most
    /// fail on it without reading the name table.
    pub(crate) ns: Namespace,
    pub(crate) parent: u32,
    /// Index one past the last descendant: descendants are `self+1 .. end`.
    pub(crate) end: u32,
    pub(crate) next_sibling: u32,
    pub(crate) attrs_start: u32,
    pub(crate) attrs_end: u32,
    pub(crate) text_start: u32,
    pub(crate) text_end: u32,
    /// Byte offset of the element's `<` in the decoded text.
    pub(crate) offset: u32,
    /// Non-whitespace character data appears between child elements (mixed content).
    pub(crate) mixed: bool,
    /// 1-based position among the siblings of the same name (XPath `[n]`).
    pub(crate) position: u32,
    /// Another sibling has the same name (locations then show the position).
    pub(crate) repeated: bool,
}

pub(crate) const NONE: u32 = u32::MAX;

/// An attribute: its name and its normalised value.
#[derive(Clone, Debug)]
pub struct Attr {
    pub(crate) name: NameId,
    pub(crate) value_start: u32,
    pub(crate) value_end: u32,
}

/// A parsed, well-formed XML document.
#[derive(Debug)]
pub struct Document {
    pub(crate) elements: Vec<Element>,
    pub(crate) attrs: Vec<Attr>,
    pub(crate) strings: String,
    pub(crate) names: NameTable,
}

impl Document {
    /// The root element.
    pub fn root(&self) -> Node<'_> {
        Node { doc: self, id: 0 }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// A document always has a root, so it is never empty; kept for clippy's sake.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// Every element in document order.
    pub fn elements(&self) -> impl Iterator<Item = Node<'_>> + '_ {
        (0..self.elements.len() as u32).map(move |id| Node { doc: self, id })
    }

    /// The URI of a namespace id of this document.
    pub fn namespace_uri(&self, ns: Namespace) -> &str {
        self.names.uri(ns)
    }

    /// The id of a namespace URI if the document uses it.
    pub fn qname(&self, id: NameId) -> &QName {
        &self.names.names[id.0 as usize]
    }

    /// The node with a given arena index (as returned by [`Node::index`]).
    pub fn node(&self, index: usize) -> Node<'_> {
        assert!(index < self.elements.len(), "node index out of range");
        Node {
            doc: self,
            id: index as u32,
        }
    }

    fn str(&self, start: u32, end: u32) -> &str {
        &self.strings[start as usize..end as usize]
    }
}

/// A handle on one element of a [`Document`].
#[derive(Clone, Copy)]
pub struct Node<'d> {
    doc: &'d Document,
    id: u32,
}

impl PartialEq for Node<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.doc, other.doc) && self.id == other.id
    }
}
impl Eq for Node<'_> {}

impl std::fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Node({})", self.path())
    }
}

impl<'d> Node<'d> {
    fn el(self) -> &'d Element {
        &self.doc.elements[self.id as usize]
    }

    /// The document this node belongs to.
    pub fn document(self) -> &'d Document {
        self.doc
    }

    /// Position in document order (0 is the root).
    pub fn index(self) -> usize {
        self.id as usize
    }

    pub fn name_id(self) -> NameId {
        self.el().name
    }

    pub fn qname(self) -> &'d QName {
        self.doc.qname(self.el().name)
    }

    pub fn namespace(self) -> Namespace {
        self.el().ns
    }

    pub fn local_name(self) -> &'d str {
        &self.qname().local
    }

    /// True when the element is `{ns}local`.
    #[inline]
    pub fn is(self, ns: Namespace, local: &str) -> bool {
        let el = self.el();
        el.ns == ns && *self.doc.qname(el.name).local == *local
    }

    /// Byte offset of the element's start tag in the decoded document.
    pub fn offset(self) -> usize {
        self.el().offset as usize
    }

    /// The element's own character data (text, CDATA and references, in order),
    /// without the text of its children. For a leaf element this is XPath's string value.
    pub fn text(self) -> &'d str {
        let el = self.el();
        self.doc.str(el.text_start, el.text_end)
    }

    /// XPath's string value: the concatenated text of the element and all descendants.
    pub fn string_value(self) -> String {
        let mut out = String::from(self.text());
        for d in self.descendants() {
            out.push_str(d.text());
        }
        out
    }

    /// Non-whitespace text appears among child elements.
    pub fn has_mixed_text(self) -> bool {
        self.el().mixed
    }

    pub fn parent(self) -> Option<Node<'d>> {
        let p = self.el().parent;
        (p != super::tree::NONE).then_some(Node {
            doc: self.doc,
            id: p,
        })
    }

    /// Child elements in document order.
    pub fn children(self) -> Children<'d> {
        let el = self.el();
        let first = if el.end > self.id + 1 {
            self.id + 1
        } else {
            NONE
        };
        Children {
            doc: self.doc,
            next: first,
        }
    }

    /// Child elements named `{ns}local`.
    pub fn children_named<'a>(
        &self,
        ns: Namespace,
        local: &'a str,
    ) -> impl Iterator<Item = Node<'d>> + 'a + use<'d, 'a>
    where
        'd: 'a,
    {
        self.children().filter(move |c| c.is(ns, local))
    }

    /// The first child element named `{ns}local`.
    pub fn child(self, ns: Namespace, local: &str) -> Option<Node<'d>> {
        self.children().find(|c| c.is(ns, local))
    }

    /// All descendants in document order (not the node itself).
    pub fn descendants(self) -> impl Iterator<Item = Node<'d>> + 'd {
        let doc = self.doc;
        (self.id + 1..self.el().end).map(move |id| Node { doc, id })
    }

    /// Descendants named `{ns}local` (XPath `.//ns:local`).
    pub fn descendants_named<'a>(
        &self,
        ns: Namespace,
        local: &'a str,
    ) -> impl Iterator<Item = Node<'d>> + 'a + use<'d, 'a>
    where
        'd: 'a,
    {
        self.descendants().filter(move |c| c.is(ns, local))
    }

    /// Follows a path of child steps, returning the first match (XPath `a/b/c` in a
    /// singleton context, first node).
    ///
    /// A depth-first search in child order meets the matches in document order, so
    /// the first one found is the answer and nothing is collected.
    pub fn first(self, path: &[(Namespace, &str)]) -> Option<Node<'d>> {
        match path.split_first() {
            None => Some(self),
            Some(((ns, local), rest)) => self
                .children_named(*ns, local)
                .find_map(|child| child.first(rest)),
        }
    }

    /// Every node reached by a path of child steps, in document order.
    pub fn all(self, path: &[(Namespace, &str)]) -> Vec<Node<'d>> {
        // Depth-first into one vector (document order, as for `first`) rather than
        // one vector per step.
        let mut out = Vec::new();
        self.collect_path(path, &mut out);
        out
    }

    fn collect_path(self, path: &[(Namespace, &str)], out: &mut Vec<Node<'d>>) {
        match path.split_first() {
            None => out.push(self),
            Some(((ns, local), rest)) => {
                for child in self.children_named(*ns, local) {
                    child.collect_path(rest, out);
                }
            }
        }
    }

    /// Attributes of the element.
    pub fn attributes(self) -> impl Iterator<Item = (&'d QName, &'d str)> + 'd {
        let el = self.el();
        let doc = self.doc;
        doc.attrs[el.attrs_start as usize..el.attrs_end as usize]
            .iter()
            .map(move |a| (doc.qname(a.name), doc.str(a.value_start, a.value_end)))
    }

    /// Attributes of the element with their name ids, for callers that keep facts
    /// per name.
    pub fn attributes_with_ids(self) -> impl Iterator<Item = (NameId, &'d QName, &'d str)> + 'd {
        let el = self.el();
        let doc = self.doc;
        doc.attrs[el.attrs_start as usize..el.attrs_end as usize]
            .iter()
            .map(move |a| {
                (
                    a.name,
                    doc.qname(a.name),
                    doc.str(a.value_start, a.value_end),
                )
            })
    }

    /// The value of an attribute without namespace (`@currencyID`, `@schemeID`, ...).
    pub fn attr(self, local: &str) -> Option<&'d str> {
        self.attr_ns(Namespace::NONE, local)
    }

    /// The value of a namespaced attribute.
    pub fn attr_ns(self, ns: Namespace, local: &str) -> Option<&'d str> {
        // Names are compared before any value is sliced out of the arena: most
        // lookups are for an attribute the element does not have.
        let el = self.el();
        let doc = self.doc;
        doc.attrs[el.attrs_start as usize..el.attrs_end as usize]
            .iter()
            .find(|a| {
                let q = doc.qname(a.name);
                q.ns == ns && *q.local == *local
            })
            .map(|a| doc.str(a.value_start, a.value_end))
    }

    /// 1-based position among the siblings with the same name (XPath `[n]`),
    /// recorded while parsing so locations cost no sibling scan.
    pub fn position(self) -> usize {
        self.el().position as usize
    }

    /// An XPath locating the element, e.g. `/Invoice/cac:InvoiceLine[2]/cbc:ID`.
    /// Positions are written only where a sibling of the same name exists.
    pub fn path(self) -> String {
        let mut chain = vec![self];
        let mut cur = self;
        while let Some(p) = cur.parent() {
            chain.push(p);
            cur = p;
        }
        let mut out = String::new();
        for n in chain.iter().rev() {
            out.push('/');
            let q = n.qname();
            if !q.prefix.is_empty() {
                out.push_str(&q.prefix);
                out.push(':');
            }
            out.push_str(&q.local);
            if n.el().repeated {
                let _ = write!(out, "[{}]", n.position());
            }
        }
        out
    }
}

/// Iterator over the child elements of a node.
pub struct Children<'d> {
    doc: &'d Document,
    next: u32,
}

impl<'d> Iterator for Children<'d> {
    type Item = Node<'d>;
    fn next(&mut self) -> Option<Node<'d>> {
        if self.next == NONE {
            return None;
        }
        let node = Node {
            doc: self.doc,
            id: self.next,
        };
        self.next = self.doc.elements[self.next as usize].next_sibling;
        Some(node)
    }
}
