//! `facteur directory resolve [--at DATE] [--format json] ADDRESS... | -`: which
//! platform receives for each addressing identifier, and through which line. Exits 1
//! when any address has no line in force.

use std::io::{BufRead, Write};

use super::export::parse_day;
use super::{open_db, runtime};
use crate::cli::{EXIT_NEGATIVE, EXIT_OK, Format};
use crate::config::Config;
use crate::directory::{Day, Directory, Fallback, Resolved};
use crate::identifiers::AddressingId;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Addressing identifiers (SIREN, SIREN_SIRET, SIREN_SIRET_ROUTINGCODE,
    /// SIREN_SUFFIX), or `-` to read them from stdin, one per line.
    #[arg(required = true)]
    addresses: Vec<String>,
    /// The day of the resolution (default: today in Paris).
    #[arg(long, value_parser = parse_day)]
    at: Option<Day>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Fallback policy: hierarchical (routing code → SIRET → SIREN) or exact
    /// (default: FACTEUR_RESOLUTION_FALLBACK, else hierarchical).
    #[arg(long, value_parser = parse_fallback)]
    fallback: Option<Fallback>,
}

fn parse_fallback(value: &str) -> Result<Fallback, String> {
    Fallback::parse(value).ok_or_else(|| "expected hierarchical or exact".to_string())
}

fn json_line(
    address: &str,
    at: Day,
    outcome: Result<Option<(Resolved, String)>, String>,
) -> serde_json::Value {
    match outcome {
        Ok(Some((r, matched))) => serde_json::json!({
            "address": address,
            "at": at.to_string(),
            "platform": r.matricule().map(|m| m.to_string()),
            "line": r.line.id,
            "matched": matched,
            "level": r.level.name(),
            "start": Day::from_days(r.line.start).to_string(),
            "end": (r.line.stop != crate::directory::index::OPEN).then(|| Day::from_days(r.line.stop).to_string()),
        }),
        Ok(None) => {
            serde_json::json!({"address": address, "at": at.to_string(), "platform": null, "line": null})
        }
        Err(error) => {
            serde_json::json!({"address": address, "at": at.to_string(), "platform": null, "line": null, "error": error})
        }
    }
}

/// The identifier of the level a resolution used (the address itself or a parent).
fn matched(address: &AddressingId, resolved: &Resolved) -> String {
    use crate::directory::Level;
    match (address, resolved.level) {
        (AddressingId::RoutingCode(t, _), Level::Siret) => {
            AddressingId::Siret(t.clone()).to_string()
        }
        (AddressingId::RoutingCode(t, _) | AddressingId::Siret(t), Level::Siren) => {
            t.siren().to_string()
        }
        _ => address.to_string(),
    }
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut config = Config::load()?;
    if let Some(f) = args.fallback {
        config.resolution_fallback = f;
    }
    let from_stdin = args.addresses == ["-"];
    // Addresses on the command line: an index of just their lines; from stdin (any
    // number): the whole directory's index.
    let named: Vec<AddressingId> = if from_stdin {
        Vec::new()
    } else {
        args.addresses
            .iter()
            .filter_map(|a| AddressingId::parse(a.trim()).ok())
            .collect()
    };
    let directory = runtime()?.block_on(async {
        let db = open_db(&config).await?;
        let directory = if from_stdin {
            Directory::open(db, config.resolution_fallback).await
        } else {
            Directory::open_for(db, config.resolution_fallback, &named).await
        };
        anyhow::Ok(directory?)
    })?;
    let at = args.at.unwrap_or_else(|| directory.today());
    let addresses: Box<dyn Iterator<Item = std::io::Result<String>>> = if from_stdin {
        Box::new(std::io::stdin().lock().lines())
    } else {
        Box::new(args.addresses.into_iter().map(Ok))
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut missing = 0u64;
    for address in addresses {
        let address = address?;
        let address = address.trim();
        if address.is_empty() {
            continue;
        }
        let outcome = AddressingId::parse(address)
            .map(|id| directory.resolve(&id, at).map(|r| (r, matched(&id, &r))))
            .map_err(|e| e.to_string());
        if !matches!(outcome, Ok(Some(_))) {
            missing += 1;
        }
        match args.format {
            Format::Json => writeln!(out, "{}", json_line(address, at, outcome))?,
            Format::Text => match outcome {
                Ok(Some((r, m))) => writeln!(
                    out,
                    "{address}\t{}\tline {} ({} {}, from {})",
                    r.matricule().map(|m| m.to_string()).unwrap_or_default(),
                    r.line.id,
                    r.level.name(),
                    m,
                    Day::from_days(r.line.start)
                )?,
                Ok(None) => writeln!(out, "{address}\tnone\tno line in force on {at}")?,
                Err(e) => writeln!(out, "{address}\tnone\t{e}")?,
            },
        }
    }
    out.flush()?;
    Ok(if missing > 0 { EXIT_NEGATIVE } else { EXIT_OK })
}
