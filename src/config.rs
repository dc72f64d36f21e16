//! Typed settings: defaults, then a TOML file (`facteur serve --config FILE`, or the
//! file named by `FACTEUR_CONFIG`), then environment variables, which win. Secrets are
//! wrapped so that they never print, and URLs that carry credentials are shown only
//! through [`redact_url`].
//!
//! | key | environment | default |
//! | --- | --- | --- |
//! | `database_url` | `FACTEUR_DATABASE_URL` | `sqlite://facteur.db` |
//! | `amqp_url` | `FACTEUR_AMQP_URL` | unset: no broker |
//! | `listen` | `FACTEUR_LISTEN` | `127.0.0.1:8080` |
//! | `tls_cert` | `FACTEUR_TLS_CERT` | unset: plain HTTP |
//! | `tls_key` | `FACTEUR_TLS_KEY` | unset: plain HTTP |
//! | `log_format` | `FACTEUR_LOG_FORMAT` | `text` (or `json`) |
//! | `resolution_fallback` | `FACTEUR_RESOLUTION_FALLBACK` | `hierarchical` (or `exact`) |
//! | `claim_lease` | `FACTEUR_CLAIM_LEASE` | unset: 300 s (outbox), 60 s (batches) |
//! | `platform_matricule` | `FACTEUR_PLATFORM_MATRICULE` | unset: no tax feed in `serve` |
//! | `platform_name` | `FACTEUR_PLATFORM_NAME` | unset |
//! | `tax_application_code` | `FACTEUR_TAX_APPLICATION_CODE` | unset |
//!
//! The last three say who facteur is towards the tax administration (the sender of
//! every F6 and F10 message, the flows' application code); set together, `serve` runs
//! the tax feed's follower (accepted invoices and mandatory statuses into the feed).
//!
//! `claim_lease` (whole seconds) is how long what an instance claimed (outbox rows it
//! is publishing, the batch it is working) stays away from the other instances: after
//! a crash, the work resumes elsewhere (or at restart) once it has passed. Shorter
//! means faster take-over and more duplicate deliveries when an instance merely stalls.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::directory::Fallback;
use crate::identifiers::Matricule;
use crate::storage::DEFAULT_DATABASE_URL;
use crate::taxfeed::{ApplicationCode, Platform};

/// A value that must not appear in logs or debug output (a database URL may carry a
/// password).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Secret<T> {
        Secret(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret<String> {
    /// The URL with its password masked (see [`redact_url`]): what logs may show.
    pub fn redacted_url(&self) -> String {
        redact_url(&self.0)
    }
}

/// What replaces a password in anything printed.
pub const MASK: &str = "****";

/// A URL fit for logs: its password replaced by `****`. Text that is not a URL with an
/// authority (where a password could not be located) is withheld entirely, since it
/// might still hold one; a plain SQLite path has no credentials and is kept.
pub fn redact_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) if !url.cannot_be_a_base() => {
            if url.password().is_some() {
                // Cannot fail: a URL with a password has a host.
                let _ = url.set_password(Some(MASK));
            }
            url.to_string()
        }
        Ok(url) if url.scheme() == "sqlite" => text.to_string(),
        _ if !text.contains(':') => text.to_string(),
        _ => "(withheld)".to_string(),
    }
}

/// The format of the log lines on stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// For people.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// A certificate chain and its private key, both PEM files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Syntax { path: String, message: String },
    #[error("setting {key}: {message}")]
    Value { key: String, message: String },
}

/// facteur's settings.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: Secret<String>,
    /// The broker; `None` runs without one.
    pub amqp_url: Option<Secret<String>>,
    pub listen: SocketAddr,
    /// HTTPS when set; plain HTTP otherwise.
    pub tls: Option<TlsFiles>,
    pub log_format: LogFormat,
    pub resolution_fallback: Fallback,
    /// How long claims last; `None` keeps each claimer's default.
    pub claim_lease: Option<std::time::Duration>,
    /// facteur as a platform towards the tax administration; `None`: no tax feed.
    pub tax_platform: Option<Platform>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            database_url: Secret::new(DEFAULT_DATABASE_URL.to_string()),
            amqp_url: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            tls: None,
            log_format: LogFormat::Text,
            resolution_fallback: Fallback::Hierarchical,
            claim_lease: None,
            tax_platform: None,
        }
    }
}

