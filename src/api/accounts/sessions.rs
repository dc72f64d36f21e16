//! Sign-in, sign-out, password reset and `GET /v1/me`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::Authed;
use crate::accounts::password::Secret;
use crate::api::{ApiError, AppState, json, json_body};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    email: String,
    password: String,
}

/// 200 with a session token; 401 with one message for an unknown email and a wrong
/// password; 423 when locked, saying until when.
pub(super) async fn sign_in(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: SignIn = json_body(&body)?;
    let session = state
        .accounts
        .sign_in(&body.email, &Secret::new(body.password))
        .await?;
    Ok(json(
        StatusCode::OK,
        json!({
            "token": session.token.expose(),
            "token_type": "Bearer",
            "expires_at": session.expires_at.to_string(),
        }),
    ))
}

pub(super) async fn sign_out(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> Result<StatusCode, ApiError> {
    state.accounts.sign_out(&caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    email: String,
}

/// Always 202 with the same body: whether the email has an account is not told.
pub(super) async fn request_reset(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: ResetRequest = json_body(&body)?;
    state.accounts.request_reset(&body.email).await?;
    Ok(json(
        StatusCode::ACCEPTED,
        json!({"detail": "if an account exists for this email, a reset link has been sent to it"}),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetConfirm {
    token: String,
    password: String,
}

pub(super) async fn confirm_reset(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let body: ResetConfirm = json_body(&body)?;
    state
        .accounts
        .reset_password(&Secret::new(body.token), &Secret::new(body.password))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn me(
    State(state): State<AppState>,
    Authed(caller): Authed,
) -> Result<Response, ApiError> {
    let me = state.accounts.me(&caller).await?;
    Ok(json(
        StatusCode::OK,
        serde_json::to_value(me).unwrap_or_default(),
    ))
}
