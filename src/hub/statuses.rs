//! Lifecycle statuses reported by platforms (HTTP or the `facteur.statuses` queue):
//! checked, appended to the invoice's chain, delivered to the other party's platform.
//!
//! A platform acts for its side of the exchange: the sender's platform as the issuer
//! platform and for the supplier, the recipient's platform as the receiver platform
//! and for the buyer. Which of those may set a status, and whether it may follow the
//! history, is `lifecycle::status`'s decision, taken on the history read inside the
//! write transaction.

use serde::Serialize;

use super::{Hub, HubError, new_id, now};
use crate::accounts::policy::{PlatformAction, authorize_platform};
use crate::identifiers::{AddressingId, Matricule, Siren};
use crate::ingest::report::Syntax;
use crate::ingest::{self, Options};
use crate::lifecycle::cdar::{Party, ReferencedInvoice, SchemedId, StatusDetail};
use crate::lifecycle::chain::sha256_hex;
use crate::lifecycle::{Actor, LifecycleMessage, Status, check_transition};
use crate::routing::{OutgoingMessage, StatusRouting};
use crate::storage::{InvoiceRecord, NewStatus, StatusRecord, StorageError};

/// A status as a platform reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusInput {
    pub status: Status,
    /// Reason codes (MDT-113).
    pub reasons: Vec<String>,
    pub comment: Option<String>,
    /// The CDAR message as received: forwarded as is. `None`: facteur writes one.
    pub cdar: Option<Vec<u8>>,
    /// The invoice number the CDAR refers to (MDT-87), checked against the invoice.
    pub invoice_number: Option<String>,
    /// The platform's own id of this message: a repeat with the same id is recognised.
    pub message_id: Option<String>,
}

impl StatusInput {
    pub fn new(status: Status, reasons: Vec<String>, comment: Option<String>) -> StatusInput {
        StatusInput {
            status,
            reasons,
            comment,
            cdar: None,
            invoice_number: None,
            message_id: None,
        }
    }

    /// Reads a CDAR lifecycle message; refuses one that does not validate.
    pub fn from_cdar(bytes: Vec<u8>) -> Result<StatusInput, HubError> {
        let outcome = ingest::ingest(&bytes, &Options::default());
        if outcome.report.syntax != Syntax::Cdar {
            return Err(HubError::InvalidStatus(
                "the body is neither JSON nor a CDAR lifecycle message".into(),
            ));
        }
        if !outcome.report.accepted() {
            return Err(HubError::InvalidStatus(format!(
                "the CDAR message is invalid: {}",
                outcome.report.fatal_summary(usize::MAX)
            )));
        }
        let doc = crate::xml::parse(&bytes, &Default::default()).map_err(|e| {
            HubError::InvalidStatus(format!("unreadable CDAR message: {}", e.message))
        })?;
        let message = LifecycleMessage::from_tree(doc.root());
        let [reference] = message.references.as_slice() else {
            return Err(HubError::InvalidStatus(format!(
                "a CDAR message sent to facteur must refer to exactly one invoice, not {}",
                message.references.len()
            )));
        };
        let code = reference.status.as_deref().unwrap_or_default();
        let status = Status::parse(code).map_err(|e| HubError::InvalidStatus(e.to_string()))?;
        let reasons = reference
            .details
            .iter()
            .filter_map(|d| d.reason_code.clone())
            .collect();
        let comment = reference.details.iter().find_map(|d| d.reason.clone());
        Ok(StatusInput {
            status,
            reasons,
            comment,
            invoice_number: Some(reference.invoice_number.clone()),
            message_id: Some(message.id.clone()).filter(|id| !id.is_empty()),
            cdar: Some(bytes),
        })
    }
}

/// What became of a reported status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusReceipt {
    /// The record appended; `None` when this repeats a status already recorded.
    pub record: Option<StatusRecord>,
    /// The platform the status is delivered to.
    pub delivered_to: Matricule,
    pub replayed: bool,
}

impl Hub {
    /// An invoice the platform `caller` may read (its sender or recipient platform);
    /// `NotFound` otherwise, so that others' invoice ids reveal nothing.
    pub async fn invoice_for(
        &self,
        caller: Matricule,
        id: &str,
    ) -> Result<InvoiceRecord, HubError> {
        let record = self
            .db
            .invoice(id)
            .await?
            .ok_or_else(|| HubError::NotFound(id.into()))?;
        let action = PlatformAction::ReadInvoice {
            sender: record.sender_platform,
            recipient: delivered_to(&record),
        };
        authorize_platform(caller, action).map_err(|_| HubError::NotFound(id.into()))?;
        Ok(record)
    }

