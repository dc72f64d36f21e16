//! Tax feed throughput on real code paths: F1 extraction of 100 000 accepted invoices
//! (mapped from the samples, each with its own number) through the batcher into
//! packed tar.gz flows; the same through storage (extract, enqueue in SQLite, pack
//! from the database) for 10 000 invoices; and a day of B2C data (1 000 000
//! transactions) aggregated per (day, currency, category), from structs and from JSON.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use facteur::ingest::{Options, ingest};
use facteur::invoice::{Date, Invoice};
use facteur::samples;
use facteur::storage::Db;
use facteur::taxfeed::f1::{self, F1Syntax, Profile};
use facteur::taxfeed::f10::{B2cAggregator, B2cTransaction};
use facteur::taxfeed::flow::{BatchPolicy, Batcher, FlowName, FlowObject, package};
use facteur::taxfeed::service::{FeedConfig, PackMode, TaxFeed};
use facteur::taxfeed::{ApplicationCode, Instant};

const INVOICES: usize = 100_000;
const STORED_INVOICES: usize = 10_000;
const B2C_TRANSACTIONS: usize = 1_000_000;

/// 100 000 mapped invoices, half UBL, half CII, 1 to 5 lines, distinct numbers.
fn invoices() -> Vec<(Invoice, F1Syntax)> {
    let templates: Vec<(Invoice, F1Syntax)> = (1..=5)
        .flat_map(|lines| {
            [
                (F1Syntax::Ubl, samples::ubl_invoice("T", lines)),
                (F1Syntax::Cii, samples::cii_invoice("T", lines)),
            ]
        })
        .map(|(syntax, xml)| {
            let outcome = ingest(xml.as_bytes(), &Options::default());
            assert!(
                outcome.report.accepted(),
                "the bench needs accepted invoices"
            );
            (outcome.invoice.expect("maps"), syntax)
        })
        .collect();
    (0..INVOICES)
        .map(|n| {
            let (template, syntax) = &templates[n % templates.len()];
            let mut invoice = template.clone();
            invoice.number = Some(format!("F-2026-{n:07}"));
            (invoice, *syntax)
        })
        .collect()
}

/// Extracts every invoice, batches, and packs every flow; returns the archive bytes.
fn extract_and_pack(invoices: &[(Invoice, F1Syntax)], profile: Profile) -> usize {
    let app = ApplicationCode::parse("FAC001").expect("valid");
    let now = Instant::parse("20260915080000").expect("valid");
    let mut batcher = Batcher::new(BatchPolicy::default());
    let mut sequence = 0u64;
    let mut bytes = 0;
    let mut pack = |batch: facteur::taxfeed::flow::Batch| {
        sequence += 1;
        let name = FlowName {
            interface: batch.interface,
            application_code: app,
            sequence,
        };
        bytes += package(name, &batch.objects).expect("packs").archive.len();
    };
    for (invoice, syntax) in invoices {
        let file = f1::extract(invoice, *syntax, profile).expect("extracts");
        for batch in batcher
            .push(FlowObject::f1(file, Some(now)), now)
            .expect("push")
        {
            pack(batch);
        }
    }
    for batch in batcher.flush() {
        pack(batch);
    }
    bytes
}

fn f1_flows(c: &mut Criterion) {
    let invoices = invoices();
    let mut group = c.benchmark_group("f1");
    group.sample_size(10);
    group.throughput(Throughput::Elements(INVOICES as u64));
    for profile in [Profile::Base, Profile::Full] {
        group.bench_function(format!("extract+pack-100k-{profile}"), |b| {
            b.iter(|| extract_and_pack(black_box(&invoices), profile))
        });
    }
    group.finish();
}

/// A fresh SQLite database in a temporary file.
fn fresh_db(runtime: &tokio::runtime::Runtime, n: &mut u32) -> (Db, std::path::PathBuf) {
    *n += 1;
    let path = std::env::temp_dir().join(format!(
        "facteur-bench-taxfeed-{}-{n}.db",
        std::process::id()
    ));
    let db = runtime
        .block_on(Db::connect(&format!("sqlite://{}", path.display())))
        .expect("database");
    (db, path)
}

/// The stored path the service takes: extract, enqueue (one transaction per invoice,
/// as the hub will call it), then pack every pending object from the database.
fn f1_stored(c: &mut Criterion) {
    let invoices: Vec<_> = invoices().into_iter().take(STORED_INVOICES).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let platform = facteur::taxfeed::Platform {
        matricule: facteur::identifiers::Matricule::parse("0042").expect("valid"),
        name: "bench".into(),
        application_code: ApplicationCode::parse("FAC001").expect("valid"),
    };
    let now = Instant::parse("20260915080000").expect("valid");
    let mut n = 0;
    let mut group = c.benchmark_group("f1-stored");
    group.sample_size(10);
    group.throughput(Throughput::Elements(STORED_INVOICES as u64));
    group.bench_function("extract+enqueue+pack-10k-sqlite", |b| {
        b.iter_batched(
            || fresh_db(&runtime, &mut n),
            |(db, path)| {
                let feed = TaxFeed::new(db.clone(), FeedConfig::new(platform.clone()));
                let flows = runtime.block_on(async {
                    for (invoice, syntax) in &invoices {
                        feed.enqueue_invoice(invoice, *syntax, now, now)
                            .await
                            .expect("enqueue");
                    }
                    feed.pack(now, PackMode::All).await.expect("pack")
                });
                // 5 000 UBL and 5 000 CII invoices, 1 000 per flow.
                assert_eq!(flows.len(), 10);
                runtime.block_on(db.close());
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn b2c(c: &mut Criterion) {
    let first = Date::new(2026, 9, 15).expect("valid");
    // One day of data: every transaction on the same date.
    let transactions = samples::b2c_transactions(B2C_TRANSACTIONS, 7, first, 1);
    let json: Vec<String> = transactions
        .iter()
        .map(|t| serde_json::to_string(t).expect("serializes"))
        .collect();
    let mut group = c.benchmark_group("f10-b2c");
    group.sample_size(10);
    group.throughput(Throughput::Elements(B2C_TRANSACTIONS as u64));
    group.bench_function("aggregate-1M", |b| {
        b.iter(|| {
            let mut agg = B2cAggregator::new();
            for t in black_box(&transactions) {
                agg.add(t);
            }
            agg.finish()
        })
    });
    group.bench_function("json+aggregate-1M", |b| {
        b.iter(|| {
            let mut agg = B2cAggregator::new();
            for line in black_box(&json) {
                let t: B2cTransaction = serde_json::from_str(line).expect("parses");
                agg.add(&t);
            }
            agg.finish()
        })
    });
    group.finish();
}

criterion_group!(benches, f1_flows, f1_stored, b2c);
criterion_main!(benches);
