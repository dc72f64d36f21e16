//! The portal in a real browser: the scenarios of `tests/portal/e2e.mjs` run in
//! Debian's headless Chromium (playwright-core) against the hub served in-process on a
//! seeded SQLite database. Screenshots of every page go to
//! `$CARGO_TARGET_TMPDIR/portal-screenshots/`.
//!
//! Needs node, `/usr/bin/chromium` and `npm ci` in `tests/portal` (all installed by
//! `.ci/run`); without them the test is skipped, unless `FACTEUR_REQUIRE_SERVICES=1`
//! makes that a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::accounts_support::PASSWORD;
use super::directory_support::{SIREN, SIRET, sqlite};
use super::portal_support::{GLOBEX_MARKER, people, portal_world};

/// The browser, overridable for machines where it lives elsewhere.
fn chromium() -> PathBuf {
    std::env::var_os("FACTEUR_CHROMIUM").map_or_else(|| "/usr/bin/chromium".into(), PathBuf::from)
}

fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/portal")
}

/// What is missing to run the browser tests, if anything.
fn missing_tools() -> Option<String> {
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node".into());
    }
    if !chromium().exists() {
        return Some(format!("{}", chromium().display()));
    }
    if !scripts_dir().join("node_modules/playwright-core").exists() {
        return Some("tests/portal/node_modules (run `npm ci` in tests/portal)".into());
    }
    None
}

/// Every page the scenarios must have photographed.
const SCREENSHOTS: &[&str] = &[
    "annuaire",
    "annuaire-resultats",
    "annuaire-erreur",
    "connexion",
    "connexion-verrouillee",
    "accueil-gestionnaire",
    "approbations",
    "demande",
    "refus-dialogue",
    "approbations-apres-refus",
    "mes-demandes",
    "demande-refusee",
    "approbations-autre-compte",
    "factures",
    "facture",
    "facture-autre",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_scenarios_pass_in_headless_chromium() {
    if let Some(missing) = missing_tools() {
        assert!(
            std::env::var("FACTEUR_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "FACTEUR_REQUIRE_SERVICES=1 but {missing} is missing for the browser tests"
        );
        eprintln!("SKIPPED: portal browser tests ({missing} is missing)");
        return;
    }
    let t = sqlite().await;
    let w = portal_world(&t).await;
    let app = w.app.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal-screenshots");
    for name in SCREENSHOTS {
        let _ = std::fs::remove_file(shots.join(format!("{name}.png")));
    }
    let world = serde_json::json!({
        "siren": SIREN,
        "siret": SIRET,
        "password": PASSWORD,
        "people": people(),
        "globexMarker": GLOBEX_MARKER,
        "invoices": {
            "ua": w.invoices.a,
            "uaNumber": "MARKA-A-1",
            "others": [w.invoices.b, w.invoices.globex],
            "otherNumbers": ["F-B-1", "F-G-1"],
        },
        "requests": {
            "alice": w.alice_request,
            "bob": w.bob_request,
            "carol": w.carol_request,
        },
    });
    let mut command = Command::new("node");
    command
        .arg("e2e.mjs")
        .current_dir(scripts_dir())
        .env("PORTAL_URL", format!("http://{address}"))
        .env("SCREENSHOT_DIR", &shots)
        .env("PORTAL_WORLD", world.to_string())
        .env("CHROMIUM", chromium());
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("run node e2e.mjs");
    server.abort();
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "browser scenarios failed");
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    assert!(
        stdout.contains(" 0 skipped"),
        "no scenario is left pending: {stdout}"
    );
    for name in SCREENSHOTS {
        let path = shots.join(format!("{name}.png"));
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(
            size > 1000,
            "screenshot {} missing or empty",
            path.display()
        );
    }
    t.cleanup().await;
}
