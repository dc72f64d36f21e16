//! Namespaces known to facteur and the interned qualified names of a document.
//!
//! Namespace URIs that the validators test against are given fixed [`Namespace`] ids
//! so a rule compares two small integers instead of two URIs. Any other URI found in a
//! document gets a fresh id after the known ones.

use std::sync::Arc;

use crate::fxhash::FxHashMap;

/// An interned namespace URI. The well-known ones are associated constants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Namespace(pub u16);

/// The well-known namespace URIs, in the order of their ids.
const KNOWN: &[&str] = &[
    "",
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2",
    "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100",
    "http://www.w3.org/2001/XMLSchema-instance",
    "http://www.w3.org/XML/1998/namespace",
];

impl Namespace {
    /// No namespace (unprefixed attributes, elements without a default namespace).
    pub const NONE: Namespace = Namespace(0);
    pub const UBL_INVOICE: Namespace = Namespace(1);
    pub const UBL_CREDIT_NOTE: Namespace = Namespace(2);
    /// `cac:` UBL common aggregate components.
    pub const CAC: Namespace = Namespace(3);
    /// `cbc:` UBL common basic components.
    pub const CBC: Namespace = Namespace(4);
    /// `ext:` UBL extension components.
    pub const EXT: Namespace = Namespace(5);
    /// `rsm:` CII root.
    pub const RSM: Namespace = Namespace(6);
    /// `ram:` CII reusable aggregate business information entities.
    pub const RAM: Namespace = Namespace(7);
    /// `udt:` UN/CEFACT unqualified data types.
    pub const UDT: Namespace = Namespace(8);
    /// `qdt:` UN/CEFACT qualified data types.
    pub const QDT: Namespace = Namespace(9);
    /// CDAR (Cross Domain Acknowledgement and Response) root.
    pub const CDAR: Namespace = Namespace(10);
    pub const XSI: Namespace = Namespace(11);
    pub const XML: Namespace = Namespace(12);

    /// The URI of a well-known namespace, `None` for one first seen in a document
    /// (use [`crate::xml::Document::namespace_uri`] for those).
    pub fn known_uri(self) -> Option<&'static str> {
        KNOWN.get(self.0 as usize).copied()
    }

    /// The id of a well-known URI.
    pub fn known(uri: &str) -> Option<Namespace> {
        KNOWN
            .iter()
            .position(|k| *k == uri)
            .map(|i| Namespace(i as u16))
    }
}

/// An interned (namespace, local name) pair, plus the prefix it was first written with
/// (used only to print locations).
///
/// The texts are shared: the local name with the table's index, the prefix with every
/// other name written with it, so interning a name allocates once, not three times.
#[derive(Clone, Debug)]
pub struct QName {
    pub ns: Namespace,
    pub local: Arc<str>,
    pub prefix: Arc<str>,
}

/// Index into a document's name table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NameId(pub u32);

/// The namespace and name tables of one document.
#[derive(Debug)]
pub(crate) struct NameTable {
    /// The URIs first seen in this document, with ids after the well-known ones
    /// (those are never copied: a table is built for every document).
    uris: Vec<Box<str>>,
    uri_ids: FxHashMap<Box<str>, Namespace>,
    pub(crate) names: Vec<QName>,
    /// Per namespace id, local name -> name id (nested so a lookup borrows the `&str`).
    name_ids: Vec<FxHashMap<Arc<str>, NameId>>,
    /// The prefixes written so far; a document uses a handful.
    prefixes: Vec<Arc<str>>,
}

impl NameTable {
    pub(crate) fn new() -> Self {
        NameTable {
            uris: Vec::new(),
            uri_ids: FxHashMap::default(),
            names: Vec::new(),
            name_ids: Vec::new(),
            prefixes: Vec::new(),
        }
    }

    /// The id of a namespace URI, `None` when the document already uses as many
    /// distinct URIs as ids exist (a wrapped id would alias a well-known namespace).
    pub(crate) fn namespace(&mut self, uri: &str) -> Option<Namespace> {
        if let Some(ns) = Namespace::known(uri) {
            return Some(ns);
        }
        if let Some(ns) = self.uri_ids.get(uri) {
            return Some(*ns);
        }
        let ns = Namespace(u16::try_from(KNOWN.len() + self.uris.len()).ok()?);
        self.uris.push(uri.into());
        self.uri_ids.insert(uri.into(), ns);
        Some(ns)
    }

    /// The URI of a namespace id of this table.
    pub(crate) fn uri(&self, ns: Namespace) -> &str {
        match ns.known_uri() {
            Some(uri) => uri,
            None => &self.uris[ns.0 as usize - KNOWN.len()],
        }
    }

    /// The shared text of a prefix.
    fn prefix(&mut self, prefix: &str) -> Arc<str> {
        match self.prefixes.iter().find(|p| ***p == *prefix) {
            Some(shared) => shared.clone(),
            None => {
                let shared: Arc<str> = prefix.into();
                // A hostile document may use many prefixes: only the first few are
                // remembered, so the search stays short; later ones are allocated.
                if self.prefixes.len() < 16 {
                    self.prefixes.push(shared.clone());
                }
                shared
            }
        }
    }

    pub(crate) fn name(&mut self, ns: Namespace, local: &str, prefix: &str) -> NameId {
        let slot = ns.0 as usize;
        if self.name_ids.len() <= slot {
            self.name_ids.resize_with(slot + 1, FxHashMap::default);
        }
        if let Some(id) = self.name_ids[slot].get(local) {
            return *id;
        }
        let id = NameId(self.names.len() as u32);
        let local: Arc<str> = local.into();
        let prefix = self.prefix(prefix);
        self.names.push(QName {
            ns,
            local: local.clone(),
            prefix,
        });
        let map = &mut self.name_ids[slot];
        if map.capacity() == 0 {
            // Sized for the names a namespace typically has in one invoice, so the
            // map is not rehashed over and over as it fills.
            map.reserve(64);
        }
        map.insert(local, id);
        id
    }
}
