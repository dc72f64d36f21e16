//! Bulk paths: the trusted import (one transaction per chunk, idempotent through the
//! natural key of current definitions), the export and the index load (both paged by
//! id, so neither holds a long read transaction nor buffers the whole table).
//!
//! SQLite gets multi-row `INSERT … ON CONFLICT DO NOTHING` statements (prepared once
//! per row count and cached by sqlx); PostgreSQL gets one `INSERT … SELECT FROM
//! UNNEST($1::text[], …)` per table and chunk, which costs one round trip per chunk.

use std::collections::HashSet;

use sqlx::AssertSqlSafe;

use super::lines::{Cells, LINE_COLUMNS, line_from};
use super::{Db, Result, with_pool};
use crate::directory::day::Day;
use crate::directory::index::{IndexBuilder, IndexLine, OPEN};
use crate::directory::model::{Line, parts_of};
use crate::identifiers::{AddressingId, Matricule};

/// One line of a bulk import, already parsed and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportRow {
    pub addressing: AddressingId,
    pub matricule: Matricule,
    pub start: Day,
    pub end: Option<Day>,
    /// Legal unit name (`raisonSociale`), when the file has a `name` column.
    pub name: Option<String>,
    pub created_by: String,
}

/// A row of the index load: id, identifier parts, matricule, start, stop.
type IndexRow = (i64, [Option<String>; 4], i32, i32, i32);

/// What a chunk did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportStats {
    pub inserted: u64,
    /// Lines already present (same addressing identifier and start): skipped.
    pub existing: u64,
}

struct Columns {
    units: Vec<(String, String)>,
    establishments: Vec<(String, String)>,
    codes: Vec<(String, String)>,
    addressing: Vec<String>,
    siren: Vec<String>,
    siret: Vec<Option<String>>,
    code: Vec<Option<String>>,
    suffix: Vec<Option<String>>,
    matricule: Vec<i32>,
    start: Vec<i32>,
    end: Vec<Option<i32>>,
    created_by: Vec<String>,
}

fn columns(rows: &[ImportRow]) -> Columns {
    let mut c = Columns {
        units: Vec::new(),
        establishments: Vec::new(),
        codes: Vec::new(),
        addressing: Vec::with_capacity(rows.len()),
        siren: Vec::with_capacity(rows.len()),
        siret: Vec::with_capacity(rows.len()),
        code: Vec::with_capacity(rows.len()),
        suffix: Vec::with_capacity(rows.len()),
        matricule: Vec::with_capacity(rows.len()),
        start: Vec::with_capacity(rows.len()),
        end: Vec::with_capacity(rows.len()),
        created_by: Vec::with_capacity(rows.len()),
    };
    let mut seen_units = HashSet::new();
    let mut seen_establishments = HashSet::new();
    let mut seen_codes = HashSet::new();
    for row in rows {
        let (siren, siret, code, suffix) = parts_of(&row.addressing);
        let siren = siren.to_string();
        if seen_units.insert(siren.clone()) {
            c.units
                .push((siren.clone(), row.name.clone().unwrap_or_default()));
        }
        if let Some(t) = siret
            && seen_establishments.insert(t.as_str())
        {
            c.establishments.push((t.to_string(), siren.clone()));
        }
        if let (Some(t), Some(k)) = (siret, code)
            && seen_codes.insert((t.as_str(), k.as_str()))
        {
            c.codes.push((t.to_string(), k.to_string()));
        }
        c.addressing.push(row.addressing.to_string());
        c.siren.push(siren);
        c.siret.push(siret.map(|s| s.to_string()));
        c.code.push(code.map(|s| s.to_string()));
        c.suffix.push(suffix.map(|s| s.to_string()));
        c.matricule.push(i32::from(row.matricule.value()));
        c.start.push(row.start.days());
        c.end.push(row.end.map(Day::days));
        c.created_by.push(row.created_by.clone());
    }
    c
}

/// `($2, $3, …), (…)` for `rows` rows of `width` parameters after `$1`.
fn values(rows: usize, width: usize) -> String {
    let mut s = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ",(" });
        for i in 0..width {
            if i > 0 {
                s.push(',');
            }
            s.push('$');
            s.push_str(&(2 + r * width + i).to_string());
        }
        s.push_str(",$1)");
    }
    s
}

