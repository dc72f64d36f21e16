//! Two `facteur serve` on one PostgreSQL database and one RabbitMQ vhost, invoices
//! sent through both, one killed with SIGKILL midway.

use std::time::Duration;

use crate::harness::{
    Deliveries, Serve, World, assert_delivered, eventually, invoice, serial, submit,
};

const INVOICES: usize = 200;
const LEASE: &str = "3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_one_killed_deliver_every_invoice() {
    let _serial = serial().await;
    let Some(world) = World::new("two").await else {
        return;
    };
    let env = [("FACTEUR_CLAIM_LEASE", LEASE)];
    let a = Serve::start(&world, &world.database_url, &env);
    let b = Serve::start(&world, &world.database_url, &env);
    let deliveries = Deliveries::start(&world);
    let client = reqwest::Client::new();
    let (url_a, url_b) = (a.url(""), b.url(""));
    // Through A: the even numbers, until A dies; whatever A could not take (refused
    // connection, or no answer) goes to B: the same bytes, so a document A did store
    // is recognised there, not stored twice.
    let through_a = {
        let client = client.clone();
        let (url_a, url_b) = (url_a.clone(), url_b.clone());
        tokio::spawn(async move {
            let mut failovers = 0;
            for i in (0..INVOICES).step_by(2) {
                let document = invoice(&format!("T-{i}"));
                if submit(&client, &url_a, document.clone()).await.is_err() {
                    failovers += 1;
                    let (status, receipt) = submit(&client, &url_b, document).await.unwrap();
                    assert!(status == 200 || status == 201, "{receipt}");
                }
            }
            failovers
        })
    };
    let through_b = {
        let client = client.clone();
        tokio::spawn(async move {
            for i in (1..INVOICES).step_by(2) {
                let (status, receipt) = submit(&client, &url_b, invoice(&format!("T-{i}")))
                    .await
                    .unwrap();
                assert_eq!(status, 201, "{receipt}");
            }
        })
    };
    let half = eventually(Duration::from_secs(60), || async {
        world.accepted().await.len() >= INVOICES / 2
    })
    .await;
    assert!(half, "half the invoices were not accepted in time");
    a.kill9();
    let failovers = through_a.await.unwrap();
    through_b.await.unwrap();

    let all = eventually(Duration::from_secs(90), || async {
        world.backlog().await == 0 && deliveries.distinct() == INVOICES
    })
    .await;
    assert!(
        all,
        "{} of {INVOICES} delivered\n{}",
        deliveries.distinct(),
        b.log()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    // One invoice per number sent, none lost, none stored twice.
    assert_eq!(world.accepted().await.len(), INVOICES);
    // Each message id reaches the queue at most once per claim of its outbox row:
    // twice only for rows the killed instance had published but not yet recorded.
    let extra = assert_delivered(&world, &deliveries).await;
    eprintln!(
        "two instances: {INVOICES} invoices, {failovers} resent to B after the kill, \
         {extra} duplicate deliveries"
    );
    drop(deliveries);
    drop(b);
    world.cleanup().await;
}
