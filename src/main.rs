//! The `facteur` binary: parse arguments, run, map the outcome to an exit code.

fn main() {
    std::process::exit(facteur::cli::run());
}
