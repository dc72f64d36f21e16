//! Tax feed throughput on real code paths: F1 extraction of 100 000 accepted invoices
//! (mapped from the samples, each with its own number) through the batcher into
//! packed tar.gz flows; the same through storage (extract, enqueue in SQLite, pack
//! from the database) for 10 000 invoices; and a day of B2C data (1 000 000
//! transactions) aggregated per (day, currency, category), from structs and from JSON.
//! The follower's paths: the stored path with 500 invoices per transaction, and the
//! follower itself over a hub database of 10 000 accepted invoices (documents read
//! back and mapped, F1 + F6 enqueued with the cursor, packed).

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

/// The same stored path with the follower's batching: the F1 files of 500 invoices
/// enqueued per transaction in multi-row statements (`Tx::taxfeed_enqueue_many`),
/// then packed from the database.
fn f1_stored_batched(c: &mut Criterion) {
    let invoices: Vec<_> = invoices().into_iter().take(STORED_INVOICES).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let now = Instant::parse("20260915080000").expect("valid");
    let mut n = 100;
    let mut group = c.benchmark_group("f1-stored");
    group.sample_size(10);
    group.throughput(Throughput::Elements(STORED_INVOICES as u64));
    group.bench_function("extract+enqueue500+pack-10k-sqlite", |b| {
        b.iter_batched(
            || fresh_db(&runtime, &mut n),
            |(db, path)| {
                let feed = TaxFeed::new(db.clone(), FeedConfig::new(bench_platform()));
                let flows = runtime.block_on(async {
                    for page in invoices.chunks(500) {
                        let objects: Vec<(FlowObject, String)> = page
                            .iter()
                            .map(|(invoice, syntax)| {
                                let file =
                                    f1::extract(invoice, *syntax, Profile::Base).expect("extracts");
                                let source = format!("invoice:{}", file.id);
                                (FlowObject::f1(file, Some(now)), source)
                            })
                            .collect();
                        let mut tx = db.begin().await.expect("begin");
                        tx.taxfeed_enqueue_many(&objects, now)
                            .await
                            .expect("enqueue");
                        tx.commit().await.expect("commit");
                    }
                    feed.pack(now, PackMode::All).await.expect("pack")
                });
                assert_eq!(flows.len(), 10);
                runtime.block_on(db.close());
                remove_db(&path);
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn bench_platform() -> facteur::taxfeed::Platform {
    facteur::taxfeed::Platform {
        matricule: facteur::identifiers::Matricule::parse("0042").expect("valid"),
        name: "bench".into(),
        application_code: ApplicationCode::parse("FAC001").expect("valid"),
    }
}

fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// A hub database holding `count` accepted sample invoices (documents, invoice rows,
/// status 200), written straight through storage as `Hub::submit` leaves them; built
/// once, copied for each iteration.
fn hub_template(runtime: &tokio::runtime::Runtime, count: usize) -> std::path::PathBuf {
    use facteur::identifiers::Matricule;
    use facteur::lifecycle::Status;
    use facteur::storage::{InvoiceParties, InvoiceRecord, NewStatus};
    let path = std::env::temp_dir().join(format!(
        "facteur-bench-follow-template-{}.db",
        std::process::id()
    ));
    remove_db(&path);
    runtime.block_on(async {
        let db = Db::connect(&format!("sqlite://{}", path.display()))
            .await
            .expect("database");
        let at = "2026-09-15T08:00:00Z";
        for page in (0..count).collect::<Vec<_>>().chunks(1000) {
            let mut tx = db.begin().await.expect("begin");
            for &n in page {
                let number = format!("F-2026-{n:07}");
                let lines = 1 + n % 5;
                let (syntax, xml) = if n % 2 == 0 {
                    ("UBL", samples::ubl_invoice(&number, lines))
                } else {
                    ("CII", samples::cii_invoice(&number, lines))
                };
                let sha = facteur::storage::taxfeed::sha256_hex(xml.as_bytes());
                tx.put_document(&sha, xml.as_bytes(), at)
                    .await
                    .expect("document");
                let record = InvoiceRecord {
                    id: format!("inv-{n:07}"),
                    sha256: sha.clone(),
                    syntax: syntax.into(),
                    invoice_number: Some(number.clone()),
                    issue_date: Some("2026-09-15".into()),
                    seller_siren: Some("906170857".into()),
                    buyer_siren: Some("479612384".into()),
                    recipient_address: None,
                    sender_platform: Matricule::parse("0001").expect("valid"),
                    recipient_platform: None,
                    status: Status::Deposited,
                    failures: Vec::new(),
                    received_at: at.into(),
                    idempotency_key: None,
                    uniqueness_key: Some(format!("{number}/2026/906170857")),
                    parties: InvoiceParties::default(),
                };
                tx.insert_invoice(&record).await.expect("invoice");
                tx.append_status(
                    &record.id,
                    &sha,
                    &NewStatus {
                        status: Status::Deposited,
                        reasons: Vec::new(),
                        comment: None,
                        set_by: record.sender_platform,
                        recorded_at: at.into(),
                    },
                )
                .await
                .expect("status");
            }
            tx.commit().await.expect("commit");
        }
        db.close().await;
    });
    path
}

/// The follower on the hub's own tables: 10 000 accepted invoices read back from
/// their stored documents (reader and mapping, no rules), F1 Base + F6 200 each,
/// enqueued 500 invoices per transaction with the cursor, then packed.
fn follow_hub(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let template = hub_template(&runtime, STORED_INVOICES);
    let mut n = 200;
    let mut group = c.benchmark_group("follow");
    group.sample_size(10);
    group.throughput(Throughput::Elements(STORED_INVOICES as u64));
    let copy = |n: &mut u32| {
        *n += 1;
        let path = std::env::temp_dir().join(format!(
            "facteur-bench-follow-{}-{n}.db",
            std::process::id()
        ));
        std::fs::copy(&template, &path).expect("copy template");
        let db = runtime
            .block_on(Db::connect(&format!("sqlite://{}", path.display())))
            .expect("database");
        (db, path)
    };
    group.bench_function("read+extract+enqueue-10k-sqlite", |b| {
        b.iter_batched(
            || copy(&mut n),
            |(db, path)| {
                let feed = TaxFeed::new(db.clone(), FeedConfig::new(bench_platform()));
                let stats = runtime.block_on(feed.follow()).expect("follow");
                assert_eq!((stats.followed, stats.objects), (10_000, 20_000));
                runtime.block_on(db.close());
                remove_db(&path);
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("read+extract+enqueue+pack-10k-sqlite", |b| {
        b.iter_batched(
            || copy(&mut n),
            |(db, path)| {
                let feed = TaxFeed::new(db.clone(), FeedConfig::new(bench_platform()));
                let flows = runtime.block_on(async {
                    feed.follow().await.expect("follow");
                    feed.pack(pack_time(), PackMode::All).await.expect("pack")
                });
                // 5 000 UBL and 5 000 CII F1 (1 000 per flow), 10 000 F6 (2 000 per flow).
                assert_eq!(flows.len(), 15);
                runtime.block_on(db.close());
                remove_db(&path);
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
    remove_db(&template);
}

fn pack_time() -> Instant {
    Instant::parse("20260916080000").expect("valid")
}

criterion_group!(
    benches,
    f1_flows,
    f1_stored,
    f1_stored_batched,
    follow_hub,
    b2c
);
criterion_main!(benches);
