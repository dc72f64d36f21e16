//! The resolution index: the policy at its boundaries (the day a line starts and the
//! day it ends, fallback levels, suffixes, deactivated platforms), changes published
//! through the delta, compaction, and readers never seeing half of a change.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use facteur::directory::generate::generate;
use facteur::directory::index::{
    Fallback, Index, IndexBuilder, IndexLine, Level, PlatformStates, Snapshot,
};
use facteur::identifiers::{AddressingId, Matricule};

use super::directory_support::{CODE, SIREN, SIRET, day, m};

fn id(s: &str) -> AddressingId {
    AddressingId::parse(s).unwrap()
}

fn l(line: i64, platform: &str, start: &str, end: Option<&str>) -> IndexLine {
    IndexLine::new(line, m(platform), day(start), end.map(day))
}

fn platforms() -> PlatformStates {
    PlatformStates::new([
        (m("0001"), None),
        (m("0002"), None),
        (m("0003"), Some(day("2026-06-01"))),
        (Matricule::PPF, None),
    ])
}

fn index() -> Index {
    let mut b = IndexBuilder::default();
    b.push(&id(SIREN), l(1, "0001", "2026-01-01", Some("2026-07-01")));
    b.push(&id(SIREN), l(2, "0002", "2026-07-01", None));
    b.push(
        &id(&format!("{SIREN}_{SIRET}")),
        l(3, "0001", "2026-03-01", None),
    );
    b.push(
        &id(&format!("{SIREN}_{SIRET}_{CODE}")),
        l(4, "0003", "2026-03-01", None),
    );
    b.push(
        &id(&format!("{SIREN}_FACTURES")),
        l(5, "0002", "2026-01-01", None),
    );
    Index::new(Snapshot::new(b.build(), platforms()))
}

fn who(index: &Index, address: &str, at: &str, fallback: Fallback) -> Option<(i64, Level)> {
    index
        .resolve(&id(address), day(at), fallback)
        .map(|r| (r.line.id, r.level))
}

#[test]
fn a_line_applies_from_its_start_day_until_the_day_before_its_end() {
    let ix = index();
    let h = Fallback::Hierarchical;
    assert_eq!(who(&ix, SIREN, "2025-12-31", h), None);
    assert_eq!(who(&ix, SIREN, "2026-01-01", h), Some((1, Level::Siren)));
    assert_eq!(who(&ix, SIREN, "2026-06-30", h), Some((1, Level::Siren)));
    // The end day belongs to the next line: periods are [start, end).
    assert_eq!(who(&ix, SIREN, "2026-07-01", h), Some((2, Level::Siren)));
    assert_eq!(who(&ix, SIREN, "2099-01-01", h), Some((2, Level::Siren)));
}

#[test]
fn hierarchical_fallback_and_exact_policy() {
    let ix = index();
    let routing = format!("{SIREN}_{SIRET}_{CODE}");
    let siret = format!("{SIREN}_{SIRET}");
    let h = Fallback::Hierarchical;
    // The routing code's platform 0003 is deactivated from 2026-06-01.
    assert_eq!(
        who(&ix, &routing, "2026-05-31", h),
        Some((4, Level::RoutingCode))
    );
    assert_eq!(who(&ix, &routing, "2026-06-01", h), Some((3, Level::Siret)));
    // Before the SIRET line starts, the SIREN line.
    assert_eq!(who(&ix, &routing, "2026-02-01", h), Some((1, Level::Siren)));
    assert_eq!(who(&ix, &siret, "2026-02-01", h), Some((1, Level::Siren)));
    // An unknown routing code of a known SIRET falls back too.
    assert_eq!(
        who(&ix, &format!("{siret}_OTHER"), "2026-04-01", h),
        Some((3, Level::Siret))
    );
    // Exact: only the identifier's own line.
    let e = Fallback::Exact;
    assert_eq!(who(&ix, &routing, "2026-06-01", e), None);
    assert_eq!(who(&ix, &siret, "2026-02-01", e), None);
    assert_eq!(who(&ix, &siret, "2026-04-01", e), Some((3, Level::Siret)));
}

#[test]
fn suffixes_resolve_exactly() {
    let ix = index();
    assert_eq!(
        who(
            &ix,
            &format!("{SIREN}_FACTURES"),
            "2026-04-01",
            Fallback::Hierarchical
        ),
        Some((5, Level::Suffix))
    );
    assert_eq!(
        who(
            &ix,
            &format!("{SIREN}_AUTRE"),
            "2026-04-01",
            Fallback::Hierarchical
        ),
        None
    );
}