/// Every setting with its environment variable, in the order of the table above.
const KEYS: &[(&str, &str)] = &[
    ("database_url", "FACTEUR_DATABASE_URL"),
    ("amqp_url", "FACTEUR_AMQP_URL"),
    ("listen", "FACTEUR_LISTEN"),
    ("tls_cert", "FACTEUR_TLS_CERT"),
    ("tls_key", "FACTEUR_TLS_KEY"),
    ("log_format", "FACTEUR_LOG_FORMAT"),
    ("resolution_fallback", "FACTEUR_RESOLUTION_FALLBACK"),
    ("claim_lease", "FACTEUR_CLAIM_LEASE"),
    ("platform_matricule", "FACTEUR_PLATFORM_MATRICULE"),
    ("platform_name", "FACTEUR_PLATFORM_NAME"),
    ("tax_application_code", "FACTEUR_TAX_APPLICATION_CODE"),
];

impl Config {
    /// Defaults, then `FACTEUR_CONFIG`'s file, then the environment.
    pub fn load() -> Result<Config, ConfigError> {
        let file = std::env::var_os("FACTEUR_CONFIG").map(PathBuf::from);
        Config::load_from(file.as_deref())
    }

    /// Defaults, then `file` (when given), then the process environment.
    pub fn load_from(file: Option<&Path>) -> Result<Config, ConfigError> {
        let text = match file {
            Some(path) => Some((
                path.display().to_string(),
                std::fs::read_to_string(path).map_err(|source| ConfigError::File {
                    path: path.display().to_string(),
                    source,
                })?,
            )),
            None => None,
        };
        let file = text
            .as_ref()
            .map(|(path, text)| (path.as_str(), text.as_str()));
        Config::from_sources(file, |var| std::env::var(var).ok())
    }

    /// Defaults, then the TOML `file` (path, text), then `env`: the pure core of
    /// [`Config::load_from`], so tests need not touch the process environment.
    pub fn from_sources(
        file: Option<(&str, &str)>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut settings = Settings::default();
        if let Some((path, text)) = file {
            let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Syntax {
                path: path.to_string(),
                message: e.to_string().trim_end().to_string(),
            })?;
            for (key, value) in table {
                let value = match value {
                    toml::Value::String(s) => s,
                    // `listen = 8080` is a common slip; say what is expected.
                    other => {
                        return Err(ConfigError::Value {
                            message: format!(
                                "expected a quoted string, found {} (in {path})",
                                other.type_str()
                            ),
                            key,
                        });
                    }
                };
                settings.set(&key, value)?;
            }
        }
        for (key, var) in KEYS {
            if let Some(value) = env(var) {
                settings.set(key, value).map_err(|e| match e {
                    ConfigError::Value { key, message } => ConfigError::Value {
                        key: format!("{key} ({var})"),
                        message,
                    },
                    other => other,
                })?;
            }
        }
        settings.into_config()
    }
}

impl Config {
    /// One log event with the effective settings, URLs redacted: what an operator
    /// needs to see at start-up, and nothing they must not.
    pub fn log_effective(&self) {
        tracing::info!(
            database = %self.database_url.redacted_url(),
            broker = self.amqp_url.as_ref().map(Secret::redacted_url),
            listen = %self.listen,
            tls = self.tls.is_some(),
            log_format = ?self.log_format,
            "settings"
        );
    }
}

/// Raw values while the sources are read: TLS is checked once both halves are known.
#[derive(Default)]
struct Settings {
    config: Config,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    /// Matricule, name, application code: checked together once all are read.
    tax: [Option<String>; 3],
}

