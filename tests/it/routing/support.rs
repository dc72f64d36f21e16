//! What the routing tests share: a real broker with one vhost per test, an in-memory
//! outbox, and a plain lapin reader that drains a queue.

use std::collections::{BTreeMap, HashMap};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

use facteur::identifiers::Matricule;
use facteur::routing::connection::connect;
use facteur::routing::topology::Names;
use facteur::routing::{
    AmqpUrl, ConnectionConfig, MessageKind, OutboxItem, OutboxStore, OutgoingMessage, Topology,
};
use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicCancelOptions, BasicConsumeOptions, BasicQosOptions, QueuePurgeOptions};
use lapin::types::{AMQPValue, FieldTable};

/// A broker for one test: its own vhost (made with `rabbitmqctl`), so tests run in
/// parallel, and connections can be killed for one test only.
pub struct Broker {
    pub url: AmqpUrl,
    pub vhost: String,
    pub names: Names,
}

/// The broker for `test`, or `None` (after printing SKIPPED) when no broker is
/// configured. With `FACTEUR_REQUIRE_SERVICES=1` a missing broker fails the test.
pub fn broker(test: &str) -> Option<Broker> {
    let required = std::env::var("FACTEUR_REQUIRE_SERVICES").is_ok_and(|v| v == "1");
    let Ok(text) = std::env::var("FACTEUR_TEST_AMQP_URL") else {
        assert!(
            !required,
            "FACTEUR_REQUIRE_SERVICES=1 but FACTEUR_TEST_AMQP_URL is unset"
        );
        println!("SKIPPED: {test}: FACTEUR_TEST_AMQP_URL is unset");
        return None;
    };
    let base = AmqpUrl::parse(&text).expect("FACTEUR_TEST_AMQP_URL");
    // A passing test deletes its vhost (`finish`); a failing one leaves it for
    // inspection, and the next run reuses it, purging its queues first.
    let vhost = format!("facteur-it-{test}");
    rabbitmqctl(&["add_vhost", &vhost]);
    rabbitmqctl(&[
        "set_permissions",
        "-p",
        &vhost,
        base.username(),
        ".*",
        ".*",
        ".*",
    ]);
    Some(Broker {
        url: base.with_vhost(&vhost),
        vhost,
        names: Names::default(),
    })
}

/// Runs `rabbitmqctl`, tolerating "already exists".
pub fn rabbitmqctl(args: &[&str]) {
    let output = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .expect("rabbitmqctl is needed to give each test its vhost");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() || stderr.contains("already exists"),
        "rabbitmqctl {args:?}: {stderr}"
    );
}

impl Broker {
    pub fn config(&self, name: &str) -> ConnectionConfig {
        let mut config = ConnectionConfig::new(self.url.clone(), name);
        config.heartbeat = Duration::from_secs(5);
        config
    }

    /// The vhost's URL as text, password included: for a child process (tests only).
    pub fn url_with_password(&self) -> String {
        let base = std::env::var("FACTEUR_TEST_AMQP_URL").expect("FACTEUR_TEST_AMQP_URL");
        let server = base.rsplit_once('/').map_or(base.as_str(), |(s, _)| s);
        format!("{server}/{}", self.vhost.replace('/', "%2F"))
    }

    /// A connection as platform `platform`'s own broker user, `platform-<matricule>`,
    /// with the permissions the README gives it: write to the statuses exchange, read
    /// its own queue, configure nothing. The user is made (or kept) with `rabbitmqctl`.
    pub async fn platform_connection(&self, platform: Matricule) -> lapin::Connection {
        let user = format!("platform-{platform}");
        let password = "platform-test-password";
        rabbitmqctl(&["add_user", &user, password]);
        rabbitmqctl(&["change_password", &user, password]);
        let escape = |name: String| name.replace('.', "\\.");
        rabbitmqctl(&[
            "set_permissions",
            "-p",
            &self.vhost,
            &user,
            "^$",
            &format!("^{}$", escape(self.names.statuses_exchange())),
            &format!("^{}$", escape(self.names.platform_queue(platform))),
        ]);
        let url = self.url_with_password();
        let (scheme, rest) = url.split_once("://").expect("an AMQP URL");
        let server = rest.rsplit_once('@').map_or(rest, |(_, server)| server);
        let url = AmqpUrl::parse(&format!("{scheme}://{user}:{password}@{server}"))
            .expect("platform URL");
        connect(&ConnectionConfig::new(url, &user))
            .await
            .expect("connect as the platform's broker user")
    }

