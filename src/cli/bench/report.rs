//! The figures of `facteur bench hub`, computed from what was recorded (acceptance and
//! confirm times from the outbox, resident memory samples of the server): pure
//! functions, so that the arithmetic is tested apart from the run.

use serde::Serialize;

/// Latencies from acceptance to the broker's confirm, in milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Latency {
    pub p50_ms: i64,
    pub p99_ms: i64,
    pub max_ms: i64,
}

/// The value at quantile `q` (0..=1) of sorted values, by nearest rank.
pub fn percentile(sorted: &[i64], q: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Latency quantiles of (accepted, confirmed) pairs, in milliseconds.
pub fn latency(pairs: &[(i64, i64)]) -> Latency {
    let mut delays: Vec<i64> = pairs.iter().map(|&(a, c)| c - a).collect();
    delays.sort_unstable();
    Latency {
        p50_ms: percentile(&delays, 0.50),
        p99_ms: percentile(&delays, 0.99),
        max_ms: delays.last().copied().unwrap_or(0),
    }
}

/// Events per second between the 10th and the 90th percentile of their times
/// (milliseconds, sorted): the sustained rate, without the ramp-up (the first chunks
/// being validated) and the tail (the last window being confirmed).
pub fn steady_rate(sorted_ms: &[i64]) -> f64 {
    let n = sorted_ms.len();
    if n < 10 {
        return 0.0;
    }
    let (from, to) = (n / 10, n * 9 / 10);
    let span_ms = (sorted_ms[to - 1] - sorted_ms[from]).max(1);
    (to - 1 - from) as f64 * 1000.0 / span_ms as f64
}

/// One sample of the server's resident memory.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RssSample {
    /// Seconds since the upload started.
    pub at_s: f64,
    pub rss_kib: u64,
    /// Invoices delivered so far.
    pub delivered: usize,
}

/// The server's memory over the run, in KiB.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Memory {
    pub samples: usize,
    pub start_kib: u64,
    pub max_kib: u64,
    pub end_kib: u64,
    /// Largest while the first half of the invoices was delivered, then the second.
    pub first_half_max_kib: u64,
    pub second_half_max_kib: u64,
    /// Flat: the second half did not need more than 10 % (and 16 MiB) above the first,
    /// i.e. memory does not grow with the number of invoices processed.
    pub flat: bool,
}

pub fn memory(samples: &[RssSample], total: usize) -> Memory {
    let half = total.div_ceil(2);
    let max_of = |keep: &dyn Fn(&RssSample) -> bool| {
        samples
            .iter()
            .filter(|s| keep(s))
            .map(|s| s.rss_kib)
            .max()
            .unwrap_or(0)
    };
    let first_half_max_kib = max_of(&|s| s.delivered < half);
    let second_half_max_kib = max_of(&|s| s.delivered >= half);
    let allowed = first_half_max_kib + (first_half_max_kib / 10).max(16 * 1024);
    Memory {
        samples: samples.len(),
        start_kib: samples.first().map_or(0, |s| s.rss_kib),
        max_kib: max_of(&|_| true),
        end_kib: samples.last().map_or(0, |s| s.rss_kib),
        first_half_max_kib,
        second_half_max_kib,
        flat: samples.len() >= 2 && second_half_max_kib <= allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let values: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&values, 0.5), 50);
        assert_eq!(percentile(&values, 0.99), 99);
        assert_eq!(percentile(&values, 1.0), 100);
        assert_eq!(percentile(&[7], 0.99), 7);
        assert_eq!(percentile(&[], 0.5), 0);
        let l = latency(&[(0, 30), (10, 20), (5, 105)]);
        assert_eq!(
            l,
            Latency {
                p50_ms: 30,
                p99_ms: 100,
                max_ms: 100
            }
        );
    }

    #[test]
    fn the_steady_rate_leaves_out_ramp_and_tail() {
        // 1 000 events, one per millisecond, then a straggler 10 s later.
        let mut times: Vec<i64> = (0..1000).collect();
        times.push(10_000);
        let rate = steady_rate(&times);
        assert!((rate - 1000.0).abs() < 1.0, "{rate}");
        assert_eq!(steady_rate(&[1, 2, 3]), 0.0);
    }

    #[test]
    fn memory_is_flat_only_without_growth_in_the_second_half() {
        let sample = |delivered, rss_kib| RssSample {
            at_s: 0.0,
            rss_kib,
            delivered,
        };
        let flat = memory(
            &[
                sample(0, 40_000),
                sample(30, 100_000),
                sample(70, 104_000),
                sample(100, 90_000),
            ],
            100,
        );
        assert_eq!(
            (flat.start_kib, flat.max_kib, flat.end_kib),
            (40_000, 104_000, 90_000)
        );
        assert_eq!(
            (flat.first_half_max_kib, flat.second_half_max_kib),
            (100_000, 104_000)
        );
        assert!(flat.flat);
        let growing = memory(
            &[
                sample(0, 40_000),
                sample(40, 100_000),
                sample(80, 200_000),
                sample(100, 250_000),
            ],
            100,
        );
        assert!(!growing.flat);
    }
}
