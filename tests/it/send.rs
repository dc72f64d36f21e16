//! `facteur send` against the real `facteur serve` binary on SQLite: a directory sent
//! in batches with a complete report, a crash after the first upload resumed without
//! storing anything twice, and the errors a sender meets (unreachable hub, bad token).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

/// A scratch directory, a `facteur serve` on a SQLite file in it, and a platform token.
struct Hub {
    dir: PathBuf,
    db: PathBuf,
    child: Child,
    url: String,
    token: String,
}

impl Hub {
    fn start(name: &str) -> Hub {
        let dir = std::env::temp_dir().join(format!("facteur-send-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("hub.db");
        admin(&db, &["platform", "add", "0001", "--name", "Alpha"]);
        let token = admin(&db, &["platform", "credential", "0001"])
            .trim()
            .lines()
            .last()
            .unwrap()
            .to_string();
        let (child, address, mut stderr) = super::service::spawn_serve(&db);
        // Keep reading the log so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Hub {
            url: format!("http://{address}"),
            dir,
            db,
            child,
            token,
        }
    }

    /// `count` sample invoices (and `extra` files) in `<dir>/in`, some in a subdirectory.
    fn invoices(&self, count: usize) -> PathBuf {
        let input = self.dir.join("in");
        std::fs::create_dir_all(input.join("more")).unwrap();
        for n in 0..count {
            let sub = if n % 3 == 0 { "more" } else { "" };
            let number = format!("S-{n:03}");
            std::fs::write(
                input.join(sub).join(format!("{number}.xml")),
                facteur::samples::ubl_invoice(&number, 1 + n % 2),
            )
            .unwrap();
        }
        input
    }

    fn send(&self, input: &Path, report: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_facteur"));
        command
            .arg("send")
            .arg(input)
            .args(["--url", &self.url, "--token", &self.token, "--report"])
            .arg(report)
            .args(["--poll-interval", "0.05"])
            .args(extra)
            .env_remove("FACTEUR_URL")
            .env_remove("FACTEUR_TOKEN");
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().unwrap()
    }

    /// Rows of a table of the hub's database.
    fn count(&self, table: &'static str) -> i64 {
        let url = format!("sqlite://{}", self.db.display());
        // `table` is a literal of this file, never input.
        let sql = format!("SELECT COUNT(*) FROM {table}");
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move {
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                pool.close().await;
                n
            })
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn admin(db: &Path, args: &[&str]) -> String {
    super::service::facteur(db, args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The CSV report as (file, invoice_id, status, outcome, reasons, error) rows.
fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec![
            "file",
            "invoice_id",
            "status",
            "outcome",
            "reasons",
            "error"
        ]
    );
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn a_directory_is_sent_in_batches_and_every_file_gets_a_report_row() {
    let hub = Hub::start("report");
    let input = hub.invoices(11);
    std::fs::write(input.join("broken.xml"), "<Invoice>not an invoice").unwrap();
    std::fs::write(input.join(".hidden.xml"), "skipped").unwrap();
    let report = hub.dir.join("report.csv");
    let out = hub.send(&input, &report, &["--batch-documents", "5"], &[]);
    // One document is not accepted: a negative verdict, not an error.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("12 files"),
        "{}",
        text(&out.stdout)
    );

    let rows = read_csv(&report);
    assert_eq!(rows.len(), 12, "{rows:?}");
    let mut files: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    files.sort();
    files.dedup();
    assert_eq!(files.len(), 12, "each file once");
    assert!(
        rows.iter().any(|r| r[0].ends_with("more/S-000.xml")),
        "subdirectories are walked"
    );
    let broken = rows.iter().find(|r| r[0].ends_with("broken.xml")).unwrap();
    assert_ne!(broken[3], "accepted", "{broken:?}");
    assert!(
        !broken[4].is_empty() || !broken[5].is_empty(),
        "a refused document says why: {broken:?}"
    );
    let invoices: Vec<&Vec<String>> = rows.iter().filter(|r| r[0].contains("S-")).collect();
    assert_eq!(invoices.len(), 11);
    let mut ids: Vec<&str> = invoices.iter().map(|r| r[1].as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 11, "one invoice id per invoice: {invoices:?}");
    assert!(ids.iter().all(|id| !id.is_empty()));
    assert!(
        invoices.iter().all(|r| r[2] == "200" || r[2] == "213"),
        "{invoices:?}"
    );
    // 12 documents in batches of 5: three uploads.
    assert_eq!(hub.count("batches"), 3);
}

#[test]
fn a_send_killed_after_its_first_batch_resumes_without_storing_anything_twice() {
    let hub = Hub::start("resume");
    let input = hub.invoices(12);
    let report = hub.dir.join("report.jsonl");
    let journal = hub.dir.join("report.jsonl.journal");
    let batch = ["--batch-documents", "4"];

    // The first run dies (abort, no cleanup) right after its first upload is journaled.
    let out = hub.send(
        &input,
        &report,
        &batch,
        &[("FACTEUR_SEND_CRASH_AFTER_UPLOADS", "1")],
    );
    assert!(!out.status.success(), "the first run was killed");
    assert!(!report.exists(), "no report from an interrupted run");
    let journaled = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(
        journaled.matches(r#""step":"uploaded""#).count(),
        1,
        "{journaled}"
    );
    assert_eq!(hub.count("batches"), 1);

    // The re-run polls the uploaded batch and sends only the two others.
    let out = hub.send(&input, &report, &batch, &[]);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("already uploaded"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(hub.count("batches"), 3, "batch 1 was not sent again");
    assert_eq!(hub.count("invoices"), 12);
    let first = std::fs::read_to_string(&report).unwrap();
    let rows: Vec<serde_json::Value> = first
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().all(|r| r["invoice_id"].is_string()), "{first}");

    // Second line of defence: with the journal lost, everything is sent again, and the
    // hub recognises every document: still 12 invoices, the same ids in the report.
    std::fs::remove_file(&journal).unwrap();
    let out = hub.send(&input, &report, &batch, &[]);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(hub.count("batches"), 6);
    assert_eq!(hub.count("invoices"), 12, "no document stored twice");
    let again = std::fs::read_to_string(&report).unwrap();
    let ids = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["invoice_id"].to_string()
            })
            .collect()
    };
    assert_eq!(ids(&first), ids(&again), "{first}\n{again}");
}

#[test]
fn an_unreachable_hub_and_a_bad_token_are_named() {
    let hub = Hub::start("errors");
    let input = hub.invoices(2);
    let report = hub.dir.join("report.csv");
    // A port nothing listens on: take one and free it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_facteur"))
        .arg("send")
        .arg(&input)
        .args([
            "--url",
            &format!("http://{closed}"),
            "--token",
            "x",
            "--report",
        ])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot reach the hub at http://{closed}")),
        "{stderr}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_facteur"))
        .arg("send")
        .arg(&input)
        .args(["--url", &hub.url, "--token", "fct_wrong", "--report"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("refused the token (401)"), "{stderr}");
    assert!(!stderr.contains("fct_wrong"), "the token is not echoed");
    assert!(!report.exists());
    assert_eq!(hub.count("batches"), 0);
}
