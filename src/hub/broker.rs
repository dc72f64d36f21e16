//! Delivery through RabbitMQ: the outbox relay (invoices and statuses to platform
//! queues) and the consumer of `facteur.statuses` (statuses platforms publish), run
//! for a hub. `facteur serve` starts this when `FACTEUR_AMQP_URL` is set; the
//! end-to-end tests start it the same way.
//!
//! A status read from `facteur.statuses` names its invoice (`x-facteur-invoice-id`).
//! The platform reporting it is the one the broker authenticated, never what a header
//! claims: each platform has its own broker user, named `platform-<matricule>`, allowed
//! to write only to the `facteur.statuses` exchange, and its messages carry the AMQP
//! `user_id` property, which RabbitMQ refuses unless it is the publishing
//! connection's user ("validated user-ID"). A status without `user_id`, from a user
//! that is not a platform's, or whose `x-facteur-sender-platform` header names another
//! platform than its user is parked with the reason. The handler records the status
//! as the HTTP endpoint does, with the same checks; a repeat (same `message_id`) is
//! recognised, so redeliveries are harmless.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{Hub, HubError, StatusInput};
use crate::identifiers::Matricule;
use crate::lifecycle::Status;
use crate::metrics::ServiceMetrics;
use crate::routing::consumer::ConsumerStats;
use crate::routing::message::header;
use crate::routing::{
    ConnectionConfig, ConsumerConfig, DeliveryHandler, Disposition, Incoming, Names, OutboxItem,
    OutboxStore, Relay, RelayConfig, RelayStats, ShutdownTrigger, Topology, run_status_consumer,
    shutdown_channel,
};
use crate::storage::{Db, RELAY_LEASE, StorageError};

/// The relay and the statuses consumer of one hub, running.
pub struct BrokerDelivery {
    db: Db,
    names: Names,
    topology: watch::Sender<Topology>,
    trigger: ShutdownTrigger,
    relay: JoinHandle<RelayStats>,
    consumer: JoinHandle<ConsumerStats>,
}

/// The topology for the platforms registered and active today.
async fn topology_of(db: &Db, names: &Names, hub: &Hub) -> Result<Topology, StorageError> {
    let today = hub.directory().today();
    let platforms = db
        .platforms()
        .await?
        .into_iter()
        .filter(|p| p.is_active_on(today))
        .map(|p| p.matricule);
    Ok(Topology::new(names.clone(), platforms))
}

/// The hub's outbox as the relay sees it: claims leased for `lease`, and each confirm
/// counted in the hub's metrics (routed, latency from acceptance to confirm).
struct MeteredOutbox {
    db: Db,
    lease: Duration,
    metrics: ServiceMetrics,
    /// When each claimed row was accepted, until it is settled.
    enqueued: Mutex<HashMap<i64, SystemTime>>,
}

impl MeteredOutbox {
    fn forget(&self, ids: &[i64]) -> Vec<SystemTime> {
        let mut enqueued = self.enqueued.lock().unwrap_or_else(|e| e.into_inner());
        ids.iter().filter_map(|id| enqueued.remove(id)).collect()
    }
}

impl OutboxStore for MeteredOutbox {
    type Error = StorageError;

    async fn claim(&self, limit: usize) -> Result<Vec<OutboxItem>, StorageError> {
        let items = self.db.claim_relay(limit, self.lease).await?;
        let mut enqueued = self.enqueued.lock().unwrap_or_else(|e| e.into_inner());
        for item in &items {
            if let Some(at) = item.enqueued_at {
                enqueued.insert(item.id, at);
            }
        }
        Ok(items)
    }

    async fn mark_published(&self, ids: &[i64], at: SystemTime) -> Result<(), StorageError> {
        // Counted once recorded: a confirm whose marking failed comes back and is
        // counted when it is finally recorded.
        self.db.mark_published(ids, at).await?;
        self.metrics.routed.add(ids.len() as u64);
        for enqueued in self.forget(ids) {
            let latency = at.duration_since(enqueued).unwrap_or_default();
            self.metrics.delivery_latency.observe(latency);
        }
        Ok(())
    }

