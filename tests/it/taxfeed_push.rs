//! The feed end to end against the reference receiver on loopback: objects built from
//! the corpus and from generated B2C / international data are stored, packed, pushed
//! and acknowledged, and the receiver (which checks every file against the official
//! XSDs) takes each one into account exactly once — also when it is down for a while,
//! answers 500 or 429 with Retry-After, answers after the client gave up, drops the
//! connection mid-upload, or when the pusher is killed with SIGKILL mid-push.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use facteur::identifiers::Siren;
use facteur::invoice::Date;
use facteur::storage::Db;
use facteur::storage::taxfeed::{Backlog, ObjectKind, ObjectState};
use facteur::taxfeed::f1::Profile;
use facteur::taxfeed::f10::international::operation_date;
use facteur::taxfeed::f10::period::period_of;
use facteur::taxfeed::f10::{
    B2cAggregator, Body, DataKind, F10Invoice, ReportingPeriod, Role, Sequence, Transmission,
    VatRegime,
};
use facteur::taxfeed::flow::{BatchPolicy, FlowObject, InterfaceCode};
use facteur::taxfeed::receiver::{
    Faults, Receiver, ReceiverConfig, ReceiverState, RetryAfter, Schemas,
};
use facteur::taxfeed::service::{FeedConfig, FeedError, PackMode, TaxFeed, now};
use facteur::taxfeed::transport::{RetryPolicy, Transport, TransportConfig};
use facteur::taxfeed::{Instant, ObjectId, ProcessingType, processing_type};

use crate::directory_support::{TestDb, backends, postgres, sqlite};
use crate::taxfeed::f10::{declarant, platform};
use crate::taxfeed::{
    accepted_corpus_invoices, have_xmllint, mandatory_events, sample_invoices, shared,
};

/// The receiver, checking against the official XSDs; `None` (skipped) without the
/// reference directory or xmllint.
fn receiver_state(tag: &str) -> Option<Arc<ReceiverState>> {
    let shared = shared()?;
    if !have_xmllint() {
        return None;
    }
    Some(ReceiverState::new(ReceiverConfig {
        schemas: Some(Schemas {
            reference: shared.join("reference"),
        }),
        scratch: std::env::temp_dir().join(format!("facteur-rcv-{}-{tag}", std::process::id())),
    }))
}

fn feed_config() -> FeedConfig {
    let mut config = FeedConfig::new(platform());
    config.f1_profiles = vec![Profile::Base, Profile::Full];
    config.batch = BatchPolicy {
        max_objects: Some(4),
        max_age_seconds: 0,
        ..BatchPolicy::default()
    };
    config.retry = RetryPolicy {
        base: Duration::from_millis(200),
        max: Duration::from_secs(1),
        max_retry_after: Duration::from_secs(5),
    };
    config.lease = Duration::from_secs(30);
    config
}

fn feed(db: &Db, url: &str, timeout: Duration) -> TaxFeed {
    let mut transport = TransportConfig::new(url.parse().expect("url"));
    transport.request_timeout = timeout;
    TaxFeed::new(db.clone(), feed_config())
        .with_transport(Transport::new(transport).expect("client"))
}

fn d(y: u16, m: u8, day: u8) -> Date {
    Date::new(y, m, day).expect("valid")
}

