//! `facteur audit verify`: re-computes every invoice's document hash and status chain
//! in the database of `FACTEUR_DATABASE_URL` and reports the first broken link of each
//! invoice. Exit 0 when everything verifies, 1 when something was altered.

use std::io::Write;

use super::directory::{open_db, runtime};
use super::{EXIT_NEGATIVE, EXIT_OK, Format};
use crate::config::Config;
use crate::hub::audit;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Check every status chain and document hash; exit 1 if any is broken.
    Verify {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let Command::Verify { format } = args.command;
    let config = Config::load()?;
    let report = runtime()?.block_on(async {
        let db = open_db(&config).await?;
        let report = audit::verify(&db).await?;
        db.close().await;
        anyhow::Ok(report)
    })?;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Text => {
            for broken in &report.breaks {
                match broken.seq {
                    Some(seq) => writeln!(
                        out,
                        "BROKEN invoice {}: status record {seq}: {}",
                        broken.invoice_id, broken.problem
                    )?,
                    None => writeln!(
                        out,
                        "BROKEN invoice {}: {}",
                        broken.invoice_id, broken.problem
                    )?,
                }
            }
            writeln!(
                out,
                "{} invoices, {} status records verified; {} broken",
                report.invoices,
                report.statuses,
                report.breaks.len()
            )?;
        }
        Format::Json => {
            for broken in &report.breaks {
                writeln!(out, "{}", serde_json::to_string(broken)?)?;
            }
        }
    }
    Ok(if report.breaks.is_empty() {
        EXIT_OK
    } else {
        EXIT_NEGATIVE
    })
}