    /// Records a status reported by the platform `caller` on invoice `id`, and
    /// delivers it to the other party's platform.
    pub async fn record_status(
        &self,
        id: &str,
        caller: Matricule,
        input: StatusInput,
    ) -> Result<StatusReceipt, HubError> {
        let invoice = self.invoice_for(caller, id).await?;
        authorize_platform(
            caller,
            PlatformAction::SetStatus {
                sender: invoice.sender_platform,
                recipient: delivered_to(&invoice),
            },
        )?;
        if let Some(number) = &input.invoice_number
            && invoice.invoice_number.as_deref() != Some(number.as_str())
        {
            return Err(HubError::InvalidStatus(format!(
                "the CDAR message refers to invoice number {number:?}, not to this invoice's {:?}",
                invoice.invoice_number.as_deref().unwrap_or_default()
            )));
        }
        let to_sender = Some(caller) == invoice.recipient_platform;
        let delivered_to = if to_sender {
            invoice.sender_platform
        } else {
            invoice
                .recipient_platform
                .ok_or_else(|| HubError::InvalidStatus("the invoice was never routed".into()))?
        };
        let message_id = match &input.message_id {
            Some(theirs) => format!("s-{caller}-{theirs}"),
            None => new_id("s-")?,
        };
        if input.message_id.is_some() && self.db.outbox_has_message(&message_id).await? {
            return Ok(StatusReceipt {
                record: None,
                delivered_to,
                replayed: true,
            });
        }
        let actor = actor_for(caller, &invoice, input.status);
        let now = now();
        let mut tx = self.db.begin().await?;
        let history: Vec<Status> = tx
            .statuses(id)
            .await?
            .iter()
            .filter_map(|r| Status::try_from(r.status).ok())
            .collect();
        if input.reasons.is_empty() {
            check_transition(&history, input.status, actor, None)?;
        }
        for reason in &input.reasons {
            check_transition(&history, input.status, actor, Some(reason))?;
        }
        let new = NewStatus {
            status: input.status,
            reasons: input.reasons.clone(),
            comment: input.comment.clone(),
            set_by: caller,
            recorded_at: now.clone(),
        };
        let record = tx
            .append_status(id, &invoice.sha256, &new)
            .await
            .map_err(|e| conflict_or(e, id))?;
        let cdar = match &input.cdar {
            Some(bytes) => bytes.clone(),
            None => cdar_for(&invoice, &input, caller, to_sender, &now).into_bytes(),
        };
        let cdar_sha = sha256_hex(&cdar);
        tx.put_document(&cdar_sha, &cdar, &now).await?;
        let message = status_message(
            &invoice,
            &input,
            &message_id,
            caller,
            delivered_to,
            to_sender,
            cdar,
        )?;
        tx.enqueue(id, &message, &cdar_sha, &now)
            .await
            .map_err(|e| conflict_or(e, id))?;
        tx.commit().await.map_err(|e| conflict_or(e, id))?;
        Ok(StatusReceipt {
            record: Some(record),
            delivered_to,
            replayed: false,
        })
    }
}

/// The platform an invoice was delivered to: none for one rejected at intake (its
/// failures are the intake's), whose recipient never received it and must not learn
/// of it, even though the directory named its platform.
fn delivered_to(invoice: &InvoiceRecord) -> Option<Matricule> {
    invoice
        .recipient_platform
        .filter(|_| invoice.failures.is_empty())
}

/// A unique-key failure means a concurrent change won: the caller may retry.
fn conflict_or(error: StorageError, id: &str) -> HubError {
    match &error {
        StorageError::Sql(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            HubError::Conflict(id.into())
        }
        _ => HubError::Storage(error),
    }
}

/// The role `caller` plays for `status`: its side's platform role if that role may
/// set it, else its client's (supplier or buyer); `check_transition` says the rest.
fn actor_for(caller: Matricule, invoice: &InvoiceRecord, status: Status) -> Actor {
    let mut roles = Vec::new();
    if caller == invoice.sender_platform {
        roles.extend([Actor::IssuerPlatform, Actor::Supplier]);
    }
    if Some(caller) == invoice.recipient_platform {
        roles.extend([Actor::ReceiverPlatform, Actor::Buyer]);
    }
    roles
        .iter()
        .copied()
        .find(|role| status.setters().contains(role))
        .or(roles.first().copied())
        .unwrap_or(Actor::IssuerPlatform)
}

fn status_message(
    invoice: &InvoiceRecord,
    input: &StatusInput,
    message_id: &str,
    caller: Matricule,
    to: Matricule,
    to_sender: bool,
    cdar: Vec<u8>,
) -> Result<OutgoingMessage, HubError> {
    let seller = invoice
        .seller_siren
        .as_deref()
        .and_then(|s| Siren::parse(s).ok())
        .ok_or_else(|| HubError::Internal("routed invoice without a seller SIREN".into()))?;
    let recipient_address = if to_sender {
        AddressingId::Siren(seller.clone())
    } else {
        invoice
            .recipient_address
            .as_deref()
            .and_then(|a| AddressingId::parse(a).ok())
            .ok_or_else(|| HubError::Internal("routed invoice without an address".into()))?
    };
    let routing = StatusRouting {
        id: message_id.to_string(),
        status: input.status,
        invoice_id: invoice.id.clone(),
        invoice_number: invoice.invoice_number.clone().unwrap_or_default(),
        seller_siren: seller,
        recipient_address,
        sender_platform: caller,
        recipient_platform: to,
    };
    OutgoingMessage::status(&routing, cdar)
        .map_err(|e| HubError::Internal(format!("status message: {e}")))
}

