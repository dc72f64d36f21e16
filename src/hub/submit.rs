//! `Hub::submit`: one received document to one terminal outcome.
//!
//! Order matters for "nothing new stored" on a repeat: the idempotency key and the
//! document hash are looked up before any work, and the transaction's inserts refuse
//! what a concurrent submission stored in between (unique keys), in which case the
//! submission is decided again against what is now there.

use serde::Serialize;

use super::{Hub, HubError, new_id, now};
use crate::identifiers::{AddressingId, Matricule, Siren};
use crate::ingest::admission::{self, Context, Decision, UniquenessKey};
use crate::ingest::detect::{self, Container};
use crate::ingest::report::Syntax;
use crate::ingest::{self, Outcome};
use crate::invoice::{Date, Invoice};
use crate::lifecycle::Status;
use crate::lifecycle::chain::sha256_hex;
use crate::routing::{FlowSyntax, InvoiceRouting, OutgoingMessage};
use crate::storage::{InvoiceParties, InvoiceRecord, NewStatus, StoredFailure};

/// The answer to a submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Receipt {
    pub invoice_id: String,
    /// 200 Déposée or 213 Rejetée (later statuses when this is a replayed receipt
    /// of an invoice that has moved on: the current status).
    pub status: Status,
    /// The reform's reason codes (MDT-113) of a 213, distinct, in order.
    pub reasons: Vec<String>,
    /// Each rule that failed, with its reason and a message.
    pub failures: Vec<StoredFailure>,
    /// Where an accepted invoice is delivered.
    pub recipient_platform: Option<Matricule>,
    pub sha256: String,
    /// True when this is the answer to an earlier submission of the same document or
    /// idempotency key: nothing new was stored.
    pub replayed: bool,
}

impl Receipt {
    pub(super) fn of(record: &InvoiceRecord, replayed: bool) -> Receipt {
        let mut reasons: Vec<String> = Vec::new();
        for f in &record.failures {
            if !reasons.contains(&f.reason) {
                reasons.push(f.reason.clone());
            }
        }
        Receipt {
            invoice_id: record.id.clone(),
            status: record.status,
            reasons,
            failures: record.failures.clone(),
            recipient_platform: record.recipient_platform,
            sha256: record.sha256.clone(),
            replayed,
        }
    }
}

/// Attempts at storing one submission when concurrent ones keep taking its keys.
pub(super) const ATTEMPTS: usize = 3;

impl Hub {
    /// Receives one document (UBL, CII or Factur-X PDF) from the platform `sender`.
    ///
    /// The same bytes from the same sender answer with the first receipt; the same
    /// `idempotency_key` with the same bytes too, and with other bytes is refused
    /// ([`HubError::IdempotencyKeyReused`]); the same uniqueness key (number, year,
    /// seller SIREN) as an accepted invoice gets 213 DOUBLON.
    pub async fn submit(
        &self,
        document: Vec<u8>,
        sender: Matricule,
        idempotency_key: Option<&str>,
    ) -> Result<Receipt, HubError> {
        self.metrics.received.inc();
        let receipt = self.decide(document, sender, idempotency_key).await?;
        self.count_outcome(&receipt);
        Ok(receipt)
    }

    /// Counts a decided submission once its transaction committed.
    pub(super) fn count_outcome(&self, receipt: &Receipt) {
        // A repeat stored nothing new: its outcome was counted the first time.
        if receipt.replayed {
            return;
        }
        if receipt.status == Status::Rejected {
            // One count per rejected document, under its first reason, so that
            // accepted + rejected add up to the documents decided.
            let reason = receipt.reasons.first().map_or("NONE", String::as_str);
            self.metrics.rejected.with(reason).inc();
        } else {
            self.metrics.accepted.inc();
        }
    }

