//! Sign-in lock-out: after [`MAX_FAILURES`] consecutive failed attempts an account is
//! locked for [`LOCK_SECONDS`], and the answer says so plainly, with the time it
//! unlocks.

use serde::{Deserialize, Serialize};

use super::time::Instant;

/// Failed attempts that lock an account.
pub const MAX_FAILURES: u32 = 5;
/// How long a lock lasts: one hour.
pub const LOCK_SECONDS: i64 = 3600;

/// The sign-in state of one account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInState {
    /// Consecutive failures since the last success or the last lock.
    pub failures: u32,
    pub locked_until: Option<Instant>,
}

/// The account is locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "this account is locked after {MAX_FAILURES} failed sign-in attempts; it unlocks at {until}"
)]
pub struct Locked {
    pub until: Instant,
}

impl SignInState {
    /// Refuses while the lock is in force; a lock that has expired no longer counts.
    pub fn check(&self, now: Instant) -> Result<(), Locked> {
        match self.locked_until {
            Some(until) if now < until => Err(Locked { until }),
            _ => Ok(()),
        }
    }

    /// Records a failed attempt; the fifth consecutive one locks the account.
    pub fn failed(self, now: Instant) -> SignInState {
        // An expired lock starts a fresh count.
        let failures = if self.locked_until.is_some_and(|u| now >= u) {
            1
        } else {
            self.failures + 1
        };
        if failures >= MAX_FAILURES {
            SignInState {
                failures: 0,
                locked_until: Some(now.plus_seconds(LOCK_SECONDS)),
            }
        } else {
            SignInState {
                failures,
                locked_until: self.locked_until.filter(|u| now < *u),
            }
        }
    }

    /// A successful sign-in clears the count.
    pub fn succeeded(self) -> SignInState {
        SignInState::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_for_an_hour_then_unlock() {
        let t0 = Instant(1_795_827_600);
        let mut state = SignInState::default();
        for i in 0..4 {
            state = state.failed(t0.plus_seconds(i));
            assert!(state.check(t0.plus_seconds(i)).is_ok(), "attempt {i}");
        }
        state = state.failed(t0.plus_seconds(4));
        let locked = state.check(t0.plus_seconds(5)).unwrap_err();
        assert_eq!(locked.until, t0.plus_seconds(4 + 3600));
        assert_eq!(
            locked.to_string(),
            "this account is locked after 5 failed sign-in attempts; it unlocks at 2026-11-28T02:00:04Z"
        );
        // Still locked one second before the end, free at the end.
        assert!(state.check(t0.plus_seconds(3603)).is_err());
        assert!(state.check(t0.plus_seconds(3604)).is_ok());
        // After the lock, one failure does not re-lock.
        let after = state.failed(t0.plus_seconds(3700));
        assert!(after.check(t0.plus_seconds(3700)).is_ok());
        assert_eq!(after.failures, 1);
    }

    #[test]
    fn success_resets_the_count() {
        let t0 = Instant(0);
        let state = (0..4).fold(SignInState::default(), |s, i| s.failed(t0.plus_seconds(i)));
        let state = state.succeeded().failed(t0.plus_seconds(10));
        assert_eq!(state.failures, 1);
        assert!(state.check(t0.plus_seconds(10)).is_ok());
    }
}
