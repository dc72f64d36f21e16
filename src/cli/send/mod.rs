//! `facteur send PATH... --url URL --token TOKEN`: a high-volume sender's client.
//! Walks the files, packs them into zip batches below the hub's limits, uploads each
//! (`POST /v1/batches`), follows their processing (`GET /v1/batches/{id}` pages), and
//! writes a report, one row per file: CSV when the report's name ends in `.csv`, JSON
//! lines otherwise. A [`journal`] next to the report makes a re-run after an
//! interruption poll the batches already uploaded instead of sending them again.

mod journal;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

use super::directory::runtime;
use super::{EXIT_NEGATIVE, EXIT_OK};
use crate::client::{DocumentResult, HubClient};
use crate::ingest::archive;
use journal::Journal;

/// Below the hub's archive limits (100 000 entries, 512 MiB per upload, 20 MiB per
/// document), so a batch is never refused for its size.
const MAX_BATCH_DOCUMENTS: usize = 100_000;
const MAX_BATCH_BYTES: u64 = 256 << 20;
const MAX_DOCUMENT_BYTES: u64 = 20 << 20;
/// Results fetched per status request (the hub's maximum page).
const PAGE: usize = 1_000;

/// Set by tests only: abort the process (no cleanup, like `kill -9`) right after the
/// journal recorded this many uploads in this run, to prove the resume.
const CRASH_AFTER_UPLOADS: &str = "FACTEUR_SEND_CRASH_AFTER_UPLOADS";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Files or directories (walked recursively; hidden files skipped).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The hub's base URL, e.g. https://hub.example:8443.
    #[arg(long, env = "FACTEUR_URL")]
    url: String,
    /// The platform's API token (`facteur platform credential`).
    #[arg(long, env = "FACTEUR_TOKEN", hide_env_values = true)]
    token: String,
    /// Where to write the report: CSV if the name ends in .csv, JSON lines otherwise.
    /// The resume journal is written next to it (`<report>.journal`).
    #[arg(long)]
    report: PathBuf,
    /// Documents per batch.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=MAX_BATCH_DOCUMENTS as u64))]
    batch_documents: u64,
    /// Seconds between two status requests while waiting.
    #[arg(long, default_value_t = 0.5)]
    poll_interval: f64,
}

/// One file to send.
struct Source {
    path: PathBuf,
    size: u64,
}

/// One row of the report.
#[derive(serde::Serialize)]
struct Row {
    file: String,
    invoice_id: Option<String>,
    status: Option<u16>,
    outcome: String,
    reasons: Vec<String>,
    error: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let client = HubClient::new(&args.url, args.token.clone())?;
    let report = args.report.clone();
    let journal_path = journal_path(&report);
    let mut sources = collect(&args.paths, &[report.as_path(), journal_path.as_path()])?;
    if sources.is_empty() {
        anyhow::bail!("no file to send under the given paths");
    }
    let mut rows: Vec<Option<Row>> = (0..sources.len()).map(|_| None).collect();
    // A file the hub would refuse whole-archive is reported here and not packed.
    for (n, source) in sources.iter().enumerate() {
        if source.size > MAX_DOCUMENT_BYTES {
            rows[n] = Some(Row::local_error(
                &source.path,
                format!("larger than the hub's {MAX_DOCUMENT_BYTES} bytes per document"),
            ));
        }
    }
    let batches = plan(&sources, &rows, args.batch_documents as usize);
    let mut journal = Journal::open(&journal_path)?;
    let crash_after: Option<usize> = std::env::var(CRASH_AFTER_UPLOADS)
        .ok()
        .and_then(|v| v.parse().ok());
    let progress = progress_bar(sources.len() as u64);
    let poll = Duration::from_secs_f64(args.poll_interval.max(0.01));

