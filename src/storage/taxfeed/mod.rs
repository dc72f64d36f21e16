//! The tax feed's durable queue in SQL: objects owed to the tax administration (F1,
//! F6, F10) from enqueue to acknowledgement, the flows that carry them, and the flow
//! sequences. Storage decides nothing: the service (`taxfeed::service`) chooses what
//! goes into a flow and what an acknowledgement means; this file makes each step one
//! transaction, so a crash leaves either the step done or not done.
//!
//! Nothing is ever deleted: an object stays `pending` until packed, `packed` until its
//! flow's acknowledgement is recorded, and the flow keeps the exact archive bytes so a
//! retry sends the same flow id with the same content.
//!
//! Pushers claim flows with a lease (`claimed_by`, `claimed_until`). On PostgreSQL the
//! claim reads with `FOR UPDATE SKIP LOCKED`, so two instances claiming at the same
//! moment get different flows instead of waiting for each other; on SQLite the claim
//! transaction (`BEGIN IMMEDIATE`) is the single writer anyway. A pusher killed mid-push
//! leaves its lease to expire; the flow is then claimed again and re-sent with the same
//! id, which the receiver recognises.

mod ereporting;
mod follow;
mod model;

pub use ereporting::{PeriodKey, StoredRecord, TransmittedPeriod};
pub use follow::{Cursor, FollowProblem, FollowWrite, FollowedStatus, NewRecord, StoredDeclarant};
pub use model::*;

use super::lines::Cells;
use super::{Db, Result, StorageError, Tx, with_pool, with_tx};
use crate::taxfeed::flow::{FlowName, FlowObject, InterfaceCode};
use crate::taxfeed::{Instant, ObjectId};

fn interface_of(text: &str) -> Result<InterfaceCode> {
    InterfaceCode::parse(text)
        .ok_or_else(|| StorageError::Corrupt(format!("interface code {text:?}")))
}

fn status_of(value: Option<i64>) -> Result<Option<u16>> {
    value
        .map(|v| u16::try_from(v).map_err(|_| StorageError::Corrupt(format!("status {v}"))))
        .transpose()
}

fn object_from<R: Cells>(row: &R) -> Result<StoredObject> {
    Ok(StoredObject {
        id: ObjectId(row.text("object_id")?),
        kind: ObjectKind::parse(&row.text("kind")?)?,
        interface: interface_of(&row.text("interface")?)?,
        source: row.text("source")?,
        file_name: row.text("file_name")?,
        sha256: row.text("sha256")?,
        due_at: row.opt_i64("due_at")?.map(Instant::from_unix_seconds),
        enqueued_at: Instant::from_unix_seconds(row.i64("enqueued_at")?),
        state: ObjectState::parse(&row.text("state")?)?,
        flow_id: row.opt_text("flow_id")?,
        ack_status: status_of(row.opt_i64("ack_status")?)?,
        ack_reason: row.opt_text("ack_reason")?,
        acknowledged_at: row
            .opt_i64("acknowledged_at")?
            .map(Instant::from_unix_seconds),
    })
}

fn flow_from<R: Cells>(row: &R) -> Result<StoredFlow> {
    let count = |c: &str| -> Result<i64> { row.i64(c) };
    Ok(StoredFlow {
        flow_id: row.text("flow_id")?,
        interface: interface_of(&row.text("interface")?)?,
        file_name: row.text("file_name")?,
        size: count("size")?.max(0) as u64,
        object_count: count("object_count")?.clamp(0, i64::from(u32::MAX)) as u32,
        state: FlowState::parse(&row.text("state")?)?,
        attempts: count("attempts")?.clamp(0, i64::from(u32::MAX)) as u32,
        next_attempt_at: Instant::from_unix_seconds(row.i64("next_attempt_at")?),
        last_error: row.opt_text("last_error")?,
        ack_status: status_of(row.opt_i64("ack_status")?)?,
        ack_reasons: row.opt_text("ack_reasons")?,
        created_at: Instant::from_unix_seconds(row.i64("created_at")?),
        acknowledged_at: row
            .opt_i64("acknowledged_at")?
            .map(Instant::from_unix_seconds),
    })
}

const OBJECT: &str = "SELECT object_id, kind, interface, source, file_name, sha256, due_at, \
     enqueued_at, state, flow_id, ack_status, ack_reason, acknowledged_at FROM taxfeed_objects";
const FLOW: &str = "SELECT flow_id, interface, file_name, size, object_count, state, attempts, \
     next_attempt_at, last_error, ack_status, ack_reasons, created_at, acknowledged_at \
     FROM taxfeed_flows";

