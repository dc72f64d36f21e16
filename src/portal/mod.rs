//! The web portal: HTML pages for people, served by `facteur serve` under
//! `/portail/`. Pages are rendered on the server from Rust (see ARCHITECTURE.md for
//! why): every value is escaped by construction ([`html::Html`]), French interface
//! text, English code. The stylesheet and the small script are compiled into the
//! binary; nothing is fetched at run time.
//!
//! Every portal response carries `Cache-Control: no-store` and `Vary: Cookie` (set by
//! one layer, [`portal_headers`]), so that no browser or proxy cache can show one
//! account's page to another after switching accounts.

mod approvals;
mod assets;
mod directory;
mod format;
mod html;
mod invoices;
mod layout;
mod paging;
mod session;
mod signin;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::accounts::service::AccountError;
use crate::api::AppState;
use crate::storage::StorageError;
use html::Html;
use layout::{Page, Section};
use session::SignedIn;

/// The portal's routes, merged into `api::app` (full paths, so the API's routes and
/// the portal's stay in one table).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/portail/", get(home))
        .route("/portail/annuaire", get(directory::lookup))
        .route("/portail/connexion", get(signin::form).post(signin::submit))
        .route("/portail/deconnexion", post(signin::sign_out))
        .route("/portail/approbations", get(approvals::list))
        .route("/portail/approbations/{id}", get(approvals::show))
        .route(
            "/portail/approbations/{id}/approuver",
            post(approvals::approve),
        )
        .route(
            "/portail/approbations/{id}/refuser",
            get(approvals::refusal_page).post(approvals::refuse),
        )
        .route("/portail/demandes", get(approvals::mine))
        .route("/portail/factures", get(invoices::list))
        .route("/portail/factures/{id}", get(invoices::show))
        .route("/portail/factures/{id}/original", get(invoices::original))
        .layer(axum::middleware::from_fn(session::same_origin))
        .layer(axum::middleware::map_response(portal_headers))
        // Outside the no-store layer: assets hold no account data and may be cached;
        // the redirects carry none either.
        .route("/portail/static/{name}", get(assets::serve))
        .route("/", get(to_home))
        .route("/portail", get(to_home))
}

/// Whether an unknown path is the portal's (it then gets the portal's 404 page).
pub fn owns(path: &str) -> bool {
    path.starts_with("/portail/")
}

async fn to_home() -> Redirect {
    Redirect::to("/portail/")
}

/// Headers every portal page carries.
async fn portal_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

async fn home(signed_in: Option<SignedIn>) -> Response {
    let mut body = Html::new();
    body.raw("<p>Bienvenue sur le portail de facteur, la plateforme d'échange de factures électroniques.</p>")
        .raw("<ul class=\"cards\">");
    if let Some(signed_in) = &signed_in {
        if let Some(count) = signed_in.viewer.pending_approvals {
            body.raw("<li><a href=\"/portail/approbations\">Approbations</a> : ")
                .display(count)
                .raw(if count == 1 {
                    " demande attend votre décision.</li>"
                } else {
                    " demandes attendent votre décision.</li>"
                });
        }
        body.raw("<li><a href=\"/portail/factures\">Factures</a> : suivre les factures de vos structures et services, leur cycle de vie, et télécharger l'original.</li>");
        body.raw("<li><a href=\"/portail/demandes\">Mes demandes</a> : vos demandes de rattachement ou de droits, et leur issue.</li>");
    } else {
        body.raw("<li><a href=\"/portail/connexion\">Se connecter</a> pour suivre ses factures et ses demandes.</li>");
    }
    body.raw("<li><a href=\"/portail/annuaire\">Consulter l'annuaire</a> : la plateforme qui reçoit les factures d'une entreprise, d'un établissement ou d'un service.</li>")
        .raw("</ul>");
    Page {
        section: Section::Home,
        title: "Accueil",
        viewer: signed_in.as_ref().map(|s| &s.viewer),
        body,
    }
    .render(StatusCode::OK)
}

/// The French 404 page.
pub async fn not_found() -> Response {
    let mut body = Html::new();
    body.raw("<p>Cette page n'existe pas. <a href=\"/portail/\">Revenir à l'accueil</a>.</p>");
    let response = Page {
        section: Section::Home,
        title: "Page introuvable",
        viewer: None,
        body,
    }
    .render(StatusCode::NOT_FOUND);
    portal_headers(response).await
}

/// A failure behind a page, shown as a French error page. What the caller may not
/// see reads exactly like what does not exist, as in the accounts API.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Accounts(#[from] AccountError),
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let (status, title, message): (StatusCode, &'static str, &'static str) = match &self {
            PortalError::Accounts(AccountError::NotFound(_)) => (
                StatusCode::NOT_FOUND,
                "Introuvable",
                "Cet élément n'existe pas ou ne vous est pas accessible.",
            ),
            PortalError::Accounts(AccountError::Denied(_)) => (
                StatusCode::FORBIDDEN,
                "Accès refusé",
                "Vous n'avez pas les droits nécessaires pour cette action.",
            ),
            PortalError::Accounts(AccountError::Workflow(_)) => (
                StatusCode::CONFLICT,
                "Demande déjà traitée",
                "Cette demande a déjà été traitée ou ne peut pas l'être par vous.",
            ),
            PortalError::Accounts(AccountError::Unauthenticated) => {
                return Redirect::to("/portail/connexion").into_response();
            }
            _ => {
                tracing::error!(error = %self, "portal page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Erreur",
                    "Le service n'a pas pu répondre. Réessayez dans quelques instants.",
                )
            }
        };
        let mut body = Html::new();
        body.raw("<p>")
            .raw(message)
            .raw(" <a href=\"/portail/\">Revenir à l'accueil</a>.</p>");
        Page {
            section: Section::Home,
            title,
            viewer: None,
            body,
        }
        .render(status)
    }
}