    async fn schedule_retry(
        &self,
        id: i64,
        not_before: SystemTime,
        attempts: u32,
        last_error: &str,
    ) -> Result<(), StorageError> {
        // The next claim reads the acceptance time again.
        self.forget(&[id]);
        self.db
            .schedule_retry(id, not_before, attempts, last_error)
            .await
    }
}

impl BrokerDelivery {
    /// Starts the relay over the hub's outbox and the statuses consumer, its claims
    /// leased for [`RELAY_LEASE`].
    pub async fn start(
        hub: Arc<Hub>,
        connection: ConnectionConfig,
        names: Names,
        relay: RelayConfig,
    ) -> Result<BrokerDelivery, StorageError> {
        Self::start_leased(hub, connection, names, relay, RELAY_LEASE).await
    }

    /// [`BrokerDelivery::start`] with the relay's claims leased for `lease`: how long
    /// the rows an instance claimed just before it crashed wait for another instance.
    pub async fn start_leased(
        hub: Arc<Hub>,
        connection: ConnectionConfig,
        names: Names,
        relay: RelayConfig,
        lease: Duration,
    ) -> Result<BrokerDelivery, StorageError> {
        let db = hub.db().clone();
        let topology = topology_of(&db, &names, &hub).await?;
        let (topology_tx, topology_rx) = watch::channel(topology.clone());
        let (trigger, shutdown) = shutdown_channel();
        let outbox = MeteredOutbox {
            db: db.clone(),
            lease,
            metrics: hub.metrics().clone(),
            enqueued: Mutex::default(),
        };
        let mut relay = Relay::new(relay, outbox, topology_rx);
        let relay_shutdown = shutdown.clone();
        let relay = tokio::spawn(async move { relay.run(relay_shutdown).await });
        let consumer_config = ConsumerConfig::new(connection, topology);
        let handler = StatusHandler { hub: hub.clone() };
        let consumer =
            tokio::spawn(
                async move { run_status_consumer(&consumer_config, &handler, shutdown).await },
            );
        Ok(BrokerDelivery {
            db,
            names,
            topology: topology_tx,
            trigger,
            relay,
            consumer,
        })
    }

    /// Re-reads the registered platforms; the relay declares the queues of new ones.
    pub async fn refresh_platforms(&self, hub: &Hub) -> Result<(), StorageError> {
        let topology = topology_of(&self.db, &self.names, hub).await?;
        self.topology.send_if_modified(|current| {
            let changed = current.platforms != topology.platforms;
            if changed {
                *current = topology;
            }
            changed
        });
        Ok(())
    }

    /// Stops both, after the relay has settled the batch it was publishing.
    pub async fn stop(self) -> (RelayStats, ConsumerStats) {
        self.trigger.trigger();
        let relay = self.relay.await.unwrap_or_default();
        let consumer = self.consumer.await.unwrap_or_default();
        (relay, consumer)
    }
}

/// A status as JSON on `facteur.statuses` (content type `application/json`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusJson {
    status: Status,
    #[serde(default)]
    reasons: Vec<String>,
    comment: Option<String>,
}

/// The prefix of a platform's broker user: `platform-0002` publishes for platform 0002.
pub const PLATFORM_BROKER_USER_PREFIX: &str = "platform-";

