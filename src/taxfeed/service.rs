//! The feed as a service: objects go in ([`TaxFeed::enqueue_invoice`],
//! [`TaxFeed::enqueue_status`], [`TaxFeed::enqueue_f10`]), are packed into flows by the
//! [`Batcher`](super::flow::Batcher) ([`TaxFeed::pack`]), pushed with retries
//! ([`TaxFeed::push_due`]) and acknowledged; [`TaxFeed::run`] loops over both.
//!
//! Every step goes through storage first: an object is stored before anything is
//! built from it, a flow (name and exact bytes) is stored before its first attempt,
//! and an acknowledgement is recorded in one transaction. A crash at any point leaves
//! a state the next run continues from; a flow re-sent after a crash carries the same
//! id, which the receiver deduplicates.
//!
//! The clock is the edge: the service reads the system time once per step and passes
//! it down, so the pure parts (batcher, deadlines, backoff) stay testable.

use std::future::Future;
use std::time::Duration;

use super::f1::{self, F1Syntax, Profile};
use super::f6::{self, StatusEvent};
use super::f10::{Transmission, VatRegime};
use super::flow::{BatchPolicy, Batcher, FlowError, FlowName, FlowObject, InterfaceCode};
use super::transport::{PushError, RetryPolicy, Transport, jitter};
use super::{Instant, ObjectId, Platform, ack};
use crate::invoice::Invoice;
use crate::storage::taxfeed::{Backlog, ClaimedFlow, Enqueued, RecordedAck};
use crate::storage::{Db, StorageError};

