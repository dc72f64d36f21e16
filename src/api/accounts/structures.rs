//! Structures and services (read; support registers structures, the principal
//! manager adds services), the principal-manager hand-over and assignment, and the
//! structure's audit trail.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{Authed, paging, path_id};
use crate::api::{ApiError, AppState, json, json_body};

fn value<T: serde::Serialize>(v: T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

pub(super) async fn list(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> Result<Response, ApiError> {
    let items = state.accounts.structures(&caller).await?;
    Ok(json(StatusCode::OK, json!({"items": value(items)})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewStructure {
    siren: String,
    siret: Option<String>,
    name: String,
    principal_manager: String,
}

pub(super) async fn create(
    State(state): State<AppState>,
    Authed(caller): Authed,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: NewStructure = json_body(&body)?;
    let created = state
        .accounts
        .create_structure(
            &caller,
            &body.siren,
            body.siret.as_deref(),
            &body.name,
            &body.principal_manager,
        )
        .await?;
    Ok(json(StatusCode::CREATED, value(created)))
}

pub(super) async fn get(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "structure")?;
    Ok(json(
        StatusCode::OK,
        value(state.accounts.structure(&caller, id).await?),
    ))
}

pub(super) async fn services(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "structure")?;
    let items = state.accounts.services(&caller, id).await?;
    Ok(json(StatusCode::OK, json!({"items": value(items)})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewService {
    name: String,
    routing_code: Option<String>,
}

pub(super) async fn create_service(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "structure")?;
    let body: NewService = json_body(&body)?;
    let created = state
        .accounts
        .create_service(&caller, id, &body.name, body.routing_code.as_deref())
        .await?;
    Ok(json(StatusCode::CREATED, value(created)))
}

pub(super) async fn service(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path((structure, service)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let structure = path_id(&structure, "structure")?;
    let service = path_id(&service, "service")?;
    Ok(json(
        StatusCode::OK,
        value(state.accounts.service(&caller, structure, service).await?),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Transfer {
    email: String,
}

pub(super) async fn transfer(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "structure")?;
    let body: Transfer = json_body(&body)?;
    Ok(json(
        StatusCode::OK,
        value(
            state
                .accounts
                .transfer_manager(&caller, id, &body.email)
                .await?,
        ),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Assign {
    email: String,
    reason: String,
}

pub(super) async fn assign(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "structure")?;
    let body: Assign = json_body(&body)?;
    Ok(json(
        StatusCode::OK,
        value(
            state
                .accounts
                .assign_manager(&caller, id, &body.email, &body.reason)
                .await?,
        ),
    ))
}

pub(super) async fn audit(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "structure")?;
    let (page, per_page) = paging(query.as_deref())?;
    let (total, items) = state.accounts.audit(&caller, id, page, per_page).await?;
    Ok(json(
        StatusCode::OK,
        json!({"total": total, "page": page, "per_page": per_page, "items": value(items)}),
    ))
}
