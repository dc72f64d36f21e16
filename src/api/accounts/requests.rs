//! Access requests: create, list one's own, the pending approvals of a manager,
//! open one, approve, refuse (reason mandatory).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{Authed, paging, path_id};
use crate::accounts::workflow::Decision;
use crate::api::{ApiError, AppState, json, json_body};

fn value<T: serde::Serialize>(v: T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewRequest {
    /// The structure, by SIREN.
    siren: String,
    /// One of its services, by routing code; absent for the whole structure.
    routing_code: Option<String>,
    /// Extra rights; absent or empty to ask to be attached.
    #[serde(default)]
    rights: Vec<String>,
    comment: String,
}

pub(super) async fn create(
    State(state): State<AppState>,
    Authed(caller): Authed,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: NewRequest = json_body(&body)?;
    let created = state
        .accounts
        .create_request(
            &caller,
            &body.siren,
            body.routing_code.as_deref(),
            &body.rights,
            &body.comment,
        )
        .await?;
    Ok(json(StatusCode::CREATED, value(created)))
}

pub(super) async fn mine(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> Result<Response, ApiError> {
    let items = state.accounts.my_requests(&caller).await?;
    Ok(json(StatusCode::OK, json!({"items": value(items)})))
}

pub(super) async fn pending(
    State(state): State<AppState>,
    Authed(caller): Authed,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (page, per_page) = paging(query.as_deref())?;
    let (total, items) = state.accounts.pending(&caller, page, per_page).await?;
    Ok(json(
        StatusCode::OK,
        json!({"total": total, "page": page, "per_page": per_page, "items": value(items)}),
    ))
}

pub(super) async fn get(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "request")?;
    Ok(json(
        StatusCode::OK,
        value(state.accounts.request(&caller, id).await?),
    ))
}

pub(super) async fn approve(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "request")?;
    let decided = state
        .accounts
        .decide(&caller, id, Decision::Approve)
        .await?;
    Ok(json(StatusCode::OK, value(decided)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Refusal {
    #[serde(default)]
    reason: String,
}

pub(super) async fn refuse(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "request")?;
    let body: Refusal = if body.is_empty() {
        Refusal {
            reason: String::new(),
        }
    } else {
        json_body(&body)?
    };
    let decided = state
        .accounts
        .decide(
            &caller,
            id,
            Decision::Refuse {
                reason: body.reason,
            },
        )
        .await?;
    Ok(json(StatusCode::OK, value(decided)))
}
