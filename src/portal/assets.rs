//! The stylesheet and the script, compiled into the binary (`include_str!`): the
//! portal fetches nothing at run time and works offline.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// (name, content type, content).
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "portail.css",
        "text/css; charset=utf-8",
        include_str!("assets/portail.css"),
    ),
    (
        "portail.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/portail.js"),
    ),
];

pub async fn serve(Path(name): Path<String>) -> Response {
    let Some((_, content_type, content)) = ASSETS.iter().find(|(n, _, _)| *n == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = (*content).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Short: a new binary's assets are picked up within minutes without fingerprints.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
