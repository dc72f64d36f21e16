//! `Hub::submit`, statuses and the audit on SQLite and PostgreSQL (same bodies):
//! one terminal outcome per document, repeats recognised, nothing half-stored.

use facteur::hub::{HubError, StatusInput, audit};
use facteur::lifecycle::{Status, TransitionError};
use facteur::routing::{MessageKind, OutboxStore};
use facteur::samples;

use crate::directory_support::backends;
use crate::directory_support::m;
use crate::hub_support::{BUYER, count, execute, status_codes, world};

#[tokio::test]
async fn an_accepted_invoice_is_stored_once_with_its_delivery() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let bytes = samples::ubl_invoice("A-1", 2).into_bytes();
        let receipt = hub.submit(bytes.clone(), m("0001"), None).await.unwrap();
        assert_eq!(receipt.status, Status::Deposited, "{}: {receipt:?}", t.name);
        assert!(receipt.reasons.is_empty());
        assert_eq!(receipt.recipient_platform, Some(m("0002")));
        assert!(!receipt.replayed);

        // The same bytes from the same sender: the first receipt, nothing new stored.
        let again = hub.submit(bytes.clone(), m("0001"), None).await.unwrap();
        assert_eq!(again.invoice_id, receipt.invoice_id);
        assert!(again.replayed);
        assert_eq!(count(&t.db, "invoices").await, 1);
        assert_eq!(count(&t.db, "outbox").await, 1);
        assert_eq!(count(&t.db, "invoice_statuses").await, 1);

        let stored = t.db.invoice(&receipt.invoice_id).await.unwrap().unwrap();
        assert_eq!(stored.invoice_number.as_deref(), Some("A-1"));
        assert_eq!(stored.seller_siren.as_deref(), Some("906170857"));
        assert_eq!(stored.buyer_siren.as_deref(), Some(BUYER));
        assert_eq!(stored.recipient_address.as_deref(), Some(BUYER));
        assert_eq!(stored.issue_date.as_deref(), Some("2026-09-15"));
        assert_eq!(stored.syntax, "UBL");
        assert_eq!(t.db.document(&stored.sha256).await.unwrap().unwrap(), bytes);

        // The delivery carries the original bytes to the recipient's platform.
        let claimed = t.db.claim(10).await.unwrap();
        assert_eq!(claimed.len(), 1);
        let message = &claimed[0].message;
        assert_eq!(message.id(), receipt.invoice_id);
        assert_eq!(message.platform(), m("0002"));
        assert_eq!(message.kind(), MessageKind::Invoice);
        assert_eq!(message.body(), bytes);
        assert_eq!(message.header("x-facteur-invoice-number"), Some("A-1"));
        assert_eq!(message.header("x-facteur-sender-platform"), Some("0001"));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn rejections_are_stored_with_their_reasons_and_never_queued() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let first = samples::ubl_invoice("D-1", 1).into_bytes();
        assert_eq!(
            hub.submit(first, m("0001"), None).await.unwrap().status,
            Status::Deposited
        );
        // Same number, year and seller, other bytes (the CII form): a duplicate.
        let duplicate = samples::cii_invoice("D-1", 1).into_bytes();
        let receipt = hub.submit(duplicate, m("0001"), None).await.unwrap();
        assert_eq!(receipt.status, Status::Rejected, "{}", t.name);
        assert_eq!(receipt.reasons, ["DOUBLON"]);
        assert_eq!(receipt.recipient_platform, Some(m("0002")));
        // Never delivered: the recipient's platform does not see it, its sender does.
        let hidden = hub.invoice_for(m("0002"), &receipt.invoice_id).await;
        assert!(matches!(hidden, Err(HubError::NotFound(_))), "{hidden:?}");
        assert!(
            hub.invoice_for(m("0001"), &receipt.invoice_id)
                .await
                .is_ok()
        );

        // A buyer without a directory line.
        let unknown = samples::ubl_invoice("U-1", 1).replace(&format!(">{BUYER}<"), ">732829320<");
        let receipt = hub
            .submit(unknown.into_bytes(), m("0001"), None)
            .await
            .unwrap();
        assert_eq!(receipt.status, Status::Rejected);
        assert!(
            receipt.reasons.contains(&"DEST_INC".to_string()),
            "{receipt:?}"
        );
        assert_eq!(receipt.recipient_platform, None);

        // Not an invoice at all.
        let receipt = hub
            .submit(b"not xml".to_vec(), m("0001"), None)
            .await
            .unwrap();
        assert_eq!(receipt.status, Status::Rejected);
        assert_eq!(receipt.reasons, ["REJ_SEMAN"]);
        assert!(!receipt.failures.is_empty());
        let stored = t.db.invoice(&receipt.invoice_id).await.unwrap().unwrap();
        assert_eq!(stored.failures, receipt.failures);

        assert_eq!(count(&t.db, "invoices").await, 4);
        assert_eq!(count(&t.db, "outbox").await, 1, "only the accepted one");
        let codes = status_codes(&t.db, &receipt.invoice_id).await;
        assert_eq!(codes, [213]);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_idempotency_key_answers_the_same_and_refuses_other_bytes() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let bytes = samples::ubl_invoice("K-1", 1).into_bytes();
        let first = hub
            .submit(bytes.clone(), m("0001"), Some("key-1"))
            .await
            .unwrap();
        let again = hub.submit(bytes, m("0001"), Some("key-1")).await.unwrap();
        assert_eq!(
            (again.invoice_id.as_str(), again.replayed),
            (first.invoice_id.as_str(), true)
        );
        let other = samples::ubl_invoice("K-2", 1).into_bytes();
        let refused = hub.submit(other.clone(), m("0001"), Some("key-1")).await;
        assert!(
            matches!(refused, Err(HubError::IdempotencyKeyReused { ref key }) if key == "key-1"),
            "{}: {refused:?}",
            t.name
        );
        // Keys are per sender: another platform's key-1 is its own.
        let theirs = hub.submit(other, m("0003"), Some("key-1")).await.unwrap();
        assert_ne!(theirs.invoice_id, first.invoice_id);
        assert_eq!(count(&t.db, "invoices").await, 2);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_submissions_of_one_document_store_it_once() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let bytes = samples::ubl_invoice("C-1", 1).into_bytes();
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let hub = hub.clone();
                let bytes = bytes.clone();
                tokio::spawn(async move { hub.submit(bytes, m("0001"), None).await.unwrap() })
            })
            .collect();
        let mut ids = Vec::new();
        for task in tasks {
            ids.push(task.await.unwrap().invoice_id);
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "{}", t.name);
        assert_eq!(count(&t.db, "invoices").await, 1);
        assert_eq!(count(&t.db, "outbox").await, 1);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn statuses_are_checked_chained_and_queued_for_the_other_party() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let bytes = samples::ubl_invoice("S-1", 1).into_bytes();
        let id = hub.submit(bytes, m("0001"), None).await.unwrap().invoice_id;
        // The broker confirms: 201.
        let claimed = t.db.claim(10).await.unwrap();
        t.db.mark_published(&[claimed[0].id], std::time::SystemTime::now())
            .await
            .unwrap();

        let received = StatusInput::new(Status::Received, vec![], None);
        let receipt = hub.record_status(&id, m("0002"), received).await.unwrap();
        assert_eq!(receipt.delivered_to, m("0001"), "{}", t.name);
        // The seller's platform may not approve for the buyer.
        let approve = StatusInput::new(Status::Approved, vec![], None);
        let refused = hub.record_status(&id, m("0001"), approve.clone()).await;
        assert!(
            matches!(
                refused,
                Err(HubError::Transition(TransitionError::NotAllowed { .. }))
            ),
            "{refused:?}"
        );
        // An outsider does not even see the invoice.
        let outsider = hub.record_status(&id, m("0003"), approve.clone()).await;
        assert!(
            matches!(outsider, Err(HubError::NotFound(_))),
            "{outsider:?}"
        );
        // A refusal needs its reason.
        let bare = StatusInput::new(Status::Refused, vec![], None);
        let refused = hub.record_status(&id, m("0002"), bare).await;
        assert!(
            matches!(
                refused,
                Err(HubError::Transition(TransitionError::ReasonRequired { .. }))
            ),
            "{refused:?}"
        );
        hub.record_status(&id, m("0002"), approve).await.unwrap();

        let codes = status_codes(&t.db, &id).await;
        assert_eq!(codes, [200, 201, 202, 205]);
        assert_eq!(
            t.db.invoice(&id).await.unwrap().unwrap().status,
            Status::Approved
        );
        // Two status deliveries to the seller's platform, with a CDAR body that validates.
        let queued = t.db.claim(10).await.unwrap();
        assert_eq!(queued.len(), 2);
        for item in &queued {
            assert_eq!(item.message.kind(), MessageKind::Status);
            assert_eq!(item.message.platform(), m("0001"));
            assert_eq!(
                item.message.header("x-facteur-invoice-id"),
                Some(id.as_str())
            );
            let read = StatusInput::from_cdar(item.message.body().to_vec()).unwrap();
            assert!(matches!(read.status, Status::Received | Status::Approved));
        }

        // A CDAR message posted twice (same message id) is recorded once.
        let approved = queued
            .iter()
            .find(|i| i.message.header("x-facteur-status") == Some("205"))
            .unwrap();
        let cdar = approved.message.body().to_vec();
        let once = StatusInput::from_cdar(cdar.clone()).unwrap();
        assert!(once.message_id.is_some());
        let first = hub.record_status(&id, m("0002"), once).await.unwrap();
        assert!(!first.replayed && first.record.is_some());
        let twice = StatusInput::from_cdar(cdar).unwrap();
        let second = hub.record_status(&id, m("0002"), twice).await.unwrap();
        assert!(second.replayed && second.record.is_none());
        assert_eq!(t.db.statuses(&id).await.unwrap().len(), 5);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn the_audit_finds_a_row_changed_behind_the_hubs_back() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let mut ids = Vec::new();
        for n in ["T-1", "T-2", "T-3"] {
            let bytes = samples::ubl_invoice(n, 1).into_bytes();
            ids.push(hub.submit(bytes, m("0001"), None).await.unwrap().invoice_id);
        }
        hub.record_status(
            &ids[1],
            m("0002"),
            StatusInput::new(Status::Received, vec![], None),
        )
        .await
        .unwrap();
        let clean = audit::verify(&t.db).await.unwrap();
        assert_eq!((clean.invoices, clean.statuses), (3, 4), "{}", t.name);
        assert!(clean.breaks.is_empty(), "{:?}", clean.breaks);

        // Someone rewrites the first status of T-2 in SQL.
        let changed = execute(
            &t.db,
            &format!("UPDATE invoice_statuses SET reasons = '[\"DOUBLON\"]' WHERE invoice_id = '{}' AND seq = 1", ids[1]),
        )
        .await;
        assert_eq!(changed, 1);
        // And someone deletes the status of T-3.
        execute(
            &t.db,
            &format!(
                "DELETE FROM invoice_statuses WHERE invoice_id = '{}'",
                ids[2]
            ),
        )
        .await;
        let report = audit::verify(&t.db).await.unwrap();
        let mut found: Vec<(&str, Option<i64>)> = report
            .breaks
            .iter()
            .map(|b| (b.invoice_id.as_str(), b.seq))
            .collect();
        found.sort();
        let mut expected = vec![(ids[1].as_str(), Some(1)), (ids[2].as_str(), None)];
        expected.sort();
        assert_eq!(found, expected, "{}: {:?}", t.name, report.breaks);
        t.cleanup().await;
    }
}

