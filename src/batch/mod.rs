//! Batches: an uploaded archive of documents is stored at once (the upload answers
//! with a batch id), then a background worker submits its documents to the hub, a chunk
//! at a time.
//!
//! Once per document, across crashes and instances:
//! - a batch is claimed with a lease (`storage::batches`; `FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL), renewed in every chunk's transaction, so one worker at a time holds
//!   it and a crashed worker's batch is taken over when its lease lapses;
//! - a chunk's documents and their results are stored in one transaction
//!   ([`Hub::store_chunk`]), which fails whole if the lease was lost: after a crash a
//!   position has both or neither;
//! - a resumed batch skips the positions that already have a result;
//! - each document is submitted under the idempotency key [`document_key`]
//!   ([`Hub::store_chunk`] answers a chunk exactly as [`Hub::submit`] would answer its
//!   documents one after the other), so a document stored by another path before the
//!   batch resumed is answered with its first receipt rather than stored twice.
//!
//! Why chunks, and three stages: one transaction per document (lookups, five inserts,
//! a commit) bounded a batch to a few hundred documents a second. A chunk
//! ([`BatchConfig::chunk`]) is looked up, inserted and committed with a handful of
//! statements; while one chunk is validated (on every core), the one before it is
//! decided and stored, and the one before that finishes its commit. Two chunks'
//! transactions run at once only when the later one shares no document and no
//! invoice's uniqueness key with the earlier ([`ChunkKeys`]): its answers cannot
//! depend on the earlier one's being stored. The lease renewal comes last in each
//! transaction and waits for the earlier one's, so chunks commit in order.
//!
//! A storage failure gives the batch back and is retried later; it never becomes a
//! document's result. An entry that cannot be read (nested archive, lying size) gets
//! the outcome `refused` with the reason, and the batch goes on.

use std::future::Future;
use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::hub::many::{BatchProgress, ChunkKeys};
use crate::hub::{Hub, HubError, Prepared, Submission};
use crate::ingest::archive::{Archive, ArchiveLimits};
use crate::metrics::ServiceMetrics;
use crate::storage::StorageError;
use crate::storage::batches::{BatchClaim, DocumentOutcome, DocumentResult, LeaseLost};

/// How the worker runs.
#[derive(Clone, Debug)]
pub struct BatchConfig {
    /// How long a claim holds without a new result before another worker may take the
    /// batch over. Renewed with every document, so it only needs to exceed the time
    /// of one document.
    pub lease: Duration,
    /// How often to look for work when not woken by an upload.
    pub poll: Duration,
    /// Documents of one batch decided and stored in one transaction. Large enough
    /// that a transaction's fixed cost (round trips, commit) is shared by many
    /// documents (on 2 cores, 512 stored about a third faster than 256 and twice as
    /// fast as one transaction per 256 plus one for their results), small enough that
    /// the time from a document's acceptance to its commit stays well under a second.
    pub chunk: usize,
    pub limits: ArchiveLimits,
}

impl Default for BatchConfig {
    fn default() -> BatchConfig {
        BatchConfig {
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(2),
            chunk: 512,
            limits: ArchiveLimits::default(),
        }
    }
}

/// The idempotency key under which a batch's document is submitted.
pub fn document_key(batch_id: &str, position: usize) -> String {
    format!("batch:{batch_id}:{position}")
}

/// What one call to [`BatchWorker::work_one`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Worked {
    /// No batch was waiting.
    Idle,
    /// The batch is finished: every document has its result.
    Finished { batch_id: String, documents: usize },
    /// Another worker took the batch over (this one stalled past its lease).
    LostClaim { batch_id: String },
}

/// Why the worker stopped working on a batch.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("a submission task failed: {0}")]
    Task(String),
}

/// Processes stored batches through the hub.
#[derive(Clone)]
pub struct BatchWorker {
    hub: Arc<Hub>,
    config: BatchConfig,
    wake: Arc<Notify>,
    metrics: Option<ServiceMetrics>,
}

impl BatchWorker {
    pub fn new(hub: Arc<Hub>, config: BatchConfig) -> BatchWorker {
        BatchWorker {
            hub,
            config,
            wake: Arc::new(Notify::new()),
            metrics: None,
        }
    }

    pub fn with_metrics(mut self, metrics: ServiceMetrics) -> BatchWorker {
        self.metrics = Some(metrics);
        self
    }

