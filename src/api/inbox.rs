//! Embedded delivery, when facteur runs without a broker: a platform takes its
//! pending deliveries (invoices and statuses) by long poll and acknowledges each one.
//! A delivery not acknowledged within the visibility timeout is delivered again
//! (at-least-once, like the broker: platforms deduplicate by `message_id`). The
//! outbox feeds it, as it feeds the AMQP relay.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use serde_json::json;

use super::{ApiError, AppState, PlatformCaller, json};
use crate::accounts::policy::{PlatformAction, authorize_platform};
use crate::identifiers::Matricule;
use crate::storage::Ack;

/// Longest long poll: below the API's 30 s request timeout.
pub const MAX_WAIT: Duration = Duration::from_secs(20);
/// Most deliveries per answer.
const MAX_LIMIT: usize = 500;
/// How often a waiting poll looks at the outbox again.
const POLL: Duration = Duration::from_millis(200);

fn inbox_of(state: &AppState, caller: Matricule, segment: &str) -> Result<Matricule, ApiError> {
    let inbox = Matricule::parse(segment)
        .map_err(|e| ApiError::bad_request(format!("matricule {segment:?}: {e}")))?;
    authorize_platform(caller, PlatformAction::UseInbox { inbox })
        .map_err(|denied| ApiError::new(StatusCode::FORBIDDEN, denied.to_string()))?;
    if state.broker_delivery {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "this hub delivers through AMQP: read the queue facteur.platform.{inbox}, not the embedded inbox"
            ),
        ));
    }
    Ok(inbox)
}

fn number<T: std::str::FromStr>(
    params: &HashMap<String, String>,
    name: &str,
) -> Result<Option<T>, ApiError> {
    params
        .get(name)
        .map(|v| {
            v.parse()
                .map_err(|_| ApiError::bad_request(format!("{name} must be a whole number")))
        })
        .transpose()
}

/// `GET /v1/platforms/{matricule}/inbox?wait=SECONDS&limit=N`.
pub async fn poll(
    State(state): State<AppState>,
    PlatformCaller(caller): PlatformCaller,
    Path(matricule): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let inbox = inbox_of(&state, caller, &matricule)?;
    let wait = Duration::from_secs(number::<u64>(&params, "wait")?.unwrap_or(0)).min(MAX_WAIT);
    let limit = number::<usize>(&params, "limit")?
        .unwrap_or(100)
        .clamp(1, MAX_LIMIT);
    let started = Instant::now();
    let items = loop {
        let items = state
            .hub
            .db()
            .claim_inbox(inbox, limit, state.inbox_visibility)
            .await?;
        if !items.is_empty() || started.elapsed() >= wait {
            break items;
        }
        tokio::time::sleep(POLL.min(wait.saturating_sub(started.elapsed()))).await;
    };
    let deliveries: Vec<serde_json::Value> = items
        .iter()
        .map(|item| {
            let message = &item.message;
            let headers: serde_json::Map<String, serde_json::Value> = message
                .headers()
                .map(|(n, v)| (n.to_string(), json!(v)))
                .collect();
            json!({
                "delivery_id": item.id,
                "kind": message.kind().as_str(),
                "message_id": message.id(),
                "content_type": message.content_type(),
                "headers": headers,
                "body_base64": base64::engine::general_purpose::STANDARD.encode(message.body()),
            })
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        json!({
            "deliveries": deliveries,
            "visibility_timeout_seconds": state.inbox_visibility.as_secs_f64(),
        }),
    ))
}

/// `POST /v1/platforms/{matricule}/inbox/{delivery_id}/ack`.
pub async fn ack(
    State(state): State<AppState>,
    PlatformCaller(caller): PlatformCaller,
    Path((matricule, delivery)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let inbox = inbox_of(&state, caller, &matricule)?;
    let id: i64 = delivery
        .parse()
        .map_err(|_| ApiError::bad_request("delivery_id must be an integer"))?;
    match state.hub.db().ack_inbox(inbox, id).await? {
        Ack::Acknowledged => {
            state.hub.metrics().routed.inc();
            Ok(StatusCode::NO_CONTENT)
        }
        Ack::AlreadyAcknowledged => Ok(StatusCode::NO_CONTENT),
        Ack::Unknown => Err(ApiError::not_found(format!(
            "no delivery {id} in this inbox"
        ))),
    }
}
