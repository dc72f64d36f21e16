//! `facteur bench hub`: the hub's throughput on the real path, in one run.
//!
//! 1. Generates `--invoices` valid, routable sample invoices (distinct numbers) and
//!    registers the platforms and directory lines that route them (sender 0001,
//!    recipient 0002) in a database that holds no invoice yet.
//! 2. Measures the broker alone: the same messages (bodies and headers) published with
//!    confirms into a scratch quorum queue (`routing::probe::raw_publish_rate`).
//! 3. Starts this binary's `facteur serve` as a child on that database and broker, a
//!    consumer on platform 0002's queue, and uploads the invoices as one zip to
//!    `POST /v1/batches`; the batch worker validates and stores them, the relay
//!    publishes them with confirms, the consumer counts them.
//! 4. Samples the server's resident memory every second until every invoice is
//!    delivered and its confirm recorded, then reads acceptance and confirm times from
//!    the outbox (`enqueued_ms`, `published_ms`) and reports.
//!
//! Exit 0 when every invoice was accepted, confirmed and delivered (whether or not the
//! targets were met: the report says), 1 when some were not, 2 on an error.

mod report;
mod server;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use serde::Serialize;

use super::directory::runtime;
use super::{EXIT_NEGATIVE, EXIT_OK, Format};
use crate::api::credential_hash;
use crate::client::HubClient;
use crate::directory::day::{Day, timestamp, unix_now};
use crate::directory::model::{Actor, LineSpec, Platform, PlatformKind};
use crate::directory::{Directory, Fallback};
use crate::identifiers::{AddressingId, Matricule, Siren};
use crate::ingest::archive;
use crate::routing::probe::{DeliveryCounter, raw_publish_rate};
use crate::routing::{AmqpUrl, ConnectionConfig, FlowSyntax, InvoiceRouting, OutgoingMessage};
use crate::samples;
use crate::storage::Db;
use report::{Latency, Memory, RssSample};
use server::{Server, load_average};

/// The targets of issue #6, reported as met or not.
const TARGET_RATE: f64 = 3000.0;
const TARGET_P99_MS: i64 = 1000;
/// The relay's confirm window, used for the raw measurement too.
const WINDOW: usize = 1024;
/// The sample invoices' companies (see `samples`).
const SELLER: &str = "906170857";
const BUYER: &str = "479612384";

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand, Debug)]
enum What {
    /// A batch from upload to every broker confirm, next to the broker's raw rate.
    Hub(HubArgs),
}

#[derive(clap::Args, Debug)]
pub struct HubArgs {
    /// Database of the hub under test (SQLite or PostgreSQL); it must hold no invoice.
    #[arg(long)]
    database_url: String,
    /// Broker of the hub under test; use a vhost of its own: the bench empties platform
    /// 0002's queue and uses a scratch queue `facteur.bench.raw`.
    #[arg(long)]
    amqp_url: String,
    /// Invoices in the batch (at most 100 000, the hub's limit per batch).
    #[arg(long, default_value_t = 100_000)]
    invoices: usize,
    /// Lines per invoice (the message size grows by about 700 bytes a line).
    #[arg(long, default_value_t = 1)]
    lines: usize,
    /// Seconds to wait for every confirm before giving up.
    #[arg(long, default_value_t = 900)]
    timeout: u64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Append the server's whole log to this file (by default only its last lines are
    /// kept, to explain a failed run).
    #[arg(long)]
    server_log: Option<std::path::PathBuf>,
}

/// What one run measured.
#[derive(Debug, Serialize)]
pub struct Report {
    pub invoices: usize,
    pub lines: usize,
    pub database: &'static str,
    pub message_bytes_mean: u64,
    pub zip_bytes: usize,
    pub load_average_start: Option<[f64; 3]>,
    pub load_average_end: Option<[f64; 3]>,
    pub raw_broker: RawFigures,
    pub upload_s: f64,
    /// From the start of the upload to the last confirm recorded.
    pub total_s: f64,
    pub accepted: usize,
    pub confirmed: usize,
    pub delivered_distinct: usize,
    pub deliveries: u64,
    /// Invoices confirmed per second, over the whole run and over its steady part.
    pub overall_rate: f64,
    pub steady_rate: f64,
    /// Invoices accepted (stored with status 200) per second, steady part.
    pub accept_steady_rate: f64,
    pub latency: Latency,
    pub memory: Memory,
    pub targets: Targets,
}

