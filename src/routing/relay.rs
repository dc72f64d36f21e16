//! The outbox relay: takes what storage committed to the outbox and gets it confirmed
//! by the broker, whatever happens to the broker in between.
//!
//! Storage writes the invoice and its outbox row in one transaction; this relay then
//! loops: claim a batch, publish it within the confirm window, mark the confirmed
//! items published (the hub records status 201 "Émise" in that same call), and
//! reschedule the others: returned or nacked ones with exponential backoff and jitter,
//! ones whose confirm was lost at once, without counting an attempt (the broker, not
//! the message, failed). A round's outcomes are recorded while the next round is
//! claimed and published: the database and the broker work at the same time.
//!
//! It is also the supervisor of its connection. lapin's automatic recovery is not used
//! for delivery: when the connection or channel fails, the relay connects again with
//! backoff, declares the topology again (a restarted broker may have lost it), opens a
//! new channel in confirm mode, and carries on. The items it had not seen confirmed are
//! simply claimed again: delivery is at-least-once and consumers deduplicate by
//! `message_id`. While the broker is down the outbox keeps everything.

use std::future::Future;
use std::time::{Duration, SystemTime};

use lapin::Connection;
use tokio::sync::watch;

use super::RoutingError;
use super::backoff::{Backoff, Shutdown};
use super::connection::{ConnectionConfig, close_bounded, connect};
use super::message::OutgoingMessage;
use super::publisher::{Outcome, Publisher, PublisherConfig};
use super::topology::Topology;

/// One outbox row, as claimed.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxItem {
    /// The outbox key (a row id), not the message id.
    pub id: i64,
    /// When the row was written (the invoice accepted), if known: the start of the
    /// delivery latency.
    pub enqueued_at: Option<SystemTime>,
    /// Broker refusals so far (returned or nacked); lost confirms do not count.
    pub attempts: u32,
    pub message: OutgoingMessage,
}

/// The outbox, as the relay needs it. Storage implements it for SQLite and PostgreSQL.
///
/// Contract:
/// - `claim(limit)` returns at most `limit` items that are not published and whose
///   `not_before` has passed, oldest first, and leases them to the caller: no other
///   claim, by this relay or another one, returns them until the lease expires or
///   `schedule_retry` releases them. The lease (a few minutes, longer than a batch ever
///   takes) is what brings items back after a relay crashed between publishing and
///   marking; those are then published twice, which at-least-once allows.
/// - `mark_published(ids, at)` makes the items final: never claimed again. It is
///   idempotent. For an invoice item the hub records status 201 in the same
///   transaction, so 201 exists exactly when the broker confirmed.
/// - `schedule_retry(id, not_before, attempts, last_error)` ends the lease; the item
///   may be claimed again from `not_before`, and the attempt count and error are kept
///   for operators (`last_error` holds no secret: broker replies and reasons only).
pub trait OutboxStore: Send + Sync {
    type Error: std::error::Error + Send + Sync + 'static;

