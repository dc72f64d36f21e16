//! Parse + validate throughput on real code paths: the whole `ingest` pipeline
//! (detection, secure XML reading, schema layer, rules, model) on generated invoices of
//! 10 and 10 000 lines and on the corpus's example invoices.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use facteur::ingest::report::{Finding, Syntax};
use facteur::ingest::validate::{RuleSet, Sink, en16931};
use facteur::ingest::{Options, detect, ingest, parse, schema};
use facteur::samples;
use facteur::xml::{self, Limits};

fn generated(c: &mut Criterion) {
    let options = Options {
        rules: RuleSet::En16931,
        ..Options::default()
    };
    let mut group = c.benchmark_group("ingest");
    for lines in [10usize, 10_000] {
        for (syntax, xml) in [
            ("ubl", samples::ubl_invoice("B-1", lines)),
            ("cii", samples::cii_invoice("B-1", lines)),
        ] {
            // The bench must time the full pipeline on an accepted invoice, not an
            // early refusal.
            assert!(ingest(xml.as_bytes(), &options).report.accepted());
            group.throughput(Throughput::Elements(1));
            if lines > 1000 {
                group.sample_size(20);
            }
            group.bench_with_input(
                BenchmarkId::new(format!("{syntax}-{lines}-lines"), xml.len()),
                &xml,
                |b, xml| b.iter(|| ingest(black_box(xml.as_bytes()), &options)),
            );
        }
    }
    // The worst case for reporting: every one of 10 000 lines fails a rule (the item
    // name is removed, BR-25), so 10 000 findings with their locations are built.
    let failing = samples::ubl_invoice("B-2", 10_000)
        .replace("<cbc:Name>Prestation", "<cbc:Description>Prestation")
        .replace(
            "</cbc:Name>\n      <cac:SellersItemIdentification>",
            "</cbc:Description>\n      <cac:SellersItemIdentification>",
        );
    let report = ingest(failing.as_bytes(), &options).report;
    assert!(
        report.findings.len() >= 10_000,
        "{} findings",
        report.findings.len()
    );
    group.sample_size(20);
    group.bench_with_input(
        BenchmarkId::new("ubl-10000-lines-all-failing", failing.len()),
        &failing,
        |b, xml| b.iter(|| ingest(black_box(xml.as_bytes()), &options)),
    );
    group.finish();
}

/// Issue #2's figure: parse + the rules it names (BR-01…BR-16, BR-CO-10…17, with the
/// other BR-CO sums of the same family), on 10-line invoices. The same stages as
/// [`ingest`] (secure reading, syntax detection, the XML-Schema layer, the rules,
/// the model), with only those two rule families; `ingest/*` times all of EN 16931.
fn core_rules(c: &mut Criterion) {
    fn parse_and_core_rules(bytes: &[u8], findings: &mut Vec<Finding>) -> bool {
        findings.clear();
        let Ok(doc) = xml::parse(bytes, &Limits::default()) else {
            return false;
        };
        let root = doc.root();
        let syntax = detect::syntax_of(root);
        schema::validate(root, syntax, RuleSet::En16931, findings);
        let mut sink = Sink::new(findings);
        let invoice = match syntax {
            Syntax::Ubl => {
                en16931::ubl::check_core_and_sums(root, &mut sink);
                parse::ubl::to_invoice(root)
            }
            Syntax::Cii => {
                en16931::cii::check_core_and_sums(root, &mut sink);
                parse::cii::to_invoice(root)
            }
            Syntax::Cdar | Syntax::Unknown => return false,
        };
        black_box(invoice);
        findings.is_empty()
    }

    let mut group = c.benchmark_group("core-rules");
    for (syntax, xml) in [
        ("ubl", samples::ubl_invoice("B-1", 10)),
        ("cii", samples::cii_invoice("B-1", 10)),
    ] {
        let mut findings = Vec::new();
        // Timed on an invoice the rules accept, so every stage runs in full.
        assert!(parse_and_core_rules(xml.as_bytes(), &mut findings));
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(
            BenchmarkId::new(format!("{syntax}-10-lines"), xml.len()),
            &xml,
            |b, xml| b.iter(|| parse_and_core_rules(black_box(xml.as_bytes()), &mut findings)),
        );
    }
    group.finish();
}

/// The corpus's CEN example invoices (UBL then CII), empty when the corpus is absent.
fn corpus_files() -> Vec<Vec<u8>> {
    // The corpus sits beside the main checkout (`../shared`), so two levels up from a
    // worktree under `wt/` (`../../shared`).
    let dirs = ["../shared", "../../shared"].map(|up| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(up)
            .join("corpus/en16931")
    });
    let mut files = Vec::new();
    for sub in ["ubl", "cii"] {
        let Some(dir) = dirs.iter().find(|d| d.join(sub).is_dir()) else {
            continue;
        };
        if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
            for entry in entries.flatten() {
                if let Ok(bytes) = std::fs::read(entry.path()) {
                    files.push(bytes);
                }
            }
        }
    }
    files
}

/// The CEN example invoices of the corpus, the whole set per iteration.
fn corpus_examples(c: &mut Criterion) {
    let files = corpus_files();
    if files.is_empty() {
        eprintln!("corpus absent: corpus_examples bench skipped");
        return;
    }
    let options = Options {
        rules: RuleSet::En16931,
        ..Options::default()
    };
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Elements(files.len() as u64));
    group.bench_function(format!("en16931-examples-{}", files.len()), |b| {
        b.iter(|| {
            for bytes in &files {
                black_box(ingest(black_box(bytes), &options));
            }
        })
    });
    group.finish();
}

/// What issue #3 asks directly: the median (and 90th percentile) over the corpus's
/// example invoices of the time to ingest one of them. Criterion times a whole set per
/// iteration, which gives a mean; here each file gets its own estimate (the fastest of
/// several rounds of repeated runs, so a round disturbed by other work on the machine
/// does not count), and the per-file figures are then ranked.
fn corpus_per_invoice(c: &mut Criterion) {
    // Criterion's name filter does not reach this hand-timed measurement, so it reads
    // the filter argument the same way (`cargo bench --bench validate -- ingest` skips it).
    let _ = c;
    let name = "corpus/en16931-examples-per-invoice";
    if let Some(filter) = std::env::args().skip(1).find(|a| !a.starts_with('-'))
        && !name.contains(&filter)
    {
        return;
    }
    let files = corpus_files();
    if files.is_empty() {
        return;
    }
    let options = Options {
        rules: RuleSet::En16931,
        ..Options::default()
    };
    const ROUNDS: usize = 7;
    const RUNS: u32 = 200;
    let mut per_file: Vec<std::time::Duration> = files
        .iter()
        .map(|bytes| {
            black_box(ingest(bytes, &options));
            (0..ROUNDS)
                .map(|_| {
                    let start = std::time::Instant::now();
                    for _ in 0..RUNS {
                        black_box(ingest(black_box(bytes), &options));
                    }
                    start.elapsed() / RUNS
                })
                .min()
                .expect("at least one round")
        })
        .collect();
    per_file.sort();
    let rank = |q: f64| per_file[((per_file.len() - 1) as f64 * q).round() as usize];
    println!(
        "corpus/en16931-examples per invoice ({} files): median {:?}, p90 {:?}, max {:?}",
        per_file.len(),
        rank(0.5),
        rank(0.9),
        per_file[per_file.len() - 1]
    );
}

criterion_group!(
    benches,
    generated,
    core_rules,
    corpus_examples,
    corpus_per_invoice
);
criterion_main!(benches);
