//! Batches in storage: the uploaded archive, a lease held by the worker processing it,
//! and one result row per document.
//!
//! Exactly once per document: a result row is written once (its primary key), in the
//! same transaction that checks and renews the worker's lease, so a worker that lost
//! its claim (it stalled past the lease and another took over) records nothing more.
//! On PostgreSQL the claim locks with `FOR UPDATE SKIP LOCKED`, so instances sharing
//! the database never claim one batch at once; on SQLite the claim runs in a
//! `BEGIN IMMEDIATE` transaction (one instance).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::Connection as _;

use super::lines::{Cells, matricule_of};
use super::{Db, Result, StorageError, Tx, with_pool, with_tx};
use crate::directory::day::{timestamp, unix_now};
use crate::identifiers::Matricule;

fn millis(at: SystemTime) -> i64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn random_token() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| StorageError::Corrupt(format!("no randomness: {e}")))?;
    Ok(crate::accounts::tokens::hex(&bytes))
}

fn count_i32(n: usize) -> Result<i32> {
    i32::try_from(n).map_err(|_| StorageError::Corrupt(format!("count {n} out of range")))
}

/// A batch as stored, with its progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRecord {
    pub id: String,
    pub sender: Matricule,
    pub documents: usize,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub accepted: usize,
    pub rejected: usize,
    pub refused: usize,
}

impl BatchRecord {
    pub fn processed(&self) -> usize {
        self.accepted + self.rejected + self.refused
    }
}

/// What became of one document of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentOutcome {
    /// Status 200: stored and on its way to the recipient's platform.
    Accepted,
    /// Status 213, with the reform's reasons.
    Rejected,
    /// The archive entry could not be read as a document (nested archive, lying size):
    /// it never reached the hub.
    Refused,
}

impl DocumentOutcome {
    fn as_str(self) -> &'static str {
        match self {
            DocumentOutcome::Accepted => "accepted",
            DocumentOutcome::Rejected => "rejected",
            DocumentOutcome::Refused => "refused",
        }
    }

    fn parse(text: &str) -> Result<DocumentOutcome> {
        match text {
            "accepted" => Ok(DocumentOutcome::Accepted),
            "rejected" => Ok(DocumentOutcome::Rejected),
            "refused" => Ok(DocumentOutcome::Refused),
            other => Err(StorageError::Corrupt(format!("batch outcome {other:?}"))),
        }
    }
}

/// One document's result.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DocumentResult {
    pub position: usize,
    pub name: String,
    pub outcome: DocumentOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub reasons: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A batch claimed by one worker: its archive and what is already done.
#[derive(Debug)]
pub struct BatchClaim {
    pub id: String,
    pub sender: Matricule,
    pub archive: Vec<u8>,
    pub documents: usize,
    /// Positions that already have a result (from an earlier, interrupted run).
    pub done: Vec<usize>,
    /// The claim's token: every write checks it.
    pub lease: String,
}

/// A result could not be recorded because the claim was lost (lease expired and
/// taken by another worker, or the batch finished meanwhile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseLost;

impl Db {
    /// Stores a new batch, unclaimed. Returns its id.
    pub async fn insert_batch(
        &self,
        sender: Matricule,
        archive: &[u8],
        documents: usize,
    ) -> Result<String> {
        let id = format!("b{}", random_token()?);
        let sql = "INSERT INTO batches (id, sender_platform, archive, documents, created_at) VALUES ($1, $2, $3, $4, $5)";
        let documents = count_i32(documents)?;
        let created_at = timestamp(unix_now());
        with_pool!(self, p => {
            let mut connection = p.acquire().await?;
            sqlx::query(sql)
                .bind(id.clone())
                .bind(i32::from(sender.value()))
                .bind(archive)
                .bind(documents)
                .bind(created_at)
                .execute(&mut *connection)
                .await?;
            // The archive went through this connection's write buffer, which would
            // otherwise keep its size (hundreds of megabytes) for as long as the pool
            // keeps the connection.
            connection.shrink_buffers();
        });
        Ok(id)
    }

