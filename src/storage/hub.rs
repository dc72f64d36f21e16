//! The hub's records in SQL: documents (content-addressed by SHA-256), invoices and
//! their append-only, hash-chained status history. The outbox is in [`super::outbox`].
//!
//! Writes that belong together (a submission; a status and its delivery) run in one
//! [`Tx`] that the hub opens, so nothing is ever half-written. Decisions (may this
//! status follow? is this a duplicate?) are the hub's and the lifecycle's; this file
//! only reads and writes.

use serde::{Deserialize, Serialize};

use super::lines::{Cells, matricule_of};
use super::{Db, Page, Result, StorageError, Tx, with_pool, with_tx};
use crate::accounts::policy::Visible;
use crate::identifiers::Matricule;
use crate::lifecycle::Status;
use crate::lifecycle::chain::{GENESIS, Link};

/// A rule that failed at admission, as stored with a 213.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFailure {
    pub rule: String,
    /// The reform's reason code (`DOUBLON`, `DEST_INC`, …).
    pub reason: String,
    pub message: String,
}

/// One received document and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceRecord {
    /// facteur's id, also the AMQP `message_id` of the delivery.
    pub id: String,
    /// SHA-256 of the original bytes (the document's address).
    pub sha256: String,
    pub syntax: String,
    pub invoice_number: Option<String>,
    /// BT-2, `YYYY-MM-DD`.
    pub issue_date: Option<String>,
    pub seller_siren: Option<String>,
    pub buyer_siren: Option<String>,
    /// BT-49 as written.
    pub recipient_address: Option<String>,
    pub sender_platform: Matricule,
    pub recipient_platform: Option<Matricule>,
    /// The latest status recorded.
    pub status: Status,
    pub failures: Vec<StoredFailure>,
    pub received_at: String,
    pub idempotency_key: Option<String>,
    /// `number/year/SIREN`, for accepted invoices only (the duplicate guard).
    pub uniqueness_key: Option<String>,
    /// Names and routing codes of the parties: who may see the invoice in the portal.
    pub parties: InvoiceParties,
}

/// The parties as the document names them (BT-27, BT-44) and the routing codes of
/// their addresses (BT-34, BT-49 when of the form `SIREN_SIRET_CODE`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvoiceParties {
    pub seller_name: Option<String>,
    pub buyer_name: Option<String>,
    pub seller_routing_code: Option<String>,
    pub buyer_routing_code: Option<String>,
}

/// What a reader asks of the invoices it may see.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvoiceFilter {
    pub status: Option<Status>,
    /// Issue dates (BT-2) from and to, inclusive, `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// A counterpart's SIREN (exact) or part of its name (any case).
    pub counterpart: Option<String>,
}

/// A status to append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewStatus {
    pub status: Status,
    pub reasons: Vec<String>,
    pub comment: Option<String>,
    /// The platform that set it (or on whose behalf facteur did: 200, 201, 213).
    pub set_by: Matricule,
    pub recorded_at: String,
}

/// One record of a status history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusRecord {
    pub invoice_id: String,
    pub seq: i64,
    pub status: u16,
    pub reasons: Vec<String>,
    pub comment: Option<String>,
    pub set_by: u16,
    pub recorded_at: String,
    pub prev_hash: String,
    pub hash: String,
}

impl StatusRecord {
    /// The chain fields of this record, for recomputing its hash.
    pub fn link<'a>(&'a self, document_sha256: &'a str) -> Link<'a> {
        Link {
            invoice_id: &self.invoice_id,
            seq: self.seq,
            status: self.status,
            reasons: &self.reasons,
            comment: self.comment.as_deref(),
            set_by: self.set_by,
            recorded_at: &self.recorded_at,
            document_sha256,
            prev_hash: &self.prev_hash,
        }
    }
}

