//! Typed settings: defaults, then the file named by `FACTEUR_CONFIG` (lines of
//! `key = "value"`, `#` comments), then environment variables, which win. Secrets are
//! wrapped so that they never print.
//!
//! | key | environment | default |
//! | --- | --- | --- |
//! | `database_url` | `FACTEUR_DATABASE_URL` | `sqlite://facteur.db` |
//! | `listen` | `FACTEUR_LISTEN` | `127.0.0.1:8080` |
//! | `resolution_fallback` | `FACTEUR_RESOLUTION_FALLBACK` | `hierarchical` (or `exact`) |
//! | `amqp_url` | `FACTEUR_AMQP_URL` | unset: deliveries through the embedded inbox |

use std::fmt;
use std::net::SocketAddr;

use crate::directory::Fallback;
use crate::storage::DEFAULT_DATABASE_URL;

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

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("config file {path}, line {line}: expected key = \"value\"")]
    Syntax { path: String, line: usize },
    #[error("setting {key}: {message}")]
    Value { key: String, message: String },
}

/// facteur's settings.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: Secret<String>,
    pub listen: SocketAddr,
    pub resolution_fallback: Fallback,
    /// The broker (`amqp://` or `amqps://`); `None`: the embedded inbox delivers.
    pub amqp_url: Option<Secret<String>>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            database_url: Secret::new(DEFAULT_DATABASE_URL.to_string()),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            resolution_fallback: Fallback::Hierarchical,
            amqp_url: None,
        }
    }
}

impl Config {
    /// Defaults, then `FACTEUR_CONFIG`'s file, then the environment.
    pub fn load() -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Ok(path) = std::env::var("FACTEUR_CONFIG") {
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::File {
                path: path.clone(),
                source,
            })?;
            for (n, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (key, value) = line.split_once('=').ok_or(ConfigError::Syntax {
                    path: path.clone(),
                    line: n + 1,
                })?;
                let value = value.trim().trim_matches('"');
                config.set(key.trim(), value)?;
            }
        }
        for (key, var) in [
            ("database_url", "FACTEUR_DATABASE_URL"),
            ("listen", "FACTEUR_LISTEN"),
            ("resolution_fallback", "FACTEUR_RESOLUTION_FALLBACK"),
            ("amqp_url", "FACTEUR_AMQP_URL"),
        ] {
            if let Ok(value) = std::env::var(var) {
                config.set(key, &value)?;
            }
        }
        Ok(config)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let bad = |message: String| ConfigError::Value {
            key: key.to_string(),
            message,
        };
        match key {
            "database_url" => self.database_url = Secret::new(value.to_string()),
            "amqp_url" => {
                self.amqp_url = Some(value.to_string())
                    .filter(|url| !url.is_empty())
                    .map(Secret::new)
            }
            "listen" => self.listen = value.parse().map_err(|e| bad(format!("{e}")))?,
            "resolution_fallback" => {
                self.resolution_fallback = Fallback::parse(value)
                    .ok_or_else(|| bad("expected hierarchical or exact".into()))?
            }
            _ => return Err(bad("unknown setting".into())),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let c = Config::default();
        assert!(!format!("{c:?}").contains("facteur.db"));
        let mut c = Config::default();
        assert!(c.set("resolution_fallback", "exact").is_ok());
        assert_eq!(c.resolution_fallback, Fallback::Exact);
        assert!(c.set("resolution_fallback", "nearest").is_err());
        assert!(c.set("listen", "not an address").is_err());
    }
}
