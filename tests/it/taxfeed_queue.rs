//! The tax feed's durable queue, on SQLite and PostgreSQL alike: idempotent enqueue,
//! packing into flows with stable ids, leases (one pusher per flow, taken over after a
//! crash), acknowledgements recorded atomically and completely, and the backlog.

use std::collections::BTreeSet;

use facteur::storage::StorageError;
use facteur::storage::taxfeed::{
    Enqueued, FlowState, ObjectKind, ObjectOutcome, ObjectState, RecordedAck,
};
use facteur::taxfeed::flow::{BatchPolicy, FlowObject, InterfaceCode};
use facteur::taxfeed::service::{FeedConfig, PackMode, TaxFeed};
use facteur::taxfeed::{Instant, ObjectId};

use crate::directory_support::backends;
use crate::taxfeed::f10::platform;

fn t(seconds: i64) -> Instant {
    Instant::from_unix_seconds(1_790_000_000 + seconds)
}

fn object(interface: InterfaceCode, n: usize, content: &str) -> FlowObject {
    FlowObject {
        interface,
        id: ObjectId(format!("{}/{n}", interface.code())),
        file_name: format!("Base_{n:04}.xml"),
        content: content.as_bytes().to_vec(),
        due_at: None,
    }
}

fn feed(db: &facteur::storage::Db, max_objects: usize, max_age: i64) -> TaxFeed {
    let mut config = FeedConfig::new(platform());
    config.batch = BatchPolicy {
        max_objects: Some(max_objects),
        max_age_seconds: max_age,
        ..BatchPolicy::default()
    };
    TaxFeed::new(db.clone(), config)
}

