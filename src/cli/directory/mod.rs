//! `facteur directory …`: bulk import and export, resolution and test-directory
//! generation, one file per subcommand. All use `FACTEUR_DATABASE_URL` like the server.

mod export;
mod generate;
mod import;
mod resolve;

use clap::{Args as ClapArgs, Subcommand};

use crate::config::Config;
use crate::storage::Db;

#[derive(ClapArgs, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load lines from a CSV file (trusted initial load; idempotent).
    Import(import::Args),
    /// Write the directory as CSV: full, or differential with --since.
    Export(export::Args),
    /// Print the platform and line that receive for each addressing identifier.
    Resolve(resolve::Args),
    /// Write a realistic synthetic directory as CSV.
    Generate(generate::Args),
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    match args.command {
        Command::Import(a) => import::run(a),
        Command::Export(a) => export::run(a),
        Command::Resolve(a) => resolve::run(a),
        Command::Generate(a) => generate::run(a),
    }
}

/// The async runtime of a command (two workers: the machine's cores).
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

pub(crate) fn parse_day_arg(value: &str) -> Result<crate::directory::Day, String> {
    crate::directory::Day::parse(value).map_err(|e| e.to_string())
}

/// Opens the configured database (running migrations).
pub(crate) async fn open_db(config: &Config) -> anyhow::Result<Db> {
    let url = config.database_url.expose();
    Db::connect(url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))
}
