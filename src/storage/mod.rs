//! Storage: the only module that writes SQL. One [`Db`] over SQLite (the embedded
//! default) or PostgreSQL, the same SQL text on both (`$N` placeholders), one
//! migration directory per backend (their DDL differs).
//!
//! Writes that read before they write (the rules need the current lines) run in one
//! transaction: `BEGIN IMMEDIATE` on SQLite, so that WAL's single writer is taken at
//! the start rather than failing with SQLITE_BUSY_SNAPSHOT at the first write.

mod accounts;
pub mod batches;
mod bulk;
mod confirms;
pub mod hub;
mod lines;
pub mod outbox;
mod registry;
pub mod search;
pub mod submissions;
pub mod taxfeed;

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, SqlSafeStr, Sqlite, Transaction};

pub use accounts::{AuditRecord, TechnicalAccount, UserRecord};
pub use bulk::{ImportRow, ImportStats, LoadMode};
pub use hub::{
    InvoiceFilter, InvoiceParties, InvoiceRecord, NewStatus, StatusRecord, StoredFailure,
};
pub use lines::RowError;
pub use outbox::{Ack, RELAY_LEASE};
pub use search::{Bind, Page, Sort};

/// Default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://facteur.db";

/// SQLite page cache per connection (negative: KiB): 64 MB, so that a bulk load's
/// index pages stay in memory rather than being re-read through the OS.
const SQLITE_CACHE: &str = "-65536";

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored row is not readable: {0}")]
    Corrupt(String),
    #[error("refused: {0}")]
    Conflict(String),
    #[error("database URL {0:?} is neither sqlite: nor postgres:")]
    Url(String),
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// The database, whichever backend.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// Runs the same body against whichever pool (`$p`) the database has.
macro_rules! with_pool {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::storage::Db::Sqlite($p) => $body,
            $crate::storage::Db::Pg($p) => $body,
        }
    };
}
pub(crate) use with_pool;

/// A write transaction, whichever backend.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

/// Runs the same body against whichever transaction's connection (`$c`).
macro_rules! with_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::storage::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::storage::Tx::Pg(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use with_tx;

/// The migrations, in order: (version, name, SQLite DDL, PostgreSQL DDL). One file per
/// capability and backend under `migrations/`; a new capability appends a row (never
/// edit a row that has shipped: sqlx checks each applied migration's checksum).
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "directory",
        include_str!("../../migrations/sqlite/0001_directory.sql"),
        include_str!("../../migrations/postgres/0001_directory.sql"),
    ),
    (
        2,
        "hub",
        include_str!("../../migrations/sqlite/0002_hub.sql"),
        include_str!("../../migrations/postgres/0002_hub.sql"),
    ),
    (
        3,
        "accounts",
        include_str!("../../migrations/sqlite/0003_accounts.sql"),
        include_str!("../../migrations/postgres/0003_accounts.sql"),
    ),
    (
        4,
        "taxfeed",
        include_str!("../../migrations/sqlite/0004_taxfeed.sql"),
        include_str!("../../migrations/postgres/0004_taxfeed.sql"),
    ),
    (
        5,
        "batches",
        include_str!("../../migrations/sqlite/0005_batches.sql"),
        include_str!("../../migrations/postgres/0005_batches.sql"),
    ),
    (
        6,
        "invoice_visibility",
        include_str!("../../migrations/sqlite/0006_invoice_visibility.sql"),
        include_str!("../../migrations/postgres/0006_invoice_visibility.sql"),
    ),
    (
        7,
        "outbox_timing",
        include_str!("../../migrations/sqlite/0007_outbox_timing.sql"),
        include_str!("../../migrations/postgres/0007_outbox_timing.sql"),
    ),
    (
        8,
        "taxfeed_follower",
        include_str!("../../migrations/sqlite/0008_taxfeed_follower.sql"),
        include_str!("../../migrations/postgres/0008_taxfeed_follower.sql"),
    ),
    (
        9,
        "outbox_confirms",
        include_str!("../../migrations/sqlite/0009_outbox_confirms.sql"),
        include_str!("../../migrations/postgres/0009_outbox_confirms.sql"),
    ),
    (
        10,
        "storage_costs",
        include_str!("../../migrations/sqlite/0010_storage_costs.sql"),
        include_str!("../../migrations/postgres/0010_storage_costs.sql"),
    ),
];

fn migrator(backend: Backend) -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|&(version, name, sqlite, postgres)| {
                let sql = match backend {
                    Backend::Sqlite => sqlite,
                    Backend::Postgres => postgres,
                };
                Migration::new(
                    version,
                    name.into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// How long a PostgreSQL query waits for a pooled connection before giving up.
pub const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Db {
    /// Connects (creating a SQLite file if missing) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Db> {
        let db = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // A connection is waited for 5 s at most: with the database down, a request
            // answers 503 at once-ish rather than reaching the HTTP timeout (30 s, 408).
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(PG_ACQUIRE_TIMEOUT)
                .connect(url)
                .await?;
            Db::Pg(pool)
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .pragma("cache_size", SQLITE_CACHE);
            Db::Sqlite(Self::sqlite_pool(options).await?)
        } else if !url.contains("://") {
            let options = SqliteConnectOptions::new()
                .filename(url)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .pragma("cache_size", SQLITE_CACHE);
            Db::Sqlite(Self::sqlite_pool(options).await?)
        } else {
            return Err(StorageError::Url(url.to_string()));
        };
        db.migrate().await?;
        db.ensure_indexes().await?;
        Ok(db)
    }

    async fn sqlite_pool(options: SqliteConnectOptions) -> Result<SqlitePool> {
        Ok(SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?)
    }

    async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(pool) => migrator(Backend::Sqlite).run(pool).await?,
            Db::Pg(pool) => migrator(Backend::Postgres).run(pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Pg(_) => "postgres",
        }
    }

    /// Opens a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Pg(pool) => Tx::Pg(pool.begin().await?),
        })
    }

    /// A trivial round trip: the database is reachable and answers (readiness).
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, p => {
            sqlx::query("SELECT 1").execute(p).await?;
        });
        Ok(())
    }

    pub async fn close(&self) {
        with_pool!(self, p => p.close().await)
    }
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Pg(t) => t.commit().await?,
        }
        Ok(())
    }
}
