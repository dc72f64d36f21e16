//! The broker connection: `amqp://` and `amqps://` URLs, their redacted form for logs,
//! and `connect` with a connection name, a heartbeat and a timeout.
//!
//! A URL carries the broker password, so [`AmqpUrl`] never displays it: `Display` and
//! `Debug` both print `amqp://guest:****@127.0.0.1:5672/%2f`. TLS (`amqps://`) goes
//! through lapin's `rustls` feature, whose provider (aws-lc-rs) is the one provider of
//! the whole dependency tree, so rustls never has to guess one at run time.

use std::fmt;
use std::time::Duration;

use lapin::uri::AMQPUri;
use lapin::{Connection, ConnectionProperties};

use super::RoutingError;

/// A parsed broker URL. Only the redacted form is ever shown.
#[derive(Clone)]
pub struct AmqpUrl {
    uri: AMQPUri,
    redacted: String,
}

impl AmqpUrl {
    pub fn parse(text: &str) -> Result<Self, RoutingError> {
        // Parse once with `url` for the redacted form and the literal host, then let
        // lapin's parser read the AMQP parts (vhost decoding, query parameters).
        let withheld = |reason: String| RoutingError::InvalidUrl {
            url: "(withheld)".into(),
            reason,
        };
        let url = url::Url::parse(text).map_err(|error| withheld(error.to_string()))?;
        // Without an `amqp[s]://host` authority the password cannot be located, so the
        // text is not shown at all.
        if !matches!(url.scheme(), "amqp" | "amqps") || url.cannot_be_a_base() {
            return Err(withheld("expected amqp://host or amqps://host".into()));
        }
        // The one redactor of the crate, shared with the database URL's log form.
        let redacted = crate::config::redact_url(text);
        let invalid = |reason: String| RoutingError::InvalidUrl {
            url: redacted.clone(),
            reason,
        };
        let host = url
            .host_str()
            .ok_or_else(|| invalid("no host".into()))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        // lapin's parser quotes the whole input in one of its messages, so its reason is
        // replaced rather than passed on: it could contain the password.
        let mut uri: AMQPUri = text
            .parse()
            .map_err(|_: String| invalid("not an AMQP URI".into()))?;
        // amq-protocol-uri reads the host with `Url::domain`, which is empty for an IP
        // address and then defaults to "localhost"; keep the host as written.
        uri.authority.host = host;
        Ok(AmqpUrl { uri, redacted })
    }

    /// The URL with its password masked: the only form fit for logs and errors.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    pub fn is_tls(&self) -> bool {
        self.uri.scheme == lapin::uri::AMQPScheme::AMQPS
    }

    /// The user name (not a secret; the broker lists it with every connection).
    pub fn username(&self) -> &str {
        &self.uri.authority.userinfo.username
    }

    /// The virtual host, decoded (`%2f` is `/`).
    pub fn vhost(&self) -> &str {
        &self.uri.vhost
    }

    /// The same broker and credentials with another virtual host (tests give each
    /// test its own vhost).
    pub fn with_vhost(&self, vhost: &str) -> Self {
        let mut uri = self.uri.clone();
        uri.vhost = vhost.to_owned();
        let mut redacted = self.redacted.clone();
        if let Ok(mut url) = url::Url::parse(&self.redacted) {
            url.set_path(&format!("/{}", encode_vhost(vhost)));
            redacted = url.to_string();
        }
        AmqpUrl { uri, redacted }
    }
}

/// Percent-encodes a vhost for a URL path (`/` becomes `%2F`).
fn encode_vhost(vhost: &str) -> String {
    let mut out = String::with_capacity(vhost.len());
    for byte in vhost.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl fmt::Display for AmqpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Debug for AmqpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AmqpUrl").field(&self.redacted).finish()
    }
}

/// How facteur connects: one settings struct instead of long argument lists.
#[derive(Clone, Debug)]
pub struct ConnectionConfig {
    pub url: AmqpUrl,
    /// Shown in the broker's connection list; lets operators (and tests) find and
    /// close facteur's connections.
    pub connection_name: String,
    /// Negotiated heartbeat: a dead TCP peer is noticed within about twice this.
    /// A `heartbeat=` in the URL wins.
    pub heartbeat: Duration,
    /// Bound on TCP connect + TLS + AMQP handshake, so a black-holed broker cannot
    /// stall the supervisor.
    pub connect_timeout: Duration,
}

