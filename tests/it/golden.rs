//! Golden, data-driven tests: every `fixtures/**/<case>.xml|pdf` is ingested and its
//! report compared with `<case>.expected.json` beside it. `FACTEUR_BLESS=1 cargo test`
//! rewrites the expected files (review the diff before committing).

use std::path::{Path, PathBuf};

use facteur::ingest::{Options, ingest};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn bless() -> bool {
    std::env::var_os("FACTEUR_BLESS").is_some_and(|v| v == "1")
}

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            cases(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("xml") || e.eq_ignore_ascii_case("pdf"))
        {
            out.push(path);
        }
    }
}

/// The report as stored in the golden file: what the JSON output prints for the file.
fn golden_value(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap();
    let report = ingest(&bytes, &Options::default()).report;
    serde_json::json!({
        "syntax": report.syntax.as_str(),
        "verdict": if report.accepted() { "accepted" } else { "rejected" },
        "rules": report.rules,
        "findings": report.findings,
    })
}

#[test]
fn every_fixture_matches_its_golden_report() {
    let mut all = Vec::new();
    cases(&fixtures(), &mut all);
    assert!(!all.is_empty(), "no fixture found under fixtures/");
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for path in &all {
        let expected_path = path.with_extension("expected.json");
        let actual = golden_value(path);
        if bless() {
            let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
            std::fs::write(&expected_path, text).unwrap();
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&expected_path) else {
            mismatches.push(format!(
                "{}: no {} (run with FACTEUR_BLESS=1)",
                path.display(),
                expected_path.display()
            ));
            continue;
        };
        let expected: serde_json::Value = serde_json::from_str(&text).unwrap();
        checked += 1;
        if expected != actual {
            mismatches.push(format!(
                "{}:\n  expected {expected}\n  actual   {actual}",
                path.display()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} golden mismatch(es):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    println!("{checked} fixtures match their golden reports");
}

/// The sample fixtures are the output of `facteur::samples`; this keeps them in step.
#[test]
fn sample_fixtures_are_current() {
    let samples = [
        (
            "ubl/sample-invoice-10-lines.xml",
            facteur::samples::ubl_invoice("F-2026-0010", 10),
        ),
        (
            "cii/sample-invoice-10-lines.xml",
            facteur::samples::cii_invoice("F-2026-0011", 10),
        ),
    ];
    for (name, text) in samples {
        let path = fixtures().join(name);
        if bless() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else {
            assert_eq!(
                std::fs::read_to_string(&path).unwrap_or_default(),
                text,
                "{name} is stale: run FACTEUR_BLESS=1 cargo test"
            );
        }
    }
}