#[derive(Debug, Serialize)]
pub struct RawFigures {
    pub messages: usize,
    pub confirmed: usize,
    pub seconds: f64,
    pub rate: f64,
}

#[derive(Debug, Serialize)]
pub struct Targets {
    pub sustained_rate: bool,
    pub p99: bool,
    pub memory_flat: bool,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let What::Hub(args) = args.what;
    if args.invoices == 0 || args.invoices > 100_000 {
        bail!(
            "--invoices must be between 1 and 100000 (one batch), not {}",
            args.invoices
        );
    }
    if args.lines == 0 {
        bail!("--lines must be at least 1");
    }
    let amqp = AmqpUrl::parse(&args.amqp_url)?;
    runtime()?.block_on(async {
        let report = hub(&args, &amqp).await?;
        match args.format {
            Format::Json => println!("{}", serde_json::to_string(&report)?),
            Format::Text => print!("{}", text(&report, &amqp)),
        }
        let complete = report.accepted == report.invoices
            && report.confirmed == report.invoices
            && report.delivered_distinct == report.invoices;
        Ok(if complete { EXIT_OK } else { EXIT_NEGATIVE })
    })
}

fn millis_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

async fn hub(args: &HubArgs, amqp: &AmqpUrl) -> anyhow::Result<Report> {
    let load_average_start = load_average();
    let db = Db::connect(&args.database_url)
        .await
        .context("cannot open the bench database")?;
    let stored = db.invoice_count().await?;
    if stored > 0 {
        bail!(
            "the bench database already holds {stored} invoices: give `facteur bench hub` an empty database"
        );
    }
    let token = setup(&db).await?;

    // The invoices, under numbers no earlier run used.
    let mut run = [0u8; 4];
    getrandom::fill(&mut run).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let run = crate::accounts::tokens::hex(&run);
    let files: Vec<(String, Vec<u8>)> = (0..args.invoices)
        .map(|i| {
            let number = format!("BENCH-{run}-{i:06}");
            let bytes = samples::ubl_invoice(&number, args.lines).into_bytes();
            (format!("{number}.xml"), bytes)
        })
        .collect();
    let zip = archive::pack(&files).context("cannot pack the batch")?;
    let message_bytes_mean =
        files.iter().map(|(_, b)| b.len() as u64).sum::<u64>() / files.len() as u64;

    // The broker alone, with the same messages the relay will publish.
    let connection = ConnectionConfig::new(amqp.clone(), "facteur-bench");
    let messages = files
        .into_iter()
        .enumerate()
        .map(|(i, (name, body))| raw_message(i, &name, body))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let raw = raw_publish_rate(&connection, &messages, WINDOW).await?;
    drop(messages);
    let raw_broker = RawFigures {
        messages: raw.messages,
        confirmed: raw.confirmed,
        seconds: raw.elapsed.as_secs_f64(),
        rate: raw.per_second(),
    };

    // The hub.
    let counter = DeliveryCounter::start(&connection, matricule("0002")?).await?;
    let mut server = Server::start(
        &args.database_url,
        &args.amqp_url,
        args.server_log.as_deref(),
    )?;
    let client = HubClient::new(&server.base_url, token)?;
    let zip_bytes = zip.len();
    let started = Instant::now();
    let started_ms = millis_now();
    let mut samples = vec![RssSample {
        at_s: 0.0,
        rss_kib: server.rss_kib().unwrap_or(0),
        delivered: 0,
    }];
    let uploaded = client.upload(zip).await?;
    let upload_s = started.elapsed().as_secs_f64();
    if uploaded.documents != args.invoices {
        bail!(
            "the hub counted {} documents in the batch, not {}",
            uploaded.documents,
            args.invoices
        );
    }
    let deadline = started + Duration::from_secs(args.timeout);
    let mut next_sample = started + Duration::from_secs(1);
    loop {
        tokio::time::sleep_until(next_sample.into()).await;
        next_sample += Duration::from_secs(1);
        if !server.running() {
            bail!("facteur serve stopped during the run:\n{}", server.log());
        }
        let delivered = counter.distinct();
        samples.push(RssSample {
            at_s: started.elapsed().as_secs_f64(),
            rss_kib: server.rss_kib().unwrap_or(0),
            delivered,
        });
        if delivered >= args.invoices {
            break;
        }
        if Instant::now() > deadline {
            tracing::warn!(delivered, "bench timed out");
            break;
        }
    }
    // Delivered is not yet recorded: wait (briefly) for the last confirms' marking.
    let mut timings = db.delivery_timings().await?;
    let marking = Instant::now();
    while timings.iter().any(|(_, p)| p.is_none()) && marking.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        timings = db.delivery_timings().await?;
    }
    let load_average_end = load_average();
    let delivered_distinct = counter.distinct();
    let deliveries = counter.deliveries();
    drop(server);
    counter.stop().await?;

    let pairs: Vec<(i64, i64)> = timings
        .iter()
        .filter_map(|&(a, p)| p.map(|p| (a, p)))
        .collect();
    let mut confirmed_ms: Vec<i64> = pairs.iter().map(|&(_, c)| c).collect();
    confirmed_ms.sort_unstable();
    let mut accepted_ms: Vec<i64> = timings.iter().map(|&(a, _)| a).collect();
    accepted_ms.sort_unstable();
    let last = confirmed_ms.last().copied().unwrap_or(started_ms);
    let total_s = (last - started_ms).max(1) as f64 / 1000.0;
    let latency = report::latency(&pairs);
    let steady_rate = report::steady_rate(&confirmed_ms);
    let memory = report::memory(&samples, args.invoices);
    let targets = Targets {
        sustained_rate: steady_rate >= TARGET_RATE,
        p99: latency.p99_ms < TARGET_P99_MS,
        memory_flat: memory.flat,
    };
    Ok(Report {
        invoices: args.invoices,
        lines: args.lines,
        database: db.backend(),
        message_bytes_mean,
        zip_bytes,
        load_average_start,
        load_average_end,
        raw_broker,
        upload_s,
        total_s,
        accepted: timings.len(),
        confirmed: pairs.len(),
        delivered_distinct,
        deliveries,
        overall_rate: pairs.len() as f64 / total_s,
        steady_rate,
        accept_steady_rate: report::steady_rate(&accepted_ms),
        latency,
        memory,
        targets,
    })
}

