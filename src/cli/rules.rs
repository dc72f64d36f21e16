//! `facteur rules`: the rule registry, for people or as JSON lines.

use std::io::Write;

use serde::Serialize;

use super::{EXIT_OK, Format};
use crate::ingest::validate::registry;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Serialize)]
struct Line<'a> {
    id: &'a str,
    severity: crate::ingest::report::Severity,
    syntax: &'a str,
    terms: &'a [&'a str],
    description: &'a str,
    rules: &'a str,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let entries = registry::all();
    if args.format == Format::Text {
        writeln!(
            out,
            "{} rules: {}, {}, {}, {}, {}",
            entries.len(),
            registry::EN16931_SET,
            registry::EXTENDED_CTC_FR_SET,
            registry::FACTUR_X_SET,
            registry::BR_FR_SET,
            registry::BR_FR_CDV_SET
        )?;
    }
    for entry in &entries {
        let rule = entry.rule;
        match args.format {
            Format::Json => {
                let line = Line {
                    id: rule.id,
                    severity: rule.severity,
                    syntax: entry.syntax.as_str(),
                    terms: rule.terms,
                    description: rule.description,
                    rules: entry.set,
                };
                serde_json::to_writer(&mut out, &line)?;
                writeln!(out)?;
            }
            Format::Text => writeln!(
                out,
                "{:<12} {:<4} {:<8} {:<18} {}",
                rule.id,
                entry.syntax.as_str(),
                format!("{:?}", rule.severity).to_lowercase(),
                rule.terms.join(","),
                rule.description
            )?,
        }
    }
    Ok(EXIT_OK)
}
