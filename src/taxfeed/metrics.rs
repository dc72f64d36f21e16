//! The feed's backlog as Prometheus gauges, appended to `GET /metrics` by `api::ops`
//! at each scrape:
//!
//! - `facteur_taxfeed_objects{kind, state}`: objects per kind (F1, F6, F10) and state
//!   (pending, packed, acknowledged, rejected);
//! - `facteur_taxfeed_flows{state}`: flows per state (ready, acknowledged, rejected);
//! - `facteur_taxfeed_flows_retrying`: ready flows whose last attempt failed (at most
//!   the ten the backlog lists);
//! - `facteur_taxfeed_oldest_unacknowledged_age_seconds`: age of the oldest object not
//!   yet acknowledged, 0 when there is none — the number to alert on, since F1 and F6
//!   are due within 24 hours.
//!
//! Labels are low-cardinality by construction (a few kinds and states).

use std::fmt::Write as _;

use super::Instant;
use crate::storage::taxfeed::Backlog;

/// Renders `backlog`, read at `now`, in the Prometheus text exposition format.
pub fn render(backlog: &Backlog, now: Instant) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP facteur_taxfeed_objects Tax-feed objects by kind and state.\n\
         # TYPE facteur_taxfeed_objects gauge"
    );
    for (kind, state, count, _) in &backlog.objects {
        let _ = writeln!(
            out,
            "facteur_taxfeed_objects{{kind=\"{}\",state=\"{}\"}} {count}",
            kind.as_str(),
            state.as_str()
        );
    }
    let _ = writeln!(
        out,
        "# HELP facteur_taxfeed_flows Tax-feed flows by state.\n\
         # TYPE facteur_taxfeed_flows gauge"
    );
    for (state, count) in &backlog.flows {
        let _ = writeln!(
            out,
            "facteur_taxfeed_flows{{state=\"{}\"}} {count}",
            state.as_str()
        );
    }
    let _ = writeln!(
        out,
        "# HELP facteur_taxfeed_flows_retrying Ready flows whose last attempt failed.\n\
         # TYPE facteur_taxfeed_flows_retrying gauge\n\
         facteur_taxfeed_flows_retrying {}",
        backlog.failing.len()
    );
    let age = backlog
        .oldest_unacknowledged
        .map_or(0, |t| now.seconds_since(t).max(0));
    let _ = writeln!(
        out,
        "# HELP facteur_taxfeed_oldest_unacknowledged_age_seconds Age of the oldest tax-feed object not yet acknowledged.\n\
         # TYPE facteur_taxfeed_oldest_unacknowledged_age_seconds gauge\n\
         facteur_taxfeed_oldest_unacknowledged_age_seconds {age}"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::taxfeed::{FlowState, ObjectKind, ObjectState};

    #[test]
    fn renders_every_gauge_with_its_labels() {
        let backlog = Backlog {
            objects: vec![
                (
                    ObjectKind::F1,
                    ObjectState::Pending,
                    3,
                    Some(Instant::from_unix_seconds(100)),
                ),
                (ObjectKind::F10, ObjectState::Acknowledged, 7, None),
            ],
            flows: vec![(FlowState::Ready, 2)],
            oldest_unacknowledged: Some(Instant::from_unix_seconds(100)),
            failing: Vec::new(),
        };
        let text = render(&backlog, Instant::from_unix_seconds(160));
        for line in [
            "facteur_taxfeed_objects{kind=\"F1\",state=\"pending\"} 3",
            "facteur_taxfeed_objects{kind=\"F10\",state=\"acknowledged\"} 7",
            "facteur_taxfeed_flows{state=\"ready\"} 2",
            "facteur_taxfeed_flows_retrying 0",
            "facteur_taxfeed_oldest_unacknowledged_age_seconds 60",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        let empty = render(&Backlog::default(), Instant::from_unix_seconds(160));
        assert!(empty.contains("facteur_taxfeed_oldest_unacknowledged_age_seconds 0\n"));
    }
}
