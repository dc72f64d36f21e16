//! The statuses a window of the relay's confirms adds: 201 (Émise) appended to each
//! invoice's chain that has none yet, and made its current status, in the caller's
//! transaction (`outbox::mark_confirmed`), with a few statements whatever the window's
//! size.

use std::collections::HashMap;

use sqlx::AssertSqlSafe;

use super::lines::{Cells, matricule_of};
use super::submissions::marks;
use super::{Result, StorageError, Tx};
use crate::identifiers::Matricule;
use crate::lifecycle::Status;
use crate::lifecycle::chain::GENESIS;
use crate::storage::StatusRecord;

impl Tx {
    /// Appends 201 (Émise) to each of these invoices that has none yet, as the next
    /// link of its chain: what publishing their deliveries records (`outbox`).
    pub async fn append_issued(&mut self, invoice_ids: &[String], at: &str) -> Result<()> {
        let mut ids = invoice_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(());
        }
        // Two index lookups, the chains' heads found here: a correlated subquery per
        // invoice, or a join the planner may turn into a scan of the whole table, would
        // make each window cost more as the tables grow.
        let (invoices, statuses) = match self {
            Tx::Pg(t) => {
                // LATERAL: one index probe per invoice, whatever the planner's
                // statistics say (a plain `= ANY` over invoice_statuses was planned as
                // a sequential scan of the whole table, once per window). Every status
                // of the invoice (one or two), from one probe of (invoice_id, seq): the
                // head and whether a 201 is among them are found here.
                let rows = sqlx::query(
                    "SELECT u.id, i.sha256, i.sender_platform, h.seq, h.status, h.hash \
                     FROM UNNEST($1::text[]) AS u(id) \
                     JOIN LATERAL (SELECT sha256, sender_platform FROM invoices WHERE id = u.id LIMIT 1) i ON true \
                     LEFT JOIN LATERAL (SELECT seq, status, hash FROM invoice_statuses s WHERE s.invoice_id = u.id) h ON true",
                )
                .persistent(false)
                .bind(ids.clone())
                .fetch_all(&mut **t)
                .await?;
                let mut invoices = Vec::with_capacity(rows.len());
                let mut statuses = Vec::with_capacity(rows.len());
                for row in &rows {
                    let (id, sha256, sender) = owner_from(row)?;
                    if let (Some(seq), Some(status), Some(hash)) = (
                        row.opt_i32("seq")?,
                        row.opt_i32("status")?,
                        row.opt_text("hash")?,
                    ) {
                        statuses.push((id.clone(), i64::from(seq), status, hash));
                    }
                    invoices.push((id, sha256, sender));
                }
                (invoices, statuses)
            }
            Tx::Sqlite(t) => {
                let list = marks(ids.len());
                let mut query = sqlx::query(AssertSqlSafe(format!(
                    "SELECT id, sha256, sender_platform FROM invoices WHERE id IN ({list})"
                )));
                for id in &ids {
                    query = query.bind(id.clone());
                }
                let invoices = query
                    .fetch_all(&mut **t)
                    .await?
                    .iter()
                    .map(owner_from)
                    .collect::<Result<Vec<_>>>()?;
                let mut query = sqlx::query(AssertSqlSafe(format!(
                    "SELECT invoice_id, seq, status, hash FROM invoice_statuses WHERE invoice_id IN ({list})"
                )));
                for id in &ids {
                    query = query.bind(id.clone());
                }
                let statuses = query
                    .fetch_all(&mut **t)
                    .await?
                    .iter()
                    .map(link_from)
                    .collect::<Result<Vec<_>>>()?;
                (invoices, statuses)
            }
        };
        let mut heads: HashMap<String, ChainHead> = invoices
            .into_iter()
            .map(|(invoice_id, sha256, sender)| {
                let head = ChainHead {
                    invoice_id: invoice_id.clone(),
                    sha256,
                    sender,
                    last: None,
                    issued: false,
                };
                (invoice_id, head)
            })
            .collect();
        for (invoice_id, seq, status, hash) in statuses {
            let Some(head) = heads.get_mut(&invoice_id) else {
                continue;
            };
            head.issued |= status == i32::from(Status::Issued.code());
            if head.last.as_ref().is_none_or(|(last, _)| seq > *last) {
                head.last = Some((seq, hash));
            }
        }
        if heads.len() != ids.len() {
            let missing = ids.iter().find(|id| !heads.contains_key(id.as_str()));
            return Err(StorageError::Corrupt(format!(
                "outbox row without its invoice {}",
                missing.map_or("?", String::as_str)
            )));
        }
        let mut rows: Vec<ChainHead> = heads.into_values().collect();
        rows.sort_by(|a, b| a.invoice_id.cmp(&b.invoice_id));
        let mut records = Vec::with_capacity(rows.len());
        for head in rows.into_iter().filter(|h| !h.issued) {
            let (seq, prev_hash) = match head.last {
                Some((seq, hash)) => (seq + 1, hash),
                None => (1, GENESIS.to_string()),
            };
            let mut record = StatusRecord {
                invoice_id: head.invoice_id,
                seq,
                status: Status::Issued.code(),
                reasons: Vec::new(),
                comment: None,
                set_by: head.sender.value(),
                recorded_at: at.to_string(),
                prev_hash,
                hash: String::new(),
            };
            record.hash = record.link(&head.sha256).hash();
            records.push(record);
        }
        let refs: Vec<&StatusRecord> = records.iter().collect();
        self.insert_statuses(&refs).await?;
        let issued: Vec<String> = records.into_iter().map(|r| r.invoice_id).collect();
        self.set_issued(&issued).await
    }

    /// Makes 201 the current status of these invoices where it is still 200: a
    /// recipient's status recorded before the confirm came back stays the current one
    /// (the 201 joins the chain after it all the same).
    async fn set_issued(&mut self, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let issued = i32::from(Status::Issued.code());
        let deposited = i32::from(Status::Deposited.code());
        match self {
            Tx::Pg(t) => {
                sqlx::query("UPDATE invoices SET status = $1 WHERE id = ANY($2) AND status = $3")
                    .persistent(false)
                    .bind(issued)
                    .bind(ids.to_vec())
                    .bind(deposited)
                    .execute(&mut **t)
                    .await?;
            }
            Tx::Sqlite(t) => {
                let sql = format!(
                    "UPDATE invoices SET status = ? WHERE status = ? AND id IN ({})",
                    marks(ids.len())
                );
                let mut query = sqlx::query(AssertSqlSafe(sql)).bind(issued).bind(deposited);
                for id in ids {
                    query = query.bind(id.clone());
                }
                query.execute(&mut **t).await?;
            }
        }
        Ok(())
    }
}

/// The head of an invoice's chain, for appending to it.
struct ChainHead {
    invoice_id: String,
    sha256: String,
    sender: Matricule,
    /// (seq, hash) of the last record, if any.
    last: Option<(i64, String)>,
    issued: bool,
}

/// (id, document hash, sender) of an invoice.
fn owner_from<R: Cells>(row: &R) -> Result<(String, String, Matricule)> {
    Ok((
        row.text("id")?,
        row.text("sha256")?,
        matricule_of(row.i32("sender_platform")?)?,
    ))
}

/// (invoice id, seq, status, hash) of a status record.
fn link_from<R: Cells>(row: &R) -> Result<(String, i64, i32, String)> {
    Ok((
        row.text("invoice_id")?,
        i64::from(row.i32("seq")?),
        row.i32("status")?,
        row.text("hash")?,
    ))
}