impl Tx {
    /// `FOR UPDATE` on PostgreSQL (row locks); nothing on SQLite, whose `BEGIN
    /// IMMEDIATE` already holds the only write lock.
    fn lock_clause(&self, skip_locked: bool) -> &'static str {
        match (self, skip_locked) {
            (Tx::Sqlite(_), _) => "",
            (Tx::Pg(_), false) => " FOR UPDATE",
            (Tx::Pg(_), true) => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Locks the interface's sequence row (so two packers of one interface take turns)
    /// and returns the next flow sequence.
    pub async fn taxfeed_lock_interface(&mut self, interface: InterfaceCode) -> Result<u64> {
        let code = interface.code();
        let select = format!(
            "SELECT next_sequence FROM taxfeed_sequences WHERE interface = $1{}",
            self.lock_clause(false)
        );
        let next: i64 = with_tx!(self, c => {
            sqlx::query(
                "INSERT INTO taxfeed_sequences (interface, next_sequence) VALUES ($1, 1) \
                 ON CONFLICT (interface) DO NOTHING",
            )
            .bind(code)
            .execute(&mut *c)
            .await?;
            let row = sqlx::query(sqlx::AssertSqlSafe(select)).bind(code).fetch_one(&mut *c).await?;
            row.i64("next_sequence")?
        });
        u64::try_from(next).map_err(|_| StorageError::Corrupt(format!("sequence {next}")))
    }

    /// The interface's pending objects, oldest first, with their bodies.
    pub async fn taxfeed_pending(
        &mut self,
        interface: InterfaceCode,
    ) -> Result<Vec<PendingObject>> {
        let rows = with_tx!(self, c => {
            let rows = sqlx::query(
                "SELECT object_id, file_name, body, due_at, enqueued_at FROM taxfeed_objects \
                 WHERE state = 'pending' AND interface = $1 ORDER BY enqueued_at, object_id",
            )
            .bind(interface.code())
            .fetch_all(c)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(PendingObject {
                        object: FlowObject {
                            interface,
                            id: ObjectId(r.text("object_id")?),
                            file_name: r.text("file_name")?,
                            content: r.bytes("body")?,
                            due_at: r.opt_i64("due_at")?.map(Instant::from_unix_seconds),
                        },
                        enqueued_at: Instant::from_unix_seconds(r.i64("enqueued_at")?),
                    })
                })
                .collect::<Result<Vec<_>>>()?
        });
        Ok(rows)
    }

    /// Stores a packed flow and marks its objects packed in it; the interface's next
    /// sequence moves past the flow's. Fails (and the caller rolls back) when an object
    /// is no longer pending, so an object is never in two flows.
    pub async fn taxfeed_insert_flow(
        &mut self,
        name: &FlowName,
        archive: &[u8],
        objects: &[ObjectId],
        now: Instant,
    ) -> Result<()> {
        let sequence = i64::try_from(name.sequence)
            .map_err(|_| StorageError::Conflict(format!("sequence {}", name.sequence)))?;
        let flow_id = name.flow_id();
        with_tx!(self, c => {
            sqlx::query(
                "INSERT INTO taxfeed_flows (flow_id, interface, sequence, file_name, archive, size, \
                 object_count, state, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'ready', 0, $8, $8)",
            )
            .bind(&flow_id)
            .bind(name.interface.code())
            .bind(sequence)
            .bind(name.file_name())
            .bind(archive)
            .bind(archive.len() as i64)
            .bind(objects.len() as i64)
            .bind(now.unix_seconds())
            .execute(&mut *c)
            .await?;
        });
        // Marked in chunks (one statement per few hundred objects, not one each).
        let mut packed = 0;
        for chunk in objects.chunks(follow::CHUNK * 8) {
            let list = (2..chunk.len() + 2)
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "UPDATE taxfeed_objects SET state = 'packed', flow_id = $1 \
                 WHERE state = 'pending' AND object_id IN ({list})"
            );
            packed += with_tx!(self, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&flow_id);
                for id in chunk {
                    q = q.bind(&id.0);
                }
                q.execute(&mut *c).await?.rows_affected()
            });
        }
        if packed != objects.len() as u64 {
            return Err(StorageError::Conflict(format!(
                "{} of the flow's objects are no longer pending: flow {flow_id} not stored",
                objects.len() as u64 - packed
            )));
        }
        with_tx!(self, c => {
            sqlx::query("UPDATE taxfeed_sequences SET next_sequence = $2 WHERE interface = $1")
                .bind(name.interface.code())
                .bind(sequence + 1)
                .execute(&mut *c)
                .await?;
        });
        Ok(())
    }
}

