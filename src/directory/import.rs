//! Bulk import and export of directory lines as CSV.
//!
//! Import is the administrator's trusted initial load: lines may start today or in the
//! past (the next-day rules G1.85/G1.87/G1.88 govern changes through the API), but
//! every row is still checked for what makes it a valid line (identifiers, registered
//! platform, dates); a bad row is reported with its line number and skipped. Rows go to
//! storage in chunks, one transaction each; re-importing a file changes nothing (the
//! natural key is addressing identifier + start date of a current definition).

use std::io::{Read, Write};

use tokio::sync::mpsc;

use crate::directory::day::{Day, timestamp, unix_now};
use crate::directory::model::{AddressParts, Line, parts_of};
use crate::directory::rules::{RuleError, addressing_from_parts};
use crate::identifiers::Matricule;
use crate::storage::{Db, ImportRow, RowError, StorageError};

/// Columns every import file must have (in any order).
pub const REQUIRED_COLUMNS: [&str; 7] = [
    "siren",
    "siret",
    "routing_code",
    "suffix",
    "platform",
    "start",
    "end",
];

/// Why an import or export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "the header has no {0:?} column (required: siren,siret,routing_code,suffix,platform,start,end)"
    )]
    MissingColumn(&'static str),
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("write: {0}")]
    Io(#[from] std::io::Error),
}

/// Where each known column is in the file.
#[derive(Clone, Debug)]
pub struct Columns {
    required: [usize; 7],
    name: Option<usize>,
    created_by: Option<usize>,
    nature: Option<usize>,
}

impl Columns {
    pub fn from_header(header: &csv::StringRecord) -> Result<Columns, ImportError> {
        let find = |name: &str| {
            header
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let mut required = [0usize; 7];
        for (slot, name) in required.iter_mut().zip(REQUIRED_COLUMNS) {
            *slot = find(name).ok_or(ImportError::MissingColumn(name))?;
        }
        Ok(Columns {
            required,
            name: find("name"),
            created_by: find("created_by"),
            nature: find("nature"),
        })
    }
}

fn cell(record: &csv::StringRecord, i: usize) -> Option<&str> {
    record.get(i).map(str::trim).filter(|s| !s.is_empty())
}

/// Reads one data row into a line, or says why it is refused.
pub fn parse_row(
    columns: &Columns,
    record: &csv::StringRecord,
    registered: &[bool],
) -> Result<ImportRow, String> {
    let [siren, siret, code, suffix, platform, start, end] =
        columns.required.map(|i| cell(record, i));
    if let Some(nature) = columns.nature.and_then(|i| cell(record, i))
        && nature != "D"
    {
        return Err(format!(
            "nature {nature:?}: only definition lines (D) are imported; masking goes through the API"
        ));
    }
    let addressing = addressing_from_parts(&AddressParts {
        siren: siren.unwrap_or("").to_string(),
        siret: siret.map(String::from),
        routing_code: code.map(String::from),
        suffix: suffix.map(String::from),
    })
    .map_err(|e| e.to_string())?;
    let platform = platform.ok_or("platform: empty")?;
    let matricule = Matricule::parse(platform).map_err(|e| e.to_string())?;
    if !registered
        .get(matricule.value() as usize)
        .copied()
        .unwrap_or(false)
    {
        return Err(RuleError::PlatformNotInForce(matricule).to_string()
            + " (register it with `facteur platform add`)");
    }
    let start = Day::parse(start.ok_or("start: empty")?).map_err(|e| format!("start: {e}"))?;
    let end = end
        .map(Day::parse)
        .transpose()
        .map_err(|e| format!("end: {e}"))?;
    if let Some(end) = end
        && end <= start
    {
        return Err(RuleError::EndNotAfterStart { start, end }.to_string());
    }
    Ok(ImportRow {
        addressing,
        matricule,
        start,
        end,
        name: columns.name.and_then(|i| cell(record, i)).map(String::from),
        created_by: columns
            .created_by
            .and_then(|i| cell(record, i))
            .map(String::from),
    })
}

/// The outcome of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: u64,
    pub inserted: u64,
    pub existing: u64,
    pub refused: u64,
    /// The first refusals, by line number (all are counted in `refused`).
    pub errors: Vec<RowError>,
}

/// Errors kept in the report; the rest are counted.
pub const MAX_REPORTED_ERRORS: usize = 10_000;

