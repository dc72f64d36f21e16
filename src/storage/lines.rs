//! Directory lines in SQL: reading versions, inserting a version, superseding one.
//! Also the typed cell access shared by the other storage files ([`Cells`]), so a
//! row reads the same on SQLite and PostgreSQL.

use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::{Db, Result, StorageError, Tx, with_pool, with_tx};
use crate::directory::day::Day;
use crate::directory::model::{Line, LineSpec, Nature, parts_of};
use crate::identifiers::{AddressingId, Matricule};

/// Typed cells of a row, whichever backend.
pub(crate) trait Cells {
    fn i64(&self, c: &str) -> Result<i64>;
    fn opt_i64(&self, c: &str) -> Result<Option<i64>>;
    fn i32(&self, c: &str) -> Result<i32>;
    fn opt_i32(&self, c: &str) -> Result<Option<i32>>;
    fn text(&self, c: &str) -> Result<String>;
    fn opt_text(&self, c: &str) -> Result<Option<String>>;
    fn boolean(&self, c: &str) -> Result<bool>;
    fn bytes(&self, c: &str) -> Result<Vec<u8>>;
    fn opt_bytes(&self, c: &str) -> Result<Option<Vec<u8>>>;
}

macro_rules! cells {
    ($row:ty) => {
        impl Cells for $row {
            fn i64(&self, c: &str) -> Result<i64> {
                Ok(self.try_get(c)?)
            }
            fn opt_i64(&self, c: &str) -> Result<Option<i64>> {
                Ok(self.try_get(c)?)
            }
            fn i32(&self, c: &str) -> Result<i32> {
                Ok(self.try_get(c)?)
            }
            fn opt_i32(&self, c: &str) -> Result<Option<i32>> {
                Ok(self.try_get(c)?)
            }
            fn text(&self, c: &str) -> Result<String> {
                Ok(self.try_get(c)?)
            }
            fn opt_text(&self, c: &str) -> Result<Option<String>> {
                Ok(self.try_get(c)?)
            }
            fn boolean(&self, c: &str) -> Result<bool> {
                Ok(self.try_get(c)?)
            }
            fn bytes(&self, c: &str) -> Result<Vec<u8>> {
                Ok(self.try_get(c)?)
            }
            fn opt_bytes(&self, c: &str) -> Result<Option<Vec<u8>>> {
                Ok(self.try_get(c)?)
            }
        }
    };
}
cells!(SqliteRow);
cells!(PgRow);

pub(crate) fn matricule_of(value: i32) -> Result<Matricule> {
    u16::try_from(value)
        .ok()
        .and_then(Matricule::from_value)
        .ok_or_else(|| StorageError::Corrupt(format!("matricule {value}")))
}

pub(crate) const LINE_COLUMNS: &str = "id, addressing_id, matricule, start_day, end_day, effective_end, nature, masked, superseded_by, created_by, created_at";

pub(crate) fn line_from<R: Cells>(row: &R) -> Result<Line> {
    let addressing = row.text("addressing_id")?;
    let nature = row.text("nature")?;
    Ok(Line {
        id: row.i64("id")?,
        addressing: AddressingId::parse(&addressing)
            .map_err(|e| StorageError::Corrupt(format!("line addressing {addressing:?}: {e}")))?,
        matricule: matricule_of(row.i32("matricule")?)?,
        start: Day::from_days(row.i32("start_day")?),
        end: row.opt_i32("end_day")?.map(Day::from_days),
        effective_end: row.opt_i32("effective_end")?.map(Day::from_days),
        nature: Nature::from_code(&nature)
            .ok_or_else(|| StorageError::Corrupt(format!("line nature {nature:?}")))?,
        masked: row.boolean("masked")?,
        superseded_by: row.opt_i64("superseded_by")?,
        created_by: row.text("created_by")?,
        created_at: row.text("created_at")?,
    })
}

/// A row of a bulk import that was refused, with the reason (reported per line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

