//! BR-FR rules bound to UN/CEFACT CII (`BR-FR-Flux2-Schematron-CII.sch` v1.4.0).
//!
//! Nearly every CII context is an absolute path from the root (`$DOC`, `$AGR`, `$STL`,
//! `$LINE` in the catalogue), so the rules navigate from the anchors resolved once in
//! [`Doc`] instead of matching every element; the few `//` contexts walk the document
//! once.

mod dec;
mod docs;
mod ids;
mod mv;
mod notes;
mod parties;
mod vat;

use super::defs::Cadre;
use super::{Abort, FrSink};
use crate::xml::{Namespace, Node};

/// Every assertion of the CII binding (the catalogue completeness test lists
/// them against rules-catalogue §2.8).
pub fn assertions() -> Vec<&'static super::Assertion> {
    [
        dec::ASSERTIONS,
        docs::ASSERTIONS,
        ids::ASSERTIONS,
        mv::ASSERTIONS,
        notes::ASSERTIONS,
        parties::ASSERTIONS,
        vat::ASSERTIONS,
    ]
    .concat()
}

/// Runs every BR-FR CII rule on a document.
pub(crate) fn check(root: Node<'_>, sink: &mut FrSink<'_, '_>) -> Result<(), Abort> {
    let doc = Doc::new(root);
    ids::check(&doc, sink);
    notes::check(&doc, sink);
    parties::check(&doc, sink)?;
    vat::check(&doc, sink);
    dec::check(&doc, sink);
    docs::check(&doc, sink)?;
    mv::check(&doc, sink);
    Ok(())
}

/// `ram:` path step.
pub(crate) const fn ram(local: &str) -> (Namespace, &str) {
    (Namespace::RAM, local)
}
/// `udt:` path step.
pub(crate) const fn udt(local: &str) -> (Namespace, &str) {
    (Namespace::UDT, local)
}
/// `qdt:` path step.
pub(crate) const fn qdt(local: &str) -> (Namespace, &str) {
    (Namespace::QDT, local)
}

/// A path of child steps.
pub(crate) type Path = &'static [(Namespace, &'static str)];

/// Every node of `path` below an optional anchor.
pub(crate) fn at<'d>(anchor: Option<Node<'d>>, path: &[(Namespace, &str)]) -> Vec<Node<'d>> {
    anchor.map(|a| a.all(path)).unwrap_or_default()
}

/// One `ram:IncludedSupplyChainTradeLineItem`, as the multi-vendor rules see it.
pub(crate) struct Line<'d> {
    pub node: Node<'d>,
    /// `ram:AssociatedDocumentLineDocument/ram:LineID` (BT-126), raw.
    pub id: Option<&'d str>,
    /// EXT-FR-FE-163: `…/ram:LineStatusReasonCode` values.
    pub statuses: Vec<&'d str>,
    /// EXT-FR-FE-162: `…/ram:ParentLineID` values.
    pub parents: Vec<&'d str>,
    /// A top GROUP line (C-GROUP): sub-type GROUP and no parent line.
    pub group: bool,
    /// EXT-FR-FE-167: `ram:SpecifiedLineTradeAgreement/ram:ItemSellerTradeParty/
    /// ram:SpecifiedLegalOrganization/ram:ID`.
    pub seller_ids: Vec<&'d str>,
    /// BT-128 AFL: `ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument
    /// [ram:ReferenceTypeCode='AFL' and ram:TypeCode='130']/ram:IssuerAssignedID`.
    pub afl: Vec<Node<'d>>,
}

impl<'d> Line<'d> {
    fn new(node: Node<'d>) -> Self {
        let texts = |path: &[(Namespace, &str)]| -> Vec<&'d str> {
            node.all(path).into_iter().map(|n| n.text()).collect()
        };
        let id = node
            .first(&[ram("AssociatedDocumentLineDocument"), ram("LineID")])
            .map(|n| n.text());
        let statuses = texts(&[
            ram("AssociatedDocumentLineDocument"),
            ram("LineStatusReasonCode"),
        ]);
        let parents = texts(&[ram("AssociatedDocumentLineDocument"), ram("ParentLineID")]);
        let group = statuses.contains(&"GROUP") && parents.is_empty();
        let seller_ids = texts(&[
            ram("SpecifiedLineTradeAgreement"),
            ram("ItemSellerTradeParty"),
            ram("SpecifiedLegalOrganization"),
            ram("ID"),
        ]);
        let afl = sub_invoice_docs(node, "AFL")
            .into_iter()
            .filter(|d| has_child_text(*d, "TypeCode", "130"))
            .flat_map(|d| d.children_named(Namespace::RAM, "IssuerAssignedID"))
            .collect();
        Line {
            node,
            id,
            statuses,
            parents,
            group,
            seller_ids,
            afl,
        }
    }

    pub fn status_is(&self, status: &str) -> bool {
        self.statuses.contains(&status)
    }
}

