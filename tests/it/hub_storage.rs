//! The hub's storage on SQLite and PostgreSQL (same test bodies): documents,
//! invoices, the status chain, and the outbox as the relay and the inbox use it.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use facteur::identifiers::Matricule;
use facteur::lifecycle::Status;
use facteur::lifecycle::chain::{GENESIS, sha256_hex};
use facteur::routing::{MessageKind, OutboxStore, OutgoingMessage};
use facteur::storage::{Ack, Db, InvoiceRecord, NewStatus, StoredFailure};

use crate::directory_support::backends;

fn m(text: &str) -> Matricule {
    Matricule::parse(text).unwrap()
}

fn record(id: &str, sha256: &str, status: Status) -> InvoiceRecord {
    InvoiceRecord {
        id: id.into(),
        sha256: sha256.into(),
        syntax: "UBL".into(),
        invoice_number: Some(format!("N-{id}")),
        issue_date: Some("2026-11-01".into()),
        seller_siren: Some("906170857".into()),
        buyer_siren: Some("479612384".into()),
        recipient_address: Some("479612384".into()),
        sender_platform: m("0001"),
        recipient_platform: Some(m("0002")),
        status,
        failures: Vec::new(),
        received_at: "2026-11-28T00:00:00Z".into(),
        idempotency_key: None,
        uniqueness_key: (status == Status::Deposited).then(|| format!("N-{id}/2026/906170857")),
        parties: Default::default(),
    }
}

fn status(status: Status, by: &str) -> NewStatus {
    NewStatus {
        status,
        reasons: Vec::new(),
        comment: None,
        set_by: m(by),
        recorded_at: "2026-11-28T00:00:01Z".into(),
    }
}

/// Stores an accepted invoice with its 200 and its outbox row, as the hub does.
async fn accepted(db: &Db, id: &str) -> String {
    let body = format!("<Invoice id='{id}'/>").into_bytes();
    let sha = sha256_hex(&body);
    let mut tx = db.begin().await.unwrap();
    tx.put_document(&sha, &body, "now").await.unwrap();
    assert!(
        tx.insert_invoice(&record(id, &sha, Status::Deposited))
            .await
            .unwrap()
    );
    tx.append_status(id, &sha, &status(Status::Deposited, "0001"))
        .await
        .unwrap();
    let message =
        OutgoingMessage::new(MessageKind::Invoice, id, m("0002"), "application/xml", body)
            .unwrap()
            .with_header("x-facteur-sha256", sha.clone())
            .unwrap();
    tx.enqueue(id, &message, &sha, "now").await.unwrap();
    tx.commit().await.unwrap();
    sha
}