#[tokio::test]
async fn enqueue_is_idempotent_and_refuses_a_different_object_under_the_same_id() {
    for tdb in backends().await {
        let db = &tdb.db;
        let feed = feed(db, 10, 3600);
        let o = object(InterfaceCode::F1Ubl, 1, "<a/>");
        assert_eq!(
            feed.enqueue_object(&o, "invoice:1", t(0))
                .await
                .expect("new"),
            Enqueued::New,
            "{}",
            tdb.name
        );
        assert_eq!(
            feed.enqueue_object(&o, "invoice:1", t(5))
                .await
                .expect("again"),
            Enqueued::AlreadyQueued
        );
        let changed = object(InterfaceCode::F1Ubl, 1, "<b/>");
        let err = feed
            .enqueue_object(&changed, "invoice:1", t(6))
            .await
            .expect_err("other content under a pending id");
        assert!(err.to_string().contains("other content"), "{err}");
        let empty = object(InterfaceCode::F1Ubl, 2, "");
        let err = feed
            .enqueue_object(&empty, "invoice:2", t(6))
            .await
            .expect_err("empty file");
        assert!(err.to_string().contains("1 byte to 100 MB"), "{err}");

        let stored = db
            .taxfeed_object(&o.id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(stored.state, ObjectState::Pending);
        assert_eq!(stored.kind, ObjectKind::F1);
        assert_eq!(stored.enqueued_at, t(0), "the first enqueue stands");
        assert_eq!(stored.sha256.len(), 64);
        assert_eq!(db.taxfeed_objects().await.expect("all").len(), 1);
        tdb.cleanup().await;
    }
}

#[tokio::test]
async fn pending_objects_pack_into_numbered_flows_by_count_and_age() {
    for tdb in backends().await {
        let db = &tdb.db;
        let feed = feed(db, 3, 600);
        for n in 0..7 {
            feed.enqueue_object(&object(InterfaceCode::F10, n, "<x/>"), "s", t(n as i64))
                .await
                .expect("enqueue");
        }
        feed.enqueue_object(&object(InterfaceCode::F1Cii, 100, "<c/>"), "s", t(0))
            .await
            .expect("enqueue");
        // At t(100): two full F10 flows leave; the 7th object and the F1 wait for age.
        let flows = feed.pack(t(100), PackMode::Due).await.expect("pack");
        assert_eq!(
            flows,
            vec![
                "FAC0011025000000000000001".to_string(),
                "FAC0011025000000000000002".to_string()
            ],
            "{}",
            tdb.name
        );
        assert!(
            feed.pack(t(101), PackMode::Due)
                .await
                .expect("pack")
                .is_empty()
        );
        // Past the maximum age of the oldest waiting object, the rest leaves.
        let later = feed.pack(t(700), PackMode::Due).await.expect("pack");
        assert_eq!(
            later,
            vec![
                "FAC0010112000000000000001".to_string(),
                "FAC0011025000000000000003".to_string()
            ]
        );
        let objects = db.taxfeed_objects().await.expect("objects");
        assert!(objects.iter().all(|o| o.state == ObjectState::Packed));
        let mut per_flow = std::collections::BTreeMap::<String, usize>::new();
        for o in &objects {
            *per_flow
                .entry(o.flow_id.clone().expect("packed"))
                .or_default() += 1;
        }
        assert_eq!(
            per_flow.values().copied().collect::<Vec<_>>(),
            vec![1, 3, 3, 1]
        );
        let flow = db
            .taxfeed_flow("FAC0011025000000000000001")
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(
            flow.file_name,
            "FFE1025A_FAC001_FAC0011025000000000000001.tar.gz"
        );
        assert_eq!(
            (flow.state, flow.attempts, flow.object_count),
            (FlowState::Ready, 0, 3)
        );
        tdb.cleanup().await;
    }
}

#[tokio::test]
async fn a_lease_keeps_a_flow_to_one_pusher_until_it_expires() {
    for tdb in backends().await {
        let db = &tdb.db;
        let feed = feed(db, 2, 0);
        for n in 0..2 {
            feed.enqueue_object(&object(InterfaceCode::F1Ubl, n, "<u/>"), "s", t(0))
                .await
                .expect("enqueue");
        }
        feed.pack(t(1), PackMode::All).await.expect("pack");
        let a = db
            .taxfeed_claim("a", t(10), t(70), 10)
            .await
            .expect("claim");
        assert_eq!(a.len(), 1, "{}", tdb.name);
        assert_eq!(a[0].attempts, 1);
        assert_eq!(a[0].objects.len(), 2);
        assert!(
            db.taxfeed_claim("b", t(20), t(80), 10)
                .await
                .expect("claim")
                .is_empty(),
            "leased to a"
        );
        // a dies without a word; once the lease is over, b takes the flow over.
        let b = db
            .taxfeed_claim("b", t(70), t(130), 10)
            .await
            .expect("claim");
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].flow_id, a[0].flow_id, "same flow id on every attempt");
        assert_eq!(b[0].archive, a[0].archive, "same bytes on every attempt");
        assert_eq!(b[0].attempts, 2);
        // a's late failure report does not disturb b's attempt.
        assert!(
            !db.taxfeed_record_failure(&a[0].flow_id, "a", "late", t(75))
                .await
                .expect("ignored")
        );
        assert!(
            db.taxfeed_record_failure(&b[0].flow_id, "b", "HTTP 500", t(90))
                .await
                .expect("recorded")
        );
        assert!(
            db.taxfeed_claim("c", t(89), t(149), 10)
                .await
                .expect("claim")
                .is_empty(),
            "not before the next attempt's time"
        );
        let backlog = db.taxfeed_backlog().await.expect("backlog");
        assert_eq!(backlog.failing.len(), 1);
        assert_eq!(backlog.failing[0].last_error.as_deref(), Some("HTTP 500"));
        assert_eq!(backlog.failing[0].next_attempt_at, t(90));
        assert_eq!(
            db.taxfeed_claim("c", t(90), t(150), 10)
                .await
                .expect("claim")
                .len(),
            1
        );
        tdb.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_claims_never_share_a_flow() {
    for tdb in backends().await {
        let db = &tdb.db;
        let feed = feed(db, 1, 0);
        for n in 0..40 {
            feed.enqueue_object(&object(InterfaceCode::F10, n, "<p/>"), "s", t(0))
                .await
                .expect("enqueue");
        }
        assert_eq!(
            feed.pack(t(1), PackMode::All).await.expect("pack").len(),
            40
        );
        let claim = |who: &'static str| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = db.taxfeed_claim(who, t(2), t(600), 3).await.expect("claim");
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|f| f.flow_id));
                }
            })
        };
        let (a, b, c) = tokio::join!(claim("a"), claim("b"), claim("c"));
        let (a, b, c) = (a.expect("a"), b.expect("b"), c.expect("c"));
        let all: BTreeSet<&String> = a.iter().chain(&b).chain(&c).collect();
        assert_eq!(
            a.len() + b.len() + c.len(),
            40,
            "{}: every flow claimed once",
            tdb.name
        );
        assert_eq!(all.len(), 40);
        tdb.cleanup().await;
    }
}

