//! Exponential backoff with jitter, and the shutdown signal the long-running tasks
//! (relay, consumer) wait on while they sleep.
//!
//! Jitter matters because after a broker restart every relay and consumer reconnects
//! at once; spreading their attempts avoids a synchronized stampede.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use tokio::sync::watch;

/// `base * 2^(attempt-1)`, capped at `max`, then "equal jitter": the delay is uniform
/// in [half, full], so it never collapses to zero yet still spreads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    pub const fn new(base: Duration, max: Duration) -> Self {
        Backoff { base, max }
    }

    /// The delay before try number `attempt` (1 for the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let full = self.base.saturating_mul(1u32 << exponent).min(self.max);
        let half = full / 2;
        half + half.mul_f64(unit_random())
    }
}

/// A number in [0, 1). Jitter needs no cryptographic quality: the standard library's
/// randomly keyed hasher is enough and adds no dependency.
fn unit_random() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    // 53 bits fit exactly in an f64 mantissa.
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Asks long-running tasks to stop; dropping it asks too.
#[derive(Debug)]
pub struct ShutdownTrigger(watch::Sender<bool>);

/// The receiving side, cloned into every task.
#[derive(Clone, Debug)]
pub struct Shutdown(watch::Receiver<bool>);

pub fn shutdown_channel() -> (ShutdownTrigger, Shutdown) {
    let (sender, receiver) = watch::channel(false);
    (ShutdownTrigger(sender), Shutdown(receiver))
}

impl ShutdownTrigger {
    pub fn trigger(&self) {
        self.0.send_replace(true);
    }
}

impl Shutdown {
    pub fn is_requested(&self) -> bool {
        *self.0.borrow() || self.0.has_changed().is_err()
    }

    /// Resolves once shutdown is requested (or the trigger is gone).
    pub async fn requested(&mut self) {
        // An error means the trigger was dropped, which also means stop.
        let _ = self.0.wait_for(|stop| *stop).await;
    }

    /// Sleeps for `duration` unless shutdown comes first; true if it did.
    pub async fn sleep(&mut self, duration: Duration) -> bool {
        tokio::select! {
            () = self.requested() => true,
            () = tokio::time::sleep(duration) => self.is_requested(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_are_capped_and_jittered() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(5));
        for attempt in 1..40 {
            let full = Duration::from_millis(100)
                .saturating_mul(1 << (attempt - 1).min(30))
                .min(Duration::from_secs(5));
            let delay = backoff.delay(attempt);
            assert!(delay >= full / 2 && delay <= full, "{attempt}: {delay:?}");
        }
        let distinct: std::collections::HashSet<Duration> =
            (0..20).map(|_| backoff.delay(10)).collect();
        assert!(distinct.len() > 10, "jitter spreads delays");
    }

    #[tokio::test]
    async fn shutdown_interrupts_a_sleep() {
        let (trigger, mut shutdown) = shutdown_channel();
        assert!(!shutdown.is_requested());
        let sleeper = tokio::spawn(async move { shutdown.sleep(Duration::from_secs(600)).await });
        trigger.trigger();
        assert!(sleeper.await.unwrap());
    }
}