    pub async fn connection(&self, name: &str) -> lapin::Connection {
        connect(&self.config(name)).await.expect("connect")
    }

    pub fn topology(&self, platforms: &[Matricule]) -> Topology {
        Topology::new(self.names.clone(), platforms.iter().copied())
    }

    /// Declares the topology of `platforms` and empties its queues.
    pub async fn fresh_topology(&self, platforms: &[Matricule]) -> Topology {
        self.fresh(self.topology(platforms)).await
    }

    /// Deletes the test's vhost and everything in it, once the test passed.
    pub async fn finish(self) {
        let vhost = self.vhost;
        tokio::task::spawn_blocking(move || rabbitmqctl(&["delete_vhost", &vhost]))
            .await
            .unwrap();
    }

    /// Declares `topology` and empties its queues (left over from a failed run).
    pub async fn fresh(&self, topology: Topology) -> Topology {
        let platforms = topology.platforms.clone();
        let connection = self.connection("setup").await;
        topology.declare(&connection).await.expect("declare");
        let channel = connection.create_channel().await.unwrap();
        let mut queues = vec![
            self.names.statuses_queue(),
            self.names.statuses_parking_queue(),
        ];
        for platform in platforms {
            queues.push(self.names.platform_queue(platform));
            queues.push(self.names.parking_queue(platform));
        }
        for queue in queues {
            channel
                .queue_purge(queue.into(), QueuePurgeOptions::default())
                .await
                .unwrap();
        }
        connection.close(200, "setup done".into()).await.unwrap();
        topology
    }

    /// Closes every connection of this test's vhost, as a broker restart would.
    pub async fn kill_connections(&self) {
        let vhost = self.vhost.clone();
        tokio::task::spawn_blocking(move || {
            rabbitmqctl(&[
                "close_all_connections",
                "--vhost",
                &vhost,
                "killed by a routing test",
            ]);
        })
        .await
        .unwrap();
    }
}

/// Closes a test's connection the way facteur closes its own: within 5 s, even when
/// the broker already dropped it (a test killed it).
pub async fn close_quietly(connection: &lapin::Connection) {
    facteur::routing::connection::close_bounded(connection, "done").await;
}

pub fn matricule(text: &str) -> Matricule {
    Matricule::parse(text).unwrap()
}

/// A small invoice message; the body says which message it is.
pub fn message(id: &str, platform: Matricule, size: usize) -> OutgoingMessage {
    let mut body = format!("<Invoice id=\"{id}\"/>").into_bytes();
    body.resize(size.max(body.len()), b' ');
    OutgoingMessage::new(MessageKind::Invoice, id, platform, "application/xml", body)
        .unwrap()
        .with_header("x-facteur-sender-platform", "0001")
        .unwrap()
}

/// Reads everything in `queue` with a plain lapin consumer (auto-ack), stopping once
/// nothing has arrived for `idle`.
pub async fn drain(connection: &lapin::Connection, queue: &str, idle: Duration) -> Vec<Delivery> {
    let channel = connection.create_channel().await.unwrap();
    channel
        .basic_qos(2000, BasicQosOptions::default())
        .await
        .unwrap();
    let mut consumer = channel
        .basic_consume(
            queue.into(),
            "drain".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut deliveries = Vec::new();
    while let Ok(Some(delivery)) = tokio::time::timeout(idle, consumer.next()).await {
        deliveries.push(delivery.expect("delivery"));
    }
    channel
        .basic_cancel("drain".into(), BasicCancelOptions::default())
        .await
        .unwrap();
    deliveries
}

pub fn message_id(delivery: &Delivery) -> String {
    delivery
        .properties
        .message_id()
        .as_ref()
        .map(|id| id.to_string())
        .unwrap_or_default()
}

pub fn header(delivery: &Delivery, name: &str) -> Option<String> {
    match delivery.properties.headers().as_ref()?.inner().get(name)? {
        AMQPValue::LongString(text) => Some(String::from_utf8_lossy(text.as_bytes()).into_owned()),
        _ => None,
    }
}

/// How many times each message id was delivered.
pub fn counts(deliveries: &[Delivery]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for delivery in deliveries {
        *counts.entry(message_id(delivery)).or_default() += 1;
    }
    counts
}

/// Waits until `done` holds, up to `limit`.
pub async fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

/// An outbox in memory that follows the `OutboxStore` contract (leases included) and
/// remembers everything that happened to each row.
#[derive(Default)]
pub struct MemoryOutbox {
    rows: Mutex<BTreeMap<i64, Row>>,
    /// Time each claim takes, as a database round trip would: slows the relay enough
    /// for a test to cut its connection mid-run.
    pub claim_delay: Duration,
    /// How many of the next `mark_published` calls fail, as they would while the
    /// database is down.
    pub failing_marks: AtomicU32,
}

/// What the memory outbox answers while it plays a database outage.
#[derive(Debug)]
pub struct StoreDown;

impl std::fmt::Display for StoreDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the outbox store is down")
    }
}