    runtime()?.block_on(async {
        // Upload every batch first (the hub works them in order while we upload the
        // next), then follow them.
        let mut uploaded = Vec::with_capacity(batches.len());
        let mut sent = 0;
        for (b, members) in batches.iter().enumerate() {
            let zip = pack(&sources, members)?;
            let sha256 = hex(&Sha256::digest(&zip));
            let batch_id = match journal.uploaded(&sha256) {
                Some(id) => {
                    say(
                        &progress,
                        format!(
                            "batch {}/{}: already uploaded as {id}, not sent again",
                            b + 1,
                            batches.len()
                        ),
                    );
                    id.to_string()
                }
                None => {
                    journal.uploading(&sha256, members.len())?;
                    let answer = client.upload(zip).await.with_context(|| {
                        format!(
                            "batch {}/{} ({} files)",
                            b + 1,
                            batches.len(),
                            members.len()
                        )
                    })?;
                    anyhow::ensure!(
                        answer.documents == members.len(),
                        "batch {}: the hub counted {} documents, {} were packed",
                        b + 1,
                        answer.documents,
                        members.len()
                    );
                    journal.record_uploaded(&sha256, &answer.batch_id)?;
                    sent += 1;
                    if crash_after == Some(sent) {
                        std::process::abort();
                    }
                    answer.batch_id
                }
            };
            uploaded.push(batch_id);
        }
        for (members, batch_id) in batches.iter().zip(&uploaded) {
            let results = follow(&client, batch_id, members.len(), poll, &progress).await?;
            for result in results {
                let Some(&n) = members.get(result.position) else {
                    anyhow::bail!(
                        "batch {batch_id}: result for position {} of {} entries",
                        result.position,
                        members.len()
                    );
                };
                rows[n] = Some(Row::from_result(&sources[n].path, result));
            }
        }
        anyhow::Ok(())
    })?;
    progress.finish_and_clear();

    let rows: Vec<Row> = rows
        .into_iter()
        .zip(sources.drain(..))
        .map(|(row, source)| {
            row.unwrap_or_else(|| Row::local_error(&source.path, "no result from the hub".into()))
        })
        .collect();
    write_report(&report, &rows)?;
    let accepted = rows.iter().filter(|r| r.outcome == "accepted").count();
    println!(
        "{} files: {accepted} accepted, {} not accepted; report in {}",
        rows.len(),
        rows.len() - accepted,
        report.display()
    );
    Ok(if accepted == rows.len() {
        EXIT_OK
    } else {
        EXIT_NEGATIVE
    })
}

fn journal_path(report: &Path) -> PathBuf {
    let mut name = report.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

/// Every regular file under `paths`, in a stable order (sorted per directory), so a
/// re-run packs the same batches. `skip` keeps the report and journal out.
fn collect(paths: &[PathBuf], skip: &[&Path]) -> anyhow::Result<Vec<Source>> {
    let skip: Vec<PathBuf> = skip
        .iter()
        .filter_map(|p| std::path::absolute(p).ok())
        .collect();
    let mut out = Vec::new();
    for path in paths {
        walk(path, &skip, &mut out)?;
    }
    Ok(out)
}

fn walk(path: &Path, skip: &[PathBuf], out: &mut Vec<Source>) -> anyhow::Result<()> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        let mut entries = std::fs::read_dir(path)
            .with_context(|| format!("cannot list {}", path.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("cannot list {}", path.display()))?;
        entries.sort();
        for entry in entries {
            let hidden = entry
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            if !hidden {
                walk(&entry, skip, out)?;
            }
        }
    } else if meta.is_file() {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        if !skip.contains(&absolute) {
            out.push(Source {
                path: path.to_path_buf(),
                size: meta.len(),
            });
        }
    }
    Ok(())
}

