//! CDAR (UN/CEFACT Cross Domain Acknowledgement and Response D22B) lifecycle messages:
//! the typed message, reading it from a parsed tree, writing it as XML.
//!
//! The writer emits elements in the order of the D22B schema, so what facteur writes
//! is schema-valid by construction (checked by the tests against the schema layer).
//! The reader is lenient: it takes what is there, and validation (`facteur validate`,
//! the BR-FR-CDV rules) says what is wrong.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::xml::{Namespace, Node};

/// An identifier with its scheme (`schemeID`), e.g. a SIREN with 0002, a platform
/// matricule with 0238, an electronic address with 0225.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemedId {
    pub scheme: Option<String>,
    pub value: String,
}

/// A party of the message (sender, issuer, recipient) or of the referenced invoice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// `ram:GlobalID` (MDT-57, MDT-129 …).
    pub global_ids: Vec<SchemedId>,
    pub name: Option<String>,
    /// Role code: WK (platform), DFH (PPF), SE (seller), BY (buyer) …
    pub role: Option<String>,
    /// `ram:URIUniversalCommunication/ram:URIID` (MDT-73).
    pub electronic_address: Option<SchemedId>,
}

/// A characteristic of a status detail (MDG-43): an amount collected (MEN), a
/// corrected value (DIV/DVA) …
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Characteristic {
    pub id: Option<String>,
    pub type_code: Option<String>,
    pub changed: Option<String>,
    pub name: Option<String>,
    pub location: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub percent: Option<String>,
}

/// A status detail (MDG-37): reason, requested action, characteristics.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDetail {
    /// MDT-115, when the detail carries its own status code.
    pub status_code: Option<String>,
    /// MDT-113.
    pub reason_code: Option<String>,
    pub reason: Option<String>,
    /// MDT-121.
    pub requested_action_code: Option<String>,
    pub requested_action: Option<String>,
    /// MDT-124-2.
    pub sequence: Option<String>,
    pub characteristics: Vec<Characteristic>,
}

/// The invoice a status is about (MDG-31, `ReferenceReferencedDocument`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferencedInvoice {
    /// MDT-87: the invoice number (BT-1).
    pub invoice_number: String,
    /// MDT-88: transmission / processing status code (10, 43, 46 …).
    pub status_code: Option<String>,
    /// MDT-91: the invoice type code (BT-3).
    pub type_code: Option<String>,
    /// MDT-95: when the invoice was received (`YYYYMMDDHHMMSS`, format 204).
    pub received_at: Option<String>,
    /// MDT-100: the invoice date (BT-2, `YYYYMMDD`, format 102).
    pub invoice_date: Option<String>,
    /// MDT-105: the lifecycle status code (200 …).
    pub status: Option<String>,
    /// MDT-106: its label.
    pub status_label: Option<String>,
    /// MDT-129…: the invoice's issuer (the seller).
    pub issuer: Option<Party>,
    pub details: Vec<StatusDetail>,
}

/// A CDAR lifecycle message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleMessage {
    /// MDT-2: `REGULATED` for the reform's invoices.
    pub business_process: Option<String>,
    /// MDT-3: `urn.cpro.gouv.fr:1p0:CDV:invoice`.
    pub guideline: Option<String>,
    /// MDT-4.
    pub id: String,
    /// MDT-5.
    pub name: Option<String>,
    /// MDT-8: creation time, format 204.
    pub issued_at: Option<String>,
    pub sender: Option<Party>,
    pub issuer: Option<Party>,
    pub recipients: Vec<Party>,
    /// MDT-77: 305 (transmission) or 23 (processing).
    pub type_code: Option<String>,
    /// MDT-78: when the status was set, format 204.
    pub status_at: Option<String>,
    pub references: Vec<ReferencedInvoice>,
}

const RAM: Namespace = Namespace::RAM;

fn text(node: Option<Node<'_>>) -> Option<String> {
    node.map(|n| n.text().trim().to_string())
}

fn child_text(node: Node<'_>, local: &str) -> Option<String> {
    text(node.child(RAM, local))
}

fn date_time(node: Node<'_>, local: &str) -> Option<String> {
    let holder = node.child(RAM, local)?;
    holder
        .children()
        .find(|c| c.local_name() == "DateTimeString")
        .map(|c| c.text().trim().to_string())
}

fn schemed(node: Node<'_>) -> SchemedId {
    SchemedId {
        scheme: node.attr("schemeID").map(str::to_string),
        value: node.text().trim().to_string(),
    }
}

