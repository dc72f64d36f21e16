//! `Hub::prepare_many` + `Hub::store_many` (a batch's chunk in one transaction) on
//! SQLite and PostgreSQL: every document gets the answer one `submit` per document,
//! in order, would give (repeats, duplicates also within the chunk, reused keys,
//! unknown recipients), the chain audits clean, and the relay's confirms of a whole
//! window record 201 once per invoice.

use std::time::SystemTime;

use facteur::hub::many::ChunkKeys;
use facteur::hub::{HubError, Submission, audit};
use facteur::lifecycle::Status;
use facteur::routing::OutboxStore;
use facteur::samples;

use crate::directory_support::{backends, m};
use crate::hub_support::{BUYER, count, world};

fn submission(document: &[u8], key: &str) -> Submission {
    Submission {
        document: document.to_vec(),
        idempotency_key: key.to_string(),
    }
}

#[tokio::test]
async fn a_chunk_answers_as_one_submission_after_the_other_would() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let sender = m("0001");
        // Stored before the chunk: E-1 under key k-early, O-1 under key k-other.
        let early_bytes = samples::ubl_invoice("E-1", 1).into_bytes();
        let early = hub
            .submit(early_bytes.clone(), sender, Some("k-early"))
            .await
            .unwrap();
        hub.submit(
            samples::ubl_invoice("O-1", 1).into_bytes(),
            sender,
            Some("k-other"),
        )
        .await
        .unwrap();

        let n1 = samples::ubl_invoice("N-1", 1).into_bytes();
        let unknown = samples::ubl_invoice("U-1", 1).replace(&format!(">{BUYER}<"), ">732829320<");
        let chunk = vec![
            submission(&n1, "c:0"),
            // The same bytes again: the first receipt.
            submission(&n1, "c:1"),
            submission(&samples::ubl_invoice("N-2", 1).into_bytes(), "c:2"),
            // Another document numbered N-1 (same seller, same year): a duplicate of
            // position 0, within the chunk.
            submission(&samples::ubl_invoice("N-1", 2).into_bytes(), "c:3"),
            // Another document numbered E-1: a duplicate of what was stored before.
            submission(&samples::ubl_invoice("E-1", 3).into_bytes(), "c:4"),
            // A repeat under its key: the first receipt.
            submission(&early_bytes, "k-early"),
            // A key used before for other bytes: refused.
            submission(&samples::ubl_invoice("O-2", 1).into_bytes(), "k-other"),
            submission(unknown.as_bytes(), "c:7"),
        ];
        let prepared = hub.prepare_many(chunk).await.unwrap();
        let answers = hub.store_many(sender, prepared).await.unwrap();
        assert_eq!(answers.len(), 8, "{}", t.name);
        let ok = |i: usize| answers[i].as_ref().unwrap();

        assert_eq!(
            (ok(0).status, ok(0).replayed),
            (Status::Deposited, false),
            "{}",
            t.name
        );
        assert_eq!(ok(0).recipient_platform, Some(m("0002")));
        assert_eq!(ok(1).invoice_id, ok(0).invoice_id);
        assert!(ok(1).replayed);
        assert_eq!((ok(2).status, ok(2).replayed), (Status::Deposited, false));
        assert_eq!(ok(3).status, Status::Rejected);
        assert_eq!(ok(3).reasons, ["DOUBLON"], "{}: within the chunk", t.name);
        assert_eq!(ok(4).status, Status::Rejected);
        assert_eq!(ok(4).reasons, ["DOUBLON"], "{}: against storage", t.name);
        assert_eq!(ok(5).invoice_id, early.invoice_id);
        assert!(ok(5).replayed);
        assert!(
            matches!(&answers[6], Err(HubError::IdempotencyKeyReused { key }) if key == "k-other"),
            "{}: {:?}",
            t.name,
            answers[6]
        );
        assert_eq!(ok(7).status, Status::Rejected);
        assert!(
            ok(7).reasons.contains(&"DEST_INC".to_string()),
            "{:?}",
            ok(7)
        );

        // Stored: the two before, and positions 0, 2, 3, 4, 7; delivered: 0 and 2.
        assert_eq!(count(&t.db, "invoices").await, 7, "{}", t.name);
        assert_eq!(count(&t.db, "invoice_statuses").await, 7);
        assert_eq!(count(&t.db, "outbox").await, 4);
        assert_eq!(count(&t.db, "documents").await, 7);
        let stored = t.db.invoice(&ok(2).invoice_id).await.unwrap().unwrap();
        assert_eq!(stored.idempotency_key.as_deref(), Some("c:2"));
        assert_eq!(stored.invoice_number.as_deref(), Some("N-2"));
        assert_eq!(stored.uniqueness_key.as_deref(), Some("N-2/2026/906170857"));
        let rejected = t.db.invoice(&ok(3).invoice_id).await.unwrap().unwrap();
        assert_eq!(
            rejected.uniqueness_key, None,
            "a rejected invoice holds no key"
        );
        assert_eq!(rejected.failures[0].reason, "DOUBLON");
        let history = t.db.statuses(&ok(0).invoice_id).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!((history[0].seq, history[0].status), (1, 200));
        assert_eq!(hub.metrics().accepted.get(), 4, "E-1, O-1, N-1, N-2");

        // The same chunk again (a resumed batch): every answer is a replay, nothing new.
        let again = vec![
            submission(&n1, "c:0"),
            submission(unknown.as_bytes(), "c:7"),
        ];
        let prepared = hub.prepare_many(again).await.unwrap();
        let answers_again = hub.store_many(sender, prepared).await.unwrap();
        assert_eq!(
            answers_again[0].as_ref().unwrap().invoice_id,
            ok(0).invoice_id
        );
        assert!(answers_again.iter().all(|a| a.as_ref().unwrap().replayed));
        assert_eq!(count(&t.db, "invoices").await, 7);

        // The relay confirms every delivery in one window: 201 once each, chained.
        let claimed = t.db.claim(100).await.unwrap();
        assert_eq!(claimed.len(), 4);
        let ids: Vec<i64> = claimed.iter().map(|i| i.id).collect();
        t.db.mark_published(&ids, SystemTime::now()).await.unwrap();
        t.db.mark_published(&ids, SystemTime::now()).await.unwrap();
        let history = t.db.statuses(&ok(0).invoice_id).await.unwrap();
        let codes: Vec<u16> = history.iter().map(|s| s.status).collect();
        assert_eq!(codes, [200, 201], "{}", t.name);
        assert_eq!(history[1].prev_hash, history[0].hash);
        assert_eq!(history[1].set_by, 1);
        assert_eq!(
            t.db.invoice(&ok(2).invoice_id)
                .await
                .unwrap()
                .unwrap()
                .status,
            Status::Issued
        );
        assert_eq!(t.db.outbox_backlog().await.unwrap(), 0);
        let timings = t.db.delivery_timings().await.unwrap();
        assert_eq!(timings.len(), 4);
        assert!(
            timings
                .iter()
                .all(|&(a, p)| p.is_some_and(|p| p >= a && a > 0)),
            "{timings:?}"
        );
        let report = audit::verify(&t.db).await.unwrap();
        assert_eq!((report.invoices, report.statuses), (7, 11), "{}", t.name);
        assert!(report.breaks.is_empty(), "{:?}", report.breaks);
        t.cleanup().await;
    }
}

