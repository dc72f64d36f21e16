//! The fault tests' world: a fresh PostgreSQL database and RabbitMQ vhost per test,
//! platforms 0001 (senders) and 0002 (recipients) with credentials and a directory
//! line, the real `facteur serve` binary as child processes, and a real lapin
//! consumer counting what reaches platform 0002's queue, by message id.
//!
//! The tests run one at a time ([`serial`]): they kill processes and stop the broker,
//! which must not disturb one another.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use facteur::api::credential_hash;
use facteur::directory::day::{Day, timestamp, unix_now};
use facteur::directory::model::{Actor, LineSpec, Platform, PlatformKind};
use facteur::directory::{Directory, Fallback};
use facteur::identifiers::{AddressingId, Matricule, Siren};
use facteur::routing::AmqpUrl;
use facteur::storage::Db;
use futures_util::StreamExt;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use sqlx::Connection;

pub const SENDER_TOKEN: &str = "faults-token-0001";
pub const SELLER: &str = "906170857";
pub const BUYER: &str = "479612384";
/// The queue of the recipients' platform 0002.
pub const QUEUE: &str = "facteur.platform.0002";

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Holds the other fault tests off until dropped.
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    SERIAL.lock().await
}

/// A service this binary needs, from the environment; missing, the test is skipped,
/// or fails under `FACTEUR_REQUIRE_SERVICES=1`.
fn service(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(value) => Some(value),
        Err(_) => {
            assert!(
                std::env::var("FACTEUR_REQUIRE_SERVICES").as_deref() != Ok("1"),
                "FACTEUR_REQUIRE_SERVICES=1 but {var} is unset"
            );
            eprintln!("SKIPPED: set {var} to run the fault tests");
            None
        }
    }
}

pub fn m(text: &str) -> Matricule {
    Matricule::parse(text).unwrap()
}

/// Runs `rabbitmqctl`, tolerating "already exists".
pub fn rabbitmqctl(args: &[&str]) -> String {
    let output = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .expect("rabbitmqctl is needed by the fault tests");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() || stderr.contains("already exists"),
        "rabbitmqctl {args:?}: {stderr}"
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// One test's database and vhost, with the platforms and the directory set up.
pub struct World {
    admin_url: String,
    database: String,
    pub database_url: String,
    pub db: Db,
    pub vhost: String,
    /// The broker URL of the test's vhost, password included (tests only).
    pub amqp_url: String,
}

impl World {
    /// On the shared PostgreSQL server and broker.
    pub async fn new(test: &str) -> Option<World> {
        let admin_url = service("FACTEUR_TEST_DATABASE_URL")?;
        Self::on(admin_url, test).await
    }

    /// On the PostgreSQL server of `admin_url` and the shared broker.
    pub async fn on(admin_url: String, test: &str) -> Option<World> {
        let amqp_text = service("FACTEUR_TEST_AMQP_URL")?;
        let amqp = AmqpUrl::parse(&amqp_text).unwrap();
        let database = format!("facteur_faults_{test}_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
        for sql in [
            format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"),
            format!("CREATE DATABASE {database}"),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut admin)
                .await
                .unwrap();
        }
        let _ = admin.close().await;
        let base = admin_url.rsplit_once('/').map_or(&*admin_url, |(b, _)| b);
        let database_url = format!("{base}/{database}");
        let db = Db::connect(&database_url).await.unwrap();
        setup(&db).await;
        // A fresh vhost: a failed earlier run's leftovers are deleted first.
        let vhost = format!("facteur-faults-{test}");
        let _ = Command::new("rabbitmqctl")
            .args(["delete_vhost", &vhost])
            .output();
        rabbitmqctl(&["add_vhost", &vhost]);
        rabbitmqctl(&[
            "set_permissions",
            "-p",
            &vhost,
            amqp.username(),
            ".*",
            ".*",
            ".*",
        ]);
        let amqp_base = amqp_text.rsplit_once('/').map_or(&*amqp_text, |(b, _)| b);
        let amqp_url = format!("{amqp_base}/{vhost}");
        Some(World {
            admin_url,
            database,
            database_url,
            db,
            vhost,
            amqp_url,
        })
    }

    /// Ids of every invoice the hub accepted: each has its one outbox row.
    pub async fn accepted(&self) -> BTreeSet<String> {
        let Db::Pg(pool) = &self.db else {
            unreachable!()
        };
        sqlx::query_scalar::<_, String>(
            "SELECT i.id FROM invoices i JOIN outbox o ON o.message_id = i.id WHERE o.kind = 'invoice'",
        )
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
    }

    /// Outbox rows not yet confirmed by the broker.
    pub async fn backlog(&self) -> i64 {
        self.db.outbox_backlog().await.unwrap()
    }

    /// How many times each outbox row was claimed (`deliveries`), by message id: a
    /// message can reach the queue at most once per claim.
    pub async fn claims(&self) -> HashMap<String, i32> {
        let Db::Pg(pool) = &self.db else {
            unreachable!()
        };
        sqlx::query_as::<_, (String, i32)>("SELECT message_id, deliveries FROM outbox")
            .fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .collect()
    }

    /// Drops the database and the vhost.
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Ok(mut admin) = sqlx::PgConnection::connect(&self.admin_url).await {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database);
            let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut admin)
                .await;
            let _ = admin.close().await;
        }
        let vhost = self.vhost;
        tokio::task::spawn_blocking(move || rabbitmqctl(&["delete_vhost", &vhost]))
            .await
            .unwrap();
    }
}

