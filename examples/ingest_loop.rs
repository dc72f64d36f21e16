//! Ingests one file many times: a harness for profilers (callgrind, perf), so a
//! profile shows the per-document cost without the one-off schema compilation.
//!
//! `cargo run --release --example ingest_loop -- FILE [TIMES] [en16931|fr]`
//!
//! FILE may also be `sample:ubl:LINES` or `sample:cii:LINES`, a generated invoice of
//! that many lines (the ones `benches/validate.rs` times), or a directory, whose
//! documents are then ingested once each (see [`each_file`]).

use std::time::Instant;

use facteur::ingest::validate::RuleSet;
use facteur::ingest::{Options, ingest};
use facteur::samples;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: ingest_loop FILE [TIMES] [en16931|fr]");
        std::process::exit(2);
    };
    let times: usize = args.next().and_then(|t| t.parse().ok()).unwrap_or(1000);
    let rules = match args.next().as_deref() {
        Some("en16931") => RuleSet::En16931,
        _ => RuleSet::Fr,
    };
    if std::path::Path::new(&path).is_dir() {
        each_file(&path, rules);
        return;
    }
    let bytes = match sample(&path) {
        Some(xml) => xml.into_bytes(),
        None => std::fs::read(&path).unwrap_or_else(|e| {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(2);
        }),
    };
    let options = Options {
        rules,
        ..Options::default()
    };
    // The first call compiles the schemas and code lists.
    let first = ingest(&bytes, &options);
    let start = Instant::now();
    ingest_many(&bytes, &options, times);
    let per = start.elapsed() / times.max(1) as u32;
    println!(
        "{path}: {} finding(s), {per:?} per document over {times} runs",
        first.report.findings.len()
    );
}

/// Ingests every file of a directory once through [`ingest_one`], after a first pass
/// that compiles the schemas: under `valgrind --tool=callgrind
/// --dump-before='*ingest_one*'` the dumps after the first are then the cost of one
/// document each, in file-name order (a last call on an empty input closes the last
/// document's dump).
fn each_file(dir: &str, rules: RuleSet) {
    let options = Options {
        rules,
        ..Options::default()
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| {
            eprintln!("cannot read {dir}: {e}");
            std::process::exit(2);
        })
        .flatten()
        .map(|entry| entry.path())
        .collect();
    files.sort();
    let documents: Vec<Vec<u8>> = files.iter().flat_map(std::fs::read).collect();
    for bytes in &documents {
        ingest(bytes, &options);
    }
    for bytes in &documents {
        ingest_one(bytes, &options);
    }
    ingest_one(b"", &options);
    println!("{dir}: {} documents", documents.len());
}

/// The timed loop, in a function of its own so that `valgrind --tool=callgrind
/// --toggle-collect='*ingest_many*'` profiles it without the first, compiling run.
#[inline(never)]
fn ingest_many(bytes: &[u8], options: &Options, times: usize) {
    for _ in 0..times {
        std::hint::black_box(ingest(std::hint::black_box(bytes), options));
    }
}

#[inline(never)]
fn ingest_one(bytes: &[u8], options: &Options) {
    std::hint::black_box(ingest(std::hint::black_box(bytes), options));
}

/// The generated invoice a `sample:SYNTAX:LINES` argument names.
fn sample(arg: &str) -> Option<String> {
    let mut parts = arg.strip_prefix("sample:")?.split(':');
    let syntax = parts.next()?;
    let lines = parts.next()?.parse().ok()?;
    match syntax {
        "ubl" => Some(samples::ubl_invoice("B-1", lines)),
        "cii" => Some(samples::cii_invoice("B-1", lines)),
        _ => None,
    }
}
