//! The web portal's pages through the router (`oneshot`), on a seeded directory:
//! what each page shows, that every value is escaped, the paging, the headers that
//! keep pages out of caches, and the French error pages. The same pages are driven
//! in a real browser by `portal_browser`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use facteur::api::{AppState, app};
use facteur::directory::Directory;
use facteur::directory::index::Fallback;
use tower::ServiceExt;

use super::directory_support::{SIREN, SIRET, TestDb, backends, day};
use super::portal_support::seed_lines;

pub async fn portal_app(t: &TestDb) -> Router {
    seed_lines(&t.db).await;
    let directory = Directory::open(t.db.clone(), Fallback::Hierarchical)
        .await
        .expect("directory")
        .with_today(day("2026-10-15"));
    app(AppState::new(Arc::new(directory)))
}

/// A page: status, headers of interest, body.
pub struct Fetched {
    pub status: StatusCode,
    pub content_type: String,
    pub cache_control: String,
    pub body: String,
}

pub async fn get(app: &Router, uri: &str) -> Fetched {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (status, content_type, cache_control) = (
        response.status(),
        header("content-type"),
        header("cache-control"),
    );
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Fetched {
        status,
        content_type,
        cache_control,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// How many rows a page's lines table has.
fn rows(body: &str) -> usize {
    body.matches("<tr><th scope=\"row\">").count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_lookup_shows_the_lines_in_force_and_their_platform() {
    for t in backends().await {
        let app = portal_app(&t).await;

        // By SIREN: the receiving platform by resolution, and every line in force of
        // the company (SIREN, SIRET, suffix, routing codes), first page of 20.
        let page = get(&app, &format!("/portail/annuaire?par=siren&q={SIREN}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.name);
        assert!(page.content_type.starts_with("text/html"), "{}", t.name);
        assert!(
            page.body
                .contains("sont reçues par 0001 — Alpha (ligne n° "),
            "{}: {}",
            t.name,
            page.body
        );
        assert!(page.body.contains("niveau SIREN)"), "{}", t.name);
        assert_eq!(rows(&page.body), 20, "{}", t.name);
        assert!(
            page.body.contains("Page 1 sur 3 — 48 résultats"),
            "{}",
            t.name
        );
        // The line that ended before today is not in force and is not listed.
        let all_pages = [
            page.body.clone(),
            get(
                &app,
                &format!("/portail/annuaire?par=siren&q={SIREN}&page=2"),
            )
            .await
            .body,
            get(
                &app,
                &format!("/portail/annuaire?par=siren&q={SIREN}&page=3"),
            )
            .await
            .body,
        ];
        assert_eq!(
            all_pages.iter().map(|b| rows(b)).sum::<usize>(),
            48,
            "{}",
            t.name
        );
        assert!(
            all_pages.iter().all(|b| !b.contains("ANCIEN")),
            "{}",
            t.name
        );

        // By SIRET: the SIRET's own line (platform 0002) and its routing codes.
        let page = get(&app, &format!("/portail/annuaire?par=siret&q={SIRET}")).await;
        assert!(
            page.body.contains("sont reçues par 0002 — Beta"),
            "{}",
            t.name
        );
        assert!(
            page.body.contains("Page 1 sur 3 — 46 résultats"),
            "{}",
            t.name
        );

        // By routing code: the lines of that code, no resolution (a code alone
        // addresses nothing).
        let page = get(&app, "/portail/annuaire?par=code&q=SERVICE-07").await;
        assert_eq!(rows(&page.body), 1, "{}", t.name);
        assert!(
            page.body.contains(&format!(
                "<th scope=\"row\">{SIREN}_{SIRET}_SERVICE-07</th>"
            )),
            "{}: {}",
            t.name,
            page.body
        );
        assert!(!page.body.contains("id=\"resolution\""), "{}", t.name);

        // By addressing identifier: an unknown routing code falls back to the SIRET's
        // line (the hierarchical policy), and the page says which level answered.
        let page = get(
            &app,
            &format!("/portail/annuaire?par=adresse&q={SIREN}_{SIRET}_INCONNU"),
        )
        .await;
        assert!(
            page.body.contains("sont reçues par 0002 — Beta"),
            "{}",
            t.name
        );
        assert!(page.body.contains("niveau SIREN_SIRET)"), "{}", t.name);
        assert!(page.body.contains("Aucune ligne en vigueur."), "{}", t.name);

        // A SIREN with no line at all.
        let page = get(&app, "/portail/annuaire?par=siren&q=479612384").await;
        assert!(
            page.body.contains(
                "Aucune ligne en vigueur ne désigne de plateforme pour <strong>479612384</strong>"
            ),
            "{}",
            t.name
        );
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directory_lookup_escapes_values_and_explains_bad_input_in_french() {
    for t in backends().await {
        let app = portal_app(&t).await;
        // The platform name and the typed text are data, never markup.
        let page = get(
            &app,
            &format!("/portail/annuaire?par=adresse&q={SIREN}_FACTURES"),
        )
        .await;
        assert!(
            page.body
                .contains("0003 — &lt;script&gt;alert(&#39;gamma&#39;)&lt;/script&gt; &amp; Cie"),
            "{}: {}",
            t.name,
            page.body
        );
        assert!(!page.body.contains("<script>alert"), "{}", t.name);

        let page = get(&app, "/portail/annuaire?par=siren&q=%22%3E%3Cscript%3Ex").await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", t.name);
        assert!(
            page.body
                .contains("Le SIREN doit compter 9 chiffres et respecter sa clé de contrôle."),
            "{}",
            t.name
        );
        assert!(
            page.body.contains("value=\"&quot;&gt;&lt;script&gt;x\""),
            "{}",
            t.name
        );
        assert!(page.body.contains("aria-invalid=\"true\""), "{}", t.name);
        assert!(!page.body.contains("<script>x"), "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_pages_are_never_cached_and_assets_are_built_in() {
    let t = super::directory_support::sqlite().await;
    let app = portal_app(&t).await;
    for uri in [
        "/portail/",
        "/portail/annuaire",
        "/portail/annuaire?par=siren&q=123",
        "/portail/nulle-part",
    ] {
        let page = get(&app, uri).await;
        assert_eq!(page.cache_control, "no-store", "{uri}");
        assert!(page.body.starts_with("<!doctype html>"), "{uri}");
        assert!(page.body.contains("<html lang=\"fr\">"), "{uri}");
    }
    let missing = get(&app, "/portail/nulle-part").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Cette page n'existe pas."));
    // The API keeps its own problem+json for its unknown paths.
    let api_missing = get(&app, "/nulle-part").await;
    assert_eq!(api_missing.content_type, "application/problem+json");

    let home = get(&app, "/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);

    let css = get(&app, "/portail/static/portail.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.content_type, "text/css; charset=utf-8");
    assert!(css.body.contains(":focus-visible"));
    let js = get(&app, "/portail/static/portail.js").await;
    assert!(js.body.contains("showModal"));
    assert_eq!(
        get(&app, "/portail/static/ailleurs.js").await.status,
        StatusCode::NOT_FOUND
    );
    t.cleanup().await;
}