const INVOICE_COLUMNS: &str = "id, sha256, syntax, invoice_number, issue_date, seller_siren, buyer_siren, recipient_address, sender_platform, recipient_platform, status, failures, received_at, idempotency_key, uniqueness_key, seller_name, buyer_name, seller_routing_code, buyer_routing_code";
pub(super) const INVOICE: &str = "SELECT id, sha256, syntax, invoice_number, issue_date, seller_siren, buyer_siren, recipient_address, sender_platform, recipient_platform, status, failures, received_at, idempotency_key, uniqueness_key, seller_name, buyer_name, seller_routing_code, buyer_routing_code FROM invoices";
const STATUS: &str = "SELECT invoice_id, seq, status, reasons, comment, set_by, recorded_at, prev_hash, hash FROM invoice_statuses";

fn corrupt(what: &str) -> impl FnOnce(serde_json::Error) -> StorageError + '_ {
    move |e| StorageError::Corrupt(format!("{what}: {e}"))
}

fn status_of(code: i32) -> Result<Status> {
    u16::try_from(code)
        .ok()
        .and_then(|c| Status::try_from(c).ok())
        .ok_or_else(|| StorageError::Corrupt(format!("status {code}")))
}

pub(super) fn invoice_from<R: Cells>(row: &R) -> Result<InvoiceRecord> {
    let failures = row.text("failures")?;
    Ok(InvoiceRecord {
        id: row.text("id")?,
        sha256: row.text("sha256")?,
        syntax: row.text("syntax")?,
        invoice_number: row.opt_text("invoice_number")?,
        issue_date: row.opt_text("issue_date")?,
        seller_siren: row.opt_text("seller_siren")?,
        buyer_siren: row.opt_text("buyer_siren")?,
        recipient_address: row.opt_text("recipient_address")?,
        sender_platform: matricule_of(row.i32("sender_platform")?)?,
        recipient_platform: row
            .opt_i32("recipient_platform")?
            .map(matricule_of)
            .transpose()?,
        status: status_of(row.i32("status")?)?,
        failures: serde_json::from_str(&failures).map_err(corrupt("invoice failures"))?,
        received_at: row.text("received_at")?,
        idempotency_key: row.opt_text("idempotency_key")?,
        uniqueness_key: row.opt_text("uniqueness_key")?,
        parties: InvoiceParties {
            seller_name: row.opt_text("seller_name")?,
            buyer_name: row.opt_text("buyer_name")?,
            seller_routing_code: row.opt_text("seller_routing_code")?,
            buyer_routing_code: row.opt_text("buyer_routing_code")?,
        },
    })
}

fn status_from<R: Cells>(row: &R) -> Result<StatusRecord> {
    let reasons = row.text("reasons")?;
    let set_by = row.i32("set_by")?;
    Ok(StatusRecord {
        invoice_id: row.text("invoice_id")?,
        seq: i64::from(row.i32("seq")?),
        status: u16::try_from(row.i32("status")?)
            .map_err(|_| StorageError::Corrupt("status code".into()))?,
        reasons: serde_json::from_str(&reasons).map_err(corrupt("status reasons"))?,
        comment: row.opt_text("comment")?,
        set_by: u16::try_from(set_by)
            .map_err(|_| StorageError::Corrupt(format!("set_by {set_by}")))?,
        recorded_at: row.text("recorded_at")?,
        prev_hash: row.text("prev_hash")?,
        hash: row.text("hash")?,
    })
}

macro_rules! fetch_optional {
    ($exec:expr, $sql:expr, [$($bind:expr),*], $from:ident) => {{
        let row = sqlx::query(sqlx::AssertSqlSafe($sql))
            $(.bind($bind))*
            .fetch_optional($exec)
            .await?;
        row.as_ref().map($from).transpose()
    }};
}

