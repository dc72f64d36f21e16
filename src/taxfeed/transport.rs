//! Pushing a flow to the tax administration's endpoint over HTTPS (reqwest, rustls
//! with the aws-lc-rs provider): the only place facteur speaks HTTP as a client.
//!
//! One attempt is one `POST` of the flow's archive to `FACTEUR_TAX_URL` with
//! - `Content-Type: application/gzip` and `Content-Disposition: attachment;
//!   filename="<flow name>.tar.gz"` (the name the PPF checks, §3.4.5);
//! - `Idempotency-Key: <flow id>`: every attempt of a flow carries the same key and the
//!   same bytes, so a retry after a lost answer is recognised and acknowledged again,
//!   never counted twice.
//!
//! The answer is either the acknowledgement (200, [`super::ack`]) or a failure that
//! says whether and when to try again ([`PushError::retry_after`]). The schedule of
//! retries is [`RetryPolicy`]: exponential backoff with jitter, overridden by the
//! server's `Retry-After` (delta-seconds or HTTP-date).

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderMap, RETRY_AFTER};

use super::ack::{self, Acknowledgement};

/// The header that carries the flow id on every attempt.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// Transport settings.
#[derive(Clone, Debug)]
pub struct TransportConfig {
    /// Where flows are posted (`FACTEUR_TAX_URL`).
    pub url: reqwest::Url,
    /// Time to establish the connection.
    pub connect_timeout: Duration,
    /// Time for one whole attempt (upload and answer); a flow is at most 1 GB, so a
    /// deployment sending large flows raises it.
    pub request_timeout: Duration,
}

impl TransportConfig {
    pub fn new(url: reqwest::Url) -> TransportConfig {
        TransportConfig {
            url,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
        }
    }
}

/// Why an attempt failed; every failure is retried (nothing is dropped), the variant
/// says when.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("cannot reach {url}: {message}")]
    Network { url: String, message: String },
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("throttled (429){}", retry_note(*.retry_after))]
    Throttled { retry_after: Option<Duration> },
    #[error("server error {status}{}: {body}", retry_note(*.retry_after))]
    Server {
        status: u16,
        retry_after: Option<Duration>,
        body: String,
    },
    #[error("flow refused with {status}: {body}")]
    Refused { status: u16, body: String },
    #[error("{0}")]
    Acknowledgement(#[from] ack::AckError),
}

fn retry_note(retry_after: Option<Duration>) -> String {
    retry_after.map_or(String::new(), |d| {
        format!(", retry after {} s", d.as_secs())
    })
}

impl PushError {
    /// The delay the server asked for, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            PushError::Throttled { retry_after } | PushError::Server { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }
}

/// The client side of the tax administration's endpoint.
#[derive(Clone, Debug)]
pub struct Transport {
    client: reqwest::Client,
    config: TransportConfig,
}

/// A successful attempt: the acknowledgement and the document as received.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub ack: Acknowledgement,
    pub document: String,
}

impl Transport {
    pub fn new(config: TransportConfig) -> Result<Transport, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .build()?;
        Ok(Transport { client, config })
    }

    pub fn url(&self) -> &reqwest::Url {
        &self.config.url
    }

    /// One attempt to deliver a flow.
    pub async fn push(
        &self,
        flow_id: &str,
        file_name: &str,
        archive: Vec<u8>,
    ) -> Result<Delivered, PushError> {
        let response = self
            .client
            .post(self.config.url.clone())
            .header(CONTENT_TYPE, "application/gzip")
            .header(
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            )
            .header(IDEMPOTENCY_KEY, flow_id)
            .body(archive)
            .send()
            .await
            .map_err(|e| self.network(e))?;
        let status = response.status();
        let retry_after = retry_after(response.headers(), SystemTime::now());
        let body = response.bytes().await.map_err(|e| self.network(e))?;
        let text = || String::from_utf8_lossy(&body[..body.len().min(2000)]).into_owned();
        match status {
            StatusCode::OK => {
                let ack = ack::parse(&body)?;
                Ok(Delivered {
                    ack,
                    document: String::from_utf8_lossy(&body).into_owned(),
                })
            }
            StatusCode::TOO_MANY_REQUESTS => Err(PushError::Throttled { retry_after }),
            s if s.is_server_error() || s == StatusCode::REQUEST_TIMEOUT => {
                Err(PushError::Server {
                    status: s.as_u16(),
                    retry_after,
                    body: text(),
                })
            }
            s => Err(PushError::Refused {
                status: s.as_u16(),
                body: text(),
            }),
        }
    }

    fn network(&self, e: reqwest::Error) -> PushError {
        if e.is_timeout() {
            return PushError::Timeout(self.config.request_timeout);
        }
        // The chain says what really happened (refused, reset, closed mid-body).
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        PushError::Network {
            url: self.config.url.to_string(),
            message,
        }
    }
}

/// `Retry-After` as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), from `now`; a
/// date in the past means now.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// When to try again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failure; doubled after each further one.
    pub base: Duration,
    /// Cap of the backoff.
    pub max: Duration,
    /// Cap of a server's `Retry-After` (a wrong header must not park a flow for days).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(2),
            max: Duration::from_secs(600),
            max_retry_after: Duration::from_secs(3600),
        }
    }
}

impl RetryPolicy {
    /// The delay before the next attempt after `attempts` failed ones. The server's
    /// `retry_after` wins when given; otherwise exponential backoff with "equal
    /// jitter" (half fixed, half random; `jitter` in [0, 1)), so many flows failing
    /// together do not come back together.
    pub fn delay(&self, attempts: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        if let Some(asked) = retry_after {
            return asked.min(self.max_retry_after);
        }
        let exponent = attempts.saturating_sub(1).min(30);
        let backoff = self
            .base
            .saturating_mul(1u32 << exponent)
            .min(self.max)
            .as_secs_f64();
        Duration::from_secs_f64(backoff / 2.0 + backoff / 2.0 * jitter.clamp(0.0, 1.0))
    }
}

/// A uniform value in [0, 1) from the operating system's generator (no seeded state to
/// share between instances, so they spread apart).
pub fn jitter() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").expect("date");
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:50:07 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:00:00 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_yields_to_retry_after() {
        let p = RetryPolicy {
            base: Duration::from_secs(2),
            max: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(100),
        };
        assert_eq!(p.delay(1, None, 0.0), Duration::from_secs(1));
        assert_eq!(p.delay(1, None, 1.0), Duration::from_secs(2));
        assert_eq!(p.delay(3, None, 0.0), Duration::from_secs(4));
        assert_eq!(p.delay(3, None, 0.5), Duration::from_secs(6));
        assert_eq!(p.delay(40, None, 1.0), Duration::from_secs(60));
        assert_eq!(
            p.delay(5, Some(Duration::from_secs(3)), 0.9),
            Duration::from_secs(3)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(86_400)), 0.0),
            Duration::from_secs(100)
        );
        let j: Vec<f64> = (0..100).map(|_| jitter()).collect();
        assert!(j.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(j.iter().any(|x| *x != j[0]), "jitter varies");
    }
}