#[tokio::test]
async fn invoices_statuses_and_documents_round_trip_with_a_valid_chain() {
    for t in backends().await {
        let db = &t.db;
        let sha = accepted(db, "inv-1").await;
        let stored = db.invoice("inv-1").await.unwrap().unwrap();
        assert_eq!(
            stored,
            record("inv-1", &sha, Status::Deposited),
            "{}",
            t.name
        );
        assert_eq!(
            db.document(&sha).await.unwrap().unwrap(),
            b"<Invoice id='inv-1'/>"
        );
        assert_eq!(
            db.invoice_by_document(m("0001"), &sha)
                .await
                .unwrap()
                .map(|i| i.id),
            Some("inv-1".to_string())
        );
        assert!(
            db.invoice_by_document(m("0002"), &sha)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            db.uniqueness_key_taken("N-inv-1/2026/906170857")
                .await
                .unwrap()
        );

        // The same document again, or the same uniqueness key, does not insert.
        let mut tx = db.begin().await.unwrap();
        assert!(
            !tx.insert_invoice(&record("inv-2", &sha, Status::Deposited))
                .await
                .unwrap()
        );
        let mut other = record("inv-3", "other", Status::Deposited);
        other.uniqueness_key = Some("N-inv-1/2026/906170857".into());
        tx.put_document("other", b"x", "now").await.unwrap();
        assert!(!tx.insert_invoice(&other).await.unwrap());
        drop(tx);
        assert!(db.invoice("inv-3").await.unwrap().is_none(), "{}", t.name);

        // A rejected one keeps its failures.
        let mut rejected = record("inv-4", "other", Status::Rejected);
        rejected.failures = vec![StoredFailure {
            rule: "G1.42".into(),
            reason: "DOUBLON".into(),
            message: "seen".into(),
        }];
        let mut tx = db.begin().await.unwrap();
        tx.put_document("other", b"x", "now").await.unwrap();
        assert!(tx.insert_invoice(&rejected).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(db.invoice("inv-4").await.unwrap().unwrap(), rejected);

        // The chain: each record's hash recomputes and links to the previous one.
        let mut tx = db.begin().await.unwrap();
        let mut approved = status(Status::Approved, "0002");
        approved.comment = Some("ok".into());
        tx.append_status("inv-1", &sha, &approved).await.unwrap();
        tx.commit().await.unwrap();
        let history = db.statuses("inv-1").await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].prev_hash, GENESIS);
        assert_eq!(history[1].prev_hash, history[0].hash);
        for r in &history {
            assert_eq!(r.link(&sha).hash(), r.hash);
        }
        assert_eq!(
            db.invoice("inv-1").await.unwrap().unwrap().status,
            Status::Approved
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_relay_claims_with_a_lease_and_publishing_records_201_once() {
    for t in backends().await {
        let db = &t.db;
        for i in 0..5 {
            accepted(db, &format!("r{i}")).await;
        }
        let first = db.claim(3).await.unwrap();
        let ids: Vec<&str> = first.iter().map(|i| i.message.id()).collect();
        assert_eq!(ids, ["r0", "r1", "r2"], "{}", t.name);
        assert_eq!(first[0].message.body(), b"<Invoice id='r0'/>");
        assert_eq!(first[0].message.platform(), m("0002"));
        assert!(first[0].message.header("x-facteur-sha256").is_some());
        // Leased rows are not claimed again.
        let second = db.claim(10).await.unwrap();
        let ids: Vec<&str> = second.iter().map(|i| i.message.id()).collect();
        assert_eq!(ids, ["r3", "r4"]);
        assert!(db.claim(10).await.unwrap().is_empty());

        // A retry releases the row from its not_before, with the attempt counted.
        db.schedule_retry(first[1].id, SystemTime::now(), 1, "returned 312 NO_ROUTE")
            .await
            .unwrap();
        let again = db.claim(10).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!((again[0].message.id(), again[0].attempts), ("r1", 1));
        db.schedule_retry(
            again[0].id,
            SystemTime::now() + Duration::from_secs(3600),
            2,
            "nacked",
        )
        .await
        .unwrap();
        assert!(
            db.claim(10).await.unwrap().is_empty(),
            "not before its time"
        );

        // Published: 201 recorded once, even when marked twice; never claimed again.
        let published: Vec<i64> = first.iter().map(|i| i.id).collect();
        db.mark_published(&published, SystemTime::now())
            .await
            .unwrap();
        db.mark_published(&published, SystemTime::now())
            .await
            .unwrap();
        let history = db.statuses("r0").await.unwrap();
        let codes: Vec<u16> = history.iter().map(|s| s.status).collect();
        assert_eq!(codes, [200, 201], "{}", t.name);
        assert_eq!(history[1].set_by, 1);
        assert_eq!(
            db.invoice("r0").await.unwrap().unwrap().status,
            Status::Issued
        );
        assert_eq!(
            db.outbox_backlog().await.unwrap(),
            2,
            "r3 and r4, leased, remain"
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_claims_never_share_a_row() {
    for t in backends().await {
        let db = &t.db;
        for i in 0..60 {
            accepted(db, &format!("c{i}")).await;
        }
        let claims = (0..4).map(|_| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let items = db.claim(7).await.unwrap();
                    if items.is_empty() {
                        return mine;
                    }
                    mine.extend(items.into_iter().map(|i| i.id));
                }
            })
        });
        let mut all = Vec::new();
        for claim in claims {
            all.extend(claim.await.unwrap());
        }
        let distinct: HashSet<i64> = all.iter().copied().collect();
        assert_eq!((all.len(), distinct.len()), (60, 60), "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_inbox_serves_only_its_platform_and_redelivers_what_was_not_acknowledged() {
    for t in backends().await {
        let db = &t.db;
        accepted(db, "i1").await;
        accepted(db, "i2").await;
        assert!(
            db.claim_inbox(m("0001"), 10, Duration::from_secs(60))
                .await
                .unwrap()
                .is_empty()
        );
        let visibility = Duration::from_millis(300);
        let delivered = db.claim_inbox(m("0002"), 10, visibility).await.unwrap();
        assert_eq!(delivered.len(), 2, "{}", t.name);
        assert!(
            db.claim_inbox(m("0002"), 10, visibility)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            db.ack_inbox(m("0001"), delivered[0].id).await.unwrap(),
            Ack::Unknown
        );
        assert_eq!(
            db.ack_inbox(m("0002"), delivered[0].id).await.unwrap(),
            Ack::Acknowledged
        );
        assert_eq!(
            db.ack_inbox(m("0002"), delivered[0].id).await.unwrap(),
            Ack::AlreadyAcknowledged
        );
        assert_eq!(
            db.ack_inbox(m("0002"), 999_999).await.unwrap(),
            Ack::Unknown
        );
        tokio::time::sleep(visibility + Duration::from_millis(100)).await;
        let again = db.claim_inbox(m("0002"), 10, visibility).await.unwrap();
        let ids: Vec<&str> = again.iter().map(|i| i.message.id()).collect();
        assert_eq!(ids, ["i2"], "{}", t.name);
        let codes: Vec<u16> = db
            .statuses("i1")
            .await
            .unwrap()
            .iter()
            .map(|s| s.status)
            .collect();
        assert_eq!(codes, [200, 201]);
        t.cleanup().await;
    }
}
