//! The hub tests' world: a database (per backend), platforms 0001 (the sellers'),
//! 0002 (the buyers') and 0003 (an outsider) with credentials, the sample invoices'
//! companies, and a directory line sending the sample buyer's invoices to 0002.

use std::sync::Arc;

use facteur::api::credential_hash;
use facteur::directory::day::{timestamp, unix_now};
use facteur::directory::model::{Actor, LineSpec, Platform, PlatformKind};
use facteur::directory::{Directory, Fallback};
use facteur::hub::Hub;
use facteur::identifiers::{AddressingId, Siren};
use facteur::storage::Db;

use crate::directory_support::{day, m};

/// "Today" of the hub tests: after the sample invoices' date (2026-09-15).
pub const TODAY: &str = "2026-11-28";
pub const SELLER: &str = "906170857";
pub const BUYER: &str = "479612384";

/// The bearer credential of a test platform.
pub fn token(matricule: &str) -> String {
    format!("test-token-{matricule}")
}

/// Registers the world in `db` and opens the hub over it.
pub async fn world(db: &Db) -> Arc<Hub> {
    let now = timestamp(unix_now());
    for (matricule, name) in [("0001", "Alpha"), ("0002", "Beta"), ("0003", "Gamma")] {
        db.upsert_platform(
            &Platform {
                matricule: m(matricule),
                name: name.into(),
                kind: PlatformKind::Pdp,
                inactive_from: None,
            },
            &now,
        )
        .await
        .unwrap();
        db.add_credential(m(matricule), &credential_hash(&token(matricule)), &now)
            .await
            .unwrap();
    }
    for (siren, name) in [(SELLER, "Seller SAS"), (BUYER, "Buyer SA")] {
        db.upsert_legal_unit(&Siren::parse(siren).unwrap(), name, "A", &now)
            .await
            .unwrap();
    }
    // Lines start at the earliest tomorrow (G1.84): created the day before TODAY.
    let eve = Directory::open(db.clone(), Fallback::Hierarchical)
        .await
        .unwrap()
        .with_today(day(TODAY).add_days(-1));
    for (siren, platform) in [(BUYER, "0002"), (SELLER, "0001")] {
        eve.create_line(
            Actor::Admin,
            &LineSpec {
                addressing: AddressingId::parse(siren).unwrap(),
                matricule: m(platform),
                start: day(TODAY),
                end: None,
            },
        )
        .await
        .unwrap();
    }
    let directory = Directory::open(db.clone(), Fallback::Hierarchical)
        .await
        .unwrap()
        .with_today(day(TODAY));
    Arc::new(Hub::new(db.clone(), Arc::new(directory)))
}

/// The status codes of an invoice's chain, in order.
pub async fn status_codes(db: &Db, invoice_id: &str) -> Vec<u16> {
    db.statuses(invoice_id)
        .await
        .unwrap()
        .iter()
        .map(|s| s.status)
        .collect()
}

/// Rows of a table, read directly (the tests' own check of what was stored).
pub async fn count(db: &Db, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match db {
        Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .unwrap(),
        Db::Pg(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(p)
            .await
            .unwrap(),
    }
}

/// Runs a statement directly, as someone tampering with the database would.
pub async fn execute(db: &Db, sql: &str) -> u64 {
    let sql = sql.to_string();
    match db {
        Db::Sqlite(p) => sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
        Db::Pg(p) => sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(p)
            .await
            .unwrap()
            .rows_affected(),
    }
}
