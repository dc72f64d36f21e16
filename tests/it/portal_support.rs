//! The portal's test world, shared by the page tests (`portal`) and the browser tests
//! (`portal_browser`): the accounts world of `accounts_support` (ACME with services A
//! and B, Globex, their managers m1 and m2, ua and ub), a directory with lines, and
//! pending requests to decide:
//! - alice asks to join ACME's service A, bob ACME's service B: m1 decides both, ub
//!   (who manages users of B) decides bob's only;
//! - carol asks to join Globex, with a comment marked `GLOBEX-CONFIDENTIEL`: only m2
//!   decides it, and no one of ACME may ever see that marker.

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use facteur::api::{AppState, app};
use facteur::directory::Directory;
use facteur::directory::day::{timestamp, unix_now};
use facteur::directory::import::import_csv;
use facteur::directory::index::Fallback;
use facteur::directory::model::{Platform, PlatformKind};
use facteur::storage::Db;
use serde_json::{Value, json};

use super::accounts_support::{
    CODE_A, CODE_B, Hub, Invoices, SIREN_1, SIREN_2, UA_EMAIL, hub, seed_invoices, world,
};
use super::directory_support::{SIREN, SIRET, TestDb, day, m, seed};

/// Routing codes under the directory world's SIRET, so its list takes three pages.
pub const CODES: usize = 45;
/// Written into Globex's data only: it must appear on no ACME page.
pub const GLOBEX_MARKER: &str = "GLOBEX-CONFIDENTIEL";

pub const ALICE: &str = "alice@acme.test";
pub const BOB: &str = "bob@acme.test";
pub const CAROL: &str = "carol@globex.test";
/// Used only to be locked out.
pub const DAVE: &str = "dave@acme.test";
pub const M1: &str = "m1@acme.test";
pub const M2: &str = "m2@globex.test";
pub const UB: &str = "ub@acme.test";

/// The directory lines: the directory test world, a platform whose name tries to
/// inject markup, [`CODES`] routing codes and a line that ended before today.
pub async fn seed_lines(db: &Db) {
    seed(db).await;
    db.upsert_platform(
        &Platform {
            matricule: m("0003"),
            name: "<script>alert('gamma')</script> & Cie".into(),
            kind: PlatformKind::Pdp,
            inactive_from: None,
        },
        &timestamp(unix_now()),
    )
    .await
    .expect("platform 0003");
    let mut csv = format!(
        "siren,siret,routing_code,suffix,platform,start,end\n\
         {SIREN},,,,0001,2026-01-01,\n\
         {SIREN},{SIRET},,,0002,2026-01-01,\n\
         {SIREN},,,FACTURES,0003,2026-01-01,\n\
         {SIREN},{SIRET},ANCIEN,,0001,2025-01-01,2026-01-01\n"
    );
    for i in 0..CODES {
        csv.push_str(&format!(
            "{SIREN},{SIRET},SERVICE-{i:02},,0001,2026-01-01,\n"
        ));
    }
    let report = import_csv(db, std::io::Cursor::new(csv.into_bytes()), 100, |_, _| {})
        .await
        .expect("import");
    assert_eq!(report.refused, 0, "{:?}", report.errors);
}

pub struct PortalWorld {
    pub app: Router,
    pub alice_request: i64,
    pub bob_request: i64,
    pub carol_request: i64,
    /// ACME's service A's (MARKA), service B's, Globex's (marked [`GLOBEX_MARKER`]).
    pub invoices: Invoices,
}

async fn ask(hub: &Hub, email: &str, body: Value) -> i64 {
    hub.user(email).await;
    let token = hub.sign_in(email).await;
    let r = hub
        .call("POST", "/v1/requests", Some(&token), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

pub async fn portal_world(t: &TestDb) -> PortalWorld {
    let hub = hub(t).await;
    world(&hub).await;
    seed_lines(&t.db).await;
    let alice_request = ask(
        &hub,
        ALICE,
        json!({"siren": SIREN_1, "routing_code": CODE_A, "comment": "Alice rejoint la comptabilité"}),
    )
    .await;
    let bob_request = ask(
        &hub,
        BOB,
        json!({"siren": SIREN_1, "routing_code": CODE_B, "comment": "Bob saisit les achats"}),
    )
    .await;
    let carol_request = ask(
        &hub,
        CAROL,
        json!({"siren": SIREN_2, "comment": format!("{GLOBEX_MARKER} Carol rejoint Globex")}),
    )
    .await;
    hub.user(DAVE).await;
    let invoices = seed_invoices(&t.db).await;
    let directory = Directory::open(t.db.clone(), Fallback::Hierarchical)
        .await
        .expect("directory")
        .with_today(day("2026-10-15"));
    let app = app(AppState::new(Arc::new(directory)).with_accounts(hub.accounts.clone()));
    PortalWorld {
        app,
        alice_request,
        bob_request,
        carol_request,
        invoices,
    }
}

/// Everyone's email, for the browser script.
pub fn people() -> Value {
    json!({
        "m1": M1, "m2": M2, "ub": UB, "ua": UA_EMAIL,
        "alice": ALICE, "bob": BOB, "carol": CAROL, "dave": DAVE,
    })
}