/// `ram:SpecifiedLineTradeSettlement/ram:AdditionalReferencedDocument
/// [ram:ReferenceTypeCode = scheme]` of a line item.
pub(crate) fn sub_invoice_docs<'d>(line: Node<'d>, scheme: &str) -> Vec<Node<'d>> {
    line.all(&[
        ram("SpecifiedLineTradeSettlement"),
        ram("AdditionalReferencedDocument"),
    ])
    .into_iter()
    .filter(|d| has_child_text(*d, "ReferenceTypeCode", scheme))
    .collect()
}

/// Some `ram:{local}` child has exactly the text `value` (XPath `ram:x = 'v'`).
pub(crate) fn has_child_text(node: Node<'_>, local: &str, value: &str) -> bool {
    node.children_named(Namespace::RAM, local)
        .any(|c| c.text() == value)
}

/// The anchors of the catalogue's CII paths, resolved once per document.
pub(crate) struct Doc<'d> {
    pub root: Node<'d>,
    /// `$CTX`: `rsm:ExchangedDocumentContext`.
    pub context: Option<Node<'d>>,
    /// `$DOC`: `rsm:ExchangedDocument`.
    pub document: Option<Node<'d>>,
    /// `$TX`: `rsm:SupplyChainTradeTransaction`.
    pub transaction: Option<Node<'d>>,
    /// `$AGR`: `ram:ApplicableHeaderTradeAgreement`.
    pub agreement: Option<Node<'d>>,
    /// `$DLV`: `ram:ApplicableHeaderTradeDelivery`.
    pub delivery: Option<Node<'d>>,
    /// `$STL`: `ram:ApplicableHeaderTradeSettlement`.
    pub settlement: Option<Node<'d>>,
    /// `$SUM`: `$STL/ram:SpecifiedTradeSettlementHeaderMonetarySummation`.
    pub summation: Option<Node<'d>>,
    /// BT-1, `$DOC/ram:ID`.
    pub invoice_id: Option<&'d str>,
    /// BT-3, `$DOC/ram:TypeCode`.
    pub type_codes: Vec<&'d str>,
    /// BT-23, `$CTX/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID`.
    pub profile: Option<Node<'d>>,
    pub cadre: Cadre,
    /// BT-5, `$STL/ram:InvoiceCurrencyCode`.
    pub currency: Option<&'d str>,
    /// `$LINE`.
    pub lines: Vec<Line<'d>>,
}

impl<'d> Doc<'d> {
    fn new(root: Node<'d>) -> Self {
        let transaction = root.child(Namespace::RSM, "SupplyChainTradeTransaction");
        let header = |local: &str| transaction.and_then(|t| t.child(Namespace::RAM, local));
        let context = root.child(Namespace::RSM, "ExchangedDocumentContext");
        let document = root.child(Namespace::RSM, "ExchangedDocument");
        let settlement = header("ApplicableHeaderTradeSettlement");
        let profile = context.and_then(|c| {
            c.first(&[
                ram("BusinessProcessSpecifiedDocumentContextParameter"),
                ram("ID"),
            ])
        });
        Doc {
            root,
            context,
            document,
            transaction,
            agreement: header("ApplicableHeaderTradeAgreement"),
            delivery: header("ApplicableHeaderTradeDelivery"),
            settlement,
            summation: settlement.and_then(|s| {
                s.child(
                    Namespace::RAM,
                    "SpecifiedTradeSettlementHeaderMonetarySummation",
                )
            }),
            invoice_id: document
                .and_then(|d| d.child(Namespace::RAM, "ID"))
                .map(|n| n.text()),
            type_codes: at(document, &[ram("TypeCode")])
                .into_iter()
                .map(|n| n.text())
                .collect(),
            profile,
            cadre: Cadre::of(profile.map(|p| p.text())),
            currency: settlement
                .and_then(|s| s.child(Namespace::RAM, "InvoiceCurrencyCode"))
                .map(|n| n.text()),
            lines: transaction
                .map(|t| {
                    t.children_named(Namespace::RAM, "IncludedSupplyChainTradeLineItem")
                        .map(Line::new)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Every element, in document order.
    pub fn elements(&self) -> impl Iterator<Item = Node<'d>> + 'd {
        self.root.document().elements()
    }

    /// BT-3 is one of `list` (raw, existential comparison).
    pub fn type_in(&self, list: &[&str]) -> bool {
        self.type_codes.iter().any(|t| list.contains(t))
    }

    /// BT-23 is one of `list` (raw comparison).
    pub fn profile_in(&self, list: &[&str]) -> bool {
        self.profile.is_some_and(|p| list.contains(&p.text()))
    }

    /// Every node of `path` below each line item, line by line.
    pub fn in_lines(&self, path: &[(Namespace, &str)]) -> Vec<Node<'d>> {
        self.lines.iter().flat_map(|l| l.node.all(path)).collect()
    }

    /// The IncludedNote elements of `$DOC` whose subject code is `code`.
    pub fn notes(&self, code: &str) -> Vec<Node<'d>> {
        at(self.document, &[ram("IncludedNote")])
            .into_iter()
            .filter(|n| has_child_text(*n, "SubjectCode", code))
            .collect()
    }

    /// Some BAR note's `ram:Content` is exactly `B2B`.
    pub fn b2b(&self) -> bool {
        self.notes("BAR")
            .iter()
            .any(|n| has_child_text(*n, "Content", "B2B"))
    }
}
