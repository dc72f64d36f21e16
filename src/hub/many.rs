//! Many documents of one sender at once (a batch's chunk): each gets the receipt
//! [`Hub::submit`] would give it if the documents were submitted one after the other,
//! in order, under their idempotency keys; all of them are stored in one transaction.
//!
//! Two steps, so that the batch worker can validate the next chunk while this one is
//! being stored:
//! - [`Hub::prepare_many`]: hashing and validation, CPU work spread over the blocking
//!   pool (one group per core);
//! - [`Hub::store_many`]: the repeats and duplicates looked up for the whole chunk (three
//!   statements), then decided document by document, in order, so that a later
//!   document of the chunk sees an earlier one (the same bytes answer with its receipt,
//!   the same invoice number is a DOUBLON), then one insert per table and one commit.
//!
//! The database's unique keys still decide a race with a concurrent submission: when
//! an insert finds a key taken meanwhile, the whole chunk is rolled back and decided
//! again against what is now stored; if that keeps happening, each document goes
//! through [`Hub::submit`] on its own.
//!
//! A batch's chunk ([`Hub::store_chunk`]) also records its results and renews the
//! worker's lease in that transaction: one commit per chunk, and a chunk is stored
//! with its results or not at all (a worker that lost its claim stores nothing).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::submit::{ATTEMPTS, Facts};
use super::{Hub, HubError, Receipt, new_id, now};
use crate::identifiers::Matricule;
use crate::ingest::admission::{self, Context};
use crate::ingest::{self, Outcome};
use crate::lifecycle::Status;
use crate::lifecycle::chain::{GENESIS, sha256_hex};
use crate::routing::OutgoingMessage;
use crate::storage::batches::{BatchClaim, DocumentOutcome, DocumentResult, LeaseLost};
use crate::storage::submissions::NewSubmission;
use crate::storage::{InvoiceRecord, StatusRecord};

/// One document to submit, with its idempotency key.
#[derive(Clone, Debug)]
pub struct Submission {
    pub document: Vec<u8>,
    pub idempotency_key: String,
}

/// A document hashed, validated and read, waiting to be decided against storage.
pub struct Prepared {
    document: Vec<u8>,
    key: String,
    sha256: String,
    outcome: Outcome,
    facts: Facts,
}

/// One answer of [`Hub::store_many`]: the receipt, or why the document was refused.
pub type Answer = Result<Receipt, HubError>;

/// A batch's part in the transaction of one of its chunks (see [`Hub::store_chunk`]).
pub struct BatchProgress<'a> {
    pub claim: &'a BatchClaim,
    /// The claim is renewed for this long from the chunk's transaction.
    pub lease: Duration,
    /// (position, name) of each prepared document, in order.
    pub submitted: &'a [(usize, String)],
    /// Results of the chunk's entries that never reached the hub (unreadable).
    pub refused: &'a [DocumentResult],
}

impl BatchProgress<'_> {
    /// Every result of the chunk, by position.
    fn results(&self, answers: &[Answer]) -> Vec<DocumentResult> {
        let mut results = self.refused.to_vec();
        results.extend(
            self.submitted
                .iter()
                .zip(answers)
                .map(|((position, name), answer)| result_of(*position, name, answer)),
        );
        results.sort_by_key(|r| r.position);
        results
    }
}

/// A batch document's result from the hub's answer: its receipt, or why the hub
/// refused it. (A storage failure never gets here: it stops the chunk, to be retried.)
fn result_of(position: usize, name: &str, answer: &Answer) -> DocumentResult {
    let (outcome, receipt, error) = match answer {
        Ok(receipt) if receipt.status == Status::Rejected => {
            (DocumentOutcome::Rejected, Some(receipt), None)
        }
        Ok(receipt) => (DocumentOutcome::Accepted, Some(receipt), None),
        Err(refusal) => (DocumentOutcome::Refused, None, Some(refusal.to_string())),
    };
    DocumentResult {
        position,
        name: name.to_string(),
        outcome,
        invoice_id: receipt.map(|r| r.invoice_id.clone()),
        status: receipt.map(|r| r.status.code()),
        reasons: receipt.map(|r| r.reasons.clone()).unwrap_or_default(),
        error,
    }
}

/// The document hashes and uniqueness keys of a chunk: what a later chunk's answers
/// may depend on (a repeat answers with the first receipt, a taken key is a DOUBLON).
/// Two chunks whose keys do not overlap can be decided and stored at once.
#[derive(Debug, Default)]
pub struct ChunkKeys(HashSet<String>);

impl ChunkKeys {
    pub fn of(prepared: &[Prepared]) -> ChunkKeys {
        let mut keys = HashSet::with_capacity(prepared.len() * 2);
        for p in prepared {
            keys.insert(format!("d:{}", p.sha256));
            if let Some(key) = &p.facts.uniqueness {
                keys.insert(format!("u:{key}"));
            }
        }
        ChunkKeys(keys)
    }

