//! Who is signed in to the portal. The session is the accounts service's own session
//! token, kept in an `HttpOnly`, `SameSite=Strict` cookie scoped to `/portail/`; each
//! request rebuilds the caller from the database (`Accounts::authenticate`), so
//! nothing from a previous account can survive a switch. A technical account's token
//! is refused here: the portal is for people.
//!
//! Cross-site forms: the `SameSite=Strict` cookie is not sent with another site's
//! form, and [`same_origin`] refuses a POST whose `Origin` names another host.

use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::html::href;
use super::layout::Viewer;
use crate::accounts::model::Right;
use crate::accounts::password::Secret;
use crate::accounts::service::{AccountError, Caller, SESSION_PREFIX};
use crate::api::AppState;

pub const COOKIE: &str = "facteur_session";

/// The session token from the `Cookie` header, if any.
pub fn session_token(headers: &HeaderMap) -> Option<Secret> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        // Only a person's session: a technical account's token is not a portal login.
        .filter(|value| value.starts_with(SESSION_PREFIX))
        .map(|value| Secret::new(value.to_string()))
}

/// The `Set-Cookie` that stores a new session for `max_age` seconds.
pub fn set_cookie(token: &Secret, max_age: i64) -> HeaderValue {
    HeaderValue::try_from(format!(
        "{COOKIE}={}; Path=/portail/; HttpOnly; SameSite=Strict; Max-Age={max_age}",
        token.expose()
    ))
    // Session tokens are generated from URL-safe characters.
    .unwrap_or_else(|_| clear_cookie())
}

/// The `Set-Cookie` that forgets the session.
pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static(
        "facteur_session=; Path=/portail/; HttpOnly; SameSite=Strict; Max-Age=0",
    )
}

/// A signed-in person: the caller as the accounts service rebuilt it for this
/// request, and what the menu shows of them.
pub struct SignedIn {
    pub caller: Caller,
    pub viewer: Viewer,
}

impl SignedIn {
    async fn from_headers(
        headers: &HeaderMap,
        state: &AppState,
    ) -> Result<Option<SignedIn>, AccountError> {
        let Some(token) = session_token(headers) else {
            return Ok(None);
        };
        let caller = match state.accounts.authenticate(&token).await {
            Ok(caller) => caller,
            Err(AccountError::Unauthenticated) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(user) = caller.user.clone() else {
            return Ok(None);
        };
        let pending_approvals = if decides_requests(&caller) {
            let (total, _) = state.accounts.pending(&caller, 0, 1).await?;
            Some(total as u64)
        } else {
            None
        };
        Ok(Some(SignedIn {
            caller,
            viewer: Viewer {
                email: user.email,
                pending_approvals,
            },
        }))
    }
}

/// Whether the caller may decide any request: a principal manager, or a user with
/// the right to manage users somewhere. (Which requests, exactly, the accounts
/// service decides.)
fn decides_requests(caller: &Caller) -> bool {
    !caller.principal.managed.is_empty()
        || caller
            .principal
            .grants
            .iter()
            .any(|g| g.rights.contains(&Right::ManageUsers))
}

/// A page that needs a signed-in person sends visitors to the sign-in page, which
/// brings them back here afterwards.
pub struct SignInFirst {
    back_to: String,
}

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        Redirect::to(&href("/portail/connexion", &[("retour", &self.back_to)])).into_response()
    }
}

/// Why a page could not find out who is signed in.
pub enum SessionRejection {
    SignInFirst(SignInFirst),
    Failed(AccountError),
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        match self {
            SessionRejection::SignInFirst(r) => r.into_response(),
            SessionRejection::Failed(e) => super::PortalError::from(e).into_response(),
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<SignedIn, SessionRejection> {
        match SignedIn::from_headers(&parts.headers, state).await {
            Ok(Some(signed_in)) => Ok(signed_in),
            Ok(None) => Err(SessionRejection::SignInFirst(SignInFirst {
                back_to: parts
                    .uri
                    .path_and_query()
                    .map_or("/portail/", |p| p.as_str())
                    .to_string(),
            })),
            Err(e) => Err(SessionRejection::Failed(e)),
        }
    }
}

/// Pages open to visitors (home, directory) still show the menu of a signed-in user.
impl OptionalFromRequestParts<AppState> for SignedIn {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<SignedIn>, SessionRejection> {
        SignedIn::from_headers(&parts.headers, state)
            .await
            .map_err(SessionRejection::Failed)
    }
}

/// Where to go after signing in: a portal page only (never another site).
pub fn safe_return(value: Option<&str>) -> &str {
    match value {
        Some(v) if v.starts_with("/portail/") && !v.contains("//") && !v.contains('\\') => v,
        _ => "/portail/",
    }
}

/// Refuses a state-changing request whose `Origin` is another host.
pub async fn same_origin(request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok());
        let origin_host = request
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(|o| o.split_once("://").map_or(o, |(_, rest)| rest));
        if let Some(origin_host) = origin_host
            && Some(origin_host) != host
        {
            return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_session_token_is_read_from_the_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; facteur_session=fct_session_abc ; x=1"),
        );
        assert_eq!(
            session_token(&headers).map(|s| s.expose().to_string()),
            Some("fct_session_abc".into())
        );
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("facteur_session=fct_api_machine"),
        );
        assert!(session_token(&headers).is_none());
    }

    #[test]
    fn sign_in_returns_only_to_portal_pages() {
        assert_eq!(
            safe_return(Some("/portail/approbations?page=2")),
            "/portail/approbations?page=2"
        );
        assert_eq!(safe_return(Some("https://evil.example/")), "/portail/");
        assert_eq!(safe_return(Some("/portail//evil.example")), "/portail/");
        assert_eq!(safe_return(None), "/portail/");
    }
}