/// Platforms 0001 and 0002, 0001's credential, the sample companies, and the line
/// sending the sample buyer's invoices to 0002 from today.
async fn setup(db: &Db) {
    let now = timestamp(unix_now());
    for (matricule, name) in [("0001", "Alpha"), ("0002", "Beta")] {
        let platform = Platform {
            matricule: m(matricule),
            name: name.into(),
            kind: PlatformKind::Pdp,
            inactive_from: None,
        };
        db.upsert_platform(&platform, &now).await.unwrap();
    }
    db.add_credential(m("0001"), &credential_hash(SENDER_TOKEN), &now)
        .await
        .unwrap();
    for (siren, name) in [(SELLER, "Seller SAS"), (BUYER, "Buyer SA")] {
        db.upsert_legal_unit(&Siren::parse(siren).unwrap(), name, "A", &now)
            .await
            .unwrap();
    }
    // A line starts at the earliest the day after it is made (G1.84): made yesterday.
    let today = Day::today();
    let eve = Directory::open(db.clone(), Fallback::Hierarchical)
        .await
        .unwrap()
        .with_today(today.add_days(-1));
    for (siren, platform) in [(BUYER, "0002"), (SELLER, "0001")] {
        let spec = LineSpec {
            addressing: AddressingId::parse(siren).unwrap(),
            matricule: m(platform),
            start: today,
            end: None,
        };
        eve.create_line(Actor::Admin, &spec).await.unwrap();
    }
}

/// A running `facteur serve`, killed with SIGKILL when dropped.
pub struct Serve {
    child: Child,
    pub address: String,
    log: Arc<Mutex<String>>,
}

