//! Shared helpers of the accounts tests: a hub over a fresh database of each backend
//! (see `directory_support`), with a hand-moved clock and a mailbox that catches the
//! reset links, and a small world of two structures built through the HTTP API.

use std::sync::{Arc, LazyLock, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use facteur::accounts::password::Secret;
use facteur::accounts::service::{Accounts, Notifier};
use facteur::accounts::time::{Instant, ManualClock};
use facteur::api::{AppState, OPENAPI, app};
use facteur::directory::Directory;
use facteur::directory::day::{timestamp, unix_now};
use facteur::directory::index::Fallback;
use facteur::directory::model::RoutingCodeRecord;
use facteur::identifiers::{RoutingCode, Siren, Siret};
use facteur::storage::Db;
use serde_json::{Value, json};
use tower::ServiceExt;

use super::directory_schema::{check, template};
use super::directory_support::TestDb;

/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery staple";
/// 2026-11-28T01:00:00Z.
pub const T0: Instant = Instant(1_795_827_600);

/// Structure 1 (ACME) with services A and B; structure 2 (Globex).
pub const SIREN_1: &str = "552100554";
pub const SIRET_1: &str = "55210055400013";
pub const SIREN_2: &str = "732829320";
pub const SIRET_2: &str = "73282932000017";
pub const CODE_A: &str = "COMPTA-A";
pub const CODE_B: &str = "ACHATS-B";
pub const CODE_2: &str = "GLOBEX-1";

/// The reset links the hub "sent".
#[derive(Default)]
pub struct Mailbox(pub Mutex<Vec<(String, String)>>);

impl Notifier for Mailbox {
    fn reset_link(&self, email: &str, token: &Secret) {
        self.0
            .lock()
            .unwrap()
            .push((email.to_string(), token.expose().to_string()));
    }
}

impl Mailbox {
    pub fn last_for(&self, email: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(e, _)| e == email)
            .map(|(_, t)| t.clone())
    }

    pub fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

pub struct Hub {
    pub app: Router,
    pub accounts: Accounts,
    pub clock: Arc<ManualClock>,
    pub mail: Arc<Mailbox>,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
}

async fn seed_directory(db: &Db) {
    let now = timestamp(unix_now());
    for (siren, siret, name) in [(SIREN_1, SIRET_1, "ACME"), (SIREN_2, SIRET_2, "Globex")] {
        let siren = Siren::parse(siren).unwrap();
        let siret = Siret::parse(siret).unwrap();
        db.upsert_legal_unit(&siren, name, "A", &now).await.unwrap();
        db.upsert_establishment(&siret, name, "A", &now)
            .await
            .unwrap();
    }
    let mut tx = db.begin().await.unwrap();
    for (siret, code) in [(SIRET_1, CODE_A), (SIRET_1, CODE_B), (SIRET_2, CODE_2)] {
        tx.insert_routing_code(&RoutingCodeRecord {
            id: 0,
            siret: Siret::parse(siret).unwrap(),
            code: RoutingCode::parse(code).unwrap(),
            label: code.into(),
            code_type: "0224".into(),
            state: "A".into(),
            nature: "Privé".into(),
            legal_commitment: false,
            created_by: "test".into(),
            created_at: now.clone(),
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Every answer of the accounts API is one its OpenAPI operation documents: the
/// status is listed, and a JSON body matches the documented schema (no unknown
/// field, types, enums, nullability).
fn documented(method: &str, uri: &str, status: StatusCode, body: &Value) {
    static DOC: LazyLock<Value> = LazyLock::new(|| serde_json::from_str(OPENAPI).unwrap());
    let path = uri.split('?').next().unwrap_or(uri);
    let t = template(&DOC, path).unwrap_or_else(|| panic!("{path} is not documented"));
    let op = &DOC["paths"][t][method.to_lowercase()];
    assert!(op.is_object(), "{method} {t} is not documented");
    let response = &op["responses"][status.as_str()];
    assert!(
        response.is_object(),
        "{method} {t} answered {status}, which is not documented"
    );
    if status.is_success() && !body.is_null() {
        let schema = &response["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {t} {status}: no documented body"
        );
        let mut errors = Vec::new();
        check(&DOC, schema, body, "body", &mut errors);
        assert!(errors.is_empty(), "{method} {t} {status}: {errors:?}");
    }
}

pub async fn hub(t: &TestDb) -> Hub {
    seed_directory(&t.db).await;
    let clock = Arc::new(ManualClock::at(T0));
    let mail = Arc::new(Mailbox::default());
    let accounts = Accounts::new(t.db.clone(), clock.clone(), mail.clone());
    let directory = Arc::new(
        Directory::open(t.db.clone(), Fallback::Hierarchical)
            .await
            .unwrap(),
    );
    let state = AppState::new(directory).with_accounts(accounts.clone());
    Hub {
        app: app(state),
        accounts,
        clock,
        mail,
    }
}

impl Hub {
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let response = self.app.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let is_json = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        if status.is_client_error() || status.is_server_error() {
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json",
                "{method} {uri}"
            );
        }
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        // A download (an invoice's original) is not JSON: its bytes are in `text`.
        let body = if text.is_empty() || !is_json {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        documented(method, uri, status, &body);
        Reply { status, body, text }
    }

    pub async fn user(&self, email: &str) -> i64 {
        self.accounts
            .create_user(email, &Secret::new(PASSWORD), false)
            .await
            .unwrap()
    }

    pub async fn admin(&self, email: &str) -> i64 {
        self.accounts
            .create_user(email, &Secret::new(PASSWORD), true)
            .await
            .unwrap()
    }

    pub async fn sign_in(&self, email: &str) -> String {
        let r = self
            .call(
                "POST",
                "/v1/auth/sign-in",
                None,
                Some(json!({"email": email, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "sign in {email}: {}", r.text);
        r.body["token"].as_str().unwrap().to_string()
    }

    /// `user` asks for `body` and `manager` approves it; returns the request id.
    pub async fn granted(&self, user: &str, manager: &str, body: Value) {
        let r = self
            .call("POST", "/v1/requests", Some(user), Some(body))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let id = r.body["id"].as_i64().unwrap();
        let r = self
            .call(
                "POST",
                &format!("/v1/requests/{id}/approve"),
                Some(manager),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
}

/// Two structures: ACME (1) managed by m1 with services A (user ua, marked MARKA
/// everywhere) and B (user ub, with every right on B), and Globex (2) managed by m2.
pub struct World {
    pub admin: String,
    pub m1: String,
    pub m2: String,
    pub ua: String,
    pub ub: String,
    pub s1: i64,
    pub s2: i64,
    pub svc_a: i64,
    pub svc_b: i64,
}

pub const UA_EMAIL: &str = "ua-marka@acme.test";

pub async fn world(hub: &Hub) -> World {
    for email in ["m1@acme.test", "ub@acme.test", UA_EMAIL, "m2@globex.test"] {
        hub.user(email).await;
    }
    hub.admin("support@hub.test").await;
    let admin = hub.sign_in("support@hub.test").await;
    let mut structures = Vec::new();
    for (siren, name, manager) in [
        (SIREN_1, "ACME", "m1@acme.test"),
        (SIREN_2, "Globex", "m2@globex.test"),
    ] {
        let r = hub
            .call(
                "POST",
                "/v1/structures",
                Some(&admin),
                Some(json!({"siren": siren, "name": name, "principal_manager": manager})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        structures.push(r.body["id"].as_i64().unwrap());
    }
    let m1 = hub.sign_in("m1@acme.test").await;
    let m2 = hub.sign_in("m2@globex.test").await;
    let mut services = Vec::new();
    for (name, code) in [("Comptabilité MARKA", CODE_A), ("Achats", CODE_B)] {
        let r = hub
            .call(
                "POST",
                &format!("/v1/structures/{}/services", structures[0]),
                Some(&m1),
                Some(json!({"name": name, "routing_code": code})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        services.push(r.body["id"].as_i64().unwrap());
    }
    let r = hub
        .call(
            "POST",
            &format!("/v1/structures/{}/services", structures[1]),
            Some(&m2),
            Some(json!({"name": "Globex compta", "routing_code": CODE_2})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ua = hub.sign_in(UA_EMAIL).await;
    let ub = hub.sign_in("ub@acme.test").await;
    hub.granted(
        &ua,
        &m1,
        json!({"siren": SIREN_1, "routing_code": CODE_A, "comment": "MARKA joins"}),
    )
    .await;
    hub.granted(
        &ub,
        &m1,
        json!({"siren": SIREN_1, "routing_code": CODE_B, "comment": "ub joins"}),
    )
    .await;
    hub.granted(
        &ub,
        &m1,
        json!({"siren": SIREN_1, "routing_code": CODE_B, "comment": "ub manages B",
               "rights": ["submit_invoices", "manage_directory", "manage_users"]}),
    )
    .await;
    World {
        admin,
        m1,
        m2,
        ua,
        ub,
        s1: structures[0],
        s2: structures[1],
        svc_a: services[0],
        svc_b: services[1],
    }
}

/// The invoices of the world, submitted through the hub by platform 0001 from the
/// sample seller: to ACME's service A (marked MARKA), to ACME's service B, to Globex.
pub struct Invoices {
    pub a: String,
    pub b: String,
    pub globex: String,
}

/// A sample invoice numbered `number` to the buyer `(SIREN, SIRET, name)` at `address`.
pub fn invoice_to(number: &str, buyer: (&str, &str, &str), address: &str) -> Vec<u8> {
    let (siren, siret, name) = buyer;
    let vat_key = (12 + 3 * (siren.parse::<u64>().unwrap() % 97)) % 97;
    facteur::samples::ubl_invoice(number, 2)
        .replace("FR80479612384", &format!("FR{vat_key:02}{siren}"))
        .replace(
            "<cbc:EndpointID schemeID=\"0225\">479612384</cbc:EndpointID>",
            &format!("<cbc:EndpointID schemeID=\"0225\">{address}</cbc:EndpointID>"),
        )
        .replace("47961238400012", siret)
        .replace("479612384", siren)
        .replace("Coopérative Agricole du Berry", name)
        .into_bytes()
}

pub async fn seed_invoices(db: &Db) -> Invoices {
    use facteur::directory::Day;
    use facteur::directory::model::{Actor, LineSpec, Platform, PlatformKind};
    use facteur::identifiers::{AddressingId, Matricule};
    // The platforms, and lines sending ACME's and Globex's invoices to 0002 (written
    // the day before, as lines start at the earliest the next day), so that the hub
    // accepts the invoices (200) rather than rejecting them for want of a recipient.
    let now = timestamp(unix_now());
    for (matricule, name) in [("0001", "Alpha"), ("0002", "Beta")] {
        db.upsert_platform(
            &Platform {
                matricule: Matricule::parse(matricule).unwrap(),
                name: name.into(),
                kind: PlatformKind::Pdp,
                inactive_from: None,
            },
            &now,
        )
        .await
        .unwrap();
    }
    let today = Day::today();
    let eve = Directory::open(db.clone(), Fallback::Hierarchical)
        .await
        .unwrap()
        .with_today(today.add_days(-1));
    for siren in [SIREN_1, SIREN_2] {
        eve.create_line(
            Actor::Admin,
            &LineSpec {
                addressing: AddressingId::parse(siren).unwrap(),
                matricule: Matricule::parse("0002").unwrap(),
                start: today,
                end: None,
            },
        )
        .await
        .unwrap();
    }
    let directory = Arc::new(
        Directory::open(db.clone(), Fallback::Hierarchical)
            .await
            .unwrap()
            .with_today(today),
    );
    let hub = facteur::hub::Hub::new(db.clone(), directory);
    let sender = facteur::identifiers::Matricule::parse("0001").unwrap();
    let mut ids = Vec::new();
    for (number, buyer, address) in [
        (
            "MARKA-A-1",
            (SIREN_1, SIRET_1, "ACME MARKA comptabilité"),
            format!("{SIREN_1}_{SIRET_1}_{CODE_A}"),
        ),
        (
            "F-B-1",
            (SIREN_1, SIRET_1, "ACME achats"),
            format!("{SIREN_1}_{SIRET_1}_{CODE_B}"),
        ),
        (
            "F-G-1",
            (SIREN_2, SIRET_2, "Globex GLOBEX-CONFIDENTIEL"),
            format!("{SIREN_2}_{SIRET_2}_{CODE_2}"),
        ),
    ] {
        let receipt = hub
            .submit(invoice_to(number, buyer, &address), sender, None)
            .await
            .unwrap();
        assert!(
            receipt.failures.is_empty(),
            "{number}: {:?}",
            receipt.failures
        );
        ids.push(receipt.invoice_id);
    }
    Invoices {
        a: ids[0].clone(),
        b: ids[1].clone(),
        globex: ids[2].clone(),
    }
}

/// A sample invoice numbered `number` from the seller `(SIREN, SIRET, name)` whose
/// electronic address (BT-34) is `address`, to the sample buyer.
pub fn invoice_from(number: &str, seller: (&str, &str, &str), address: &str) -> Vec<u8> {
    let (siren, siret, name) = seller;
    let vat_key = (12 + 3 * (siren.parse::<u64>().unwrap() % 97)) % 97;
    facteur::samples::ubl_invoice(number, 2)
        .replace("FR89906170857", &format!("FR{vat_key:02}{siren}"))
        .replace(
            "<cbc:EndpointID schemeID=\"0225\">906170857</cbc:EndpointID>",
            &format!("<cbc:EndpointID schemeID=\"0225\">{address}</cbc:EndpointID>"),
        )
        .replace("90617085700237", siret)
        .replace("906170857", siren)
        .replace("Conseil Numérique Azur SAS", name)
        .into_bytes()
}

/// Submits `document` to the hub (as platform 0001) over `db`, after
/// [`seed_invoices`] registered the platforms and lines.
pub async fn submit(db: &Db, document: Vec<u8>) -> facteur::hub::Receipt {
    let directory = Directory::open(db.clone(), Fallback::Hierarchical)
        .await
        .unwrap()
        .with_today(facteur::directory::Day::today());
    facteur::hub::Hub::new(db.clone(), Arc::new(directory))
        .submit(
            document,
            facteur::identifiers::Matricule::parse("0001").unwrap(),
            None,
        )
        .await
        .unwrap()
}
