//! `facteur bench hub` in small (2 000 invoices), so the command cannot rot: the real
//! binary, a real broker (its own vhost) and each database backend. Every invoice must
//! be accepted, confirmed and delivered, and the report's figures must agree with one
//! another and with what the database holds.

use std::process::Command;

use facteur::hub::audit;
use serde_json::Value;

use crate::directory_support::{postgres, sqlite};
use crate::routing::support::broker;

const INVOICES: u64 = 2000;

fn bench(database_url: &str, amqp_url: &str) -> (i32, Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_facteur"))
        .args([
            "bench",
            "hub",
            "--database-url",
            database_url,
            "--amqp-url",
            amqp_url,
        ])
        .args([
            "--invoices",
            &INVOICES.to_string(),
            "--timeout",
            "300",
            "--format",
            "json",
        ])
        .output()
        .expect("run facteur bench hub");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_str(stdout.trim()).unwrap_or(Value::Null);
    (output.status.code().unwrap_or(-1), report, stderr)
}

fn f(report: &Value, path: &[&str]) -> f64 {
    let mut value = report;
    for key in path {
        value = &value[key];
    }
    value
        .as_f64()
        .unwrap_or_else(|| panic!("{path:?} is not a number in {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_bench_confirms_every_invoice_and_reports_consistent_figures() {
    let Some(broker) = broker("bench-hub") else {
        return;
    };
    let mut databases = vec![sqlite().await];
    databases.extend(postgres().await);
    for t in databases {
        let url = t.url.clone();
        let amqp = broker.url_with_password();
        let (code, r, stderr) = tokio::task::spawn_blocking(move || bench(&url, &amqp))
            .await
            .unwrap();
        assert_eq!(code, 0, "{}: {r}\n{stderr}", t.name);
        assert_eq!(r["database"], t.name);
        for field in ["invoices", "accepted", "confirmed", "delivered_distinct"] {
            assert_eq!(
                r[field].as_u64(),
                Some(INVOICES),
                "{}: {field} in {r}",
                t.name
            );
        }
        assert!(r["deliveries"].as_u64().unwrap() >= INVOICES);
        assert_eq!(r["raw_broker"]["confirmed"].as_u64(), Some(INVOICES));
        let raw = &r["raw_broker"];
        let raw_rate = f(raw, &["confirmed"]) / f(raw, &["seconds"]);
        assert!(
            (raw_rate - f(raw, &["rate"])).abs() / raw_rate < 0.01,
            "{r}"
        );

        // The rates and latencies agree with each other.
        let total = f(&r, &["total_s"]);
        assert!(total > 0.0 && total >= f(&r, &["upload_s"]), "{r}");
        let overall = f(&r, &["overall_rate"]);
        assert!(
            (overall - INVOICES as f64 / total).abs() / overall < 0.01,
            "{r}"
        );
        assert!(f(&r, &["steady_rate"]) > 0.0 && f(&r, &["accept_steady_rate"]) > 0.0);
        let (p50, p99, max) = (
            f(&r, &["latency", "p50_ms"]),
            f(&r, &["latency", "p99_ms"]),
            f(&r, &["latency", "max_ms"]),
        );
        assert!(0.0 <= p50 && p50 <= p99 && p99 <= max, "{r}");
        assert!(max <= total * 1000.0, "no latency longer than the run: {r}");
        let memory = &r["memory"];
        assert!(f(memory, &["samples"]) >= 2.0, "{r}");
        assert!(f(memory, &["start_kib"]) > 0.0);
        assert!(f(memory, &["max_kib"]) >= f(memory, &["end_kib"]));
        assert!(f(memory, &["max_kib"]) >= f(memory, &["second_half_max_kib"]));
        assert_eq!(
            r["targets"]["sustained_rate"].as_bool(),
            Some(f(&r, &["steady_rate"]) >= 3000.0)
        );
        assert_eq!(r["targets"]["p99"].as_bool(), Some(p99 < 1000.0));

        // What the report counted is what the database holds: every delivery
        // confirmed after its acceptance, every chain 200 then 201, unbroken.
        let timings = t.db.delivery_timings().await.unwrap();
        assert_eq!(timings.len() as u64, INVOICES);
        assert!(timings.iter().all(|&(a, p)| p.is_some_and(|p| p >= a)));
        assert_eq!(t.db.outbox_backlog().await.unwrap(), 0);
        let audit = audit::verify(&t.db).await.unwrap();
        assert_eq!((audit.invoices, audit.statuses), (INVOICES, 2 * INVOICES));
        assert!(audit.breaks.is_empty(), "{:?}", audit.breaks);

        // It measures a fresh hub only: a used database is refused, naming why.
        let url = t.url.clone();
        let amqp = broker.url_with_password();
        let (code, _, stderr) = tokio::task::spawn_blocking(move || bench(&url, &amqp))
            .await
            .unwrap();
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!("already holds {INVOICES} invoices")),
            "{stderr}"
        );
        t.cleanup().await;
    }
    broker.finish().await;
}
