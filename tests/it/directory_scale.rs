//! The directory at country scale, on a database loaded beforehand with `facteur
//! directory import` (ignored by default: it needs that database and takes minutes).
//! Prints the figures of the issue; asserts only correctness, never timings.
//!
//! ```sh
//! FACTEUR_SCALE_DATABASE_URL=sqlite:///var/tmp/facteur-10m.db \
//!   cargo test --release --test it directory_scale -- --ignored --nocapture
//! ```

use std::time::{Duration, Instant};

use facteur::directory::index::Fallback;
use facteur::directory::model::Actor;
use facteur::directory::service::LineChange;
use facteur::directory::{Day, Directory};
use facteur::identifiers::AddressingRef;
use facteur::storage::Db;

/// Nanoseconds this thread has run on a CPU (`/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs FACTEUR_SCALE_DATABASE_URL, a directory imported beforehand"]
async fn load_resolve_and_change_at_scale() {
    let Ok(url) = std::env::var("FACTEUR_SCALE_DATABASE_URL") else {
        eprintln!("SKIPPED: set FACTEUR_SCALE_DATABASE_URL");
        return;
    };
    let db = Db::connect(&url).await.expect("scale database");
    let rss_before = rss_bytes();
    let started = Instant::now();
    let today = Day::parse("2026-10-15").expect("day");
    let dir = Directory::open(db.clone(), Fallback::Hierarchical)
        .await
        .expect("open")
        .with_today(today);
    let load = started.elapsed();
    let lines = dir.index().load().base().line_count();
    let rss_after = rss_bytes();
    eprintln!(
        "index: {lines} lines loaded in {:.1} s; resident memory +{} MB = {:.0} bytes/line",
        load.as_secs_f64(),
        rss_after.saturating_sub(rss_before) >> 20,
        rss_after.saturating_sub(rss_before) as f64 / lines.max(1) as f64
    );

    // One core: resolve a sample (every line of the first pages) for about 3 s.
    let mut sample = Vec::new();
    let mut last = 0;
    while sample.len() < 200_000 {
        let page = db.export_page(last, None, 50_000).await.expect("page");
        let Some(tail) = page.last() else { break };
        last = tail.id;
        sample.extend(page.into_iter().map(|l| (l.addressing, l.start)));
    }
    // From the text of the address, as an invoice's BT-49 arrives; wall time and the
    // thread's own CPU time (the machine is shared: CPU time is the one-core figure).
    let texts: Vec<(String, Day)> = sample.iter().map(|(a, d)| (a.to_string(), *d)).collect();
    let snapshot = dir.index().load();
    let (mut lookups, mut found) = (0u64, 0u64);
    let clock = Instant::now();
    let cpu = thread_cpu_ns();
    while clock.elapsed() < Duration::from_secs(3) {
        for (text, start) in &texts {
            if let Ok(a) = AddressingRef::parse(text) {
                found += u64::from(
                    snapshot
                        .resolve_ref(a, *start, Fallback::Hierarchical)
                        .is_some(),
                );
            }
        }
        lookups += texts.len() as u64;
    }
    let cpu = thread_cpu_ns().saturating_sub(cpu);
    assert_eq!(found, lookups, "every line resolves on its start day");
    eprintln!(
        "resolution from text: {:.2} M lookups/s wall, {:.2} M lookups per CPU-second (one thread)",
        lookups as f64 / clock.elapsed().as_secs_f64() / 1e6,
        if cpu > 0 {
            lookups as f64 / (cpu as f64 / 1e9) / 1e6
        } else {
            0.0
        }
    );

    // A change (end date of a line in force) until readers see it.
    let mut latencies = Vec::new();
    for (a, _) in sample.iter().step_by(9_973).take(20) {
        let Some(current) = db
            .lines_of(a)
            .await
            .expect("lines")
            .into_iter()
            .find(|l| l.in_force_on(today))
        else {
            continue;
        };
        let end = today.add_days(30);
        let t = Instant::now();
        dir.change_line(
            Actor::Admin,
            current.id,
            &LineChange {
                end: Some(Some(end)),
                matricule: None,
            },
        )
        .await
        .expect("change");
        let seen = dir.index().resolve(a, end, Fallback::Exact);
        latencies.push(t.elapsed());
        assert!(
            seen.is_none_or(|r| r.line.id != current.id),
            "the change is visible"
        );
    }
    latencies.sort();
    if let (Some(median), Some(max)) = (latencies.get(latencies.len() / 2), latencies.last()) {
        eprintln!(
            "change visible to readers: median {:.1} ms, max {:.1} ms over {} changes",
            median.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3,
            latencies.len()
        );
    }
    db.close().await;
}
