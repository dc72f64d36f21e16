//! `facteur serve`: the HTTP API (the directory's PPF paths, `/health`, `/ready`,
//! `/metrics`) on `listen`, over HTTPS when `tls_cert` and `tls_key` are set, until
//! SIGTERM or ctrl-c, which let requests in flight finish. Settings: see
//! [`crate::config`] (`--config FILE`, then the environment).

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
use crate::metrics::ServiceMetrics;
use crate::readiness::{DatabaseProbe, Readiness, probe_fn};
use crate::routing::{AmqpUrl, ConnectionConfig, check_reachable};

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
    let broker = match &config.amqp_url {
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
        // Platform registrations change through the CLI: re-read them regularly.
        let refresher = directory.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(30)).await;
                if let Err(e) = refresher.reload_platforms().await {
                    tracing::warn!(error = %e, "cannot reload platforms");
                }
            }
        });
        let mut readiness = Readiness::new().with(Arc::new(DatabaseProbe(db.clone())));
        if let Some(url) = broker {
            let connection = ConnectionConfig::new(url, "facteur-readiness");
            readiness = readiness.with(probe_fn("broker", move || {
                let connection = connection.clone();
                async move {
                    check_reachable(&connection)
                        .await
                        .map_err(|e| e.to_string())
                }
            }));
        }
        let metrics = ServiceMetrics::new();
        let service = ServiceState {
            metrics: metrics.clone(),
            readiness,
        };
        // Batches: stored by the API, worked in the background through the hub.
        let hub = Arc::new(Hub::new(db.clone(), directory.clone()));
        let config_batches = BatchConfig::default();
        let limits = config_batches.limits;
        let worker = BatchWorker::new(hub.clone(), config_batches).with_metrics(metrics);
        let batches = Batches {
            hub,
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
        let listener = std::net::TcpListener::bind(config.listen)?;
        let scheme = if config.tls.is_some() {
            "https"
        } else {
            "http"
        };
        tracing::info!(address = %format!("{scheme}://{}", listener.local_addr()?), "listening");
        let state = AppState::new(directory)
            .with_service(service)
            .with_batches(batches);
        serve(listener, config.tls.as_ref(), app(state), shutdown_signal()).await?;
        // A batch interrupted here keeps its results and resumes at the next start,
        // once its lease lapses.
        let _ = stop_worker.send(());
        let _ = worker.await;
        tracing::info!("stopped");
        anyhow::Ok(EXIT_OK)
    })
}
