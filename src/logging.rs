//! Structured logs: `tracing` events on stderr, as text for people or one JSON object
//! per line (`--log-format json`) for collectors. The level filter comes from
//! `FACTEUR_LOG` (`RUST_LOG` syntax: `info`, `facteur=debug,sqlx=warn`), default `info`.
//!
//! Secrets never reach a log line by construction rather than by scrubbing: settings
//! holding them are [`crate::config::Secret`]s whose `Debug` prints `***`, URLs are
//! logged through [`crate::config::redact_url`], and the request log records method,
//! path, status and latency, never headers or query strings.

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

pub use crate::config::LogFormat;

/// Default level filter when `FACTEUR_LOG` is unset.
const DEFAULT_FILTER: &str = "info";

/// A subscriber writing to `writer`: the one definition of the log format, used by
/// [`init`] and by tests that capture output.
pub fn subscriber<W>(
    format: LogFormat,
    filter: &str,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false);
    match format {
        LogFormat::Text => Box::new(builder.finish()),
        LogFormat::Json => Box::new(builder.json().flatten_event(true).finish()),
    }
}

/// Installs the process-wide subscriber on stderr. A second call (tests running the
/// CLI in-process) keeps the first.
pub fn init(format: LogFormat) {
    let filter = std::env::var("FACTEUR_LOG").unwrap_or_else(|_| DEFAULT_FILTER.to_string());
    let _ = tracing::subscriber::set_global_default(subscriber(format, &filter, std::io::stderr));
}
