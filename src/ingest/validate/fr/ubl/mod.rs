//! BR-FR rules bound to UBL 2.1 (`BR-FR-Flux2-Schematron-UBL.sch` v1.4.0).
//!
//! Contexts written `ubl:Invoice/…` in the file (with their `cn:CreditNote/…` twin)
//! are anchored at the root; the others match at any depth and are dispatched from one
//! walk per family. What several families need (BT-1, BT-3, BT-23, the concatenated
//! notes, the multi-vendor view of each line) is computed once in [`Doc`].

mod dec;
mod docs;
mod ids;
mod mv;
mod notes;
mod parties;
mod vat;

use super::defs::{Cadre, note_value};
use super::{Abort, FrSink};
use crate::ingest::validate::xpath::string_value;
use crate::xml::{Namespace, Node};

/// Every assertion of the UBL binding (the catalogue completeness test lists
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

/// Runs every BR-FR UBL rule on a document.
pub(crate) fn check(root: Node<'_>, sink: &mut FrSink<'_, '_>) -> Result<(), Abort> {
    let doc = Doc::new(root);
    ids::check(&doc, sink);
    notes::check(&doc, sink);
    parties::check(&doc, sink);
    vat::check(&doc, sink);
    dec::check(&doc, sink);
    docs::check(&doc, sink)?;
    mv::check(&doc, sink);
    Ok(())
}

/// `cac:`/`cbc:` path steps.
pub(crate) const fn cac(local: &str) -> (Namespace, &str) {
    (Namespace::CAC, local)
}
pub(crate) const fn cbc(local: &str) -> (Namespace, &str) {
    (Namespace::CBC, local)
}

/// One invoice or credit-note line, as the multi-vendor rules see it.
pub(crate) struct Line<'d> {
    pub node: Node<'d>,
    /// `cbc:ID` (BT-126), raw.
    pub id: Option<&'d str>,
    /// The line's self-references: `cac:BillingReference` whose
    /// `cac:InvoiceDocumentReference/cbc:ID` equals BT-1.
    pub self_refs: Vec<Node<'d>>,
    /// EXT-FR-FE-163, the sub-type: the self-references' `DocumentStatusCode`s.
    pub statuses: Vec<&'d str>,
    /// EXT-FR-FE-162, the parent line id: the self-references'
    /// `cac:BillingReferenceLine/cbc:ID`s.
    pub parents: Vec<&'d str>,
    /// The self-references that make the line a top GROUP line (U-GROUP).
    pub groups: Vec<Node<'d>>,
    /// EXT-FR-FE-167: `cac:Item/cac:ManufacturerParty/cac:PartyLegalEntity/cbc:CompanyID`.
    pub seller_ids: Vec<&'d str>,
    /// BT-128 AFL: `cac:DocumentReference[cbc:DocumentTypeCode='130']/cbc:ID[@schemeID='AFL']`.
    pub afl: Vec<Node<'d>>,
}

/// What the UBL rules share about one document.
pub(crate) struct Doc<'d> {
    pub root: Node<'d>,
    /// `cac:InvoiceLine` for an invoice, `cac:CreditNoteLine` for a credit note.
    pub line_name: &'static str,
    pub credit_note: bool,
    /// `$invoiceID`: BT-1, the root `cbc:ID`.
    pub invoice_id: Option<&'d str>,
    /// BT-3: `cbc:InvoiceTypeCode` of an invoice, `cbc:CreditNoteTypeCode` of a
    /// credit note.
    pub type_code: Option<Node<'d>>,
    /// BT-23, `cbc:ProfileID`.
    pub profile: Option<Node<'d>>,
    pub cadre: Cadre,
    /// NOTES: the root `cbc:Note` texts concatenated without separator.
    pub notes: String,
    /// T: the BAR value extracted from NOTES.
    pub bar: String,
    /// BT-5, `cbc:DocumentCurrencyCode`.
    pub currency: Option<&'d str>,
    pub lines: Vec<Line<'d>>,
}

