//! The outgoing AMQP message (an invoice or a lifecycle status for a platform) and the
//! header names documented in the README, which platforms read.
//!
//! A message is validated when it is built: every AMQP short string (message id,
//! content type, header names) fits in 255 bytes, so publishing can never fail on a
//! message's shape and the publisher needs no error path for it.

use lapin::BasicProperties;
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};

use super::RoutingError;
use crate::identifiers::{AddressingId, Matricule, Siren};
use crate::lifecycle::Status;

/// Header names. Values are AMQP long strings (UTF-8).
pub mod header {
    /// `invoice` or `status`: what the body is.
    pub const KIND: &str = "x-facteur-kind";
    /// `UBL`, `CII`, `Factur-X` or `CDAR` (XP Z12-013 `flowSyntax`).
    pub const SYNTAX: &str = "x-facteur-syntax";
    /// Lower-case hex SHA-256 of the body, so the receiver can check it arrived whole.
    pub const SHA256: &str = "x-facteur-sha256";
    /// BT-1 (for a status: the invoice it is about, MDT-87).
    pub const INVOICE_NUMBER: &str = "x-facteur-invoice-number";
    /// BT-30, 9 digits.
    pub const SELLER_SIREN: &str = "x-facteur-seller-siren";
    /// BT-49 for an invoice (the buyer's addressing identifier); for a status, the
    /// address of the party it is sent to.
    pub const RECIPIENT_ADDRESS: &str = "x-facteur-recipient-address";
    /// The matricule of the platform the document comes from (4 digits).
    pub const SENDER_PLATFORM: &str = "x-facteur-sender-platform";
    /// For a status: the reform's status code (`201`, `205`, `210`, ...).
    pub const STATUS: &str = "x-facteur-status";
    /// For a status: the `message_id` of the invoice it is about.
    pub const INVOICE_ID: &str = "x-facteur-invoice-id";
}

/// What a message carries; sent as the [`header::KIND`] header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    Invoice,
    Status,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Invoice => "invoice",
            MessageKind::Status => "status",
        }
    }
}

/// The syntax of a body, with its MIME type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowSyntax {
    Ubl,
    Cii,
    FacturX,
    Cdar,
}

impl FlowSyntax {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowSyntax::Ubl => "UBL",
            FlowSyntax::Cii => "CII",
            FlowSyntax::FacturX => "Factur-X",
            FlowSyntax::Cdar => "CDAR",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FlowSyntax::Ubl | FlowSyntax::Cii | FlowSyntax::Cdar => "application/xml",
            FlowSyntax::FacturX => "application/pdf",
        }
    }
}

/// What facteur knows about an accepted invoice when it routes it.
#[derive(Clone, Debug)]
pub struct InvoiceRouting {
    /// facteur's id of the invoice, sent as `message_id`: consumers deduplicate on it.
    pub id: String,
    pub syntax: FlowSyntax,
    pub invoice_number: String,
    pub seller_siren: Siren,
    pub recipient_address: AddressingId,
    pub sender_platform: Matricule,
    /// The recipient's platform: the routing key.
    pub recipient_platform: Matricule,
}

/// A lifecycle status to deliver to the other party's platform.
#[derive(Clone, Debug)]
pub struct StatusRouting {
    /// The id of this status message (unique per status, not per invoice).
    pub id: String,
    pub status: Status,
    pub invoice_id: String,
    pub invoice_number: String,
    pub seller_siren: Siren,
    pub recipient_address: AddressingId,
    pub sender_platform: Matricule,
    pub recipient_platform: Matricule,
}

/// One message for one platform queue.
#[derive(Clone, Debug, PartialEq)]
pub struct OutgoingMessage {
    kind: MessageKind,
    id: ShortString,
    platform: Matricule,
    content_type: ShortString,
    headers: Vec<(ShortString, String)>,
    body: Vec<u8>,
}

impl OutgoingMessage {
    /// A message with only the kind header; the typed constructors below add the rest.
    /// Storage rebuilds outbox rows with this and [`with_header`](Self::with_header).
    pub fn new(
        kind: MessageKind,
        id: &str,
        platform: Matricule,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Self, RoutingError> {
        Ok(OutgoingMessage {
            kind,
            id: short("message_id", id)?,
            platform,
            content_type: short("content_type", content_type)?,
            headers: vec![(ShortString::from(header::KIND), kind.as_str().to_owned())],
            body,
        })
    }

    /// Adds (or replaces) a header.
    pub fn with_header(
        mut self,
        name: &str,
        value: impl Into<String>,
    ) -> Result<Self, RoutingError> {
        let name = short("header name", name)?;
        let value = value.into();
        match self.headers.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.headers.push((name, value)),
        }
        Ok(self)
    }

    pub fn invoice(routing: &InvoiceRouting, body: Vec<u8>) -> Result<Self, RoutingError> {
        let sha256 = sha256_hex(&body);
        OutgoingMessage::new(
            MessageKind::Invoice,
            &routing.id,
            routing.recipient_platform,
            routing.syntax.content_type(),
            body,
        )?
        .with_header(header::SYNTAX, routing.syntax.as_str())?
        .with_header(header::SHA256, sha256)?
        .with_header(header::INVOICE_NUMBER, routing.invoice_number.as_str())?
        .with_header(header::SELLER_SIREN, routing.seller_siren.as_str())?
        .with_header(
            header::RECIPIENT_ADDRESS,
            routing.recipient_address.to_string(),
        )?
        .with_header(header::SENDER_PLATFORM, routing.sender_platform.to_string())
    }