fn party(node: Node<'_>) -> Party {
    Party {
        global_ids: node.children_named(RAM, "GlobalID").map(schemed).collect(),
        name: child_text(node, "Name"),
        role: child_text(node, "RoleCode"),
        electronic_address: node
            .first(&[(RAM, "URIUniversalCommunication"), (RAM, "URIID")])
            .map(schemed),
    }
}

fn characteristic(node: Node<'_>) -> Characteristic {
    let amount = node.child(RAM, "ValueAmount");
    Characteristic {
        id: child_text(node, "ID"),
        type_code: child_text(node, "TypeCode"),
        changed: node
            .child(RAM, "ValueChangedIndicator")
            .and_then(|v| v.children().next())
            .map(|v| v.text().trim().to_string()),
        name: child_text(node, "Name"),
        location: child_text(node, "Location"),
        amount: text(amount),
        currency: amount
            .and_then(|a| a.attr("currencyID"))
            .map(str::to_string),
        percent: child_text(node, "ValuePercent"),
    }
}

fn detail(node: Node<'_>) -> StatusDetail {
    StatusDetail {
        status_code: child_text(node, "ProcessConditionCode"),
        reason_code: child_text(node, "ReasonCode"),
        reason: child_text(node, "Reason"),
        requested_action_code: child_text(node, "RequestedActionCode"),
        requested_action: child_text(node, "RequestedAction"),
        sequence: child_text(node, "SequenceNumeric"),
        characteristics: node
            .children_named(RAM, "SpecifiedDocumentCharacteristic")
            .map(characteristic)
            .collect(),
    }
}

fn reference(node: Node<'_>) -> ReferencedInvoice {
    ReferencedInvoice {
        invoice_number: child_text(node, "IssuerAssignedID").unwrap_or_default(),
        status_code: child_text(node, "StatusCode"),
        type_code: child_text(node, "TypeCode"),
        received_at: date_time(node, "ReceiptDateTime"),
        invoice_date: date_time(node, "FormattedIssueDateTime"),
        status: child_text(node, "ProcessConditionCode"),
        status_label: child_text(node, "ProcessCondition"),
        issuer: node.child(RAM, "IssuerTradeParty").map(party),
        details: node
            .children_named(RAM, "SpecifiedDocumentStatus")
            .map(detail)
            .collect(),
    }
}

impl LifecycleMessage {
    /// Reads a message from the root of a parsed CDAR document.
    pub fn from_tree(root: Node<'_>) -> LifecycleMessage {
        let context = root.child(Namespace::CDAR, "ExchangedDocumentContext");
        let header = root.child(Namespace::CDAR, "ExchangedDocument");
        let ack = root.child(Namespace::CDAR, "AcknowledgementDocument");
        let context_id =
            |local: &str| context.and_then(|c| text(c.first(&[(RAM, local), (RAM, "ID")])));
        LifecycleMessage {
            business_process: context_id("BusinessProcessSpecifiedDocumentContextParameter"),
            guideline: context_id("GuidelineSpecifiedDocumentContextParameter"),
            id: header.and_then(|h| child_text(h, "ID")).unwrap_or_default(),
            name: header.and_then(|h| child_text(h, "Name")),
            issued_at: header.and_then(|h| date_time(h, "IssueDateTime")),
            sender: header
                .and_then(|h| h.child(RAM, "SenderTradeParty"))
                .map(party),
            issuer: header
                .and_then(|h| h.child(RAM, "IssuerTradeParty"))
                .map(party),
            recipients: header
                .into_iter()
                .flat_map(|h| h.children_named(RAM, "RecipientTradeParty"))
                .map(party)
                .collect(),
            type_code: ack.and_then(|a| child_text(a, "TypeCode")),
            status_at: ack.and_then(|a| date_time(a, "IssueDateTime")),
            references: ack
                .into_iter()
                .flat_map(|a| a.children_named(RAM, "ReferenceReferencedDocument"))
                .map(reference)
                .collect(),
        }
    }

