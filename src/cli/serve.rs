//! `facteur serve`: the hub. The directory's HTTP API (PPF directory API paths), the
//! hub's `/v1/` API (invoices, batches, the embedded inbox) and `/health`, `/ready`,
//! `/metrics` on `listen`, over HTTPS when `tls_cert` and `tls_key` are set, until
//! SIGTERM or ctrl-c, which let requests in flight finish. With `amqp_url`, accepted
//! invoices and statuses are delivered through RabbitMQ (outbox relay) and platforms'
//! statuses are read from `facteur.statuses`; without it, platforms take their
//! deliveries from the embedded inbox. On SQLite run one instance; on PostgreSQL
//! several may share the work. With `platform_matricule`, `platform_name` and
//! `tax_application_code` set, the tax feed's follower runs too (one instance at a
//! time, leased). Settings: see [`crate::config`] (`--config FILE`, then
//! the environment).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::directory::{open_db, runtime};
use crate::api::server::{serve, shutdown_signal};
use crate::api::{AppState, Batches, ServiceState, app};
use crate::batch::{BatchConfig, BatchWorker};
use crate::cli::EXIT_OK;
use crate::config::{Config, LogFormat};
use crate::directory::Directory;
use crate::hub::Hub;
use crate::hub::broker::BrokerDelivery;
use crate::metrics::ServiceMetrics;
use crate::readiness::{DatabaseProbe, Readiness, probe_fn};
use crate::routing::{AmqpUrl, ConnectionConfig, Names, RelayConfig, check_reachable};
use crate::storage::RELAY_LEASE;
use crate::taxfeed::service::{FeedConfig, TaxFeed};

/// How long the tax feed's follower stays with an instance that stopped renewing it.
const FOLLOWER_LEASE: Duration = Duration::from_secs(60);
/// Pause of the follower when it has caught up with the hub.
const FOLLOWER_POLL: Duration = Duration::from_secs(1);

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Settings file (TOML); the environment overrides it (default: FACTEUR_CONFIG).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address to listen on (default: FACTEUR_LISTEN, else 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// Log lines as text or JSON (default: FACTEUR_LOG_FORMAT, else text).
    #[arg(long, value_enum)]
    log_format: Option<LogFormat>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut config = match &args.config {
        Some(path) => Config::load_from(Some(path))?,
        None => Config::load()?,
    };
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if let Some(format) = args.log_format {
        config.log_format = format;
    }
    crate::logging::init(config.log_format);
    // Parsed before anything starts, so a bad broker URL fails at once (redacted).
    let broker_url = match &config.amqp_url {
        Some(url) => Some(AmqpUrl::parse(url.expose())?),
        None => None,
    };
    config.log_effective();
    runtime()?.block_on(async {
        let db = open_db(&config).await?;
        let started = std::time::Instant::now();
        let directory = Arc::new(Directory::open(db.clone(), config.resolution_fallback).await?);
        let snapshot = directory.index().load();
        tracing::info!(
            lines = snapshot.base().line_count(),
            keys = snapshot.base().key_count(),
            seconds = started.elapsed().as_secs_f64(),
            "directory index built"
        );
        drop(snapshot);
        // One set of metrics: the hub counts in the ones `/metrics` renders.
        let metrics = ServiceMetrics::new();
        let hub = Arc::new(Hub::new(db.clone(), directory.clone()).with_metrics(metrics.clone()));
        let mut readiness = Readiness::new().with(Arc::new(DatabaseProbe(db)));
        let broker = match &broker_url {
            Some(url) => {
                tracing::info!(broker = %url.redacted(), "delivering through the broker");
                let connection = ConnectionConfig::new(url.clone(), "facteur-serve");
                let probe = ConnectionConfig::new(url.clone(), "facteur-readiness");
                readiness = readiness.with(probe_fn("broker", move || {
                    let probe = probe.clone();
                    async move { check_reachable(&probe).await.map_err(|e| e.to_string()) }
                }));
                let relay = RelayConfig::new(connection.clone());
                let lease = config.claim_lease.unwrap_or(RELAY_LEASE);
                Some(Arc::new(
                    BrokerDelivery::start_leased(
                        hub.clone(),
                        connection,
                        Names::default(),
                        relay,
                        lease,
                    )
                    .await?,
                ))
            }
            None => {
                tracing::info!("no FACTEUR_AMQP_URL: deliveries through the embedded inbox");
                None
            }
        };
        // Platform registrations change through the CLI: re-read them regularly (the
        // broker's topology follows).
        let refresher = directory.clone();
        let refreshed_hub = hub.clone();
        let refreshed_broker = broker.clone();
        let refresh = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(30)).await;
                if let Err(e) = refresher.reload_platforms().await {
                    tracing::warn!(error = %e, "cannot reload platforms");
                }
                if let Some(broker) = &refreshed_broker
                    && let Err(e) = broker.refresh_platforms(&refreshed_hub).await
                {
                    tracing::warn!(error = %e, "cannot refresh the broker topology");
                }
            }
        });
        let service = ServiceState {
            metrics: metrics.clone(),
            readiness,
        };
        // Batches: stored by the API, worked in the background through the hub.
        let mut batch_config = BatchConfig::default();
        if let Some(lease) = config.claim_lease {
            batch_config.lease = lease;
        }
        let limits = batch_config.limits;
        let worker = BatchWorker::new(hub.clone(), batch_config).with_metrics(metrics);
        let batches = Batches {
            wake: worker.waker(),
            limits,
        };
        let (stop_worker, worker_stopped) = tokio::sync::oneshot::channel::<()>();
        let worker = tokio::spawn(async move {
            worker
                .run(async {
                    let _ = worker_stopped.await;
                })
                .await;
        });
        // The tax feed's follower: accepted invoices and mandatory statuses into the
        // feed's queue (pushing stays with `facteur taxfeed run`).
        let (stop_follower, follower_stopped) = tokio::sync::oneshot::channel::<()>();
        let follower = config.tax_platform.clone().map(|platform| {
            let mut feed_config = FeedConfig::new(platform);
            feed_config.lease = config.claim_lease.unwrap_or(FOLLOWER_LEASE);
            let feed = TaxFeed::new(hub.db().clone(), feed_config);
            tracing::info!("tax feed: following the hub");
            tokio::spawn(async move {
                feed.follow_until(FOLLOWER_POLL, async {
                    let _ = follower_stopped.await;
                })
                .await;
            })
        });
        let mut state = AppState::with_hub(hub)
            .with_service(service)
            .with_batches(batches);
        state.broker_delivery = broker.is_some();
        let listener = std::net::TcpListener::bind(config.listen)?;
        let scheme = if config.tls.is_some() {
            "https"
        } else {
            "http"
        };
        tracing::info!(address = %format!("{scheme}://{}", listener.local_addr()?), "listening");
        serve(listener, config.tls.as_ref(), app(state), shutdown_signal()).await?;
        // A batch interrupted here keeps its results and resumes at the next start,
        // once its lease lapses.
        let _ = stop_worker.send(());
        let _ = worker.await;
        let _ = stop_follower.send(());
        if let Some(follower) = follower {
            let _ = follower.await;
        }
        refresh.abort();
        let _ = refresh.await;
        if let Some(broker) = broker.and_then(|b| Arc::try_unwrap(b).ok()) {
            let (relay, consumer) = broker.stop().await;
            tracing::info!(
                confirmed = relay.confirmed,
                acknowledged = consumer.acked,
                "relay and statuses consumer stopped"
            );
        }
        tracing::info!("stopped");
        anyhow::Ok(EXIT_OK)
    })
}
