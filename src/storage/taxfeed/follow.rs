//! The follower's SQL: its durable cursor over the hub's status records (leased, so
//! one instance follows at a time), a page of records after the cursor with what the
//! extraction needs (the invoice's columns and, for a mandatory status, the document),
//! and the one transaction that stores what a page gave (objects, e-reporting records,
//! problems) and moves the cursor past it. A crash before the commit leaves cursor and
//! queue as they were; the page is read again and gives the same objects.
//!
//! On SQLite a status id is taken inside the single writer's transaction, so ids
//! become visible in order and the cursor is the last id. On PostgreSQL ids may commit
//! out of order, so the cursor is `(txid, id)` and a page holds only records of
//! transactions older than every one of this database still running (`HORIZON`):
//! those can no longer change, and none of them can appear behind the cursor later
//! (migration 0008).

use super::{Cells, Db, Result, StorageError, Tx, with_pool, with_tx};
use crate::taxfeed::Instant;
use crate::taxfeed::flow::FlowObject;

use super::model::{Enqueued, ObjectKind, ObjectState, sha256_hex};

/// Where a follower is: the last status record it followed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    /// PostgreSQL's transaction id of that record (0 on SQLite).
    pub txid: i64,
    pub status_id: i64,
}

/// A status record with what the follower needs of its invoice.
#[derive(Clone, Debug)]
pub struct FollowedStatus {
    pub at: Cursor,
    pub invoice_id: String,
    pub status: u16,
    pub reasons: Vec<String>,
    pub comment: Option<String>,
    /// RFC 3339 UTC, as the hub writes it.
    pub recorded_at: String,
    pub received_at: String,
    pub syntax: String,
    pub sha256: String,
    /// The original bytes, read only for the statuses the tax administration must
    /// receive (200, 210, 212, 213).
    pub document: Option<Vec<u8>>,
}

/// An e-reporting record to file under its period (strings as the database spells
/// them: `taxfeed::ereporting` owns their meaning).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecord {
    pub key: String,
    pub declarant_siren: String,
    pub declarant_name: String,
    pub role: String,
    pub regime: String,
    pub kind: String,
    pub period_start: String,
    pub period_end: String,
    pub record_type: String,
    pub body: String,
    pub source: String,
}

/// A status record that gave nothing it should have, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowProblem {
    pub status_id: i64,
    pub invoice_id: String,
    pub status: u16,
    pub problem: String,
}

/// What one page gave, written in one transaction with the cursor's move.
#[derive(Clone, Debug, Default)]
pub struct FollowWrite {
    pub objects: Vec<(FlowObject, String)>,
    /// Per object (same order): the status record it comes from, so that an object
    /// the queue refuses becomes that record's problem.
    pub origins: Vec<FollowProblem>,
    pub records: Vec<NewRecord>,
    pub problems: Vec<FollowProblem>,
    /// The cursor read with the lease, and where the page ends.
    pub from: Cursor,
    pub to: Cursor,
    pub followed: u64,
}

/// A declarant as the feed knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDeclarant {
    pub siren: String,
    pub name: String,
    pub regime: String,
    pub vat_option_code: Option<String>,
}

/// `(…), (…)` with `?` on SQLite (sqlx resolves numbered parameters in quadratic time
/// there) and `$N` on PostgreSQL.
pub(super) fn values(tx: &Tx, rows: usize, width: usize) -> String {
    let mut out = String::with_capacity(rows * width * 4);
    let mut n = 0;
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            if c > 0 {
                out.push_str(", ");
            }
            match tx {
                Tx::Sqlite(_) => out.push('?'),
                Tx::Pg(_) => {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                }
            }
        }
        out.push(')');
    }
    out
}

/// Rows per multi-row statement: 64 rows of ≤ 11 columns stay far below either
/// backend's parameter limit and keep each statement's text small.
pub(super) const CHUNK: usize = 64;

const MANDATORY: &str = "200, 210, 212, 213";