/// The writes of a submission and of a status, inside the hub's transaction.
impl Tx {
    /// Stores a document's bytes under their hash (nothing if already there).
    pub async fn put_document(&mut self, sha256: &str, content: &[u8], now: &str) -> Result<()> {
        with_tx!(self, c => {
            sqlx::query("INSERT INTO documents (sha256, content, size, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(sha256.to_string())
                .bind(content.to_vec())
                .bind(content.len() as i64)
                .bind(now.to_string())
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Inserts an invoice; `false` when one of its unique keys is taken (the same
    /// document or idempotency key from the same sender, the same uniqueness key):
    /// the caller rolls back and reads what is there.
    pub async fn insert_invoice(&mut self, invoice: &InvoiceRecord) -> Result<bool> {
        let failures = serde_json::to_string(&invoice.failures)
            .map_err(|e| StorageError::Corrupt(format!("failures: {e}")))?;
        with_tx!(self, c => {
            let done = sqlx::query("INSERT INTO invoices (id, sha256, syntax, invoice_number, issue_date, seller_siren, buyer_siren, recipient_address, sender_platform, recipient_platform, status, failures, received_at, idempotency_key, uniqueness_key, seller_name, buyer_name, seller_routing_code, buyer_routing_code) \
                                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) ON CONFLICT DO NOTHING")
                .bind(invoice.id.clone())
                .bind(invoice.sha256.clone())
                .bind(invoice.syntax.clone())
                .bind(invoice.invoice_number.clone())
                .bind(invoice.issue_date.clone())
                .bind(invoice.seller_siren.clone())
                .bind(invoice.buyer_siren.clone())
                .bind(invoice.recipient_address.clone())
                .bind(i32::from(invoice.sender_platform.value()))
                .bind(invoice.recipient_platform.map(|m| i32::from(m.value())))
                .bind(i32::from(invoice.status.code()))
                .bind(failures)
                .bind(invoice.received_at.clone())
                .bind(invoice.idempotency_key.clone())
                .bind(invoice.uniqueness_key.clone())
                .bind(invoice.parties.seller_name.clone())
                .bind(invoice.parties.buyer_name.clone())
                .bind(invoice.parties.seller_routing_code.clone())
                .bind(invoice.parties.buyer_routing_code.clone())
                .execute(c)
                .await?;
            Ok(done.rows_affected() == 1)
        })
    }

    pub async fn invoice(&mut self, id: &str) -> Result<Option<InvoiceRecord>> {
        with_tx!(self, c => fetch_optional!(c, format!("{INVOICE} WHERE id = $1"), [id.to_string()], invoice_from))
    }

    /// The history of an invoice, oldest first, as the transaction sees it.
    pub async fn statuses(&mut self, invoice_id: &str) -> Result<Vec<StatusRecord>> {
        with_tx!(self, c => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{STATUS} WHERE invoice_id = $1 ORDER BY seq")))
                .bind(invoice_id.to_string())
                .fetch_all(c)
                .await?;
            rows.iter().map(status_from).collect()
        })
    }

    /// Appends a status to the invoice's chain and makes it the invoice's current
    /// status (a 201 only over a 200). Two concurrent appends to one invoice cannot fork the chain: the second
    /// breaks the unique `(invoice_id, seq)` and fails.
    pub async fn append_status(
        &mut self,
        invoice_id: &str,
        document_sha256: &str,
        status: &NewStatus,
    ) -> Result<StatusRecord> {
        let last = with_tx!(self, c => fetch_optional!(c, format!("{STATUS} WHERE invoice_id = $1 ORDER BY seq DESC LIMIT 1"), [invoice_id.to_string()], status_from))?;
        let (seq, prev_hash) = match last {
            Some(last) => (last.seq + 1, last.hash),
            None => (1, GENESIS.to_string()),
        };
        let mut record = StatusRecord {
            invoice_id: invoice_id.to_string(),
            seq,
            status: status.status.code(),
            reasons: status.reasons.clone(),
            comment: status.comment.clone(),
            set_by: status.set_by.value(),
            recorded_at: status.recorded_at.clone(),
            prev_hash,
            hash: String::new(),
        };
        record.hash = record.link(document_sha256).hash();
        let reasons = serde_json::to_string(&record.reasons)
            .map_err(|e| StorageError::Corrupt(format!("reasons: {e}")))?;
        let seq32 = i32::try_from(seq).map_err(|_| StorageError::Corrupt("status seq".into()))?;
        with_tx!(self, c => {
            sqlx::query("INSERT INTO invoice_statuses (invoice_id, seq, status, reasons, comment, set_by, recorded_at, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(record.invoice_id.clone())
                .bind(seq32)
                .bind(i32::from(record.status))
                .bind(reasons)
                .bind(record.comment.clone())
                .bind(i32::from(record.set_by))
                .bind(record.recorded_at.clone())
                .bind(record.prev_hash.clone())
                .bind(record.hash.clone())
                .execute(&mut *c)
                .await?;
            // A 201 is recorded when the broker's confirm (or the inbox's ack) comes
            // back, which a fast recipient's status may precede: it joins the chain
            // but never takes the place of a later step as the current status.
            sqlx::query("UPDATE invoices SET status = $1 WHERE id = $2 AND ($1 <> $3 OR status = $4)")
                .bind(i32::from(record.status))
                .bind(invoice_id.to_string())
                .bind(i32::from(Status::Issued.code()))
                .bind(i32::from(Status::Deposited.code()))
                .execute(&mut *c)
                .await?;
        });
        Ok(record)
    }
}

/// Reads of the hub's records.
impl Db {
    pub async fn invoice(&self, id: &str) -> Result<Option<InvoiceRecord>> {
        with_pool!(self, p => fetch_optional!(p, format!("{INVOICE} WHERE id = $1"), [id.to_string()], invoice_from))
    }

    /// What the same sender's earlier submission of the same bytes became.
    pub async fn invoice_by_document(
        &self,
        sender: Matricule,
        sha256: &str,
    ) -> Result<Option<InvoiceRecord>> {
        let sql = format!("{INVOICE} WHERE sender_platform = $1 AND sha256 = $2");
        with_pool!(self, p => fetch_optional!(p, sql, [i32::from(sender.value()), sha256.to_string()], invoice_from))
    }

    /// The submission a sender made with an `Idempotency-Key`.
    pub async fn invoice_by_idempotency_key(
        &self,
        sender: Matricule,
        key: &str,
    ) -> Result<Option<InvoiceRecord>> {
        let sql = format!("{INVOICE} WHERE sender_platform = $1 AND idempotency_key = $2");
        with_pool!(self, p => fetch_optional!(p, sql, [i32::from(sender.value()), key.to_string()], invoice_from))
    }

    /// Whether an accepted invoice already has this uniqueness key.
    pub async fn uniqueness_key_taken(&self, key: &str) -> Result<bool> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT id FROM invoices WHERE uniqueness_key = $1")
                .bind(key.to_string())
                .fetch_optional(p)
                .await?;
            Ok(row.is_some())
        })
    }

    /// The original bytes of a document.
    pub async fn document(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT content FROM documents WHERE sha256 = $1")
                .bind(sha256.to_string())
                .fetch_optional(p)
                .await?;
            row.as_ref().map(|r| r.bytes("content")).transpose()
        })
    }