#[test]
fn deactivating_a_platform_is_seen_at_once() {
    let ix = index();
    assert_eq!(
        who(&ix, SIREN, "2026-08-01", Fallback::Hierarchical),
        Some((2, Level::Siren))
    );
    ix.set_platforms(PlatformStates::new([
        (m("0001"), None),
        (m("0002"), Some(day("2026-08-01"))),
    ]));
    assert_eq!(
        who(&ix, SIREN, "2026-07-31", Fallback::Hierarchical),
        Some((2, Level::Siren))
    );
    assert_eq!(who(&ix, SIREN, "2026-08-01", Fallback::Hierarchical), None);
}

#[test]
fn changes_replace_a_key_and_compaction_keeps_the_answers() {
    let ix = index();
    let siret = id(&format!("{SIREN}_{SIRET}"));
    ix.replace(&[(
        siret.clone(),
        vec![
            l(3, "0001", "2026-03-01", Some("2026-09-01")),
            l(9, "0002", "2026-09-01", None),
        ],
    )]);
    let new_code = id(&format!("{SIREN}_{SIRET}_NEW-CODE"));
    ix.replace(&[(new_code.clone(), vec![l(10, "0002", "2026-10-01", None)])]);
    ix.replace(&[(id(SIREN), vec![])]);
    let check = |ix: &Index| {
        assert_eq!(
            ix.resolve(&siret, day("2026-09-01"), Fallback::Exact)
                .map(|r| r.line.id),
            Some(9)
        );
        assert_eq!(
            ix.resolve(&siret, day("2026-08-31"), Fallback::Exact)
                .map(|r| r.line.id),
            Some(3)
        );
        assert_eq!(
            ix.resolve(&new_code, day("2026-10-01"), Fallback::Exact)
                .map(|r| r.line.id),
            Some(10)
        );
        assert_eq!(
            ix.resolve(&id(SIREN), day("2026-10-01"), Fallback::Hierarchical),
            None
        );
        assert_eq!(
            ix.resolve(
                &id(&format!("{SIREN}_FACTURES")),
                day("2026-10-01"),
                Fallback::Exact
            )
            .map(|r| r.line.id),
            Some(5)
        );
    };
    check(&ix);
    assert_eq!(ix.load().delta_len(), 3);
    let compacted = ix.load().compacted();
    assert_eq!(compacted.delta_len(), 0);
    ix.publish(compacted);
    check(&ix);
}

#[test]
fn generated_directories_resolve_every_line_they_contain() {
    let lines: Vec<_> = generate(20_000, 3).collect();
    let mut b = IndexBuilder::default();
    for (i, g) in lines.iter().enumerate() {
        b.push(
            &g.addressing,
            IndexLine::new(i as i64 + 1, g.matricule, g.start, g.end),
        );
    }
    let states = PlatformStates::new(
        (1..=60)
            .map(|n| (Matricule::from_value(n).unwrap(), None))
            .chain([(Matricule::PPF, None)]),
    );
    let ix = Index::new(Snapshot::new(b.build(), states));
    for (i, g) in lines.iter().enumerate() {
        let r = ix
            .resolve(&g.addressing, g.start, Fallback::Exact)
            .expect("line in force on its start day");
        assert_eq!(r.line.id, i as i64 + 1, "{}", g.addressing);
        assert_eq!(r.matricule(), Some(g.matricule));
    }
}

/// A writer moves a company between two platforms, changing its SIREN and SIRET
/// lines in one publication; readers must always see both on the same platform.
#[test]
fn readers_never_see_half_of_a_change() {
    let ix = Arc::new(index());
    let siren = id(SIREN);
    let siret = id(&format!("{SIREN}_{SIRET}"));
    ix.replace(&[
        (siren.clone(), vec![l(98, "0001", "2026-01-01", None)]),
        (siret.clone(), vec![l(99, "0001", "2026-01-01", None)]),
    ]);
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (ix, siren, siret, stop) = (ix.clone(), siren.clone(), siret.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut seen = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let snapshot = ix.load();
                    let a = snapshot
                        .resolve(&siren, day("2026-12-01"), Fallback::Exact)
                        .map(|r| r.line.matricule);
                    let b = snapshot
                        .resolve(&siret, day("2026-12-01"), Fallback::Exact)
                        .map(|r| r.line.matricule);
                    assert_eq!(a, b, "a reader saw half of a change");
                    seen += 1;
                }
                seen
            })
        })
        .collect();
    for n in 0..2_000i64 {
        let platform = if n % 2 == 0 { "0001" } else { "0002" };
        ix.replace(&[
            (
                siren.clone(),
                vec![l(100 + n, platform, "2026-01-01", None)],
            ),
            (
                siret.clone(),
                vec![l(200 + n, platform, "2026-01-01", None)],
            ),
        ]);
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        assert!(r.join().expect("reader") > 0);
    }
}