/// PostgreSQL: the oldest transaction id that may still commit rows of this database,
/// as seen by the statement's snapshot. Every transaction in progress at the snapshot
/// counts, unless `pg_stat_activity` shows it belongs to another database (xids are
/// cluster-wide, and another database's long transaction must not stall the
/// follower); with none, the snapshot's `xmax`. A record below it is committed or
/// gone for good, so a cursor that passes it never has to come back.
const HORIZON: &str = "snap AS (SELECT pg_current_snapshot() AS s), \
     horizon AS (SELECT COALESCE((SELECT min(x) FROM snap, pg_snapshot_xip(snap.s) AS x \
     WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.backend_xid = x::xid \
     AND a.datname IS DISTINCT FROM current_database())), \
     (SELECT pg_snapshot_xmax(s) FROM snap)) AS h)";

impl Db {
    /// Takes (or renews) the follower's lease until `until` unless another holder's
    /// lease runs past `now`; returns the cursor, or `None` when another instance
    /// follows.
    pub async fn taxfeed_follow_lease(
        &self,
        name: &str,
        holder: &str,
        now: Instant,
        until: Instant,
    ) -> Result<Option<Cursor>> {
        let row = with_pool!(self, p => {
            sqlx::query(
                "UPDATE taxfeed_cursors SET lease = $2, leased_until = $3 WHERE name = $1 \
                 AND (lease IS NULL OR lease = $2 OR leased_until <= $4) \
                 RETURNING txid, status_id",
            )
            .bind(name)
            .bind(holder)
            .bind(until.unix_seconds())
            .bind(now.unix_seconds())
            .fetch_optional(p)
            .await?
            .map(|r| Ok::<_, StorageError>(Cursor { txid: r.i64("txid")?, status_id: r.i64("status_id")? }))
            .transpose()?
        });
        Ok(row)
    }

    /// Gives the lease back (a clean stop), so another instance need not wait.
    pub async fn taxfeed_follow_release(&self, name: &str, holder: &str) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query(
                "UPDATE taxfeed_cursors SET lease = NULL, leased_until = NULL \
                 WHERE name = $1 AND lease = $2",
            )
            .bind(name)
            .bind(holder)
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// The cursor and how many records were followed (tests, `taxfeed status`).
    pub async fn taxfeed_cursor(&self, name: &str) -> Result<(Cursor, u64)> {
        with_pool!(self, p => {
            let r = sqlx::query("SELECT txid, status_id, followed FROM taxfeed_cursors WHERE name = $1")
                .bind(name)
                .fetch_one(p)
                .await?;
            Ok((
                Cursor { txid: r.i64("txid")?, status_id: r.i64("status_id")? },
                r.i64("followed")?.max(0) as u64,
            ))
        })
    }

