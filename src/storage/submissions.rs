//! The hub's records written many at a time: a chunk of a batch's documents (their
//! bytes, invoices, first statuses and outbox rows); the statuses the relay's confirms
//! add are in [`super::confirms`]. The same rows `hub.rs` and `outbox.rs` write one by one, with one
//! statement per table for the whole chunk (PostgreSQL: `UNNEST` of arrays; SQLite:
//! multi-row `VALUES` with anonymous parameters, see [`super::bulk`]), so a chunk of
//! hundreds of documents costs a handful of statements and one commit.
//!
//! Every write is inside the caller's [`Tx`]: a chunk is stored whole or not at all.

use std::collections::HashSet;
use std::time::SystemTime;

use sqlx::AssertSqlSafe;

use super::bulk::values;
use super::hub::{INVOICE, invoice_from};
use super::lines::Cells;
use super::{Result, StorageError, Tx};
use crate::identifiers::Matricule;
use crate::routing::OutgoingMessage;
use crate::storage::{InvoiceRecord, StatusRecord};

/// What storage already holds that a chunk's documents are decided against.
#[derive(Debug, Default)]
pub struct ChunkLookups {
    /// The sender's invoices under one of the chunk's idempotency keys.
    pub by_key: Vec<InvoiceRecord>,
    /// The sender's invoices with one of the chunk's document hashes.
    pub by_document: Vec<InvoiceRecord>,
    /// The chunk's uniqueness keys an invoice already holds.
    pub taken: Vec<String>,
}

/// One accepted or rejected document of a chunk, as it is to be stored.
pub struct NewSubmission<'a> {
    pub record: &'a InvoiceRecord,
    pub document: &'a [u8],
    /// Its first status (200 or 213), hash already computed (seq 1 of its chain).
    pub first: &'a StatusRecord,
    /// The delivery of an accepted invoice.
    pub delivery: Option<&'a OutgoingMessage>,
}

/// `?, ?, …` for SQLite's `IN (…)`.
pub(super) fn marks(n: usize) -> String {
    vec!["?"; n].join(",")
}

fn corrupt(what: &'static str) -> impl FnOnce(serde_json::Error) -> StorageError {
    move |e| StorageError::Corrupt(format!("{what}: {e}"))
}

