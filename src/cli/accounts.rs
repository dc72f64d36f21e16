//! `facteur accounts …`: bootstrap and support tasks that need no HTTP. An
//! administrator (support) so that a fresh hub is usable, users, disabling a user,
//! and a reset link when no mail transport is configured.
//!
//! Passwords are read from the first line of standard input, never from arguments
//! (which other users of the machine can see in the process list).

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args as ClapArgs, Subcommand};

use super::directory::{open_db, runtime};
use crate::accounts::password::Secret;
use crate::accounts::policy::Principal;
use crate::accounts::service::{Accounts, Caller, NoMailer};
use crate::accounts::time::SystemClock;
use crate::cli::EXIT_OK;
use crate::config::Config;

#[derive(ClapArgs, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Administrators (support): assign principal managers, register structures.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create an administrator, or make an existing user one (password on stdin).
    Add { email: String },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create a user (password on stdin).
    Add { email: String },
    /// Disable a user: sessions end; structures it managed wait for a new manager.
    Disable {
        email: String,
        #[arg(long)]
        reason: String,
    },
    /// Print a single-use password-reset token (valid 30 minutes) for the user.
    ResetLink { email: String },
}

fn read_password() -> anyhow::Result<Secret> {
    eprintln!("password (first line of standard input, 12 characters or more):");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(Secret::new(password))
}

/// The command line acts as the hub itself: support rights, no user (audit actor 0).
fn hub_itself() -> Caller {
    Caller {
        principal: Principal {
            admin: true,
            ..Principal::default()
        },
        user: None,
        session: None,
        technical: None,
    }
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let config = Config::load()?;
    runtime()?.block_on(async {
        let db = open_db(&config).await?;
        let accounts = Accounts::new(db, Arc::new(SystemClock), Arc::new(NoMailer));
        match args.command {
            Command::Admin {
                command: AdminCommand::Add { email },
            } => {
                let existing = accounts.user_by_email(&email).await?;
                let password = match existing {
                    Some(_) => Secret::new(""),
                    None => read_password()?,
                };
                let id = accounts.ensure_admin(&email, &password).await?;
                println!("administrator {email} (user {id})");
            }
            Command::User {
                command: UserCommand::Add { email },
            } => {
                let id = accounts
                    .create_user(&email, &read_password()?, false)
                    .await?;
                println!("user {email} (user {id})");
            }
            Command::User {
                command: UserCommand::Disable { email, reason },
            } => {
                accounts
                    .disable_user(&hub_itself(), &email, &reason)
                    .await?;
                println!("user {email} disabled");
            }
            Command::User {
                command: UserCommand::ResetLink { email },
            } => {
                let user = accounts
                    .user_by_email(&email)
                    .await?
                    .filter(|u| !u.disabled)
                    .with_context(|| format!("no active user {email}"))?;
                let token = accounts.issue_reset(user.id).await?;
                // The one place the clear token is shown: to the operator who asked.
                println!("{}", token.expose());
            }
        }
        anyhow::Ok(EXIT_OK)
    })
}
