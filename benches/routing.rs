//! Publish throughput with publisher confirms into a quorum queue, on the real code
//! path (`routing::Publisher`) and a real RabbitMQ: persistent 2 KB and 8 KB invoices,
//! a window of 1024 unconfirmed publishes versus one confirm awaited per message.
//!
//! Needs `FACTEUR_TEST_AMQP_URL` and `rabbitmqctl` (the bench uses its own vhost,
//! `facteur-bench`, whose queue it purges between samples); without the URL it
//! prints SKIPPED and measures nothing.
//!
//! `FACTEUR_TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2f cargo bench --bench routing`

use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use facteur::identifiers::{AddressingId, Matricule, Siren};
use facteur::routing::publisher::PublisherConfig;
use facteur::routing::{
    AmqpUrl, ConnectionConfig, FlowSyntax, InvoiceRouting, OutgoingMessage, Publisher, Topology,
    connect,
};
use facteur::samples;
use lapin::options::QueuePurgeOptions;

const VHOST: &str = "facteur-bench";

fn rabbitmqctl(args: &[&str]) {
    let output = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .expect("rabbitmqctl");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() || stderr.contains("already exists"),
        "{stderr}"
    );
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
    runtime.block_on(async {
        let _ = connection.close(200, "bench done".into()).await;
    });
}

criterion_group!(benches, publish);
criterion_main!(benches);
