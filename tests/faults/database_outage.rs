//! PostgreSQL stopped under a running `facteur serve`: ingest answers 503 with a
//! clear error and records nothing, then resumes by itself once the database is back.
//! The database is a private PostgreSQL server this test starts (never the shared
//! one other tests use).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use facteur::storage::Db;

use crate::harness::{
    Deliveries, Serve, World, assert_delivered, eventually, invoice, serial, submit,
};

/// A PostgreSQL server of its own in a temporary directory, on a free loopback port,
/// run as the `postgres` user; stopped and removed when dropped.
struct PrivatePostgres {
    dir: PathBuf,
    port: u16,
}

fn bin(name: &str) -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server binaries under /usr/lib/postgresql")
        .filter_map(|e| Some(e.ok()?.path().join("bin").join(name)))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.pop().expect("initdb and pg_ctl")
}

fn as_postgres(program: &PathBuf, args: &[&str]) -> bool {
    Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl PrivatePostgres {
    fn start() -> PrivatePostgres {
        let dir = std::env::temp_dir().join(format!("facteur-faults-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let owned = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&dir)
            .status();
        assert!(owned.is_ok_and(|s| s.success()), "chown {}", dir.display());
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data = dir.join("data");
        let data = data.to_str().unwrap();
        let made = as_postgres(
            &bin("initdb"),
            &["-D", data, "-A", "trust", "-U", "postgres"],
        );
        assert!(made, "initdb");
        let server = PrivatePostgres { dir, port };
        server.pg_ctl_start();
        server
    }

    fn data(&self) -> String {
        self.dir.join("data").to_str().unwrap().to_string()
    }

    fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log");
        let started = as_postgres(
            &bin("pg_ctl"),
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                log.to_str().unwrap(),
                "-w",
                "start",
            ],
        );
        assert!(started, "pg_ctl start");
    }

    /// Stops it at once, as a crash would: connections cut, no checkpoint.
    fn stop_immediately(&self) {
        let stopped = as_postgres(
            &bin("pg_ctl"),
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
        assert!(stopped, "pg_ctl stop");
    }

    fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = as_postgres(
            &bin("pg_ctl"),
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_down_answers_503_then_ingest_resumes_by_itself() {
    let _serial = serial().await;
    // Required like the other services: this test needs the broker and a PostgreSQL
    // installation.
    if std::env::var("FACTEUR_TEST_DATABASE_URL").is_err() {
        assert!(
            std::env::var("FACTEUR_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "FACTEUR_REQUIRE_SERVICES=1 but FACTEUR_TEST_DATABASE_URL is unset"
        );
        return;
    }
    let postgres = PrivatePostgres::start();
    let Some(world) = World::on(postgres.admin_url(), "pgdown").await else {
        return;
    };
    let serve = Serve::start(&world, &world.database_url, &[]);
    let deliveries = Deliveries::start(&world);
    let client = reqwest::Client::new();
    let base = serve.url("");
    for i in 0..10 {
        let (status, receipt) = submit(&client, &base, invoice(&format!("P-{i}")))
            .await
            .unwrap();
        assert_eq!(status, 201, "{receipt}");
    }

    postgres.stop_immediately();
    let asked = Instant::now();
    let (status, answer) = submit(&client, &base, invoice("P-down")).await.unwrap();
    let waited = asked.elapsed();
    assert_eq!(status, 503, "{answer}");
    let detail = answer.to_string();
    assert!(detail.contains("database is unavailable"), "{answer}");

    postgres.pg_ctl_start();
    // Ingest resumes by itself: the same facteur process, no restart.
    let resumed = eventually(Duration::from_secs(60), || async {
        let answer = submit(&client, &base, invoice("P-back")).await;
        answer.is_ok_and(|(status, _)| status == 201)
    })
    .await;
    assert!(resumed, "ingest did not resume\n{}", serve.log());
    let all = eventually(Duration::from_secs(60), || async {
        world.backlog().await == 0 && deliveries.distinct() == 11
    })
    .await;
    assert!(
        all,
        "{} of 11 delivered\n{}",
        deliveries.distinct(),
        serve.log()
    );
    // Nothing half-written: the refused document left no trace, every accepted one
    // is whole (its outbox row) and delivered.
    let accepted = world.accepted().await;
    assert_eq!(accepted.len(), 11);
    let Db::Pg(pool) = &world.db else {
        unreachable!()
    };
    let stray: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM invoices WHERE invoice_number = 'P-down'")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(stray, 0, "the refused document was stored");
    let invoices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invoices")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(invoices, 11, "an invoice without its outbox row");
    assert_delivered(&world, &deliveries).await;
    eprintln!("database outage: 503 after {:.1} s", waited.as_secs_f64());
    drop(deliveries);
    drop(serve);
    world.cleanup().await;
    drop(postgres);
}