impl ConnectionConfig {
    pub fn new(url: AmqpUrl, connection_name: impl Into<String>) -> Self {
        ConnectionConfig {
            url,
            connection_name: connection_name.into(),
            heartbeat: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Opens one connection. lapin's automatic recovery stays off: the relay's supervisor
/// owns reconnection, because delivery must not depend on it (see `relay`).
pub async fn connect(config: &ConnectionConfig) -> Result<Connection, RoutingError> {
    let mut uri = config.url.uri.clone();
    if uri.query.heartbeat.is_none() {
        uri.query.heartbeat = Some(u16::try_from(config.heartbeat.as_secs()).unwrap_or(u16::MAX));
    }
    let timeout_ms = u64::try_from(config.connect_timeout.as_millis()).unwrap_or(u64::MAX);
    uri.query.connection_timeout.get_or_insert(timeout_ms);
    let properties =
        ConnectionProperties::default().with_connection_name(config.connection_name.clone().into());
    let url = config.url.redacted().to_owned();
    let connecting = Connection::connect_uri(uri, properties);
    match tokio::time::timeout(config.connect_timeout, connecting).await {
        Ok(Ok(connection)) => {
            tracing::debug!(url = %url, name = %config.connection_name, "connected to broker");
            Ok(connection)
        }
        Ok(Err(source)) => Err(RoutingError::Connect { url, source }),
        Err(_elapsed) => Err(RoutingError::Connect {
            url,
            source: lapin::Error::from(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "connection handshake timed out",
            )),
        }),
    }
}

/// How long a closing connection waits for the broker's close-ok.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Closes `connection`, waiting at most [`CLOSE_TIMEOUT`]: lapin can wait forever for
/// the close-ok of a connection the broker has already dropped, and a shutdown must
/// not hang on it. Failures are logged at debug level: the connection is gone either
/// way.
pub async fn close_bounded(connection: &Connection, reason: &str) {
    match tokio::time::timeout(CLOSE_TIMEOUT, connection.close(200, reason.into())).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::debug!(%error, reason, "closing a broker connection failed"),
        Err(_) => tracing::debug!(reason, "no close-ok from the broker; connection dropped"),
    }
}

/// Opens and closes a connection: the broker is reachable and accepts facteur's
/// credentials. The readiness probe of an instance whose relay has not plugged in its
/// own connection state.
pub async fn check_reachable(config: &ConnectionConfig) -> Result<(), RoutingError> {
    let connection = connect(config).await?;
    // The answer is already known; a failing close changes nothing about it.
    close_bounded(&connection, "readiness probe").await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_appears() {
        let url = AmqpUrl::parse("amqp://guest:s3cr%40t@127.0.0.1:5672/%2f").unwrap();
        assert_eq!(url.to_string(), "amqp://guest:****@127.0.0.1:5672/%2f");
        assert_eq!(
            format!("{url:?}"),
            "AmqpUrl(\"amqp://guest:****@127.0.0.1:5672/%2f\")"
        );
        assert_eq!(url.vhost(), "/");
        assert!(!url.is_tls());
        // The password is still there for the connection itself, decoded.
        assert_eq!(url.uri.authority.userinfo.password, "s3cr@t");
        assert_eq!(url.uri.authority.host, "127.0.0.1");
    }

    #[test]
    fn tls_urls_and_urls_without_credentials() {
        let url = AmqpUrl::parse("amqps://broker.example:5671/facteur?heartbeat=10").unwrap();
        assert!(url.is_tls());
        assert_eq!(
            url.to_string(),
            "amqps://broker.example:5671/facteur?heartbeat=10"
        );
        assert_eq!(url.uri.query.heartbeat, Some(10));
    }

    #[test]
    fn errors_do_not_quote_the_password() {
        for bad in [
            "http://guest:hunter2@host/",
            "amqp://guest:hunter2@host/?heartbeat=abc",
            "guest:hunter2",
        ] {
            let message = AmqpUrl::parse(bad).unwrap_err().to_string();
            assert!(!message.contains("hunter2"), "{message}");
        }
    }

    #[test]
    fn another_vhost_keeps_the_password_hidden() {
        let url = AmqpUrl::parse("amqp://guest:guest@127.0.0.1:5672/%2f").unwrap();
        let test = url.with_vhost("facteur-it/one");
        assert_eq!(test.vhost(), "facteur-it/one");
        assert_eq!(
            test.to_string(),
            "amqp://guest:****@127.0.0.1:5672/facteur-it%2Fone"
        );
    }
}