/// The platform a status on `facteur.statuses` comes from: the one whose broker user
/// published it (`user_id`, checked by RabbitMQ). The sender header is optional, but
/// when present it must name that same platform: a mismatch is a forgery or a
/// misconfiguration, and either way not something to record.
pub fn authenticated_sender(
    user_id: Option<&str>,
    claimed: Option<&str>,
) -> Result<Matricule, String> {
    let user = user_id.ok_or(
        "no user_id property: the publishing platform is unknown (set user_id to the \
         connection's broker user, RabbitMQ checks it)",
    )?;
    let sender = user
        .strip_prefix(PLATFORM_BROKER_USER_PREFIX)
        .and_then(|matricule| Matricule::parse(matricule).ok())
        .ok_or_else(|| {
            format!(
                "broker user {user:?} is not a platform's (expected \
                 {PLATFORM_BROKER_USER_PREFIX}<matricule>)"
            )
        })?;
    if let Some(claimed) = claimed
        && claimed != sender.to_string()
    {
        return Err(format!(
            "{} {claimed:?} does not match the publishing broker user {user:?}",
            header::SENDER_PLATFORM
        ));
    }
    Ok(sender)
}

/// Records the statuses read from `facteur.statuses`.
pub struct StatusHandler {
    pub hub: Arc<Hub>,
}

impl StatusHandler {
    fn input(delivery: &Incoming) -> Result<(String, Matricule, StatusInput), String> {
        let invoice_id = delivery
            .headers
            .get(header::INVOICE_ID)
            .cloned()
            .ok_or_else(|| format!("no {} header", header::INVOICE_ID))?;
        let sender = authenticated_sender(
            delivery.user_id.as_deref(),
            delivery
                .headers
                .get(header::SENDER_PLATFORM)
                .map(String::as_str),
        )?;
        let json = delivery
            .content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json"));
        let mut input = if json {
            let body: StatusJson =
                serde_json::from_slice(&delivery.body).map_err(|e| format!("invalid JSON: {e}"))?;
            StatusInput::new(body.status, body.reasons, body.comment)
        } else {
            StatusInput::from_cdar(delivery.body.clone()).map_err(|e| e.to_string())?
        };
        if let Some(id) = &delivery.message_id {
            input.message_id = Some(id.clone());
        }
        Ok((invoice_id, sender, input))
    }
}

impl DeliveryHandler for StatusHandler {
    async fn handle(&self, delivery: Incoming) -> Disposition {
        let (invoice_id, sender, input) = match Self::input(&delivery) {
            Ok(parts) => parts,
            Err(reason) => {
                tracing::warn!(message_id = ?delivery.message_id, reason, "unreadable status, parked");
                return Disposition::Reject { requeue: false };
            }
        };
        match self.hub.record_status(&invoice_id, sender, input).await {
            Ok(_) => Disposition::Ack,
            // The database is the problem, not the message: try it again later.
            Err(HubError::Storage(error)) => {
                tracing::error!(
                    error = &error as &dyn std::error::Error,
                    "status not recorded, requeued"
                );
                Disposition::Reject { requeue: true }
            }
            Err(HubError::Conflict(_)) => Disposition::Reject { requeue: true },
            Err(refused) => {
                tracing::warn!(invoice_id, %sender, error = %refused, "status refused, parked");
                Disposition::Reject { requeue: false }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::authenticated_sender;

    #[test]
    fn the_sender_is_the_publishing_broker_user_not_the_header() {
        assert_eq!(
            authenticated_sender(Some("platform-0002"), None)
                .unwrap()
                .to_string(),
            "0002"
        );
        assert_eq!(
            authenticated_sender(Some("platform-0002"), Some("0002"))
                .unwrap()
                .to_string(),
            "0002"
        );
        let forged = authenticated_sender(Some("platform-0003"), Some("0002")).unwrap_err();
        assert!(
            forged.contains("\"0002\" does not match") && forged.contains("platform-0003"),
            "{forged}"
        );
        let anonymous = authenticated_sender(None, Some("0002")).unwrap_err();
        assert!(anonymous.contains("no user_id"), "{anonymous}");
        for user in [
            "guest",
            "platform-",
            "platform-12",
            "platform-00021",
            "0002",
        ] {
            let error = authenticated_sender(Some(user), None).unwrap_err();
            assert!(error.contains("is not a platform's"), "{user}: {error}");
        }
    }
}
