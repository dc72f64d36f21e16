//! The invoices a signed-in person follows (`/v1/my/invoices`): the list with its
//! filters, one invoice with its history and findings, and its original document.
//! Which invoices is `accounts::policy`'s decision; an invoice of others is 404.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Authed, paging};
use crate::api::invoices::status_json;
use crate::api::{ApiError, AppState, json};
use crate::lifecycle::Status;
use crate::storage::search::Page;
use crate::storage::{InvoiceFilter, InvoiceRecord};

/// A `YYYY-MM-DD` date, checked (the filter compares text).
fn date(key: &str, value: &str) -> Result<String, ApiError> {
    let ok = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if ok {
        Ok(value.to_string())
    } else {
        Err(ApiError::bad_request(format!(
            "{key} must be a date YYYY-MM-DD"
        )))
    }
}

/// The filters of the list: `status`, `from`, `to`, `counterpart`.
pub(crate) fn filter_of(query: Option<&str>) -> Result<InvoiceFilter, ApiError> {
    let mut filter = InvoiceFilter::default();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.as_ref() {
            "status" => {
                filter.status =
                    Some(Status::parse(value).map_err(|_| {
                        ApiError::bad_request("status must be a lifecycle status code")
                    })?)
            }
            "from" => filter.from = Some(date("from", value)?),
            "to" => filter.to = Some(date("to", value)?),
            "counterpart" => filter.counterpart = Some(value.to_string()),
            _ => {}
        }
    }
    Ok(filter)
}

fn summary(invoice: &InvoiceRecord) -> Value {
    json!({
        "invoice_id": invoice.id,
        "invoice_number": invoice.invoice_number,
        "issue_date": invoice.issue_date,
        "seller_siren": invoice.seller_siren,
        "seller_name": invoice.parties.seller_name,
        "buyer_siren": invoice.buyer_siren,
        "buyer_name": invoice.parties.buyer_name,
        "recipient_address": invoice.recipient_address,
        "status": invoice.status.code(),
        "status_label": invoice.status.label(),
        "received_at": invoice.received_at,
    })
}

/// `GET /v1/my/invoices`
pub(super) async fn list(
    State(state): State<AppState>,
    Authed(caller): Authed,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (page, per_page) = paging(query.as_deref())?;
    let filter = filter_of(query.as_deref())?;
    let window = Page {
        limit: per_page as i64,
        offset: (page * per_page) as i64,
    };
    let (total, items) = state.accounts.my_invoices(&caller, &filter, window).await?;
    Ok(json(
        StatusCode::OK,
        json!({
            "total": total,
            "page": page,
            "per_page": per_page,
            "items": items.iter().map(summary).collect::<Vec<_>>(),
        }),
    ))
}

/// `GET /v1/my/invoices/{id}`
pub(super) async fn get(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let mine = state.accounts.my_invoice(&caller, &id).await?;
    let mut body = summary(&mine.record);
    body["syntax"] = json!(mine.record.syntax);
    body["findings"] = json!(mine.record.failures);
    body["history"] = json!(mine.history.iter().map(status_json).collect::<Vec<_>>());
    Ok(json(StatusCode::OK, body))
}

/// `GET /v1/my/invoices/{id}/document`: the original bytes.
pub(super) async fn document(
    State(state): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (invoice, bytes) = state.accounts.my_invoice_document(&caller, &id).await?;
    Ok(document_response(&invoice, bytes))
}

/// The original as a download: its media type and a file name from facteur's id.
pub(crate) fn document_response(invoice: &InvoiceRecord, bytes: Vec<u8>) -> Response {
    let (content_type, extension) = if invoice.syntax == "Factur-X" {
        ("application/pdf", "pdf")
    } else {
        ("application/xml", "xml")
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // The id is facteur's own (hex and dashes), safe in a header.
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"facture-{}.{extension}\"",
        invoice.id
    )) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}
