//! E-reporting submissions of platforms (`/v1/ereporting/…`): B2C transactions and
//! payments as JSON, an F10 report as XML, an international B2B invoice as itself. A platform reports only for a company
//! whose directory line names it (`accounts::policy::authorize_platform`); a
//! submission is checked whole (`taxfeed::submission`, every refusal names its field)
//! and filed in one transaction under its declarant's periods, from which the feed
//! sends the initial transmission when a period closes and a corrective one when
//! data arrives for a period already sent. A repeat (same `Idempotency-Key`, or the
//! same bytes) files nothing new.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::{ApiError, AppState, PlatformCaller, json};
use crate::accounts::policy::{PlatformAction, authorize_platform};
use crate::identifiers::{AddressingId, Matricule, Siren};
use crate::ingest;
use crate::storage::taxfeed::{NewRecord, StoredDeclarant};
use crate::taxfeed::ereporting::{DEFAULT_REGIME, Filed, RecordBody, parse_regime, regime_name};
use crate::taxfeed::f10::{DataKind, F10Invoice, VatRegime};
use crate::taxfeed::follow::international_declarant;
use crate::taxfeed::scope::{ProcessingType, processing_type};
use crate::taxfeed::service::now;
use crate::taxfeed::submission::{self, Invalid, Submission};

fn refused(e: Invalid) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
}

/// The key that makes a submission's records unique: the platform's
/// `Idempotency-Key`, else the body's SHA-256 (the same bytes again are a retry).
fn submission_key(caller: Matricule, headers: &HeaderMap, body: &[u8]) -> Result<String, ApiError> {
    let key = match headers.get("idempotency-key") {
        Some(value) => value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 255)
            .ok_or_else(|| {
                ApiError::bad_request("Idempotency-Key must be 1 to 255 visible ASCII characters")
            })?
            .to_string(),
        None => format!("sha256:{}", crate::storage::taxfeed::sha256_hex(body)),
    };
    Ok(format!("api:{caller}:{key}"))
}

/// Only the platform the directory names for the declarant's SIREN reports for it.
fn authorize(state: &AppState, caller: Matricule, siren: &Siren) -> Result<(), ApiError> {
    let siren = siren.as_str();
    let declarant_platform = AddressingId::parse(siren)
        .ok()
        .and_then(|a| state.directory.resolve(&a, state.directory.today()))
        .and_then(|r| r.matricule());
    authorize_platform(caller, PlatformAction::Ereport { declarant_platform }).map_err(|d| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            format!("platform {caller} may not {} ({siren})", d.0),
        )
    })
}

/// Files a checked submission in one transaction and answers what was filed.
async fn file(
    state: &AppState,
    caller: Matricule,
    submission: &Submission,
    key: &str,
    declare_regime: bool,
) -> Result<Response, ApiError> {
    authorize(state, caller, &submission.declarant.siren)?;
    let now = now();
    let source = format!("platform:{caller}");
    let records = submission
        .filed(key, &source)
        .iter()
        .map(|f| f.to_record())
        .collect::<Result<Vec<NewRecord>, _>>()
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let db = state.hub.db();
    if declare_regime {
        let d = &submission.declarant;
        db.taxfeed_upsert_declarant(
            &StoredDeclarant {
                siren: d.siren.as_str().to_string(),
                name: d.name.clone(),
                regime: regime_name(d.regime).to_string(),
                vat_option_code: d.vat_option_code.clone(),
            },
            now,
        )
        .await?;
    }
    let new = db.taxfeed_file_records(&records, now).await?;
    Ok(filed_answer(
        &submission.declarant.siren,
        submission.declarant.regime,
        &records,
        new,
    ))
}