    /// Up to `limit` status records after `cursor`, in cursor order.
    pub async fn taxfeed_follow_page(
        &self,
        cursor: Cursor,
        limit: u32,
    ) -> Result<Vec<FollowedStatus>> {
        const COLUMNS: &str = "s.invoice_id, s.status, s.reasons, s.comment, s.recorded_at, \
             i.received_at, i.syntax, i.sha256";
        let rows = match self {
            Db::Sqlite(p) => {
                let sql = format!(
                    "SELECT s.id AS status_id, 0 AS txid, {COLUMNS}, \
                     CASE WHEN s.status IN ({MANDATORY}) THEN d.content END AS content \
                     FROM invoice_statuses s JOIN invoices i ON i.id = s.invoice_id \
                     JOIN documents d ON d.sha256 = i.sha256 \
                     WHERE s.id > $1 ORDER BY s.id LIMIT $2"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(cursor.status_id)
                    .bind(i64::from(limit))
                    .fetch_all(p)
                    .await?
                    .iter()
                    .map(followed_from)
                    .collect::<Result<Vec<_>>>()?
            }
            Db::Pg(p) => {
                let sql = format!(
                    "WITH {HORIZON} SELECT s.id AS status_id, s.txid::text::bigint AS txid, \
                     {COLUMNS}, CASE WHEN s.status IN ({MANDATORY}) THEN d.content END AS content \
                     FROM horizon, invoice_statuses s JOIN invoices i ON i.id = s.invoice_id \
                     JOIN documents d ON d.sha256 = i.sha256 \
                     WHERE (s.txid, s.id) > ($1::text::xid8, $2) AND s.txid < horizon.h \
                     ORDER BY s.txid, s.id LIMIT $3"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(cursor.txid.to_string())
                    .bind(cursor.status_id)
                    .bind(i64::from(limit))
                    .fetch_all(p)
                    .await?
                    .iter()
                    .map(followed_from)
                    .collect::<Result<Vec<_>>>()?
            }
        };
        Ok(rows)
    }

    /// Stores what a page gave and moves the cursor to `write.to`, in one
    /// transaction, only if `holder` still holds the lease and the cursor is still at
    /// `write.from` (another instance that took over after a stall has moved it).
    pub async fn taxfeed_follow_commit(
        &self,
        name: &str,
        holder: &str,
        write: &FollowWrite,
        now: Instant,
    ) -> Result<Vec<Enqueued>> {
        let mut tx = self.begin().await?;
        let moved = with_tx!(&mut tx, c => {
            sqlx::query(
                "UPDATE taxfeed_cursors SET txid = $3, status_id = $4, followed = followed + $7 \
                 WHERE name = $1 AND lease = $2 AND txid = $5 AND status_id = $6",
            )
            .bind(name)
            .bind(holder)
            .bind(write.to.txid)
            .bind(write.to.status_id)
            .bind(write.from.txid)
            .bind(write.from.status_id)
            .bind(i64::try_from(write.followed).unwrap_or(i64::MAX))
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if moved != 1 {
            return Err(StorageError::Conflict(format!(
                "follower {name}: lease lost or cursor moved by another instance"
            )));
        }
        let outcomes = tx.taxfeed_enqueue_lenient(&write.objects, now).await?;
        // An object whose id is already queued with other content (two rejected
        // documents with the same number, rejected in the same second, give one F6
        // id) is that status record's problem, not the page's failure: the page must
        // be able to pass.
        let mut problems = write.problems.clone();
        let mut enqueued = Vec::with_capacity(outcomes.len());
        for (outcome, origin) in outcomes.into_iter().zip(&write.origins) {
            match outcome {
                Ok(o) => enqueued.push(o),
                Err(problem) => problems.push(FollowProblem {
                    problem,
                    ..origin.clone()
                }),
            }
        }
        tx.taxfeed_insert_records(&write.records, now).await?;
        tx.taxfeed_insert_problems(&problems, now).await?;
        tx.commit().await?;
        Ok(enqueued)
    }

    /// The declarant the feed knows under `siren`, if any.
    pub async fn taxfeed_declarant(&self, siren: &str) -> Result<Option<StoredDeclarant>> {
        with_pool!(self, p => {
            sqlx::query("SELECT siren, name, regime, vat_option_code FROM taxfeed_declarants WHERE siren = $1")
                .bind(siren.to_string())
                .fetch_optional(p)
                .await?
                .as_ref()
                .map(declarant_from)
                .transpose()
        })
    }

    /// Every declarant the feed knows (a small table: one row per company whose
    /// regime someone stated).
    pub async fn taxfeed_all_declarants(&self) -> Result<Vec<StoredDeclarant>> {
        with_pool!(self, p => {
            sqlx::query("SELECT siren, name, regime, vat_option_code FROM taxfeed_declarants ORDER BY siren")
                .fetch_all(p)
                .await?
                .iter()
                .map(declarant_from)
                .collect()
        })
    }

    /// Records (or updates) a declarant's name and VAT regime.
    pub async fn taxfeed_upsert_declarant(
        &self,
        declarant: &StoredDeclarant,
        now: Instant,
    ) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query(
                "INSERT INTO taxfeed_declarants (siren, name, regime, vat_option_code, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (siren) DO UPDATE SET name = $2, \
                 regime = $3, vat_option_code = $4, updated_at = $5",
            )
            .bind(&declarant.siren)
            .bind(&declarant.name)
            .bind(&declarant.regime)
            .bind(declarant.vat_option_code.as_deref())
            .bind(now.unix_seconds())
            .execute(p)
            .await?;
        });
        Ok(())
    }

    /// What the follower could not extract, oldest first.
    pub async fn taxfeed_follow_problems(&self) -> Result<Vec<FollowProblem>> {
        with_pool!(self, p => {
            sqlx::query(
                "SELECT status_id, invoice_id, status, problem FROM taxfeed_follow_problems \
                 ORDER BY status_id, problem",
            )
            .fetch_all(p)
            .await?
            .iter()
            .map(|r| {
                Ok(FollowProblem {
                    status_id: r.i64("status_id")?,
                    invoice_id: r.text("invoice_id")?,
                    status: u16::try_from(r.i32("status")?).unwrap_or(0),
                    problem: r.text("problem")?,
                })
            })
            .collect()
        })
    }
}

fn followed_from<R: Cells>(r: &R) -> Result<FollowedStatus> {
    let reasons = r.text("reasons")?;
    Ok(FollowedStatus {
        at: Cursor {
            txid: r.i64("txid")?,
            status_id: r.i64("status_id")?,
        },
        invoice_id: r.text("invoice_id")?,
        status: u16::try_from(r.i32("status")?)
            .map_err(|_| StorageError::Corrupt("status code".into()))?,
        reasons: serde_json::from_str(&reasons)
            .map_err(|e| StorageError::Corrupt(format!("status reasons: {e}")))?,
        comment: r.opt_text("comment")?,
        recorded_at: r.text("recorded_at")?,
        received_at: r.text("received_at")?,
        syntax: r.text("syntax")?,
        sha256: r.text("sha256")?,
        document: r.opt_bytes("content")?,
    })
}

impl Tx {
    /// [`Tx::taxfeed_enqueue_many`], with an object refused for other content under
    /// its id given as `Err(reason)` rather than failing the transaction.
    pub async fn taxfeed_enqueue_lenient(
        &mut self,
        objects: &[(FlowObject, String)],
        now: Instant,
    ) -> Result<Vec<std::result::Result<Enqueued, String>>> {
        self.enqueue_many(objects, now, true).await
    }