    /// Writes the message as CDAR D22B XML.
    pub fn to_xml(&self) -> String {
        let mut w = Writer::default();
        w.raw(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        w.raw("\n<rsm:CrossDomainAcknowledgementAndResponse xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100\" xmlns:ram=\"urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100\" xmlns:udt=\"urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100\" xmlns:qdt=\"urn:un:unece:uncefact:data:standard:QualifiedDataType:100\">");
        w.open("rsm:ExchangedDocumentContext");
        if let Some(process) = &self.business_process {
            w.open("ram:BusinessProcessSpecifiedDocumentContextParameter");
            w.leaf("ram:ID", process);
            w.close("ram:BusinessProcessSpecifiedDocumentContextParameter");
        }
        if let Some(guideline) = &self.guideline {
            w.open("ram:GuidelineSpecifiedDocumentContextParameter");
            w.leaf("ram:ID", guideline);
            w.close("ram:GuidelineSpecifiedDocumentContextParameter");
        }
        w.close("rsm:ExchangedDocumentContext");

        w.open("rsm:ExchangedDocument");
        w.leaf("ram:ID", &self.id);
        w.opt_leaf("ram:Name", self.name.as_deref());
        w.date_time("ram:IssueDateTime", "udt", "204", self.issued_at.as_deref());
        if let Some(p) = &self.sender {
            w.party("ram:SenderTradeParty", p);
        }
        if let Some(p) = &self.issuer {
            w.party("ram:IssuerTradeParty", p);
        }
        for p in &self.recipients {
            w.party("ram:RecipientTradeParty", p);
        }
        w.close("rsm:ExchangedDocument");

        w.open("rsm:AcknowledgementDocument");
        w.open("ram:MultipleReferencesIndicator");
        w.leaf(
            "udt:Indicator",
            if self.references.len() > 1 {
                "true"
            } else {
                "false"
            },
        );
        w.close("ram:MultipleReferencesIndicator");
        w.opt_leaf("ram:TypeCode", self.type_code.as_deref());
        w.date_time("ram:IssueDateTime", "udt", "204", self.status_at.as_deref());
        for r in &self.references {
            w.open("ram:ReferenceReferencedDocument");
            w.leaf("ram:IssuerAssignedID", &r.invoice_number);
            w.opt_leaf("ram:StatusCode", r.status_code.as_deref());
            w.opt_leaf("ram:TypeCode", r.type_code.as_deref());
            w.date_time(
                "ram:ReceiptDateTime",
                "udt",
                "204",
                r.received_at.as_deref(),
            );
            w.date_time(
                "ram:FormattedIssueDateTime",
                "qdt",
                "102",
                r.invoice_date.as_deref(),
            );
            w.opt_leaf("ram:ProcessConditionCode", r.status.as_deref());
            w.opt_leaf("ram:ProcessCondition", r.status_label.as_deref());
            if let Some(p) = &r.issuer {
                w.party("ram:IssuerTradeParty", p);
            }
            for d in &r.details {
                w.open("ram:SpecifiedDocumentStatus");
                w.opt_leaf("ram:ReasonCode", d.reason_code.as_deref());
                w.opt_leaf("ram:Reason", d.reason.as_deref());
                w.opt_leaf("ram:ProcessConditionCode", d.status_code.as_deref());
                w.opt_leaf(
                    "ram:RequestedActionCode",
                    d.requested_action_code.as_deref(),
                );
                w.opt_leaf("ram:RequestedAction", d.requested_action.as_deref());
                w.opt_leaf("ram:SequenceNumeric", d.sequence.as_deref());
                for c in &d.characteristics {
                    w.characteristic(c);
                }
                w.close("ram:SpecifiedDocumentStatus");
            }
            w.close("ram:ReferenceReferencedDocument");
        }
        w.close("rsm:AcknowledgementDocument");
        w.raw("\n</rsm:CrossDomainAcknowledgementAndResponse>\n");
        w.out
    }
}

/// A small indenting XML writer; every text and attribute value is escaped.
#[derive(Default)]
struct Writer {
    out: String,
    depth: usize,
}

fn escape(value: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(value)
}

impl Writer {
    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn indent(&mut self) {
        self.out.push('\n');
        for _ in 0..=self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, name: &str) {
        self.indent();
        let _ = write!(self.out, "<{name}>");
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        let _ = write!(self.out, "</{name}>");
    }

    fn leaf(&mut self, name: &str, value: &str) {
        self.indent();
        let _ = write!(self.out, "<{name}>{}</{name}>", escape(value));
    }

    fn leaf_attr(&mut self, name: &str, attr: &str, attr_value: Option<&str>, value: &str) {
        self.indent();
        match attr_value {
            Some(a) => {
                let _ = write!(
                    self.out,
                    "<{name} {attr}=\"{}\">{}</{name}>",
                    escape(a),
                    escape(value)
                );
            }
            None => {
                let _ = write!(self.out, "<{name}>{}</{name}>", escape(value));
            }
        }
    }

