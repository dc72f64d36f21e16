//! The HTTP API: the only module that knows HTTP. It follows the PPF directory API
//! (`ppf-openapi-annuaire-api-public` 1.11.0): its paths (`/siren/code-insee:{siren}`,
//! `/ligne-annuaire/recherche`, …), field names, search filters, sorting, paging and
//! error shape, so that a client written for the PPF works against facteur. facteur's
//! own OpenAPI document is served at `/openapi.json`.
//!
//! Authentication: `Authorization: Bearer <credential>` of a registered, active
//! platform (`facteur platform credential MATRICULE`); writes are then decided by the
//! directory's rules for that platform.

mod batches;
mod error;
mod lines;
mod ops;
mod registry;
mod routing_codes;
mod search;
pub mod server;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Router, body::Bytes};
use sha2::{Digest, Sha256};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

pub use batches::{Batches, UPLOAD_LIMIT};
pub use error::ApiError;

use crate::directory::Directory;
use crate::directory::model::Actor;
use crate::metrics::ServiceMetrics;
use crate::readiness::{DatabaseProbe, Readiness};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub directory: Arc<Directory>,
    pub service: ServiceState,
    /// `None` when this instance does not take batches (no hub wired in).
    pub batches: Option<Batches>,
}

/// The running service's own state: its metrics and its readiness probes.
#[derive(Clone)]
pub struct ServiceState {
    pub metrics: ServiceMetrics,
    pub readiness: Readiness,
}

impl AppState {
    /// The directory's database is the first readiness probe; add others (the broker)
    /// with [`AppState::with_service`].
    pub fn new(directory: Arc<Directory>) -> AppState {
        let readiness = Readiness::new().with(Arc::new(DatabaseProbe(directory.db().clone())));
        AppState {
            directory,
            service: ServiceState {
                metrics: ServiceMetrics::new(),
                readiness,
            },
            batches: None,
        }
    }

    pub fn with_batches(mut self, batches: Batches) -> AppState {
        self.batches = Some(batches);
        self
    }

    pub fn with_service(mut self, service: ServiceState) -> AppState {
        self.service = service;
        self
    }
}

/// The router used by `facteur serve` and by the tests.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthcheck", get(healthcheck))
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(openapi))
        .route("/siren/recherche", post(registry::search_units))
        .route("/siren/{key}", get(registry::get_unit))
        .route("/siret/recherche", post(registry::search_establishments))
        .route("/siret/{key}", get(registry::get_establishment))
        .route("/code-routage", post(routing_codes::create))
        .route("/code-routage/recherche", post(routing_codes::search))
        .route(
            "/code-routage/{key}",
            get(routing_codes::get_by_id)
                .put(routing_codes::put)
                .patch(routing_codes::patch),
        )
        .route(
            "/code-routage/{siret}/{code}",
            get(routing_codes::get_by_code),
        )
        .route("/ligne-annuaire", post(lines::create))
        .route("/ligne-annuaire/recherche", post(lines::search))
        .route(
            "/ligne-annuaire/{key}",
            get(lines::get)
                .put(lines::put)
                .patch(lines::patch)
                .delete(lines::delete),
        )
        .fallback(|| async { ApiError::not_found("no such path") })
        .layer(RequestBodyLimitLayer::new(1 << 20))
        // Uploads are larger than the 1 MB every other route accepts: merged after
        // that limit, with their own (axum's extractor default must be raised too).
        .merge(
            Router::new()
                .route("/v1/batches", post(batches::upload))
                .route("/v1/batches/{id}", get(batches::status))
                .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT))
                .layer(RequestBodyLimitLayer::new(UPLOAD_LIMIT)),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::new())
        // Outermost, so that it logs and counts what the client finally receives
        // (a timeout's 408, a panic's 500).
        .layer(axum::middleware::from_fn_with_state(
            state.service.metrics.clone(),
            ops::request_log,
        ))
        .with_state(state)
}

async fn healthcheck() -> StatusCode {
    StatusCode::OK
}

/// facteur's OpenAPI document: the PPF document restricted to what facteur serves.
pub const OPENAPI: &str = include_str!("openapi.json");

async fn openapi() -> Response {
    let mut response = OPENAPI.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// SHA-256 of a credential, hex: only the hash is stored.
pub fn credential_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The authenticated platform.
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "a platform credential is required (Authorization: Bearer …)",
                )
            })?;
        let platform = state
            .directory
            .db()
            .platform_for_credential(&credential_hash(token))
            .await?
            .ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "unknown credential"))?;
        if !platform.is_active_on(state.directory.today()) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!("platform {} is no longer registered", platform.matricule),
            ));
        }
        Ok(Caller(Actor::Platform(platform.matricule)))
    }
}

/// Parses a JSON body, refusing it with 400 and serde's reason.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))
}

/// Splits a `{prefix}:{value}` path segment (`code-insee:…`, `id-instance:…`).
pub(crate) fn keyed<'a>(segment: &'a str, prefix: &str) -> Option<&'a str> {
    segment.strip_prefix(prefix)?.strip_prefix(':')
}

pub(crate) fn id_instance(segment: &str) -> Result<i64, ApiError> {
    keyed(segment, "id-instance")
        .ok_or_else(|| ApiError::not_found("no such path"))?
        .parse()
        .map_err(|_| ApiError::bad_request("id-instance must be an integer"))
}

/// A JSON response with the PPF's `Content-Language`.
pub(crate) fn json(status: StatusCode, value: serde_json::Value) -> Response {
    let mut response = (status, axum::Json(value)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("fr"));
    response
}
