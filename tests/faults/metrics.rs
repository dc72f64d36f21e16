//! `/metrics` of the real `facteur serve` after real traffic: every count matches what
//! the receipts and the broker consumer saw.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::harness::{Deliveries, Serve, World, eventually, invoice, serial, submit};

/// The value of the sample `name` (with its labels) in a Prometheus text exposition.
pub fn sample(metrics: &str, name: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let value = line.strip_prefix(name)?.strip_prefix(' ')?;
        value.parse().ok()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_the_hubs_real_traffic() {
    let _serial = serial().await;
    let Some(world) = World::new("metrics").await else {
        return;
    };
    let serve = Serve::start(&world, &world.database_url, &[]);
    let deliveries = Deliveries::start(&world);
    let client = reqwest::Client::new();
    let base = serve.url("");
    let mut rejected: BTreeMap<String, u64> = BTreeMap::new();
    let accepted = 20;
    for i in 0..accepted {
        let (status, receipt) = submit(&client, &base, invoice(&format!("M-{i}")))
            .await
            .unwrap();
        assert_eq!(status, 201, "{receipt}");
        assert_eq!(receipt["status"], 200, "{receipt}");
    }
    // Rejections: an unreadable document, and the same invoice number again with
    // other bytes (a duplicate by its uniqueness key).
    let again = facteur::samples::ubl_invoice("M-0", 2).into_bytes();
    for document in [b"not an invoice".to_vec(), again] {
        let (_, receipt) = submit(&client, &base, document).await.unwrap();
        assert_eq!(receipt["status"], 213, "{receipt}");
        let reason = receipt["reasons"][0].as_str().unwrap().to_string();
        *rejected.entry(reason).or_default() += 1;
    }
    // A repeat of the same bytes is received, answered from the first receipt, and
    // not counted again as accepted.
    let (_, receipt) = submit(&client, &base, invoice("M-1")).await.unwrap();
    assert_eq!(receipt["replayed"], true, "{receipt}");

    let delivered = eventually(Duration::from_secs(30), || async {
        deliveries.distinct() == accepted && world.backlog().await == 0
    })
    .await;
    assert!(
        delivered,
        "{} of {accepted} delivered",
        deliveries.distinct()
    );
    let metrics = client
        .get(serve.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let value =
        |name: &str| sample(&metrics, name).unwrap_or_else(|| panic!("{name} in\n{metrics}"));
    assert_eq!(
        value("facteur_invoices_received_total"),
        (accepted + 3) as f64
    );
    assert_eq!(value("facteur_invoices_accepted_total"), accepted as f64);
    for (reason, n) in &rejected {
        let name = format!("facteur_invoices_rejected_total{{reason=\"{reason}\"}}");
        assert_eq!(value(&name), *n as f64, "{metrics}");
    }
    assert_eq!(value("facteur_invoices_routed_total"), accepted as f64);
    assert_eq!(
        value("facteur_delivery_latency_seconds_count"),
        accepted as f64
    );
    // Every confirm came within 10 s of its acceptance, and took some time.
    assert_eq!(
        value("facteur_delivery_latency_seconds_bucket{le=\"10\"}"),
        accepted as f64
    );
    assert!(value("facteur_delivery_latency_seconds_sum") > 0.0);
    assert_eq!(value("facteur_outbox_backlog"), 0.0);
    drop(deliveries);
    drop(serve);
    world.cleanup().await;
}
