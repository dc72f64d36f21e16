//! A small metrics registry rendered as Prometheus text (exposition format 0.0.4):
//! counters, counters with one label, gauges and latency histograms.
//!
//! Lock-light: every handle is a set of atomics behind an `Arc`, so recording is a
//! `fetch_add`. The registry's mutex is taken only to register (at start-up) and to
//! render (on `GET /metrics`); a labelled counter takes a read lock to find its label's
//! atomic, and a write lock only the first time a label value is seen. Names follow
//! `facteur_<thing>_<unit>_total`; labels stay low-cardinality (a reason code, a
//! status class), never an invoice id.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// A monotonically increasing count.
#[derive(Clone, Default, Debug)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    pub fn inc(&self) {
        self.add(1);
    }

    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Counters told apart by the value of one label (`reason="DOUBLON"`).
#[derive(Clone, Debug)]
pub struct LabelledCounter {
    label: &'static str,
    values: Arc<RwLock<BTreeMap<String, Counter>>>,
}

impl LabelledCounter {
    /// The counter of one label value, created at its first use.
    pub fn with(&self, value: &str) -> Counter {
        if let Some(counter) = read(&self.values).get(value) {
            return counter.clone();
        }
        write(&self.values)
            .entry(value.to_string())
            .or_default()
            .clone()
    }
}

/// A value that goes up and down (a backlog, connections in use).
#[derive(Clone, Default, Debug)]
pub struct Gauge(Arc<AtomicI64>);

impl Gauge {
    pub fn set(&self, value: i64) {
        self.0.store(value, Ordering::Relaxed);
    }

    pub fn add(&self, delta: i64) {
        self.0.fetch_add(delta, Ordering::Relaxed);
    }

    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Durations in fixed buckets (upper bounds in seconds), their count and their sum.
#[derive(Clone, Debug)]
pub struct Histogram(Arc<HistogramCells>);

#[derive(Debug)]
struct HistogramCells {
    bounds: Vec<f64>,
    /// One cell per bound, plus the last for `+Inf`; not cumulative (render sums).
    buckets: Vec<AtomicU64>,
    count: AtomicU64,
    sum_micros: AtomicU64,
}

/// Buckets for latencies from a millisecond to ten seconds.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

impl Histogram {
    fn new(bounds: &[f64]) -> Histogram {
        Histogram(Arc::new(HistogramCells {
            bounds: bounds.to_vec(),
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_micros: AtomicU64::new(0),
        }))
    }

    pub fn observe(&self, duration: Duration) {
        let cells = &self.0;
        let seconds = duration.as_secs_f64();
        let slot = cells
            .bounds
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(cells.bounds.len());
        cells.buckets[slot].fetch_add(1, Ordering::Relaxed);
        cells.count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        cells.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.0.count.load(Ordering::Relaxed)
    }
}

enum Metric {
    Counter(Counter),
    Labelled(LabelledCounter),
    Gauge(Gauge),
    Histogram(Histogram),
}

struct Family {
    name: &'static str,
    help: &'static str,
    metric: Metric,
}

/// Every metric of the process, in registration order.
#[derive(Clone, Default)]
pub struct Registry {
    families: Arc<Mutex<Vec<Family>>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    fn register(&self, name: &'static str, help: &'static str, metric: Metric) {
        let mut families = lock(&self.families);
        // Registering one name twice would render an invalid exposition.
        assert!(
            families.iter().all(|f| f.name != name),
            "metric {name} registered twice"
        );
        families.push(Family { name, help, metric });
    }

    pub fn counter(&self, name: &'static str, help: &'static str) -> Counter {
        let counter = Counter::default();
        self.register(name, help, Metric::Counter(counter.clone()));
        counter
    }

    pub fn labelled_counter(
        &self,
        name: &'static str,
        help: &'static str,
        label: &'static str,
    ) -> LabelledCounter {
        let counter = LabelledCounter {
            label,
            values: Arc::default(),
        };
        self.register(name, help, Metric::Labelled(counter.clone()));
        counter
    }

    pub fn gauge(&self, name: &'static str, help: &'static str) -> Gauge {
        let gauge = Gauge::default();
        self.register(name, help, Metric::Gauge(gauge.clone()));
        gauge
    }

    pub fn histogram(&self, name: &'static str, help: &'static str, bounds: &[f64]) -> Histogram {
        let histogram = Histogram::new(bounds);
        self.register(name, help, Metric::Histogram(histogram.clone()));
        histogram
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for family in lock(&self.families).iter() {
            let (name, help) = (family.name, family.help);
            let kind = match family.metric {
                Metric::Counter(_) | Metric::Labelled(_) => "counter",
                Metric::Gauge(_) => "gauge",
                Metric::Histogram(_) => "histogram",
            };
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            match &family.metric {
                Metric::Counter(c) => {
                    let _ = writeln!(out, "{name} {}", c.get());
                }
                Metric::Labelled(c) => {
                    for (value, counter) in read(&c.values).iter() {
                        let _ = writeln!(
                            out,
                            "{name}{{{}=\"{}\"}} {}",
                            c.label,
                            escape_label(value),
                            counter.get()
                        );
                    }
                }
                Metric::Gauge(g) => {
                    let _ = writeln!(out, "{name} {}", g.get());
                }
                Metric::Histogram(h) => render_histogram(&mut out, name, h),
            }
        }
        out
    }
}

fn render_histogram(out: &mut String, name: &str, histogram: &Histogram) {
    let cells = &histogram.0;
    let mut cumulative = 0;
    for (i, bucket) in cells.buckets.iter().enumerate() {
        cumulative += bucket.load(Ordering::Relaxed);
        let le = match cells.bounds.get(i) {
            Some(bound) => bound.to_string(),
            None => "+Inf".to_string(),
        };
        let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
    }
    let sum = cells.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
    let _ = writeln!(out, "{name}_sum {sum}");
    // The count is read after the buckets, so a concurrent observation can make it
    // larger than `+Inf`, never smaller: Prometheus tolerates that skew.
    let _ = writeln!(out, "{name}_count {}", cells.count.load(Ordering::Relaxed));
}

/// Label values are quoted: backslash, double quote and newline are escaped.
fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

// A panic while holding one of these locks leaves plain numbers behind, still
// meaningful: keep serving them rather than poisoning every later scrape.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
fn read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}
fn write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}