/// Imports a CSV file. `progress` is called after each chunk with (bytes read, rows).
pub async fn import_csv<R: Read>(
    db: &Db,
    input: R,
    chunk_size: usize,
    mut progress: impl FnMut(u64, u64),
) -> Result<ImportReport, ImportError> {
    let mut registered = vec![false; 10_000];
    for p in db.platforms().await? {
        if let Some(slot) = registered.get_mut(p.matricule.value() as usize) {
            *slot = true;
        }
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let columns = Columns::from_header(reader.headers()?)?;
    let created_at = timestamp(unix_now());

    let mode = db.begin_load().await?;

    // Parsing and writing overlap: a task writes chunk n while this one parses n+1.
    let (sender, mut receiver) = mpsc::channel::<Vec<ImportRow>>(2);
    let writer_db = db.clone();
    let writer = tokio::spawn(async move {
        let mut totals = (0u64, 0u64);
        while let Some(chunk) = receiver.recv().await {
            let stats = writer_db.import_chunk(&chunk, &created_at, mode).await?;
            totals.0 += stats.inserted;
            totals.1 += stats.existing;
        }
        Ok::<_, StorageError>(totals)
    });

    let mut report = ImportReport::default();
    let mut chunk = Vec::with_capacity(chunk_size);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(err) => {
                report.rows += 1;
                report.refused += 1;
                let line = err.position().map_or(0, |p| p.line());
                if report.errors.len() < MAX_REPORTED_ERRORS {
                    report.errors.push(RowError {
                        line,
                        message: err.to_string(),
                    });
                }
                continue;
            }
        }
        report.rows += 1;
        match parse_row(&columns, &record, &registered) {
            Ok(row) => chunk.push(row),
            Err(message) => {
                report.refused += 1;
                if report.errors.len() < MAX_REPORTED_ERRORS {
                    let line = record.position().map_or(0, |p| p.line());
                    report.errors.push(RowError { line, message });
                }
            }
        }
        if chunk.len() >= chunk_size {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(chunk_size));
            if sender.send(full).await.is_err() {
                break;
            }
            progress(reader.position().byte(), report.rows);
        }
    }
    if !chunk.is_empty() {
        let _ = sender.send(chunk).await;
    }
    drop(sender);
    let written = writer
        .await
        .map_err(|e| ImportError::Io(std::io::Error::other(e)));
    // Rebuild the indexes even when the load failed half-way.
    let duplicates = db.ensure_indexes().await?;
    let (inserted, existing) = written??;
    db.analyze().await?;
    report.inserted = inserted - duplicates;
    report.existing = existing + duplicates;
    progress(reader.position().byte(), report.rows);
    Ok(report)
}

/// Columns of an export: the import's columns first, so a full export re-imports.
pub const EXPORT_COLUMNS: [&str; 13] = [
    "siren",
    "siret",
    "routing_code",
    "suffix",
    "platform",
    "start",
    "end",
    "effective_end",
    "nature",
    "id",
    "superseded_by",
    "created_by",
    "created_at",
];

fn export_record(line: &Line) -> [String; 13] {
    let (siren, siret, code, suffix) = parts_of(&line.addressing);
    let opt = |d: Option<Day>| d.map(|d| d.to_string()).unwrap_or_default();
    [
        siren.to_string(),
        siret.map(|s| s.to_string()).unwrap_or_default(),
        code.map(|s| s.to_string()).unwrap_or_default(),
        suffix.map(|s| s.to_string()).unwrap_or_default(),
        line.matricule.to_string(),
        line.start.to_string(),
        opt(line.end),
        opt(line.effective_end),
        line.nature.code().to_string(),
        line.id.to_string(),
        line.superseded_by
            .map(|i| i.to_string())
            .unwrap_or_default(),
        line.created_by.clone(),
        line.created_at.clone(),
    ]
}

/// Writes a full export (current definition lines) or, with `since`, a differential
/// one (every version created on or after that day, maskings and superseded ones
/// included: the F14 idea). Returns the number of lines written.
pub async fn export_csv<W: Write>(
    db: &Db,
    output: W,
    since: Option<Day>,
) -> Result<u64, ImportError> {
    let mut writer = csv::Writer::from_writer(output);
    writer.write_record(EXPORT_COLUMNS)?;
    let mut last = 0i64;
    let mut written = 0u64;
    loop {
        let page = db.export_page(last, since, 50_000).await?;
        let Some(tail) = page.last() else { break };
        last = tail.id;
        for line in &page {
            writer.write_record(export_record(line))?;
            written += 1;
        }
    }
    writer.flush()?;
    Ok(written)
}
