//! Bulk paths: the trusted import (one transaction per chunk, idempotent through the
//! natural key of current definitions), the export and the index load (both paged by
//! id, so neither holds a long read transaction nor buffers the whole table).
//!
//! SQLite gets multi-row `INSERT … ON CONFLICT DO NOTHING` statements (prepared once
//! per row count and cached by sqlx); PostgreSQL gets one `INSERT … SELECT FROM
//! UNNEST($1::text[], …)` per table and chunk, which costs one round trip per chunk.

use std::collections::HashSet;
use std::fmt::Write;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use sqlx::AssertSqlSafe;

use super::lines::{Cells, LINE_COLUMNS, line_from};
use super::{Db, Result, with_pool};

use crate::directory::day::Day;
use crate::directory::index::{IndexBuilder, IndexLine, MixHasher, OPEN};
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
    /// Recorded in the history; `None` is `import`.
    pub created_by: Option<String>,
}

/// Appends one row in COPY's text format (tab-separated, `\N` for NULL, backslash
/// escapes), the fastest way into PostgreSQL.
fn copy_row(out: &mut Vec<u8>, fields: &[Option<&str>]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match field {
            None => out.extend_from_slice(b"\\N"),
            Some(value) => {
                for b in value.bytes() {
                    match b {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        _ => out.push(b),
                    }
                }
            }
        }
    }
    out.push(b'\n');
}

