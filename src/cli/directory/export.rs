//! `facteur directory export [--since DATE]`: full export of the current definition
//! lines, or the differential export of every version created since a day.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;

use super::{open_db, runtime};
use crate::cli::EXIT_OK;
use crate::config::Config;
use crate::directory::Day;
use crate::directory::import::export_csv;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only versions created on or after this day (YYYY-MM-DD): the differential export.
    #[arg(long, value_parser = parse_day)]
    since: Option<Day>,
    /// Output file (default: stdout).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub(crate) fn parse_day(value: &str) -> Result<Day, String> {
    Day::parse(value).map_err(|e| e.to_string())
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let config = Config::load()?;
    let out: Box<dyn Write + Send> = match &args.output {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout()),
    };
    let written = runtime()?.block_on(async {
        let db = open_db(&config).await?;
        let written = export_csv(&db, BufWriter::with_capacity(1 << 20, out), args.since).await;
        db.close().await;
        anyhow::Ok(written?)
    })?;
    eprintln!("{written} lines exported");
    Ok(EXIT_OK)
}
