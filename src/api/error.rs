//! The one place where errors become HTTP responses: the PPF's `erreur` shape
//! (`application/problem+json` with `type`, `titre`, `statut`, `detail`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::directory::DirectoryError;
use crate::storage::StorageError;

/// An API failure.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: detail.into(),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }

    fn title(&self) -> &'static str {
        match self.status {
            StatusCode::BAD_REQUEST => "Mauvaise requête",
            StatusCode::UNAUTHORIZED => "Non autorisé",
            StatusCode::FORBIDDEN => "Accès refusé",
            StatusCode::NOT_FOUND => "Non trouvée",
            StatusCode::UNPROCESSABLE_ENTITY => "Erreur de validation des données",
            _ => "Erreur interne du serveur",
        }
    }
}

impl From<DirectoryError> for ApiError {
    fn from(err: DirectoryError) -> ApiError {
        match err {
            DirectoryError::Rule(rule) if rule.is_authorization() => {
                ApiError::new(StatusCode::FORBIDDEN, rule.to_string())
            }
            DirectoryError::Rule(rule) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, rule.to_string())
            }
            DirectoryError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            DirectoryError::Storage(e) => e.into(),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> ApiError {
        tracing::error!(error = %err, "storage failure");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "storage failure")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "type": "about:blank",
            "titre": self.title(),
            "statut": self.status.as_u16(),
            "detail": self.detail,
        });
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static("fr"));
        response
    }
}