/// `facteur audit verify` as a user runs it: exit 0 on an intact database, 1 with the
/// broken invoice named once a stored document was changed behind facteur's back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facteur_audit_verify_exits_1_on_a_tampered_document() {
    let t = crate::directory_support::sqlite().await;
    let hub = world(&t.db).await;
    let bytes = samples::ubl_invoice("V-1", 1).into_bytes();
    let id = hub.submit(bytes, m("0001"), None).await.unwrap().invoice_id;
    let url = match &t.db {
        facteur::storage::Db::Sqlite(pool) => {
            pool.connect_options().get_filename().display().to_string()
        }
        facteur::storage::Db::Pg(_) => unreachable!("a SQLite test database"),
    };
    let run = |url: String| {
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_facteur"))
                .args(["audit", "verify"])
                .env("FACTEUR_DATABASE_URL", format!("sqlite://{url}"))
                .env_remove("FACTEUR_CONFIG")
                .output()
                .unwrap()
        })
    };
    let clean = run(url.clone()).await.unwrap();
    let text = String::from_utf8_lossy(&clean.stdout).to_string();
    assert_eq!(clean.status.code(), Some(0), "{text}");
    assert!(
        text.contains("1 invoices, 1 status records verified; 0 broken"),
        "{text}"
    );

    execute(
        &t.db,
        "UPDATE documents SET content = X'3c496e766f6963652f3e'",
    )
    .await;
    let tampered = run(url).await.unwrap();
    let text = String::from_utf8_lossy(&tampered.stdout).to_string();
    assert_eq!(tampered.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("BROKEN invoice {id}: document content")),
        "{text}"
    );
    t.cleanup().await;
}