impl Db {
    /// Stores an object owed to the tax administration, idempotently: the same id with
    /// the same bytes is a no-op; the same id with other bytes is refused unless the
    /// stored one was rejected (then it is queued again with the new bytes).
    pub async fn taxfeed_enqueue(
        &self,
        object: &FlowObject,
        source: &str,
        now: Instant,
    ) -> Result<Enqueued> {
        let mut tx = self.begin().await?;
        let outcome = tx
            .taxfeed_enqueue_many(&[(object.clone(), source.to_string())], now)
            .await?
            .pop()
            .ok_or_else(|| StorageError::Corrupt("no enqueue outcome".into()))?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Claims up to `limit` flows due at `now` for one push attempt each, leasing them
    /// to `pusher` until `lease_until`; counts the attempt.
    pub async fn taxfeed_claim(
        &self,
        pusher: &str,
        now: Instant,
        lease_until: Instant,
        limit: u32,
    ) -> Result<Vec<ClaimedFlow>> {
        let mut tx = self.begin().await?;
        let select = format!(
            "SELECT flow_id FROM taxfeed_flows WHERE state = 'ready' AND next_attempt_at <= $1 \
             AND (claimed_until IS NULL OR claimed_until <= $1) \
             ORDER BY next_attempt_at, flow_id LIMIT $2{}",
            tx.lock_clause(true)
        );
        let claimed = with_tx!(&mut tx, c => {
            let ids: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(select))
                .bind(now.unix_seconds())
                .bind(i64::from(limit))
                .fetch_all(&mut *c)
                .await?
                .iter()
                .map(|r| r.text("flow_id"))
                .collect::<Result<_>>()?;
            let mut claimed = Vec::with_capacity(ids.len());
            for flow_id in ids {
                let row = sqlx::query(
                    "UPDATE taxfeed_flows SET claimed_by = $2, claimed_until = $3, \
                     attempts = attempts + 1 WHERE flow_id = $1 \
                     RETURNING interface, file_name, archive, attempts",
                )
                .bind(&flow_id)
                .bind(pusher)
                .bind(lease_until.unix_seconds())
                .fetch_one(&mut *c)
                .await?;
                let objects = sqlx::query(
                    "SELECT object_id, file_name FROM taxfeed_objects WHERE flow_id = $1 \
                     ORDER BY object_id",
                )
                .bind(&flow_id)
                .fetch_all(&mut *c)
                .await?
                .iter()
                .map(|r| Ok((ObjectId(r.text("object_id")?), r.text("file_name")?)))
                .collect::<Result<Vec<_>>>()?;
                claimed.push(ClaimedFlow {
                    flow_id,
                    interface: interface_of(&row.text("interface")?)?,
                    file_name: row.text("file_name")?,
                    archive: row.bytes("archive")?,
                    attempts: row.i64("attempts")?.clamp(0, i64::from(u32::MAX)) as u32,
                    objects,
                });
            }
            claimed
        });
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records a failed attempt: releases the lease, keeps the error, schedules the
    /// next attempt. Ignored when `pusher` no longer holds the flow (its lease expired
    /// and another pusher took it, or the flow was acknowledged meanwhile).
    pub async fn taxfeed_record_failure(
        &self,
        flow_id: &str,
        pusher: &str,
        error: &str,
        next_attempt_at: Instant,
    ) -> Result<bool> {
        let affected = with_pool!(self, p => sqlx::query(
            "UPDATE taxfeed_flows SET claimed_by = NULL, claimed_until = NULL, last_error = $3, \
             next_attempt_at = $4 WHERE flow_id = $1 AND claimed_by = $2 AND state = 'ready'",
        )
        .bind(flow_id)
        .bind(pusher)
        .bind(error)
        .bind(next_attempt_at.unix_seconds())
        .execute(p)
        .await?
        .rows_affected());
        Ok(affected == 1)
    }

    /// Records an acknowledgement: the flow's status and every object's outcome, in one
    /// transaction. An acknowledgement must name every object of the flow exactly once;
    /// otherwise nothing is recorded. Recording the same flow twice is a no-op (returns
    /// false): the first acknowledgement stands.
    pub async fn taxfeed_record_ack(&self, ack: &RecordedAck, now: Instant) -> Result<bool> {
        let flow_state = if ack.status == 500 {
            FlowState::Acknowledged
        } else {
            FlowState::Rejected
        };
        let mut tx = self.begin().await?;
        let recorded = with_tx!(&mut tx, c => {
            let flow = sqlx::query(
                "UPDATE taxfeed_flows SET state = $2, ack_status = $3, ack_reasons = $4, \
                 ack_document = $5, acknowledged_at = $6, claimed_by = NULL, claimed_until = NULL, \
                 last_error = NULL WHERE flow_id = $1 AND state = 'ready'",
            )
            .bind(&ack.flow_id)
            .bind(flow_state.as_str())
            .bind(i64::from(ack.status))
            .bind(ack.reasons.as_deref())
            .bind(&ack.document)
            .bind(now.unix_seconds())
            .execute(&mut *c)
            .await?;
            if flow.rows_affected() == 0 {
                false
            } else {
                for o in &ack.objects {
                    let state = if o.accepted {
                        ObjectState::Acknowledged
                    } else {
                        ObjectState::Rejected
                    };
                    let done = sqlx::query(
                        "UPDATE taxfeed_objects SET state = $3, ack_status = $4, ack_reason = $5, \
                         acknowledged_at = $6 WHERE flow_id = $1 AND file_name = $2 AND state = 'packed'",
                    )
                    .bind(&ack.flow_id)
                    .bind(&o.file_name)
                    .bind(state.as_str())
                    .bind(i64::from(o.status))
                    .bind(o.reason.as_deref())
                    .bind(now.unix_seconds())
                    .execute(&mut *c)
                    .await?;
                    if done.rows_affected() != 1 {
                        return Err(StorageError::Conflict(format!(
                            "acknowledgement of flow {} names {} which is not an unacknowledged object of it",
                            ack.flow_id, o.file_name
                        )));
                    }
                }
                let left: i64 = sqlx::query(
                    "SELECT COUNT(*) AS n FROM taxfeed_objects WHERE flow_id = $1 AND state = 'packed'",
                )
                .bind(&ack.flow_id)
                .fetch_one(&mut *c)
                .await?
                .i64("n")?;
                if left != 0 {
                    return Err(StorageError::Conflict(format!(
                        "acknowledgement of flow {} leaves {left} objects without an outcome",
                        ack.flow_id
                    )));
                }
                true
            }
        });
        tx.commit().await?;
        Ok(recorded)
    }

    pub async fn taxfeed_object(&self, id: &ObjectId) -> Result<Option<StoredObject>> {
        let sql = format!("{OBJECT} WHERE object_id = $1");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&id.0).fetch_optional(p).await?;
            row.as_ref().map(object_from).transpose()
        })
    }

    /// Every object, in id order (tests and `taxfeed status --objects`).
    pub async fn taxfeed_objects(&self) -> Result<Vec<StoredObject>> {
        let sql = format!("{OBJECT} ORDER BY object_id");
        with_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?;
            rows.iter().map(object_from).collect()
        })
    }

    pub async fn taxfeed_flow(&self, flow_id: &str) -> Result<Option<StoredFlow>> {
        let sql = format!("{FLOW} WHERE flow_id = $1");
        with_pool!(self, p => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(flow_id).fetch_optional(p).await?;
            row.as_ref().map(flow_from).transpose()
        })
    }

    /// Every flow, in id order.
    pub async fn taxfeed_flows(&self) -> Result<Vec<StoredFlow>> {
        let sql = format!("{FLOW} ORDER BY flow_id");
        with_pool!(self, p => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?;
            rows.iter().map(flow_from).collect()
        })
    }

    /// The queue at a glance: objects per kind and state, flows per state, the oldest
    /// unacknowledged object, and the flows waiting for a retry with their errors.
    pub async fn taxfeed_backlog(&self) -> Result<Backlog> {
        let failing_sql = format!(
            "{FLOW} WHERE state = 'ready' AND last_error IS NOT NULL \
             ORDER BY next_attempt_at, flow_id LIMIT 10"
        );
        with_pool!(self, p => {
            let objects = sqlx::query(
                "SELECT kind, state, COUNT(*) AS n, MIN(enqueued_at) AS oldest FROM taxfeed_objects \
                 GROUP BY kind, state ORDER BY kind, state",
            )
            .fetch_all(p)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    ObjectKind::parse(&r.text("kind")?)?,
                    ObjectState::parse(&r.text("state")?)?,
                    r.i64("n")?.max(0) as u64,
                    r.opt_i64("oldest")?.map(Instant::from_unix_seconds),
                ))
            })
            .collect::<Result<Vec<_>>>()?;
            let flows = sqlx::query(
                "SELECT state, COUNT(*) AS n FROM taxfeed_flows GROUP BY state ORDER BY state",
            )
            .fetch_all(p)
            .await?
            .iter()
            .map(|r| Ok((FlowState::parse(&r.text("state")?)?, r.i64("n")?.max(0) as u64)))
            .collect::<Result<Vec<_>>>()?;
            let failing = sqlx::query(sqlx::AssertSqlSafe(failing_sql))
                .fetch_all(p)
                .await?
                .iter()
                .map(flow_from)
                .collect::<Result<Vec<_>>>()?;
            let oldest_unacknowledged = objects
                .iter()
                .filter(|o| matches!(o.1, ObjectState::Pending | ObjectState::Packed))
                .filter_map(|o| o.3)
                .min();
            Ok(Backlog {
                objects,
                flows,
                oldest_unacknowledged,
                failing,
            })
        })
    }
}