impl std::error::Error for StoreDown {}

#[derive(Clone, Debug)]
pub struct Row {
    pub item: OutboxItem,
    pub not_before: SystemTime,
    pub leased_until: Option<SystemTime>,
    pub claims: u32,
    pub marks: u32,
    pub errors: Vec<String>,
}

const LEASE: Duration = Duration::from_secs(120);

impl MemoryOutbox {
    pub fn with(messages: impl IntoIterator<Item = OutgoingMessage>) -> Self {
        let outbox = MemoryOutbox::default();
        {
            let mut rows = outbox.rows.lock().unwrap();
            for (id, message) in (1..).zip(messages) {
                let item = OutboxItem {
                    id,
                    enqueued_at: None,
                    attempts: 0,
                    message,
                };
                rows.insert(
                    id,
                    Row {
                        item,
                        not_before: SystemTime::UNIX_EPOCH,
                        leased_until: None,
                        claims: 0,
                        marks: 0,
                        errors: Vec::new(),
                    },
                );
            }
        }
        outbox
    }

    pub fn rows(&self) -> Vec<Row> {
        self.rows.lock().unwrap().values().cloned().collect()
    }

    /// Fails the next `calls` markings.
    pub fn fail_marks(&self, calls: u32) {
        self.failing_marks.store(calls, Ordering::SeqCst);
    }

    fn mark_down(&self) -> Result<(), StoreDown> {
        let failing = self
            .failing_marks
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        match failing {
            Ok(_) => Err(StoreDown),
            Err(_) => Ok(()),
        }
    }

    pub fn published(&self) -> usize {
        self.rows
            .lock()
            .unwrap()
            .values()
            .filter(|r| r.marks > 0)
            .count()
    }
}

impl OutboxStore for MemoryOutbox {
    type Error = StoreDown;

    async fn claim(&self, limit: usize) -> Result<Vec<OutboxItem>, Self::Error> {
        tokio::time::sleep(self.claim_delay).await;
        let now = SystemTime::now();
        let mut rows = self.rows.lock().unwrap();
        let mut claimed = Vec::new();
        for row in rows.values_mut() {
            if claimed.len() == limit {
                break;
            }
            let leased = row.leased_until.is_some_and(|until| until > now);
            if row.marks > 0 || leased || row.not_before > now {
                continue;
            }
            row.leased_until = Some(now + LEASE);
            row.claims += 1;
            claimed.push(row.item.clone());
        }
        Ok(claimed)
    }

    async fn mark_published(&self, ids: &[i64], _at: SystemTime) -> Result<(), Self::Error> {
        self.mark_down()?;
        let mut rows = self.rows.lock().unwrap();
        for id in ids {
            if let Some(row) = rows.get_mut(id) {
                row.marks += 1;
                row.leased_until = None;
            }
        }
        Ok(())
    }

    async fn schedule_retry(
        &self,
        id: i64,
        not_before: SystemTime,
        attempts: u32,
        last_error: &str,
    ) -> Result<(), Self::Error> {
        let mut rows = self.rows.lock().unwrap();
        if let Some(row) = rows.get_mut(&id) {
            row.not_before = not_before;
            row.item.attempts = attempts;
            row.leased_until = None;
            row.errors.push(last_error.to_owned());
        }
        Ok(())
    }
}
