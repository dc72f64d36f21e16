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
    /// Member position by name.
    pub by_name: NameTable,
    pub members: Box<[FlatMember]>,
    /// `required_before[i]`: how many of the first `i` members have `min > 0`
    /// (`members.len() + 1` entries).
    pub required_before: Box<[u32]>,
}

/// A small open-addressing table from name to a number, at most half full: a lookup
/// is a multiplication and, nearly always, one or two probes (a binary search over a
/// UBL aggregate's forty members took about fifty instructions).
#[derive(Debug)]
pub(crate) struct NameTable {
    /// `(name, value)`; a free slot holds [`NameTable::FREE`]. The length is a power
    /// of two.
    slots: Box<[(NameIx, u32)]>,
    /// 32 minus the number of bits of a slot index.
    shift: u32,
}

impl NameTable {
    const FREE: NameIx = NameIx::MAX;

    /// `entries` must have distinct names, none of them [`NameTable::FREE`].
    pub fn new(entries: &[(NameIx, u32)]) -> Self {
        let len = (entries.len() * 2).next_power_of_two().max(2);
        let mut table = NameTable {
            slots: vec![(Self::FREE, 0); len].into_boxed_slice(),
            shift: 32 - len.trailing_zeros(),
        };
        for &(name, value) in entries {
            assert!(name != Self::FREE, "name index out of range");
            let mut at = table.home(name);
            while table.slots[at].0 != Self::FREE {
                at = (at + 1) & (len - 1);
            }
            table.slots[at] = (name, value);
        }
        table
    }

    /// Fibonacci hashing: the top bits of the name times 2^32 / phi.
    #[inline]
    fn home(&self, name: NameIx) -> usize {
        (name.wrapping_mul(0x9E37_79B9) >> self.shift) as usize
    }

    #[inline]
    pub fn get(&self, name: NameIx) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut at = self.home(name);
        // At most half full, so a free slot ends every probe sequence.
        loop {
            let (slot_name, value) = self.slots[at];
            if slot_name == name {
                return Some(value);
            }
            if slot_name == Self::FREE {
                return None;
            }
            at = (at + 1) & mask;
        }
    }
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
        self.by_name.get(name).map(|position| position as usize)
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

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn name_tables_find_every_entry_and_nothing_else(
            names in proptest::collection::hash_set(0u32..5_000, 0..80),
            probes in proptest::collection::vec(0u32..5_000, 0..40),
        ) {
            let entries: Vec<(NameIx, u32)> =
                names.iter().enumerate().map(|(i, n)| (*n, i as u32)).collect();
            let table = NameTable::new(&entries);
            for (name, value) in &entries {
                proptest::prop_assert_eq!(table.get(*name), Some(*value));
            }
            for probe in probes {
                let expected = entries.iter().find(|(n, _)| *n == probe).map(|(_, v)| *v);
                proptest::prop_assert_eq!(table.get(probe), expected);
            }
        }
    }
}
