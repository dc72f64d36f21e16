//! `facteur taxfeed …`: the feed to the tax administration.
//!
//! - `status`: the backlog per kind and state, the oldest unacknowledged object, the
//!   flows waiting for a retry with their last error, the hub statuses followed and
//!   the latest ones that gave nothing (problems);
//! - `push`: follows the hub (accepted invoices and mandatory statuses into the
//!   feed), sends the closed e-reporting periods, packs everything pending and pushes
//!   every due flow once;
//! - `run`: the same, round after round, until interrupted (Ctrl-C, SIGTERM);
//! - `receiver`: the reference receiver of the tax administration's side.
//!
//! `push` and `run` work on the database of `FACTEUR_DATABASE_URL` and post to
//! `FACTEUR_TAX_URL`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args as ClapArgs, Subcommand};

use super::directory::{open_db, runtime};
use super::{EXIT_ERROR, EXIT_OK, Format};
use crate::config::Config;
use crate::identifiers::Matricule;
use crate::storage::taxfeed::Backlog;
use crate::taxfeed::flow::BatchPolicy;
use crate::taxfeed::receiver::{
    Faults, Receiver, ReceiverConfig, ReceiverState, RetryAfter, Schemas,
};
use crate::taxfeed::service::{FeedConfig, PackMode, TaxFeed, now};
use crate::taxfeed::transport::{RetryPolicy, Transport, TransportConfig};
use crate::taxfeed::{ApplicationCode, Platform};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show the backlog: objects per kind and state, flows waiting for a retry.
    Status(StatusArgs),
    /// Pack everything pending into flows and push every due flow once.
    Push(PushArgs),
    /// Pack and push continuously until interrupted.
    Run(PushArgs),
    /// Run the reference receiver of the tax administration's side.
    Receiver(ReceiverArgs),
}

#[derive(ClapArgs, Debug)]
struct StatusArgs {
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(ClapArgs, Debug)]
struct PushArgs {
    /// The tax administration's endpoint flows are posted to.
    #[arg(long, env = "FACTEUR_TAX_URL")]
    url: reqwest::Url,
    /// facteur's registration number as a platform (matricule).
    #[arg(long, env = "FACTEUR_PLATFORM_MATRICULE")]
    matricule: String,
    /// facteur's company name as a platform.
    #[arg(long, env = "FACTEUR_PLATFORM_NAME")]
    platform_name: String,
    /// The partner application code at the PPF exchange system (6 characters).
    #[arg(long, env = "FACTEUR_TAX_APPLICATION_CODE")]
    application_code: String,
    /// Seconds the oldest object may wait before its flow leaves.
    #[arg(long, env = "FACTEUR_TAX_MAX_AGE", default_value_t = 3600)]
    max_age: i64,
    /// Lower the per-interface maximum of objects per flow.
    #[arg(long, env = "FACTEUR_TAX_MAX_OBJECTS")]
    max_objects: Option<usize>,
    /// First retry delay, milliseconds (doubled after each failure, with jitter).
    #[arg(long, env = "FACTEUR_TAX_RETRY_BASE_MS", default_value_t = 2000)]
    retry_base_ms: u64,
    /// Longest retry delay, seconds.
    #[arg(long, env = "FACTEUR_TAX_RETRY_MAX", default_value_t = 600)]
    retry_max: u64,
    /// Time for one attempt (upload and answer), seconds.
    #[arg(long, env = "FACTEUR_TAX_TIMEOUT", default_value_t = 120)]
    timeout: u64,
    /// Seconds a claimed flow is reserved for this pusher (more than --timeout).
    #[arg(long, env = "FACTEUR_TAX_LEASE", default_value_t = 300)]
    lease: u64,
    /// Pause between rounds when idle, milliseconds (`run`).
    #[arg(long, env = "FACTEUR_TAX_POLL_MS", default_value_t = 1000)]
    poll_ms: u64,
}

