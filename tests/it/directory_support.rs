//! Shared helpers of the directory tests: a fresh database per test on each backend
//! (SQLite in a temporary file; PostgreSQL when `FACTEUR_TEST_DATABASE_URL` is set),
//! and a small registered world (platforms, a company, an establishment, a code).

use std::sync::atomic::{AtomicU64, Ordering};

use facteur::directory::Day;
use facteur::directory::day::{timestamp, unix_now};
use facteur::directory::model::{Platform, PlatformKind};
use facteur::identifiers::{Matricule, Siren, Siret};
use facteur::storage::Db;
use sqlx::Connection;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A database for one test; call [`TestDb::cleanup`] at the end.
pub struct TestDb {
    pub db: Db,
    pub name: &'static str,
    /// The database's URL, for a child process to open it.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Postgres { admin_url: String, database: String },
}

fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

pub async fn sqlite() -> TestDb {
    let path = std::env::temp_dir().join(format!("facteur_test_{}.db", unique()));
    let url = format!("sqlite://{}", path.display());
    let db = Db::connect(&url).await.expect("sqlite test database");
    TestDb {
        db,
        name: "sqlite",
        url,
        cleanup: Cleanup::File(path),
    }
}

/// A fresh PostgreSQL database, or `None` (with a SKIPPED note) when no server is
/// configured, unless `FACTEUR_REQUIRE_SERVICES=1` makes that a failure.
pub async fn postgres() -> Option<TestDb> {
    let Ok(admin_url) = std::env::var("FACTEUR_TEST_DATABASE_URL") else {
        assert!(
            std::env::var("FACTEUR_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "FACTEUR_REQUIRE_SERVICES=1 but FACTEUR_TEST_DATABASE_URL is not set"
        );
        eprintln!("SKIPPED: PostgreSQL half of the test (set FACTEUR_TEST_DATABASE_URL)");
        return None;
    };
    let database = format!("facteur_test_{}", unique());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to FACTEUR_TEST_DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let _ = admin.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(b, _)| b);
    let url = format!("{base}/{database}");
    let db = Db::connect(&url).await.expect("postgres test database");
    Some(TestDb {
        db,
        name: "postgres",
        url,
        cleanup: Cleanup::Postgres {
            admin_url,
            database,
        },
    })
}

/// SQLite, and PostgreSQL when available.
pub async fn backends() -> Vec<TestDb> {
    let mut dbs = vec![sqlite().await];
    dbs.extend(postgres().await);
    dbs
}

impl TestDb {
    pub async fn cleanup(self) {
        self.db.close().await;
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres {
                admin_url,
                database,
            } => {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
                    )))
                    .execute(&mut admin)
                    .await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}

pub fn day(s: &str) -> Day {
    Day::parse(s).expect("test date")
}

pub fn m(s: &str) -> Matricule {
    Matricule::parse(s).expect("test matricule")
}

/// The test world's company, establishment and routing code.
pub const SIREN: &str = "906170857";
pub const SIRET: &str = "90617085700237";
pub const CODE: &str = "SERVICE-42";

/// Registers platforms 0001 and 0002, the company, its establishment and routing code.
pub async fn seed(db: &Db) {
    let now = timestamp(unix_now());
    for (mat, name) in [("0001", "Alpha"), ("0002", "Beta")] {
        db.upsert_platform(
            &Platform {
                matricule: m(mat),
                name: name.into(),
                kind: PlatformKind::Pdp,
                inactive_from: None,
            },
            &now,
        )
        .await
        .expect("platform");
    }
    let siren = Siren::parse(SIREN).expect("siren");
    let siret = Siret::parse(SIRET).expect("siret");
    db.upsert_legal_unit(&siren, "ACME", "A", &now)
        .await
        .expect("unit");
    db.upsert_establishment(&siret, "ACME Lyon", "A", &now)
        .await
        .expect("establishment");
}
