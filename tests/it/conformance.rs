//! Conformance against the official verdicts in `../shared/corpus`.
//!
//! For every corpus file, the fatal rule ids facteur reports are compared with those of
//! `expected.json`, restricted to the ids facteur implements for that syntax (the rule
//! registry plus the pre-rule ids), so the figures measure the rules that exist and
//! grow as rules are added. Each folder has a floor (the agreement reached so far):
//! the test fails when agreement drops below it, and prints every disagreement.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use facteur::ingest::report::{Severity, Syntax};
use facteur::ingest::validate::{RuleSet, registry};
use facteur::ingest::{Options, ingest};

/// Ids reported before the business rules run, implemented for every syntax.
const PRE_RULE_IDS: &[&str] = &[
    "XML-DOCTYPE",
    "XML-NOT-WELLFORMED",
    "SYNTAX-UNKNOWN",
    "PDF-UNREADABLE",
    "PDF-NO-XML",
    "XSD-INVALID",
];

/// Agreement floors, in per cent of files whose implemented fatal ids agree exactly.
/// Raise them when agreement improves; never lower them to make a change pass.
const FLOORS: &[(&str, f64)] = &[
    ("en16931", 100.0),
    ("mutations", 100.0),
    ("en16931-unit", 100.0),
];

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// The fatal ids facteur can report for each syntax.
fn implemented() -> HashMap<&'static str, BTreeSet<&'static str>> {
    let mut by_syntax = implemented_with(Severity::Fatal);
    for ids in by_syntax.values_mut() {
        ids.extend(PRE_RULE_IDS);
    }
    by_syntax.entry("unknown").or_default().extend(PRE_RULE_IDS);
    by_syntax
}

/// The ids of the implemented rules of one severity, per syntax.
fn implemented_with(severity: Severity) -> HashMap<&'static str, BTreeSet<&'static str>> {
    let mut by_syntax: HashMap<&'static str, BTreeSet<&'static str>> = HashMap::new();
    for entry in registry::all() {
        if entry.rule.severity == severity {
            by_syntax
                .entry(entry.syntax.as_str())
                .or_default()
                .insert(entry.rule.id);
        }
    }
    by_syntax
}

#[derive(Default)]
struct RuleTally {
    agree: usize,
    missed: usize,
    extra: usize,
}

struct FolderResult {
    files: usize,
    exact: usize,
    verdict_agree: usize,
    per_rule: BTreeMap<String, RuleTally>,
    disagreements: Vec<String>,
    /// Files whose implemented warning ids agree exactly.
    warning_exact: usize,
    warning_per_rule: BTreeMap<String, RuleTally>,
    warning_disagreements: Vec<String>,
}

fn expected_verdicts(dir: &Path) -> serde_json::Map<String, serde_json::Value> {
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    expected.as_object().unwrap().clone()
}

fn run_folder(dir: &Path, rules: RuleSet) -> FolderResult {
    let expected = expected_verdicts(dir);
    run_files(dir, expected.iter(), rules, |_| true)
}

