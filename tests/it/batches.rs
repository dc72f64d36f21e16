//! Batches end to end on SQLite and PostgreSQL (same bodies): upload through the API,
//! the worker submits every document to the hub once, results are paged and seen only
//! by the submitting platform; a crashed worker's batch is resumed without a second
//! submission; two workers never share a batch; chunks stored at the same time answer
//! as in order; a worker that lost its claim stores nothing.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use facteur::api::{AppState, Batches, app};
use facteur::batch::{BatchConfig, BatchWorker, Worked, document_key};
use facteur::hub::many::BatchProgress;
use facteur::hub::{Hub, Submission};
use facteur::samples;
use facteur::storage::batches::LeaseLost;
use serde_json::Value;
use tower::ServiceExt;

use crate::directory_support::{backends, m};
use crate::hub_support::{BUYER, count, execute, token, world};

/// A worker with small chunks, so that these small batches take several chunks
/// (several transactions) and a crash can fall between two of them.
fn worker(hub: &Arc<Hub>, lease: Duration) -> BatchWorker {
    BatchWorker::new(
        hub.clone(),
        BatchConfig {
            lease,
            chunk: 4,
            ..BatchConfig::default()
        },
    )
}

fn router(hub: &Arc<Hub>, worker: &BatchWorker) -> Router {
    let state = AppState::with_hub(hub.clone()).with_batches(Batches {
        wake: worker.waker(),
        limits: BatchConfig::default().limits,
    });
    app(state)
}

/// A zip of `files` (name, bytes), deflated.
fn zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in files {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn invoices(prefix: &str, n: usize) -> Vec<(String, Vec<u8>)> {
    (0..n)
        .map(|i| {
            let number = format!("{prefix}-{i:04}");
            (
                format!("{number}.xml"),
                samples::ubl_invoice(&number, 1).into_bytes(),
            )
        })
        .collect()
}

async fn call(
    router: &Router,
    method: &str,
    path: &str,
    platform: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(platform) = platform {
        request = request.header(header::AUTHORIZATION, format!("Bearer {}", token(platform)));
    }
    let request = request
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
        .await
        .unwrap();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, value)
}

async fn upload(router: &Router, platform: &str, archive: Vec<u8>) -> (StatusCode, Value) {
    call(
        router,
        "POST",
        "/v1/batches",
        Some(platform),
        "application/zip",
        archive,
    )
    .await
}

async fn progress(router: &Router, platform: &str, path: &str) -> (StatusCode, Value) {
    call(
        router,
        "GET",
        path,
        Some(platform),
        "application/json",
        Vec::new(),
    )
    .await
}