/// What a filing answers: 202 when something new was filed, 200 for a repeat, with
/// the periods the records went to.
fn filed_answer(siren: &Siren, regime: VatRegime, records: &[NewRecord], new: u64) -> Response {
    let mut periods: Vec<(String, String, String)> = records
        .iter()
        .map(|r| (r.kind.clone(), r.period_start.clone(), r.period_end.clone()))
        .collect();
    periods.sort();
    periods.dedup();
    let status = if new == 0 {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    json(
        status,
        json!({
            "declarant": siren.as_str(),
            "regime": regime_name(regime),
            "records": records.len(),
            "new_records": new,
            "periods": periods.iter().map(|(kind, start, end)| json!({
                "kind": kind, "start": start, "end": end,
            })).collect::<Vec<_>>(),
        }),
    )
}

/// `POST /v1/ereporting/transactions` (JSON).
pub async fn transactions(
    State(state): State<AppState>,
    PlatformCaller(caller): PlatformCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = submission_key(caller, &headers, &body)?;
    let submission = submission::transactions_json(&body).map_err(refused)?;
    file(&state, caller, &submission, &key, true).await
}

/// `POST /v1/ereporting/payments` (JSON).
pub async fn payments(
    State(state): State<AppState>,
    PlatformCaller(caller): PlatformCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = submission_key(caller, &headers, &body)?;
    let submission = submission::payments_json(&body).map_err(refused)?;
    file(&state, caller, &submission, &key, true).await
}

/// `POST /v1/ereporting/reports` (an F10 `Report`, XML): filed under the regime the
/// feed knows for the declarant (set by a JSON submission), else the default.
pub async fn report(
    State(state): State<AppState>,
    PlatformCaller(caller): PlatformCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = submission_key(caller, &headers, &body)?;
    let report = submission::report_xml(&body).map_err(refused)?;
    let known = state
        .hub
        .db()
        .taxfeed_declarant(report.declarant().as_str())
        .await?;
    let regime = known.and_then(|d| parse_regime(&d.regime));
    let submission = report.under(regime).map_err(refused)?;
    file(&state, caller, &submission, &key, false).await
}

/// `POST /v1/ereporting/invoices` (one invoice: UBL, CII or Factur-X PDF): an
/// international B2B invoice (BT-22 `BAR` = `B2BINT`) exchanged outside the French
/// network, e-reported as a 10.1 transaction of its French seller (else its French
/// buyer). It is validated as the hub validates what it routes, and must hold what
/// 10.1 needs; it is stored with its record in one transaction, and read back when its
/// period is sent, like the international invoices the hub routes.
pub async fn invoice(
    State(state): State<AppState>,
    PlatformCaller(caller): PlatformCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let key = submission_key(caller, &headers, &body)?;
    let options = state.hub.options().clone();
    let document = body.clone();
    let outcome = tokio::task::spawn_blocking(move || ingest::ingest(&document, &options))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let invalid = |detail: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, detail);
    if !outcome.report.accepted() {
        return Err(invalid(format!(
            "invoice refused: {}",
            outcome.report.fatal_summary(10)
        )));
    }
    let invoice = outcome
        .invoice
        .ok_or_else(|| invalid("the document is not an invoice".into()))?;
    match processing_type(&invoice) {
        Ok(ProcessingType::B2BInt) => {}
        Ok(other) => {
            return Err(invalid(format!(
                "BT-22 (subject BAR) says {other:?}: only international B2B invoices (B2BINT) \
                 are e-reported one by one; a domestic invoice goes to POST /v1/invoices, B2C \
                 sales to POST /v1/ereporting/transactions"
            )));
        }
        Err(e) => return Err(invalid(e.to_string())),
    }
    let f10 = F10Invoice::from_invoice(&invoice).map_err(|e| invalid(e.to_string()))?;
    let (siren, name, role) = international_declarant(&invoice).map_err(invalid)?;
    authorize(&state, caller, &siren)?;
    let db = state.hub.db();
    let known = db.taxfeed_declarant(siren.as_str()).await?;
    let regime = known
        .as_ref()
        .and_then(|d| parse_regime(&d.regime))
        .unwrap_or(DEFAULT_REGIME);
    let name = known.map_or(name, |d| d.name);
    let sha256 = crate::storage::taxfeed::sha256_hex(&body);
    let record_body = RecordBody::Invoice {
        invoice_id: format!("reported:{}", f10.number),
        sha256: sha256.clone(),
    };
    let source = format!("platform:{caller}");
    let record = Filed {
        key,
        siren: siren.clone(),
        name,
        role,
        regime,
        kind: DataKind::Transactions,
        date: f10.operation_date,
        body: &record_body,
        source: &source,
    }
    .to_record()
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let records = [record];
    let new = db
        .taxfeed_file_document_records(&sha256, &body, &records, now())
        .await?;
    Ok(filed_answer(&siren, regime, &records, new))
}