/// Compares the files of `entries` (name, verdict), on the implemented fatal ids
/// that `compared` keeps.
fn run_files<'e>(
    dir: &Path,
    entries: impl Iterator<Item = (&'e String, &'e serde_json::Value)>,
    rules: RuleSet,
    compared: impl Fn(&str) -> bool,
) -> FolderResult {
    let implemented = implemented();
    let options = Options {
        rules,
        ..Options::default()
    };
    let mut result = FolderResult {
        files: 0,
        exact: 0,
        verdict_agree: 0,
        per_rule: BTreeMap::new(),
        disagreements: Vec::new(),
        warning_exact: 0,
        warning_per_rule: BTreeMap::new(),
        warning_disagreements: Vec::new(),
    };
    let implemented_warnings = implemented_with(Severity::Warning);
    let no_warnings = BTreeSet::new();
    for (name, verdict) in entries {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let outcome = ingest(&bytes, &options);
        let syntax = verdict["syntax"].as_str().unwrap();
        let known = &implemented[syntax];
        let want: BTreeSet<&str> = verdict["fatal"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .filter(|id| known.contains(id) && compared(id))
            .collect();
        let got: BTreeSet<&str> = outcome
            .report
            .rule_ids(Severity::Fatal)
            .into_iter()
            .filter(|id| known.contains(id) && compared(id))
            .collect();
        result.files += 1;
        let want_rejected = !verdict["fatal"].as_array().unwrap().is_empty();
        // Rejected exactly when not accepted.
        if want_rejected != outcome.report.accepted() {
            result.verdict_agree += 1;
        }
        tally(&mut result.per_rule, &want, &got);
        let known_warnings = implemented_warnings.get(syntax).unwrap_or(&no_warnings);
        let want_warnings: BTreeSet<&str> = verdict["warning"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .filter(|id| known_warnings.contains(id))
            .collect();
        let got_warnings: BTreeSet<&str> = outcome
            .report
            .rule_ids(Severity::Warning)
            .into_iter()
            .filter(|id| known_warnings.contains(id))
            .collect();
        tally(&mut result.warning_per_rule, &want_warnings, &got_warnings);
        if want_warnings == got_warnings {
            result.warning_exact += 1;
        } else {
            result.warning_disagreements.push(format!(
                "{name}: missing {:?}; extra {:?}",
                want_warnings.difference(&got_warnings).collect::<Vec<_>>(),
                got_warnings.difference(&want_warnings).collect::<Vec<_>>(),
            ));
        }
        if want == got && outcome.report.syntax.as_str() == syntax {
            result.exact += 1;
        } else {
            let messages: Vec<String> = outcome
                .report
                .findings
                .iter()
                .filter(|f| got.difference(&want).any(|id| *id == f.rule))
                .map(|f| format!("{} at {}: {}", f.rule, f.location, f.message))
                .take(3)
                .collect();
            result.disagreements.push(format!(
                "{name}: syntax {} (want {syntax}); missing {:?}; extra {:?} {messages:?}",
                outcome.report.syntax.as_str(),
                want.difference(&got).collect::<Vec<_>>(),
                got.difference(&want).collect::<Vec<_>>(),
            ));
        }
    }
    result
}

/// Counts, per rule id, the files where facteur and the official verdict agree on it.
fn tally(per_rule: &mut BTreeMap<String, RuleTally>, want: &BTreeSet<&str>, got: &BTreeSet<&str>) {
    for id in want.union(got) {
        let tally = per_rule.entry(id.to_string()).or_default();
        match (want.contains(id), got.contains(id)) {
            (true, true) => tally.agree += 1,
            (true, false) => tally.missed += 1,
            (false, true) => tally.extra += 1,
            (false, false) => {}
        }
    }
}

/// Prints the warning agreement of a folder (no floor yet: informative).
fn report_warnings(folder: &str, result: &FolderResult) {
    println!(
        "== {folder} warnings: implemented warning ids agree exactly on {}/{} files",
        result.warning_exact, result.files
    );
    for (id, tally) in &result.warning_per_rule {
        println!(
            "   {id:<22} agree {:>4}  missed {:>4}  extra {:>4}",
            tally.agree, tally.missed, tally.extra
        );
    }
    for line in result.warning_disagreements.iter().take(20) {
        println!("   ! {line}");
    }
    if result.warning_disagreements.len() > 20 {
        println!("   … {} more", result.warning_disagreements.len() - 20);
    }
}

fn report(folder: &str, result: &FolderResult) -> f64 {
    let pct = 100.0 * result.exact as f64 / result.files.max(1) as f64;
    println!(
        "== {folder}: {} files, implemented fatal ids agree exactly on {} ({pct:.2}%), verdict agrees on {}",
        result.files, result.exact, result.verdict_agree
    );
    for (id, tally) in &result.per_rule {
        if tally.missed + tally.extra > 0 {
            println!(
                "   {id:<22} agree {:>4}  missed {:>4}  extra {:>4}",
                tally.agree, tally.missed, tally.extra
            );
        }
    }
    // FACTEUR_CONFORMANCE_ALL=1 lists every disagreement instead of the first 40.
    let shown = if std::env::var_os("FACTEUR_CONFORMANCE_ALL").is_some_and(|v| v == "1") {
        usize::MAX
    } else {
        40
    };
    for line in result.disagreements.iter().take(shown) {
        println!("   ! {line}");
    }
    if result.disagreements.len() > shown {
        println!("   … {} more", result.disagreements.len() - shown);
    }
    pct
}

#[test]
fn corpus_agreement_with_official_verdicts() {
    let Some(corpus) = corpus() else {
        println!("SKIPPED: ../shared/corpus is absent, conformance not measured");
        return;
    };
    let mut failures = Vec::new();
    for (folder, floor) in FLOORS {
        let result = run_folder(&corpus.join(folder), RuleSet::En16931);
        let pct = report(folder, &result);
        report_warnings(folder, &result);
        if pct + 1e-9 < *floor {
            failures.push(format!("{folder}: {pct:.2}% < floor {floor}%"));
        }
    }
    assert!(failures.is_empty(), "agreement dropped: {failures:?}");
}

/// Floors for the French corpus, in per cent of files whose implemented fatal ids
/// agree exactly: UBL/CII under EN 16931, UBL/CII under EXTENDED-CTC-FR (BT-24), and
/// Factur-X PDFs (whose profile rules BT-24 also selects).
const FR_FLOORS: &[(&str, f64)] = &[
    ("fr (ubl + cii, EN 16931 profile)", 100.0),
    ("fr (ubl + cii, EXTENDED-CTC-FR profile)", 100.0),
    ("fr (pdf, Factur-X profiles)", 100.0),
];

/// Floors for the warning agreement of the same groups (the official verdicts list
/// warnings too; the transition warnings `…-08ini` are frequent in multi-vendor files).
const FR_WARNING_FLOORS: &[f64] = &[100.0, 100.0, 100.0];

/// True when the document's BT-24 selects the EXTENDED-CTC-FR rules.
fn selects_extended_ctc_fr(bytes: &[u8]) -> bool {
    let Ok(doc) = facteur::xml::parse(bytes, &facteur::xml::Limits::default()) else {
        return false;
    };
    let root = doc.root();
    let syntax = facteur::ingest::detect::syntax_of(root);
    facteur::ingest::profile::detect(root, syntax, facteur::ingest::profile::Origin::Standalone)
        == facteur::ingest::profile::Profile::ExtendedCtcFr
}

/// The French corpus (`fr/`): UBL and CII invoices and Factur-X PDFs, each under the
/// profile its BT-24 selects, with the BR-FR rules on top. Lifecycle messages are
/// measured in `lifecycle.rs`.
#[test]
fn french_corpus_agreement_with_official_verdicts() {
    let Some(corpus) = corpus() else {
        println!("SKIPPED: ../shared/corpus is absent, conformance not measured");
        return;
    };
    let dir = corpus.join("fr");
    let expected = expected_verdicts(&dir);
    let invoices: Vec<(&String, &serde_json::Value)> = expected
        .iter()
        .filter(|(name, _)| name.starts_with("ubl/") || name.starts_with("cii/"))
        .collect();
    let (extended, en16931): (Vec<_>, Vec<_>) = invoices.into_iter().partition(|(name, _)| {
        selects_extended_ctc_fr(&std::fs::read(dir.join(name.as_str())).unwrap())
    });
    let pdfs: Vec<(&String, &serde_json::Value)> = expected
        .iter()
        .filter(|(name, _)| name.starts_with("pdf/"))
        .collect();
    assert!(
        !extended.is_empty() && !pdfs.is_empty(),
        "the corpus has EXTENDED-CTC-FR files and PDFs"
    );
    let mut failures = Vec::new();
    for (((folder, floor), warning_floor), files) in FR_FLOORS
        .iter()
        .zip(FR_WARNING_FLOORS)
        .zip([en16931, extended, pdfs])
    {
        let result = run_files(&dir, files.into_iter(), RuleSet::Fr, |_| true);
        let pct = report(folder, &result);
        report_warnings(folder, &result);
        let warning_pct = 100.0 * result.warning_exact as f64 / result.files.max(1) as f64;
        if pct + 1e-9 < *floor {
            failures.push(format!("{folder}: {pct:.2}% < floor {floor}%"));
        }
        if result.verdict_agree != result.files {
            failures.push(format!(
                "{folder}: verdict agrees on {}/{} files",
                result.verdict_agree, result.files
            ));
        }
        if warning_pct + 1e-9 < *warning_floor {
            failures.push(format!(
                "{folder}: warnings {warning_pct:.2}% < floor {warning_floor}%"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "French agreement dropped: {failures:?}"
    );
}

/// The unit tests of the official artefacts: each names the rule that must fire
/// (`error`) or stay silent (`success`) on its fragment.
#[test]
fn official_unit_tests_rule_behaviour() {
    let Some(corpus) = corpus() else {
        println!("SKIPPED: ../shared/corpus is absent, unit tests not measured");
        return;
    };
    let dir = corpus.join("en16931-unit");
    let declared: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("declared.json")).unwrap()).unwrap();
    let implemented = implemented();
    let options = Options {
        rules: RuleSet::En16931,
        ..Options::default()
    };
    let (mut checked, mut agree) = (0usize, 0usize);
    let mut wrong = Vec::new();
    for (name, case) in declared.as_object().unwrap() {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let outcome = ingest(&bytes, &options);
        let syntax = match outcome.report.syntax {
            Syntax::Unknown => "unknown",
            s => s.as_str(),
        };
        let fired: BTreeSet<&str> = outcome.report.findings.iter().map(|f| f.rule).collect();
        for (key, must_fire) in [("error", true), ("success", false)] {
            for id in case[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
            {
                if !implemented[syntax].contains(id) {
                    continue;
                }
                checked += 1;
                if fired.contains(id) == must_fire {
                    agree += 1;
                } else {
                    wrong.push(format!(
                        "{name}: {id} should {}fire",
                        if must_fire { "" } else { "not " }
                    ));
                }
            }
        }
    }
    println!("== en16931-unit declared behaviour: {agree}/{checked} agree");
    for line in &wrong {
        println!("   ! {line}");
    }
    assert!(checked > 0, "no unit test exercised an implemented rule");
    let pct = 100.0 * agree as f64 / checked as f64;
    assert!(
        pct >= UNIT_FLOOR,
        "unit-test agreement {pct:.2}% below floor {UNIT_FLOOR}%"
    );
}

/// Floor for [`official_unit_tests_rule_behaviour`], in per cent.
const UNIT_FLOOR: f64 = 100.0;