impl Serve {
    /// Starts `facteur serve` on `world` (its database and vhost) with `env` added,
    /// and waits until it listens.
    pub fn start(world: &World, database_url: &str, env: &[(&str, &str)]) -> Serve {
        let mut command = Command::new(env!("CARGO_BIN_EXE_facteur"));
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("FACTEUR_DATABASE_URL", database_url)
            .env("FACTEUR_AMQP_URL", &world.amqp_url)
            .env_remove("FACTEUR_CONFIG")
            .env_remove("FACTEUR_TLS_CERT")
            .env_remove("FACTEUR_TLS_KEY")
            .stderr(Stdio::piped())
            .stdout(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let address = loop {
            line.clear();
            if stderr.read_line(&mut line).unwrap_or(0) == 0 {
                let _ = child.kill();
                let status = child.wait();
                panic!("serve exited before listening: {status:?}");
            }
            if let Some(rest) = line.split("address=http://").nth(1) {
                break rest.trim().to_string();
            }
        };
        // Keep reading its log, so that a full pipe never blocks it.
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).unwrap_or(0) > 0 {
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        Serve {
            child,
            address,
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// SIGKILL: no shutdown, no flushing, whatever was in flight is cut.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Deliveries reaching [`QUEUE`], counted by message id, by a consumer that acks each
/// after counting it and reconnects when the broker goes away.
pub struct Deliveries {
    counts: Arc<Mutex<HashMap<String, usize>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Deliveries {
    pub fn start(world: &World) -> Deliveries {
        let counts = Arc::new(Mutex::new(HashMap::new()));
        let url = world.amqp_url.clone();
        let sink = counts.clone();
        let task = tokio::spawn(async move {
            // One line per outage, not one per reconnection attempt.
            let mut reported = false;
            loop {
                match consume(&url, &sink).await {
                    Err(e) if !reported => {
                        eprintln!("test consumer: {e}, reconnecting");
                        reported = true;
                    }
                    Err(_) => {}
                    Ok(()) => reported = false,
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        });
        Deliveries { counts, task }
    }

    pub fn counts(&self) -> HashMap<String, usize> {
        self.counts.lock().unwrap().clone()
    }

    pub fn distinct(&self) -> usize {
        self.counts.lock().unwrap().len()
    }
}

impl Drop for Deliveries {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn consume(url: &str, counts: &Mutex<HashMap<String, usize>>) -> Result<(), lapin::Error> {
    let connection =
        lapin::Connection::connect(url, lapin::ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    channel.basic_qos(1000, BasicQosOptions::default()).await?;
    let mut consumer = channel
        .basic_consume(
            QUEUE.into(),
            "faults-counter".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    while let Some(delivery) = consumer.next().await {
        let delivery = delivery?;
        let id = delivery
            .properties
            .message_id()
            .as_ref()
            .map(|id| id.to_string())
            .unwrap_or_default();
        *counts.lock().unwrap().entry(id).or_default() += 1;
        delivery.ack(BasicAckOptions::default()).await?;
    }
    Ok(())
}

/// Waits until `done` holds, checking every 200 ms, up to `limit`.
pub async fn eventually<F: std::future::Future<Output = bool>>(
    limit: Duration,
    mut done: impl FnMut() -> F,
) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    done().await
}

/// A sample UBL invoice from the seller to the buyer, numbered `number`.
pub fn invoice(number: &str) -> Vec<u8> {
    facteur::samples::ubl_invoice(number, 1).into_bytes()
}

/// A zip of `n` invoices numbered `{prefix}-{i}`.
pub fn batch(prefix: &str, n: usize) -> Vec<u8> {
    use std::io::Write as _;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for i in 0..n {
        let number = format!("{prefix}-{i:05}");
        writer.start_file(format!("{number}.xml"), options).unwrap();
        writer.write_all(&invoice(&number)).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// `POST /v1/invoices` as platform 0001: the HTTP status and the JSON answer.
pub async fn submit(
    client: &reqwest::Client,
    serve_url: &str,
    document: Vec<u8>,
) -> Result<(u16, serde_json::Value), reqwest::Error> {
    let response = client
        .post(format!("{serve_url}/v1/invoices"))
        .bearer_auth(SENDER_TOKEN)
        .header("content-type", "application/xml")
        .body(document)
        .send()
        .await?;
    let status = response.status().as_u16();
    let text = response.text().await?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    ))
}

/// `GET` a JSON document as platform 0001.
pub async fn get_json(client: &reqwest::Client, url: &str) -> Option<serde_json::Value> {
    let response = client
        .get(url)
        .bearer_auth(SENDER_TOKEN)
        .send()
        .await
        .ok()?;
    serde_json::from_str(&response.text().await.ok()?).ok()
}

/// Every accepted invoice delivered at least once; nothing unknown delivered; and no
/// message delivered more often than its outbox row was claimed (a claim publishes
/// a message once: a second copy exists only when an instance crashed, or its confirm
/// was lost, between publishing and recording the confirm). Returns the number of
/// extra copies.
pub async fn assert_delivered(world: &World, deliveries: &Deliveries) -> usize {
    let accepted = world.accepted().await;
    let counts = deliveries.counts();
    let missing: Vec<_> = accepted
        .iter()
        .filter(|id| !counts.contains_key(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} accepted invoices never delivered",
        missing.len()
    );
    let unknown: Vec<_> = counts.keys().filter(|id| !accepted.contains(*id)).collect();
    assert!(
        unknown.is_empty(),
        "delivered but never accepted: {unknown:?}"
    );
    let claims = world.claims().await;
    let mut extra = 0;
    for (id, &n) in &counts {
        let claimed = claims[id];
        assert!(
            n as i64 <= i64::from(claimed),
            "{id} delivered {n} times but claimed {claimed} times"
        );
        extra += n - 1;
    }
    extra
}