#[derive(ClapArgs, Debug)]
struct ReceiverArgs {
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// The reference directory with the official XSDs (dgfip/xsd-f1, dgfip/xsd-f10,
    /// xsd/cdar-d22b).
    #[arg(long, default_value = "../shared/reference")]
    reference: PathBuf,
    /// Answer 500 to every N-th request.
    #[arg(long, default_value_t = 0)]
    fail_every: u32,
    /// Answer 429 to every N-th request.
    #[arg(long, default_value_t = 0)]
    throttle_every: u32,
    /// Retry-After of a 429, seconds.
    #[arg(long, default_value_t = 1)]
    retry_after: u64,
    /// Write Retry-After as an HTTP-date rather than seconds.
    #[arg(long)]
    retry_after_date: bool,
    /// Answer every N-th request late (after processing it).
    #[arg(long, default_value_t = 0)]
    delay_every: u32,
    #[arg(long, default_value_t = 0)]
    delay_ms: u64,
    /// Cut the connection in the middle of every N-th upload.
    #[arg(long, default_value_t = 0)]
    drop_every: u32,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    match args.command {
        Command::Status(a) => status(a),
        Command::Push(a) => push(a, false),
        Command::Run(a) => push(a, true),
        Command::Receiver(a) => receiver(a),
    }
}

fn status(args: StatusArgs) -> anyhow::Result<i32> {
    let config = Config::load()?;
    runtime()?.block_on(async {
        let db = open_db(&config).await?;
        let backlog = db.taxfeed_backlog().await?;
        print_backlog(&backlog, args.format, now().unix_seconds());
        if args.format == Format::Text {
            let (_, followed) = db.taxfeed_cursor(crate::taxfeed::follow::HUB).await?;
            let problems = db.taxfeed_follow_problems().await?;
            println!(
                "hub statuses followed: {followed}; kept as problems: {}",
                problems.len()
            );
            for p in problems.iter().rev().take(10) {
                println!(
                    "  invoice {} status {}: {}",
                    p.invoice_id, p.status, p.problem
                );
            }
        }
        db.close().await;
        anyhow::Ok(EXIT_OK)
    })
}

fn print_backlog(b: &Backlog, format: Format, now: i64) {
    let oldest_age = b.oldest_unacknowledged.map(|t| now - t.unix_seconds());
    match format {
        Format::Json => {
            let json = serde_json::json!({
                "objects": b.objects.iter().map(|(kind, state, n, oldest)| serde_json::json!({
                    "kind": kind.as_str(), "state": state.as_str(), "count": n,
                    "oldest": oldest.map(|t| t.unix_seconds()),
                })).collect::<Vec<_>>(),
                "flows": b.flows.iter().map(|(state, n)| serde_json::json!({
                    "state": state.as_str(), "count": n,
                })).collect::<Vec<_>>(),
                "oldest_unacknowledged_age_seconds": oldest_age,
                "failing": b.failing.iter().map(|f| serde_json::json!({
                    "flow": f.file_name, "attempts": f.attempts,
                    "next_attempt": f.next_attempt_at.unix_seconds(), "error": f.last_error,
                })).collect::<Vec<_>>(),
            });
            println!("{json}");
        }
        Format::Text => {
            println!("objects:");
            if b.objects.is_empty() {
                println!("  none");
            }
            for (kind, state, n, _) in &b.objects {
                println!("  {:<4} {:<13} {n}", kind.as_str(), state.as_str());
            }
            println!("flows:");
            if b.flows.is_empty() {
                println!("  none");
            }
            for (state, n) in &b.flows {
                println!("  {:<13} {n}", state.as_str());
            }
            match oldest_age {
                Some(age) => println!("oldest unacknowledged object: {age} s old"),
                None => println!("oldest unacknowledged object: none"),
            }
            for f in &b.failing {
                println!(
                    "retrying {} (attempt {}, next in {} s): {}",
                    f.file_name,
                    f.attempts,
                    f.next_attempt_at.unix_seconds() - now,
                    f.last_error.as_deref().unwrap_or("")
                );
            }
        }
    }
}

