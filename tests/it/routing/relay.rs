//! The outbox relay with an in-memory outbox and the real broker: every item published
//! and marked once; returned items retried with backoff until their platform exists;
//! a connection killed mid-run costs duplicates only for items never confirmed; a
//! marking that failed is done again, not left to the lease.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use facteur::routing::{Backoff, Relay, RelayConfig, shutdown_channel};
use tokio::sync::watch;

use super::support::{
    Broker, MemoryOutbox, broker, close_quietly, counts, drain, eventually, matricule, message,
    message_id,
};

const IDLE: Duration = Duration::from_millis(700);

fn relay_config(broker: &Broker, name: &str) -> RelayConfig {
    let mut config = RelayConfig::new(broker.config(name));
    config.batch_size = 500;
    config.window = 256;
    config.idle_poll = Duration::from_millis(50);
    config.retry = Backoff::new(Duration::from_millis(100), Duration::from_millis(400));
    config.reconnect = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
    config.confirm_timeout = Duration::from_secs(10);
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_publishes_and_marks_every_item_once() {
    let Some(broker) = broker("relay") else {
        return;
    };
    let platforms = [matricule("0101"), matricule("0102")];
    let late = matricule("0103");
    let topology = broker
        .fresh_topology(&[platforms[0], platforms[1], late])
        .await;
    // The relay starts without the late platform: its items are returned, retried with
    // backoff, and go through once the hub declares it.
    let (topology_tx, topology_rx) = watch::channel(broker.topology(&platforms));
    let mut messages: Vec<_> = (0..3000)
        .map(|i| message(&format!("r{i}"), platforms[i % 2], 200))
        .collect();
    // Its queue exists from an earlier declaration, but unbound it receives nothing.
    let connection = broker.connection("relay-check").await;
    let channel = connection.create_channel().await.unwrap();
    channel
        .queue_unbind(
            broker.names.platform_queue(late).into(),
            broker.names.invoices_exchange().into(),
            late.to_string().into(),
            Default::default(),
        )
        .await
        .unwrap();
    messages.extend((0..20).map(|i| message(&format!("late{i}"), late, 200)));
    let outbox = Arc::new(MemoryOutbox::with(messages));

    let (trigger, shutdown) = shutdown_channel();
    let mut relay = Relay::new(
        relay_config(&broker, "relay"),
        Arc::clone(&outbox),
        topology_rx,
    );
    let running = tokio::spawn(async move { relay.run(shutdown).await });

    assert!(eventually(Duration::from_secs(60), || outbox.published() == 3000).await);
    // The late platform's items are being retried with growing delays, never marked.
    assert!(
        eventually(Duration::from_secs(10), || outbox
            .rows()
            .iter()
            .filter(|r| r.item.message.platform() == late)
            .all(|r| r.item.attempts >= 2 && r.marks == 0))
        .await
    );
    topology_tx.send_replace(topology);
    assert!(eventually(Duration::from_secs(30), || outbox.published() == 3020).await);
    trigger.trigger();
    let stats = running.await.unwrap();

    assert_eq!(stats.confirmed, 3020);
    assert!(stats.returned >= 40, "{stats:?}");
    assert_eq!(stats.lost, 0);
    assert_eq!(stats.sessions, 1);
    for row in outbox.rows() {
        assert_eq!(row.marks, 1, "{}", row.item.message.id());
        if row.item.message.platform() == late {
            assert!(
                row.errors.iter().all(|e| e.contains("312 NO_ROUTE")),
                "{:?}",
                row.errors
            );
        } else {
            assert!(row.errors.is_empty(), "{:?}", row.errors);
            assert_eq!(row.claims, 1);
        }
    }
    for platform in [platforms[0], platforms[1], late] {
        let deliveries = drain(&connection, &broker.names.platform_queue(platform), IDLE).await;
        let counts = counts(&deliveries);
        let expected = if platform == late { 20 } else { 1500 };
        assert_eq!(counts.len(), expected, "platform {platform}");
        assert!(
            counts.values().all(|&n| n == 1),
            "duplicates without any failure"
        );
    }
    close_quietly(&connection).await;
    broker.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_survives_a_killed_connection() {
    let Some(broker) = broker("relay-kill") else {
        return;
    };
    let platform = matricule("0201");
    let topology = broker.fresh_topology(&[platform]).await;
    let total = 30_000;
    let mut outbox =
        MemoryOutbox::with((0..total).map(|i| message(&format!("k{i}"), platform, 1024)));
    // About 150 claims of 200 at 25 ms each: the run lasts several seconds, long
    // enough for rabbitmqctl (slow to start) to cut it twice in the middle.
    outbox.claim_delay = Duration::from_millis(25);
    let outbox = Arc::new(outbox);
    let mut config = relay_config(&broker, "relay-kill");
    config.batch_size = 200;
    let (_topology_tx, topology_rx) = watch::channel(topology);
    let (trigger, shutdown) = shutdown_channel();
    let mut relay = Relay::new(config, Arc::clone(&outbox), topology_rx);
    let running = tokio::spawn(async move { relay.run(shutdown).await });

    // Kill the connection twice mid-run, as a broker restart or a network cut would.
    let mut killed_at = Vec::new();
    for threshold in [total / 10, total / 2] {
        assert!(eventually(Duration::from_secs(60), || outbox.published() >= threshold).await);
        broker.kill_connections().await;
        killed_at.push(outbox.published());
    }
    assert!(
        killed_at[1] < total,
        "the second kill came after the end: {killed_at:?}"
    );
    assert!(
        eventually(Duration::from_secs(120), || outbox.published() == total).await,
        "published {} of {total}",
        outbox.published()
    );
    trigger.trigger();
    let stats = running.await.unwrap();
    assert!(
        stats.sessions >= 3,
        "reconnected after each kill: {stats:?}"
    );

    let rows = outbox.rows();
    // Every item marked once; the items republished are exactly those whose confirm
    // was lost (rescheduled with a "confirm lost" error), never confirmed ones.
    let mut lost_ids = HashSet::new();
    for row in &rows {
        assert_eq!(row.marks, 1);
        if !row.errors.is_empty() {
            assert!(
                row.errors.iter().all(|e| e.starts_with("confirm lost")),
                "{:?}",
                row.errors
            );
            assert_eq!(
                row.item.attempts, 0,
                "a lost confirm is not the message's fault"
            );
            lost_ids.insert(row.item.message.id().to_owned());
        }
        assert_eq!(row.claims as usize, 1 + row.errors.len());
    }
    let connection = broker.connection("relay-kill-check").await;
    let deliveries = drain(&connection, &broker.names.platform_queue(platform), IDLE).await;
    let counts = counts(&deliveries);
    assert_eq!(counts.len(), total, "every item arrived");
    let duplicated: Vec<&String> = counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| id)
        .collect();
    for id in &duplicated {
        assert!(
            lost_ids.contains(*id),
            "{id} duplicated but had been confirmed"
        );
    }
    println!(
        "relay kill (killed at {killed_at:?} published): {} sessions, {} lost confirms, {} duplicates in the queue",
        stats.sessions,
        lost_ids.len(),
        duplicated.len()
    );
    assert!(deliveries.iter().all(|d| !message_id(d).is_empty()));
    close_quietly(&connection).await;
    broker.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_waits_out_an_outage_and_redeclares_a_lost_topology() {
    let Some(broker) = broker("relay-outage") else {
        return;
    };
    let platform = matricule("0301");
    let topology = broker.fresh_topology(&[platform]).await;
    let total = 20_000;
    let mut outbox =
        MemoryOutbox::with((0..total).map(|i| message(&format!("o{i}"), platform, 512)));
    // 200 claims of 100 at 25 ms: at least 5 s, so the second outage falls mid-run.
    outbox.claim_delay = Duration::from_millis(25);
    let outbox = Arc::new(outbox);
    let mut config = relay_config(&broker, "relay-outage");
    config.batch_size = 100;

    // The broker refuses facteur (as if down) before the relay even starts.
    let user = broker.url.username().to_owned();
    let refuse = {
        let (vhost, user) = (broker.vhost.clone(), user.clone());
        move || super::support::rabbitmqctl(&["clear_permissions", "-p", &vhost, &user])
    };
    let allow = {
        let (vhost, user) = (broker.vhost.clone(), user.clone());
        move || {
            super::support::rabbitmqctl(&["set_permissions", "-p", &vhost, &user, ".*", ".*", ".*"])
        }
    };
    tokio::task::spawn_blocking(refuse.clone()).await.unwrap();
    let (_topology_tx, topology_rx) = watch::channel(topology);
    let (trigger, shutdown) = shutdown_channel();
    let mut relay = Relay::new(config, Arc::clone(&outbox), topology_rx);
    let running = tokio::spawn(async move { relay.run(shutdown).await });
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(outbox.published(), 0);
    assert!(
        outbox.rows().iter().all(|r| r.claims == 0),
        "nothing claimed without a broker"
    );

    // Back: the relay connects on its next attempt and starts publishing.
    tokio::task::spawn_blocking(allow.clone()).await.unwrap();
    assert!(eventually(Duration::from_secs(30), || outbox.published() >= 1_000).await);

    // Down again mid-run, and when it comes back its definitions are gone (a broker
    // rebuilt from scratch): the relay must declare them again before publishing.
    tokio::task::spawn_blocking(refuse).await.unwrap();
    broker.kill_connections().await;
    // Let the relay record the batch the kill interrupted.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let published_during_outage = outbox.published();
    assert!(
        published_during_outage < total,
        "the outage came after the end"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        outbox.published(),
        published_during_outage,
        "nothing confirmed while down"
    );
    tokio::task::spawn_blocking(allow.clone()).await.unwrap();
    let admin = broker.connection("relay-outage-admin").await;
    let channel = admin.create_channel().await.unwrap();
    channel
        .exchange_delete(broker.names.invoices_exchange().into(), Default::default())
        .await
        .unwrap();

    assert!(
        eventually(Duration::from_secs(60), || outbox.published() == total).await,
        "published {} of {total}",
        outbox.published()
    );
    trigger.trigger();
    let stats = running.await.unwrap();
    assert!(stats.sessions >= 2, "{stats:?}");
    assert!(outbox.rows().iter().all(|r| r.marks == 1));
    let deliveries = drain(&admin, &broker.names.platform_queue(platform), IDLE).await;
    assert_eq!(counts(&deliveries).len(), total, "every item arrived");
    close_quietly(&admin).await;
    broker.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_leaves_nothing_confirmed_unmarked() {
    let Some(broker) = broker("relay-shutdown") else {
        return;
    };
    let platform = matricule("0401");
    let topology = broker.fresh_topology(&[platform]).await;
    let total = 20_000;
    let mut outbox =
        MemoryOutbox::with((0..total).map(|i| message(&format!("s{i}"), platform, 256)));
    outbox.claim_delay = Duration::from_millis(25);
    let outbox = Arc::new(outbox);
    let mut config = relay_config(&broker, "relay-shutdown");
    config.batch_size = 200;
    let (_topology_tx, topology_rx) = watch::channel(topology);
    let (trigger, shutdown) = shutdown_channel();
    let mut relay = Relay::new(config, Arc::clone(&outbox), topology_rx);
    let running = tokio::spawn(async move { relay.run(shutdown).await });
    assert!(eventually(Duration::from_secs(60), || outbox.published() >= total / 4).await);
    trigger.trigger();
    let stats = running.await.unwrap();
    let marked: HashSet<String> = outbox
        .rows()
        .iter()
        .filter(|r| r.marks == 1)
        .map(|r| r.item.message.id().to_owned())
        .collect();
    assert!(marked.len() < total, "stopped before the end");
    assert_eq!(stats.confirmed as usize, marked.len());
    // The batch in progress was finished and recorded: what is in the queue is exactly
    // what the outbox marked, no confirmed message left to be published twice.
    let connection = broker.connection("relay-shutdown-check").await;
    let delivered: HashSet<String> =
        drain(&connection, &broker.names.platform_queue(platform), IDLE)
            .await
            .iter()
            .map(message_id)
            .collect();
    assert_eq!(delivered, marked);
    close_quietly(&connection).await;
    broker.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmed_items_whose_marking_failed_are_marked_once_the_store_is_back() {
    let Some(broker) = broker("relay-unmarked") else {
        return;
    };
    let platform = matricule("0451");
    let topology = broker.fresh_topology(&[platform]).await;
    let total = 300;
    let outbox = Arc::new(MemoryOutbox::with(
        (0..total).map(|i| message(&format!("u{i}"), platform, 256)),
    ));
    // The database goes away just as the first batch is confirmed: its marking fails,
    // and the two retries after it.
    outbox.fail_marks(3);
    let (_topology_tx, topology_rx) = watch::channel(topology);
    let (trigger, shutdown) = shutdown_channel();
    let mut relay = Relay::new(
        relay_config(&broker, "relay-unmarked"),
        Arc::clone(&outbox),
        topology_rx,
    );
    let running = tokio::spawn(async move { relay.run(shutdown).await });
    // Marked well within the outbox's lease (120 s): the relay kept the confirms.
    assert!(eventually(Duration::from_secs(20), || outbox.published() == total).await);
    trigger.trigger();
    let stats = running.await.unwrap();
    assert_eq!(stats.confirmed as usize, total);
    assert_eq!(stats.store_errors, 3, "{stats:?}");
    for row in outbox.rows() {
        assert_eq!(row.claims, 1, "claimed again: {}", row.item.message.id());
        assert_eq!(row.marks, 1, "{}", row.item.message.id());
    }
    let connection = broker.connection("relay-unmarked-check").await;
    let deliveries = drain(&connection, &broker.names.platform_queue(platform), IDLE).await;
    let counts = counts(&deliveries);
    assert_eq!(counts.len(), total);
    assert!(counts.values().all(|&n| n == 1), "published twice");
    close_quietly(&connection).await;
    broker.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_platform_queue_nacks_and_the_outbox_waits_for_room() {
    let Some(broker) = broker("relay-full") else {
        return;
    };
    let platform = matricule("0501");
    let mut topology = broker.topology(&[platform]);
    topology.platform_queue_max_bytes = 20_000;
    let topology = broker.fresh(topology).await;

    // The publisher alone: beyond about 20 KB the queue refuses, and a refused message
    // is Nacked, never Confirmed, and absent from the queue.
    let connection = broker.connection("relay-full-check").await;
    let mut config = facteur::routing::PublisherConfig::new(broker.names.invoices_exchange());
    config.window = 8;
    let mut publisher = facteur::routing::Publisher::open(&connection, &config)
        .await
        .unwrap();
    let probe: Vec<_> = (0..60)
        .map(|i| message(&format!("p{i}"), platform, 1000))
        .collect();
    let outcomes = publisher.publish_batch(&probe).await;
    let confirmed: HashSet<String> = probe
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| o.is_confirmed())
        .map(|(m, _)| m.id().to_owned())
        .collect();
    let nacked = outcomes
        .iter()
        .filter(|o| **o == facteur::routing::Outcome::Nacked)
        .count();
    assert_eq!(confirmed.len() + nacked, 60, "{outcomes:?}");
    assert!(
        nacked > 0 && confirmed.len() >= 15,
        "{} confirmed",
        confirmed.len()
    );
    let queue = broker.names.platform_queue(platform);
    let held: HashSet<String> = drain(&connection, &queue, IDLE)
        .await
        .iter()
        .map(message_id)
        .collect();
    assert_eq!(held, confirmed);

    // The relay: refused items wait in the outbox, retried with backoff, and all go
    // through as the platform reads its queue.
    let total = 300;
    let outbox = Arc::new(MemoryOutbox::with(
        (0..total).map(|i| message(&format!("f{i}"), platform, 1000)),
    ));
    let (_topology_tx, topology_rx) = watch::channel(topology);
    let (trigger, shutdown) = shutdown_channel();
    let mut relay = Relay::new(
        relay_config(&broker, "relay-full"),
        Arc::clone(&outbox),
        topology_rx,
    );
    let running = tokio::spawn(async move { relay.run(shutdown).await });
    let mut received = HashSet::new();
    // The platform starts reading only once the queue has refused something: on a
    // loaded machine a reader draining from the start could keep the queue below its
    // limit, and the nack path this test is about would never run.
    let mut refused_once = false;
    for round in 0..300 {
        if outbox.published() == total {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        refused_once = refused_once || outbox.rows().iter().any(|r| r.item.attempts > 0);
        if !refused_once && round < 100 {
            continue;
        }
        let deliveries = drain(&connection, &queue, Duration::from_millis(100)).await;
        received.extend(deliveries.iter().map(message_id));
    }
    trigger.trigger();
    let stats = running.await.unwrap();
    received.extend(
        drain(&connection, &queue, IDLE)
            .await
            .iter()
            .map(message_id),
    );
    assert_eq!(outbox.published(), total);
    assert_eq!(received.len(), total, "every item arrived");
    assert!(stats.nacked > 0, "{stats:?}");
    let retried = outbox.rows().into_iter().filter(|r| r.item.attempts > 0);
    for row in retried {
        assert!(row.errors.iter().all(|e| e == "nacked by the broker"));
        assert_eq!(row.marks, 1);
    }
    close_quietly(&connection).await;
    broker.finish().await;
}
