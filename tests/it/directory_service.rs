//! The directory on each storage backend (SQLite always, PostgreSQL for real when
//! configured): import (idempotent, per-line report), changes through the service
//! (rules, versions, masking, takeover of the default line) reflected in the index,
//! export, and an index rebuilt from storage equal to the incrementally updated one.

use std::io::Cursor;

use facteur::directory::Directory;
use facteur::directory::import::{export_csv, import_csv};
use facteur::directory::index::Fallback;
use facteur::directory::model::{Actor, LineSpec, Nature};
use facteur::directory::service::{DirectoryError, LineChange};
use facteur::identifiers::{AddressingId, Matricule};

use super::directory_support::{SIREN, SIRET, TestDb, backends, day, m, seed};

const TODAY: &str = "2026-10-15";

fn id(s: &str) -> AddressingId {
    AddressingId::parse(s).unwrap()
}

const CSV: &str = "platform,start,end,siren,siret,routing_code,suffix,name\n\
0001,2026-01-01,,906170857,,,,ACME\n\
0002,2026-01-01,,906170857,90617085700237,,,\n\
0001,2026-01-01,,906170857,90617085700237,SERVICE-42,,\n\
0002,2026-02-01,2026-12-31,906170857,,,FACTURES,\n\
9998,2025-01-01,,479612384,,,,\n\
0001,2026-01-01,,906170858,,,,\n\
0042,2026-01-01,,552100554,,,,\n\
0001,2026-01-01,2026-01-01,552100554,,,,\n\
0001,2026-01-01,,906170857,47961238400012,,,\n";

async fn import(db: &facteur::storage::Db, csv: &str) -> facteur::directory::import::ImportReport {
    import_csv(db, Cursor::new(csv.as_bytes().to_vec()), 2, |_, _| {})
        .await
        .expect("import")
}

