//! `facteur serve` as a service: settings, `/health`, `/ready` against the real
//! database and broker, `/metrics`, the request log without secrets, HTTPS with a
//! certificate made here, and graceful shutdown (in-process and by SIGTERM).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use facteur::api::server::serve;
use facteur::api::{AppState, ServiceState, app};
use facteur::config::{Config, LogFormat, TlsFiles};
use facteur::directory::{Directory, Fallback};
use facteur::metrics::ServiceMetrics;
use facteur::readiness::{DatabaseProbe, Readiness, probe_fn};
use facteur::routing::{AmqpUrl, ConnectionConfig, check_reachable};
use tower::ServiceExt;

use crate::directory_support::{TestDb, backends};

async fn state(t: &TestDb) -> AppState {
    let directory = Directory::open(t.db.clone(), Fallback::Hierarchical)
        .await
        .unwrap();
    AppState::new(Arc::new(directory))
}

async fn get_text(router: &Router, path: &str) -> (StatusCode, String) {
    let response = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test]
async fn health_ready_and_metrics_on_both_backends() {
    for t in backends().await {
        let router = app(state(&t).await);
        let (status, body) = get_text(&router, "/health").await;
        assert_eq!(status, StatusCode::OK, "{}", t.name);
        assert_eq!(body, r#"{"status":"ok"}"#);
        let (status, body) = get_text(&router, "/ready").await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", t.name);
        assert!(body.contains(r#"{"name":"database","ok":true}"#), "{body}");
        let (status, body) = get_text(&router, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        // The two earlier requests were counted by the request layer.
        assert!(
            body.contains("facteur_http_requests_total{status=\"2xx\"} 2\n"),
            "{body}"
        );
        for family in [
            "facteur_invoices_received_total 0",
            "# TYPE facteur_invoices_rejected_total counter",
            "facteur_delivery_latency_seconds_count 0",
            "facteur_outbox_backlog 0",
            // The tax feed's backlog is scraped too (issue #7).
            "# TYPE facteur_taxfeed_objects gauge",
            "facteur_taxfeed_flows_retrying 0",
            "facteur_taxfeed_oldest_unacknowledged_age_seconds 0",
        ] {
            assert!(body.contains(family), "{family} missing from\n{body}");
        }
        // The database goes away: not ready, and the answer names it.
        t.db.close().await;
        let (status, body) = get_text(&router, "/ready").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{}", t.name);
        assert!(body.contains(r#""name":"database","ok":false"#), "{body}");
        let (status, _) = get_text(&router, "/health").await;
        assert_eq!(status, StatusCode::OK, "alive even when not ready");
        t.cleanup().await;
    }
}

#[tokio::test]
async fn openapi_lists_the_operations_endpoints() {
    let document: serde_json::Value = serde_json::from_str(facteur::api::OPENAPI).unwrap();
    for path in ["/health", "/ready", "/metrics"] {
        assert!(document["paths"][path]["get"].is_object(), "{path}");
    }
}

/// The broker URL of the test environment, or `None` (SKIPPED) unless required.
fn test_broker() -> Option<AmqpUrl> {
    match std::env::var("FACTEUR_TEST_AMQP_URL") {
        Ok(url) => Some(AmqpUrl::parse(&url).unwrap()),
        Err(_) => {
            assert!(
                std::env::var("FACTEUR_REQUIRE_SERVICES").as_deref() != Ok("1"),
                "FACTEUR_REQUIRE_SERVICES=1 but FACTEUR_TEST_AMQP_URL is unset"
            );
            eprintln!("SKIPPED: broker readiness (set FACTEUR_TEST_AMQP_URL)");
            None
        }
    }
}

#[tokio::test]
async fn ready_follows_the_real_broker() {
    let Some(url) = test_broker() else { return };
    let t = crate::directory_support::sqlite().await;
    let probe = |url: AmqpUrl| {
        let mut connection = ConnectionConfig::new(url, "facteur-it-readiness");
        connection.connect_timeout = Duration::from_secs(2);
        probe_fn("broker", move || {
            let connection = connection.clone();
            async move {
                check_reachable(&connection)
                    .await
                    .map_err(|e| e.to_string())
            }
        })
    };
    let readiness = |url: AmqpUrl| ServiceState {
        metrics: ServiceMetrics::new(),
        readiness: Readiness::new()
            .with(Arc::new(DatabaseProbe(t.db.clone())))
            .with(probe(url))
            .with_timeout(Duration::from_secs(5)),
    };
    let router = app(state(&t).await.with_service(readiness(url.clone())));
    let (status, body) = get_text(&router, "/ready").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#"{"name":"broker","ok":true}"#), "{body}");
    // Same credentials, a port where no broker listens.
    let text = std::env::var("FACTEUR_TEST_AMQP_URL").unwrap();
    let mut dead = url::Url::parse(&text).unwrap();
    dead.set_port(Some(1)).unwrap();
    let router = app(state(&t)
        .await
        .with_service(readiness(AmqpUrl::parse(dead.as_str()).unwrap())));
    let (status, body) = get_text(&router, "/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains(r#""name":"broker","ok":false"#), "{body}");
    assert!(body.contains(r#"{"name":"database","ok":true}"#), "{body}");
    if let Some(password) = dead.password() {
        assert!(!body.contains(&format!(":{password}@")), "{body}");
    }
    t.cleanup().await;
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn logs_never_show_tokens_or_passwords() {
    const TOKEN: &str = "tok-Zq8vN3xKpL0wR7";
    const DB_PASSWORD: &str = "db-pw-Hj4kTn9";
    const BROKER_PASSWORD: &str = "mq-pw-Yc2mXe5";
    for format in [LogFormat::Text, LogFormat::Json] {
        let captured = Captured::default();
        let _guard = tracing::subscriber::set_default(facteur::logging::subscriber(
            format,
            "debug",
            captured.clone(),
        ));
        let db_url = format!("postgres://facteur:{DB_PASSWORD}@127.0.0.1:1/facteur");
        let settings = format!(
            "database_url = \"{db_url}\"\namqp_url = \"amqp://guest:{BROKER_PASSWORD}@127.0.0.1:1/%2f\"\n"
        );
        let config = Config::from_sources(Some(("facteur.toml", &settings)), |_| None).unwrap();
        config.log_effective();
        tracing::info!(config = ?config, "debug form of the settings");
        // The real server refuses these credentials: what the error says is logged too.
        if let Ok(admin) = std::env::var("FACTEUR_TEST_DATABASE_URL") {
            let mut refused = url::Url::parse(&admin).unwrap();
            refused.set_username("facteur_absent_role").unwrap();
            refused.set_password(Some(DB_PASSWORD)).unwrap();
            let error = facteur::storage::Db::connect(refused.as_str())
                .await
                .unwrap_err();
            tracing::error!(error = %error, "cannot open the database");
        } else {
            tracing::error!("cannot open the database (not tried: no PostgreSQL configured)");
        }
        // Another test thread may have registered the request log's callsite while no
        // subscriber was listening, caching "never": recompute with ours in place.
        tracing::callsite::rebuild_interest_cache();
        // A request with a bearer token (unknown: 401) and a token in the query string.
        let t = crate::directory_support::sqlite().await;
        let router = app(state(&t).await);
        let response = router
            .oneshot(
                Request::get(format!("/siren/code-insee:123456789?access_token={TOKEN}"))
                    .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        t.cleanup().await;
        let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        // The events were there (a test that captured nothing would prove nothing)…
        assert!(logs.contains("/siren/code-insee:123456789"), "{logs}");
        assert!(logs.contains("401"), "{logs}");
        assert!(
            logs.contains("postgres://facteur:****@127.0.0.1:1/facteur"),
            "{logs}"
        );
        assert!(logs.contains("amqp://guest:****@127.0.0.1:1/%2f"), "{logs}");
        assert!(logs.contains("cannot open the database"), "{logs}");
        // …and no secret in them.
        for secret in [TOKEN, DB_PASSWORD, BROKER_PASSWORD] {
            assert!(
                !logs.contains(secret),
                "{format:?} logs show {secret}:\n{logs}"
            );
        }
        if format == LogFormat::Json {
            for line in logs.lines() {
                serde_json::from_str::<serde_json::Value>(line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            }
        }
    }
}

fn free_listener() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_self_signed_certificate() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = std::env::temp_dir().join(format!("facteur-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    std::fs::write(&files.cert, certified.cert.pem()).unwrap();
    std::fs::write(&files.key, certified.signing_key.serialize_pem()).unwrap();
    let t = crate::directory_support::sqlite().await;
    let listener = free_listener();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn({
        let router = app(state(&t).await);
        let files = files.clone();
        async move {
            serve(listener, Some(&files), router, async {
                let _ = stopped.await;
            })
            .await
        }
    });
    let trusted = reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([trusted])
        .resolve("localhost", address)
        .build()
        .unwrap();
    let response = client
        .get(format!("https://localhost:{}/health", address.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), r#"{"status":"ok"}"#);
    // A client that does not trust the certificate is refused at the handshake.
    let untrusting = reqwest::Client::builder()
        .tls_certs_only([])
        .resolve("localhost", address)
        .build()
        .unwrap();
    assert!(
        untrusting
            .get(format!("https://localhost:{}/health", address.port()))
            .send()
            .await
            .is_err()
    );
    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = reqwest::Client::new()
        .get(format!("http://{address}/health"))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err() || plain.unwrap().status() != 200);
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    // A missing key file is a clear error naming both files.
    let missing = TlsFiles {
        cert: files.cert.clone(),
        key: dir.join("absent.pem"),
    };
    let err = serve(
        free_listener(),
        Some(&missing),
        Router::new(),
        std::future::pending(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("cannot read the TLS certificate") && err.contains("absent.pem"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_flight_finish() {
    let router = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(800)).await;
            "done"
        }),
    );
    let listener = free_listener();
    let address: SocketAddr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, None, router, async {
        let _ = stopped.await;
    }));
    let in_flight = tokio::spawn(async move {
        reqwest::get(format!("http://{address}/slow"))
            .await?
            .text()
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).unwrap();
    // The slow request started before the signal and still gets its answer.
    assert_eq!(in_flight.await.unwrap().unwrap(), "done");
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("serve returns once drained")
        .unwrap()
        .unwrap();
    // After the drain nothing listens any more.
    assert!(
        reqwest::get(format!("http://{address}/slow"))
            .await
            .is_err()
    );
}

/// Runs `facteur serve` on a free port over the SQLite file `db`; returns the child,
/// its address and its log (read it, or drain it, so the server never blocks on a
/// full pipe). Shared with `send`.
pub(crate) fn spawn_serve(
    db: &std::path::Path,
) -> (
    std::process::Child,
    String,
    BufReader<std::process::ChildStderr>,
) {
    spawn_serve_with(db, &[])
}

/// [`spawn_serve`] with more settings in the environment.
// The child is returned to the caller, which waits for it.
#[allow(clippy::zombie_processes)]
pub(crate) fn spawn_serve_with(
    db: &std::path::Path,
    settings: &[(&str, &str)],
) -> (
    std::process::Child,
    String,
    BufReader<std::process::ChildStderr>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_facteur"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("FACTEUR_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env_remove("FACTEUR_CONFIG")
        .env_remove("FACTEUR_AMQP_URL")
        .env_remove("FACTEUR_TLS_CERT")
        .env_remove("FACTEUR_TLS_KEY")
        .envs(settings.iter().copied())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            let _ = child.kill();
            let status = child.wait();
            panic!("serve exited before listening: {status:?}");
        }
        if let Some(rest) = line.split("address=http://").nth(1) {
            return (child, rest.trim().to_string(), stderr);
        }
    }
}

/// Runs a `facteur` subcommand on `db`, returning its stdout. Shared with `send`.
pub(crate) fn facteur(db: &std::path::Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_facteur"))
        .args(args)
        .env("FACTEUR_DATABASE_URL", format!("sqlite://{}", db.display()))
        .env_remove("FACTEUR_CONFIG")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A zip of three sample invoices.
fn sample_batch() -> Vec<u8> {
    use std::io::Write as _;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for n in 0..3 {
        let number = format!("E-{n}");
        writer
            .start_file(
                format!("{number}.xml"),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
        writer
            .write_all(facteur::samples::ubl_invoice(&number, 1).as_bytes())
            .unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The platform identity that turns the tax feed's follower on in `facteur serve`.
const TAX_PLATFORM: [(&str, &str); 3] = [
    ("FACTEUR_PLATFORM_MATRICULE", "0042"),
    ("FACTEUR_PLATFORM_NAME", "Plateforme de test"),
    ("FACTEUR_TAX_APPLICATION_CODE", "AAA123"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_works_batches_and_stops_cleanly_on_sigterm() {
    let db = std::env::temp_dir().join(format!("facteur-sigterm-{}.db", std::process::id()));
    let setup = db.clone();
    let token = tokio::task::spawn_blocking(move || {
        facteur(&setup, &["platform", "add", "0001", "--name", "Alpha"]);
        facteur(&setup, &["platform", "credential", "0001"])
            .trim()
            .lines()
            .last()
            .unwrap()
            .to_string()
    })
    .await
    .unwrap();
    let spawned = db.clone();
    let (mut child, address, mut stderr) =
        tokio::task::spawn_blocking(move || spawn_serve_with(&spawned, &TAX_PLATFORM))
            .await
            .unwrap();
    let health = reqwest::get(format!("http://{address}/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    // The serve process runs the batch worker: an upload is worked to the end.
    let client = reqwest::Client::new();
    let uploaded: serde_json::Value = client
        .post(format!("http://{address}/v1/batches"))
        .bearer_auth(&token)
        .header("content-type", "application/zip")
        .body(sample_batch())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap();
    let status_url = format!(
        "http://{address}{}",
        uploaded["status_url"].as_str().unwrap()
    );
    let mut progress = serde_json::Value::Null;
    for _ in 0..200 {
        progress = client
            .get(&status_url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .map(|text| serde_json::from_str(&text).unwrap())
            .unwrap();
        if progress["state"] == "finished" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(progress["state"], "finished", "{progress}");
    assert_eq!(progress["processed"], 3, "{progress}");
    let metrics = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("facteur_batch_documents_processed_total 3\n"),
        "{metrics}"
    );

    // With the platform identity set, serve also runs the tax feed's follower: each
    // of the three first statuses is followed and turned into its tax object (a 200
    // into F1 and F6, a 213 of these domestic invoices into its F6).
    let mut followed = String::new();
    for _ in 0..100 {
        let inspected = db.clone();
        followed = tokio::task::spawn_blocking(move || facteur(&inspected, &["taxfeed", "status"]))
            .await
            .unwrap();
        if followed.contains("hub statuses followed: 3;") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        followed.contains("hub statuses followed: 3; kept as problems: 0"),
        "{followed}"
    );
    let f6 = followed
        .lines()
        .filter(|l| l.trim_start().starts_with("F6 "))
        .filter_map(|l| l.split_whitespace().last()?.parse::<u32>().ok())
        .sum::<u32>();
    assert_eq!(f6, 3, "one F6 message per followed status:\n{followed}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || {
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        (child.wait().unwrap(), rest)
    });
    let (exit, rest) = tokio::time::timeout(Duration::from_secs(20), exit)
        .await
        .expect("facteur serve exits after SIGTERM")
        .unwrap();
    assert_eq!(exit.code(), Some(0), "{rest}");
    assert!(
        rest.contains("shutting down") && rest.contains("stopped"),
        "{rest}"
    );
    assert!(
        rest.contains("tax feed followed the hub followed=3"),
        "{rest}"
    );
    assert!(!rest.contains(&token), "the credential is never logged");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}

#[test]
fn a_bad_settings_file_is_refused_naming_the_key() {
    let path = std::env::temp_dir().join(format!("facteur-bad-{}.toml", std::process::id()));
    std::fs::write(&path, "lisen = \"127.0.0.1:0\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_facteur"))
        .args(["serve", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("setting lisen: unknown setting"),
        "{stderr}"
    );
}