    /// `submit` without the counting.
    async fn decide(
        &self,
        document: Vec<u8>,
        sender: Matricule,
        idempotency_key: Option<&str>,
    ) -> Result<Receipt, HubError> {
        let sha256 = sha256_hex(&document);
        if let Some(receipt) = self.earlier(&sha256, sender, idempotency_key).await? {
            return Ok(receipt);
        }
        // Validation is CPU work: off the async workers.
        let options = self.options.clone();
        let (document, outcome) = tokio::task::spawn_blocking(move || {
            let outcome = ingest::ingest(&document, &options);
            (document, outcome)
        })
        .await
        .map_err(|e| HubError::Internal(format!("validation task failed: {e}")))?;
        let facts = Facts::of(&document, &outcome);
        let recipient = self.recipient_of(&facts);
        for _ in 0..ATTEMPTS {
            let duplicate = match &facts.uniqueness {
                Some(key) => self.db.uniqueness_key_taken(key).await?,
                None => false,
            };
            let today = self.today_date()?;
            let context = Context {
                today,
                duplicate,
                recipient_known: outcome.invoice.as_ref().map(|_| recipient.is_some()),
            };
            let decision = admission::decide(outcome.invoice.as_ref(), &outcome.report, &context);
            let record = facts.record(
                new_id("")?,
                &sha256,
                sender,
                &decision,
                recipient,
                idempotency_key,
            );
            if self.store(&record, &document, &decision, &facts).await? {
                return Ok(Receipt::of(&record, false));
            }
            // A concurrent submission took one of its keys: answer as it now stands.
            if let Some(receipt) = self.earlier(&sha256, sender, idempotency_key).await? {
                return Ok(receipt);
            }
        }
        Err(HubError::Conflict(sha256))
    }

    /// The platform the directory names today for the document's recipient.
    pub(super) fn recipient_of(&self, facts: &Facts) -> Option<Matricule> {
        facts.recipient.as_ref().and_then(|address| {
            self.directory
                .resolve(address, self.directory.today())
                .and_then(|r| r.matricule())
        })
    }

    /// The directory's today, as admission compares dates.
    pub(super) fn today_date(&self) -> Result<Date, HubError> {
        let (y, m, d) = self.directory.today().ymd();
        Date::new(y as u16, m as u8, d as u8)
            .ok_or_else(|| HubError::Internal("today is not a date".into()))
    }

    /// The receipt of an earlier submission this one repeats.
    async fn earlier(
        &self,
        sha256: &str,
        sender: Matricule,
        idempotency_key: Option<&str>,
    ) -> Result<Option<Receipt>, HubError> {
        if let Some(key) = idempotency_key
            && let Some(first) = self.db.invoice_by_idempotency_key(sender, key).await?
        {
            if first.sha256 != sha256 {
                return Err(HubError::IdempotencyKeyReused { key: key.into() });
            }
            return Ok(Some(Receipt::of(&first, true)));
        }
        Ok(self
            .db
            .invoice_by_document(sender, sha256)
            .await?
            .map(|first| Receipt::of(&first, true)))
    }

