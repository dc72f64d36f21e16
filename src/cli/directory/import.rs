//! `facteur directory import FILE`: the trusted bulk load, with a progress bar and a
//! per-line error report.

use std::fs::File;
use std::io::{BufReader, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::{open_db, runtime};
use crate::cli::{EXIT_NEGATIVE, EXIT_OK};
use crate::config::Config;
use crate::directory::import::import_csv;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// CSV file with a header row (siren,siret,routing_code,suffix,platform,start,end).
    file: PathBuf,
    /// Lines per transaction.
    #[arg(long, default_value_t = 50_000)]
    chunk: usize,
    /// Write the refused lines' report here instead of stderr.
    #[arg(long)]
    errors: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let config = Config::load()?;
    let file =
        File::open(&args.file).with_context(|| format!("cannot open {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(size);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = std::time::Instant::now();
    let report = runtime()?.block_on(async {
        let db = open_db(&config).await?;
        let report = import_csv(
            &db,
            BufReader::with_capacity(1 << 20, file),
            args.chunk.max(1),
            |bytes, rows| {
                bar.set_position(bytes);
                bar.set_message(format!("{rows} lines"));
            },
        )
        .await;
        db.close().await;
        anyhow::Ok(report?)
    })?;
    bar.finish_and_clear();
    let mut sink: Box<dyn Write> = match &args.errors {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stderr()),
    };
    for e in &report.errors {
        writeln!(sink, "{}:{}: {}", args.file.display(), e.line, e.message)?;
    }
    if report.refused as usize > report.errors.len() {
        writeln!(
            sink,
            "… and {} more refused lines",
            report.refused as usize - report.errors.len()
        )?;
    }
    println!(
        "{} lines read: {} imported, {} already present, {} refused ({:.1} s)",
        report.rows,
        report.inserted,
        report.existing,
        report.refused,
        started.elapsed().as_secs_f64()
    );
    Ok(if report.refused > 0 {
        EXIT_NEGATIVE
    } else {
        EXIT_OK
    })
}