/// Indices of the files of each batch, cut by document count and bytes.
fn plan(sources: &[Source], rows: &[Option<Row>], per_batch: usize) -> Vec<Vec<usize>> {
    let mut batches = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut bytes = 0;
    for (n, source) in sources.iter().enumerate() {
        if rows[n].is_some() {
            continue;
        }
        if !current.is_empty()
            && (current.len() == per_batch || bytes + source.size > MAX_BATCH_BYTES)
        {
            batches.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += source.size;
        current.push(n);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// The zip of one batch. Entry names are `<position>-<file name>`: unique within the
/// zip whatever directories the files came from, and the report maps results back by
/// position, not by name.
fn pack(sources: &[Source], members: &[usize]) -> anyhow::Result<Vec<u8>> {
    let mut files = Vec::with_capacity(members.len());
    for (position, &n) in members.iter().enumerate() {
        let path = &sources[n].path;
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let base: String = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
            .chars()
            .map(|c| if c.is_control() || c == '\\' { '_' } else { c })
            .collect();
        files.push((format!("{position:06}-{base}"), bytes));
    }
    Ok(archive::pack(&files)?)
}

/// Polls a batch until the hub finished it, then reads every result page.
async fn follow(
    client: &HubClient,
    batch_id: &str,
    documents: usize,
    poll: Duration,
    progress: &ProgressBar,
) -> anyhow::Result<Vec<DocumentResult>> {
    let start = progress.position();
    loop {
        let page = client.page(batch_id, 0, 1).await?;
        progress.set_position(start + page.processed as u64);
        if page.finished() {
            break;
        }
        tokio::time::sleep(poll).await;
    }
    let mut results = Vec::with_capacity(documents);
    let mut offset = Some(0);
    while let Some(at) = offset {
        let page = client.page(batch_id, at, PAGE).await?;
        offset = page.next_offset;
        results.extend(page.results);
    }
    anyhow::ensure!(
        results.len() == documents,
        "batch {batch_id}: {} results for {documents} documents",
        results.len()
    );
    Ok(results)
}

/// A line on stderr, above the bar when there is one (a hidden bar prints nothing).
fn say(progress: &ProgressBar, line: String) {
    if progress.is_hidden() {
        eprintln!("{line}");
    } else {
        progress.println(line);
    }
}

/// A bar on a terminal; nothing when stderr is a file or a pipe.
fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} documents processed ({per_sec}, {eta})")
    {
        bar.set_style(style);
    }
    bar
}

impl Row {
    fn local_error(path: &Path, error: String) -> Row {
        Row {
            file: path.display().to_string(),
            invoice_id: None,
            status: None,
            outcome: "not sent".into(),
            reasons: Vec::new(),
            error: Some(error),
        }
    }

    fn from_result(path: &Path, result: DocumentResult) -> Row {
        Row {
            file: path.display().to_string(),
            invoice_id: result.invoice_id,
            status: result.status,
            outcome: result.outcome,
            reasons: result.reasons,
            error: result.error,
        }
    }
}

fn write_report(path: &Path, rows: &[Row]) -> anyhow::Result<()> {
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    // Written beside and renamed: a report is complete or absent, never half-written.
    let partial = {
        let mut name = path.as_os_str().to_owned();
        name.push(".partial");
        PathBuf::from(name)
    };
    let failed = || format!("cannot write {}", partial.display());
    let file = std::fs::File::create(&partial).with_context(failed)?;
    let mut out = std::io::BufWriter::new(file);
    if csv {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer
            .write_record([
                "file",
                "invoice_id",
                "status",
                "outcome",
                "reasons",
                "error",
            ])
            .with_context(failed)?;
        for row in rows {
            writer
                .write_record([
                    row.file.as_str(),
                    row.invoice_id.as_deref().unwrap_or(""),
                    &row.status.map(|s| s.to_string()).unwrap_or_default(),
                    &row.outcome,
                    &row.reasons.join(";"),
                    row.error.as_deref().unwrap_or(""),
                ])
                .with_context(failed)?;
        }
        writer.flush().with_context(failed)?;
    } else {
        for row in rows {
            serde_json::to_writer(&mut out, row).with_context(failed)?;
            out.write_all(b"\n").with_context(failed)?;
        }
    }
    out.flush().with_context(failed)?;
    drop(out);
    std::fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(sizes: &[u64]) -> Vec<Source> {
        sizes
            .iter()
            .enumerate()
            .map(|(n, &size)| Source {
                path: PathBuf::from(format!("f{n}.xml")),
                size,
            })
            .collect()
    }

    #[test]
    fn batches_are_cut_by_count_and_by_bytes_and_skip_unsendable_files() {
        let files = sources(&[10, 10, 10, 10, 10]);
        let none: Vec<Option<Row>> = files.iter().map(|_| None).collect();
        assert_eq!(
            plan(&files, &none, 2),
            vec![vec![0, 1], vec![2, 3], vec![4]]
        );

        let big = MAX_BATCH_BYTES / 2 + 1;
        let files = sources(&[big, big, 10, big]);
        let none: Vec<Option<Row>> = files.iter().map(|_| None).collect();
        assert_eq!(plan(&files, &none, 100), vec![vec![0], vec![1, 2], vec![3]]);

        let mut rows: Vec<Option<Row>> = files.iter().map(|_| None).collect();
        rows[1] = Some(Row::local_error(Path::new("f1.xml"), "too big".into()));
        assert_eq!(plan(&files, &rows, 100), vec![vec![0, 2], vec![3]]);
    }

    #[test]
    fn packing_the_same_files_twice_gives_the_same_bytes() {
        let dir = std::env::temp_dir().join(format!("facteur-send-pack-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.xml"), "<a/>").unwrap();
        std::fs::write(dir.join("b.xml"), "<b/>").unwrap();
        let files = collect(std::slice::from_ref(&dir), &[]).unwrap();
        let first = pack(&files, &[0, 1]).unwrap();
        std::thread::sleep(Duration::from_millis(1100));
        let second = pack(&files, &[0, 1]).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        // The journal names a batch by this hash: a re-run must find it.
        assert_eq!(Sha256::digest(&first), Sha256::digest(&second));
    }
}