/// The service's metrics: the HTTP layer's and the hub's, registered once so that
/// `/metrics` lists every family from the start (a counter at 0 is information).
#[derive(Clone)]
pub struct ServiceMetrics {
    pub registry: Registry,
    /// HTTP requests answered, by status class (`2xx`, `4xx`, …).
    pub http_requests: LabelledCounter,
    pub http_latency: Histogram,
    /// Documents received by the hub (single or in a batch).
    pub received: Counter,
    /// Documents accepted (status 200).
    pub accepted: Counter,
    /// Documents rejected (status 213), by the reform's reason code.
    pub rejected: LabelledCounter,
    /// Deliveries confirmed by the broker (or handed to the embedded inbox).
    pub routed: Counter,
    /// From acceptance to the broker's confirm.
    pub delivery_latency: Histogram,
    /// Outbox rows not yet confirmed.
    pub outbox_backlog: Gauge,
    /// Batch documents processed by the batch worker.
    pub batch_documents: Counter,
}

impl ServiceMetrics {
    pub fn new() -> ServiceMetrics {
        let r = Registry::new();
        ServiceMetrics {
            http_requests: r.labelled_counter(
                "facteur_http_requests_total",
                "HTTP requests answered, by status class.",
                "status",
            ),
            http_latency: r.histogram(
                "facteur_http_request_duration_seconds",
                "Time from request to response head.",
                LATENCY_BUCKETS,
            ),
            received: r.counter(
                "facteur_invoices_received_total",
                "Documents received (single or in a batch).",
            ),
            accepted: r.counter(
                "facteur_invoices_accepted_total",
                "Documents accepted (status 200, Deposee).",
            ),
            rejected: r.labelled_counter(
                "facteur_invoices_rejected_total",
                "Documents rejected (status 213, Rejetee), by reason code.",
                "reason",
            ),
            routed: r.counter(
                "facteur_invoices_routed_total",
                "Deliveries confirmed by the broker or handed to the embedded inbox.",
            ),
            delivery_latency: r.histogram(
                "facteur_delivery_latency_seconds",
                "Time from acceptance to the broker's confirm.",
                LATENCY_BUCKETS,
            ),
            outbox_backlog: r.gauge(
                "facteur_outbox_backlog",
                "Deliveries in the outbox not yet confirmed.",
            ),
            batch_documents: r.counter(
                "facteur_batch_documents_processed_total",
                "Batch documents processed by the batch worker.",
            ),
            registry: r,
        }
    }
}

impl Default for ServiceMetrics {
    fn default() -> ServiceMetrics {
        ServiceMetrics::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_prometheus_text_format() {
        let r = Registry::new();
        let c = r.counter("t_total", "A count.");
        let l = r.labelled_counter("t_rejected_total", "By reason.", "reason");
        let g = r.gauge("t_backlog", "A level.");
        let h = r.histogram("t_seconds", "A latency.", &[0.01, 0.1]);
        c.add(3);
        l.with("DOUBLON").inc();
        l.with("DOUBLON").inc();
        l.with("a\"b").inc();
        g.set(7);
        g.add(-2);
        h.observe(Duration::from_millis(5));
        h.observe(Duration::from_millis(50));
        h.observe(Duration::from_secs(3));
        let text = r.render();
        let expected = "\
# HELP t_total A count.
# TYPE t_total counter
t_total 3
# HELP t_rejected_total By reason.
# TYPE t_rejected_total counter
t_rejected_total{reason=\"DOUBLON\"} 2
t_rejected_total{reason=\"a\\\"b\"} 1
# HELP t_backlog A level.
# TYPE t_backlog gauge
t_backlog 5
# HELP t_seconds A latency.
# TYPE t_seconds histogram
t_seconds_bucket{le=\"0.01\"} 1
t_seconds_bucket{le=\"0.1\"} 2
t_seconds_bucket{le=\"+Inf\"} 3
t_seconds_sum 3.055
t_seconds_count 3
";
        assert_eq!(text, expected);
    }

    #[test]
    fn counts_from_many_threads_add_up() {
        let m = ServiceMetrics::new();
        std::thread::scope(|s| {
            for t in 0..4 {
                let m = m.clone();
                s.spawn(move || {
                    for _ in 0..10_000 {
                        m.received.inc();
                        m.rejected
                            .with(if t % 2 == 0 { "DOUBLON" } else { "IRRECEVABLE" })
                            .inc();
                        m.delivery_latency.observe(Duration::from_micros(700));
                    }
                });
            }
        });
        assert_eq!(m.received.get(), 40_000);
        assert_eq!(m.rejected.with("DOUBLON").get(), 20_000);
        assert_eq!(m.delivery_latency.count(), 40_000);
        let text = m.registry.render();
        assert!(text.contains("facteur_invoices_received_total 40000\n"));
        assert!(text.contains("facteur_delivery_latency_seconds_bucket{le=\"0.001\"} 40000\n"));
        assert!(text.contains("facteur_outbox_backlog 0\n"));
    }
}