/// The interfaces facteur sends on, in packing order.
pub const INTERFACES: [InterfaceCode; 4] = [
    InterfaceCode::F1Ubl,
    InterfaceCode::F1Cii,
    InterfaceCode::F6Invoice,
    InterfaceCode::F10,
];

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("{0}")]
    Storage(#[from] StorageError),
    #[error("F1 extract: {0}")]
    F1(#[from] f1::F1Error),
    #[error("F6 message: {0}")]
    F6(#[from] f6::F6Error),
    #[error("F10 transmission: {0}")]
    F10(#[from] super::f10::F10Error),
    #[error("flow: {0}")]
    Flow(#[from] FlowError),
    #[error("object {id}: {problem}")]
    Object { id: ObjectId, problem: String },
    #[error("no tax-administration endpoint configured (FACTEUR_TAX_URL)")]
    NoEndpoint,
}

/// How the feed runs.
#[derive(Clone, Debug)]
pub struct FeedConfig {
    pub platform: Platform,
    /// The F1 profiles extracted for every domestic invoice: Base during the start
    /// trajectory, Full in the target one (both while a pilot compares them).
    pub f1_profiles: Vec<Profile>,
    pub batch: BatchPolicy,
    pub retry: RetryPolicy,
    /// How long a claimed flow is reserved for one pusher; past it, a pusher that died
    /// mid-push has its flow taken over. Longer than the transport's request timeout.
    pub lease: Duration,
    /// Flows claimed per round.
    pub claim_limit: u32,
    /// This pusher's name in the leases (host and process id by default).
    pub pusher_id: String,
    /// Sleep between rounds of [`TaxFeed::run`] when there is nothing to do.
    pub poll: Duration,
    /// Status records the follower reads, extracts and stores per transaction.
    pub follow_page: u32,
    /// The VAT regime (hence the e-reporting periods) of a declarant nobody stated
    /// one for (`taxfeed_declarants`).
    pub default_regime: VatRegime,
}

impl FeedConfig {
    pub fn new(platform: Platform) -> FeedConfig {
        FeedConfig {
            platform,
            f1_profiles: vec![Profile::Base],
            batch: BatchPolicy::default(),
            retry: RetryPolicy::default(),
            lease: Duration::from_secs(300),
            claim_limit: 16,
            pusher_id: format!("pusher-{}", std::process::id()),
            poll: Duration::from_secs(1),
            follow_page: 500,
            default_regime: super::ereporting::DEFAULT_REGIME,
        }
    }
}

/// What one push round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PushStats {
    pub attempted: usize,
    pub acknowledged: usize,
    pub failed: usize,
}

/// When to pack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackMode {
    /// Only the flows the batch policy closes now (full, old, or due).
    Due,
    /// Everything pending (an explicit `push`, a shutdown).
    All,
}

/// Refuses an object no flow could carry (empty, or over a flow file's size).
pub fn check_object(object: &FlowObject) -> Result<(), FeedError> {
    let size = object.content.len() as u64;
    if size == 0 || size > super::flow::MAX_FILE_BYTES {
        return Err(FeedError::Object {
            id: object.id.clone(),
            problem: format!("{size} bytes: a flow file must hold 1 byte to 100 MB"),
        });
    }
    Ok(())
}

/// The system clock as a tax-feed instant.
pub fn now() -> Instant {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Instant::from_unix_seconds(i64::try_from(seconds).unwrap_or(i64::MAX))
}

pub struct TaxFeed {
    db: Db,
    config: FeedConfig,
    transport: Option<Transport>,
}

impl TaxFeed {
    /// A feed that stores and packs; pushing needs [`TaxFeed::with_transport`].
    pub fn new(db: Db, config: FeedConfig) -> TaxFeed {
        TaxFeed {
            db,
            config,
            transport: None,
        }
    }

    pub fn with_transport(mut self, transport: Transport) -> TaxFeed {
        self.transport = Some(transport);
        self
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn config(&self) -> &FeedConfig {
        &self.config
    }

    /// Stores one object, refusing what no flow could carry.
    pub async fn enqueue_object(
        &self,
        object: &FlowObject,
        source: &str,
        now: Instant,
    ) -> Result<Enqueued, FeedError> {
        check_object(object)?;
        Ok(self.db.taxfeed_enqueue(object, source, now).await?)
    }

    /// An accepted domestic B2B invoice: its F1 files, one per configured profile, in
    /// the invoice's syntax, due 24 hours after its deposit (status 200). Nothing is
    /// stored when any profile cannot be extracted. The hub calls this for each
    /// accepted invoice through its follower ([`TaxFeed::follow`]), which stores a
    /// whole page of them per transaction.
    pub async fn enqueue_invoice(
        &self,
        invoice: &Invoice,
        syntax: F1Syntax,
        deposited_at: Instant,
        now: Instant,
    ) -> Result<Vec<(ObjectId, Enqueued)>, FeedError> {
        let files = self
            .config
            .f1_profiles
            .iter()
            .map(|profile| f1::extract(invoice, syntax, *profile))
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(files.len());
        for file in files {
            // The id is `F1/<profile>/<SIREN>/<year>/<number>`; without the profile it
            // is the invoice's uniqueness key (G1.45), which both profiles share.
            let source = format!("invoice:{}", file.id.0.splitn(3, '/').nth(2).unwrap_or(""));
            let object = FlowObject::f1(file, Some(deposited_at));
            let outcome = self.enqueue_object(&object, &source, now).await?;
            out.push((object.id, outcome));
        }
        Ok(out)
    }

    /// A mandatory status (200, 210, 212 when the VAT is due on payment, 213) as its
    /// CDAR message; any other status is refused by [`f6::message`].
    pub async fn enqueue_status(
        &self,
        event: &StatusEvent,
        vat_on_payment: bool,
        now: Instant,
    ) -> Result<(ObjectId, Enqueued), FeedError> {
        let message = f6::message(&self.config.platform, event, vat_on_payment)?;
        let source = format!(
            "invoice:{}/{}/{}",
            event.invoice.seller_siren.as_str(),
            event.invoice.issue_date.year,
            event.invoice.number
        );
        let object = FlowObject::f6(message);
        let outcome = self.enqueue_object(&object, &source, now).await?;
        Ok((object.id, outcome))
    }

    /// An F10 transmission (international B2B, B2C aggregates, payments), from the
    /// invoices the hub sees or from a platform's submission (`source` names it).
    pub async fn enqueue_f10(
        &self,
        transmission: &Transmission,
        due_at: Option<Instant>,
        source: &str,
        now: Instant,
    ) -> Result<(ObjectId, Enqueued), FeedError> {
        let file = transmission.to_file()?;
        let object = FlowObject::f10(file, due_at);
        let outcome = self.enqueue_object(&object, source, now).await?;
        Ok((object.id, outcome))
    }

    /// Packs pending objects into flows: per interface, in one transaction that locks
    /// the interface's sequence, replays the pending objects through a [`Batcher`] at
    /// the times they were stored and keeps the batches it closes by `now` (all of them
    /// with [`PackMode::All`]). Returns the new flows' ids.
    pub async fn pack(&self, now: Instant, mode: PackMode) -> Result<Vec<String>, FeedError> {
        let mut flows = Vec::new();
        for interface in INTERFACES {
            let mut tx = self.db.begin().await?;
            let mut sequence = tx.taxfeed_lock_interface(interface).await?;
            let pending = tx.taxfeed_pending(interface).await?;
            if pending.is_empty() {
                tx.commit().await?;
                continue;
            }
            let mut batcher = Batcher::new(self.config.batch);
            let mut batches = Vec::new();
            for p in pending {
                batches.extend(batcher.push(p.object, p.enqueued_at)?);
            }
            batches.extend(match mode {
                PackMode::Due => batcher.poll(now),
                PackMode::All => batcher.flush(),
            });
            for batch in batches {
                let name = FlowName {
                    interface,
                    application_code: self.config.platform.application_code,
                    sequence,
                };
                let flow = super::flow::package(name, &batch.objects)?;
                tx.taxfeed_insert_flow(&name, &flow.archive, &flow.objects, now)
                    .await?;
                tracing::info!(
                    flow = %name, objects = flow.objects.len(), bytes = flow.archive.len(),
                    reason = ?batch.reason, "tax flow packed"
                );
                flows.push(name.flow_id());
                sequence += 1;
            }
            tx.commit().await?;
        }
        Ok(flows)
    }

    /// Pushes the flows due now, each once, up to `claim_limit` of them: claims one
    /// flow at a time (so a lease only has to cover one attempt), pushes it, records
    /// the acknowledgement, or the failure and the next attempt's time.
    pub async fn push_due(&self) -> Result<PushStats, FeedError> {
        let transport = self.transport.as_ref().ok_or(FeedError::NoEndpoint)?;
        let lease = i64::try_from(self.config.lease.as_secs()).unwrap_or(i64::MAX);
        let mut stats = PushStats::default();
        for _ in 0..self.config.claim_limit {
            let started = now();
            let Some(flow) = self
                .db
                .taxfeed_claim(
                    &self.config.pusher_id,
                    started,
                    started.plus_seconds(lease),
                    1,
                )
                .await?
                .pop()
            else {
                break;
            };
            stats.attempted += 1;
            match self.attempt(transport, flow.clone()).await {
                Ok(recorded) => {
                    self.db.taxfeed_record_ack(&recorded, now()).await?;
                    tracing::info!(flow = %flow.file_name, status = recorded.status, attempts = flow.attempts, "tax flow acknowledged");
                    stats.acknowledged += 1;
                }
                Err(error) => {
                    self.record_failure(&flow.flow_id, flow.attempts, &error)
                        .await?;
                    stats.failed += 1;
                }
            }
        }
        Ok(stats)
    }

    /// One attempt: the push, and the acknowledgement read against the flow's objects.
    async fn attempt(
        &self,
        transport: &Transport,
        flow: ClaimedFlow,
    ) -> Result<RecordedAck, PushError> {
        let files: Vec<String> = flow.objects.iter().map(|(_, f)| f.clone()).collect();
        let delivered = transport
            .push(&flow.flow_id, &flow.file_name, flow.archive)
            .await?;
        let outcomes = ack::outcomes(&delivered.ack, &flow.flow_id, flow.interface, &files)?;
        let reasons = &delivered.ack.reasons;
        Ok(RecordedAck {
            flow_id: flow.flow_id,
            status: delivered.ack.status,
            reasons: (!reasons.is_empty()).then(|| {
                reasons
                    .iter()
                    .map(|r| r.code.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
            document: delivered.document,
            objects: outcomes,
        })
    }

    async fn record_failure(
        &self,
        flow_id: &str,
        attempts: u32,
        error: &PushError,
    ) -> Result<(), FeedError> {
        let delay = self
            .config
            .retry
            .delay(attempts, error.retry_after(), jitter());
        // Instants are whole seconds: round up so a delay is never shortened.
        let seconds = i64::try_from(delay.as_secs() + u64::from(delay.subsec_nanos() > 0))
            .unwrap_or(i64::MAX);
        let next = now().plus_seconds(seconds);
        tracing::warn!(flow = flow_id, attempts, retry_in_s = seconds, error = %error, "tax flow push failed");
        self.db
            .taxfeed_record_failure(flow_id, &self.config.pusher_id, &error.to_string(), next)
            .await?;
        Ok(())
    }

    /// One round: follow the hub, send the closed e-reporting periods, pack what is
    /// due, push what is due.
    pub async fn round(&self, mode: PackMode) -> Result<PushStats, FeedError> {
        self.follow_and_transmit().await?;
        self.pack(now(), mode).await?;
        self.push_due().await
    }

    /// Rounds until `shutdown` resolves; a round that fails (database down) is logged
    /// and retried after the poll interval, since the state is all in storage.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) -> Result<(), FeedError> {
        tokio::pin!(shutdown);
        loop {
            let busy = match self.round(PackMode::Due).await {
                Ok(stats) => stats.attempted > 0,
                Err(e) => {
                    tracing::error!(error = %e, "tax feed round failed");
                    false
                }
            };
            // Right after a busy round there may be more flows due: go again at once.
            let pause = if busy {
                Duration::ZERO
            } else {
                self.config.poll
            };
            tokio::select! {
                _ = &mut shutdown => return Ok(()),
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }

    pub async fn backlog(&self) -> Result<Backlog, FeedError> {
        Ok(self.db.taxfeed_backlog().await?)
    }
}
