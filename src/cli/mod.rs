//! The `facteur` command line: one file per subcommand. Commands print for people on
//! stdout (or JSON lines with `--format json`), diagnostics on stderr, and map their
//! outcome to an exit code: 0 success, 1 a negative verdict, 2 usage or I/O error.

mod accounts;
mod audit;
mod bench;
mod directory;
mod platform;
mod rules;
mod send;
mod serve;
mod taxfeed;
mod validate;

use clap::{Parser, Subcommand, ValueEnum};

/// facteur: e-invoicing interchange hub for the French reform.
#[derive(Parser, Debug)]
#[command(name = "facteur", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Validate invoices (UBL 2.1, CII, Factur-X PDF) given as files or directories.
    Validate(validate::Args),
    /// List every validation rule facteur implements.
    Rules(rules::Args),
    /// The directory (annuaire): import, export, resolve, generate.
    Directory(directory::Args),
    /// Platforms: register, list, deactivate, issue API credentials.
    Platform(platform::Args),
    /// Serve the hub: the directory API, the invoice API and the accounts API (/v1/),
    /// and the web portal (/portail/).
    Serve(serve::Args),
    /// Send files to a hub in batches, wait for their results, write a report;
    /// resumes after an interruption without sending anything twice.
    Send(send::Args),
    /// Audit the stored invoices: status chains and document hashes.
    Audit(audit::Args),
    /// Accounts: bootstrap an administrator, add or disable users, reset links.
    Accounts(accounts::Args),
    /// The feed to the tax administration: status, push, run, reference receiver.
    Taxfeed(taxfeed::Args),
    /// Measure the hub on the real path: a batch from upload to every broker confirm,
    /// next to the broker's raw rate.
    Bench(bench::Args),
}

/// Output format shared by the commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_NEGATIVE: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_OK
            };
            let _ = err.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Directory(args) => directory::run(args),
        Command::Platform(args) => platform::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Send(args) => send::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Accounts(args) => accounts::run(args),
        Command::Taxfeed(args) => taxfeed::run(args),
        Command::Bench(args) => bench::run(args),
    };
    result.unwrap_or_else(|err| {
        // Output piped into `head` and closed early is not an error of facteur's.
        let broken_pipe = err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe);
        if broken_pipe {
            return EXIT_OK;
        }
        eprintln!("error: {err:#}");
        EXIT_ERROR
    })
}
