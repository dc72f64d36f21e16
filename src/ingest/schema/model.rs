//! The compiled form of one schema set: flat tables of element declarations, types,
//! attribute uses and content-model particles, addressed by small integer indices.
//!
//! Compilation ([`super::compile`]) fills these tables once; validation
//! ([`super::validate`]) only reads them. Names are interned per schema set so the
//! matcher compares integers, never URIs or strings.

use crate::fxhash::FxHashMap;

use super::datatypes::SimpleType;

/// Index of a namespace URI in [`SchemaSet::namespaces`]; 0 is "no namespace".
pub(crate) type NsIx = u16;
/// Index of an interned (namespace, local name) in [`SchemaSet::names`].
pub(crate) type NameIx = u32;
/// Index of an element declaration in [`SchemaSet::elements`].
pub(crate) type ElemIx = u32;
/// Index of a type in [`SchemaSet::types`].
pub(crate) type TypeIx = u32;
/// Index of a simple type in [`SchemaSet::simple`].
pub(crate) type SimpleIx = u32;
/// Index of a particle in [`SchemaSet::particles`].
pub(crate) type PartIx = u32;

/// An interned expanded name.
#[derive(Debug)]
pub(crate) struct Name {
    pub ns: NsIx,
    pub local: Box<str>,
}

/// One compiled schema set (UBL 2.1, CII D16B, ...).
#[derive(Debug, Default)]
pub(crate) struct SchemaSet {
    /// Namespace URIs; index 0 is the empty URI (unqualified names).
    pub namespaces: Vec<Box<str>>,
    /// A prefix to print names of each namespace with (the schemas' own prefixes).
    pub prefixes: Vec<Box<str>>,
    pub ns_ids: FxHashMap<Box<str>, NsIx>,
    pub names: Vec<Name>,
    /// Per namespace, local name -> name (nested so a lookup borrows the `&str`).
    pub name_ids: Vec<FxHashMap<Box<str>, NameIx>>,
    /// Global element declarations: the possible roots and the targets of lax wildcards.
    pub globals: FxHashMap<NameIx, ElemIx>,
    pub elements: Vec<ElementDecl>,
    pub types: Vec<TypeDef>,
    pub simple: Vec<SimpleType>,
    pub particles: Vec<Particle>,
}

#[derive(Debug)]
pub(crate) struct ElementDecl {
    pub name: NameIx,
    pub ty: TypeIx,
    pub nillable: bool,
}

#[derive(Debug)]
pub(crate) enum TypeDef {
    Simple(SimpleIx),
    Complex(ComplexType),
}

#[derive(Debug)]
pub(crate) struct ComplexType {
    pub attributes: Vec<AttributeUse>,
    /// The names of the required attribute uses, in `attributes` order (most types
    /// have none, and then no element of the type looks for any).
    pub required: Vec<NameIx>,
    /// `xsd:anyAttribute` (or `xsd:anyType`): attributes not declared are accepted.
    pub any_attribute: bool,
    pub content: Content,
    /// Every element declaration reachable in the content model, by name: used to
    /// keep checking the children of an element whose content model failed.
    pub locals: FxHashMap<NameIx, ElemIx>,
    /// The content model as a flat table, when it has the shape of nearly every UBL
    /// and CII aggregate (see [`FlatModel`]); `None` leaves it to the particle matcher.
    pub flat: Option<FlatModel>,
}

/// A content model that is one sequence or one choice (occurring exactly once) of
/// element particles with distinct names: each child then names its member directly,
/// so valid children are matched with one lookup each, and whether the members
/// skipped may be absent is a subtraction. Content the table refuses is matched again
/// by the particle matcher, which gives the verdict and the message.
#[derive(Debug)]
pub(crate) struct FlatModel {
    /// A choice (one member occurs) rather than a sequence (members in order).
    pub choice: bool,
    /// The members' names, sorted, and at the same index the member's position: two
    /// arrays, so the binary search runs over plain integers.
    pub names: Box<[NameIx]>,
    pub positions: Box<[u32]>,
    pub members: Box<[FlatMember]>,
    /// `required_before[i]`: how many of the first `i` members have `min > 0`
    /// (`members.len() + 1` entries).
    pub required_before: Box<[u32]>,
}

