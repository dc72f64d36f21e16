//! The HTTP client of a hub's batch API (`POST /v1/batches`, `GET /v1/batches/{id}`),
//! used by `facteur send`. With [`crate::taxfeed`], the only module that knows reqwest;
//! it turns the server's answers into typed errors a sender can act on (unreachable,
//! bad credential, archive refused with the server's reason).

use std::time::Duration;

use serde::Deserialize;

/// Why a call to the hub failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("invalid hub url {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot reach the hub at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the hub refused the token (401): {0}")]
    Unauthorized(String),
    #[error("the hub refused the archive ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("no batch {0} on the hub (was it uploaded with another token?)")]
    UnknownBatch(String),
    #[error("the hub answered {status} to {what}: {message}")]
    Http {
        what: &'static str,
        status: u16,
        message: String,
    },
    #[error("the hub's answer to {what} is not what facteur expects: {reason}")]
    Protocol { what: &'static str, reason: String },
}

/// `POST /v1/batches` answered 202.
#[derive(Debug, Clone, Deserialize)]
pub struct Uploaded {
    pub batch_id: String,
    pub documents: usize,
}

/// One document's result, as `GET /v1/batches/{id}` pages them.
#[derive(Debug, Clone, Deserialize)]
pub struct DocumentResult {
    /// Position of the entry in the uploaded zip, from 0.
    pub position: usize,
    pub name: String,
    pub outcome: String,
    #[serde(default)]
    pub invoice_id: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub error: Option<String>,
}

/// One page of a batch's progress.
#[derive(Debug, Clone, Deserialize)]
pub struct BatchPage {
    pub state: String,
    pub documents: usize,
    pub processed: usize,
    pub next_offset: Option<usize>,
    pub results: Vec<DocumentResult>,
}

impl BatchPage {
    pub fn finished(&self) -> bool {
        self.state == "finished"
    }
}

/// A hub at `base` (e.g. `http://127.0.0.1:8080`), called with a platform's token.
pub struct HubClient {
    http: reqwest::Client,
    base: url::Url,
    token: String,
}

impl HubClient {
    pub fn new(base: &str, token: String) -> Result<HubClient, ClientError> {
        let bad = |reason: String| ClientError::BadUrl {
            url: base.to_string(),
            reason,
        };
        let base = url::Url::parse(base).map_err(|e| bad(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https".into()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(HubClient { http, base, token })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }

    fn unreachable(&self, err: &reqwest::Error) -> ClientError {
        // reqwest's Display stops at "error sending request"; the cause says why.
        let mut reason = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            reason.push_str(": ");
            reason.push_str(&cause.to_string());
            source = cause.source();
        }
        ClientError::Unreachable {
            url: self.base.to_string(),
            reason,
        }
    }

    /// Uploads one zip; 202 gives the batch id.
    pub async fn upload(&self, zip: Vec<u8>) -> Result<Uploaded, ClientError> {
        let response = self
            .http
            .post(self.url("/v1/batches"))
            .bearer_auth(&self.token)
            .header("content-type", "application/zip")
            .body(zip)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|e| self.unreachable(&e))?;
        match status {
            202 => parse(&body, "the upload"),
            401 => Err(ClientError::Unauthorized(message(&body))),
            413 | 422 => Err(ClientError::Refused {
                status,
                message: message(&body),
            }),
            _ => Err(ClientError::Http {
                what: "the upload",
                status,
                message: message(&body),
            }),
        }
    }

    /// One page of a batch's results.
    pub async fn page(
        &self,
        batch_id: &str,
        offset: usize,
        limit: usize,
    ) -> Result<BatchPage, ClientError> {
        let url = self.url(&format!(
            "/v1/batches/{batch_id}?offset={offset}&limit={limit}"
        ));
        let response = self
            .http
            .get(url)
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|e| self.unreachable(&e))?;
        match status {
            200 => parse(&body, "a batch status request"),
            401 => Err(ClientError::Unauthorized(message(&body))),
            404 => Err(ClientError::UnknownBatch(batch_id.to_string())),
            _ => Err(ClientError::Http {
                what: "a batch status request",
                status,
                message: message(&body),
            }),
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &str, what: &'static str) -> Result<T, ClientError> {
    serde_json::from_str(body).map_err(|e| ClientError::Protocol {
        what,
        reason: e.to_string(),
    })
}

/// The `detail` of the hub's problem+json error body, or the body itself.
fn message(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["detail"].as_str().map(str::to_owned))
        .unwrap_or_else(|| body.trim().chars().take(500).collect())
}