    pub fn overlaps(&self, other: &ChunkKeys) -> bool {
        let (small, large) = if self.0.len() <= other.0.len() {
            (&self.0, &other.0)
        } else {
            (&other.0, &self.0)
        };
        small.iter().any(|k| large.contains(k))
    }
}

/// How one attempt at storing a chunk ended.
enum Attempt {
    /// The answers, and the batch's results recorded with them.
    Stored(Vec<Answer>, Vec<DocumentResult>),
    /// A unique key was taken meanwhile: rolled back, to be decided again.
    Raced,
    LeaseLost,
}

/// What one document of a chunk becomes before it is stored.
struct Fresh {
    record: InvoiceRecord,
    first: StatusRecord,
    delivery: Option<OutgoingMessage>,
    /// Index of its document among the prepared ones.
    index: usize,
}

impl Hub {
    /// Hashes and validates `submissions` on the blocking pool, one group per core.
    pub async fn prepare_many(
        &self,
        submissions: Vec<Submission>,
    ) -> Result<Vec<Prepared>, HubError> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let per_group = submissions.len().div_ceil(cores).max(1);
        let mut groups = Vec::new();
        let mut rest = submissions;
        while !rest.is_empty() {
            let tail = rest.split_off(per_group.min(rest.len()));
            let group = std::mem::replace(&mut rest, tail);
            let options = self.options.clone();
            groups.push(tokio::task::spawn_blocking(move || {
                group
                    .into_iter()
                    .map(|s| {
                        let sha256 = sha256_hex(&s.document);
                        let outcome = ingest::ingest(&s.document, &options);
                        let facts = Facts::of(&s.document, &outcome);
                        Prepared {
                            document: s.document,
                            key: s.idempotency_key,
                            sha256,
                            outcome,
                            facts,
                        }
                    })
                    .collect::<Vec<_>>()
            }));
        }
        let mut prepared = Vec::new();
        for group in groups {
            let done = group
                .await
                .map_err(|e| HubError::Internal(format!("validation task failed: {e}")))?;
            prepared.extend(done);
        }
        Ok(prepared)
    }

    /// Decides and stores `prepared` (from `sender`) in one transaction. The outer
    /// error is storage's (nothing was stored); inside, one answer per document, in
    /// order: its receipt, or why it was refused (an idempotency key reused for other
    /// bytes).
    pub async fn store_many(
        &self,
        sender: Matricule,
        prepared: Vec<Prepared>,
    ) -> Result<Vec<Answer>, HubError> {
        match self.decide_and_store(sender, prepared, None).await? {
            Ok((answers, _)) => Ok(answers),
            Err(LeaseLost) => Err(HubError::Internal(
                "no batch claim, yet its lease was lost".into(),
            )),
        }
    }

    /// [`Hub::store_many`] for a batch's chunk: its results (`progress`) are recorded
    /// and the claim renewed in the transaction that stores the documents. Returns the
    /// results recorded, or [`LeaseLost`] when the claim is no longer this worker's
    /// (nothing was stored).
    pub async fn store_chunk(
        &self,
        sender: Matricule,
        prepared: Vec<Prepared>,
        progress: &BatchProgress<'_>,
    ) -> Result<Result<Vec<DocumentResult>, LeaseLost>, HubError> {
        Ok(self
            .decide_and_store(sender, prepared, Some(progress))
            .await?
            .map(|(_, results)| results))
    }

    async fn decide_and_store(
        &self,
        sender: Matricule,
        prepared: Vec<Prepared>,
        progress: Option<&BatchProgress<'_>>,
    ) -> Result<Result<(Vec<Answer>, Vec<DocumentResult>), LeaseLost>, HubError> {
        for _ in 0..ATTEMPTS {
            match self.try_store_many(sender, &prepared, progress).await? {
                Attempt::Stored(answers, results) => {
                    self.metrics.received.add(answers.len() as u64);
                    for receipt in answers.iter().flatten() {
                        self.count_outcome(receipt);
                    }
                    return Ok(Ok((answers, results)));
                }
                Attempt::LeaseLost => return Ok(Err(LeaseLost)),
                Attempt::Raced => {}
            }
        }
        // Concurrent submissions kept taking this chunk's keys: one by one, each with
        // its own retries, then the results on their own (a crash in between leaves
        // documents without results: they are answered with their first receipts when
        // the batch is resumed).
        let mut answers = Vec::with_capacity(prepared.len());
        for p in prepared {
            match self.submit(p.document, sender, Some(&p.key)).await {
                Err(HubError::Storage(e)) => return Err(HubError::Storage(e)),
                answer => answers.push(answer),
            }
        }
        let Some(progress) = progress else {
            return Ok(Ok((answers, Vec::new())));
        };
        let results = progress.results(&answers);
        match self
            .db
            .record_batch_results(progress.claim, &results, progress.lease)
            .await?
        {
            Ok(()) => Ok(Ok((answers, results))),
            Err(LeaseLost) => Ok(Err(LeaseLost)),
        }
    }

    /// One attempt, in one transaction.
    async fn try_store_many(
        &self,
        sender: Matricule,
        prepared: &[Prepared],
        progress: Option<&BatchProgress<'_>>,
    ) -> Result<Attempt, HubError> {
        let mut tx = self.db.begin().await?;
        let keys: Vec<String> = prepared.iter().map(|p| p.key.clone()).collect();
        let mut hashes: Vec<String> = prepared.iter().map(|p| p.sha256.clone()).collect();
        hashes.sort_unstable();
        hashes.dedup();
        let uniqueness: Vec<String> = prepared
            .iter()
            .filter_map(|p| p.facts.uniqueness.clone())
            .collect();
        let found = tx
            .chunk_lookups(sender, &keys, &hashes, &uniqueness)
            .await?;
        let by_key: HashMap<String, InvoiceRecord> = found
            .by_key
            .into_iter()
            .filter_map(|r| r.idempotency_key.clone().map(|k| (k, r)))
            .collect();
        let by_document: HashMap<String, InvoiceRecord> = found
            .by_document
            .into_iter()
            .map(|r| (r.sha256.clone(), r))
            .collect();
        let mut taken: HashSet<String> = found.taken.into_iter().collect();

        let today = self.today_date()?;
        let now = now();
        let mut answers = Vec::with_capacity(prepared.len());
        let mut fresh: Vec<Fresh> = Vec::new();
        // Documents of this chunk by hash: a later copy answers with the first receipt.
        let mut in_chunk: HashMap<&str, usize> = HashMap::new();
        for (index, p) in prepared.iter().enumerate() {
            if let Some(first) = by_key.get(&p.key) {
                answers.push(if first.sha256 == p.sha256 {
                    Ok(Receipt::of(first, true))
                } else {
                    Err(HubError::IdempotencyKeyReused { key: p.key.clone() })
                });
                continue;
            }
            if let Some(first) = by_document.get(&p.sha256) {
                answers.push(Ok(Receipt::of(first, true)));
                continue;
            }
            if let Some(&earlier) = in_chunk.get(p.sha256.as_str()) {
                answers.push(Ok(Receipt::of(&fresh[earlier].record, true)));
                continue;
            }
            let recipient = self.recipient_of(&p.facts);
            let context = Context {
                today,
                duplicate: p
                    .facts
                    .uniqueness
                    .as_ref()
                    .is_some_and(|k| taken.contains(k)),
                recipient_known: p.outcome.invoice.as_ref().map(|_| recipient.is_some()),
            };
            let decision =
                admission::decide(p.outcome.invoice.as_ref(), &p.outcome.report, &context);
            let record = p.facts.record(
                new_id("")?,
                &p.sha256,
                sender,
                &decision,
                recipient,
                Some(&p.key),
            );
            if let Some(key) = &record.uniqueness_key {
                taken.insert(key.clone());
            }
            let delivery = if decision.status == Status::Deposited {
                Some(p.facts.message(&record, &p.document)?)
            } else {
                None
            };
            let mut first = StatusRecord {
                invoice_id: record.id.clone(),
                seq: 1,
                status: decision.status.code(),
                reasons: decision.reasons(),
                comment: None,
                set_by: sender.value(),
                recorded_at: now.clone(),
                prev_hash: GENESIS.to_string(),
                hash: String::new(),
            };
            first.hash = first.link(&p.sha256).hash();
            answers.push(Ok(Receipt::of(&record, false)));
            in_chunk.insert(p.sha256.as_str(), fresh.len());
            fresh.push(Fresh {
                record,
                first,
                delivery,
                index,
            });
        }
        let chunk: Vec<NewSubmission> = fresh
            .iter()
            .map(|f| NewSubmission {
                record: &f.record,
                document: &prepared[f.index].document,
                first: &f.first,
                delivery: f.delivery.as_ref(),
            })
            .collect();
        if !tx.insert_submissions(&chunk, &now).await? {
            // Dropping the transaction rolls it back.
            return Ok(Attempt::Raced);
        }
        let results = match progress {
            Some(progress) => {
                // Last, so that the batch's row is locked only from here to the commit:
                // the next chunk's transaction can do all its work meanwhile and then
                // waits here for this one to commit (chunks commit in order).
                if tx
                    .renew_batch_lease(progress.claim, progress.lease)
                    .await?
                    .is_err()
                {
                    // Dropping the transaction rolls it back.
                    return Ok(Attempt::LeaseLost);
                }
                let results = progress.results(&answers);
                tx.insert_batch_results(progress.claim, &results).await?;
                results
            }
            None => Vec::new(),
        };
        tx.commit().await?;
        Ok(Attempt::Stored(answers, results))
    }
}