/// `2026-11-28T03:10:00Z` → `20261128031000` (CDAR format 204).
fn format_204(timestamp: &str) -> String {
    timestamp.chars().filter(char::is_ascii_digit).collect()
}

/// The CDAR message facteur writes for a status reported as JSON. A transmission
/// status (200–203) is issued by the platform; a processing status by the party whose
/// platform reports it (the buyer from the recipient's side, else the seller), and
/// goes to the other party.
fn cdar_for(
    invoice: &InvoiceRecord,
    input: &StatusInput,
    caller: Matricule,
    from_buyer_side: bool,
    now: &str,
) -> String {
    let at = format_204(now);
    let number = invoice.invoice_number.clone().unwrap_or_default();
    let platform = Party {
        global_ids: vec![SchemedId {
            scheme: Some("0238".into()),
            value: caller.to_string(),
        }],
        role: Some("WK".into()),
        ..Default::default()
    };
    let seller = invoice.seller_siren.clone().unwrap_or_default();
    let buyer = invoice.buyer_siren.clone().unwrap_or_default();
    let company = |role: &str, siren: &str| Party {
        global_ids: vec![SchemedId {
            scheme: Some("0002".into()),
            value: siren.to_string(),
        }],
        role: Some(role.into()),
        electronic_address: Some(SchemedId {
            scheme: Some("0225".into()),
            value: siren.to_string(),
        }),
        ..Default::default()
    };
    let (issuer_party, recipient_party) = if from_buyer_side {
        (company("BY", &buyer), company("SE", &seller))
    } else {
        (company("SE", &seller), company("BY", &buyer))
    };
    let transmission = input.status.code() < 204;
    let details = if input.reasons.is_empty() && input.comment.is_none() {
        Vec::new()
    } else if input.reasons.is_empty() {
        vec![StatusDetail {
            reason: input.comment.clone(),
            sequence: Some("1".into()),
            ..Default::default()
        }]
    } else {
        input
            .reasons
            .iter()
            .zip(1..)
            .map(|(code, n)| StatusDetail {
                reason_code: Some(code.clone()),
                reason: input.comment.clone(),
                sequence: Some(n.to_string()),
                ..Default::default()
            })
            .collect()
    };
    let message = LifecycleMessage {
        business_process: Some("REGULATED".into()),
        guideline: Some("urn.cpro.gouv.fr:1p0:CDV:invoice".into()),
        id: format!("{number}_{}_{at}", input.status.code()),
        name: Some(input.status.label().into()),
        issued_at: Some(at.clone()),
        sender: Some(platform.clone()),
        issuer: Some(if transmission { platform } else { issuer_party }),
        recipients: vec![recipient_party],
        type_code: Some(if transmission { "305" } else { "23" }.into()),
        status_at: Some(at),
        references: vec![ReferencedInvoice {
            invoice_number: number,
            invoice_date: invoice.issue_date.as_deref().map(format_204),
            status: Some(input.status.code().to_string()),
            status_label: Some(input.status.label().into()),
            issuer: Some(Party {
                global_ids: vec![SchemedId {
                    scheme: Some("0002".into()),
                    value: seller,
                }],
                ..Default::default()
            }),
            details,
            ..Default::default()
        }],
    };
    message.to_xml()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cdar_facteur_writes_for_a_json_status_validates_and_reads_back() {
        let invoice = InvoiceRecord {
            id: "inv".into(),
            sha256: "00".into(),
            syntax: "UBL".into(),
            invoice_number: Some("F-1".into()),
            issue_date: Some("2026-11-01".into()),
            seller_siren: Some("906170857".into()),
            buyer_siren: Some("479612384".into()),
            recipient_address: Some("479612384".into()),
            sender_platform: Matricule::parse("0001").unwrap(),
            recipient_platform: Matricule::parse("0002").ok(),
            status: Status::Issued,
            failures: Vec::new(),
            received_at: "2026-11-28T00:00:00Z".into(),
            idempotency_key: None,
            uniqueness_key: None,
            parties: Default::default(),
        };
        let input = StatusInput::new(
            Status::Refused,
            vec!["DOUBLON".into()],
            Some("déjà reçue".into()),
        );
        let xml = cdar_for(
            &invoice,
            &input,
            Matricule::parse("0002").unwrap(),
            true,
            "2026-11-28T03:10:00Z",
        );
        let read = StatusInput::from_cdar(xml.into_bytes()).unwrap();
        assert_eq!(read.status, Status::Refused);
        assert_eq!(read.reasons, ["DOUBLON"]);
        assert_eq!(read.comment.as_deref(), Some("déjà reçue"));
        assert_eq!(read.invoice_number.as_deref(), Some("F-1"));
    }

    #[test]
    fn a_body_that_is_not_cdar_is_refused_with_a_reason() {
        let error = StatusInput::from_cdar(b"<x/>".to_vec()).unwrap_err();
        assert!(
            error.to_string().contains("neither JSON nor a CDAR"),
            "{error}"
        );
    }
}
