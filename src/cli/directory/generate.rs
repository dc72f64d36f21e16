//! `facteur directory generate --lines N`: a realistic synthetic directory as an
//! import file, and optionally the platforms it uses.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;

use crate::cli::EXIT_OK;
use crate::directory::generate::{PLATFORMS, generate};
use crate::directory::model::parts_of;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Number of lines.
    #[arg(long)]
    lines: u64,
    /// Seed of the generator (same seed, same directory).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file (default: stdout).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Also write the platforms the lines use, as `matricule,name`.
    #[arg(long)]
    platforms: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, out);
    writeln!(out, "siren,siret,routing_code,suffix,platform,start,end")?;
    for line in generate(args.lines, args.seed) {
        let (siren, siret, code, suffix) = parts_of(&line.addressing);
        let show = |v: Option<&dyn std::fmt::Display>| v.map(|v| v.to_string()).unwrap_or_default();
        writeln!(
            out,
            "{siren},{},{},{},{},{},{}",
            show(siret.map(|s| s as &dyn std::fmt::Display)),
            show(code.map(|s| s as &dyn std::fmt::Display)),
            show(suffix.map(|s| s as &dyn std::fmt::Display)),
            line.matricule,
            line.start,
            line.end.map(|d| d.to_string()).unwrap_or_default()
        )?;
    }
    out.flush()?;
    if let Some(path) = &args.platforms {
        let mut p = BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        );
        writeln!(p, "matricule,name")?;
        for m in 1..=PLATFORMS {
            writeln!(p, "{m:04},Plateforme {m:04}")?;
        }
        p.flush()?;
    }
    Ok(EXIT_OK)
}