impl<'d> Doc<'d> {
    fn new(root: Node<'d>) -> Self {
        let credit_note = root.is(Namespace::UBL_CREDIT_NOTE, "CreditNote");
        let (line_name, type_name) = if credit_note {
            ("CreditNoteLine", "CreditNoteTypeCode")
        } else {
            ("InvoiceLine", "InvoiceTypeCode")
        };
        let invoice_id = root.child(Namespace::CBC, "ID").map(|n| n.text());
        let profile = root.child(Namespace::CBC, "ProfileID");
        let notes: String = root
            .children_named(Namespace::CBC, "Note")
            .map(string_value)
            .collect();
        let bar = note_value(&notes, "BAR").to_string();
        let lines = root
            .children_named(Namespace::CAC, line_name)
            .map(|node| Line::new(node, invoice_id))
            .collect();
        Doc {
            root,
            line_name,
            credit_note,
            invoice_id,
            type_code: root.child(Namespace::CBC, type_name),
            profile,
            cadre: Cadre::of(profile.map(|p| p.text())),
            notes,
            bar,
            currency: root
                .child(Namespace::CBC, "DocumentCurrencyCode")
                .map(|n| n.text()),
            lines,
        }
    }

    /// Every element, in document order.
    pub fn elements(&self) -> impl Iterator<Item = Node<'d>> + 'd {
        self.root.document().elements()
    }

    /// True when `node` is reached from the root by `path` (a `ubl:Invoice/…` context
    /// with its `cn:CreditNote/…` twin). A step named `InvoiceLine` stands for the
    /// document's line element.
    pub fn at(&self, node: Node<'_>, path: &[(Namespace, &str)]) -> bool {
        let mut current = Some(node);
        for (ns, local) in path.iter().rev() {
            let local = if *local == "InvoiceLine" {
                self.line_name
            } else {
                local
            };
            match current {
                Some(n) if n.is(*ns, local) => current = n.parent(),
                _ => return false,
            }
        }
        current.is_some_and(|p| p.index() == self.root.index())
    }

    /// BT-3 is one of `list` (raw comparison).
    pub fn type_in(&self, list: &[&str]) -> bool {
        self.type_code.is_some_and(|t| list.contains(&t.text()))
    }

    /// BT-23 is one of `list` (raw comparison).
    pub fn profile_in(&self, list: &[&str]) -> bool {
        self.profile.is_some_and(|p| list.contains(&p.text()))
    }

    /// The first node of `path` below the root.
    pub fn first(&self, path: &[(Namespace, &str)]) -> Option<Node<'d>> {
        self.root.first(path)
    }
}

impl<'d> Line<'d> {
    fn new(node: Node<'d>, invoice_id: Option<&str>) -> Self {
        let self_refs: Vec<Node<'d>> = node
            .children_named(Namespace::CAC, "BillingReference")
            .filter(|r| {
                r.all(&[cac("InvoiceDocumentReference"), cbc("ID")])
                    .iter()
                    .any(|id| Some(id.text()) == invoice_id)
            })
            .collect();
        let texts = |path: &[(Namespace, &str)]| -> Vec<&'d str> {
            self_refs
                .iter()
                .flat_map(|r| r.all(path))
                .map(|n| n.text())
                .collect()
        };
        let statuses = texts(&[cac("InvoiceDocumentReference"), cbc("DocumentStatusCode")]);
        let parents = texts(&[cac("BillingReferenceLine"), cbc("ID")]);
        let groups = self_refs
            .iter()
            .copied()
            .filter(|r| {
                r.all(&[cac("InvoiceDocumentReference"), cbc("DocumentStatusCode")])
                    .iter()
                    .any(|s| s.text() == "GROUP")
                    && r.all(&[cac("BillingReferenceLine"), cbc("ID")]).is_empty()
            })
            .collect();
        let seller_ids = node
            .all(&[
                cac("Item"),
                cac("ManufacturerParty"),
                cac("PartyLegalEntity"),
                cbc("CompanyID"),
            ])
            .into_iter()
            .map(|n| n.text())
            .collect();
        let afl = sub_invoice_refs(node, "AFL");
        Line {
            node,
            id: node.child(Namespace::CBC, "ID").map(|n| n.text()),
            self_refs,
            statuses,
            parents,
            groups,
            seller_ids,
            afl,
        }
    }

    /// The line's sub-type is `status` (existential comparison).
    pub fn status_is(&self, status: &str) -> bool {
        self.statuses.contains(&status)
    }
}

/// `cac:DocumentReference[cbc:DocumentTypeCode='130']/cbc:ID[@schemeID=scheme]` of a line.
pub(crate) fn sub_invoice_refs<'d>(line: Node<'d>, scheme: &str) -> Vec<Node<'d>> {
    line.children_named(Namespace::CAC, "DocumentReference")
        .filter(|r| {
            r.children_named(Namespace::CBC, "DocumentTypeCode")
                .any(|t| t.text() == "130")
        })
        .flat_map(|r| r.children_named(Namespace::CBC, "ID"))
        .filter(|id| id.attr("schemeID") == Some(scheme))
        .collect()
}