/// Stores F1 (Base and Full) and F6 for `invoices`, and returns the file names.
async fn enqueue_invoices(
    feed: &TaxFeed,
    invoices: Vec<(
        String,
        facteur::invoice::Invoice,
        facteur::taxfeed::f1::F1Syntax,
    )>,
    with_statuses: usize,
) -> BTreeSet<String> {
    let at = Instant::parse("20260915101500").expect("valid");
    let mut names = BTreeSet::new();
    let mut with_f1 = 0;
    for (i, (name, mut invoice, syntax)) in invoices.into_iter().enumerate() {
        // The corpus reuses invoice numbers across files (variants of one case): each
        // gets its own, as distinct invoices of one seller and year must (G1.45).
        invoice.number = Some(format!("T-{i:04}"));
        let objects = match feed.enqueue_invoice(&invoice, syntax, at, now()).await {
            Ok(objects) => objects,
            // Invoices the F1 does not take (e-reported, or a framework the PPF
            // refuses) are covered by the F1 tests; here only what is extracted matters.
            Err(FeedError::F1(_)) => continue,
            Err(e) => panic!("{name}: {e}"),
        };
        for (id, _) in objects {
            let stored = feed
                .db()
                .taxfeed_object(&id)
                .await
                .expect("read")
                .expect("stored");
            names.insert(stored.file_name);
        }
        if with_f1 < with_statuses {
            for (event, on_payment) in mandatory_events(&invoice) {
                let (id, _) = feed
                    .enqueue_status(&event, on_payment, now())
                    .await
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                let stored = feed
                    .db()
                    .taxfeed_object(&id)
                    .await
                    .expect("read")
                    .expect("stored");
                names.insert(stored.file_name);
            }
        }
        with_f1 += 1;
    }
    assert!(with_f1 > 0, "some invoices give an F1");
    names
}

/// Stores generated B2C daily aggregates for two declarants (initial and corrective)
/// and returns the file names.
async fn enqueue_b2c(feed: &TaxFeed, transactions: usize) -> BTreeSet<String> {
    let first = d(2026, 9, 1);
    let mut names = BTreeSet::new();
    for (seed, siren) in [(7, "906170857"), (8, "732829320")] {
        let mut agg = B2cAggregator::new();
        for t in facteur::samples::b2c_transactions(transactions, seed, first, 10) {
            agg.add(&t);
        }
        let mut declarant = declarant(siren, Role::Seller);
        declarant.vat_option_code = Some("5".into());
        let initial = Transmission {
            sender: platform(),
            declarant,
            period: ReportingPeriod {
                start: first,
                end: d(2026, 9, 10),
            },
            sequence: Sequence::INITIAL,
            issued_at: Instant::parse("20260911080000").expect("valid"),
            body: Body::Transactions {
                invoices: Vec::new(),
                aggregates: agg.finish(),
            },
        };
        let corrective = initial.corrective(initial.body.clone(), initial.issued_at.plus_hours(5));
        for t in [initial, corrective] {
            let (id, _) = feed
                .enqueue_f10(&t, None, &format!("submission:b2c-{seed}"), now())
                .await
                .expect("F10 stored");
            let stored = feed
                .db()
                .taxfeed_object(&id)
                .await
                .expect("read")
                .expect("stored");
            names.insert(stored.file_name);
        }
    }
    names
}

/// Stores the corpus's international B2B invoices as F10 10.1 transmissions.
async fn enqueue_international(feed: &TaxFeed, shared: &Path) -> BTreeSet<String> {
    let mut groups: BTreeMap<(String, ReportingPeriod), Vec<F10Invoice>> = BTreeMap::new();
    for (_, invoice, _) in accepted_corpus_invoices(shared) {
        if processing_type(&invoice) != Ok(ProcessingType::B2BInt) {
            continue;
        }
        let f = F10Invoice::from_invoice(&invoice).expect("maps");
        let siren = invoice
            .seller
            .legal_registration_identifier
            .as_ref()
            .map(|id| id.value.clone())
            .expect("seller SIREN");
        let date = operation_date(&invoice).expect("dated");
        let period = period_of(VatRegime::NormalMonthly, DataKind::Transactions, date);
        groups.entry((siren, period)).or_default().push(f);
    }
    let mut names = BTreeSet::new();
    for ((siren, period), invoices) in groups {
        assert!(Siren::parse(&siren).is_ok());
        let t = Transmission {
            sender: platform(),
            declarant: declarant(&siren, Role::Seller),
            period,
            sequence: Sequence::INITIAL,
            issued_at: Instant::parse("20270201080000").expect("valid"),
            body: Body::Transactions {
                invoices,
                aggregates: Vec::new(),
            },
        };
        let (id, _) = feed
            .enqueue_f10(&t, None, "submission:int", now())
            .await
            .expect("F10 stored");
        let stored = feed
            .db()
            .taxfeed_object(&id)
            .await
            .expect("read")
            .expect("stored");
        names.insert(stored.file_name);
    }
    assert!(!names.is_empty(), "the corpus has international invoices");
    names
}