fn millis(at: SystemTime) -> i64 {
    at.duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The lookups by many keys (`= ANY($1)` on PostgreSQL) are unnamed statements
/// (`persistent(false)`): a named one gets a generic plan, chosen once, possibly while
/// the table was nearly empty (a sequential scan), and kept while the table grows;
/// unnamed ones are planned with the actual array each time.
impl Tx {
    /// The invoices `sender` submitted under any of `keys` (idempotency keys).
    pub async fn invoices_by_idempotency_keys(
        &mut self,
        sender: Matricule,
        keys: &[String],
    ) -> Result<Vec<InvoiceRecord>> {
        self.invoices_where(sender, "idempotency_key", keys).await
    }

    /// The invoices `sender` submitted with any of these document hashes.
    pub async fn invoices_by_documents(
        &mut self,
        sender: Matricule,
        hashes: &[String],
    ) -> Result<Vec<InvoiceRecord>> {
        self.invoices_where(sender, "sha256", hashes).await
    }

    async fn invoices_where(
        &mut self,
        sender: Matricule,
        column: &'static str,
        values: &[String],
    ) -> Result<Vec<InvoiceRecord>> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let sender = i32::from(sender.value());
        let rows = match self {
            Tx::Pg(t) => {
                let sql = format!("{INVOICE} WHERE sender_platform = $1 AND {column} = ANY($2)");
                sqlx::query(AssertSqlSafe(sql))
                    .persistent(false)
                    .bind(sender)
                    .bind(values.to_vec())
                    .fetch_all(&mut **t)
                    .await?
                    .iter()
                    .map(invoice_from)
                    .collect::<Result<Vec<_>>>()?
            }
            Tx::Sqlite(t) => {
                let sql = format!(
                    "{INVOICE} WHERE sender_platform = ? AND {column} IN ({})",
                    marks(values.len())
                );
                let mut query = sqlx::query(AssertSqlSafe(sql)).bind(sender);
                for value in values {
                    query = query.bind(value.clone());
                }
                query
                    .fetch_all(&mut **t)
                    .await?
                    .iter()
                    .map(invoice_from)
                    .collect::<Result<Vec<_>>>()?
            }
        };
        Ok(rows)
    }

    /// What a chunk is decided against, in one round trip on PostgreSQL: the invoices
    /// `sender` submitted under any of `keys` or with any of `hashes`, and which of
    /// the `uniqueness` keys are taken. (On SQLite, in process, three statements.)
    pub async fn chunk_lookups(
        &mut self,
        sender: Matricule,
        keys: &[String],
        hashes: &[String],
        uniqueness: &[String],
    ) -> Result<ChunkLookups> {
        let Tx::Pg(t) = self else {
            return Ok(ChunkLookups {
                by_key: self.invoices_by_idempotency_keys(sender, keys).await?,
                by_document: self.invoices_by_documents(sender, hashes).await?,
                taken: self.uniqueness_keys_taken(uniqueness).await?,
            });
        };
        // One probe of a unique index per key (LATERAL … LIMIT 1), whatever the
        // statistics say: `= ANY` over 512 keys (or an OR of them) was planned as a
        // scan of the whole table, a cost growing with every invoice stored.
        let sql = format!(
            "SELECT i.* FROM UNNEST($2::text[]) AS k(v) CROSS JOIN LATERAL \
             ({INVOICE} WHERE sender_platform = $1 AND idempotency_key = k.v LIMIT 1) i \
             UNION ALL SELECT i.* FROM UNNEST($3::text[]) AS k(v) CROSS JOIN LATERAL \
             ({INVOICE} WHERE sender_platform = $1 AND sha256 = k.v LIMIT 1) i \
             UNION ALL SELECT i.* FROM UNNEST($4::text[]) AS k(v) CROSS JOIN LATERAL \
             ({INVOICE} WHERE uniqueness_key = k.v LIMIT 1) i"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .persistent(false)
            .bind(i32::from(sender.value()))
            .bind(keys.to_vec())
            .bind(hashes.to_vec())
            .bind(uniqueness.to_vec())
            .fetch_all(&mut **t)
            .await?
            .iter()
            .map(invoice_from)
            .collect::<Result<Vec<_>>>()?;
        let keys: HashSet<&str> = keys.iter().map(String::as_str).collect();
        let hashes: HashSet<&str> = hashes.iter().map(String::as_str).collect();
        let uniqueness: HashSet<&str> = uniqueness.iter().map(String::as_str).collect();
        let mut found = ChunkLookups::default();
        for row in rows {
            if let Some(key) = row.uniqueness_key.as_deref()
                && uniqueness.contains(key)
            {
                found.taken.push(key.to_string());
            }
            if row.sender_platform != sender {
                continue;
            }
            if hashes.contains(row.sha256.as_str()) {
                found.by_document.push(row.clone());
            }
            if row
                .idempotency_key
                .as_deref()
                .is_some_and(|k| keys.contains(k))
            {
                found.by_key.push(row);
            }
        }
        Ok(found)
    }

    /// Which of these uniqueness keys an accepted invoice already holds.
    pub async fn uniqueness_keys_taken(&mut self, keys: &[String]) -> Result<Vec<String>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let rows = match self {
            Tx::Pg(t) => {
                sqlx::query("SELECT uniqueness_key FROM invoices WHERE uniqueness_key = ANY($1)")
                    .persistent(false)
                    .bind(keys.to_vec())
                    .fetch_all(&mut **t)
                    .await?
                    .iter()
                    .map(|r| r.text("uniqueness_key"))
                    .collect::<Result<Vec<_>>>()?
            }
            Tx::Sqlite(t) => {
                let sql = format!(
                    "SELECT uniqueness_key FROM invoices WHERE uniqueness_key IN ({})",
                    marks(keys.len())
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for key in keys {
                    query = query.bind(key.clone());
                }
                query
                    .fetch_all(&mut **t)
                    .await?
                    .iter()
                    .map(|r| r.text("uniqueness_key"))
                    .collect::<Result<Vec<_>>>()?
            }
        };
        Ok(rows)
    }

    /// Stores a chunk: documents (once per hash), invoices, first statuses, outbox rows.
    /// `false` when one of the invoices' unique keys was taken meanwhile: nothing is to
    /// be kept, the caller drops the transaction and decides the chunk again.
    pub async fn insert_submissions(
        &mut self,
        chunk: &[NewSubmission<'_>],
        now: &str,
    ) -> Result<bool> {
        if chunk.is_empty() {
            return Ok(true);
        }
        self.insert_documents(chunk, now).await?;
        if self.insert_invoices(chunk).await? != chunk.len() as u64 {
            return Ok(false);
        }
        let firsts: Vec<&StatusRecord> = chunk.iter().map(|s| s.first).collect();
        self.insert_statuses(&firsts).await?;
        let deliveries: Vec<(&InvoiceRecord, &OutgoingMessage)> = chunk
            .iter()
            .filter_map(|s| s.delivery.map(|d| (s.record, d)))
            .collect();
        self.insert_deliveries(&deliveries, now).await?;
        Ok(true)
    }

    async fn insert_documents(&mut self, chunk: &[NewSubmission<'_>], now: &str) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        let documents: Vec<&NewSubmission> = chunk
            .iter()
            .filter(|s| seen.insert(s.record.sha256.as_str()))
            .collect();
        match self {
            Tx::Pg(t) => {
                sqlx::query("INSERT INTO documents (sha256, content, size, created_at) \
                             SELECT h, c, s, $4 FROM UNNEST($1::text[], $2::bytea[], $3::int8[]) AS u(h, c, s) ON CONFLICT DO NOTHING")
                    .bind(documents.iter().map(|s| s.record.sha256.clone()).collect::<Vec<_>>())
                    .bind(documents.iter().map(|s| s.document.to_vec()).collect::<Vec<_>>())
                    .bind(documents.iter().map(|s| s.document.len() as i64).collect::<Vec<_>>())
                    .bind(now.to_string())
                    .execute(&mut **t)
                    .await?;
            }
            Tx::Sqlite(t) => {
                let sql = format!(
                    "INSERT INTO documents (sha256, content, size, created_at) VALUES {} ON CONFLICT DO NOTHING",
                    values(documents.len(), 4)
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for s in &documents {
                    query = query
                        .bind(s.record.sha256.clone())
                        .bind(s.document.to_vec())
                        .bind(s.document.len() as i64)
                        .bind(now.to_string());
                }
                query.execute(&mut **t).await?;
            }
        }
        Ok(())
    }

    /// Inserts the invoices, skipping those whose unique keys are taken; returns how
    /// many went in.
    async fn insert_invoices(&mut self, chunk: &[NewSubmission<'_>]) -> Result<u64> {
        let failures = chunk
            .iter()
            .map(|s| serde_json::to_string(&s.record.failures).map_err(corrupt("failures")))
            .collect::<Result<Vec<_>>>()?;
        let columns = "id, sha256, syntax, invoice_number, issue_date, seller_siren, buyer_siren, recipient_address, sender_platform, recipient_platform, status, failures, received_at, idempotency_key, uniqueness_key, seller_name, buyer_name, seller_routing_code, buyer_routing_code";
        let done = match self {
            Tx::Pg(t) => {
                let records: Vec<&InvoiceRecord> = chunk.iter().map(|s| s.record).collect();
                let text = |f: fn(&InvoiceRecord) -> &String| {
                    records.iter().map(|r| f(r).clone()).collect::<Vec<_>>()
                };
                let opt = |f: fn(&InvoiceRecord) -> &Option<String>| {
                    records.iter().map(|r| f(r).clone()).collect::<Vec<_>>()
                };
                let sql = format!(
                    "INSERT INTO invoices ({columns}) SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], \
                     $9::int4[], $10::int4[], $11::int4[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[]) ON CONFLICT DO NOTHING"
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(text(|r| &r.id))
                    .bind(text(|r| &r.sha256))
                    .bind(text(|r| &r.syntax))
                    .bind(opt(|r| &r.invoice_number))
                    .bind(opt(|r| &r.issue_date))
                    .bind(opt(|r| &r.seller_siren))
                    .bind(opt(|r| &r.buyer_siren))
                    .bind(opt(|r| &r.recipient_address))
                    .bind(
                        records
                            .iter()
                            .map(|r| i32::from(r.sender_platform.value()))
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        records
                            .iter()
                            .map(|r| r.recipient_platform.map(|m| i32::from(m.value())))
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        records
                            .iter()
                            .map(|r| i32::from(r.status.code()))
                            .collect::<Vec<_>>(),
                    )
                    .bind(failures)
                    .bind(text(|r| &r.received_at))
                    .bind(opt(|r| &r.idempotency_key))
                    .bind(opt(|r| &r.uniqueness_key))
                    .bind(opt(|r| &r.parties.seller_name))
                    .bind(opt(|r| &r.parties.buyer_name))
                    .bind(opt(|r| &r.parties.seller_routing_code))
                    .bind(opt(|r| &r.parties.buyer_routing_code))
                    .execute(&mut **t)
                    .await?
                    .rows_affected()
            }
            Tx::Sqlite(t) => {
                let sql = format!(
                    "INSERT INTO invoices ({columns}) VALUES {} ON CONFLICT DO NOTHING",
                    values(chunk.len(), 19)
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for (s, failures) in chunk.iter().zip(failures) {
                    let r = s.record;
                    query = query
                        .bind(r.id.clone())
                        .bind(r.sha256.clone())
                        .bind(r.syntax.clone())
                        .bind(r.invoice_number.clone())
                        .bind(r.issue_date.clone())
                        .bind(r.seller_siren.clone())
                        .bind(r.buyer_siren.clone())
                        .bind(r.recipient_address.clone())
                        .bind(i32::from(r.sender_platform.value()))
                        .bind(r.recipient_platform.map(|m| i32::from(m.value())))
                        .bind(i32::from(r.status.code()))
                        .bind(failures)
                        .bind(r.received_at.clone())
                        .bind(r.idempotency_key.clone())
                        .bind(r.uniqueness_key.clone())
                        .bind(r.parties.seller_name.clone())
                        .bind(r.parties.buyer_name.clone())
                        .bind(r.parties.seller_routing_code.clone())
                        .bind(r.parties.buyer_routing_code.clone());
                }
                query.execute(&mut **t).await?.rows_affected()
            }
        };
        Ok(done)
    }

    /// Appends status records whose seq and hashes the caller computed (the next link
    /// of each chain; `UNIQUE (invoice_id, seq)` refuses a fork). The invoices' current
    /// status is the caller's to set ([`Tx::set_current_status`]) when it changes.
    pub async fn insert_statuses(&mut self, records: &[&StatusRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let reasons = records
            .iter()
            .map(|r| serde_json::to_string(&r.reasons).map_err(corrupt("reasons")))
            .collect::<Result<Vec<_>>>()?;
        let seqs = records
            .iter()
            .map(|r| i32::try_from(r.seq).map_err(|_| StorageError::Corrupt("status seq".into())))
            .collect::<Result<Vec<_>>>()?;
        let columns =
            "invoice_id, seq, status, reasons, comment, set_by, recorded_at, prev_hash, hash";
        match self {
            Tx::Pg(t) => {
                let sql = format!(
                    "INSERT INTO invoice_statuses ({columns}) SELECT * FROM UNNEST($1::text[], $2::int4[], $3::int4[], $4::text[], $5::text[], $6::int4[], $7::text[], $8::text[], $9::text[])"
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(
                        records
                            .iter()
                            .map(|r| r.invoice_id.clone())
                            .collect::<Vec<_>>(),
                    )
                    .bind(seqs)
                    .bind(
                        records
                            .iter()
                            .map(|r| i32::from(r.status))
                            .collect::<Vec<_>>(),
                    )
                    .bind(reasons)
                    .bind(
                        records
                            .iter()
                            .map(|r| r.comment.clone())
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        records
                            .iter()
                            .map(|r| i32::from(r.set_by))
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        records
                            .iter()
                            .map(|r| r.recorded_at.clone())
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        records
                            .iter()
                            .map(|r| r.prev_hash.clone())
                            .collect::<Vec<_>>(),
                    )
                    .bind(records.iter().map(|r| r.hash.clone()).collect::<Vec<_>>())
                    .execute(&mut **t)
                    .await?;
            }
            Tx::Sqlite(t) => {
                let sql = format!(
                    "INSERT INTO invoice_statuses ({columns}) VALUES {}",
                    values(records.len(), 9)
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for ((r, seq), reasons) in records.iter().zip(&seqs).zip(reasons) {
                    query = query
                        .bind(r.invoice_id.clone())
                        .bind(*seq)
                        .bind(i32::from(r.status))
                        .bind(reasons)
                        .bind(r.comment.clone())
                        .bind(i32::from(r.set_by))
                        .bind(r.recorded_at.clone())
                        .bind(r.prev_hash.clone())
                        .bind(r.hash.clone());
                }
                query.execute(&mut **t).await?;
            }
        }
        Ok(())
    }

    /// Queues the deliveries of accepted invoices (their bodies are the stored
    /// documents). `enqueued_ms` is read here, just before the chunk commits: the start
    /// of each delivery's latency.
    async fn insert_deliveries(
        &mut self,
        deliveries: &[(&InvoiceRecord, &OutgoingMessage)],
        now: &str,
    ) -> Result<()> {
        if deliveries.is_empty() {
            return Ok(());
        }
        let headers = deliveries
            .iter()
            .map(|(_, m)| {
                let headers: Vec<(&str, &str)> = m.headers().collect();
                serde_json::to_string(&headers).map_err(corrupt("headers"))
            })
            .collect::<Result<Vec<_>>>()?;
        let enqueued = millis(SystemTime::now());
        let columns = "kind, message_id, invoice_id, platform, content_type, headers, sha256, not_before, created_at, enqueued_ms";
        match self {
            Tx::Pg(t) => {
                // In the chunk's order, so the relay (oldest id first) delivers in it.
                let sql = format!(
                    "INSERT INTO outbox ({columns}) SELECT k, m, i, p, c, h, s, 0, $8, $9 \
                     FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int4[], $5::text[], $6::text[], $7::text[]) \
                     WITH ORDINALITY AS u(k, m, i, p, c, h, s, ord) ORDER BY u.ord"
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(
                        deliveries
                            .iter()
                            .map(|(_, m)| m.kind().as_str().to_string())
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        deliveries
                            .iter()
                            .map(|(_, m)| m.id().to_string())
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        deliveries
                            .iter()
                            .map(|(r, _)| r.id.clone())
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        deliveries
                            .iter()
                            .map(|(_, m)| i32::from(m.platform().value()))
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        deliveries
                            .iter()
                            .map(|(_, m)| m.content_type().to_string())
                            .collect::<Vec<_>>(),
                    )
                    .bind(headers)
                    .bind(
                        deliveries
                            .iter()
                            .map(|(r, _)| r.sha256.clone())
                            .collect::<Vec<_>>(),
                    )
                    .bind(now.to_string())
                    .bind(enqueued)
                    .execute(&mut **t)
                    .await?;
            }
            Tx::Sqlite(t) => {
                let sql = format!(
                    "INSERT INTO outbox ({columns}) VALUES {}",
                    values(deliveries.len(), 10)
                );
                let mut query = sqlx::query(AssertSqlSafe(sql));
                for ((r, m), headers) in deliveries.iter().zip(headers) {
                    query = query
                        .bind(m.kind().as_str())
                        .bind(m.id().to_string())
                        .bind(r.id.clone())
                        .bind(i32::from(m.platform().value()))
                        .bind(m.content_type().to_string())
                        .bind(headers)
                        .bind(r.sha256.clone())
                        .bind(0i64)
                        .bind(now.to_string())
                        .bind(enqueued);
                }
                query.execute(&mut **t).await?;
            }
        }
        Ok(())
    }
}
