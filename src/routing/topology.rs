//! The AMQP topology facteur owns, declared at start-up and after every reconnect.
//!
//! ```text
//! facteur.invoices (direct) --<matricule>--> facteur.platform.<matricule> (quorum, bounded)
//!                                              | rejected / expired: dead-lettered
//!                                              v
//! facteur.dead (direct) -----<matricule>--> facteur.dead.<matricule>     (quorum, parking)
//!                     \------statuses-----> facteur.dead.statuses        (quorum, parking)
//! facteur.statuses (fanout) --------------> facteur.statuses            (quorum)
//! ```
//!
//! Platforms publish their statuses to the `facteur.statuses` exchange, not through the
//! default exchange: a broker user may then be given write access to that one exchange
//! (`^facteur\.statuses$`) and nothing else, whereas write access to the default
//! exchange would let it put messages in any queue, other platforms' included.
//!
//! Declaring is idempotent: the same names with the same arguments are a no-op for the
//! broker, so the supervisor simply declares everything again after a reconnect (a
//! broker that lost its definitions gets them back). Arguments never change between
//! two declarations of a queue: RabbitMQ refuses a redeclaration with other arguments
//! (406 PRECONDITION_FAILED) and closes the channel, so a change of queue arguments is
//! a migration, not an edit here.
//!
//! Queues of platforms that are no longer active are left alone: deleting one would
//! drop the invoices it still holds.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Connection, ExchangeKind};

use super::RoutingError;
use crate::identifiers::Matricule;

/// The names of facteur's exchanges and queues, under one prefix (`facteur` in
/// production; tests may use their own prefix, though they normally use their own vhost).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    prefix: String,
}

/// Long enough for any sensible prefix, short enough that every name stays far below
/// AMQP's 255-byte limit.
const MAX_PREFIX: usize = 64;

impl Default for Names {
    fn default() -> Self {
        Names {
            prefix: "facteur".into(),
        }
    }
}

impl Names {
    pub fn with_prefix(prefix: &str) -> Result<Self, RoutingError> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
        if prefix.is_empty() || prefix.len() > MAX_PREFIX || !prefix.chars().all(allowed) {
            return Err(RoutingError::InvalidName {
                name: prefix.into(),
                expected: "1 to 64 characters among A-Z a-z 0-9 - _ .",
            });
        }
        Ok(Names {
            prefix: prefix.into(),
        })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The direct exchange invoices and statuses are published to.
    pub fn invoices_exchange(&self) -> String {
        format!("{}.invoices", self.prefix)
    }

    /// Where platform queues dead-letter rejected messages.
    pub fn dead_exchange(&self) -> String {
        format!("{}.dead", self.prefix)
    }

    /// The queue a platform reads its invoices and statuses from.
    pub fn platform_queue(&self, platform: Matricule) -> String {
        format!("{}.platform.{platform}", self.prefix)
    }

    /// Where the messages a platform rejected wait for an operator.
    pub fn parking_queue(&self, platform: Matricule) -> String {
        format!("{}.dead.{platform}", self.prefix)
    }

    /// The queue facteur reads platforms' lifecycle statuses from.
    pub fn statuses_queue(&self) -> String {
        format!("{}.statuses", self.prefix)
    }

    /// The fanout exchange platforms publish lifecycle statuses to; it has the queue's
    /// name (exchanges and queues are named apart), so one permission pattern covers it.
    pub fn statuses_exchange(&self) -> String {
        format!("{}.statuses", self.prefix)
    }

    /// Where statuses facteur rejected wait for an operator.
    pub fn statuses_parking_queue(&self) -> String {
        format!("{}.dead.statuses", self.prefix)
    }
}

/// The dead-letter routing key of the statuses queue; platform queues keep the
/// message's own routing key (the matricule) when dead-lettering.
pub const STATUSES_DEAD_LETTER_KEY: &str = "statuses";

/// Default bound on the bodies a platform queue holds: 1 GiB.
pub const DEFAULT_PLATFORM_QUEUE_BYTES: u64 = 1 << 30;

/// Everything to declare: the names, the active platforms and the platform queues'
/// size bound.
#[derive(Clone, Debug)]
pub struct Topology {
    pub names: Names,
    pub platforms: Vec<Matricule>,
    /// `x-max-length-bytes` of each platform queue, with `x-overflow=reject-publish`:
    /// a platform that stops reading makes the broker nack further publishes, so its
    /// invoices wait in the outbox (retried with backoff) instead of filling the
    /// broker's disk, whose alarm would block publishing for every platform. Part of
    /// the queue's arguments, so changing it for existing queues is a migration.
    pub platform_queue_max_bytes: u64,
}

impl Default for Topology {
    fn default() -> Self {
        Topology::new(Names::default(), [])
    }
}

impl Topology {
    pub fn new(names: Names, platforms: impl IntoIterator<Item = Matricule>) -> Self {
        let mut platforms: Vec<Matricule> = platforms.into_iter().collect();
        platforms.sort_unstable();
        platforms.dedup();
        Topology {
            names,
            platforms,
            platform_queue_max_bytes: DEFAULT_PLATFORM_QUEUE_BYTES,
        }
    }

