//! Namespaces known to facteur and the interned qualified names of a document.
//!
//! Namespace URIs that the validators test against are given fixed [`Namespace`] ids
//! so a rule compares two small integers instead of two URIs. Any other URI found in a
//! document gets a fresh id after the known ones.

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
#[derive(Clone, Debug)]
pub struct QName {
    pub ns: Namespace,
    pub local: Box<str>,
    pub prefix: Box<str>,
}

/// Index into a document's name table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NameId(pub u32);

/// The namespace and name tables of one document.
#[derive(Debug)]
pub(crate) struct NameTable {
    pub(crate) uris: Vec<Box<str>>,
    uri_ids: FxHashMap<Box<str>, Namespace>,
    pub(crate) names: Vec<QName>,
    /// Per namespace id, local name -> name id (nested so a lookup borrows the `&str`).
    name_ids: Vec<FxHashMap<Box<str>, NameId>>,
}

impl NameTable {
    pub(crate) fn new() -> Self {
        let uris: Vec<Box<str>> = KNOWN.iter().map(|s| Box::from(*s)).collect();
        let uri_ids = uris
            .iter()
            .enumerate()
            .map(|(i, u)| (u.clone(), Namespace(i as u16)))
            .collect();
        NameTable {
            uris,
            uri_ids,
            names: Vec::new(),
            name_ids: Vec::new(),
        }
    }

    pub(crate) fn namespace(&mut self, uri: &str) -> Namespace {
        if let Some(ns) = self.uri_ids.get(uri) {
            return *ns;
        }
        let ns = Namespace(self.uris.len() as u16);
        self.uris.push(uri.into());
        self.uri_ids.insert(uri.into(), ns);
        ns
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
        self.names.push(QName {
            ns,
            local: local.into(),
            prefix: prefix.into(),
        });
        let map = &mut self.name_ids[slot];
        if map.capacity() == 0 {
            // Sized for the names a namespace typically has in one invoice, so the
            // map is not rehashed over and over as it fills.
            map.reserve(64);
        }
        map.insert(local.into(), id);
        id
    }
}