    /// Stores the outcome in one transaction; `false` when a unique key was taken.
    async fn store(
        &self,
        record: &InvoiceRecord,
        document: &[u8],
        decision: &Decision,
        facts: &Facts,
    ) -> Result<bool, HubError> {
        let now = now();
        let delivery = if decision.status == Status::Deposited {
            Some(facts.message(record, document)?)
        } else {
            None
        };
        let mut tx = self.db.begin().await?;
        tx.put_document(&record.sha256, document, &now).await?;
        if !tx.insert_invoice(record).await? {
            return Ok(false);
        }
        let first = NewStatus {
            status: decision.status,
            reasons: decision.reasons(),
            comment: None,
            set_by: record.sender_platform,
            recorded_at: now.clone(),
        };
        tx.append_status(&record.id, &record.sha256, &first).await?;
        if let Some(message) = &delivery {
            tx.enqueue(&record.id, message, &record.sha256, &now)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// What the hub reads from a validated document.
pub(super) struct Facts {
    syntax: FlowSyntax,
    syntax_name: &'static str,
    number: Option<String>,
    issue_date: Option<String>,
    seller_siren: Option<Siren>,
    buyer_siren: Option<String>,
    /// BT-49 as written.
    address_text: Option<String>,
    /// BT-49 when it is a well-formed addressing identifier.
    pub(super) recipient: Option<AddressingId>,
    pub(super) uniqueness: Option<String>,
    /// Names and routing codes of the parties (who may see the invoice).
    parties: InvoiceParties,
}

/// The routing code of an electronic address of the form `SIREN_SIRET_CODE`.
fn routing_code_of(address: Option<&AddressingId>) -> Option<String> {
    match address {
        Some(AddressingId::RoutingCode(_, code)) => Some(code.as_str().to_string()),
        _ => None,
    }
}

impl Facts {
    pub(super) fn of(document: &[u8], outcome: &Outcome) -> Facts {
        let pdf = detect::container(document) == Container::Pdf;
        let (syntax, syntax_name) = match (pdf, outcome.report.syntax) {
            (true, _) => (FlowSyntax::FacturX, "Factur-X"),
            (false, Syntax::Cii) => (FlowSyntax::Cii, "CII"),
            (false, Syntax::Cdar) => (FlowSyntax::Cdar, "CDAR"),
            (false, Syntax::Ubl) => (FlowSyntax::Ubl, "UBL"),
            (false, Syntax::Unknown) => (FlowSyntax::Ubl, "unknown"),
        };
        let invoice: Option<&Invoice> = outcome.invoice.as_ref();
        let address_text = invoice
            .and_then(|i| i.buyer.electronic_address.as_ref())
            .map(|a| a.value.trim().to_string());
        let recipient = address_text
            .as_deref()
            .and_then(|a| AddressingId::parse(a).ok());
        let seller_address = invoice
            .and_then(|i| i.seller.electronic_address.as_ref())
            .and_then(|a| AddressingId::parse(a.value.trim()).ok());
        let name = |n: Option<&String>| n.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        let parties = InvoiceParties {
            seller_name: name(invoice.and_then(|i| i.seller.name.as_ref())),
            buyer_name: name(invoice.and_then(|i| i.buyer.name.as_ref())),
            seller_routing_code: routing_code_of(seller_address.as_ref()),
            buyer_routing_code: routing_code_of(recipient.as_ref()),
        };
        Facts {
            syntax,
            syntax_name,
            number: invoice.and_then(|i| i.number.clone()),
            issue_date: invoice.and_then(|i| i.issue_date).map(|d| d.to_string()),
            seller_siren: invoice.and_then(admission::seller_siren),
            buyer_siren: invoice.and_then(|i| {
                let b = &i.buyer;
                b.legal_registration_identifier
                    .iter()
                    .chain(b.identifiers.iter())
                    .filter(|id| id.has_scheme("0002"))
                    .find_map(|id| Siren::parse(id.value.trim()).ok())
                    .map(|s| s.as_str().to_string())
            }),
            recipient,
            address_text,
            uniqueness: invoice
                .and_then(UniquenessKey::of)
                .map(|k| format!("{}/{}/{}", k.number, k.year, k.seller_siren)),
            parties,
        }
    }

    pub(super) fn record(
        &self,
        id: String,
        sha256: &str,
        sender: Matricule,
        decision: &Decision,
        recipient: Option<Matricule>,
        idempotency_key: Option<&str>,
    ) -> InvoiceRecord {
        let accepted = decision.status == Status::Deposited;
        InvoiceRecord {
            id,
            sha256: sha256.to_string(),
            syntax: self.syntax_name.to_string(),
            invoice_number: self.number.clone(),
            issue_date: self.issue_date.clone(),
            seller_siren: self.seller_siren.as_ref().map(|s| s.as_str().to_string()),
            buyer_siren: self.buyer_siren.clone(),
            recipient_address: self.address_text.clone(),
            sender_platform: sender,
            recipient_platform: recipient,
            status: decision.status,
            failures: decision
                .failures
                .iter()
                .map(|f| StoredFailure {
                    rule: f.rule.clone(),
                    reason: f.reason.code().to_string(),
                    message: f.message.clone(),
                })
                .collect(),
            received_at: now(),
            idempotency_key: idempotency_key.map(str::to_string),
            // Only accepted invoices hold their key: a rejected one may be sent again.
            uniqueness_key: self.uniqueness.clone().filter(|_| accepted),
            parties: self.parties.clone(),
        }
    }

    /// The delivery of an accepted invoice to its recipient's platform.
    pub(super) fn message(
        &self,
        record: &InvoiceRecord,
        document: &[u8],
    ) -> Result<OutgoingMessage, HubError> {
        let missing = |what: &str| HubError::Internal(format!("accepted invoice without {what}"));
        let routing = InvoiceRouting {
            id: record.id.clone(),
            syntax: self.syntax,
            invoice_number: self.number.clone().ok_or_else(|| missing("a number"))?,
            seller_siren: self
                .seller_siren
                .clone()
                .ok_or_else(|| missing("a seller SIREN"))?,
            recipient_address: self
                .recipient
                .clone()
                .ok_or_else(|| missing("an address"))?,
            sender_platform: record.sender_platform,
            recipient_platform: record
                .recipient_platform
                .ok_or_else(|| missing("a recipient platform"))?,
        };
        OutgoingMessage::invoice(&routing, document.to_vec())
            .map_err(|e| HubError::Internal(format!("delivery message: {e}")))
    }
}