    /// Stores objects owed to the tax administration, idempotently and in multi-row
    /// statements: the same id with the same bytes is a no-op; the same id with other
    /// bytes is refused (the transaction fails) unless the stored one was rejected,
    /// which is then queued again with the new bytes. One outcome per object, in order.
    pub async fn taxfeed_enqueue_many(
        &mut self,
        objects: &[(FlowObject, String)],
        now: Instant,
    ) -> Result<Vec<Enqueued>> {
        self.enqueue_many(objects, now, false)
            .await?
            .into_iter()
            .map(|o| o.map_err(StorageError::Conflict))
            .collect()
    }

    async fn enqueue_many(
        &mut self,
        objects: &[(FlowObject, String)],
        now: Instant,
        lenient: bool,
    ) -> Result<Vec<std::result::Result<Enqueued, String>>> {
        let mut outcomes = Vec::with_capacity(objects.len());
        for chunk in objects.chunks(CHUNK) {
            let shas: Vec<String> = chunk.iter().map(|(o, _)| sha256_hex(&o.content)).collect();
            let sql = format!(
                "INSERT INTO taxfeed_objects (object_id, kind, interface, source, file_name, body, \
                 sha256, due_at, enqueued_at, state) VALUES {} \
                 ON CONFLICT (object_id) DO NOTHING RETURNING object_id",
                values(self, chunk.len(), 10)
            );
            let inserted: std::collections::HashSet<String> = with_tx!(self, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for ((object, source), sha) in chunk.iter().zip(&shas) {
                    q = q
                        .bind(&object.id.0)
                        .bind(ObjectKind::of(object.interface).as_str())
                        .bind(object.interface.code())
                        .bind(source)
                        .bind(&object.file_name)
                        .bind(&object.content)
                        .bind(sha)
                        .bind(object.due_at.map(Instant::unix_seconds))
                        .bind(now.unix_seconds())
                        .bind(ObjectState::Pending.as_str());
                }
                q.fetch_all(&mut *c)
                    .await?
                    .iter()
                    .map(|r| r.text("object_id"))
                    .collect::<Result<_>>()?
            });
            for ((object, source), sha) in chunk.iter().zip(&shas) {
                outcomes.push(if inserted.contains(&object.id.0) {
                    Ok(Enqueued::New)
                } else {
                    match self
                        .taxfeed_enqueue_existing(object, source, sha, now)
                        .await
                    {
                        Ok(o) => Ok(o),
                        Err(StorageError::Conflict(reason)) if lenient => Err(reason),
                        Err(e) => return Err(e),
                    }
                });
            }
        }
        Ok(outcomes)
    }