async fn each_backend<F, Fut>(test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: std::future::Future<Output = TestDb>,
{
    for t in backends().await {
        let name = t.name;
        eprintln!("backend: {name}");
        let t = test(t).await;
        t.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_is_idempotent_and_reports_refused_lines() {
    each_backend(|t| async move {
        seed(&t.db).await;
        let report = import(&t.db, CSV).await;
        assert_eq!(
            (
                report.rows,
                report.inserted,
                report.existing,
                report.refused
            ),
            (9, 5, 0, 4),
            "{}",
            t.name
        );
        let lines: Vec<(u64, String)> = report
            .errors
            .iter()
            .map(|e| (e.line, e.message.clone()))
            .collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0].0, 7);
        assert!(lines[0].1.starts_with("G1.89"), "{lines:?}");
        assert!(lines[1].1.starts_with("G1.94"), "{lines:?}");
        assert!(lines[2].1.starts_with("G1.113"), "{lines:?}");
        assert!(lines[3].1.starts_with("G1.80"), "{lines:?}");
        let again = import(&t.db, CSV).await;
        assert_eq!((again.inserted, again.existing), (0, 5));
        assert_eq!(t.db.count_current_lines().await.unwrap(), 5);

        let dir = Directory::open(t.db.clone(), Fallback::Hierarchical)
            .await
            .unwrap()
            .with_today(day(TODAY));
        let at = day("2026-06-01");
        let r = dir
            .resolve(&id(&format!("{SIREN}_{SIRET}_SERVICE-42")), at)
            .unwrap();
        assert_eq!(r.matricule(), Some(m("0001")));
        assert_eq!(
            dir.resolve(&id(&format!("{SIREN}_{SIRET}_OTHER")), at)
                .unwrap()
                .matricule(),
            Some(m("0002"))
        );
        assert_eq!(
            dir.resolve(&id("479612384"), at).unwrap().matricule(),
            Some(Matricule::PPF)
        );
        assert_eq!(
            dir.resolve(&id(&format!("{SIREN}_FACTURES")), day("2026-12-31")),
            None
        );
        t
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_load_with_duplicate_lines_keeps_one() {
    each_backend(|t| async move {
        seed(&t.db).await;
        let csv = "siren,siret,routing_code,suffix,platform,start,end\n\
                   906170857,,,,0001,2026-01-01,\n906170857,,,,0002,2026-01-01,\n906170857,,,,0001,2027-01-01,\n";
        let report = import(&t.db, csv).await;
        assert_eq!((report.inserted, report.existing), (2, 1), "{}", t.name);
        let lines = t.db.lines_of(&id(SIREN)).await.unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].matricule, m("0001"), "the first of the duplicates is kept");
        // The natural key is enforced again after the load.
        let again = import(&t.db, csv).await;
        assert_eq!((again.inserted, again.existing), (0, 3));
        t
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_follow_the_rules_and_reach_the_index() {
    each_backend(|t| async move {
        seed(&t.db).await;
        import(
            &t.db,
            "siren,siret,routing_code,suffix,platform,start,end\n906170857,,,,0001,2026-01-01,\n",
        )
        .await;
        let dir = Directory::open(t.db.clone(), Fallback::Hierarchical)
            .await
            .unwrap()
            .with_today(day(TODAY));
        let alpha = Actor::Platform(m("0001"));
        let beta = Actor::Platform(m("0002"));
        let siren = id(SIREN);
        let current = t.db.lines_of(&siren).await.unwrap();
        let first = current[0].id;

        // Alpha ends its line on 2026-11-01 (G1.87's exception); Beta takes over then.
        let ended = dir
            .change_line(
                alpha,
                first,
                &LineChange {
                    end: Some(Some(day("2026-11-01"))),
                    matricule: None,
                },
            )
            .await
            .unwrap();
        assert_ne!(ended.id, first);
        let beta_line = dir
            .create_line(
                beta,
                &LineSpec {
                    addressing: siren.clone(),
                    matricule: m("0002"),
                    start: day("2026-11-01"),
                    end: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            dir.resolve(&siren, day("2026-10-31")).unwrap().line.id,
            ended.id
        );
        assert_eq!(
            dir.resolve(&siren, day("2026-11-01")).unwrap().line.id,
            beta_line.id
        );

        // Refusals name their rule and change nothing.
        let refused = dir
            .create_line(
                beta,
                &LineSpec {
                    addressing: siren.clone(),
                    matricule: m("0002"),
                    start: day("2026-10-20"),
                    end: None,
                },
            )
            .await;
        assert!(
            matches!(refused, Err(DirectoryError::Rule(ref e)) if e.rule() == "G1.86"),
            "{refused:?}"
        );
        let refused = dir
            .change_line(
                alpha,
                beta_line.id,
                &LineChange {
                    end: Some(Some(day("2026-12-01"))),
                    matricule: None,
                },
            )
            .await;
        assert!(
            matches!(refused, Err(DirectoryError::Rule(ref e)) if e.rule() == "HAB"),
            "{refused:?}"
        );
        let refused = dir.change_line(alpha, first, &LineChange::default()).await;
        assert!(
            matches!(refused, Err(DirectoryError::Rule(ref e)) if e.rule() == "HIST"),
            "{refused:?}"
        );

        // Beta masks its future line: resolution no longer sees it.
        let mask = dir.mask_line(beta, beta_line.id).await.unwrap();
        assert_eq!(mask.nature, Nature::Masking);
        assert_eq!(dir.resolve(&siren, day("2026-11-01")), None);
        assert_eq!(
            dir.resolve(&siren, day("2026-10-31")).unwrap().line.id,
            ended.id
        );

        // History: nothing deleted, four versions.
        let history = t.db.history_of(&siren).await.unwrap();
        assert_eq!(history.len(), 4);
        assert_eq!(
            history.iter().filter(|l| l.superseded_by.is_some()).count(),
            2
        );
        assert!(history.iter().any(|l| l.id == beta_line.id && l.masked));

        // The index rebuilt from storage answers like the incrementally updated one.
        let rebuilt = Directory::open(t.db.clone(), Fallback::Hierarchical)
            .await
            .unwrap();
        for d in ["2026-01-01", "2026-10-31", "2026-11-01", "2027-01-01"] {
            assert_eq!(
                rebuilt.resolve(&siren, day(d)),
                dir.resolve(&siren, day(d)),
                "{d}"
            );
        }
        t
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taking_over_the_default_line_and_exporting() {
    each_backend(|t| async move {
        seed(&t.db).await;
        import(
            &t.db,
            "siren,siret,routing_code,suffix,platform,start,end\n906170857,,,,9998,2025-01-01,\n",
        )
        .await;
        let dir = Directory::open(t.db.clone(), Fallback::Hierarchical)
            .await
            .unwrap()
            .with_today(day(TODAY));
        let siren = id(SIREN);
        let line = dir
            .create_line(
                Actor::Platform(m("0001")),
                &LineSpec {
                    addressing: siren.clone(),
                    matricule: m("0001"),
                    start: day("2026-10-16"),
                    end: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            dir.resolve(&siren, day("2026-10-15")).unwrap().matricule(),
            Some(Matricule::PPF)
        );
        assert_eq!(
            dir.resolve(&siren, day("2026-10-16")).unwrap().line.id,
            line.id
        );
        let current = t.db.lines_of(&siren).await.unwrap();
        assert_eq!(current.len(), 2);
        assert!(
            current
                .iter()
                .any(|l| l.matricule == Matricule::PPF && l.end == Some(day("2026-10-16")))
        );

        let mut full = Vec::new();
        assert_eq!(export_csv(&t.db, &mut full, None).await.unwrap(), 2);
        let mut diff = Vec::new();
        assert_eq!(
            export_csv(&t.db, &mut diff, Some(day("2000-01-01")))
                .await
                .unwrap(),
            3
        );
        let text = String::from_utf8(full).unwrap();
        assert!(
            text.starts_with("siren,siret,routing_code,suffix,platform,start,end,"),
            "{text}"
        );
        // A full export re-imports into an empty directory as the same lines.
        let other = super::directory_support::sqlite().await;
        seed(&other.db).await;
        let report = import(&other.db, &text).await;
        assert_eq!((report.inserted, report.refused), (2, 0));
        other.cleanup().await;
        t
    })
    .await;
}
