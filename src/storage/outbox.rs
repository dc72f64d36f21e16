//! The transactional outbox: what must reach a platform (an accepted invoice, a
//! status), written in the same transaction as the record it delivers, then taken by
//! the AMQP relay ([`OutboxStore`]) or, without a broker, by the embedded inbox.
//!
//! Claims lease rows (`leased_until`, and a random `lease` token that finds the rows
//! of one claim again). On PostgreSQL the claim locks with `FOR UPDATE SKIP LOCKED`,
//! so several facteur instances share the outbox without ever claiming the same row
//! at once. On SQLite a claim runs in a `BEGIN IMMEDIATE` transaction: one writer at a
//! time, correct for the one instance SQLite supports.
//!
//! Publishing an invoice (broker confirm, or inbox acknowledgement) records status 201
//! (Émise) in the same transaction that marks the row published.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::hub::NewStatus;
use super::lines::{Cells, matricule_of};
use super::{Db, Result, StorageError, Tx, with_tx};
use crate::directory::day::timestamp;
use crate::identifiers::Matricule;
use crate::lifecycle::Status;
use crate::routing::{MessageKind, OutboxItem, OutboxStore, OutgoingMessage};

/// How long a relay's claim keeps rows from other claims: far longer than a batch
/// takes, short enough that a crashed instance's rows come back within minutes.
pub const RELAY_LEASE: Duration = Duration::from_secs(300);

/// Milliseconds since the Unix epoch.
fn millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn lease_token() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| StorageError::Corrupt(format!("no randomness: {e}")))?;
    Ok(crate::accounts::tokens::hex(&bytes))
}

fn kind_of(text: &str) -> Result<MessageKind> {
    match text {
        "invoice" => Ok(MessageKind::Invoice),
        "status" => Ok(MessageKind::Status),
        other => Err(StorageError::Corrupt(format!("outbox kind {other:?}"))),
    }
}

fn item_from<R: Cells>(row: &R) -> Result<OutboxItem> {
    let kind = kind_of(&row.text("kind")?)?;
    let headers: Vec<(String, String)> = serde_json::from_str(&row.text("headers")?)
        .map_err(|e| StorageError::Corrupt(format!("outbox headers: {e}")))?;
    let bad = |e: crate::routing::RoutingError| StorageError::Corrupt(format!("outbox row: {e}"));
    let mut message = OutgoingMessage::new(
        kind,
        &row.text("message_id")?,
        matricule_of(row.i32("platform")?)?,
        &row.text("content_type")?,
        row.bytes("content")?,
    )
    .map_err(bad)?;
    for (name, value) in headers {
        message = message.with_header(&name, value).map_err(bad)?;
    }
    Ok(OutboxItem {
        id: row.i64("id")?,
        enqueued_at: match row.i64("enqueued_ms")? {
            ms if ms > 0 => Some(UNIX_EPOCH + Duration::from_millis(ms as u64)),
            _ => None,
        },
        attempts: u32::try_from(row.i32("attempts")?).unwrap_or(0),
        message,
    })
}

/// What became of an inbox acknowledgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ack {
    Acknowledged,
    /// Acknowledged before: nothing changed.
    AlreadyAcknowledged,
    /// No such delivery for this platform.
    Unknown,
}

impl Tx {
    /// Queues a message for its platform; its body is the stored document `sha256`.
    pub async fn enqueue(
        &mut self,
        invoice_id: &str,
        message: &OutgoingMessage,
        sha256: &str,
        now: &str,
    ) -> Result<i64> {
        let headers: Vec<(&str, &str)> = message.headers().collect();
        let headers = serde_json::to_string(&headers)
            .map_err(|e| StorageError::Corrupt(format!("headers: {e}")))?;
        with_tx!(self, c => {
            let row = sqlx::query("INSERT INTO outbox (kind, message_id, invoice_id, platform, content_type, headers, sha256, not_before, created_at, enqueued_ms) \
                                   VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9) RETURNING id")
                .bind(message.kind().as_str())
                .bind(message.id().to_string())
                .bind(invoice_id.to_string())
                .bind(i32::from(message.platform().value()))
                .bind(message.content_type().to_string())
                .bind(headers)
                .bind(sha256.to_string())
                .bind(now.to_string())
                .bind(millis(SystemTime::now()))
                .fetch_one(c)
                .await?;
            row.i64("id")
        })
    }