/// What lets the batch worker store two chunks at once: only chunks that share no
/// document and no invoice's uniqueness key (a later one's answer cannot depend on
/// the earlier one being stored).
#[tokio::test]
async fn chunks_overlap_when_they_share_a_document_or_an_invoice_number() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let chunk = |documents: Vec<Vec<u8>>| {
            documents
                .into_iter()
                .enumerate()
                .map(|(i, d)| submission(&d, &format!("k-{i}")))
                .collect::<Vec<_>>()
        };
        let invoice = |number: &str, lines: usize| samples::ubl_invoice(number, lines).into_bytes();
        let first = hub
            .prepare_many(chunk(vec![invoice("K-1", 1), invoice("K-2", 1)]))
            .await
            .unwrap();
        let keys = ChunkKeys::of(&first);
        for (case, documents, overlaps) in [
            (
                "other invoices",
                vec![invoice("K-3", 1), invoice("K-4", 1)],
                false,
            ),
            (
                "the same bytes",
                vec![invoice("K-5", 1), invoice("K-2", 1)],
                true,
            ),
            ("the same number", vec![invoice("K-1", 3)], true),
            (
                "a rejected document",
                vec![b"<not-an-invoice/>".to_vec()],
                false,
            ),
        ] {
            let other = hub.prepare_many(chunk(documents)).await.unwrap();
            let other = ChunkKeys::of(&other);
            assert_eq!(keys.overlaps(&other), overlaps, "{case}");
            assert_eq!(other.overlaps(&keys), overlaps, "{case}, the other way");
        }
        t.cleanup().await;
    }
}
