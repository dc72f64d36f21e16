//! Readiness: is this instance able to do its work now? Each dependency (the
//! database, the broker when one is configured) is a [`Probe`]; `GET /ready` runs them
//! all, concurrently and each under a time limit, and answers 503 naming those that
//! failed. Owners plug their own probes in (the hub its relay's broker state), so the
//! answer reflects what the service really uses rather than a second connection.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::storage::Db;

/// What a probe's check returns: `Err` carries a reason fit for operators (no secrets).
pub type ProbeFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// One dependency whose reachability decides readiness.
pub trait Probe: Send + Sync {
    /// Shown in `/ready`'s answer: `database`, `broker`.
    fn name(&self) -> &'static str;
    fn check(&self) -> ProbeFuture<'_>;
}

/// A probe made of a name and a closure returning the check's future.
pub struct FnProbe<F> {
    name: &'static str,
    check: F,
}

impl<F, Fut> Probe for FnProbe<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    fn name(&self) -> &'static str {
        self.name
    }

    fn check(&self) -> ProbeFuture<'_> {
        Box::pin((self.check)())
    }
}

/// Wraps a closure as a probe: `probe_fn("broker", move || async move { … })`.
pub fn probe_fn<F, Fut>(name: &'static str, check: F) -> Arc<dyn Probe>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    Arc::new(FnProbe { name, check })
}

/// The database answers a trivial query.
pub struct DatabaseProbe(pub Db);

impl Probe for DatabaseProbe {
    fn name(&self) -> &'static str {
        "database"
    }

    fn check(&self) -> ProbeFuture<'_> {
        Box::pin(async move { self.0.ping().await.map_err(|e| e.to_string()) })
    }
}

/// A probe's verdict.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProbeResult {
    pub name: &'static str,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The probes of a running service.
#[derive(Clone, Default)]
pub struct Readiness {
    probes: Vec<Arc<dyn Probe>>,
    /// A probe that takes longer than this counts as failed: a black-holed database
    /// must not hang the orchestrator's readiness check.
    timeout: Option<Duration>,
}

impl Readiness {
    pub fn new() -> Readiness {
        Readiness::default()
    }

    /// Adds a probe; a probe of the same name replaces the earlier one (so the hub can
    /// swap a generic broker probe for its relay's state).
    pub fn with(mut self, probe: Arc<dyn Probe>) -> Readiness {
        self.probes.retain(|p| p.name() != probe.name());
        self.probes.push(probe);
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Readiness {
        self.timeout = Some(timeout);
        self
    }

    /// Runs every probe concurrently; ready when all pass.
    pub async fn check(&self) -> Vec<ProbeResult> {
        let limit = self.timeout.unwrap_or(Duration::from_secs(2));
        let checks = self.probes.iter().map(|probe| async move {
            let verdict = match tokio::time::timeout(limit, probe.check()).await {
                Ok(verdict) => verdict,
                Err(_) => Err(format!("no answer within {} ms", limit.as_millis())),
            };
            ProbeResult {
                name: probe.name(),
                ok: verdict.is_ok(),
                error: verdict.err(),
            }
        });
        futures_util::future::join_all(checks).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failing_or_hanging_probe_makes_the_service_not_ready() {
        let readiness = Readiness::new()
            .with_timeout(Duration::from_millis(50))
            .with(probe_fn("database", || async { Ok(()) }))
            .with(probe_fn("broker", || async {
                Err("connection refused".into())
            }))
            .with(probe_fn("slow", || async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok(())
            }));
        let results = readiness.check().await;
        assert_eq!(results.len(), 3);
        assert!(results[0].ok);
        assert_eq!(results[1].error.as_deref(), Some("connection refused"));
        assert_eq!(results[2].error.as_deref(), Some("no answer within 50 ms"));
        // Same name: replaced, not added.
        let replaced = readiness.with(probe_fn("broker", || async { Ok(()) }));
        let results = replaced.check().await;
        assert_eq!(results.len(), 3);
        assert!(results.iter().find(|r| r.name == "broker").unwrap().ok);
    }
}
