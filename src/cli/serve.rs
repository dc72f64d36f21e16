//! `facteur serve`: the hub. The directory's HTTP API (PPF directory API paths) and
//! the hub's `/v1/` API on `FACTEUR_LISTEN`, over the database of
//! `FACTEUR_DATABASE_URL`. With `FACTEUR_AMQP_URL`, accepted invoices and statuses are
//! delivered through RabbitMQ (outbox relay) and platforms' statuses are read from
//! `facteur.statuses`; without it, platforms take their deliveries from the embedded
//! inbox. On SQLite run one instance; on PostgreSQL several may share the work.

use std::sync::Arc;
use std::time::Duration;

use super::directory::{open_db, runtime};
use crate::api::{AppState, app};
use crate::cli::EXIT_OK;
use crate::config::Config;
use crate::directory::Directory;
use crate::hub::Hub;
use crate::hub::broker::BrokerDelivery;
use crate::routing::{AmqpUrl, ConnectionConfig, Names, RelayConfig};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on (default: FACTEUR_LISTEN, else 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut config = Config::load()?;
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    runtime()?.block_on(async {
        let db = open_db(&config).await?;
        let started = std::time::Instant::now();
        let directory = Arc::new(Directory::open(db.clone(), config.resolution_fallback).await?);
        let snapshot = directory.index().load();
        eprintln!(
            "directory index: {} lines, {} keys, built in {:.1} s",
            snapshot.base().line_count(),
            snapshot.base().key_count(),
            started.elapsed().as_secs_f64()
        );
        drop(snapshot);
        let hub = Arc::new(Hub::new(db, directory.clone()));
        let broker = match &config.amqp_url {
            Some(url) => {
                let url = AmqpUrl::parse(url.expose())?;
                eprintln!("delivering through the broker at {}", url.redacted());
                let connection = ConnectionConfig::new(url, "facteur-serve");
                let relay = RelayConfig::new(connection.clone());
                Some(Arc::new(
                    BrokerDelivery::start(hub.clone(), connection, Names::default(), relay).await?,
                ))
            }
            None => {
                eprintln!("no FACTEUR_AMQP_URL: deliveries through the embedded inbox");
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
                    eprintln!("warning: cannot reload platforms: {e}");
                }
                if let Some(broker) = &refreshed_broker
                    && let Err(e) = broker.refresh_platforms(&refreshed_hub).await
                {
                    eprintln!("warning: cannot refresh the broker topology: {e}");
                }
            }
        });
        let mut state = AppState::with_hub(hub);
        state.broker_delivery = broker.is_some();
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        eprintln!("listening on http://{}", listener.local_addr()?);
        axum::serve(listener, app(state))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        refresh.abort();
        let _ = refresh.await;
        if let Some(broker) = broker.and_then(|b| Arc::try_unwrap(b).ok()) {
            let (relay, consumer) = broker.stop().await;
            eprintln!(
                "relay stopped: {} confirmed; statuses consumer: {} acknowledged",
                relay.confirmed, consumer.acked
            );
        }
        anyhow::Ok(EXIT_OK)
    })
}