    fn opt_leaf(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.leaf(name, v);
        }
    }

    fn date_time(&mut self, name: &str, prefix: &str, format: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.open(name);
            self.indent();
            let _ = write!(
                self.out,
                "<{prefix}:DateTimeString format=\"{format}\">{}</{prefix}:DateTimeString>",
                escape(v)
            );
            self.close(name);
        }
    }

    fn party(&mut self, name: &str, p: &Party) {
        self.open(name);
        for id in &p.global_ids {
            self.leaf_attr("ram:GlobalID", "schemeID", id.scheme.as_deref(), &id.value);
        }
        self.opt_leaf("ram:Name", p.name.as_deref());
        self.opt_leaf("ram:RoleCode", p.role.as_deref());
        if let Some(address) = &p.electronic_address {
            self.open("ram:URIUniversalCommunication");
            self.leaf_attr(
                "ram:URIID",
                "schemeID",
                address.scheme.as_deref(),
                &address.value,
            );
            self.close("ram:URIUniversalCommunication");
        }
        self.close(name);
    }

    fn characteristic(&mut self, c: &Characteristic) {
        self.open("ram:SpecifiedDocumentCharacteristic");
        self.opt_leaf("ram:ID", c.id.as_deref());
        self.opt_leaf("ram:TypeCode", c.type_code.as_deref());
        if let Some(changed) = &c.changed {
            self.open("ram:ValueChangedIndicator");
            self.leaf("udt:IndicatorString", changed);
            self.close("ram:ValueChangedIndicator");
        }
        self.opt_leaf("ram:Name", c.name.as_deref());
        self.opt_leaf("ram:Location", c.location.as_deref());
        if let Some(amount) = &c.amount {
            self.leaf_attr(
                "ram:ValueAmount",
                "currencyID",
                c.currency.as_deref(),
                amount,
            );
        }
        self.opt_leaf("ram:ValuePercent", c.percent.as_deref());
        self.close("ram:SpecifiedDocumentCharacteristic");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{Limits, parse};

    fn examples() -> Vec<(String, Vec<u8>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/reference/dgfip/cdar-examples");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut out: Vec<_> = entries
            .flatten()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn dgfip_examples_read_and_round_trip() {
        let examples = examples();
        if examples.is_empty() {
            println!("SKIPPED: DGFiP CDAR examples absent");
            return;
        }
        for (name, bytes) in examples {
            let doc = parse(&bytes, &Limits::default()).unwrap();
            let message = LifecycleMessage::from_tree(doc.root());
            assert!(!message.id.is_empty(), "{name}: no id");
            assert_eq!(message.references.len(), 1, "{name}");
            let status = message.references[0].status.as_deref().unwrap();
            assert!(
                name.contains(&format!("CDV-{status}")),
                "{name}: status {status}"
            );
            let written = message.to_xml();
            let again = LifecycleMessage::from_tree(
                parse(written.as_bytes(), &Limits::default())
                    .unwrap()
                    .root(),
            );
            assert_eq!(again, message, "{name}: round trip changed the message");
        }
    }

    #[test]
    fn reasons_and_characteristics_are_read() {
        let examples = examples();
        let Some((_, bytes)) = examples
            .iter()
            .find(|(n, _)| n.contains("UC4") && n.contains("207"))
        else {
            println!("SKIPPED: DGFiP CDAR examples absent");
            return;
        };
        let doc = parse(bytes, &Limits::default()).unwrap();
        let m = LifecycleMessage::from_tree(doc.root());
        let r = &m.references[0];
        assert_eq!(m.type_code.as_deref(), Some("23"));
        assert_eq!(r.status.as_deref(), Some("207"));
        assert_eq!(r.details[0].reason_code.as_deref(), Some("TX_TVA_ERR"));
        assert_eq!(r.details[0].characteristics.len(), 2);
        assert_eq!(
            r.details[0].characteristics[1].percent.as_deref(),
            Some("20.00")
        );
    }

    #[test]
    fn writer_escapes_text() {
        let m = LifecycleMessage {
            id: "A&B<1>".into(),
            ..LifecycleMessage::default()
        };
        let xml = m.to_xml();
        assert!(xml.contains("<ram:ID>A&amp;B&lt;1&gt;</ram:ID>"));
        let back =
            LifecycleMessage::from_tree(parse(xml.as_bytes(), &Limits::default()).unwrap().root());
        assert_eq!(back.id, "A&B<1>");
    }
}