#[derive(Debug)]
pub(crate) struct FlatMember {
    pub decl: ElemIx,
    pub min: u32,
    /// `None` for `unbounded`.
    pub max: Option<u32>,
}

impl FlatModel {
    /// The member a child of this name matches, if any.
    #[inline]
    pub fn member_of(&self, name: NameIx) -> Option<usize> {
        self.names
            .binary_search(&name)
            .ok()
            .map(|at| self.positions[at] as usize)
    }

    /// No member in `from..to` is required.
    #[inline]
    pub fn may_skip(&self, from: usize, to: usize) -> bool {
        self.required_before[from] == self.required_before[to]
    }
}

#[derive(Debug)]
pub(crate) struct AttributeUse {
    pub name: NameIx,
    pub ty: SimpleIx,
    pub required: bool,
    pub fixed: Option<Box<str>>,
}

#[derive(Debug)]
pub(crate) enum Content {
    /// No children, no text.
    Empty,
    /// Text only, of the given simple type.
    Simple(SimpleIx),
    /// Child elements matching the particle; `mixed` allows text between them.
    Elements { particle: PartIx, mixed: bool },
    /// `xsd:anyType`: anything, children validated laxly.
    Any,
}

/// How a wildcard treats the elements it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Process {
    Strict,
    Lax,
    Skip,
}

/// The namespace constraint of an `xsd:any`.
#[derive(Clone, Debug)]
pub(crate) enum NsConstraint {
    Any,
    /// `##other`: any namespace except the target one and except "no namespace".
    Other(NsIx),
    /// An explicit list (`##targetNamespace`, `##local` and URIs resolved).
    List(Vec<NsIx>),
}

impl NsConstraint {
    /// `ns` is `None` for a namespace the schema set does not know at all.
    pub fn allows(&self, ns: Option<NsIx>) -> bool {
        match self {
            NsConstraint::Any => true,
            NsConstraint::Other(target) => ns != Some(*target) && ns != Some(0),
            NsConstraint::List(list) => ns.is_some_and(|n| list.contains(&n)),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Wildcard {
    pub ns: NsConstraint,
    pub process: Process,
}

#[derive(Debug)]
pub(crate) enum Term {
    Element(ElemIx),
    Any(Wildcard),
    Sequence(Vec<PartIx>),
    Choice(Vec<PartIx>),
}

/// What a content model can start with: element names and wildcards.
#[derive(Debug, Default)]
pub(crate) struct FirstSet {
    /// Sorted, deduplicated.
    pub names: Vec<NameIx>,
    pub wildcards: Vec<NsConstraint>,
}

#[derive(Debug)]
pub(crate) struct Particle {
    pub min: u32,
    /// `None` for `unbounded`.
    pub max: Option<u32>,
    pub term: Term,
    /// The term (one occurrence) can match the empty sequence.
    pub term_nullable: bool,
    pub first: FirstSet,
    /// For a sequence of element particles with distinct names: (name, position in
    /// the sequence), sorted by name, so the matcher can jump to the particle a child
    /// starts instead of trying every particle before it.
    pub index: Option<Box<[(NameIx, u32)]>>,
}

impl Particle {
    /// The particle with its occurrence bounds can match nothing.
    pub fn nullable(&self) -> bool {
        self.min == 0 || self.term_nullable
    }
}

impl SchemaSet {
    pub fn name_of(&self, ix: NameIx) -> &Name {
        &self.names[ix as usize]
    }

    /// `prefix:local` as the schemas write it.
    pub fn display(&self, ix: NameIx) -> String {
        let name = self.name_of(ix);
        let prefix = &self.prefixes[name.ns as usize];
        if prefix.is_empty() {
            name.local.to_string()
        } else {
            format!("{prefix}:{}", name.local)
        }
    }

    pub fn element(&self, ix: ElemIx) -> &ElementDecl {
        &self.elements[ix as usize]
    }

    pub fn particle(&self, ix: PartIx) -> &Particle {
        &self.particles[ix as usize]
    }

    pub fn lookup_ns(&self, uri: &str) -> Option<NsIx> {
        self.ns_ids.get(uri).copied()
    }

    pub fn lookup_name(&self, ns: NsIx, local: &str) -> Option<NameIx> {
        self.name_ids.get(ns as usize)?.get(local).copied()
    }
}
