//! `facteur validate`: files and directories in, one verdict per document out.
//!
//! Documents are validated on all cores; results are printed in the order of the
//! input (directories walked in sorted order) so runs are reproducible.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use anyhow::Context as _;
use serde::Serialize;

use super::{EXIT_ERROR, EXIT_NEGATIVE, EXIT_OK, Format};
use crate::ingest::report::{Finding, Report, Severity};
use crate::ingest::validate::RuleSet;
use crate::ingest::{Options, ingest};
use crate::xml::Limits;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Rule sets to apply.
    #[arg(long, value_enum, default_value_t)]
    rules: RuleSet,
    /// Largest accepted document, in bytes.
    #[arg(long, default_value_t = Limits::default().max_bytes)]
    max_bytes: usize,
    /// Deepest accepted element nesting.
    #[arg(long, default_value_t = Limits::default().max_depth)]
    max_depth: usize,
    /// Files or directories (searched recursively for *.xml and *.pdf).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// One JSON line of `--format json`.
#[derive(Serialize)]
struct JsonLine<'a> {
    file: &'a str,
    syntax: &'a str,
    verdict: &'a str,
    rules: &'a str,
    findings: &'a [Finding],
}

/// The outcome for one input file.
enum FileResult {
    Validated(Report),
    Unreadable(String),
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut files = Vec::new();
    let mut errors = 0usize;
    for path in &args.paths {
        if let Err(err) = collect(path, &mut files) {
            eprintln!("error: {err:#}");
            errors += 1;
        }
    }
    let options = Options {
        rules: args.rules,
        limits: Limits {
            max_bytes: args.max_bytes,
            max_depth: args.max_depth,
            ..Limits::default()
        },
    };

    let progress = progress_bar(files.len());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut accepted, mut rejected) = (0usize, 0usize);
    for_each_in_order(&files, &options, |path, result| {
        if let Some(bar) = &progress {
            bar.inc(1);
        }
        let shown = path.display().to_string();
        match result {
            FileResult::Unreadable(err) => {
                errors += 1;
                let message = format!("error: cannot read {shown}: {err}");
                match &progress {
                    Some(bar) => bar.suspend(|| eprintln!("{message}")),
                    None => eprintln!("{message}"),
                }
            }
            FileResult::Validated(report) => {
                if report.accepted() {
                    accepted += 1;
                } else {
                    rejected += 1;
                }
                let written = match args.format {
                    Format::Json => write_json(&mut out, &shown, &report),
                    Format::Text => write_text(&mut out, &shown, &report),
                };
                if let Err(err) = written {
                    // A closed stdout (e.g. piped into `head`) ends the run quietly.
                    if err.kind() == std::io::ErrorKind::BrokenPipe {
                        std::process::exit(EXIT_OK);
                    }
                    eprintln!("error: cannot write output: {err}");
                }
            }
        }
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if args.format == Format::Text {
        writeln!(
            out,
            "{} file(s): {accepted} accepted, {rejected} rejected, {errors} error(s)",
            accepted + rejected + errors
        )?;
    }
    Ok(if errors > 0 {
        EXIT_ERROR
    } else if rejected > 0 {
        EXIT_NEGATIVE
    } else {
        EXIT_OK
    })
}

/// Adds `path` (a file) or the `*.xml`/`*.pdf` files below it (a directory).
fn collect(path: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if !meta.is_dir() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("cannot list {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect(&entry, files)?;
        } else if has_document_extension(&entry) {
            files.push(entry);
        }
    }
    Ok(())
}

fn has_document_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("xml") || e.eq_ignore_ascii_case("pdf"))
}

/// Validates `files` on every core and hands each result to `sink` in input order.
fn for_each_in_order(
    files: &[PathBuf],
    options: &Options,
    mut sink: impl FnMut(&Path, FileResult),
) {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::sync_channel::<(usize, FileResult)>(workers * 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let result = match std::fs::read(path) {
                        Ok(bytes) => FileResult::Validated(ingest(&bytes, options).report),
                        Err(err) => FileResult::Unreadable(err.to_string()),
                    };
                    if tx.send((i, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // Results arrive out of order; hold the early ones until their turn.
        let mut pending = std::collections::BTreeMap::new();
        let mut turn = 0usize;
        for (i, result) in rx {
            pending.insert(i, result);
            while let Some(result) = pending.remove(&turn) {
                sink(&files[turn], result);
                turn += 1;
            }
        }
    });
}

fn write_json(out: &mut impl Write, file: &str, report: &Report) -> std::io::Result<()> {
    let line = JsonLine {
        file,
        syntax: report.syntax.as_str(),
        verdict: if report.accepted() {
            "accepted"
        } else {
            "rejected"
        },
        rules: &report.rules,
        findings: &report.findings,
    };
    serde_json::to_writer(&mut *out, &line)?;
    writeln!(out)
}

fn write_text(out: &mut impl Write, file: &str, report: &Report) -> std::io::Result<()> {
    let fatal = report.fatal_count();
    let warnings = report.findings.len() - fatal;
    if report.accepted() {
        write!(out, "accepted  {file} ({})", report.syntax.as_str())?;
    } else {
        write!(out, "REJECTED  {file} ({})", report.syntax.as_str())?;
    }
    if fatal + warnings > 0 {
        write!(out, ": {fatal} fatal, {warnings} warning(s)")?;
    }
    writeln!(out)?;
    for f in &report.findings {
        let severity = match f.severity {
            Severity::Fatal => "fatal",
            Severity::Warning => "warning",
        };
        let term = f.term.map(|t| format!(" [{t}]")).unwrap_or_default();
        writeln!(out, "    {severity:<7} {}{term} {}", f.rule, f.message)?;
        writeln!(out, "            at {}", f.location)?;
    }
    Ok(())
}

/// A progress bar on stderr for long runs, only when stderr is a terminal.
fn progress_bar(len: usize) -> Option<indicatif::ProgressBar> {
    if len < 50 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    Some(bar)
}