    /// A batch and its progress, or `None`.
    pub async fn batch(&self, id: &str) -> Result<Option<BatchRecord>> {
        let head = "SELECT id, sender_platform, documents, created_at, finished_at FROM batches WHERE id = $1";
        let counts =
            "SELECT outcome, COUNT(*) AS n FROM batch_results WHERE batch_id = $1 GROUP BY outcome";
        with_pool!(self, p => {
            let Some(row) = sqlx::query(head).bind(id.to_string()).fetch_optional(p).await? else {
                return Ok(None);
            };
            let mut record = BatchRecord {
                id: row.text("id")?,
                sender: matricule_of(row.i32("sender_platform")?)?,
                documents: usize::try_from(row.i32("documents")?).unwrap_or(0),
                created_at: row.text("created_at")?,
                finished_at: row.opt_text("finished_at")?,
                accepted: 0,
                rejected: 0,
                refused: 0,
            };
            for row in sqlx::query(counts).bind(id.to_string()).fetch_all(p).await? {
                let n = usize::try_from(row.i64("n")?).unwrap_or(0);
                match DocumentOutcome::parse(&row.text("outcome")?)? {
                    DocumentOutcome::Accepted => record.accepted = n,
                    DocumentOutcome::Rejected => record.rejected = n,
                    DocumentOutcome::Refused => record.refused = n,
                }
            }
            Ok(Some(record))
        })
    }

