//! `POST /v1/batches` and `GET /v1/batches/{id}`: a platform uploads many documents
//! at once (a zip, or a multipart form with one file per part) and follows their
//! processing. The upload is checked ([`crate::ingest::archive`]: entry count, sizes,
//! ratio, names, nesting), stored, and answered with 202 and the batch id at once; the
//! [`crate::batch`] worker then submits each document to the hub.

use std::io::Cursor;
use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

use super::{ApiError, AppState, Caller, json};
use crate::accounts::policy::{PlatformAction, authorize_platform};
use crate::directory::model::Actor;
use crate::identifiers::Matricule;
use crate::ingest::archive::{self, Archive, ArchiveLimits};

/// The largest upload accepted, zip or multipart (a 100 000-invoice batch of
/// ordinary invoices is well under this).
pub const UPLOAD_LIMIT: usize = 512 << 20;

/// Results per page when the request does not say, and at most.
const PAGE: usize = 100;
const MAX_PAGE: usize = 1_000;

/// What the batch endpoints need besides the hub: the worker's wake-up and the
/// archive limits.
#[derive(Clone)]
pub struct Batches {
    pub wake: Arc<Notify>,
    pub limits: ArchiveLimits,
}

fn batches(state: &AppState) -> Result<&Batches, ApiError> {
    state.batches.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "batches are not enabled on this instance",
        )
    })
}

fn platform(caller: Caller) -> Result<Matricule, ApiError> {
    match caller.0 {
        Actor::Platform(matricule) => Ok(matricule),
        Actor::Admin => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "batches are uploaded by platforms",
        )),
    }
}

/// `POST /v1/batches`: 202 with the batch id once the archive is checked and stored.
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    request: Request,
) -> Result<Response, ApiError> {
    let sender = platform(caller)?;
    let batches = batches(&state)?.clone();
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let archive = if multipart {
        let form = Multipart::from_request(request, &state)
            .await
            .map_err(|e| ApiError::bad_request(format!("invalid multipart body: {e}")))?;
        axum::body::Bytes::from(pack_form(form).await?)
    } else {
        // Kept as read (no copy): the archive can be hundreds of megabytes.
        axum::body::to_bytes(request.into_body(), UPLOAD_LIMIT)
            .await
            .map_err(|e| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("cannot read the upload (at most {UPLOAD_LIMIT} bytes): {e}"),
                )
            })?
    };
    // Reading a central directory of 100 000 entries is CPU work: off the async workers.
    let limits = batches.limits;
    let (archive, checked) = tokio::task::spawn_blocking(move || {
        let checked = Archive::open(Cursor::new(archive.as_ref()), limits).map(|a| a.len());
        (archive, checked)
    })
    .await
    .map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("archive check failed: {e}"),
        )
    })?;
    let documents = checked.map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("archive refused: {e}"),
        )
    })?;
    let id = state
        .hub
        .db()
        .insert_batch(sender, &archive, documents)
        .await?;
    batches.wake.notify_one();
    tracing::info!(batch = %id, sender = %sender, documents, "batch stored");
    let location = format!("/v1/batches/{id}");
    let mut response = json(
        StatusCode::ACCEPTED,
        serde_json::json!({
            "batch_id": id,
            "documents": documents,
            "status_url": location,
        }),
    );
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Each file part of the form becomes an entry of one stored zip, under its file name
/// (or the part's name); the zip is then checked like an uploaded one.
async fn pack_form(mut form: Multipart) -> Result<Vec<u8>, ApiError> {
    let mut files = Vec::new();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| ApiError::bad_request(format!("invalid multipart body: {e}")))?
    {
        let name = field
            .file_name()
            .or(field.name())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("part-{}", files.len() + 1));
        let bytes = field
            .bytes()
            .await
            .map_err(|e| ApiError::bad_request(format!("part {name:?}: {e}")))?;
        files.push((name, bytes.to_vec()));
    }
    if files.is_empty() {
        return Err(ApiError::bad_request("the multipart body has no file part"));
    }
    archive::pack(&files).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("archive refused: {e}"),
        )
    })
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    offset: Option<usize>,
    limit: Option<usize>,
}

/// `GET /v1/batches/{id}?offset=&limit=`: progress and a page of results. Another
/// platform's batch is answered like a missing one, so ids reveal nothing.
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let caller = platform(caller)?;
    batches(&state)?;
    let db = state.hub.db().clone();
    let missing = || ApiError::not_found(format!("no batch {id}"));
    let batch = db.batch(&id).await?.ok_or_else(missing)?;
    authorize_platform(
        caller,
        PlatformAction::ReadBatch {
            submitter: batch.sender,
        },
    )
    .map_err(|_| missing())?;
    let offset = page.offset.unwrap_or(0);
    let limit = page.limit.unwrap_or(PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )));
    }
    let results = db.batch_results(&id, offset, limit).await?;
    let processed = batch.processed();
    let next_offset = (offset + results.len() < processed).then_some(offset + results.len());
    let state = if batch.finished_at.is_some() {
        "finished"
    } else if processed > 0 {
        "processing"
    } else {
        "pending"
    };
    Ok(json(
        StatusCode::OK,
        serde_json::json!({
            "batch_id": batch.id,
            "state": state,
            "documents": batch.documents,
            "processed": processed,
            "accepted": batch.accepted,
            "rejected": batch.rejected,
            "refused": batch.refused,
            "created_at": batch.created_at,
            "finished_at": batch.finished_at,
            "offset": offset,
            "limit": limit,
            "next_offset": next_offset,
            "results": results,
        }),
    )
    .into_response())
}
