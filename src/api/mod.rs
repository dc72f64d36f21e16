//! The HTTP API: the only module that knows HTTP. It follows the PPF directory API
//! (`ppf-openapi-annuaire-api-public` 1.11.0): its paths (`/siren/code-insee:{siren}`,
//! `/ligne-annuaire/recherche`, …), field names, search filters, sorting, paging and
//! error shape, so that a client written for the PPF works against facteur. facteur's
//! own OpenAPI document is served at `/openapi.json`.
//!
//! Authentication: `Authorization: Bearer <credential>` of a registered, active
//! platform (`facteur platform credential MATRICULE`); writes are then decided by the
//! directory's rules for that platform.
//!
//! The hub's own endpoints live under `/v1/`: invoices (`invoices.rs`), the embedded
//! delivery inbox (`inbox.rs`) and the accounts API ([`accounts`]: users' session
//! tokens and technical-account tokens, every authorisation through `accounts::policy`).

pub mod accounts;
mod batches;
mod ereporting;
mod error;
mod inbox;
mod invoices;
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

use crate::accounts::service::{Accounts, NoMailer};
use crate::accounts::time::SystemClock;
use crate::directory::Directory;
use crate::directory::model::Actor;
use crate::hub::Hub;
use crate::identifiers::Matricule;
use crate::metrics::ServiceMetrics;
use crate::readiness::{DatabaseProbe, Readiness};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub directory: Arc<Directory>,
    pub hub: Arc<Hub>,
    /// Deliveries go through AMQP (the embedded inbox then answers 409).
    pub broker_delivery: bool,
    /// How long an inbox delivery stays invisible before it is delivered again.
    pub inbox_visibility: Duration,
    pub accounts: Accounts,
    pub service: ServiceState,
    /// `None` when this instance takes no batches (no worker running).
    pub batches: Option<Batches>,
}

/// The running service's own state: its metrics and its readiness probes.
#[derive(Clone)]
pub struct ServiceState {
    pub metrics: ServiceMetrics,
    pub readiness: Readiness,
}

/// Default inbox visibility timeout.
pub const INBOX_VISIBILITY: Duration = Duration::from_secs(60);

impl AppState {
    /// The state of a hub over the directory's database, delivering through the
    /// embedded inbox; accounts use the same database, the system clock and no mail
    /// transport.
    pub fn new(directory: Arc<Directory>) -> AppState {
        let hub = Arc::new(Hub::new(directory.db().clone(), directory.clone()));
        AppState::with_hub(hub)
    }

    /// The hub's database is the first readiness probe; add others (the broker) with
    /// [`AppState::with_service`].
    pub fn with_hub(hub: Arc<Hub>) -> AppState {
        let accounts = Accounts::new(
            hub.directory().db().clone(),
            Arc::new(SystemClock),
            Arc::new(NoMailer),
        );
        let readiness = Readiness::new().with(Arc::new(DatabaseProbe(hub.db().clone())));
        AppState {
            directory: hub.directory().clone(),
            hub,
            broker_delivery: false,
            inbox_visibility: INBOX_VISIBILITY,
            accounts,
            service: ServiceState {
                metrics: ServiceMetrics::new(),
                readiness,
            },
            batches: None,
        }
    }

    /// Replaces the accounts service (another clock or mail transport).
    pub fn with_accounts(self, accounts: Accounts) -> AppState {
        AppState { accounts, ..self }
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

/// Largest document `POST /v1/invoices` accepts: a Factur-X PDF with attachments.
pub const MAX_DOCUMENT: usize = 32 << 20;

/// The router used by `facteur serve` and by the tests.
pub fn app(state: AppState) -> Router {
    let hub = Router::new()
        .route("/v1/invoices", post(invoices::submit))
        .route("/v1/invoices/{id}", get(invoices::get))
        .route("/v1/invoices/{id}/document", get(invoices::document))
        .route("/v1/invoices/{id}/statuses", post(invoices::post_status))
        .route(
            "/v1/ereporting/transactions",
            post(ereporting::transactions),
        )
        .route("/v1/ereporting/payments", post(ereporting::payments))
        .route("/v1/ereporting/reports", post(ereporting::report))
        .route("/v1/ereporting/invoices", post(ereporting::invoice))
        .route("/v1/platforms/{matricule}/inbox", get(inbox::poll))
        .route(
            "/v1/platforms/{matricule}/inbox/{delivery}/ack",
            post(inbox::ack),
        )
        .layer(RequestBodyLimitLayer::new(MAX_DOCUMENT));
    let directory = Router::new()
        .route("/healthcheck", get(healthcheck))
        .merge(crate::portal::routes())
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
        .merge(accounts::routes())
        .layer(RequestBodyLimitLayer::new(1 << 20));
    // Batch uploads are larger than any single document: their own limit (axum's
    // extractor default must be raised too).
    let uploads = Router::new()
        .route("/v1/batches", post(batches::upload))
        .route("/v1/batches/{id}", get(batches::status))
        .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT))
        .layer(RequestBodyLimitLayer::new(UPLOAD_LIMIT));
    Router::new()
        .merge(directory)
        .merge(hub)
        .merge(uploads)
        .fallback(not_found)
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

/// An unknown path: the portal's French page under `/portail/`, else the API's
/// problem+json.
async fn not_found(uri: axum::http::Uri) -> Response {
    if crate::portal::owns(uri.path()) {
        crate::portal::not_found().await
    } else {
        ApiError::not_found("no such path").into_response()
    }
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

/// The authenticated platform's matricule, for the hub's endpoints.
pub struct PlatformCaller(pub Matricule);

impl FromRequestParts<AppState> for PlatformCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<PlatformCaller, ApiError> {
        match Caller::from_request_parts(parts, state).await?.0 {
            Actor::Platform(matricule) => Ok(PlatformCaller(matricule)),
            Actor::Admin => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "only a platform may use the hub's endpoints",
            )),
        }
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