impl Settings {
    fn set(&mut self, key: &str, value: String) -> Result<(), ConfigError> {
        let bad = |message: String| ConfigError::Value {
            key: key.to_string(),
            message,
        };
        let config = &mut self.config;
        match key {
            "database_url" => config.database_url = Secret::new(value),
            // An empty variable unsets the broker, so `FACTEUR_AMQP_URL=` can override a file.
            "amqp_url" if value.is_empty() => config.amqp_url = None,
            "amqp_url" => config.amqp_url = Some(Secret::new(value)),
            "listen" => config.listen = value.parse().map_err(|e| bad(format!("{e}")))?,
            "tls_cert" => {
                self.tls_cert = Some(value.into()).filter(|p: &PathBuf| !p.as_os_str().is_empty())
            }
            "tls_key" => {
                self.tls_key = Some(value.into()).filter(|p: &PathBuf| !p.as_os_str().is_empty())
            }
            "log_format" => {
                config.log_format = match value.as_str() {
                    "text" => LogFormat::Text,
                    "json" => LogFormat::Json,
                    _ => return Err(bad("expected text or json".into())),
                }
            }
            "resolution_fallback" => {
                config.resolution_fallback = Fallback::parse(&value)
                    .ok_or_else(|| bad("expected hierarchical or exact".into()))?
            }
            "claim_lease" if value.is_empty() => config.claim_lease = None,
            "claim_lease" => {
                let seconds: u64 =
                    value.parse().ok().filter(|&s| s > 0).ok_or_else(|| {
                        bad("expected a whole number of seconds, at least 1".into())
                    })?;
                config.claim_lease = Some(std::time::Duration::from_secs(seconds));
            }
            "platform_matricule" => self.tax[0] = Some(value).filter(|v| !v.is_empty()),
            "platform_name" => self.tax[1] = Some(value).filter(|v| !v.is_empty()),
            "tax_application_code" => self.tax[2] = Some(value).filter(|v| !v.is_empty()),
            _ => {
                let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
                return Err(bad(format!(
                    "unknown setting (known: {})",
                    known.join(", ")
                )));
            }
        }
        Ok(())
    }