    /// A page of a batch's results, by position.
    pub async fn batch_results(
        &self,
        id: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<DocumentResult>> {
        let sql = "SELECT position, name, outcome, invoice_id, status, reasons, error FROM batch_results \
                   WHERE batch_id = $1 ORDER BY position LIMIT $2 OFFSET $3";
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        with_pool!(self, p => {
            let rows = sqlx::query(sql)
                .bind(id.to_string())
                .bind(limit)
                .bind(offset)
                .fetch_all(p)
                .await?;
            rows.iter()
                .map(|row| {
                    let reasons = row.text("reasons")?;
                    Ok(DocumentResult {
                        position: usize::try_from(row.i32("position")?).unwrap_or(0),
                        name: row.text("name")?,
                        outcome: DocumentOutcome::parse(&row.text("outcome")?)?,
                        invoice_id: row.opt_text("invoice_id")?,
                        status: row.opt_i32("status")?.and_then(|s| u16::try_from(s).ok()),
                        reasons: serde_json::from_str(&reasons)
                            .map_err(|e| StorageError::Corrupt(format!("batch reasons: {e}")))?,
                        error: row.opt_text("error")?,
                    })
                })
                .collect()
        })
    }

    /// Claims the oldest unfinished batch nobody holds (or whose holder's lease
    /// lapsed), for `lease`. Loads its archive and the positions already done.
    pub async fn claim_batch(&self, lease: Duration) -> Result<Option<BatchClaim>> {
        let now = SystemTime::now();
        let token = random_token()?;
        let lock = match self {
            Db::Pg(_) => " FOR UPDATE SKIP LOCKED",
            Db::Sqlite(_) => "",
        };
        let pick = format!(
            "SELECT id FROM batches WHERE finished_at IS NULL AND (leased_until IS NULL OR leased_until <= $1) \
             ORDER BY created_at, id LIMIT 1{lock}"
        );
        let take = "UPDATE batches SET lease = $1, leased_until = $2 WHERE id = $3";
        let read = "SELECT sender_platform, archive, documents FROM batches WHERE id = $1";
        let done = "SELECT position FROM batch_results WHERE batch_id = $1 ORDER BY position";
        let mut tx = self.begin().await?;
        let claim = with_tx!(&mut tx, c => {
            let picked = sqlx::query(sqlx::AssertSqlSafe(pick))
                .bind(millis(now))
                .fetch_optional(&mut *c)
                .await?;
            let Some(picked) = picked else {
                return Ok(None);
            };
            let id = picked.text("id")?;
            sqlx::query(take)
                .bind(token.clone())
                .bind(millis(now + lease))
                .bind(id.clone())
                .execute(&mut *c)
                .await?;
            let row = sqlx::query(read).bind(id.clone()).fetch_one(&mut *c).await?;
            let done = sqlx::query(done).bind(id.clone()).fetch_all(&mut *c).await?;
            // The archive came through this connection's read buffer: give that back
            // rather than keep a second copy of it for as long as the pool keeps the
            // connection.
            c.shrink_buffers();
            BatchClaim {
                sender: matricule_of(row.i32("sender_platform")?)?,
                archive: row.bytes("archive")?,
                documents: usize::try_from(row.i32("documents")?).unwrap_or(0),
                done: done
                    .iter()
                    .map(|r| r.i32("position").map(|p| usize::try_from(p).unwrap_or(0)))
                    .collect::<Result<_>>()?,
                id,
                lease: token.clone(),
            }
        });
        tx.commit().await?;
        Ok(Some(claim))
    }

    /// Records one document's result and renews the claim for `lease`; refused with
    /// [`LeaseLost`] when the claim is no longer this worker's. Recording a position
    /// twice keeps the first result.
    pub async fn record_batch_result(
        &self,
        claim: &BatchClaim,
        result: &DocumentResult,
        lease: Duration,
    ) -> Result<std::result::Result<(), LeaseLost>> {
        let renew = "UPDATE batches SET leased_until = $1 WHERE id = $2 AND lease = $3 AND finished_at IS NULL";
        let insert = "INSERT INTO batch_results (batch_id, position, name, outcome, invoice_id, status, reasons, error, recorded_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING";
        let reasons = serde_json::to_string(&result.reasons)
            .map_err(|e| StorageError::Corrupt(format!("batch reasons: {e}")))?;
        let mut tx = self.begin().await?;
        let renewed = with_tx!(&mut tx, c => {
            let renewed = sqlx::query(renew)
                .bind(millis(SystemTime::now() + lease))
                .bind(claim.id.clone())
                .bind(claim.lease.clone())
                .execute(&mut *c)
                .await?
                .rows_affected();
            if renewed == 1 {
                sqlx::query(insert)
                    .bind(claim.id.clone())
                    .bind(count_i32(result.position)?)
                    .bind(result.name.clone())
                    .bind(result.outcome.as_str())
                    .bind(result.invoice_id.clone())
                    .bind(result.status.map(i32::from))
                    .bind(reasons)
                    .bind(result.error.clone())
                    .bind(timestamp(unix_now()))
                    .execute(&mut *c)
                    .await?;
            }
            renewed
        });
        if renewed != 1 {
            // Nothing was written: dropping the transaction rolls it back.
            return Ok(Err(LeaseLost));
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Records the results of a chunk of documents and renews the claim for `lease`,
    /// in one transaction: all of them or, with [`LeaseLost`], none. (The batch
    /// worker records a chunk's results in the transaction that stores its documents,
    /// with [`Tx::renew_batch_lease`] and [`Tx::insert_batch_results`]; this is for
    /// results stored on their own.)
    pub async fn record_batch_results(
        &self,
        claim: &BatchClaim,
        results: &[DocumentResult],
        lease: Duration,
    ) -> Result<std::result::Result<(), LeaseLost>> {
        if results.is_empty() {
            return Ok(Ok(()));
        }
        let mut tx = self.begin().await?;
        if tx.renew_batch_lease(claim, lease).await?.is_err() {
            // Nothing was written: dropping the transaction rolls it back.
            return Ok(Err(LeaseLost));
        }
        tx.insert_batch_results(claim, results).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Marks the claimed batch finished when every document has its result, and drops
    /// its archive (the documents live on in the hub's content-addressed store).
    /// Returns whether it is now finished.
    pub async fn finish_batch(&self, claim: &BatchClaim) -> Result<bool> {
        let sql = "UPDATE batches SET finished_at = $1, archive = NULL, lease = NULL, leased_until = NULL \
                   WHERE id = $2 AND lease = $3 AND finished_at IS NULL \
                   AND documents = (SELECT COUNT(*) FROM batch_results WHERE batch_id = $2)";
        let finished = with_pool!(self, p => {
            sqlx::query(sql)
                .bind(timestamp(unix_now()))
                .bind(claim.id.clone())
                .bind(claim.lease.clone())
                .execute(p)
                .await?
                .rows_affected()
        });
        Ok(finished == 1)
    }

    /// Gives a claim back before its lease ends (a storage failure, a shutdown), so the
    /// batch is picked up again at once rather than after the lease.
    pub async fn release_batch(&self, claim: &BatchClaim) -> Result<()> {
        let sql =
            "UPDATE batches SET lease = NULL, leased_until = NULL WHERE id = $1 AND lease = $2";
        with_pool!(self, p => {
            sqlx::query(sql)
                .bind(claim.id.clone())
                .bind(claim.lease.clone())
                .execute(p)
                .await?;
        });
        Ok(())
    }
}

impl Tx {
    /// Renews the claim for `lease` from now, and holds the batch's row until the
    /// transaction ends; [`LeaseLost`] when the claim is no longer this worker's (the
    /// caller then drops the transaction: nothing it wrote is kept).
    pub async fn renew_batch_lease(
        &mut self,
        claim: &BatchClaim,
        lease: Duration,
    ) -> Result<std::result::Result<(), LeaseLost>> {
        let renew = "UPDATE batches SET leased_until = $1 WHERE id = $2 AND lease = $3 AND finished_at IS NULL";
        let renewed = with_tx!(self, c => {
            sqlx::query(renew)
                .bind(millis(SystemTime::now() + lease))
                .bind(claim.id.clone())
                .bind(claim.lease.clone())
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
        Ok(if renewed == 1 { Ok(()) } else { Err(LeaseLost) })
    }

    /// Inserts results of the claimed batch in one statement; a position that already
    /// has a result keeps it. Only after [`Tx::renew_batch_lease`] in the same
    /// transaction: the lease is what makes the results this worker's to write.
    pub async fn insert_batch_results(
        &mut self,
        claim: &BatchClaim,
        results: &[DocumentResult],
    ) -> Result<()> {
        if results.is_empty() {
            return Ok(());
        }
        let reasons = results
            .iter()
            .map(|r| {
                serde_json::to_string(&r.reasons)
                    .map_err(|e| StorageError::Corrupt(format!("batch reasons: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let positions = results
            .iter()
            .map(|r| count_i32(r.position))
            .collect::<Result<Vec<_>>>()?;
        let now = timestamp(unix_now());
        let columns =
            "batch_id, position, name, outcome, invoice_id, status, reasons, error, recorded_at";
        match self {
            Tx::Pg(t) => {
                let sql = format!(
                    "INSERT INTO batch_results ({columns}) SELECT $1, p, n, o, i, s, r, e, $8 \
                     FROM UNNEST($2::int4[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::text[], $9::text[]) AS u(p, n, o, i, s, r, e) \
                     ON CONFLICT DO NOTHING"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(claim.id.clone())
                    .bind(positions)
                    .bind(results.iter().map(|r| r.name.clone()).collect::<Vec<_>>())
                    .bind(
                        results
                            .iter()
                            .map(|r| r.outcome.as_str())
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        results
                            .iter()
                            .map(|r| r.invoice_id.clone())
                            .collect::<Vec<_>>(),
                    )
                    .bind(
                        results
                            .iter()
                            .map(|r| r.status.map(i32::from))
                            .collect::<Vec<_>>(),
                    )
                    .bind(reasons)
                    .bind(now)
                    .bind(results.iter().map(|r| r.error.clone()).collect::<Vec<_>>())
                    .execute(&mut **t)
                    .await?;
            }
            Tx::Sqlite(t) => {
                let sql = format!(
                    "INSERT INTO batch_results ({columns}) VALUES {} ON CONFLICT DO NOTHING",
                    super::bulk::values(results.len(), 9)
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for ((r, position), reasons) in results.iter().zip(positions).zip(reasons) {
                    query = query
                        .bind(claim.id.clone())
                        .bind(position)
                        .bind(r.name.clone())
                        .bind(r.outcome.as_str())
                        .bind(r.invoice_id.clone())
                        .bind(r.status.map(i32::from))
                        .bind(reasons)
                        .bind(r.error.clone())
                        .bind(now.clone());
                }
                query.execute(&mut **t).await?;
            }
        }
        Ok(())
    }
}
