//! Publish throughput with publisher confirms into a quorum queue, on the real code
//! path (`routing::Publisher`) and a real RabbitMQ: persistent 2 KB and 8 KB invoices,
//! a window of 1024 unconfirmed publishes versus one confirm awaited per message. Then
//! the outbox relay end to end (claim, publish, mark) over an in-memory outbox, so the
//! figure is the relay's own ceiling before any database cost.
//!
//! Needs `FACTEUR_TEST_AMQP_URL` and `rabbitmqctl` (the bench uses its own vhost,
//! `facteur-bench`, made afresh, purged between samples and deleted at the end);
//! without the URL it prints SKIPPED and measures nothing.
//!
//! `FACTEUR_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2f cargo bench --bench routing`

use std::collections::VecDeque;
use std::convert::Infallible;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use facteur::identifiers::{AddressingId, Matricule, Siren};
use facteur::routing::publisher::PublisherConfig;
use facteur::routing::{
    AmqpUrl, ConnectionConfig, FlowSyntax, InvoiceRouting, OutboxItem, OutboxStore,
    OutgoingMessage, Publisher, Relay, RelayConfig, Topology, connect, shutdown_channel,
};
use facteur::samples;
use lapin::options::QueuePurgeOptions;
use tokio::sync::watch;

const VHOST: &str = "facteur-bench";

fn rabbitmqctl(args: &[&str]) {
    let output = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .expect("rabbitmqctl");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tolerated = stderr.contains("already exists") || stderr.contains("does not exist");
    assert!(output.status.success() || tolerated, "{stderr}");
}

/// Messages of exactly `size` bytes: a generated UBL invoice, cut or padded.
fn messages(size: usize, count: usize, platform: Matricule) -> Vec<OutgoingMessage> {
    let mut body = samples::ubl_invoice("BENCH-1", 40).into_bytes();
    body.resize(size, b' ');
    (0..count)
        .map(|index| {
            let routing = InvoiceRouting {
                id: format!("bench-{index}"),
                syntax: FlowSyntax::Ubl,
                invoice_number: format!("BENCH-{index}"),
                seller_siren: Siren::parse("732829320").expect("valid SIREN"),
                recipient_address: AddressingId::parse("552081317").expect("valid address"),
                sender_platform: Matricule::parse("0001").expect("valid matricule"),
                recipient_platform: platform,
            };
            OutgoingMessage::invoice(&routing, body.clone()).expect("valid message")
        })
        .collect()
}