const SELECT_CURRENT: &str = "SELECT id, addressing_id, matricule, start_day, end_day, effective_end, nature, masked, superseded_by, created_by, created_at FROM lines WHERE addressing_id = $1 AND superseded_by IS NULL ORDER BY start_day, id";
const SELECT_ONE: &str = "SELECT id, addressing_id, matricule, start_day, end_day, effective_end, nature, masked, superseded_by, created_by, created_at FROM lines WHERE id = $1";
const SELECT_ALL_VERSIONS: &str = "SELECT id, addressing_id, matricule, start_day, end_day, effective_end, nature, masked, superseded_by, created_by, created_at FROM lines WHERE addressing_id = $1 ORDER BY start_day, id";

impl Tx {
    /// The current versions (definitions and maskings) of an addressing identifier.
    pub async fn lines_of(&mut self, addressing: &AddressingId) -> Result<Vec<Line>> {
        let key = addressing.to_string();
        with_tx!(self, c => {
            let rows = sqlx::query(SELECT_CURRENT).bind(key).fetch_all(c).await?;
            rows.iter().map(line_from).collect()
        })
    }

    pub async fn line(&mut self, id: i64) -> Result<Option<Line>> {
        with_tx!(self, c => {
            let row = sqlx::query(SELECT_ONE).bind(id).fetch_optional(c).await?;
            row.as_ref().map(line_from).transpose()
        })
    }

    /// Inserts a new line version and returns its id (`idInstance`).
    pub async fn insert_line(
        &mut self,
        spec: &LineSpec,
        nature: Nature,
        created_by: &str,
        created_at: &str,
    ) -> Result<i64> {
        let (siren, siret, code, suffix) = parts_of(&spec.addressing);
        let sql = "INSERT INTO lines (addressing_id, siren, siret, routing_code, suffix, matricule, start_day, end_day, nature, masked, created_by, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
        let args = (
            spec.addressing.to_string(),
            siren.to_string(),
            siret.map(|s| s.to_string()),
            code.map(|s| s.to_string()),
            suffix.map(|s| s.to_string()),
        );
        with_tx!(self, c => {
            let row = sqlx::query(sql)
                .bind(args.0.clone())
                .bind(args.1.clone())
                .bind(args.2.clone())
                .bind(args.3.clone())
                .bind(args.4.clone())
                .bind(i32::from(spec.matricule.value()))
                .bind(spec.start.days())
                .bind(spec.end.map(Day::days))
                .bind(nature.code())
                .bind(false)
                .bind(created_by.to_string())
                .bind(created_at.to_string())
                .fetch_one(c)
                .await?;
            row.i64("id")
        })
    }

    /// Marks `old` as replaced by a version not inserted yet, so that the unique key of
    /// current definitions is free for it; [`Tx::supersede`] then records the new id.
    pub async fn retire(&mut self, old: i64) -> Result<()> {
        with_tx!(self, c => {
            sqlx::query("UPDATE lines SET superseded_by = 0 WHERE id = $1 AND superseded_by IS NULL")
                .bind(old)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Records that `old` is superseded by `new` (and hidden, for a masking).
    pub async fn supersede(&mut self, old: i64, new: i64, masked: bool) -> Result<()> {
        with_tx!(self, c => {
            sqlx::query("UPDATE lines SET superseded_by = $1, masked = $2 WHERE id = $3")
                .bind(new)
                .bind(masked)
                .bind(old)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}

impl Db {
    pub async fn line(&self, id: i64) -> Result<Option<Line>> {
        with_pool!(self, p => {
            let row = sqlx::query(SELECT_ONE).bind(id).fetch_optional(p).await?;
            row.as_ref().map(line_from).transpose()
        })
    }

    /// Current versions of an addressing identifier.
    pub async fn lines_of(&self, addressing: &AddressingId) -> Result<Vec<Line>> {
        let key = addressing.to_string();
        with_pool!(self, p => {
            let rows = sqlx::query(SELECT_CURRENT).bind(key).fetch_all(p).await?;
            rows.iter().map(line_from).collect()
        })
    }

    /// Every version of an addressing identifier, superseded ones included (history).
    pub async fn history_of(&self, addressing: &AddressingId) -> Result<Vec<Line>> {
        let key = addressing.to_string();
        with_pool!(self, p => {
            let rows = sqlx::query(SELECT_ALL_VERSIONS).bind(key).fetch_all(p).await?;
            rows.iter().map(line_from).collect()
        })
    }
}