    /// Notified by the upload handler, so a new batch starts without waiting for the
    /// next poll.
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Works batches until `shutdown` completes. A batch interrupted by the shutdown
    /// is resumed by the next run (its lease lapses; its results are kept).
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut failures = 0u32;
        loop {
            let worked = tokio::select! {
                () = &mut shutdown => return,
                worked = self.work_one() => worked,
            };
            let pause = match worked {
                Ok(Worked::Idle) => {
                    failures = 0;
                    Some(self.config.poll)
                }
                Ok(Worked::Finished {
                    batch_id,
                    documents,
                }) => {
                    failures = 0;
                    tracing::info!(batch = %batch_id, documents, "batch finished");
                    None
                }
                Ok(Worked::LostClaim { batch_id }) => {
                    tracing::warn!(batch = %batch_id, "batch taken over by another worker");
                    None
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let backoff = Duration::from_millis(500 * u64::from(failures.min(20)));
                    tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "batch worker");
                    Some(backoff)
                }
            };
            if let Some(pause) = pause {
                tokio::select! {
                    () = &mut shutdown => return,
                    () = self.wake.notified() => {},
                    () = tokio::time::sleep(pause) => {},
                }
            }
        }
    }

    /// Claims one batch and works it to the end.
    pub async fn work_one(&self) -> Result<Worked, BatchError> {
        let db = self.hub.db();
        let Some(claim) = db.claim_batch(self.config.lease).await? else {
            return Ok(Worked::Idle);
        };
        let claim = Arc::new(claim);
        match self.work(&claim).await {
            Ok(Some(worked)) => Ok(worked),
            Ok(None) => {
                db.finish_batch(&claim).await?;
                Ok(Worked::Finished {
                    batch_id: claim.id.clone(),
                    documents: claim.documents,
                })
            }
            Err(e) => {
                // Give the batch back at once: the next attempt need not wait for the lease.
                let _ = db.release_batch(&claim).await;
                Err(e)
            }
        }
    }

    /// Submits every document of `claim` that has no result yet, chunk by chunk, in
    /// three stages: while a chunk is validated, the one before it is decided and
    /// stored, and the one before that commits. `Some` when the claim was lost.
    async fn work(&self, claim: &Arc<BatchClaim>) -> Result<Option<Worked>, BatchError> {
        let mut todo: Vec<usize> = Vec::with_capacity(claim.documents);
        let mut done = claim.done.iter().peekable();
        for position in 0..claim.documents {
            if done.next_if(|&&d| d == position).is_some() {
                continue;
            }
            todo.push(position);
        }
        let mut archive = match Archive::open(
            Cursor::new(claim.archive.as_slice()),
            self.config.limits,
        ) {
            Ok(archive) => Ok(archive),
            Err(e) => {
                // Checked at upload, so only a change of limits gets here; every
                // document then gets the reason rather than being retried for ever.
                tracing::warn!(batch = %claim.id, error = %e, "stored archive no longer readable");
                Err(e.to_string())
            }
        };
        let mut chunks = todo.chunks(self.config.chunk.max(1));
        let mut next = chunks
            .next()
            .map(|positions| self.start_chunk(claim, &mut archive, positions));
        // The chunk whose transaction is running, if any.
        let mut storing: Option<Storing> = None;
        let outcome = loop {
            let Some(chunk) = next.take() else {
                break Ok(None);
            };
            next = chunks
                .next()
                .map(|positions| self.start_chunk(claim, &mut archive, positions));
            let Chunk {
                submitted,
                refused,
                preparing,
            } = chunk;
            let waiting = Instant::now();
            let prepared = match preparing.await {
                Ok(Ok(prepared)) => prepared,
                Ok(Err(e)) => break Err(BatchError::from(e)),
                Err(e) => break Err(BatchError::Task(e.to_string())),
            };
            let validation_wait = waiting.elapsed();
            let keys = ChunkKeys::of(&prepared);
            // A chunk that shares a document or an invoice's uniqueness key with the
            // one being stored must see it stored first (its answer depends on it):
            // it waits. Otherwise both transactions run at once; the chunk's lease
            // renewal, last in its transaction, waits for the previous one to commit,
            // so chunks still commit in order.
            if let Some(previous) = storing.take_if(|s| s.keys.overlaps(&keys)) {
                match self.finish(claim, previous).await {
                    Ok(None) => {}
                    stop => break stop,
                }
            }
            let started = Storing {
                task: self.store(claim, submitted, refused, prepared),
                keys,
                validation_wait,
                started: Instant::now(),
            };
            if let Some(previous) = storing.replace(started) {
                match self.finish(claim, previous).await {
                    Ok(None) => {}
                    stop => break stop,
                }
            }
        };
        match (outcome, storing) {
            (Ok(None), Some(last)) => self.finish(claim, last).await,
            (outcome, Some(abandoned)) => {
                // Rolled back (if not yet committed): its documents are done again by
                // whoever resumes the batch.
                abandoned.task.abort();
                outcome
            }
            (outcome, None) => outcome,
        }
    }

    /// Starts deciding and storing a validated chunk, with its results, in a task of
    /// its own (so that two chunks' transactions can run at once).
    fn store(
        &self,
        claim: &Arc<BatchClaim>,
        submitted: Vec<(usize, String)>,
        refused: Vec<DocumentResult>,
        prepared: Vec<Prepared>,
    ) -> JoinHandle<Result<Result<Vec<DocumentResult>, LeaseLost>, HubError>> {
        let hub = self.hub.clone();
        let claim = claim.clone();
        let lease = self.config.lease;
        tokio::spawn(async move {
            let progress = BatchProgress {
                claim: &claim,
                lease,
                submitted: &submitted,
                refused: &refused,
            };
            hub.store_chunk(claim.sender, prepared, &progress).await
        })
    }

    /// Waits for a chunk's transaction. `Some` when the claim was lost.
    async fn finish(
        &self,
        claim: &BatchClaim,
        storing: Storing,
    ) -> Result<Option<Worked>, BatchError> {
        let stored = storing
            .task
            .await
            .map_err(|e| BatchError::Task(e.to_string()))??;
        let Ok(results) = stored else {
            return Ok(Some(Worked::LostClaim {
                batch_id: claim.id.clone(),
            }));
        };
        tracing::debug!(
            batch = %claim.id,
            documents = results.len(),
            validation_wait_ms = storing.validation_wait.as_millis() as u64,
            store_ms = storing.started.elapsed().as_millis() as u64,
            "batch chunk stored with its results"
        );
        if let Some(metrics) = &self.metrics {
            metrics.batch_documents.add(results.len() as u64);
        }
        Ok(None)
    }

    /// Reads a chunk's documents out of the archive and starts validating them.
    fn start_chunk(
        &self,
        claim: &BatchClaim,
        archive: &mut Result<Archive<Cursor<&[u8]>>, String>,
        positions: &[usize],
    ) -> Chunk {
        let mut submitted = Vec::with_capacity(positions.len());
        let mut submissions = Vec::with_capacity(positions.len());
        let mut refused_entries = Vec::new();
        for &position in positions {
            let read = match archive.as_mut() {
                Ok(archive) => {
                    let name = archive.name(position).unwrap_or_default();
                    archive
                        .document(position)
                        .map_err(|e| (name, e.to_string()))
                }
                Err(unreadable) => Err((String::new(), unreadable.clone())),
            };
            match read {
                Ok(document) => {
                    submitted.push((position, document.name));
                    submissions.push(Submission {
                        document: document.bytes,
                        idempotency_key: document_key(&claim.id, position),
                    });
                }
                Err((name, reason)) => refused_entries.push(refused(position, name, reason)),
            }
        }
        let hub = self.hub.clone();
        let preparing = tokio::spawn(async move { hub.prepare_many(submissions).await });
        Chunk {
            submitted,
            refused: refused_entries,
            preparing,
        }
    }
}

/// A chunk whose transaction is running.
struct Storing {
    task: JoinHandle<Result<Result<Vec<DocumentResult>, LeaseLost>, HubError>>,
    /// Its documents' hashes and uniqueness keys.
    keys: ChunkKeys,
    validation_wait: Duration,
    started: Instant,
}

/// A chunk of a batch on its way: the documents read (position, name) and being
/// validated, and the entries that could not be read.
struct Chunk {
    submitted: Vec<(usize, String)>,
    refused: Vec<DocumentResult>,
    preparing: JoinHandle<Result<Vec<Prepared>, HubError>>,
}

impl From<HubError> for BatchError {
    fn from(error: HubError) -> BatchError {
        match error {
            HubError::Storage(e) => BatchError::Storage(e),
            other => BatchError::Task(other.to_string()),
        }
    }
}

fn refused(position: usize, name: String, reason: String) -> DocumentResult {
    DocumentResult {
        position,
        name,
        outcome: DocumentOutcome::Refused,
        invoice_id: None,
        status: None,
        reasons: Vec::new(),
        error: Some(reason),
    }
}