fn feed_config(args: &PushArgs) -> anyhow::Result<FeedConfig> {
    // A lease that ends before the attempt could let a second pusher send the flow
    // while the first is still uploading it.
    anyhow::ensure!(
        args.lease > args.timeout,
        "--lease ({} s) must be longer than --timeout ({} s)",
        args.lease,
        args.timeout
    );
    let platform = Platform {
        matricule: Matricule::parse(&args.matricule)
            .map_err(|e| anyhow::anyhow!("--matricule: {e}"))?,
        name: args.platform_name.clone(),
        application_code: ApplicationCode::parse(&args.application_code)?,
    };
    let mut config = FeedConfig::new(platform);
    config.batch = BatchPolicy {
        max_age_seconds: args.max_age,
        max_objects: args.max_objects,
        ..BatchPolicy::default()
    };
    config.retry = RetryPolicy {
        base: Duration::from_millis(args.retry_base_ms),
        max: Duration::from_secs(args.retry_max),
        ..RetryPolicy::default()
    };
    config.lease = Duration::from_secs(args.lease);
    config.poll = Duration::from_millis(args.poll_ms);
    Ok(config)
}

fn push(args: PushArgs, forever: bool) -> anyhow::Result<i32> {
    let config = Config::load()?;
    let feed_config = feed_config(&args)?;
    let mut transport = TransportConfig::new(args.url.clone());
    transport.request_timeout = Duration::from_secs(args.timeout);
    runtime()?.block_on(async {
        let db = open_db(&config).await?;
        let feed = TaxFeed::new(db.clone(), feed_config).with_transport(Transport::new(transport)?);
        if forever {
            eprintln!("pushing tax flows to {} (Ctrl-C to stop)", args.url);
            feed.run(shutdown_signal()).await?;
            db.close().await;
            return anyhow::Ok(EXIT_OK);
        }
        let followed = feed.follow().await?;
        let periods = if followed.leased_elsewhere {
            Default::default()
        } else {
            feed.transmit_periods(now()).await?
        };
        println!(
            "followed {} hub statuses: {} objects, {} e-reporting records, {} problems; e-reporting periods transmitted: {} (not transmittable: {})",
            followed.followed,
            followed.objects,
            followed.records,
            followed.problems,
            periods.transmitted.len(),
            periods.failed.len()
        );
        let flows = feed.pack(now(), PackMode::All).await?;
        let stats = feed.push_due().await?;
        let backlog = db.taxfeed_backlog().await?;
        println!(
            "packed {} flows; pushed {}: {} acknowledged, {} failed",
            flows.len(),
            stats.attempted,
            stats.acknowledged,
            stats.failed
        );
        print_backlog(&backlog, Format::Text, now().unix_seconds());
        db.close().await;
        Ok(if stats.failed > 0 {
            EXIT_ERROR
        } else {
            EXIT_OK
        })
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn receiver(args: ReceiverArgs) -> anyhow::Result<i32> {
    let schemas = Schemas {
        reference: args.reference.clone(),
    };
    schemas.verify().map_err(|e| {
        anyhow::anyhow!("the receiver checks every file against the official XSDs: {e}")
    })?;
    let state = ReceiverState::new(ReceiverConfig {
        schemas: Some(schemas),
        scratch: std::env::temp_dir().join(format!("facteur-receiver-{}", std::process::id())),
    });
    state.set_faults(Faults {
        drop_every: args.drop_every,
        fail_every: args.fail_every,
        throttle_every: args.throttle_every,
        retry_after: if args.retry_after_date {
            RetryAfter::DateIn(args.retry_after)
        } else {
            RetryAfter::Seconds(args.retry_after)
        },
        delay_every: args.delay_every,
        delay: Duration::from_millis(args.delay_ms),
    });
    runtime()?.block_on(async {
        let receiver = Receiver::start(state, args.listen).await?;
        eprintln!("tax receiver listening on {}", receiver.url());
        shutdown_signal().await;
        let state = receiver.state.clone();
        receiver.stop().await;
        let counts = state.counts().await;
        eprintln!(
            "received {} requests; {} objects taken into account",
            state.requests().await,
            counts.len()
        );
        anyhow::Ok(EXIT_OK)
    })
}
