//! The `facteur` command line: one file per subcommand.

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    0
}