/// A fast recipient may report a status while the relay is still recording the
/// broker's confirm: the 201 then goes after it, on the head of the chain, and the
/// chain stays whole (the relay's window finds each invoice's head among all its
/// statuses, however many there are by then); the current status stays the
/// recipient's.
#[tokio::test]
async fn a_status_recorded_before_the_confirm_keeps_the_chain_whole() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let bytes = samples::ubl_invoice("S-EARLY-1", 1).into_bytes();
        let id = hub.submit(bytes, m("0001"), None).await.unwrap().invoice_id;
        let claimed = t.db.claim(10).await.unwrap();
        assert_eq!(claimed.len(), 1, "{}", t.name);
        for status in [Status::Received, Status::Approved] {
            hub.record_status(&id, m("0002"), StatusInput::new(status, vec![], None))
                .await
                .unwrap_or_else(|e| panic!("{}: {status:?} before 201: {e}", t.name));
        }
        // The confirm arrives now, and again (a redelivered confirm window).
        for _ in 0..2 {
            t.db.mark_published(&[claimed[0].id], std::time::SystemTime::now())
                .await
                .unwrap();
        }
        let codes = status_codes(&t.db, &id).await;
        assert_eq!(codes, [200, 202, 205, 201], "{}", t.name);
        // The late 201 does not take the buyer's approval's place as current status.
        assert_eq!(
            t.db.invoice(&id).await.unwrap().unwrap().status,
            Status::Approved,
            "{}",
            t.name
        );

        // The same through the embedded inbox: the recipient's platform reports 202
        // before it acknowledges the delivery.
        let bytes = samples::ubl_invoice("S-EARLY-2", 1).into_bytes();
        let inboxed = hub.submit(bytes, m("0001"), None).await.unwrap().invoice_id;
        let delivery =
            t.db.claim_inbox(m("0002"), 10, std::time::Duration::from_secs(60))
                .await
                .unwrap();
        assert_eq!(delivery.len(), 1, "{}", t.name);
        let received = StatusInput::new(Status::Received, vec![], None);
        hub.record_status(&inboxed, m("0002"), received)
            .await
            .unwrap();
        t.db.ack_inbox(m("0002"), delivery[0].id).await.unwrap();
        let codes = status_codes(&t.db, &inboxed).await;
        assert_eq!(codes, [200, 202, 201], "{}", t.name);
        assert_eq!(
            t.db.invoice(&inboxed).await.unwrap().unwrap().status,
            Status::Received,
            "{}",
            t.name
        );

        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!(report.statuses, 7, "{}", t.name);
        assert!(report.breaks.is_empty(), "{}: {:?}", t.name, report.breaks);
        t.cleanup().await;
    }
}
