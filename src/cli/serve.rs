//! `facteur serve`: the directory's HTTP API (PPF directory API paths) on
//! `FACTEUR_LISTEN`, over the database of `FACTEUR_DATABASE_URL`.

use std::sync::Arc;
use std::time::Duration;

use super::directory::{open_db, runtime};
use crate::api::{AppState, app};
use crate::cli::EXIT_OK;
use crate::config::Config;
use crate::directory::Directory;

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
        let directory = Arc::new(Directory::open(db, config.resolution_fallback).await?);
        let snapshot = directory.index().load();
        eprintln!(
            "directory index: {} lines, {} keys, built in {:.1} s",
            snapshot.base().line_count(),
            snapshot.base().key_count(),
            started.elapsed().as_secs_f64()
        );
        drop(snapshot);
        // Platform registrations change through the CLI: re-read them regularly.
        let refresher = directory.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(30)).await;
                if let Err(e) = refresher.reload_platforms().await {
                    eprintln!("warning: cannot reload platforms: {e}");
                }
            }
        });
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        eprintln!("listening on http://{}", listener.local_addr()?);
        axum::serve(listener, app(AppState::new(directory)))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        anyhow::Ok(EXIT_OK)
    })
}
