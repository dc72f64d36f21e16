//! The XML Schema layer against the conformance corpus: `XSD-INVALID` must fire
//! exactly where the official schema validation failed (`expected.json`).
//!
//! Walks `../shared/corpus` when it exists (skipped with a message otherwise), prints
//! the agreement per folder and every disagreement with the findings, and holds the
//! agreement to a floor that only ever goes up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use facteur::ingest::detect::syntax_of;
use facteur::ingest::report::{Finding, Syntax};
use facteur::ingest::schema;
use facteur::ingest::validate::RuleSet;
use facteur::xml::{self, Limits};

const RULE: &str = "XSD-INVALID";

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// Agreement on one corpus folder.
struct Tally {
    checked: usize,
    agreed: usize,
    skipped: usize,
    disagreements: Vec<String>,
}

fn run_folder(corpus: &Path, folder: &str, rules: RuleSet) -> Tally {
    let dir = corpus.join(folder);
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json readable");
    let expected: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&text).expect("expected.json is a map");
    let mut tally = Tally {
        checked: 0,
        agreed: 0,
        skipped: 0,
        disagreements: Vec::new(),
    };
    for (file, verdict) in &expected {
        // PDFs are the Factur-X layer's business; their XML is covered by `cii/`.
        if !file.to_ascii_lowercase().ends_with(".xml") {
            tally.skipped += 1;
            continue;
        }
        let want = verdict["fatal"]
            .as_array()
            .is_some_and(|ids| ids.iter().any(|id| id == RULE));
        let bytes = std::fs::read(dir.join(file)).expect("corpus file readable");
        // Files refused before the schema layer (DOCTYPE, not well-formed, unknown
        // syntax) never reach it: nothing to compare.
        let Ok(doc) = xml::parse(&bytes, &Limits::default()) else {
            tally.skipped += 1;
            continue;
        };
        let syntax = syntax_of(doc.root());
        if syntax == Syntax::Unknown {
            tally.skipped += 1;
            continue;
        }
        let mut findings: Vec<Finding> = Vec::new();
        schema::validate(doc.root(), syntax, rules, &mut findings);
        assert!(
            findings.len() <= schema::MAX_FINDINGS + 1,
            "{folder}/{file}: the cap is not applied"
        );
        let got = findings.iter().any(|f| f.rule == RULE);
        tally.checked += 1;
        if got == want {
            tally.agreed += 1;
        } else {
            let detail: Vec<String> = findings
                .iter()
                .take(3)
                .map(|f| format!("{} at {}: {}", f.rule, f.location, f.message))
                .collect();
            tally.disagreements.push(format!(
                "{folder}/{file}: expected XSD-INVALID {want}, got {got} {detail:?}"
            ));
        }
    }
    tally
}

#[test]
fn xsd_invalid_agrees_with_the_official_schemas() {
    let Some(corpus) = corpus() else {
        println!("skipped: ../shared/corpus is absent");
        return;
    };
    // (folder, rule set, floor of agreeing files): raise a floor when it improves.
    let folders = [
        ("en16931", RuleSet::En16931, 63),
        ("en16931-unit", RuleSet::En16931, 1140),
        ("mutations", RuleSet::En16931, 614),
        ("fr", RuleSet::Fr, 1256),
    ];
    let mut failures = Vec::new();
    for (folder, rules, floor) in folders {
        let t = run_folder(&corpus, folder, rules);
        println!(
            "{folder}: {}/{} agree ({} skipped)",
            t.agreed, t.checked, t.skipped
        );
        for d in &t.disagreements {
            println!("  {d}");
        }
        if t.agreed < floor {
            failures.push(format!("{folder}: {} agree, floor {floor}", t.agreed));
        }
    }
    assert!(
        failures.is_empty(),
        "agreement below the floor: {failures:?}"
    );
}