    /// The id was already stored: the same bytes are a no-op, a rejected object comes
    /// back with its correction, anything else is a conflict.
    async fn taxfeed_enqueue_existing(
        &mut self,
        object: &FlowObject,
        source: &str,
        sha: &str,
        now: Instant,
    ) -> Result<Enqueued> {
        Ok(with_tx!(self, c => {
            let row = sqlx::query("SELECT sha256, state FROM taxfeed_objects WHERE object_id = $1")
                .bind(&object.id.0)
                .fetch_one(&mut *c)
                .await?;
            let stored_sha = row.text("sha256")?;
            let state = ObjectState::parse(&row.text("state")?)?;
            if stored_sha == sha {
                Enqueued::AlreadyQueued
            } else if state == ObjectState::Rejected {
                sqlx::query(
                    "UPDATE taxfeed_objects SET source = $2, file_name = $3, body = $4, \
                     sha256 = $5, due_at = $6, enqueued_at = $7, state = 'pending', \
                     flow_id = NULL, ack_status = NULL, ack_reason = NULL, acknowledged_at = NULL \
                     WHERE object_id = $1",
                )
                .bind(&object.id.0)
                .bind(source)
                .bind(&object.file_name)
                .bind(&object.content)
                .bind(sha)
                .bind(object.due_at.map(Instant::unix_seconds))
                .bind(now.unix_seconds())
                .execute(&mut *c)
                .await?;
                Enqueued::Requeued
            } else {
                return Err(StorageError::Conflict(format!(
                    "tax object {} is already {} with other content (sha256 {stored_sha})",
                    object.id,
                    state.as_str()
                )));
            }
        }))
    }

    /// Files e-reporting records; a record whose key is already stored is skipped
    /// (the same submission or the same invoice twice).
    pub async fn taxfeed_insert_records(
        &mut self,
        records: &[NewRecord],
        now: Instant,
    ) -> Result<u64> {
        let mut inserted = 0;
        for chunk in records.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO taxfeed_ereporting_records (record_key, declarant_siren, \
                 declarant_name, role, regime, kind, period_start, period_end, record_type, body, \
                 source, received_at) VALUES {} ON CONFLICT (record_key) DO NOTHING",
                values(self, chunk.len(), 12)
            );
            inserted += with_tx!(self, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for r in chunk {
                    q = q
                        .bind(&r.key)
                        .bind(&r.declarant_siren)
                        .bind(&r.declarant_name)
                        .bind(&r.role)
                        .bind(&r.regime)
                        .bind(&r.kind)
                        .bind(&r.period_start)
                        .bind(&r.period_end)
                        .bind(&r.record_type)
                        .bind(&r.body)
                        .bind(&r.source)
                        .bind(now.unix_seconds());
                }
                q.execute(&mut *c).await?.rows_affected()
            });
        }
        Ok(inserted)
    }

    async fn taxfeed_insert_problems(
        &mut self,
        problems: &[FollowProblem],
        now: Instant,
    ) -> Result<()> {
        for chunk in problems.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO taxfeed_follow_problems (status_id, invoice_id, status, problem, \
                 recorded_at) VALUES {} ON CONFLICT (status_id, problem) DO NOTHING",
                values(self, chunk.len(), 5)
            );
            with_tx!(self, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for p in chunk {
                    q = q
                        .bind(p.status_id)
                        .bind(&p.invoice_id)
                        .bind(i32::from(p.status))
                        .bind(&p.problem)
                        .bind(now.unix_seconds());
                }
                q.execute(&mut *c).await?;
            });
        }
        Ok(())
    }
}

fn declarant_from<R: Cells>(r: &R) -> Result<StoredDeclarant> {
    Ok(StoredDeclarant {
        siren: r.text("siren")?,
        name: r.text("name")?,
        regime: r.text("regime")?,
        vat_option_code: r.opt_text("vat_option_code")?,
    })
}
