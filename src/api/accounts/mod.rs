//! facteur's own accounts API under `/v1/`: sign-in and sessions, password reset,
//! structures and services, access requests and their decisions, the principal
//! manager, technical accounts, the audit trail and the invoices one follows. Clean JSON for the web portal.
//!
//! Handlers only translate HTTP to `accounts::service` calls: authentication is the
//! [`Authed`] extractor, every authorisation is `accounts::policy::authorize` inside
//! the service, and a resource the caller may not see answers 404 like a missing one.
//! Nothing is cached between requests: each one rebuilds its caller from the database.

pub(crate) mod invoices;
mod requests;
mod sessions;
mod structures;
mod technical;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{MethodFilter, on};

use super::{ApiError, AppState};
use crate::accounts::password::Secret;
use crate::accounts::service::{AccountError, Caller};
use crate::accounts::workflow::WorkflowError;

/// Declares the routes once: the router and [`ROUTES`] come from the same list, so a
/// route cannot be served without being listed (the tests walk `ROUTES` and the
/// OpenAPI document, and fail on a route without a partition row or a description).
macro_rules! accounts_routes {
    ($($method:ident $path:literal => $handler:path,)*) => {
        /// Every route of the accounts API: (method, path).
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path),)*];

        pub(super) fn routes() -> Router<AppState> {
            let mut router = Router::new();
            // Adding a second method to a path merges it into that path's router.
            $(router = router.route($path, on(MethodFilter::$method, $handler));)*
            router
        }
    };
}

accounts_routes! {
    POST "/v1/auth/sign-in" => sessions::sign_in,
    POST "/v1/auth/sign-out" => sessions::sign_out,
    POST "/v1/auth/password-reset" => sessions::request_reset,
    POST "/v1/auth/password-reset/confirm" => sessions::confirm_reset,
    GET "/v1/me" => sessions::me,
    GET "/v1/structures" => structures::list,
    POST "/v1/structures" => structures::create,
    GET "/v1/structures/{structure}" => structures::get,
    GET "/v1/structures/{structure}/services" => structures::services,
    POST "/v1/structures/{structure}/services" => structures::create_service,
    GET "/v1/structures/{structure}/services/{service}" => structures::service,
    POST "/v1/structures/{structure}/principal-manager" => structures::transfer,
    POST "/v1/structures/{structure}/principal-manager/assign" => structures::assign,
    GET "/v1/structures/{structure}/audit" => structures::audit,
    GET "/v1/requests" => requests::mine,
    POST "/v1/requests" => requests::create,
    GET "/v1/requests/pending" => requests::pending,
    GET "/v1/requests/{request}" => requests::get,
    POST "/v1/requests/{request}/approve" => requests::approve,
    POST "/v1/requests/{request}/refuse" => requests::refuse,
    GET "/v1/technical-accounts" => technical::list,
    POST "/v1/technical-accounts" => technical::create,
    POST "/v1/technical-accounts/{account}/rotate" => technical::rotate,
    DELETE "/v1/technical-accounts/{account}" => technical::revoke,
    GET "/v1/my/invoices" => invoices::list,
    GET "/v1/my/invoices/{id}" => invoices::get,
    GET "/v1/my/invoices/{id}/document" => invoices::document,
}

/// The authenticated caller: a user's session token or a technical account's token,
/// as `Authorization: Bearer …`.
pub struct Authed(pub Caller);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Authed, ApiError> {
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AccountError::Unauthenticated)?;
        Ok(Authed(
            state.accounts.authenticate(&Secret::new(token)).await?,
        ))
    }
}

impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> ApiError {
        let err = match err {
            AccountError::Storage(e) => return e.into(),
            other => other,
        };
        let status = match &err {
            AccountError::BadCredentials | AccountError::Unauthenticated => {
                StatusCode::UNAUTHORIZED
            }
            AccountError::Locked(_) => StatusCode::LOCKED,
            AccountError::Denied(_) => StatusCode::FORBIDDEN,
            AccountError::NotFound(_) => StatusCode::NOT_FOUND,
            AccountError::Invalid(_) | AccountError::Password(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AccountError::Reset(_) => StatusCode::BAD_REQUEST,
            AccountError::Workflow(w) => match w {
                WorkflowError::Denied(_) | WorkflowError::OwnRequest => StatusCode::FORBIDDEN,
                WorkflowError::AlreadyDecided | WorkflowError::HasManager => StatusCode::CONFLICT,
                WorkflowError::ReasonRequired | WorkflowError::NotAMember => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
            },
            AccountError::Random(_) | AccountError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            eprintln!("error: accounts: {err}");
            return ApiError::new(status, "internal error");
        }
        ApiError::new(status, err.to_string())
    }
}

/// A numeric path segment; anything else is a resource that does not exist.
pub(crate) fn path_id(segment: &str, what: &str) -> Result<i64, ApiError> {
    segment
        .parse()
        .map_err(|_| ApiError::not_found(format!("{what} not found")))
}

/// `page` (from 0) and `per_page` (1 to 200, default 50) of a query string.
pub(crate) fn paging(query: Option<&str>) -> Result<(usize, usize), ApiError> {
    let mut page = 0;
    let mut per_page = 50;
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| ApiError::bad_request(format!("{key} must be a whole number")))
        };
        match key.as_ref() {
            "page" => page = number()?,
            "per_page" => per_page = number()?,
            _ => {}
        }
    }
    if !(1..=200).contains(&per_page) {
        return Err(ApiError::bad_request("per_page must be between 1 and 200"));
    }
    Ok((page, per_page))
}
