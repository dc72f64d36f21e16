//! RabbitMQ stopped (`rabbitmqctl stop_app`) and started again while invoices keep
//! arriving: the outbox keeps them and the relay delivers every one afterwards.

use std::process::Command;
use std::time::Duration;

use crate::harness::{
    Deliveries, Serve, World, assert_delivered, eventually, invoice, serial, submit,
};
use crate::metrics::sample;

const INVOICES: usize = 120;
/// How long the broker stays down: short, the node is shared with other tests.
const OUTAGE: Duration = Duration::from_secs(6);

/// Starts the broker's application again when dropped, even after a failed assert,
/// and waits until it answers.
struct BrokerRestart;

impl BrokerRestart {
    fn stop() -> BrokerRestart {
        let status = Command::new("rabbitmqctl")
            .arg("stop_app")
            .status()
            .unwrap();
        assert!(status.success(), "rabbitmqctl stop_app");
        BrokerRestart
    }
}

impl Drop for BrokerRestart {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl").arg("start_app").status();
        let _ = Command::new("rabbitmqctl")
            .args(["await_startup", "--timeout", "60"])
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_stopped_and_restarted_loses_nothing() {
    let _serial = serial().await;
    let Some(world) = World::new("broker").await else {
        return;
    };
    let serve = Serve::start(&world, &world.database_url, &[]);
    let deliveries = Deliveries::start(&world);
    let client = reqwest::Client::new();
    let base = serve.url("");
    let send = |range: std::ops::Range<usize>| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            for i in range {
                let (status, receipt) = submit(&client, &base, invoice(&format!("B-{i}")))
                    .await
                    .unwrap();
                assert_eq!(status, 201, "{receipt}");
            }
        }
    };
    send(0..INVOICES / 3).await;
    let outage = BrokerRestart::stop();
    // Ingest goes on without the broker: the outbox keeps what it cannot deliver.
    send(INVOICES / 3..2 * INVOICES / 3).await;
    let metrics = client.get(serve.url("/metrics")).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    let backlog = sample(&metrics, "facteur_outbox_backlog").unwrap();
    assert!(
        backlog > 0.0,
        "nothing waiting while the broker is down:\n{metrics}"
    );
    tokio::time::sleep(OUTAGE.saturating_sub(Duration::from_secs(2))).await;
    drop(outage);
    send(2 * INVOICES / 3..INVOICES).await;

    let all = eventually(Duration::from_secs(90), || async {
        world.backlog().await == 0 && deliveries.distinct() == INVOICES
    })
    .await;
    assert!(
        all,
        "{} of {INVOICES} delivered\n{}",
        deliveries.distinct(),
        serve.log()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(world.accepted().await.len(), INVOICES);
    let extra = assert_delivered(&world, &deliveries).await;
    eprintln!("broker outage: {INVOICES} invoices delivered, {extra} duplicate deliveries");
    drop(deliveries);
    drop(serve);
    world.cleanup().await;
}