    fn claim(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<OutboxItem>, Self::Error>> + Send;

    fn mark_published(
        &self,
        ids: &[i64],
        at: SystemTime,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;

    fn schedule_retry(
        &self,
        id: i64,
        not_before: SystemTime,
        attempts: u32,
        last_error: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// The hub shares its store between the relay and the API: an `Arc` of a store is one.
impl<S: OutboxStore> OutboxStore for std::sync::Arc<S> {
    type Error = S::Error;

    fn claim(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<OutboxItem>, Self::Error>> + Send {
        S::claim(self, limit)
    }

    fn mark_published(
        &self,
        ids: &[i64],
        at: SystemTime,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        S::mark_published(self, ids, at)
    }

    fn schedule_retry(
        &self,
        id: i64,
        not_before: SystemTime,
        attempts: u32,
        last_error: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        S::schedule_retry(self, id, not_before, attempts, last_error)
    }
}

/// Relay settings.
#[derive(Clone, Debug)]
pub struct RelayConfig {
    pub connection: ConnectionConfig,
    /// Most items claimed (and published) per round.
    pub batch_size: usize,
    /// Most publishes awaiting a confirm at once.
    pub window: usize,
    pub confirm_timeout: Duration,
    /// How long to wait when the outbox had nothing to claim.
    pub idle_poll: Duration,
    /// Delay before an item the broker returned or nacked is tried again.
    pub retry: Backoff,
    /// Delay between connection attempts while the broker is unreachable.
    pub reconnect: Backoff,
}

impl RelayConfig {
    pub fn new(connection: ConnectionConfig) -> Self {
        RelayConfig {
            connection,
            batch_size: 1024,
            window: 1024,
            confirm_timeout: Duration::from_secs(30),
            idle_poll: Duration::from_millis(200),
            retry: Backoff::new(Duration::from_secs(1), Duration::from_secs(300)),
            reconnect: Backoff::new(Duration::from_millis(200), Duration::from_secs(30)),
        }
    }
}

/// Counters of one `run`, for logs and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RelayStats {
    pub confirmed: u64,
    pub returned: u64,
    pub nacked: u64,
    pub lost: u64,
    /// Sessions opened (1 without any failure).
    pub sessions: u64,
    pub store_errors: u64,
}

/// The relay over one outbox store.
pub struct Relay<S> {
    config: RelayConfig,
    store: S,
    /// The topology to declare; the hub sends a new one when platforms change.
    topology: watch::Receiver<Topology>,
    /// Items the broker confirmed whose marking failed (the database was away), with
    /// the time of their confirm. They are marked before anything else is claimed, so
    /// a database outage does not leave them leased, and published again, for the
    /// whole lease. (Several when a round published meanwhile fails too.)
    unmarked: Vec<(Vec<i64>, SystemTime)>,
}

/// A connection with its topology declared and a publisher in confirm mode.
struct Session {
    connection: Connection,
    publisher: Publisher,
}

impl<S: OutboxStore> Relay<S> {
    pub fn new(config: RelayConfig, store: S, topology: watch::Receiver<Topology>) -> Self {
        Relay {
            config,
            store,
            topology,
            unmarked: Vec::new(),
        }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Runs until `shutdown`. A batch in progress is finished (its confirms awaited and
    /// recorded) before stopping, so nothing confirmed is left unmarked.
    pub async fn run(&mut self, mut shutdown: Shutdown) -> RelayStats {
        let mut stats = RelayStats::default();
        let mut failures = 0u32;
        while !shutdown.is_requested() {
            let mut session = match self.open_session().await {
                Ok(session) => session,
                Err(error) => {
                    failures = failures.saturating_add(1);
                    let delay = self.config.reconnect.delay(failures);
                    tracing::warn!(
                        error = &error as &dyn std::error::Error,
                        failures,
                        delay_ms = delay.as_millis() as u64,
                        "broker unavailable, outbox keeps the messages"
                    );
                    shutdown.sleep(delay).await;
                    continue;
                }
            };
            failures = 0;
            stats.sessions += 1;
            tracing::info!(session = stats.sessions, "relay session open");
            self.serve(&mut session, &mut shutdown, &mut stats).await;
            close_bounded(&session.connection, "relay stopping").await;
        }
        // A last try; what still fails is covered by the lease.
        self.mark_unmarked(&mut stats).await;
        tracing::info!(?stats, "relay stopped");
        stats
    }

    async fn open_session(&mut self) -> Result<Session, RoutingError> {
        let connection = connect(&self.config.connection).await?;
        let topology = self.topology.borrow_and_update().clone();
        topology.declare(&connection).await?;
        let mut publisher = PublisherConfig::new(topology.names.invoices_exchange());
        publisher.window = self.config.window;
        publisher.confirm_timeout = self.config.confirm_timeout;
        let publisher = Publisher::open(&connection, &publisher).await?;
        Ok(Session {
            connection,
            publisher,
        })
    }

    /// Claims and publishes until the session breaks or shutdown is requested. A
    /// round's confirms are recorded while the next round is claimed and published
    /// (the two wait on different servers); its items stay leased meanwhile, so no
    /// other claim takes them.
    async fn serve(
        &mut self,
        session: &mut Session,
        shutdown: &mut Shutdown,
        stats: &mut RelayStats,
    ) {
        // The last round published, its outcomes not yet recorded.
        let mut published: Option<Round> = None;
        while !shutdown.is_requested() && session.publisher.is_usable() {
            if self.topology.has_changed().unwrap_or(false) {
                let topology = self.topology.borrow_and_update().clone();
                if let Err(error) = topology.declare(&session.connection).await {
                    tracing::warn!(
                        error = &error as &dyn std::error::Error,
                        "redeclaring the changed topology failed"
                    );
                    break;
                }
            }
            if !self.mark_unmarked(stats).await {
                // A round published meanwhile waits too: recorded once the store is back
                // (or when the session ends), its items still leased.
                shutdown.sleep(self.config.idle_poll).await;
                continue;
            }
            let Relay { store, config, .. } = &*self;
            let (next, unmarked) = tokio::join!(
                claim_and_publish(store, config.batch_size, &mut session.publisher),
                async {
                    match published.take() {
                        Some(round) => settle(store, &config.retry, round, stats).await,
                        None => None,
                    }
                },
            );
            self.unmarked.extend(unmarked);
            match next {
                Ok(Some(round)) => published = Some(round),
                Ok(None) => {
                    shutdown.sleep(self.config.idle_poll).await;
                }
                Err(error) => {
                    stats.store_errors += 1;
                    tracing::error!(
                        error = &error as &dyn std::error::Error,
                        "outbox claim failed"
                    );
                    shutdown.sleep(self.config.idle_poll).await;
                }
            }
        }
        // Nothing confirmed is left unrecorded when the session ends.
        if let Some(round) = published.take() {
            self.settle(round, stats).await;
        }
    }

    /// Marks the confirmed items a failed marking left behind; true when none is left.
    async fn mark_unmarked(&mut self, stats: &mut RelayStats) -> bool {
        while let Some((ids, confirmed_at)) = self.unmarked.pop() {
            match self.store.mark_published(&ids, confirmed_at).await {
                Ok(()) => {
                    stats.confirmed += ids.len() as u64;
                    tracing::info!(
                        count = ids.len(),
                        "confirmed messages marked published after a store failure"
                    );
                }
                Err(error) => {
                    stats.store_errors += 1;
                    tracing::warn!(
                        error = &error as &dyn std::error::Error,
                        count = ids.len(),
                        "marking confirmed messages still fails, claiming nothing until it works"
                    );
                    self.unmarked.push((ids, confirmed_at));
                    return false;
                }
            }
        }
        true
    }

    /// Records a round's outcomes; confirmed items whose marking fails are kept to be
    /// marked before the next claim.
    async fn settle(&mut self, round: Round, stats: &mut RelayStats) {
        let unmarked = settle(&self.store, &self.config.retry, round, stats).await;
        self.unmarked.extend(unmarked);
    }
}

/// One claim's items and what the broker answered for each.
struct Round {
    items: Vec<OutboxItem>,
    outcomes: Vec<Outcome>,
    claim_ms: u64,
    publish_ms: u64,
}

/// Claims up to `limit` items and publishes them; `None` when there was nothing.
async fn claim_and_publish<S: OutboxStore>(
    store: &S,
    limit: usize,
    publisher: &mut Publisher,
) -> Result<Option<Round>, S::Error> {
    let claiming = std::time::Instant::now();
    let items = store.claim(limit).await?;
    if items.is_empty() {
        return Ok(None);
    }
    let claim_ms = claiming.elapsed().as_millis() as u64;
    let publishing = std::time::Instant::now();
    let outcomes = publisher
        .publish_batch(items.iter().map(|item| &item.message))
        .await;
    Ok(Some(Round {
        items,
        outcomes,
        claim_ms,
        publish_ms: publishing.elapsed().as_millis() as u64,
    }))
}

/// Records each outcome of a round in the outbox. Returns the confirmed items whose
/// marking failed, with the time of their confirm.
async fn settle<S: OutboxStore>(
    store: &S,
    retry: &Backoff,
    round: Round,
    stats: &mut RelayStats,
) -> Option<(Vec<i64>, SystemTime)> {
    let settling = std::time::Instant::now();
    let Round {
        items,
        outcomes,
        claim_ms,
        publish_ms,
    } = round;
    let now = SystemTime::now();
    let mut confirmed = Vec::with_capacity(items.len());
    let mut lost = 0usize;
    for (item, outcome) in items.iter().zip(outcomes) {
        let (not_before, attempts, error) = match outcome {
            Outcome::Confirmed => {
                confirmed.push(item.id);
                continue;
            }
            Outcome::Returned {
                reply_code,
                reply_text,
            } => {
                stats.returned += 1;
                let attempts = item.attempts.saturating_add(1);
                let error = format!("returned by the broker: {reply_code} {reply_text}");
                (now + retry.delay(attempts), attempts, error)
            }
            Outcome::Nacked => {
                stats.nacked += 1;
                let attempts = item.attempts.saturating_add(1);
                let error = "nacked by the broker".to_owned();
                (now + retry.delay(attempts), attempts, error)
            }
            Outcome::ConnectionLost { reason } => {
                // One event per round below: a lost connection loses a whole window.
                stats.lost += 1;
                lost += 1;
                (now, item.attempts, format!("confirm lost: {reason}"))
            }
        };
        if attempts > item.attempts {
            tracing::warn!(
                outbox_id = item.id,
                message_id = item.message.id(),
                platform = %item.message.platform(),
                attempts,
                error,
                "message refused by the broker, retry scheduled"
            );
        }
        if let Err(store_error) = store
            .schedule_retry(item.id, not_before, attempts, &error)
            .await
        {
            // The lease will expire and the item come back: nothing is lost.
            stats.store_errors += 1;
            tracing::error!(
                error = &store_error as &dyn std::error::Error,
                outbox_id = item.id,
                "outbox reschedule failed"
            );
        }
    }
    if lost > 0 {
        tracing::warn!(
            count = lost,
            "confirms lost with the connection, messages released for publishing again"
        );
    }
    let unmarked = if confirmed.is_empty() {
        None
    } else {
        match store.mark_published(&confirmed, now).await {
            Ok(()) => {
                stats.confirmed += confirmed.len() as u64;
                None
            }
            Err(error) => {
                // The broker has them. Kept to be marked before the next claim; if this
                // process stops first, the lease expires and they are published again,
                // deduplicated by consumers. Better twice than never.
                stats.store_errors += 1;
                tracing::error!(
                    error = &error as &dyn std::error::Error,
                    count = confirmed.len(),
                    "marking confirmed messages failed, kept to be marked again"
                );
                Some((confirmed, now))
            }
        }
    };
    tracing::debug!(
        items = items.len(),
        claim_ms,
        publish_ms,
        settle_ms = settling.elapsed().as_millis() as u64,
        "relay round: claimed, published, confirms recorded"
    );
    unmarked
}