    /// Marks one row published; for an invoice, records 201 in the same transaction.
    /// `platform` restricts it to that platform's rows (the inbox). Idempotent.
    async fn publish_row(
        &mut self,
        id: i64,
        platform: Option<Matricule>,
        at: &str,
        at_ms: i64,
    ) -> Result<Ack> {
        // (kind, invoice id, platform, published?)
        let row = with_tx!(self, c => {
            let row = sqlx::query("SELECT kind, invoice_id, platform, published_at FROM outbox WHERE id = $1")
                .bind(id)
                .fetch_optional(c)
                .await?;
            row.map(|r| -> Result<_> {
                Ok((r.text("kind")?, r.text("invoice_id")?, r.i32("platform")?, r.opt_text("published_at")?.is_some()))
            })
            .transpose()?
        });
        let Some((kind, invoice_id, owner, published)) = row else {
            return Ok(Ack::Unknown);
        };
        if platform.is_some_and(|m| i32::from(m.value()) != owner) {
            return Ok(Ack::Unknown);
        }
        if published {
            return Ok(Ack::AlreadyAcknowledged);
        }
        with_tx!(self, c => {
            sqlx::query("UPDATE outbox SET published_at = $1, published_ms = $2, lease = NULL, leased_until = NULL WHERE id = $3")
                .bind(at.to_string())
                .bind(at_ms)
                .bind(id)
                .execute(c)
                .await?;
        });
        if kind_of(&kind)? == MessageKind::Invoice {
            let invoice = self.invoice(&invoice_id).await?.ok_or_else(|| {
                StorageError::Corrupt(format!("outbox row {id}: no invoice {invoice_id}"))
            })?;
            let history = self.statuses(&invoice_id).await?;
            if !history.iter().any(|s| s.status == Status::Issued.code()) {
                let issued = NewStatus {
                    status: Status::Issued,
                    reasons: Vec::new(),
                    comment: None,
                    set_by: invoice.sender_platform,
                    recorded_at: at.to_string(),
                };
                self.append_status(&invoice_id, &invoice.sha256, &issued)
                    .await?;
            }
        }
        Ok(Ack::Acknowledged)
    }
}