    fn into_config(self) -> Result<Config, ConfigError> {
        let mut config = self.config;
        config.tax_platform = match self.tax {
            [None, None, None] => None,
            [Some(matricule), Some(name), Some(code)] => {
                let bad = |key: &str, message: String| ConfigError::Value {
                    key: key.into(),
                    message,
                };
                Some(Platform {
                    matricule: Matricule::parse(&matricule)
                        .map_err(|e| bad("platform_matricule", e.to_string()))?,
                    name,
                    application_code: ApplicationCode::parse(&code)
                        .map_err(|e| bad("tax_application_code", e.to_string()))?,
                })
            }
            _ => {
                return Err(ConfigError::Value {
                    key: "platform_matricule".into(),
                    message: "platform_matricule, platform_name and tax_application_code go together (the tax feed needs all three)".into(),
                });
            }
        };
        config.tls = match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ConfigError::Value {
                    key: "tls_key".into(),
                    message: "tls_cert is set, so the private key file is required too".into(),
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError::Value {
                    key: "tls_cert".into(),
                    message: "tls_key is set, so the certificate file is required too".into(),
                });
            }
        };
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Config::from_sources(
            Some((
                "f.toml",
                "database_url = \"postgres://app:hunter2@db/x\"\namqp_url = \"amqp://u:pw9@mq\"",
            )),
            no_env,
        )
        .unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("pw9"),
            "{shown}"
        );
        assert_eq!(c.database_url.redacted_url(), "postgres://app:****@db/x");
        assert_eq!(c.database_url.expose(), "postgres://app:hunter2@db/x");
    }

    #[test]
    fn claim_lease_is_whole_seconds() {
        let env = |value: &'static str| {
            move |var: &str| (var == "FACTEUR_CLAIM_LEASE").then(|| value.to_string())
        };
        let c = Config::from_sources(None, env("3")).unwrap();
        assert_eq!(c.claim_lease, Some(std::time::Duration::from_secs(3)));
        assert_eq!(
            Config::from_sources(None, no_env).unwrap().claim_lease,
            None
        );
        for bad in ["0", "1.5", "-1", "soon"] {
            let e = Config::from_sources(None, env(bad))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("claim_lease (FACTEUR_CLAIM_LEASE)"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn the_tax_platform_needs_its_three_settings() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |var: &str| {
                vars.iter()
                    .find(|(k, _)| *k == var)
                    .map(|(_, v)| v.to_string())
            }
        };
        let all = Config::from_sources(
            None,
            env(&[
                ("FACTEUR_PLATFORM_MATRICULE", "0042"),
                ("FACTEUR_PLATFORM_NAME", "Facteur SAS"),
                ("FACTEUR_TAX_APPLICATION_CODE", "FAC001"),
            ]),
        )
        .unwrap()
        .tax_platform
        .expect("set");
        assert_eq!(
            (
                all.matricule.to_string(),
                all.name.as_str(),
                all.application_code.as_str()
            ),
            ("0042".to_string(), "Facteur SAS", "FAC001")
        );
        assert_eq!(
            Config::from_sources(None, no_env).unwrap().tax_platform,
            None
        );
        let partial = Config::from_sources(None, env(&[("FACTEUR_PLATFORM_NAME", "Facteur SAS")]))
            .unwrap_err()
            .to_string();
        assert!(partial.contains("go together"), "{partial}");
        let bad_code = Config::from_sources(
            None,
            env(&[
                ("FACTEUR_PLATFORM_MATRICULE", "0042"),
                ("FACTEUR_PLATFORM_NAME", "Facteur SAS"),
                ("FACTEUR_TAX_APPLICATION_CODE", "fac"),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(bad_code.contains("tax_application_code"), "{bad_code}");
    }

    #[test]
    fn the_environment_overrides_the_file() {
        let file =
            "listen = \"127.0.0.1:9000\"\nlog_format = \"json\"\nresolution_fallback = \"exact\"\n";
        let env = |var: &str| (var == "FACTEUR_LISTEN").then(|| "0.0.0.0:7000".to_string());
        let c = Config::from_sources(Some(("f.toml", file)), env).unwrap();
        assert_eq!(c.listen, "0.0.0.0:7000".parse().unwrap());
        assert_eq!(c.log_format, LogFormat::Json);
        assert_eq!(c.resolution_fallback, Fallback::Exact);
        assert!(c.amqp_url.is_none() && c.tls.is_none());
        let defaults = Config::from_sources(None, no_env).unwrap();
        assert_eq!(defaults.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(defaults.database_url.expose(), DEFAULT_DATABASE_URL);
    }

    #[test]
    fn errors_name_the_bad_key() {
        let err = |file: &str, env: &dyn Fn(&str) -> Option<String>| {
            Config::from_sources(Some(("f.toml", file)), env)
                .unwrap_err()
                .to_string()
        };
        let e = err("lisen = \"x\"", &no_env);
        assert!(
            e.starts_with("setting lisen: unknown setting (known: database_url"),
            "{e}"
        );
        let e = err("listen = 8080", &no_env);
        assert!(
            e.contains("setting listen: expected a quoted string, found integer"),
            "{e}"
        );
        let e = err("listen = \"nowhere\"", &no_env);
        assert!(e.starts_with("setting listen: "), "{e}");
        let e = err("listen = ", &no_env);
        assert!(e.starts_with("config file f.toml: "), "{e}");
        let e = err("tls_cert = \"c.pem\"", &no_env);
        assert!(e.starts_with("setting tls_key: tls_cert is set"), "{e}");
        let bad_env = |var: &str| (var == "FACTEUR_LOG_FORMAT").then(|| "xml".to_string());
        let e = err("", &bad_env);
        assert_eq!(
            e,
            "setting log_format (FACTEUR_LOG_FORMAT): expected text or json"
        );
        let tls = Config::from_sources(
            Some(("f.toml", "tls_cert = \"c.pem\"\ntls_key = \"k.pem\"")),
            no_env,
        )
        .unwrap();
        assert_eq!(
            tls.tls,
            Some(TlsFiles {
                cert: "c.pem".into(),
                key: "k.pem".into()
            })
        );
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("amqp://guest:s3cr%40t@127.0.0.1:5672/%2f"),
            "amqp://guest:****@127.0.0.1:5672/%2f"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/db"),
            "postgres://postgres@127.0.0.1/db"
        );
        assert_eq!(redact_url("sqlite://facteur.db"), "sqlite://facteur.db");
        assert_eq!(redact_url("facteur.db"), "facteur.db");
        assert_eq!(redact_url("weird:user:pw@x"), "(withheld)");
    }
}