    /// An invoice's status history, oldest first.
    pub async fn statuses(&self, invoice_id: &str) -> Result<Vec<StatusRecord>> {
        with_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{STATUS} WHERE invoice_id = $1 ORDER BY seq")))
                .bind(invoice_id.to_string())
                .fetch_all(p)
                .await?;
            rows.iter().map(status_from).collect()
        })
    }

    /// A page of invoices in id order, after `after` (the audit walks them all).
    pub async fn invoices_after(&self, after: &str, limit: i64) -> Result<Vec<InvoiceRecord>> {
        let sql = format!("{INVOICE} WHERE id > $1 ORDER BY id LIMIT $2");
        with_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(after.to_string())
                .bind(limit)
                .fetch_all(p)
                .await?;
            rows.iter().map(invoice_from).collect()
        })
    }

    /// A page of the invoices `visible` lets a reader see that match `filter`, newest
    /// first, with the total count. The visibility is a WHERE clause (policy decided
    /// it; see [`Visible`]), so nothing of others is ever read out of the database.
    pub async fn visible_invoices(
        &self,
        visible: &[Visible],
        filter: &InvoiceFilter,
        page: Page,
    ) -> Result<(i64, Vec<InvoiceRecord>)> {
        let mut q = Visibility::new(visible);
        q.filter(filter);
        let count_sql = format!("SELECT COUNT(*) AS n FROM invoices WHERE {}", q.sql);
        let page_sql = format!(
            "SELECT {INVOICE_COLUMNS} FROM invoices WHERE {} ORDER BY received_at DESC, id DESC LIMIT {} OFFSET {}",
            q.sql,
            page.limit.max(0),
            page.offset.max(0)
        );
        with_pool!(self, p => {
            let mut count = sqlx::query(sqlx::AssertSqlSafe(count_sql));
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(page_sql));
            for b in &q.binds {
                count = count.bind(b.clone());
                rows = rows.bind(b.clone());
            }
            let total = count.fetch_one(p).await?.i64("n")?;
            let rows = rows.fetch_all(p).await?;
            let items = rows.iter().map(invoice_from).collect::<Result<Vec<_>>>()?;
            Ok((total, items))
        })
    }

    /// One invoice if `visible` lets the reader see it; `None` both when it does not
    /// exist and when it is someone else's.
    pub async fn visible_invoice(
        &self,
        visible: &[Visible],
        id: &str,
    ) -> Result<Option<InvoiceRecord>> {
        let mut q = Visibility::new(visible);
        q.and_eq("id", id);
        let sql = format!("{INVOICE} WHERE {}", q.sql);
        with_pool!(self, p => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for b in &q.binds {
                query = query.bind(b.clone());
            }
            query.fetch_optional(p).await?.as_ref().map(invoice_from).transpose()
        })
    }
}