#[tokio::test]
async fn a_batch_is_stored_at_once_then_every_document_gets_one_result() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let worker = worker(&hub, Duration::from_secs(60));
        let router = router(&hub, &worker);
        let mut files = invoices("B", 5);
        // Unknown recipient: 213.
        let unknown = samples::ubl_invoice("B-X", 1).replace(&format!(">{BUYER}<"), ">732829320<");
        files.push(("unknown.xml".into(), unknown.into_bytes()));
        // A zip inside the zip: refused, the others go on.
        files.push(("inner.xml".into(), zip(&invoices("I", 1))));
        let (status, body) = upload(&router, "0001", zip(&files)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{}: {body}", t.name);
        assert_eq!(body["documents"], 7);
        let id = body["batch_id"].as_str().unwrap().to_string();
        let path = body["status_url"].as_str().unwrap().to_string();
        assert_eq!(path, format!("/v1/batches/{id}"));

        // Answered before any processing.
        let (status, body) = progress(&router, "0001", &path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            (body["state"].as_str(), body["processed"].as_u64()),
            (Some("pending"), Some(0))
        );
        assert_eq!(count(&t.db, "invoices").await, 0);

        assert_eq!(
            worker.work_one().await.unwrap(),
            Worked::Finished {
                batch_id: id.clone(),
                documents: 7
            }
        );
        assert_eq!(worker.work_one().await.unwrap(), Worked::Idle, "done once");
        assert_eq!(
            count(&t.db, "invoices").await,
            6,
            "the refused entry never reached the hub"
        );
        assert_eq!(
            execute(&t.db, "UPDATE batches SET documents = documents WHERE archive IS NULL AND finished_at IS NOT NULL").await,
            1,
            "a finished batch drops its archive"
        );

        // Paged results, in archive order.
        let (_, first) = progress(&router, "0001", &format!("{path}?limit=4")).await;
        assert_eq!(first["state"], "finished");
        assert_eq!(
            (
                first["accepted"].as_u64(),
                first["rejected"].as_u64(),
                first["refused"].as_u64()
            ),
            (Some(5), Some(1), Some(1))
        );
        assert_eq!(first["results"].as_array().unwrap().len(), 4);
        assert_eq!(first["next_offset"], 4);
        assert_eq!(first["results"][0]["name"], "B-0000.xml");
        assert_eq!(first["results"][0]["outcome"], "accepted");
        assert_eq!(first["results"][0]["status"], 200);
        let (_, rest) = progress(&router, "0001", &format!("{path}?offset=4&limit=4")).await;
        let rest = rest["results"].as_array().unwrap().clone();
        assert_eq!(rest.len(), 3);
        assert_eq!(rest[1]["name"], "unknown.xml");
        assert_eq!(rest[1]["outcome"], "rejected");
        assert_eq!(rest[1]["status"], 213);
        assert!(
            !rest[1]["reasons"].as_array().unwrap().is_empty(),
            "{}",
            rest[1]
        );
        assert_eq!(rest[2]["name"], "inner.xml");
        assert_eq!(rest[2]["outcome"], "refused");
        assert!(
            rest[2]["error"]
                .as_str()
                .unwrap()
                .contains("nested archives are refused"),
            "{}",
            rest[2]
        );
        // The invoice ids are the hub's.
        let invoice_id = first["results"][0]["invoice_id"].as_str().unwrap();
        assert!(t.db.invoice(invoice_id).await.unwrap().is_some());

        // Only the submitting platform sees the batch; others get the same 404 as for
        // a batch that does not exist.
        let (status, _) = progress(&router, "0002", &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = progress(&router, "0001", "/v1/batches/bnothere").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = call(&router, "GET", &path, None, "application/json", Vec::new()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = progress(&router, "0001", &format!("{path}?limit=0")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn hostile_archives_are_refused_at_upload_and_nothing_is_stored() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let worker = worker(&hub, Duration::from_secs(60));
        let router = router(&hub, &worker);
        let traversal = zip(&[("../escape.xml".to_string(), b"<a/>".to_vec())]);
        let (status, body) = upload(&router, "0001", traversal).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.name);
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("archive refused: entry \"../escape.xml\" has an unsafe name"),
            "{detail}"
        );
        let (status, body) = upload(&router, "0001", b"plain text".to_vec()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("not a readable zip archive")
        );
        let (status, _) = call(
            &router,
            "POST",
            "/v1/batches",
            None,
            "application/zip",
            zip(&invoices("N", 1)),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(count(&t.db, "batches").await, 0);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_multipart_upload_becomes_one_batch() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let worker = worker(&hub, Duration::from_secs(60));
        let router = router(&hub, &worker);
        let boundary = "facteur-test-boundary";
        let mut body = Vec::new();
        for (name, bytes) in invoices("M", 3) {
            write!(
                body,
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/xml\r\n\r\n"
            )
            .unwrap();
            body.extend(bytes);
            body.extend(b"\r\n");
        }
        write!(body, "--{boundary}--\r\n").unwrap();
        let (status, answer) = call(
            &router,
            "POST",
            "/v1/batches",
            Some("0001"),
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{}: {answer}", t.name);
        assert_eq!(answer["documents"], 3);
        assert!(matches!(
            worker.work_one().await.unwrap(),
            Worked::Finished { documents: 3, .. }
        ));
        let (_, done) = progress(&router, "0001", answer["status_url"].as_str().unwrap()).await;
        assert_eq!(done["accepted"], 3, "{done}");
        assert_eq!(done["results"][2]["name"], "M-0002.xml");
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_worker_is_resumed_without_submitting_anything_twice() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let lease = Duration::from_millis(1500);
        let first = worker(&hub, lease);
        let router = router(&hub, &first);
        let files = invoices("C", 24);
        let (status, body) = upload(&router, "0001", zip(&files)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{}: {body}", t.name);
        let id = body["batch_id"].as_str().unwrap().to_string();

        // The first worker starts, and "crashes" (its task is dropped mid-batch) once a
        // few results are recorded.
        let running = tokio::spawn({
            let first = first.clone();
            async move { first.work_one().await }
        });
        loop {
            let batch = t.db.batch(&id).await.unwrap().unwrap();
            if batch.processed() >= 3 {
                break;
            }
            assert!(!running.is_finished(), "the batch ended before the crash");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        running.abort();
        let _ = running.await;
        let before = t.db.batch(&id).await.unwrap().unwrap();
        assert!(
            before.processed() < 24,
            "{}: crashed too late to prove anything",
            t.name
        );
        assert!(before.finished_at.is_none());

        // While the crashed worker's lease holds, nobody else takes the batch.
        let second = worker(&hub, lease);
        assert_eq!(second.work_one().await.unwrap(), Worked::Idle, "{}", t.name);

        // The crash window: a document submitted whose result was never recorded.
        let done: Vec<usize> =
            t.db.batch_results(&id, 0, 100)
                .await
                .unwrap()
                .iter()
                .map(|r| r.position)
                .collect();
        let pending = (0..24).find(|p| !done.contains(p)).unwrap();
        let early = hub
            .submit(
                files[pending].1.clone(),
                m("0001"),
                Some(&document_key(&id, pending)),
            )
            .await
            .unwrap();

        // After the lease lapses, another worker resumes where the first stopped.
        tokio::time::sleep(lease + Duration::from_millis(200)).await;
        assert_eq!(
            second.work_one().await.unwrap(),
            Worked::Finished {
                batch_id: id.clone(),
                documents: 24
            }
        );
        assert_eq!(
            count(&t.db, "invoices").await,
            24,
            "{}: every document once",
            t.name
        );
        let results = t.db.batch_results(&id, 0, 100).await.unwrap();
        let positions: Vec<usize> = results.iter().map(|r| r.position).collect();
        assert_eq!(positions, (0..24).collect::<Vec<_>>());
        assert!(results.iter().all(|r| r.status == Some(200)), "{results:?}");
        assert_eq!(
            results[pending].invoice_id.as_deref(),
            Some(early.invoice_id.as_str()),
            "the document submitted before the crash keeps its first receipt"
        );
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_never_share_a_batch() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let a = worker(&hub, Duration::from_secs(60));
        let b = worker(&hub, Duration::from_secs(60));
        let router = router(&hub, &a);
        let mut ids = Vec::new();
        for prefix in ["P", "Q"] {
            let (status, body) = upload(&router, "0001", zip(&invoices(prefix, 8))).await;
            assert_eq!(status, StatusCode::ACCEPTED);
            ids.push(body["batch_id"].as_str().unwrap().to_string());
        }
        let (one, two) = tokio::join!(a.work_one(), b.work_one());
        let mut finished = Vec::new();
        for worked in [one.unwrap(), two.unwrap()] {
            match worked {
                Worked::Finished {
                    batch_id,
                    documents,
                } => {
                    assert_eq!(documents, 8);
                    finished.push(batch_id);
                }
                other => panic!("{}: {other:?}", t.name),
            }
        }
        let claimed = finished.len();
        finished.sort();
        finished.dedup();
        assert_eq!(
            finished.len(),
            claimed,
            "{}: a batch finished by both",
            t.name
        );
        assert_eq!(claimed, 2, "{}: each worker took its own batch", t.name);
        while a.work_one().await.unwrap() != Worked::Idle {}
        assert_eq!(count(&t.db, "invoices").await, 16, "{}", t.name);
        assert_eq!(count(&t.db, "batch_results").await, 16);
        for id in &ids {
            assert!(t.db.batch(id).await.unwrap().unwrap().finished_at.is_some());
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_stalled_worker_whose_claim_was_taken_over_records_nothing() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let id =
            t.db.insert_batch(m("0001"), &zip(&invoices("S", 2)), 2)
                .await
                .unwrap();
        let short = Duration::from_millis(100);
        let stalled = t.db.claim_batch(short).await.unwrap().unwrap();
        assert_eq!(stalled.id, id);
        assert!(t.db.claim_batch(short).await.unwrap().is_none(), "held");
        tokio::time::sleep(Duration::from_millis(150)).await;
        let taker =
            t.db.claim_batch(Duration::from_secs(60))
                .await
                .unwrap()
                .unwrap();
        assert_eq!(taker.id, id, "{}: taken over after the lease", t.name);
        let result = facteur::storage::batches::DocumentResult {
            position: 0,
            name: "S-0000.xml".into(),
            outcome: facteur::storage::batches::DocumentOutcome::Refused,
            invoice_id: None,
            status: None,
            reasons: Vec::new(),
            error: Some("late".into()),
        };
        let late =
            t.db.record_batch_result(&stalled, &result, short)
                .await
                .unwrap();
        assert_eq!(late, Err(facteur::storage::batches::LeaseLost));
        assert_eq!(count(&t.db, "batch_results").await, 0, "{}", t.name);
        assert!(!t.db.finish_batch(&stalled).await.unwrap());
        assert_eq!(
            t.db.record_batch_result(&taker, &result, short)
                .await
                .unwrap(),
            Ok(())
        );
        drop(hub);
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_stored_at_once_answer_as_documents_in_order_would() {
    for t in backends().await {
        let hub = world(&t.db).await;
        // Chunks of 2: [0, 1] [2, 3] [4, 5] [6, 7]. The second depends on the first (the
        // same invoice number, the same bytes) and must see it stored; the last two
        // are independent and are stored at the same time.
        let worker = BatchWorker::new(
            hub.clone(),
            BatchConfig {
                chunk: 2,
                ..BatchConfig::default()
            },
        );
        let router = router(&hub, &worker);
        let mut files = invoices("O", 2);
        let same_number = samples::ubl_invoice("O-0001", 2).into_bytes();
        files.push(("same-number.xml".into(), same_number));
        files.push(("same-bytes.xml".into(), files[0].1.clone()));
        files.extend(invoices("Q", 4));
        let (status, body) = upload(&router, "0001", zip(&files)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{}: {body}", t.name);
        let id = body["batch_id"].as_str().unwrap().to_string();
        assert_eq!(
            worker.work_one().await.unwrap(),
            Worked::Finished {
                batch_id: id.clone(),
                documents: 8
            }
        );
        let results = t.db.batch_results(&id, 0, 100).await.unwrap();
        let statuses: Vec<Option<u16>> = results.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            [200, 200, 213, 200, 200, 200, 200, 200].map(Some),
            "{}: {results:?}",
            t.name
        );
        assert_eq!(results[2].reasons, ["DOUBLON"], "{}", t.name);
        assert_eq!(
            results[3].invoice_id, results[0].invoice_id,
            "{}: the same bytes answer with the first receipt",
            t.name
        );
        assert_eq!(count(&t.db, "invoices").await, 7, "{}", t.name);
        assert_eq!(count(&t.db, "outbox").await, 6, "{}", t.name);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn a_chunk_whose_claim_was_lost_stores_nothing() {
    for t in backends().await {
        let hub = world(&t.db).await;
        let files = invoices("L", 3);
        let id = t.db.insert_batch(m("0001"), &zip(&files), 3).await.unwrap();
        let short = Duration::from_millis(100);
        let stalled = t.db.claim_batch(short).await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
        let taker =
            t.db.claim_batch(Duration::from_secs(60))
                .await
                .unwrap()
                .unwrap();
        assert_eq!(taker.id, id, "{}: taken over after the lease", t.name);

        // The stalled worker's chunk, validated, then stored with its results: the
        // renewal of its lease fails in the chunk's transaction, so nothing is kept.
        let submitted: Vec<(usize, String)> = files
            .iter()
            .enumerate()
            .map(|(i, (name, _))| (i, name.clone()))
            .collect();
        let chunk = || {
            files
                .iter()
                .enumerate()
                .map(|(i, (_, bytes))| Submission {
                    document: bytes.clone(),
                    idempotency_key: document_key(&id, i),
                })
                .collect::<Vec<_>>()
        };
        let prepared = hub.prepare_many(chunk()).await.unwrap();
        let progress = BatchProgress {
            claim: &stalled,
            lease: short,
            submitted: &submitted,
            refused: &[],
        };
        let stored = hub.store_chunk(m("0001"), prepared, &progress).await;
        assert_eq!(stored.unwrap(), Err(LeaseLost), "{}", t.name);
        for table in ["invoices", "invoice_statuses", "outbox", "batch_results"] {
            assert_eq!(count(&t.db, table).await, 0, "{}: {table}", t.name);
        }

        // The worker holding the claim stores the chunk and its results together.
        let prepared = hub.prepare_many(chunk()).await.unwrap();
        let progress = BatchProgress {
            claim: &taker,
            lease: Duration::from_secs(60),
            submitted: &submitted,
            refused: &[],
        };
        let results = hub
            .store_chunk(m("0001"), prepared, &progress)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(t.db.batch_results(&id, 0, 10).await.unwrap(), results);
        assert_eq!(count(&t.db, "invoices").await, 3, "{}", t.name);
        assert_eq!(count(&t.db, "outbox").await, 3, "{}", t.name);
        t.cleanup().await;
    }
}