/// A small mixed workload: the samples' F1 (Base and Full), the statuses of two of
/// them, and B2C aggregates.
async fn small_workload(feed: &TaxFeed) -> BTreeSet<String> {
    let mut names = enqueue_invoices(feed, sample_invoices(), 2).await;
    names.extend(enqueue_b2c(feed, 300).await);
    names
}

/// Rounds until nothing is left to acknowledge; the backlog at the end.
async fn drain(feed: &TaxFeed, limit: Duration) -> Backlog {
    let started = std::time::Instant::now();
    loop {
        feed.round(PackMode::All).await.expect("round");
        let backlog = feed.backlog().await.expect("backlog");
        if backlog.count(ObjectState::Pending) + backlog.count(ObjectState::Packed) == 0 {
            return backlog;
        }
        assert!(
            started.elapsed() < limit,
            "not drained after {limit:?}: {backlog:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every object acknowledged as accepted with its kind's status, and the receiver took
/// each file into account exactly once.
async fn assert_exactly_once(db: &Db, state: &ReceiverState, expected: &BTreeSet<String>) {
    let objects = db.taxfeed_objects().await.expect("objects");
    assert_eq!(objects.len(), expected.len());
    for o in &objects {
        let status = match o.kind {
            ObjectKind::F1 => 250,
            ObjectKind::F6 => 500,
            ObjectKind::F10 => 300,
        };
        assert_eq!(
            (o.state, o.ack_status),
            (ObjectState::Acknowledged, Some(status)),
            "{}: {:?}",
            o.file_name,
            o.ack_reason
        );
    }
    let counts = state.counts().await;
    let once: BTreeMap<String, u32> = expected.iter().map(|n| (n.clone(), 1)).collect();
    assert_eq!(counts, once, "each object taken into account exactly once");
}

#[tokio::test]
async fn corpus_and_generated_objects_are_all_acknowledged_exactly_once() {
    let Some(shared) = shared() else { return };
    for tdb in backends().await {
        let Some(state) = receiver_state(&format!("e2e-{}", tdb.name)) else {
            return tdb.cleanup().await;
        };
        let receiver = Receiver::start(state.clone(), "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("receiver");
        let feed = feed(&tdb.db, &receiver.url(), Duration::from_secs(30));
        let mut expected = enqueue_invoices(&feed, accepted_corpus_invoices(&shared), 5).await;
        expected.extend(enqueue_invoices(&feed, sample_invoices(), 0).await);
        expected.extend(enqueue_b2c(&feed, 2000).await);
        expected.extend(enqueue_international(&feed, &shared).await);
        let kinds: BTreeSet<&str> = expected
            .iter()
            .map(|n| n.split('_').next().unwrap_or(""))
            .collect();
        assert!(
            kinds.contains("Base") && kinds.contains("Full"),
            "{kinds:?}"
        );

        let backlog = drain(&feed, Duration::from_secs(180)).await;
        assert_exactly_once(&tdb.db, &state, &expected).await;
        let per_kind = |prefix: &str| expected.iter().filter(|n| n.starts_with(prefix)).count();
        println!(
            "{}: {} objects ({} F1 Base, {} F1 Full, {} others)",
            tdb.name,
            expected.len(),
            per_kind("Base_"),
            per_kind("Full_"),
            expected.len() - per_kind("Base_") - per_kind("Full_")
        );
        assert!(
            per_kind("Base_") >= 20,
            "the corpus and samples give F1 files"
        );
        // Every flow receivable at the first attempt: every file met its XSD.
        let flows = tdb.db.taxfeed_flows().await.expect("flows");
        assert!(flows.len() >= 4, "{} flows", flows.len());
        assert!(
            flows
                .iter()
                .all(|f| f.ack_status == Some(500) && f.attempts == 1)
        );
        assert_eq!(
            state.processed().await,
            BTreeMap::from([(500, flows.len() as u32)])
        );
        assert_eq!(state.replays().await, 0);
        for interface in [
            InterfaceCode::F1Ubl,
            InterfaceCode::F1Cii,
            InterfaceCode::F6Invoice,
            InterfaceCode::F10,
        ] {
            assert!(
                flows.iter().any(|f| f.interface == interface),
                "{}: a flow on {}",
                tdb.name,
                interface.code()
            );
        }
        assert!(backlog.failing.is_empty());
        receiver.stop().await;
        tdb.cleanup().await;
    }
}

/// Runs the small workload against a receiver with `faults`; returns the receiver's
/// state after every object was acknowledged.
async fn with_faults(
    tag: &str,
    faults: Faults,
    timeout: Duration,
) -> Option<(TestDb, Arc<ReceiverState>)> {
    let state = receiver_state(tag)?;
    state.set_faults(faults);
    let tdb = sqlite().await;
    let receiver = Receiver::start(state.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("receiver");
    let feed = feed(&tdb.db, &receiver.url(), timeout);
    let expected = small_workload(&feed).await;
    drain(&feed, Duration::from_secs(120)).await;
    assert_exactly_once(&tdb.db, &state, &expected).await;
    receiver.stop().await;
    Some((tdb, state))
}

#[tokio::test]
async fn a_receiver_answering_500_gets_every_object_once() {
    let faults = Faults {
        fail_every: 2,
        ..Faults::default()
    };
    let Some((tdb, state)) = with_faults("500", faults, Duration::from_secs(30)).await else {
        return;
    };
    let flows = tdb.db.taxfeed_flows().await.expect("flows");
    assert!(flows.iter().any(|f| f.attempts > 1), "some attempts failed");
    assert!(state.requests().await > flows.len() as u64);
    tdb.cleanup().await;
}

#[tokio::test]
async fn a_receiver_dropping_the_connection_mid_upload_gets_every_object_once() {
    let faults = Faults {
        drop_every: 2,
        ..Faults::default()
    };
    let Some((tdb, _)) = with_faults("drop", faults, Duration::from_secs(30)).await else {
        return;
    };
    let flows = tdb.db.taxfeed_flows().await.expect("flows");
    assert!(
        flows.iter().any(|f| f.attempts > 1),
        "some uploads were cut"
    );
    tdb.cleanup().await;
}

#[tokio::test]
async fn a_slow_receiver_past_the_timeout_counts_each_object_once() {
    // Every other answer comes after the client gave up: the flow was processed, the
    // retry carries the same id and gets the same acknowledgement, not a second count.
    let faults = Faults {
        delay_every: 2,
        delay: Duration::from_millis(1500),
        ..Faults::default()
    };
    let Some((tdb, state)) = with_faults("slow", faults, Duration::from_secs(1)).await else {
        return;
    };
    assert!(state.replays().await > 0, "some flows were sent again");
    let flows = tdb.db.taxfeed_flows().await.expect("flows");
    assert!(flows.iter().any(|f| f.attempts > 1));
    tdb.cleanup().await;
}

#[tokio::test]
async fn a_throttling_receiver_is_waited_for_as_retry_after_says() {
    for retry_after in [RetryAfter::Seconds(2), RetryAfter::DateIn(3)] {
        let Some(state) = receiver_state("429") else {
            return;
        };
        state.set_faults(Faults {
            throttle_every: 2,
            retry_after,
            ..Faults::default()
        });
        let tdb = sqlite().await;
        let receiver = Receiver::start(state.clone(), "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("receiver");
        let feed = feed(&tdb.db, &receiver.url(), Duration::from_secs(30));
        let expected = small_workload(&feed).await;
        let before = now();
        feed.round(PackMode::All).await.expect("round");
        let backlog = feed.backlog().await.expect("backlog");
        assert!(!backlog.failing.is_empty(), "some flows were throttled");
        for f in &backlog.failing {
            assert!(
                f.last_error.as_deref().is_some_and(|e| e.contains("429")),
                "{:?}",
                f.last_error
            );
            // The backoff alone would retry within a second; Retry-After says 2 (3).
            assert!(
                f.next_attempt_at.seconds_since(before) >= 2,
                "{retry_after:?}: next attempt {} s after the round",
                f.next_attempt_at.seconds_since(before)
            );
        }
        drain(&feed, Duration::from_secs(120)).await;
        assert_exactly_once(&tdb.db, &state, &expected).await;
        receiver.stop().await;
        tdb.cleanup().await;
    }
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_every_object_once_when_back() {
    let Some(state) = receiver_state("down") else {
        return;
    };
    // A free port nobody listens on yet.
    let addr: SocketAddr = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("probe");
        probe.local_addr().expect("addr")
    };
    let tdb = sqlite().await;
    let feed = feed(
        &tdb.db,
        &format!("http://{addr}/flows"),
        Duration::from_secs(30),
    );
    let expected = small_workload(&feed).await;
    let started = std::time::Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        feed.round(PackMode::All).await.expect("round");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let backlog = feed.backlog().await.expect("backlog");
    assert_eq!(backlog.count(ObjectState::Acknowledged), 0);
    assert_eq!(
        backlog.count(ObjectState::Packed),
        expected.len() as u64,
        "nothing lost while the receiver is down"
    );
    assert!(
        backlog.failing.iter().all(|f| f
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("cannot reach"))),
        "{:?}",
        backlog.failing
    );
    assert!(backlog.failing.iter().any(|f| f.attempts > 1), "retried");
    let receiver = Receiver::start(state.clone(), addr)
        .await
        .expect("receiver back");
    drain(&feed, Duration::from_secs(60)).await;
    assert_exactly_once(&tdb.db, &state, &expected).await;
    receiver.stop().await;
    tdb.cleanup().await;
}

#[tokio::test]
async fn a_file_failing_its_xsd_makes_the_flow_unreceivable_and_its_objects_rejected() {
    let Some(state) = receiver_state("xsd") else {
        return;
    };
    let tdb = sqlite().await;
    let receiver = Receiver::start(state.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("receiver");
    let feed = feed(&tdb.db, &receiver.url(), Duration::from_secs(30));
    let bad = FlowObject {
        interface: InterfaceCode::F10,
        id: ObjectId("F10/bad".into()),
        file_name: "906170857-SE-T-20260901-001.xml".into(),
        content: b"<Report xmlns=\"urn:nowhere\"/>".to_vec(),
        due_at: None,
    };
    feed.enqueue_object(&bad, "submission:bad", now())
        .await
        .expect("stored");
    drain(&feed, Duration::from_secs(30)).await;
    let stored = tdb
        .db
        .taxfeed_object(&bad.id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        (
            stored.state,
            stored.ack_status,
            stored.ack_reason.as_deref()
        ),
        (ObjectState::Rejected, Some(501), Some("IRR_SYNTAX"))
    );
    assert!(
        state.counts().await.is_empty(),
        "nothing taken into account"
    );
    assert_eq!(state.processed().await, BTreeMap::from([(501, 1)]));
    receiver.stop().await;
    tdb.cleanup().await;
}

/// Kills the child on drop, so a failing test leaves no process behind.
struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn pusher(db_url: &str, tax_url: &str) -> ChildGuard {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_facteur"))
        .args([
            "taxfeed",
            "run",
            "--max-objects",
            "4",
            "--max-age",
            "0",
            "--lease",
            "3",
            "--retry-base-ms",
            "200",
            "--retry-max",
            "1",
            "--timeout",
            "2",
            "--poll-ms",
            "100",
        ])
        .env("FACTEUR_DATABASE_URL", db_url)
        .env("FACTEUR_TAX_URL", tax_url)
        .env("FACTEUR_PLATFORM_MATRICULE", "0042")
        .env("FACTEUR_PLATFORM_NAME", "facteur PA")
        .env("FACTEUR_TAX_APPLICATION_CODE", "FAC001")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("facteur runs");
    ChildGuard(child)
}

#[tokio::test]
async fn a_pusher_killed_mid_push_loses_nothing_and_counts_nothing_twice() {
    let Some(state) = receiver_state("kill") else {
        return;
    };
    let Some(tdb) = postgres().await else { return };
    // Every answer comes 700 ms after the flow was processed: a kill in that window
    // leaves a flow the receiver counted and the pusher never heard back about.
    state.set_faults(Faults {
        delay_every: 1,
        delay: Duration::from_millis(700),
        ..Faults::default()
    });
    let receiver = Receiver::start(state.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("receiver");
    // Objects are stored by the hub's side (here the library); the child pushes them.
    let producer = TaxFeed::new(tdb.db.clone(), feed_config());
    let expected = small_workload(&producer).await;

    let mut child = pusher(&tdb.url, &receiver.url());
    let started = std::time::Instant::now();
    while state.processed().await.values().sum::<u32>() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the pusher pushes"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.0.kill().expect("SIGKILL");
    child.0.wait().expect("reaped");
    let after_kill = tdb.db.taxfeed_backlog().await.expect("backlog");
    assert!(
        after_kill.count(ObjectState::Packed) > 0,
        "killed mid-push: {after_kill:?}"
    );
    let processed_at_kill: u32 = state.processed().await.values().sum();

    let _restarted = pusher(&tdb.url, &receiver.url());
    let started = std::time::Instant::now();
    loop {
        let backlog = tdb.db.taxfeed_backlog().await.expect("backlog");
        if backlog.count(ObjectState::Pending) + backlog.count(ObjectState::Packed) == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "not drained after restart: {backlog:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_exactly_once(&tdb.db, &state, &expected).await;
    assert!(
        state.replays().await >= 1,
        "the flow in flight at the kill ({processed_at_kill} processed) was sent again and recognised"
    );
    drop(_restarted);
    receiver.stop().await;
    tdb.cleanup().await;
}

fn facteur_taxfeed(db_url: &str, tax_url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_facteur"))
        .arg("taxfeed")
        .args(args)
        .env("FACTEUR_DATABASE_URL", db_url)
        .env("FACTEUR_TAX_URL", tax_url)
        .env("FACTEUR_PLATFORM_MATRICULE", "0042")
        .env("FACTEUR_PLATFORM_NAME", "facteur PA")
        .env("FACTEUR_TAX_APPLICATION_CODE", "FAC001")
        .output()
        .expect("facteur runs")
}

fn status_counts(json: &[u8]) -> BTreeMap<String, u64> {
    let status: serde_json::Value = serde_json::from_slice(json).expect("status is JSON");
    let mut counts = BTreeMap::new();
    for o in status["objects"].as_array().expect("objects") {
        *counts
            .entry(o["state"].as_str().expect("state").to_string())
            .or_default() += o["count"].as_u64().expect("count");
    }
    counts
}

#[tokio::test]
async fn status_and_push_from_the_command_line() {
    let Some(state) = receiver_state("cli") else {
        return;
    };
    let tdb = sqlite().await;
    let receiver = Receiver::start(state.clone(), "127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("receiver");
    let producer = TaxFeed::new(tdb.db.clone(), feed_config());
    let expected = small_workload(&producer).await;
    let (db_url, tax_url) = (tdb.url.clone(), receiver.url());
    let run = move |args: &'static [&'static str]| {
        let (db_url, tax_url) = (db_url.clone(), tax_url.clone());
        tokio::task::spawn_blocking(move || facteur_taxfeed(&db_url, &tax_url, args))
    };

    let before = run(&["status", "--format", "json"]).await.expect("status");
    assert_eq!(before.status.code(), Some(0));
    assert_eq!(
        status_counts(&before.stdout),
        BTreeMap::from([("pending".to_string(), expected.len() as u64)])
    );
    let refused = run(&["push", "--lease", "5", "--timeout", "5"])
        .await
        .expect("push");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("--lease (5 s) must be longer than --timeout (5 s)"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let pushed = run(&["push", "--max-objects", "50"]).await.expect("push");
    let text = String::from_utf8_lossy(&pushed.stdout).into_owned();
    assert_eq!(pushed.status.code(), Some(0), "{text}");
    assert!(text.contains(" 0 failed"), "{text}");
    let after = run(&["status", "--format", "json"]).await.expect("status");
    assert_eq!(
        status_counts(&after.stdout),
        BTreeMap::from([("acknowledged".to_string(), expected.len() as u64)])
    );
    let text = run(&["status"]).await.expect("status");
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(
        text.contains("oldest unacknowledged object: none"),
        "{text}"
    );
    assert_exactly_once(&tdb.db, &state, &expected).await;
    receiver.stop().await;
    tdb.cleanup().await;
}
