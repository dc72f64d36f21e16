//! Technical accounts (machines' API tokens), scoped to a structure or a platform:
//! create (the token is in that answer only), list, rotate, revoke.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{Authed, path_id};
use crate::accounts::model::TechnicalScope;
use crate::api::{ApiError, AppState, json, json_body};

fn value<T: serde::Serialize>(v: T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// `structure=ID` or `platform=MATRICULE`, exactly one.
fn scope_of(structure: Option<&str>, platform: Option<&str>) -> Result<TechnicalScope, ApiError> {
    match (structure, platform) {
        (Some(s), None) => Ok(TechnicalScope::Structure {
            structure: s
                .parse()
                .map_err(|_| ApiError::bad_request("structure must be a structure id"))?,
        }),
        (None, Some(p)) => Ok(TechnicalScope::Platform {
            matricule: crate::identifiers::Matricule::parse(p)
                .map_err(|e| ApiError::bad_request(format!("platform: {e}")))?
                .value(),
        }),
        _ => Err(ApiError::bad_request(
            "give exactly one scope: structure (an id) or platform (a matricule)",
        )),
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    Authed(caller): Authed,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (mut structure, mut platform) = (None, None);
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match k.as_ref() {
            "structure" => structure = Some(v.into_owned()),
            "platform" => platform = Some(v.into_owned()),
            _ => {}
        }
    }
    let scope = scope_of(structure.as_deref(), platform.as_deref())?;
    let items = state.accounts.technical_accounts(&caller, scope).await?;
    Ok(json(StatusCode::OK, json!({"items": value(items)})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    name: String,
    structure: Option<i64>,
    platform: Option<String>,
}

pub(super) async fn create(
    State(state): State<AppState>,
    Authed(caller): Authed,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: NewAccount = json_body(&body)?;
    let structure = body.structure.map(|s| s.to_string());
    let scope = scope_of(structure.as_deref(), body.platform.as_deref())?;
    let (account, token) = state
        .accounts
        .create_technical(&caller, scope, &body.name)
        .await?;
    let mut v = value(account);
    v["token"] = json!(token.expose());
    Ok(json(StatusCode::CREATED, v))
}

pub(super) async fn rotate(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "technical account")?;
    let (account, token) = state.accounts.rotate_technical(&caller, id).await?;
    let mut v = value(account);
    v["token"] = json!(token.expose());
    Ok(json(StatusCode::OK, v))
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id(&id, "technical account")?;
    Ok(json(
        StatusCode::OK,
        value(state.accounts.revoke_technical(&caller, id).await?),
    ))
}