/// The visibility and filters as a WHERE clause with `$N` parameters (each used once,
/// so the same text works on both backends).
struct Visibility {
    sql: String,
    binds: Vec<String>,
}

impl Visibility {
    fn new(visible: &[Visible]) -> Visibility {
        let mut q = Visibility {
            sql: String::new(),
            binds: Vec::new(),
        };
        let mut any = Vec::new();
        for v in visible {
            match v {
                Visible::Party { siren } => {
                    let (a, b) = (q.param(siren), q.param(siren));
                    any.push(format!("seller_siren = {a} OR buyer_siren = {b}"));
                }
                Visible::Service {
                    siren,
                    routing_code,
                } => {
                    let (a, b) = (q.param(siren), q.param(routing_code));
                    let (c, d) = (q.param(siren), q.param(routing_code));
                    any.push(format!(
                        "(buyer_siren = {a} AND buyer_routing_code = {b}) OR (seller_siren = {c} AND seller_routing_code = {d})"
                    ));
                }
            }
        }
        // Nothing readable: a condition no row meets, never "no condition".
        q.sql = if any.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("({})", any.join(" OR "))
        };
        q
    }

    fn param(&mut self, value: &str) -> String {
        self.binds.push(value.to_string());
        format!("${}", self.binds.len())
    }

    fn and_eq(&mut self, column: &'static str, value: &str) {
        let p = self.param(value);
        self.sql = format!("{} AND {column} = {p}", self.sql);
    }

    fn filter(&mut self, filter: &InvoiceFilter) {
        if let Some(status) = filter.status {
            // A number from the closed list of statuses, not from the request text.
            self.sql = format!("{} AND status = {}", self.sql, status.code());
        }
        if let Some(from) = &filter.from {
            let p = self.param(from);
            self.sql = format!("{} AND issue_date >= {p}", self.sql);
        }
        if let Some(to) = &filter.to {
            let p = self.param(to);
            self.sql = format!("{} AND issue_date <= {p}", self.sql);
        }
        let counterpart = filter.counterpart.as_deref().map(str::trim);
        if let Some(counterpart) = counterpart.filter(|c| !c.is_empty()) {
            let like = format!(
                "%{}%",
                counterpart
                    .to_lowercase()
                    .replace('!', "!!")
                    .replace('%', "!%")
                    .replace('_', "!_")
            );
            let (a, b) = (self.param(counterpart), self.param(counterpart));
            let (c, d) = (self.param(&like), self.param(&like));
            self.sql = format!(
                "{} AND (seller_siren = {a} OR buyer_siren = {b} OR LOWER(seller_name) LIKE {c} ESCAPE '!' OR LOWER(buyer_name) LIKE {d} ESCAPE '!')",
                self.sql
            );
        }
    }
}
