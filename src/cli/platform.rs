//! `facteur platform …`: register platforms (one, or a CSV `matricule,name`), list
//! them, end or restore a registration, and issue API credentials.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args as ClapArgs, Subcommand};

use super::directory::{open_db, runtime};
use crate::api::credential_hash;
use crate::cli::EXIT_OK;
use crate::config::Config;
use crate::directory::Day;
use crate::directory::day::{timestamp, unix_now};
use crate::directory::model::{Platform, PlatformKind};
use crate::identifiers::Matricule;

#[derive(ClapArgs, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Register a platform (or rename it and restore its registration).
    Add {
        matricule: String,
        #[arg(long)]
        name: String,
        /// PDP, PPF, AP or NA.
        #[arg(long, default_value = "PDP")]
        kind: String,
    },
    /// Register the platforms of a CSV file with a header `matricule,name`.
    Import { file: PathBuf },
    /// List the registered platforms.
    List,
    /// End a platform's registration (from today, or --from DATE).
    Deactivate {
        matricule: String,
        #[arg(long, value_parser = super::directory::parse_day_arg)]
        from: Option<Day>,
    },
    /// Restore a platform's registration.
    Activate { matricule: String },
    /// Issue a new API credential (bearer token) for a platform; printed once.
    Credential { matricule: String },
}

fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("cannot read /dev/urandom")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn matricule(value: &str) -> anyhow::Result<Matricule> {
    Ok(Matricule::parse(value)?)
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let config = Config::load()?;
    runtime()?.block_on(async {
        let db = open_db(&config).await?;
        let now = timestamp(unix_now());
        match args.command {
            Command::Add {
                matricule: m,
                name,
                kind,
            } => {
                let kind =
                    PlatformKind::from_code(&kind).context("--kind must be PDP, PPF, AP or NA")?;
                let platform = Platform {
                    matricule: matricule(&m)?,
                    name,
                    kind,
                    inactive_from: None,
                };
                db.upsert_platform(&platform, &now).await?;
                println!("platform {} registered", platform.matricule);
            }
            Command::Import { file } => {
                let mut reader = csv::Reader::from_path(&file)
                    .with_context(|| format!("cannot open {}", file.display()))?;
                let headers = reader.headers()?.clone();
                let col = |n: &str| headers.iter().position(|h| h.trim() == n);
                let (Some(mc), Some(nc)) = (col("matricule"), col("name")) else {
                    bail!(
                        "{}: the header must have matricule and name columns",
                        file.display()
                    );
                };
                let mut count = 0;
                for (i, record) in reader.records().enumerate() {
                    let record = record?;
                    let m = matricule(record.get(mc).unwrap_or("").trim())
                        .with_context(|| format!("{}: line {}", file.display(), i + 2))?;
                    let name = record.get(nc).unwrap_or("").trim().to_string();
                    db.upsert_platform(
                        &Platform {
                            matricule: m,
                            name,
                            kind: PlatformKind::Pdp,
                            inactive_from: None,
                        },
                        &now,
                    )
                    .await?;
                    count += 1;
                }
                println!("{count} platforms registered");
            }
            Command::List => {
                for p in db.platforms().await? {
                    let state = p
                        .inactive_from
                        .map_or("active".to_string(), |d| format!("inactive from {d}"));
                    println!("{}\t{}\t{}\t{}", p.matricule, p.kind.code(), state, p.name);
                }
            }
            Command::Deactivate { matricule: m, from } => {
                let m = matricule(&m)?;
                if !db
                    .set_platform_inactive_from(m, Some(from.unwrap_or_else(Day::today)))
                    .await?
                {
                    bail!("platform {m} is not registered");
                }
                println!("platform {m} deactivated");
            }
            Command::Activate { matricule: m } => {
                let m = matricule(&m)?;
                if !db.set_platform_inactive_from(m, None).await? {
                    bail!("platform {m} is not registered");
                }
                println!("platform {m} active");
            }
            Command::Credential { matricule: m } => {
                let m = matricule(&m)?;
                let token = new_token()?;
                db.add_credential(m, &credential_hash(&token), &now)
                    .await
                    .with_context(|| format!("platform {m} must be registered first"))?;
                println!("{token}");
            }
        }
        db.close().await;
        anyhow::Ok(EXIT_OK)
    })
}
