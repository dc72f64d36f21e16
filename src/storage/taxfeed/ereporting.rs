//! E-reporting records in SQL: filed per (declarant, role, kind, period) by the
//! follower and the platforms' API, read back whole when a period is transmitted,
//! and marked with the sequence of the transmission that carried them. A period with
//! an unmarked record and an end before today is due: initially (sequence 1) or again
//! as a corrective transmission that replaces the whole period.

use super::follow::CHUNK;
use super::{Cells, Db, Result, Tx, with_pool, with_tx};
use crate::taxfeed::Instant;

/// A reporting period of one declarant in one role, for one kind of data.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeriodKey {
    pub declarant_siren: String,
    pub role: String,
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub period_start: String,
    pub period_end: String,
}

/// A filed record, as read back for a transmission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRecord {
    pub id: i64,
    pub declarant_name: String,
    pub regime: String,
    pub record_type: String,
    pub body: String,
    pub source: String,
    pub transmitted_sequence: Option<i64>,
}

/// The last transmission of a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransmittedPeriod {
    pub sequence: i64,
    pub records: i64,
    pub object_id: String,
    pub transmitted_at: Instant,
}

impl Db {
    /// Periods ended before `today` (`YYYY-MM-DD`) that hold a record no transmission
    /// carried yet, in key order.
    pub async fn taxfeed_periods_due(&self, today: &str) -> Result<Vec<PeriodKey>> {
        with_pool!(self, p => {
            sqlx::query(
                "SELECT DISTINCT declarant_siren, role, kind, period_start, period_end \
                 FROM taxfeed_ereporting_records \
                 WHERE transmitted_sequence IS NULL AND period_end < $1 \
                 ORDER BY declarant_siren, role, kind, period_start",
            )
            .bind(today)
            .fetch_all(p)
            .await?
            .iter()
            .map(|r| {
                Ok(PeriodKey {
                    declarant_siren: r.text("declarant_siren")?,
                    role: r.text("role")?,
                    kind: r.text("kind")?,
                    period_start: r.text("period_start")?,
                    period_end: r.text("period_end")?,
                })
            })
            .collect()
        })
    }

    /// The last transmission of a period, if any.
    pub async fn taxfeed_transmitted_period(
        &self,
        key: &PeriodKey,
    ) -> Result<Option<TransmittedPeriod>> {
        with_pool!(self, p => {
            sqlx::query(
                "SELECT sequence, records, object_id, transmitted_at FROM taxfeed_ereporting_periods \
                 WHERE declarant_siren = $1 AND role = $2 AND kind = $3 AND period_start = $4",
            )
            .bind(&key.declarant_siren)
            .bind(&key.role)
            .bind(&key.kind)
            .bind(&key.period_start)
            .fetch_optional(p)
            .await?
            .map(|r| {
                Ok(TransmittedPeriod {
                    sequence: r.i64("sequence")?,
                    records: r.i64("records")?,
                    object_id: r.text("object_id")?,
                    transmitted_at: Instant::from_unix_seconds(r.i64("transmitted_at")?),
                })
            })
            .transpose()
        })
    }

    /// Files the record of a document a platform reported (a 10.1 invoice) with the
    /// document itself, in one transaction: the record never names a document that
    /// is not stored. Returns how many records were new.
    pub async fn taxfeed_file_document_records(
        &self,
        sha256: &str,
        document: &[u8],
        records: &[super::NewRecord],
        now: Instant,
    ) -> Result<u64> {
        let mut tx = self.begin().await?;
        tx.put_document(sha256, document, &now.to_string()).await?;
        let n = tx.taxfeed_insert_records(records, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Files records in their own transaction (the platforms' API); returns how many
    /// were new.
    pub async fn taxfeed_file_records(
        &self,
        records: &[super::NewRecord],
        now: Instant,
    ) -> Result<u64> {
        let mut tx = self.begin().await?;
        let n = tx.taxfeed_insert_records(records, now).await?;
        tx.commit().await?;
        Ok(n)
    }
}

impl Tx {
    /// Every record of a period (transmitted or not: a corrective transmission
    /// replaces the whole period), in id order, and the last sequence sent for it.
    /// On PostgreSQL the period's row is locked, so two transmitters take turns.
    pub async fn taxfeed_period_records(
        &mut self,
        key: &PeriodKey,
    ) -> Result<(Option<i64>, Vec<StoredRecord>)> {
        let lock = match self {
            Tx::Sqlite(_) => "",
            Tx::Pg(_) => " FOR UPDATE",
        };
        let last = format!(
            "SELECT sequence FROM taxfeed_ereporting_periods WHERE declarant_siren = $1 \
             AND role = $2 AND kind = $3 AND period_start = $4{lock}"
        );
        with_tx!(self, c => {
            let sequence = sqlx::query(sqlx::AssertSqlSafe(last))
                .bind(&key.declarant_siren)
                .bind(&key.role)
                .bind(&key.kind)
                .bind(&key.period_start)
                .fetch_optional(&mut *c)
                .await?
                .map(|r| r.i64("sequence"))
                .transpose()?;
            let records = sqlx::query(
                "SELECT id, declarant_name, regime, record_type, body, source, transmitted_sequence \
                 FROM taxfeed_ereporting_records WHERE declarant_siren = $1 AND role = $2 \
                 AND kind = $3 AND period_start = $4 ORDER BY id",
            )
            .bind(&key.declarant_siren)
            .bind(&key.role)
            .bind(&key.kind)
            .bind(&key.period_start)
            .fetch_all(&mut *c)
            .await?
            .iter()
            .map(|r| {
                Ok(StoredRecord {
                    id: r.i64("id")?,
                    declarant_name: r.text("declarant_name")?,
                    regime: r.text("regime")?,
                    record_type: r.text("record_type")?,
                    body: r.text("body")?,
                    source: r.text("source")?,
                    transmitted_sequence: r.opt_i64("transmitted_sequence")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
            Ok((sequence, records))
        })
    }

    /// Records that transmission `sequence` (object `object_id`) carried the period's
    /// `records` records, `new` of them for the first time.
    pub async fn taxfeed_period_transmitted(
        &mut self,
        key: &PeriodKey,
        sequence: i64,
        (records, new): (usize, &[i64]),
        object_id: &str,
        now: Instant,
    ) -> Result<()> {
        let ids = new;
        with_tx!(self, c => {
            sqlx::query(
                "INSERT INTO taxfeed_ereporting_periods (declarant_siren, role, kind, period_start, \
                 period_end, sequence, records, object_id, transmitted_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (declarant_siren, role, kind, period_start) DO UPDATE SET \
                 sequence = $6, records = $7, object_id = $8, transmitted_at = $9",
            )
            .bind(&key.declarant_siren)
            .bind(&key.role)
            .bind(&key.kind)
            .bind(&key.period_start)
            .bind(&key.period_end)
            .bind(sequence)
            .bind(records as i64)
            .bind(object_id)
            .bind(now.unix_seconds())
            .execute(&mut *c)
            .await?;
        });
        for chunk in ids.chunks(CHUNK * 8) {
            let list = (2..chunk.len() + 2)
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "UPDATE taxfeed_ereporting_records SET transmitted_sequence = $1 \
                 WHERE transmitted_sequence IS NULL AND id IN ({list})"
            );
            with_tx!(self, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(sequence);
                for id in chunk {
                    q = q.bind(id);
                }
                q.execute(&mut *c).await?;
            });
        }
        Ok(())
    }
}
