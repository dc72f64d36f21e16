//! The hub's invoice endpoints: submit one document, read an invoice and its status
//! history, fetch the original bytes, report a status. A platform sees only the
//! invoices it sent or receives (`hub::Hub::invoice_for`, decided by
//! `accounts::policy`); others' ids answer 404, as unknown ones do.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{ApiError, AppState, PlatformCaller, json};
use crate::hub::{Receipt, StatusInput, StatusReceipt};
use crate::lifecycle::Status;
use crate::storage::StatusRecord;

/// Longest `Idempotency-Key` accepted.
const MAX_KEY: usize = 255;

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "Idempotency-Key must be 1 to {MAX_KEY} visible ASCII characters"
            ))
        })?;
    Ok(Some(key.to_string()))
}

fn receipt_json(receipt: &Receipt) -> serde_json::Value {
    json!({
        "invoice_id": receipt.invoice_id,
        "status": receipt.status.code(),
        "status_label": receipt.status.label(),
        "reasons": receipt.reasons,
        "failures": receipt.failures,
        "recipient_platform": receipt.recipient_platform.map(|m| m.to_string()),
        "sha256": receipt.sha256,
        "replayed": receipt.replayed,
    })
}

/// `POST /v1/invoices`: one XML or PDF document as the body.
pub async fn submit(
    State(state): State<AppState>,
    PlatformCaller(caller): PlatformCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "the body is empty: send one invoice (UBL or CII XML, or a Factur-X PDF)",
        ));
    }
    let key = idempotency_key(&headers)?;
    let receipt = state
        .hub
        .submit(body.to_vec(), caller, key.as_deref())
        .await?;
    let code = if receipt.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut response = json(code, receipt_json(&receipt));
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/invoices/{}", receipt.invoice_id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

pub(crate) fn status_json(record: &StatusRecord) -> serde_json::Value {
    let label = Status::try_from(record.status)
        .map(|s| s.label())
        .unwrap_or("");
    json!({
        "seq": record.seq,
        "status": record.status,
        "status_label": label,
        "reasons": record.reasons,
        "comment": record.comment,
        "set_by": format!("{:04}", record.set_by),
        "recorded_at": record.recorded_at,
        "hash": record.hash,
    })
}

/// `GET /v1/invoices/{id}`: metadata and status history.
pub async fn get(
    State(state): State<AppState>,
    PlatformCaller(caller): PlatformCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let invoice = state.hub.invoice_for(caller, &id).await?;
    let history = state.hub.db().statuses(&id).await?;
    Ok(json(
        StatusCode::OK,
        json!({
            "invoice_id": invoice.id,
            "sha256": invoice.sha256,
            "syntax": invoice.syntax,
            "invoice_number": invoice.invoice_number,
            "issue_date": invoice.issue_date,
            "seller_siren": invoice.seller_siren,
            "buyer_siren": invoice.buyer_siren,
            "recipient_address": invoice.recipient_address,
            "sender_platform": invoice.sender_platform.to_string(),
            "recipient_platform": invoice.recipient_platform.map(|m| m.to_string()),
            "status": invoice.status.code(),
            "status_label": invoice.status.label(),
            "failures": invoice.failures,
            "received_at": invoice.received_at,
            "history": history.iter().map(status_json).collect::<Vec<_>>(),
        }),
    ))
}

/// `GET /v1/invoices/{id}/document`: the original bytes.
pub async fn document(
    State(state): State<AppState>,
    PlatformCaller(caller): PlatformCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let invoice = state.hub.invoice_for(caller, &id).await?;
    let bytes = state
        .hub
        .db()
        .document(&invoice.sha256)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "document missing"))?;
    let content_type = if invoice.syntax == "Factur-X" {
        "application/pdf"
    } else {
        "application/xml"
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(sha) = HeaderValue::from_str(&invoice.sha256) {
        headers.insert("x-facteur-sha256", sha);
    }
    Ok(response)
}

/// A status reported as JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: Status,
    #[serde(default)]
    reasons: Vec<String>,
    comment: Option<String>,
}

/// `POST /v1/invoices/{id}/statuses`: JSON `{status, reasons, comment}` or a CDAR body.
pub async fn post_status(
    State(state): State<AppState>,
    PlatformCaller(caller): PlatformCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let mut input = if is_json {
        let body: StatusBody = super::json_body(&body)?;
        StatusInput::new(body.status, body.reasons, body.comment)
    } else {
        let bytes = body.to_vec();
        tokio::task::spawn_blocking(move || StatusInput::from_cdar(bytes))
            .await
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??
    };
    if let Some(key) = idempotency_key(&headers)? {
        input.message_id = Some(key);
    }
    let receipt: StatusReceipt = state.hub.record_status(&id, caller, input).await?;
    let code = if receipt.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(json(
        code,
        json!({
            "invoice_id": id,
            "record": receipt.record.as_ref().map(status_json),
            "delivered_to": receipt.delivered_to.to_string(),
            "replayed": receipt.replayed,
        }),
    ))
}
