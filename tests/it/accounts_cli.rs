//! `facteur accounts …` as an operator runs it on a fresh hub: the first
//! administrator, a user, a reset link when no mail is configured, disabling; then
//! the HTTP API over the same database accepts them.

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use facteur::api::{AppState, app};
use facteur::directory::Directory;
use facteur::directory::index::Fallback;
use facteur::storage::Db;
use serde_json::{Value, json};
use tower::ServiceExt;

fn facteur(db: &str, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_facteur"))
        .args(args)
        .env("FACTEUR_DATABASE_URL", db)
        .env_remove("FACTEUR_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn post(
    router: &axum::Router,
    uri: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method("POST")
        .uri(uri)
        .header("content-type", "application/json");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let response = router
        .clone()
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn an_operator_bootstraps_a_fresh_hub_from_the_command_line() {
    let path = std::env::temp_dir().join(format!("facteur-accounts-cli-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let url = format!("sqlite://{}", path.display());

    let (code, out, err) = facteur(
        &url,
        &["accounts", "admin", "add", "root@hub.test"],
        "root password 123\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("administrator root@hub.test (user "),
        "{out}"
    );
    assert!(!out.contains("root password") && !err.contains("root password 123"));
    let (code, _, err) = facteur(
        &url,
        &["accounts", "user", "add", "lena@acme.test"],
        "short\n",
    );
    assert_eq!(code, 2, "too short");
    assert!(err.contains("at least 12 characters"), "{err}");
    let (code, _, err) = facteur(
        &url,
        &["accounts", "user", "add", "lena@acme.test"],
        "lena password 12\n",
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = facteur(
        &url,
        &["accounts", "user", "add", "LENA@acme.test"],
        "lena password 12\n",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("an account with this email already exists"),
        "{err}"
    );
    let (code, token, err) = facteur(
        &url,
        &["accounts", "user", "reset-link", "lena@acme.test"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let token = token.trim().to_string();
    assert!(token.starts_with("fct_reset_"), "{token}");

    let db = Db::connect(&url).await.unwrap();
    let directory = Arc::new(
        Directory::open(db.clone(), Fallback::Hierarchical)
            .await
            .unwrap(),
    );
    let router = app(AppState::new(directory));
    let (status, body) = post(
        &router,
        "/v1/auth/sign-in",
        None,
        json!({"email": "root@hub.test", "password": "root password 123"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = post(
        &router,
        "/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "password": "lena new password"}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = post(
        &router,
        "/v1/auth/sign-in",
        None,
        json!({"email": "lena@acme.test", "password": "lena new password"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    db.close().await;

    let (code, out, err) = facteur(
        &url,
        &[
            "accounts",
            "user",
            "disable",
            "lena@acme.test",
            "--reason",
            "left",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "user lena@acme.test disabled");
    let db = Db::connect(&url).await.unwrap();
    let directory = Arc::new(
        Directory::open(db.clone(), Fallback::Hierarchical)
            .await
            .unwrap(),
    );
    let router = app(AppState::new(directory));
    let (status, body) = post(
        &router,
        "/v1/auth/sign-in",
        None,
        json!({"email": "lena@acme.test", "password": "lena new password"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a disabled user cannot sign in: {body}"
    );
    db.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