#[tokio::test]
async fn an_acknowledgement_is_recorded_whole_or_not_at_all() {
    for tdb in backends().await {
        let db = &tdb.db;
        let feed = feed(db, 3, 0);
        for n in 0..3 {
            feed.enqueue_object(&object(InterfaceCode::F1Ubl, n, "<u/>"), "s", t(0))
                .await
                .expect("enqueue");
        }
        feed.pack(t(1), PackMode::All).await.expect("pack");
        let flow = db
            .taxfeed_claim("a", t(2), t(60), 1)
            .await
            .expect("claim")
            .remove(0);
        let outcome = |file: &str, accepted: bool, status: u16| ObjectOutcome {
            file_name: file.into(),
            accepted,
            status,
            reason: (!accepted).then(|| "REJ_UNI".to_string()),
        };
        let mut ack = RecordedAck {
            flow_id: flow.flow_id.clone(),
            status: 500,
            reasons: None,
            document: "{}".into(),
            objects: vec![
                outcome("Base_0000.xml", true, 250),
                outcome("Base_0001.xml", false, 251),
            ],
        };
        let err = db
            .taxfeed_record_ack(&ack, t(3))
            .await
            .expect_err("incomplete");
        assert!(matches!(err, StorageError::Conflict(_)), "{err}");
        let unchanged = db.taxfeed_objects().await.expect("objects");
        assert!(
            unchanged.iter().all(|o| o.state == ObjectState::Packed),
            "{}: nothing of a refused acknowledgement is kept",
            tdb.name
        );
        assert_eq!(
            db.taxfeed_flow(&flow.flow_id)
                .await
                .expect("r")
                .expect("f")
                .state,
            FlowState::Ready
        );
        ack.objects.push(outcome("Base_0002.xml", true, 250));
        assert!(db.taxfeed_record_ack(&ack, t(4)).await.expect("recorded"));
        assert!(
            !db.taxfeed_record_ack(&ack, t(5)).await.expect("no-op"),
            "the first acknowledgement stands"
        );
        let objects = db.taxfeed_objects().await.expect("objects");
        let states: Vec<_> = objects
            .iter()
            .map(|o| {
                (
                    o.file_name.as_str(),
                    o.state,
                    o.ack_status,
                    o.ack_reason.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            states,
            vec![
                ("Base_0000.xml", ObjectState::Acknowledged, Some(250), None),
                (
                    "Base_0001.xml",
                    ObjectState::Rejected,
                    Some(251),
                    Some("REJ_UNI")
                ),
                ("Base_0002.xml", ObjectState::Acknowledged, Some(250), None),
            ]
        );
        let stored = db.taxfeed_flow(&flow.flow_id).await.expect("r").expect("f");
        assert_eq!(
            (stored.state, stored.ack_status),
            (FlowState::Acknowledged, Some(500))
        );
        assert!(
            db.taxfeed_claim("a", t(1000), t(1060), 10)
                .await
                .expect("claim")
                .is_empty(),
            "an acknowledged flow is never sent again"
        );
        // The rejected object comes back corrected under the same id: pending again.
        let corrected = object(InterfaceCode::F1Ubl, 1, "<fixed/>");
        assert_eq!(
            feed.enqueue_object(&corrected, "s", t(6))
                .await
                .expect("requeue"),
            Enqueued::Requeued
        );
        let backlog = db.taxfeed_backlog().await.expect("backlog");
        assert_eq!(backlog.count(ObjectState::Acknowledged), 2);
        assert_eq!(backlog.count(ObjectState::Pending), 1);
        assert_eq!(backlog.oldest_unacknowledged, Some(t(6)));
        assert_eq!(backlog.flows, vec![(FlowState::Acknowledged, 1)]);
        tdb.cleanup().await;
    }
}

#[tokio::test]
async fn only_what_the_ppf_takes_is_stored() {
    use facteur::lifecycle::Status;
    use facteur::taxfeed::f1::F1Syntax;
    use facteur::taxfeed::f6::F6Error;
    use facteur::taxfeed::service::FeedError;

    let tdb = crate::directory_support::sqlite().await;
    let feed = feed(&tdb.db, 10, 3600);
    let (_, invoice, syntax) = crate::taxfeed::sample_invoices().remove(0);
    assert_eq!(syntax, F1Syntax::Ubl);
    let mut config_both = FeedConfig::new(platform());
    config_both.f1_profiles = vec![
        facteur::taxfeed::f1::Profile::Base,
        facteur::taxfeed::f1::Profile::Full,
    ];
    let both = TaxFeed::new(tdb.db.clone(), config_both);
    let stored = both
        .enqueue_invoice(&invoice, syntax, t(0), t(0))
        .await
        .expect("domestic B2B invoice");
    assert_eq!(stored.len(), 2, "one F1 per configured profile");
    let names: Vec<String> = tdb
        .db
        .taxfeed_objects()
        .await
        .expect("objects")
        .into_iter()
        .map(|o| o.file_name)
        .collect();
    assert!(
        names[0].starts_with("Base_") && names[1].starts_with("Full_"),
        "{names:?}"
    );

    // A status the tax administration does not take is refused, and nothing stored.
    let (mut event, on_payment) = crate::taxfeed::mandatory_events(&invoice).remove(0);
    event.status = Status::Received;
    let err = feed
        .enqueue_status(&event, on_payment, t(1))
        .await
        .expect_err("202 is not mandatory");
    assert!(
        matches!(err, FeedError::F6(F6Error::NotMandatory(202))),
        "{err}"
    );
    // An invoice without its number gives no F1, and nothing is stored.
    let mut unnumbered = invoice.clone();
    unnumbered.number = None;
    assert!(matches!(
        both.enqueue_invoice(&unnumbered, syntax, t(0), t(2)).await,
        Err(FeedError::F1(_))
    ));
    assert_eq!(tdb.db.taxfeed_objects().await.expect("objects").len(), 2);
    tdb.cleanup().await;
}