    /// A status; the body is its CDAR message.
    pub fn status(routing: &StatusRouting, cdar: Vec<u8>) -> Result<Self, RoutingError> {
        let sha256 = sha256_hex(&cdar);
        OutgoingMessage::new(
            MessageKind::Status,
            &routing.id,
            routing.recipient_platform,
            FlowSyntax::Cdar.content_type(),
            cdar,
        )?
        .with_header(header::SYNTAX, FlowSyntax::Cdar.as_str())?
        .with_header(header::SHA256, sha256)?
        .with_header(header::STATUS, routing.status.code().to_string())?
        .with_header(header::INVOICE_ID, routing.invoice_id.as_str())?
        .with_header(header::INVOICE_NUMBER, routing.invoice_number.as_str())?
        .with_header(header::SELLER_SIREN, routing.seller_siren.as_str())?
        .with_header(
            header::RECIPIENT_ADDRESS,
            routing.recipient_address.to_string(),
        )?
        .with_header(header::SENDER_PLATFORM, routing.sender_platform.to_string())
    }

    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    /// The `message_id`: the invoice id, or the status id.
    pub fn id(&self) -> &str {
        self.id.as_str()
    }

    /// The recipient's platform, whose matricule is the routing key.
    pub fn platform(&self) -> Matricule {
        self.platform
    }

    pub fn routing_key(&self) -> ShortString {
        ShortString::from(self.platform.to_string())
    }

    pub fn content_type(&self) -> &str {
        self.content_type.as_str()
    }

    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// AMQP properties: persistent (delivery mode 2, so a quorum queue keeps it across
    /// restarts), `message_id`, `content_type`, `app_id` and the headers.
    pub fn properties(&self) -> BasicProperties {
        let mut headers = FieldTable::default();
        for (name, value) in &self.headers {
            headers.insert(
                name.clone(),
                AMQPValue::LongString(LongString::from(value.as_str())),
            );
        }
        BasicProperties::default()
            .with_message_id(self.id.clone())
            .with_content_type(self.content_type.clone())
            .with_delivery_mode(PERSISTENT)
            .with_app_id(ShortString::from("facteur"))
            .with_headers(headers)
    }
}

/// AMQP delivery mode 2.
pub const PERSISTENT: u8 = 2;

fn short(field: &'static str, value: &str) -> Result<ShortString, RoutingError> {
    ShortString::try_new(value).map_err(|_| RoutingError::TooLong {
        field,
        len: value.len(),
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    // sha2 0.11's digest no longer formats with `{:x}`: hex-encode by hand.
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 0x0f)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoice() -> InvoiceRouting {
        InvoiceRouting {
            id: "inv-1".into(),
            syntax: FlowSyntax::Ubl,
            invoice_number: "F2026-001".into(),
            seller_siren: Siren::parse("732829320").unwrap(),
            recipient_address: AddressingId::parse("552081317").unwrap(),
            sender_platform: Matricule::parse("0001").unwrap(),
            recipient_platform: Matricule::parse("0042").unwrap(),
        }
    }

    #[test]
    fn an_invoice_carries_the_documented_headers() {
        let message = OutgoingMessage::invoice(&invoice(), b"abc".to_vec()).unwrap();
        assert_eq!(message.routing_key().as_str(), "0042");
        assert_eq!(message.header(header::KIND), Some("invoice"));
        assert_eq!(message.header(header::SYNTAX), Some("UBL"));
        assert_eq!(
            message.header(header::SHA256),
            Some("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
        assert_eq!(message.header(header::INVOICE_NUMBER), Some("F2026-001"));
        assert_eq!(message.header(header::SELLER_SIREN), Some("732829320"));
        assert_eq!(message.header(header::RECIPIENT_ADDRESS), Some("552081317"));
        assert_eq!(message.header(header::SENDER_PLATFORM), Some("0001"));
        let properties = message.properties();
        assert_eq!(properties.delivery_mode(), &Some(PERSISTENT));
        assert_eq!(
            properties.message_id().as_ref().map(|s| s.as_str()),
            Some("inv-1")
        );
        assert_eq!(
            properties.content_type().as_ref().map(|s| s.as_str()),
            Some("application/xml")
        );
        let headers = properties.headers().as_ref().unwrap();
        assert_eq!(headers.inner().len(), 7);
    }

    #[test]
    fn a_status_says_so() {
        let routing = StatusRouting {
            id: "st-1".into(),
            status: Status::Approved,
            invoice_id: "inv-1".into(),
            invoice_number: "F2026-001".into(),
            seller_siren: Siren::parse("732829320").unwrap(),
            recipient_address: AddressingId::parse("732829320").unwrap(),
            sender_platform: Matricule::parse("0042").unwrap(),
            recipient_platform: Matricule::parse("0001").unwrap(),
        };
        let message = OutgoingMessage::status(&routing, b"<cdar/>".to_vec()).unwrap();
        assert_eq!(message.kind(), MessageKind::Status);
        assert_eq!(message.header(header::KIND), Some("status"));
        assert_eq!(message.header(header::STATUS), Some("205"));
        assert_eq!(message.header(header::INVOICE_ID), Some("inv-1"));
        assert_eq!(message.header(header::SYNTAX), Some("CDAR"));
    }

    #[test]
    fn an_id_too_long_for_amqp_is_refused_not_truncated() {
        let mut routing = invoice();
        routing.id = "x".repeat(256);
        assert!(matches!(
            OutgoingMessage::invoice(&routing, Vec::new()),
            Err(RoutingError::TooLong {
                field: "message_id",
                len: 256
            })
        ));
    }
}