impl Db {
    /// Leases up to `limit` deliverable rows (of `platform` only, for the inbox) for
    /// `lease`, oldest first, with their bodies.
    async fn claim_rows(
        &self,
        platform: Option<Matricule>,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<OutboxItem>> {
        let now = SystemTime::now();
        let token = lease_token()?;
        let lock = match self {
            Db::Pg(_) => " FOR UPDATE SKIP LOCKED",
            Db::Sqlite(_) => "",
        };
        let only = if platform.is_some() {
            " AND platform = $5"
        } else {
            ""
        };
        let claim = format!(
            "UPDATE outbox SET leased_until = $1, lease = $2, deliveries = deliveries + 1 WHERE id IN (\
             SELECT id FROM outbox WHERE published_at IS NULL AND not_before <= $3 \
             AND (leased_until IS NULL OR leased_until <= $3){only} ORDER BY id LIMIT $4{lock})"
        );
        let read = "SELECT o.id, o.kind, o.message_id, o.platform, o.content_type, o.headers, o.attempts, o.enqueued_ms, d.content \
                    FROM outbox o JOIN documents d ON d.sha256 = o.sha256 WHERE o.lease = $1 ORDER BY o.id";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut tx = self.begin().await?;
        let items = with_tx!(&mut tx, c => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(claim))
                .bind(millis(now + lease))
                .bind(token.clone())
                .bind(millis(now))
                .bind(limit);
            if let Some(m) = platform {
                query = query.bind(i32::from(m.value()));
            }
            query.execute(&mut *c).await?;
            let rows = sqlx::query(read).bind(token).fetch_all(&mut *c).await?;
            rows.iter().map(item_from).collect::<Result<Vec<_>>>()
        })?;
        tx.commit().await?;
        Ok(items)
    }

    async fn mark_rows(
        &self,
        ids: &[i64],
        platform: Option<Matricule>,
        at: SystemTime,
    ) -> Result<Vec<Ack>> {
        let at_ms = millis(at);
        let at = timestamp(at_ms / 1000);
        let mut tx = self.begin().await?;
        let mut acks = Vec::with_capacity(ids.len());
        for &id in ids {
            acks.push(tx.publish_row(id, platform, &at, at_ms).await?);
        }
        tx.commit().await?;
        Ok(acks)
    }

    /// The embedded inbox: leases `platform`'s pending deliveries for `visibility`;
    /// unacknowledged ones are delivered again once it has passed.
    pub async fn claim_inbox(
        &self,
        platform: Matricule,
        limit: usize,
        visibility: Duration,
    ) -> Result<Vec<OutboxItem>> {
        self.claim_rows(Some(platform), limit, visibility).await
    }

    /// Acknowledges a delivery of `platform`'s inbox (201 for an invoice).
    pub async fn ack_inbox(&self, platform: Matricule, id: i64) -> Result<Ack> {
        let acks = self
            .mark_rows(&[id], Some(platform), SystemTime::now())
            .await?;
        Ok(acks.first().copied().unwrap_or(Ack::Unknown))
    }

    /// Whether a message with this id was ever queued (repeats are recognised by it).
    pub async fn outbox_has_message(&self, message_id: &str) -> Result<bool> {
        super::with_pool!(self, p => {
            let row = sqlx::query("SELECT id FROM outbox WHERE message_id = $1")
                .bind(message_id.to_string())
                .fetch_optional(p)
                .await?;
            Ok(row.is_some())
        })
    }

    /// The relay's claim with a lease of `lease`: how long rows claimed by an instance
    /// that then crashed stay away from the others (see [`RELAY_LEASE`]).
    pub async fn claim_relay(&self, limit: usize, lease: Duration) -> Result<Vec<OutboxItem>> {
        self.claim_rows(None, limit, lease).await
    }

    /// Marks the rows the broker confirmed published, and records 201 for each invoice
    /// among them that has none, in one transaction and a few statements whatever the
    /// number of rows (the relay's window). Idempotent: rows already published are
    /// left as they are.
    pub async fn mark_confirmed(&self, ids: &[i64], at: SystemTime) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let at_ms = millis(at);
        let at = timestamp(at_ms / 1000);
        let mut tx = self.begin().await?;
        let rows = match &mut tx {
            Tx::Pg(t) => sqlx::query(
                "UPDATE outbox SET published_at = $1, published_ms = $2, lease = NULL, leased_until = NULL \
                 WHERE id = ANY($3) AND published_at IS NULL RETURNING kind, invoice_id",
            )
            .persistent(false)
            .bind(at.clone())
            .bind(at_ms)
            .bind(ids.to_vec())
            .fetch_all(&mut **t)
            .await?
            .iter()
            .map(|r| Ok((r.text("kind")?, r.text("invoice_id")?)))
            .collect::<Result<Vec<_>>>()?,
            Tx::Sqlite(t) => {
                let sql = format!(
                    "UPDATE outbox SET published_at = ?, published_ms = ?, lease = NULL, leased_until = NULL \
                     WHERE published_at IS NULL AND id IN ({}) RETURNING kind, invoice_id",
                    vec!["?"; ids.len()].join(",")
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(at.clone())
                    .bind(at_ms);
                for &id in ids {
                    query = query.bind(id);
                }
                query
                    .fetch_all(&mut **t)
                    .await?
                    .iter()
                    .map(|r| Ok((r.text("kind")?, r.text("invoice_id")?)))
                    .collect::<Result<Vec<_>>>()?
            }
        };
        let mut invoices = Vec::with_capacity(rows.len());
        for (kind, invoice_id) in rows {
            if kind_of(&kind)? == MessageKind::Invoice {
                invoices.push(invoice_id);
            }
        }
        tx.append_issued(&invoices, &at).await?;
        tx.commit().await
    }

    /// For every invoice delivery: when it was accepted (`enqueued_ms`) and when its
    /// confirm was recorded (`published_ms`, `None` while unpublished), in Unix
    /// milliseconds, in outbox order. What `facteur bench hub` computes latencies from.
    pub async fn delivery_timings(&self) -> Result<Vec<(i64, Option<i64>)>> {
        super::with_pool!(self, p => {
            let rows = sqlx::query("SELECT enqueued_ms, published_ms FROM outbox WHERE kind = 'invoice' ORDER BY id")
                .fetch_all(p)
                .await?;
            rows.iter()
                .map(|r| Ok((r.i64("enqueued_ms")?, r.opt_i64("published_ms")?)))
                .collect()
        })
    }

    /// Invoices stored, whatever their status.
    pub async fn invoice_count(&self) -> Result<i64> {
        super::with_pool!(self, p => {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM invoices").fetch_one(p).await?;
            row.i64("n")
        })
    }

    /// Rows not yet published (the outbox backlog).
    pub async fn outbox_backlog(&self) -> Result<i64> {
        super::with_pool!(self, p => {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL")
                .fetch_one(p)
                .await?;
            row.i64("n")
        })
    }
}

/// The relay's view of the outbox, with its claims leased for [`RELAY_LEASE`].
impl OutboxStore for Db {
    type Error = StorageError;

    async fn claim(&self, limit: usize) -> Result<Vec<OutboxItem>> {
        self.claim_relay(limit, RELAY_LEASE).await
    }

    async fn mark_published(&self, ids: &[i64], at: SystemTime) -> Result<()> {
        self.mark_confirmed(ids, at).await
    }

    async fn schedule_retry(
        &self,
        id: i64,
        not_before: SystemTime,
        attempts: u32,
        last_error: &str,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        with_tx!(&mut tx, c => {
            sqlx::query("UPDATE outbox SET not_before = $1, attempts = $2, last_error = $3, lease = NULL, leased_until = NULL WHERE id = $4 AND published_at IS NULL")
                .bind(millis(not_before))
                .bind(i32::try_from(attempts).unwrap_or(i32::MAX))
                .bind(last_error.to_string())
                .bind(id)
                .execute(c)
                .await?;
        });
        tx.commit().await
    }
}