async fn copy(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    statement: &str,
    data: Vec<u8>,
) -> Result<u64> {
    let mut sink = tx.copy_in_raw(statement).await?;
    if !data.is_empty() {
        sink.send(data).await?;
    }
    Ok(sink.finish().await?)
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

/// Text shared between the columns and the statement's arguments: binding an
/// `Arc<str>` to SQLite copies nothing, where a `String` or `&str` costs allocations
/// (which were a third of an import's CPU).
type Text = Arc<str>;

struct Columns {
    units: Vec<(Text, Text)>,
    establishments: Vec<(Text, Text)>,
    codes: Vec<(Text, Text)>,
    addressing: Vec<Text>,
    siren: Vec<Text>,
    siret: Vec<Option<Text>>,
    code: Vec<Option<Text>>,
    suffix: Vec<Option<Text>>,
    matricule: Vec<i32>,
    start: Vec<i32>,
    end: Vec<Option<i32>>,
    created_by: Vec<Text>,
}

type NumberSet = HashSet<u64, BuildHasherDefault<MixHasher>>;

fn number(value: &str) -> u64 {
    value.bytes().fold(0u64, |acc, b| {
        acc.wrapping_mul(10)
            .wrapping_add(u64::from(b.wrapping_sub(b'0')))
    })
}

fn columns(rows: &[ImportRow]) -> Columns {
    let n = rows.len();
    let mut c = Columns {
        units: Vec::new(),
        establishments: Vec::new(),
        codes: Vec::new(),
        addressing: Vec::with_capacity(n),
        siren: Vec::with_capacity(n),
        siret: Vec::with_capacity(n),
        code: Vec::with_capacity(n),
        suffix: Vec::with_capacity(n),
        matricule: Vec::with_capacity(n),
        start: Vec::with_capacity(n),
        end: Vec::with_capacity(n),
        created_by: Vec::with_capacity(n),
    };
    let import: Text = Arc::from("import");
    let unnamed: Text = Arc::from("");
    let mut seen_units = NumberSet::default();
    let mut seen_establishments = NumberSet::default();
    let mut seen_codes = HashSet::new();
    let mut buffer = String::with_capacity(128);
    for row in rows {
        let (siren, siret, code, suffix) = parts_of(&row.addressing);
        let siren: Text = Arc::from(siren.as_str());
        let siret: Option<Text> = siret.map(|t| Arc::from(t.as_str()));
        if seen_units.insert(number(&siren)) {
            let name = row
                .name
                .as_deref()
                .map_or_else(|| unnamed.clone(), Arc::from);
            c.units.push((siren.clone(), name));
        }
        if let Some(t) = &siret
            && seen_establishments.insert(number(t))
        {
            c.establishments.push((t.clone(), siren.clone()));
        }
        let code: Option<Text> = code.map(|k| Arc::from(k.as_str()));
        if let (Some(t), Some(k)) = (&siret, &code)
            && seen_codes.insert((number(t), k.clone()))
        {
            c.codes.push((t.clone(), k.clone()));
        }
        buffer.clear();
        let _ = write!(buffer, "{}", row.addressing);
        c.addressing.push(Arc::from(buffer.as_str()));
        c.siren.push(siren);
        c.siret.push(siret);
        c.code.push(code);
        c.suffix.push(suffix.map(|x| Arc::from(x.as_str())));
        c.matricule.push(i32::from(row.matricule.value()));
        c.start.push(row.start.days());
        c.end.push(row.end.map(Day::days));
        c.created_by.push(
            row.created_by
                .as_deref()
                .map_or_else(|| import.clone(), Arc::from),
        );
    }
    c
}

fn strings(values: &[Text]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

fn optional_strings(values: &[Option<Text>]) -> Vec<Option<String>> {
    values
        .iter()
        .map(|s| s.as_ref().map(|s| s.to_string()))
        .collect()
}

/// `(?, ?, …), (…)` for `rows` rows of `width` anonymous parameters. Anonymous, not
/// `$N`: sqlx-sqlite looks each parameter's name up with
/// `sqlite3_bind_parameter_name`, a linear scan of the statement's named parameters,
/// which made binding a 5 000-parameter statement quadratic (87 % of an import's CPU).
pub(super) fn values(rows: usize, width: usize) -> String {
    let row = format!("({})", vec!["?"; width].join(","));
    vec![row; rows].join(",")
}

/// How a bulk load writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadMode {
    /// The directory was empty: secondary indexes were dropped, rows go in without
    /// conflict checks, and [`Db::ensure_indexes`] builds the indexes once at the end
    /// (one sort instead of millions of random B-tree insertions), removing duplicates.
    Fresh,
    /// Rows merge into existing ones (`ON CONFLICT DO NOTHING` on the natural keys).
    Merge,
}

/// The secondary indexes (name, definition) and, for the unique ones, how to remove
/// the duplicates a fresh load may contain (keeping the first row).
const INDEXES: [(&str, &str, Option<&str>); 4] = [
    (
        "lines_current_definition",
        "CREATE UNIQUE INDEX IF NOT EXISTS lines_current_definition ON lines (addressing_id, start_day) WHERE superseded_by IS NULL AND nature = 'D'",
        Some(
            "DELETE FROM lines WHERE superseded_by IS NULL AND nature = 'D' AND id NOT IN (SELECT MIN(id) FROM lines WHERE superseded_by IS NULL AND nature = 'D' GROUP BY addressing_id, start_day)",
        ),
    ),
    (
        "lines_addressing",
        "CREATE INDEX IF NOT EXISTS lines_addressing ON lines (addressing_id)",
        None,
    ),
    (
        "legal_units_siren",
        "CREATE UNIQUE INDEX IF NOT EXISTS legal_units_siren ON legal_units (siren)",
        Some(
            "DELETE FROM legal_units WHERE id NOT IN (SELECT MIN(id) FROM legal_units GROUP BY siren)",
        ),
    ),
    (
        "establishments_siret",
        "CREATE UNIQUE INDEX IF NOT EXISTS establishments_siret ON establishments (siret)",
        Some(
            "DELETE FROM establishments WHERE id NOT IN (SELECT MIN(id) FROM establishments GROUP BY siret)",
        ),
    ),
];

/// Rows per SQLite statement: 11 parameters a line keeps it far below SQLite's limit.
const SQLITE_ROWS_PER_STATEMENT: usize = 500;

const ON_CONFLICT_LINES: &str = "ON CONFLICT (addressing_id, start_day) WHERE superseded_by IS NULL AND nature = 'D' DO NOTHING";

impl Db {
    /// Imports one chunk in one transaction; lines already present are skipped (in a
    /// [`LoadMode::Fresh`] load, duplicates are removed when the indexes are built).
    pub async fn import_chunk(
        &self,
        rows: &[ImportRow],
        created_at: &str,
        mode: LoadMode,
    ) -> Result<ImportStats> {
        let c = columns(rows);
        let (units_conflict, establishments_conflict, lines_conflict) = match mode {
            LoadMode::Fresh => ("", "", ""),
            LoadMode::Merge => (
                "ON CONFLICT (siren) DO NOTHING",
                "ON CONFLICT (siret) DO NOTHING",
                ON_CONFLICT_LINES,
            ),
        };
        let inserted = match self {
            Db::Sqlite(pool) => {
                let stamp: Text = Arc::from(created_at);
                let definition: Text = Arc::from("D");
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                for part in c.units.chunks(SQLITE_ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO legal_units (siren, name, created_at) VALUES {} {units_conflict}",
                        values(part.len(), 3)
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for (siren, name) in part {
                        q = q.bind(siren.clone()).bind(name.clone()).bind(stamp.clone());
                    }
                    q.execute(&mut *tx).await?;
                }
                for part in c.establishments.chunks(SQLITE_ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO establishments (siret, siren, created_at) VALUES {} {establishments_conflict}",
                        values(part.len(), 3)
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for (siret, siren) in part {
                        q = q
                            .bind(siret.clone())
                            .bind(siren.clone())
                            .bind(stamp.clone());
                    }
                    q.execute(&mut *tx).await?;
                }
                for part in c.codes.chunks(SQLITE_ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO routing_codes (siret, code, label, created_by, created_at) VALUES {} ON CONFLICT (siret, code) DO NOTHING",
                        values(part.len(), 5)
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for (siret, code) in part {
                        q = q
                            .bind(siret.clone())
                            .bind(code.clone())
                            .bind(code.clone())
                            .bind(Arc::<str>::from("import"))
                            .bind(stamp.clone());
                    }
                    q.execute(&mut *tx).await?;
                }
                let mut inserted = 0;
                let n = rows.len();
                let mut i = 0;
                while i < n {
                    let k = SQLITE_ROWS_PER_STATEMENT.min(n - i);
                    let sql = format!(
                        "INSERT INTO lines (addressing_id, siren, siret, routing_code, suffix, matricule, start_day, end_day, created_by, nature, created_at) VALUES {} {lines_conflict}",
                        values(k, 11)
                    );
                    let mut q = sqlx::query(AssertSqlSafe(sql));
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
                            .bind(definition.clone())
                            .bind(stamp.clone());
                    }
                    inserted += q.execute(&mut *tx).await?.rows_affected();
                    i += k;
                }
                tx.commit().await?;
                inserted
            }
            Db::Pg(pool) if mode == LoadMode::Fresh => {
                let mut tx = pool.begin().await?;
                sqlx::query("SET LOCAL synchronous_commit = off")
                    .execute(&mut *tx)
                    .await?;
                let stamp = Some(created_at);
                let mut data = Vec::with_capacity(c.units.len() * 48);
                for (siren, name) in &c.units {
                    copy_row(&mut data, &[Some(&**siren), Some(&**name), stamp]);
                }
                copy(
                    &mut tx,
                    "COPY legal_units (siren, name, created_at) FROM STDIN",
                    data,
                )
                .await?;
                let mut data = Vec::with_capacity(c.establishments.len() * 48);
                for (siret, siren) in &c.establishments {
                    copy_row(&mut data, &[Some(&**siret), Some(&**siren), stamp]);
                }
                copy(
                    &mut tx,
                    "COPY establishments (siret, siren, created_at) FROM STDIN",
                    data,
                )
                .await?;
                let (siret, code): (Vec<String>, Vec<String>) = c
                    .codes
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .unzip();
                sqlx::query("INSERT INTO routing_codes (siret, code, label, created_by, created_at) SELECT t, k, k, 'import', $3 FROM UNNEST($1::text[], $2::text[]) AS u(t, k) ON CONFLICT (siret, code) DO NOTHING")
                    .bind(siret)
                    .bind(code)
                    .bind(created_at.to_string())
                    .execute(&mut *tx)
                    .await?;
                let mut data = Vec::with_capacity(rows.len() * 96);
                for j in 0..rows.len() {
                    let matricule = c.matricule[j].to_string();
                    let start = c.start[j].to_string();
                    let end = c.end[j].map(|e| e.to_string());
                    copy_row(
                        &mut data,
                        &[
                            Some(&*c.addressing[j]),
                            Some(&*c.siren[j]),
                            c.siret[j].as_deref(),
                            c.code[j].as_deref(),
                            c.suffix[j].as_deref(),
                            Some(&matricule),
                            Some(&start),
                            end.as_deref(),
                            Some(&*c.created_by[j]),
                            Some("D"),
                            stamp,
                        ],
                    );
                }
                let copied = copy(
                    &mut tx,
                    "COPY lines (addressing_id, siren, siret, routing_code, suffix, matricule, start_day, end_day, created_by, nature, created_at) FROM STDIN",
                    data,
                )
                .await?;
                tx.commit().await?;
                copied
            }
            Db::Pg(pool) => {
                let mut tx = pool.begin().await?;
                // A trusted load: losing the last chunks on a crash is acceptable
                // (re-importing is idempotent), waiting for each commit's flush is not.
                sqlx::query("SET LOCAL synchronous_commit = off")
                    .execute(&mut *tx)
                    .await?;
                let (siren, name): (Vec<String>, Vec<String>) = c
                    .units
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .unzip();
                sqlx::query(AssertSqlSafe(format!("INSERT INTO legal_units (siren, name, created_at) SELECT s, n, $3 FROM UNNEST($1::text[], $2::text[]) AS u(s, n) {units_conflict}")))
                    .bind(siren)
                    .bind(name)
                    .bind(created_at.to_string())
                    .execute(&mut *tx)
                    .await?;
                let (siret, siren): (Vec<String>, Vec<String>) = c
                    .establishments
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .unzip();
                sqlx::query(AssertSqlSafe(format!("INSERT INTO establishments (siret, siren, created_at) SELECT t, s, $3 FROM UNNEST($1::text[], $2::text[]) AS u(t, s) {establishments_conflict}")))
                    .bind(siret)
                    .bind(siren)
                    .bind(created_at.to_string())
                    .execute(&mut *tx)
                    .await?;
                let (siret, code): (Vec<String>, Vec<String>) = c
                    .codes
                    .iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .unzip();
                sqlx::query("INSERT INTO routing_codes (siret, code, label, created_by, created_at) SELECT t, k, k, 'import', $3 FROM UNNEST($1::text[], $2::text[]) AS u(t, k) ON CONFLICT (siret, code) DO NOTHING")
                    .bind(siret)
                    .bind(code)
                    .bind(created_at.to_string())
                    .execute(&mut *tx)
                    .await?;
                let sql = format!(
                    "INSERT INTO lines (addressing_id, siren, siret, routing_code, suffix, matricule, start_day, end_day, created_by, nature, created_at) \
                     SELECT a, s, t, k, x, m, b, e, w, 'D', $10 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int4[], $7::int4[], $8::int4[], $9::text[]) AS u(a, s, t, k, x, m, b, e, w) {lines_conflict}"
                );
                let done = sqlx::query(AssertSqlSafe(sql))
                    .bind(strings(&c.addressing))
                    .bind(strings(&c.siren))
                    .bind(optional_strings(&c.siret))
                    .bind(optional_strings(&c.code))
                    .bind(optional_strings(&c.suffix))
                    .bind(c.matricule)
                    .bind(c.start)
                    .bind(c.end)
                    .bind(strings(&c.created_by))
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

    /// Starts a bulk load: into an empty directory, drops the secondary indexes
    /// ([`LoadMode::Fresh`]); otherwise merges.
    pub async fn begin_load(&self) -> Result<LoadMode> {
        let empty = with_pool!(self, p => {
            sqlx::query("SELECT COUNT(*) AS n FROM (SELECT 1 FROM lines LIMIT 1) AS t").fetch_one(p).await?.i64("n")? == 0
        });
        if !empty {
            return Ok(LoadMode::Merge);
        }
        for (name, _, _) in INDEXES {
            let sql = format!("DROP INDEX IF EXISTS {name}");
            with_pool!(self, p => sqlx::query(AssertSqlSafe(sql)).execute(p).await.map(|_| ())?);
        }
        Ok(LoadMode::Fresh)
    }

    /// Creates any missing secondary index (after a fresh load, or after one that was
    /// interrupted); a unique index that meets duplicates has them removed first.
    /// Returns the number of duplicate lines removed.
    pub async fn ensure_indexes(&self) -> Result<u64> {
        let mut removed_lines = 0;
        for (name, create, dedupe) in INDEXES {
            let created = with_pool!(self, p => sqlx::query(create).execute(p).await.map(|_| ()));
            match (created, dedupe) {
                (Ok(_), _) => {}
                (Err(sqlx::Error::Database(e)), Some(dedupe)) if e.is_unique_violation() => {
                    let removed = with_pool!(self, p => sqlx::query(dedupe).execute(p).await?.rows_affected());
                    if name == "lines_current_definition" {
                        removed_lines = removed;
                    }
                    with_pool!(self, p => sqlx::query(create).execute(p).await.map(|_| ())?);
                }
                (Err(e), _) => return Err(e.into()),
            }
        }
        Ok(removed_lines)
    }

    /// Refreshes the planner's statistics after a bulk load (PostgreSQL; SQLite plans
    /// these queries from the indexes alone).
    pub async fn analyze(&self) -> Result<()> {
        if let Db::Pg(p) = self {
            sqlx::query("ANALYZE lines").execute(p).await?;
            sqlx::query("ANALYZE legal_units").execute(p).await?;
            sqlx::query("ANALYZE establishments").execute(p).await?;
        }
        Ok(())
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
