//! The one place where errors become HTTP responses: the PPF's `erreur` shape
//! (`application/problem+json` with `type`, `titre`, `statut`, `detail`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::directory::DirectoryError;
use crate::hub::HubError;
use crate::lifecycle::TransitionError;
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
            StatusCode::CONFLICT => "Conflit",
            StatusCode::PAYLOAD_TOO_LARGE => "Contenu trop volumineux",
            StatusCode::SERVICE_UNAVAILABLE => "Service indisponible",
            StatusCode::LOCKED => "Compte verrouillé",
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
        tracing::error!(error = &err as &dyn std::error::Error, "storage failure");
        // The database out of reach is a condition to retry later, not a bug.
        // PostgreSQL says so with SQLSTATE class 08 (connection exception) or 57P
        // (shutting down, starting up) on connections it cuts or refuses.
        let unavailable = match &err {
            StorageError::Sql(
                sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed,
            ) => true,
            StorageError::Sql(sqlx::Error::Database(e)) => e
                .code()
                .is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
            _ => false,
        };
        if unavailable {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable; nothing was recorded, send again later",
            )
        } else {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "storage failure")
        }
    }
}

impl From<HubError> for ApiError {
    fn from(err: HubError) -> ApiError {
        let status = match &err {
            HubError::Storage(_) => {
                if let HubError::Storage(e) = err {
                    return e.into();
                }
                StatusCode::INTERNAL_SERVER_ERROR
            }
            HubError::IdempotencyKeyReused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            HubError::NotFound(_) => StatusCode::NOT_FOUND,
            HubError::Denied(_) | HubError::Transition(TransitionError::NotAllowed { .. }) => {
                StatusCode::FORBIDDEN
            }
            HubError::Transition(_) => StatusCode::UNPROCESSABLE_ENTITY,
            HubError::InvalidStatus(_) => StatusCode::BAD_REQUEST,
            HubError::Conflict(_) => StatusCode::CONFLICT,
            HubError::Internal(_) => {
                tracing::error!(error = %err, "hub failure");
                return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
            }
        };
        ApiError::new(status, err.to_string())
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