/// Rows per SQLite statement: 9 parameters a line keeps it far below SQLite's limit.
const SQLITE_ROWS_PER_STATEMENT: usize = 500;

const ON_CONFLICT_LINES: &str = "ON CONFLICT (addressing_id, start_day) WHERE superseded_by IS NULL AND nature = 'D' DO NOTHING";

impl Db {
    /// Imports one chunk in one transaction; lines already present are skipped.
    pub async fn import_chunk(&self, rows: &[ImportRow], created_at: &str) -> Result<ImportStats> {
        let c = columns(rows);
        let inserted = match self {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                for part in c.units.chunks(SQLITE_ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO legal_units (siren, name, created_at) VALUES {} ON CONFLICT (siren) DO NOTHING",
                        values(part.len(), 2)
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(created_at.to_string());
                    for (siren, name) in part {
                        q = q.bind(siren.clone()).bind(name.clone());
                    }
                    q.execute(&mut *tx).await?;
                }
                for part in c.establishments.chunks(SQLITE_ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO establishments (siret, siren, created_at) VALUES {} ON CONFLICT (siret) DO NOTHING",
                        values(part.len(), 2)
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(created_at.to_string());
                    for (siret, siren) in part {
                        q = q.bind(siret.clone()).bind(siren.clone());
                    }
                    q.execute(&mut *tx).await?;
                }
                for part in c.codes.chunks(SQLITE_ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO routing_codes (siret, code, label, created_by, created_at) VALUES {} ON CONFLICT (siret, code) DO NOTHING",
                        values(part.len(), 4)
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(created_at.to_string());
                    for (siret, code) in part {
                        q = q
                            .bind(siret.clone())
                            .bind(code.clone())
                            .bind(code.clone())
                            .bind("import");
                    }
                    q.execute(&mut *tx).await?;
                }
                let mut inserted = 0;
                let n = rows.len();
                let mut i = 0;
                while i < n {
                    let k = SQLITE_ROWS_PER_STATEMENT.min(n - i);
                    let sql = format!(
                        "INSERT INTO lines (addressing_id, siren, siret, routing_code, suffix, matricule, start_day, end_day, created_by, nature, created_at) VALUES {} {ON_CONFLICT_LINES}",
                        values(k, 10)
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql)).bind(created_at.to_string());
                    for j in i..i + k {
                        q = q
                            .bind(c.addressing[j].clone())
                            .bind(c.siren[j].clone())
                            .bind(c.siret[j].clone())
                            .bind(c.code[j].clone())
                            .bind(c.suffix[j].clone())
                            .bind(c.matricule[j])
                            .bind(c.start[j])
                            .bind(c.end[j])
                            .bind(c.created_by[j].clone())
                            .bind("D");
                    }
                    inserted += q.execute(&mut *tx).await?.rows_affected();
                    i += k;
                }
                tx.commit().await?;
                inserted
            }
            Db::Pg(pool) => {
                let mut tx = pool.begin().await?;
                let (siren, name): (Vec<String>, Vec<String>) = c.units.into_iter().unzip();
                sqlx::query("INSERT INTO legal_units (siren, name, created_at) SELECT s, n, $3 FROM UNNEST($1::text[], $2::text[]) AS u(s, n) ON CONFLICT (siren) DO NOTHING")
                    .bind(siren)
                    .bind(name)
                    .bind(created_at.to_string())
                    .execute(&mut *tx)
                    .await?;
                let (siret, siren): (Vec<String>, Vec<String>) =
                    c.establishments.into_iter().unzip();
                sqlx::query("INSERT INTO establishments (siret, siren, created_at) SELECT t, s, $3 FROM UNNEST($1::text[], $2::text[]) AS u(t, s) ON CONFLICT (siret) DO NOTHING")
                    .bind(siret)
                    .bind(siren)
                    .bind(created_at.to_string())
                    .execute(&mut *tx)
                    .await?;
                let (siret, code): (Vec<String>, Vec<String>) = c.codes.into_iter().unzip();
                sqlx::query("INSERT INTO routing_codes (siret, code, label, created_by, created_at) SELECT t, k, k, 'import', $3 FROM UNNEST($1::text[], $2::text[]) AS u(t, k) ON CONFLICT (siret, code) DO NOTHING")
                    .bind(siret)
                    .bind(code)
                    .bind(created_at.to_string())
                    .execute(&mut *tx)
                    .await?;
                let sql = format!(
                    "INSERT INTO lines (addressing_id, siren, siret, routing_code, suffix, matricule, start_day, end_day, created_by, nature, created_at) \
                     SELECT a, s, t, k, x, m, b, e, w, 'D', $10 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::int4[], $8::int4[], $9::text[]) AS u(a, s, t, k, x, m, b, e, w) {ON_CONFLICT_LINES}"
                );
                let done = sqlx::query(AssertSqlSafe(sql))
                    .bind(c.addressing)
                    .bind(c.siren)
                    .bind(c.siret)
                    .bind(c.code)
                    .bind(c.suffix)
                    .bind(c.matricule)
                    .bind(c.start)
                    .bind(c.end)
                    .bind(c.created_by)
                    .bind(created_at.to_string())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                done.rows_affected()
            }
        };
        Ok(ImportStats {
            inserted,
            existing: rows.len() as u64 - inserted,
        })
    }

    /// Builds the index's input from every current definition line, page by page.
    pub async fn load_index(&self, builder: &mut IndexBuilder) -> Result<()> {
        let sql = "SELECT id, siren, siret, routing_code, suffix, matricule, start_day, end_day, effective_end FROM lines \
                   WHERE id > $1 AND superseded_by IS NULL AND nature = 'D' ORDER BY id LIMIT 100000";
        let mut last = 0i64;
        loop {
            let rows = with_pool!(self, p => sqlx::query(sql).bind(last).fetch_all(p).await?.iter().map(|row| -> Result<IndexRow> {
                let stop = match (row.opt_i32("end_day")?, row.opt_i32("effective_end")?) {
                    (Some(a), Some(b)) => a.min(b),
                    (a, b) => a.or(b).unwrap_or(OPEN),
                };
                Ok((row.i64("id")?, [Some(row.text("siren")?), row.opt_text("siret")?, row.opt_text("routing_code")?, row.opt_text("suffix")?], row.i32("matricule")?, row.i32("start_day")?, stop))
            }).collect::<Result<Vec<_>>>()?);
            let Some(tail) = rows.last() else { break };
            last = tail.0;
            for (id, [siren, siret, code, suffix], matricule, start, stop) in &rows {
                let line = IndexLine {
                    id: *id,
                    start: *start,
                    stop: *stop,
                    matricule: u16::try_from(*matricule).unwrap_or(u16::MAX),
                };
                builder.push_parts(
                    siren.as_deref().unwrap_or(""),
                    siret.as_deref(),
                    code.as_deref(),
                    suffix.as_deref(),
                    line,
                );
            }
        }
        Ok(())
    }

    /// A page of lines for the export, after `after_id`: the current definitions (full
    /// export) or every version created on or after `since` (differential export).
    pub async fn export_page(
        &self,
        after_id: i64,
        since: Option<Day>,
        limit: i64,
    ) -> Result<Vec<Line>> {
        let filter = match since {
            None => "superseded_by IS NULL AND nature = 'D'",
            Some(_) => "created_at >= $3",
        };
        let sql = format!(
            "SELECT {LINE_COLUMNS} FROM lines WHERE id > $1 AND {filter} ORDER BY id LIMIT $2"
        );
        let since = since.map(|d| d.to_string()).unwrap_or_default();
        with_pool!(self, p => {
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(after_id).bind(limit);
            if !since.is_empty() {
                q = q.bind(since);
            }
            let rows = q.fetch_all(p).await?;
            rows.iter().map(line_from).collect()
        })
    }

    /// Number of current definition lines.
    pub async fn count_current_lines(&self) -> Result<i64> {
        with_pool!(self, p => {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM lines WHERE superseded_by IS NULL AND nature = 'D'").fetch_one(p).await?;
            row.i64("n")
        })
    }
}