    /// Declares (or re-declares) everything on a channel of its own: a refused
    /// declaration closes its channel, and that must not be the publisher's.
    pub async fn declare(&self, connection: &Connection) -> Result<(), RoutingError> {
        let channel = connection
            .create_channel()
            .await
            .map_err(RoutingError::broker("channel.open"))?;
        let names = &self.names;
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        for exchange in [names.invoices_exchange(), names.dead_exchange()] {
            channel
                .exchange_declare(
                    exchange.into(),
                    ExchangeKind::Direct,
                    durable,
                    FieldTable::default(),
                )
                .await
                .map_err(RoutingError::broker("exchange.declare"))?;
        }

        let dead = names.dead_exchange();
        for &platform in &self.platforms {
            let key = platform.to_string();
            let mut arguments = quorum();
            arguments.insert(
                "x-dead-letter-exchange".into(),
                AMQPValue::LongString(LongString::from(dead.as_str())),
            );
            arguments.insert(
                "x-max-length-bytes".into(),
                AMQPValue::LongLongInt(
                    i64::try_from(self.platform_queue_max_bytes).unwrap_or(i64::MAX),
                ),
            );
            arguments.insert(
                "x-overflow".into(),
                AMQPValue::LongString(LongString::from("reject-publish")),
            );
            declare_bound(
                &channel,
                names.platform_queue(platform),
                arguments,
                names.invoices_exchange(),
                &key,
            )
            .await?;
            declare_bound(
                &channel,
                names.parking_queue(platform),
                quorum(),
                dead.clone(),
                &key,
            )
            .await?;
        }

        let mut arguments = quorum();
        arguments.insert(
            "x-dead-letter-exchange".into(),
            AMQPValue::LongString(LongString::from(dead.as_str())),
        );
        arguments.insert(
            "x-dead-letter-routing-key".into(),
            AMQPValue::LongString(LongString::from(STATUSES_DEAD_LETTER_KEY)),
        );
        channel
            .exchange_declare(
                names.statuses_exchange().into(),
                ExchangeKind::Fanout,
                durable,
                FieldTable::default(),
            )
            .await
            .map_err(RoutingError::broker("exchange.declare"))?;
        declare_bound(
            &channel,
            names.statuses_queue(),
            arguments,
            names.statuses_exchange(),
            "",
        )
        .await?;
        declare_bound(
            &channel,
            names.statuses_parking_queue(),
            quorum(),
            dead,
            STATUSES_DEAD_LETTER_KEY,
        )
        .await?;

        // Closing is a courtesy: the declarations are done whatever its result.
        if let Err(error) = channel.close(200, "topology declared".into()).await {
            tracing::debug!(%error, "closing the topology channel failed");
        }
        tracing::info!(
            prefix = names.prefix(),
            platforms = self.platforms.len(),
            "topology declared"
        );
        Ok(())
    }
}

/// Arguments of a replicated, durable queue. Quorum queues survive a node loss and
/// dead-letter messages that consumers reject.
fn quorum() -> FieldTable {
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-queue-type".into(),
        AMQPValue::LongString(LongString::from("quorum")),
    );
    arguments
}

async fn declare_queue(
    channel: &lapin::Channel,
    queue: String,
    arguments: FieldTable,
) -> Result<(), RoutingError> {
    channel
        .queue_declare(
            ShortString::from(queue),
            QueueDeclareOptions::durable(),
            arguments,
        )
        .await
        .map_err(RoutingError::broker("queue.declare"))?;
    Ok(())
}

async fn declare_bound(
    channel: &lapin::Channel,
    queue: String,
    arguments: FieldTable,
    exchange: String,
    key: &str,
) -> Result<(), RoutingError> {
    declare_queue(channel, queue.clone(), arguments).await?;
    channel
        .queue_bind(
            queue.into(),
            exchange.into(),
            key.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(RoutingError::broker("queue.bind"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_documented_scheme() {
        let names = Names::default();
        let platform = Matricule::parse("0042").unwrap();
        assert_eq!(names.invoices_exchange(), "facteur.invoices");
        assert_eq!(names.dead_exchange(), "facteur.dead");
        assert_eq!(names.platform_queue(platform), "facteur.platform.0042");
        assert_eq!(names.parking_queue(platform), "facteur.dead.0042");
        assert_eq!(names.statuses_queue(), "facteur.statuses");
        assert_eq!(names.statuses_exchange(), "facteur.statuses");
        assert_eq!(names.statuses_parking_queue(), "facteur.dead.statuses");
    }

    #[test]
    fn prefixes_are_checked() {
        assert_eq!(
            Names::with_prefix("t-1.routing")
                .unwrap()
                .invoices_exchange(),
            "t-1.routing.invoices"
        );
        for bad in ["", "has space", "é", &"x".repeat(65)] {
            assert!(Names::with_prefix(bad).is_err(), "{bad}");
        }
    }
}