fn matricule(text: &str) -> anyhow::Result<Matricule> {
    Matricule::parse(text).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The message the relay publishes for the invoice in `body` (same headers and body).
fn raw_message(index: usize, name: &str, body: Vec<u8>) -> anyhow::Result<OutgoingMessage> {
    let invalid = |e: &dyn std::fmt::Display| anyhow::anyhow!("{e}");
    let routing = InvoiceRouting {
        id: format!("raw-{index}"),
        syntax: FlowSyntax::Ubl,
        invoice_number: name.trim_end_matches(".xml").to_string(),
        seller_siren: Siren::parse(SELLER).map_err(|e| invalid(&e))?,
        recipient_address: AddressingId::parse(BUYER).map_err(|e| invalid(&e))?,
        sender_platform: matricule("0001")?,
        recipient_platform: matricule("0002")?,
    };
    Ok(OutgoingMessage::invoice(&routing, body)?)
}

/// Platforms 0001 (the sender, with a fresh credential, returned) and 0002 (the
/// recipient), the sample companies, and the directory lines routing the buyer to
/// 0002 and the seller to 0001 from today (made "yesterday", as rule G1.84 wants).
async fn setup(db: &Db) -> anyhow::Result<String> {
    let now = timestamp(unix_now());
    for (code, name) in [("0001", "Bench sender"), ("0002", "Bench recipient")] {
        let platform = Platform {
            matricule: matricule(code)?,
            name: name.into(),
            kind: PlatformKind::Pdp,
            inactive_from: None,
        };
        db.upsert_platform(&platform, &now).await?;
    }
    let mut secret = [0u8; 16];
    getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let token = format!("bench-{}", crate::accounts::tokens::hex(&secret));
    db.add_credential(matricule("0001")?, &credential_hash(&token), &now)
        .await?;
    for (siren, name) in [(SELLER, "Seller SAS"), (BUYER, "Buyer SA")] {
        let siren = Siren::parse(siren).map_err(|e| anyhow::anyhow!("{e}"))?;
        db.upsert_legal_unit(&siren, name, "A", &now).await?;
    }
    let today = Day::today();
    let eve = Directory::open(db.clone(), Fallback::Hierarchical)
        .await?
        .with_today(today.add_days(-1));
    for (siren, platform) in [(BUYER, "0002"), (SELLER, "0001")] {
        let addressing = AddressingId::parse(siren).map_err(|e| anyhow::anyhow!("{e}"))?;
        let platform = matricule(platform)?;
        // A database set up by an earlier run already routes it.
        let routed = eve
            .resolve(&addressing, today)
            .and_then(|r| r.matricule())
            .is_some_and(|m| m == platform);
        if !routed {
            let spec = LineSpec {
                addressing,
                matricule: platform,
                start: today,
                end: None,
            };
            eve.create_line(Actor::Admin, &spec).await?;
        }
    }
    Ok(token)
}

/// The report for people.
fn text(r: &Report, amqp: &AmqpUrl) -> String {
    let load = |l: Option<[f64; 3]>| {
        l.map_or("unknown".to_string(), |[a, b, c]| {
            format!("{a:.2} {b:.2} {c:.2}")
        })
    };
    let mib = |kib: u64| kib as f64 / 1024.0;
    let yes = |b: bool| if b { "met" } else { "NOT met" };
    let m = &r.memory;
    format!(
        "facteur bench hub: {} invoices ({} line(s), {} bytes on average, zip {:.1} MB), {} + RabbitMQ {}\n\
         load average (1, 5, 15 min): {} at start, {} at end\n\
         raw RabbitMQ, same messages, persistent, confirms, window {WINDOW}: {} confirmed in {:.2} s = {:.0} msg/s\n\
         hub: upload {:.2} s; last confirm recorded {:.2} s after the upload started\n\
         \x20 accepted {}, confirmed {}, delivered {} distinct ({} deliveries)\n\
         \x20 rate: {:.0} invoices/s overall, {:.0} invoices/s steady (10-90 % of confirms); accepted {:.0}/s steady\n\
         \x20 accept -> confirm: p50 {} ms, p99 {} ms, max {} ms\n\
         \x20 server RSS ({} samples, 1/s): start {:.1} MiB, max {:.1} MiB, end {:.1} MiB; max over the first half {:.1} MiB, second half {:.1} MiB\n\
         targets: >= {TARGET_RATE:.0}/s sustained {}; p99 < {TARGET_P99_MS} ms {}; memory flat {}\n",
        r.invoices,
        r.lines,
        r.message_bytes_mean,
        r.zip_bytes as f64 / 1e6,
        r.database,
        amqp.redacted(),
        load(r.load_average_start),
        load(r.load_average_end),
        r.raw_broker.confirmed,
        r.raw_broker.seconds,
        r.raw_broker.rate,
        r.upload_s,
        r.total_s,
        r.accepted,
        r.confirmed,
        r.delivered_distinct,
        r.deliveries,
        r.overall_rate,
        r.steady_rate,
        r.accept_steady_rate,
        r.latency.p50_ms,
        r.latency.p99_ms,
        r.latency.max_ms,
        m.samples,
        mib(m.start_kib),
        mib(m.max_kib),
        mib(m.end_kib),
        mib(m.first_half_max_kib),
        mib(m.second_half_max_kib),
        yes(r.targets.sustained_rate),
        yes(r.targets.p99),
        yes(r.targets.memory_flat),
    )
}
