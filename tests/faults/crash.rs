//! SIGKILL of `facteur serve` in the middle of a 10 000-document batch, then a
//! restart on the same database and broker.

use std::time::{Duration, Instant};

use crate::harness::{
    Deliveries, SENDER_TOKEN, Serve, World, assert_delivered, batch, eventually, get_json, serial,
};

const DOCUMENTS: usize = 10_000;
/// Short, so that the restarted instance takes over the killed one's claims (the
/// batch, the outbox rows it was publishing) within seconds.
const LEASE: &str = "3";
/// The relay's claim size: at most this many messages are in flight unconfirmed, so
/// at most this many can be delivered twice by one crash.
const RELAY_BATCH: usize = 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_batch_then_restart_loses_nothing() {
    let _serial = serial().await;
    let Some(world) = World::new("crash").await else {
        return;
    };
    let env = [("FACTEUR_CLAIM_LEASE", LEASE)];
    let first = Serve::start(&world, &world.database_url, &env);
    let deliveries = Deliveries::start(&world);
    let client = reqwest::Client::new();
    let started = Instant::now();
    let uploaded: serde_json::Value = client
        .post(first.url("/v1/batches"))
        .bearer_auth(SENDER_TOKEN)
        .header("content-type", "application/zip")
        .body(batch("K", DOCUMENTS))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|text| serde_json::from_str(&text).unwrap())
        .unwrap();
    let status_path = uploaded["status_url"].as_str().unwrap().to_string();
    assert_eq!(uploaded["documents"], DOCUMENTS, "{uploaded}");

    // Kill it once a good part of the batch is processed and delivering has begun.
    let progressing = eventually(Duration::from_secs(120), || async {
        let url = first.url(&format!("{status_path}?limit=1"));
        let processed = get_json(&client, &url)
            .await
            .and_then(|p| p["processed"].as_u64())
            .unwrap_or(0);
        processed >= (DOCUMENTS / 4) as u64 && deliveries.distinct() > 0
    })
    .await;
    assert!(progressing, "the batch did not progress:\n{}", first.log());
    first.kill9();
    let killed_after = started.elapsed();
    let delivered_before = deliveries.distinct();

    let second = Serve::start(&world, &world.database_url, &env);
    let url = second.url(&format!("{status_path}?limit=1"));
    let finished = eventually(Duration::from_secs(240), || async {
        get_json(&client, &url)
            .await
            .is_some_and(|p| p["state"] == "finished")
    })
    .await;
    let progress = get_json(&client, &url).await.unwrap();
    assert!(finished, "{progress}\n{}", second.log());
    // One result per document, every one accepted (distinct invoice numbers).
    assert_eq!(progress["processed"], DOCUMENTS, "{progress}");
    assert_eq!(progress["accepted"], DOCUMENTS, "{progress}");
    assert_eq!(world.accepted().await.len(), DOCUMENTS);
    let all = eventually(Duration::from_secs(120), || async {
        world.backlog().await == 0 && deliveries.distinct() == DOCUMENTS
    })
    .await;
    assert!(all, "{} of {DOCUMENTS} delivered", deliveries.distinct());
    // The consumer is still reading: let any late copy arrive before counting.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let extra = assert_delivered(&world, &deliveries).await;
    assert!(
        extra <= RELAY_BATCH,
        "{extra} duplicates: more than the one claim in flight at the crash"
    );
    eprintln!(
        "crash: {DOCUMENTS} documents, killed after {:.1} s with {delivered_before} delivered, \
         all delivered after {:.1} s, {extra} duplicate deliveries",
        killed_after.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    drop(deliveries);
    drop(second);
    world.cleanup().await;
}