fn publish(c: &mut Criterion) {
    let Ok(text) = std::env::var("FACTEUR_TEST_AMQP_URL") else {
        println!("SKIPPED: routing bench: FACTEUR_TEST_AMQP_URL is unset");
        return;
    };
    let base = AmqpUrl::parse(&text).expect("FACTEUR_TEST_AMQP_URL");
    // A fresh vhost each run: queue arguments may have changed since the last one.
    rabbitmqctl(&["delete_vhost", VHOST]);
    rabbitmqctl(&["add_vhost", VHOST]);
    rabbitmqctl(&[
        "set_permissions",
        "-p",
        VHOST,
        base.username(),
        ".*",
        ".*",
        ".*",
    ]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let platform = Matricule::parse("0001").expect("valid matricule");
    let topology = Topology::new(Default::default(), [platform]);
    let queue = topology.names.platform_queue(platform);
    let config = ConnectionConfig::new(base.with_vhost(VHOST), "facteur-bench");
    let (connection, purge) = runtime.block_on(async {
        let connection = connect(&config).await.expect("connect");
        topology.declare(&connection).await.expect("declare");
        let purge = connection.create_channel().await.expect("channel");
        (connection, purge)
    });

    let mut group = c.benchmark_group("amqp_publish_confirmed");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.warm_up_time(Duration::from_secs(2));
    for size in [2048usize, 8192] {
        let pool = messages(size, 4096, platform);
        group.throughput(Throughput::Elements(1));
        for (label, window) in [("window-1024", 1024usize), ("one-at-a-time", 1)] {
            let mut publisher_config = PublisherConfig::new(topology.names.invoices_exchange());
            publisher_config.window = window;
            let mut publisher = runtime
                .block_on(Publisher::open(&connection, &publisher_config))
                .expect("publisher");
            group.bench_function(BenchmarkId::new(label, format!("{}KB", size / 1024)), |b| {
                b.iter_custom(|iters| {
                    runtime.block_on(async {
                        let mut left = usize::try_from(iters).expect("iterations");
                        let start = Instant::now();
                        while left > 0 {
                            let batch = &pool[..left.min(pool.len())];
                            let outcomes = if window == 1 {
                                let mut outcomes = Vec::with_capacity(batch.len());
                                for message in batch {
                                    outcomes.push(publisher.publish_one(message).await);
                                }
                                outcomes
                            } else {
                                publisher.publish_batch(batch).await
                            };
                            assert!(outcomes.iter().all(|o| o.is_confirmed()));
                            left -= batch.len();
                        }
                        let elapsed = start.elapsed();
                        // Outside the timed part: keep the quorum queue small.
                        purge
                            .queue_purge(queue.as_str().into(), QueuePurgeOptions::default())
                            .await
                            .expect("purge");
                        elapsed
                    })
                });
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("amqp_relay_in_memory_outbox");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.warm_up_time(Duration::from_secs(2));
    group.throughput(Throughput::Elements(1));
    let pool = messages(2048, 4096, platform);
    let relay_config = RelayConfig::new(config.clone());
    group.bench_function(BenchmarkId::new("window-1024", "2KB"), |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let count = usize::try_from(iters).expect("iterations");
                let outbox = Arc::new(BenchOutbox::filled(&pool, count));
                let (_topology_tx, topology_rx) = watch::channel(topology.clone());
                let (trigger, shutdown) = shutdown_channel();
                let mut relay = Relay::new(relay_config.clone(), Arc::clone(&outbox), topology_rx);
                // Timed from start-up (connect, declare: a few ms) to the last mark.
                let start = Instant::now();
                let running = tokio::spawn(async move { relay.run(shutdown).await });
                while outbox.published.load(Ordering::Relaxed) < count {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                let elapsed = start.elapsed();
                trigger.trigger();
                let stats = running.await.expect("relay task");
                assert_eq!(stats.confirmed, iters);
                purge
                    .queue_purge(queue.as_str().into(), QueuePurgeOptions::default())
                    .await
                    .expect("purge");
                elapsed
            })
        });
    });
    group.finish();
    runtime.block_on(async {
        let _ = connection.close(200, "bench done".into()).await;
    });
    rabbitmqctl(&["delete_vhost", VHOST]);
}

/// The simplest outbox: a queue of items, claims pop from it.
struct BenchOutbox {
    items: Mutex<VecDeque<OutboxItem>>,
    published: AtomicUsize,
}

impl BenchOutbox {
    fn filled(pool: &[OutgoingMessage], count: usize) -> Self {
        let items = (0..count)
            .map(|index| OutboxItem {
                id: i64::try_from(index).expect("index"),
                enqueued_at: None,
                attempts: 0,
                message: pool[index % pool.len()].clone(),
            })
            .collect();
        BenchOutbox {
            items: Mutex::new(items),
            published: AtomicUsize::new(0),
        }
    }
}

impl OutboxStore for BenchOutbox {
    type Error = Infallible;

    async fn claim(&self, limit: usize) -> Result<Vec<OutboxItem>, Infallible> {
        let mut items = self.items.lock().expect("outbox lock");
        let count = limit.min(items.len());
        Ok(items.drain(..count).collect())
    }

    async fn mark_published(&self, ids: &[i64], _at: SystemTime) -> Result<(), Infallible> {
        self.published.fetch_add(ids.len(), Ordering::Relaxed);
        Ok(())
    }

    async fn schedule_retry(
        &self,
        id: i64,
        _not_before: SystemTime,
        _attempts: u32,
        last_error: &str,
    ) -> Result<(), Infallible> {
        panic!("item {id} not confirmed in the bench: {last_error}");
    }
}

criterion_group!(benches, publish);
criterion_main!(benches);
