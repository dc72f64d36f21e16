//! Operations endpoints and the request log: `GET /health` (the process answers),
//! `GET /ready` (its dependencies answer: see [`crate::readiness`]), `GET /metrics`
//! (Prometheus text, see [`crate::metrics`]). They take no credential, like every
//! orchestrator probe; bind `FACTEUR_LISTEN` to a private address if that matters.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::metrics::ServiceMetrics;

/// Liveness: answering at all is the answer.
pub async fn health() -> Response {
    super::json(StatusCode::OK, serde_json::json!({ "status": "ok" }))
}

/// Readiness: 200 when every probe passes, 503 with the failing ones otherwise.
pub async fn ready(State(state): State<AppState>) -> Response {
    let checks = state.service.readiness.check().await;
    let ready = checks.iter().all(|c| c.ok);
    if !ready {
        for check in checks.iter().filter(|c| !c.ok) {
            tracing::warn!(probe = check.name, error = ?check.error, "not ready");
        }
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "not ready" },
        "checks": checks,
    });
    super::json(status, body)
}

/// The metrics in Prometheus text format. The outbox backlog is counted at each
/// scrape (all instances' backlog: the outbox is shared); when the database does not
/// answer within a second the last value is kept, so a scrape never hangs on it.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let backlog = tokio::time::timeout(BACKLOG_TIMEOUT, state.hub.db().outbox_backlog()).await;
    if let Ok(Ok(rows)) = backlog {
        state.service.metrics.outbox_backlog.set(rows);
    }
    let mut text = state.service.metrics.registry.render();
    // The tax feed's backlog (objects and flows not yet acknowledged), read from the
    // database like the outbox's; left out of this scrape when the database is slow.
    let taxfeed = tokio::time::timeout(BACKLOG_TIMEOUT, state.hub.db().taxfeed_backlog()).await;
    if let Ok(Ok(backlog)) = taxfeed {
        text.push_str(&crate::taxfeed::metrics::render(
            &backlog,
            crate::taxfeed::service::now(),
        ));
    }
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

const BACKLOG_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// The request log and HTTP metrics: one event per request with method, path (no query
/// string: it may carry tokens), status and latency. Headers are never recorded, so
/// credentials cannot leak through this layer.
pub async fn request_log(
    State(metrics): State<ServiceMetrics>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status();
    metrics.http_requests.with(status_class(status)).inc();
    metrics.http_latency.observe(elapsed);
    tracing::info!(
        target: "facteur::http",
        method = %method,
        path = %path,
        status = status.as_u16(),
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}
