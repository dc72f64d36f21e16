//! Completeness against the rules catalogues in `../shared/reference/`: every rule id
//! of `rules-catalogue.md` (EN 16931 counts, BR-FR, BR-FR-CDV) and of
//! `rules-catalogue-profiles.md` (EXTENDED-CTC-FR, the three Factur-X profiles) is
//! implemented for the syntax or profile the catalogue gives it, with the official
//! severity, unless [`LEFT_ALONE`] says why not. A rule that goes missing, or a new
//! catalogue id, makes this test fail by name.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use facteur::ingest::profile::FacturX;
use facteur::ingest::report::{Severity, Syntax};
use facteur::ingest::validate::{Rule, extended, facturx, fr, registry};

/// Catalogue ids facteur deliberately does not declare, with the rule set they belong
/// to and the reason. Each can never fail on any document, so declaring them would
/// mean a rule that returns "ok" without checking anything.
const LEFT_ALONE: &[(&str, &str, &str)] = &[
    (
        "ubl",
        "BR-FR-16_BT-103",
        "same context as the BR-FR-16 assertion before it in its pattern: first match wins, so it never fires (catalogue §1.1)",
    ),
    (
        "ubl",
        "BR-FR-DEC-01_BT-111",
        "same context as the BT-110 assertion before it in its pattern: first match wins, so it never fires (catalogue §1.1)",
    ),
    (
        "cii",
        "BR-FR-DEC-01_BT-111",
        "same context as the BT-110 assertion before it in its pattern: first match wins, so it never fires (catalogue §1.1)",
    ),
    (
        "cdar",
        "BR-FR-CDV-01",
        "its test is its own context node (GuidelineSpecifiedDocumentContextParameter): it can never fail, and an absent element is not detected (catalogue §2.9)",
    ),
    (
        "cdar",
        "BR-FR-CDV-04",
        "its test is its own context node (ExchangedDocument/IssueDateTime): it can never fail (catalogue §2.9)",
    ),
    (
        "cdar",
        "BR-FR-CDV-05",
        "its test is its own context node (ExchangedDocument/SenderTradeParty): it can never fail (catalogue §2.9)",
    ),
    (
        "cdar",
        "BR-FR-CDV-06",
        "its test is its own context node (SenderTradeParty/RoleCode): it can never fail (catalogue §2.9)",
    ),
    (
        "cdar",
        "BR-FR-CDV-10",
        "its test is its own context node (ReferenceReferencedDocument/IssuerAssignedID): it can never fail (catalogue §2.9)",
    ),
    (
        "cii EXTENDED-CTC-FR",
        "BR-EXT-CL-07",
        "its test is `not(self::ram:ContractReferencedDocument) or …` on a ram:ReferenceTypeCode node, which is never a ContractReferencedDocument: it can never fail (rules-catalogue-profiles §2.7)",
    ),
    (
        "Factur-X EN16931",
        "BR-AF-08",
        "in Factur-X its `../ram:RateApplicablePercent` is always empty, so it can never fail (rules-catalogue-profiles §3.5)",
    ),
    (
        "Factur-X EN16931",
        "BR-AG-08",
        "as BR-AF-08: never fails in Factur-X (rules-catalogue-profiles §3.5)",
    ),
    (
        "Factur-X *",
        "BR-AF-09",
        "always true in Factur-X (rules-catalogue-profiles §3.4)",
    ),
    (
        "Factur-X *",
        "BR-AG-09",
        "always true in Factur-X (rules-catalogue-profiles §3.4)",
    ),
    (
        "Factur-X *",
        "CII-SR-464",
        "its Factur-X test `(A or B) or (not A and not B)` is a tautology: it never fails (rules-catalogue-profiles §3.4)",
    ),
];

/// Ids whose declared severity `facturx::check` changes at run time: warnings in
/// EN16931-CII, fatal in Factur-X (rules-catalogue-profiles §1.3).
const RAISED_TO_FATAL_IN_FACTUR_X: &[&str] = &["CII-SR-465", "CII-SR-466"];

fn left_alone(set: &str, id: &str) -> bool {
    LEFT_ALONE.iter().any(|(s, i, _)| {
        *i == id && (*s == set || (s.ends_with(" *") && set.starts_with(s.trim_end_matches(" *"))))
    })
}

fn catalogue(name: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference")
        .join(name);
    std::fs::read_to_string(path).ok()
}

fn section<'t>(text: &'t str, start: &str, end: &str) -> &'t str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start:?}"));
    let rest = &text[from..];
    let to = rest[start.len()..]
        .find(end)
        .map_or(rest.len(), |i| i + start.len());
    &rest[..to]
}

/// The cells of a markdown table row.
fn cells(line: &str) -> Vec<&str> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(str::trim)
        .collect()
}

/// `BR-FR-…` tokens of a cell.
fn french_ids(cell: &str) -> Vec<&str> {
    cell.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|t| t.starts_with("BR-FR-"))
        .collect()
}

/// The rule a BR-FR assertion reports under (corpus README): `BR-FR-`, the family
/// words (`CO`, `MV`, `CDV-CL` …) and the rule number (`BR-FR-MV-14-EXT-FR-FE-136` →
/// `BR-FR-MV-14`), except three UBL assertion ids named after another rule.
fn french_rule(assertion: &str) -> String {
    match assertion {
        "BR-FR-30_BT-21" => return "BR-FR-31".to_string(),
        "BR-FR-08_BT-151-2" => return "BR-FR-15".to_string(),
        "BR-FR-MV-BD_BT-3" => return "BR-FR-BD-13".to_string(),
        _ => {}
    }
    let mut parts = vec!["BR", "FR"];
    for piece in assertion["BR-FR-".len()..].split(['-', '_']) {
        parts.push(piece);
        if piece.bytes().all(|b| b.is_ascii_digit()) {
            break;
        }
    }
    parts.join("-")
}

fn registered(syntax: Syntax) -> HashMap<&'static str, Severity> {
    registry::all()
        .into_iter()
        .filter(|e| e.syntax == syntax)
        .map(|e| (e.rule.id, e.rule.severity))
        .collect()
}

fn by_id(rules: Vec<&'static Rule>) -> HashMap<&'static str, Severity> {
    rules.into_iter().map(|r| (r.id, r.severity)).collect()
}

/// Checks `expected` (id → official severity) against `implemented`; returns the
/// problems found.
fn compare(
    set: &str,
    expected: &[(String, Severity)],
    implemented: &HashMap<&'static str, Severity>,
    problems: &mut Vec<String>,
) {
    for (id, severity) in expected {
        if left_alone(set, id) {
            assert!(
                !implemented.contains_key(id.as_str()),
                "{set}: {id} is implemented but listed in LEFT_ALONE"
            );
            continue;
        }
        match implemented.get(id.as_str()) {
            None => problems.push(format!("{set}: {id} is not implemented")),
            Some(found) if found != severity => {
                let raised = set.starts_with("Factur-X")
                    && RAISED_TO_FATAL_IN_FACTUR_X.contains(&id.as_str())
                    && *severity == Severity::Fatal;
                if !raised {
                    problems.push(format!(
                        "{set}: {id} is {found:?}, the catalogue says {severity:?}"
                    ));
                }
            }
            Some(_) => {}
        }
    }
}

#[test]
fn every_rule_of_the_main_catalogue_is_implemented_with_its_severity() {
    let Some(text) = catalogue("rules-catalogue.md") else {
        println!("SKIPPED: ../shared/reference is absent");
        return;
    };
    let mut problems = Vec::new();

    // EN 16931: the inventory's per-file counts of fatal and warning ids.
    for (syntax, file) in [
        (Syntax::Ubl, "EN16931-UBL-validation-preprocessed.sch"),
        (Syntax::Cii, "EN16931-CII-validation-preprocessed.sch"),
    ] {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("| {file} (")))
            .expect("the inventory row of the EN file");
        let numbers: Vec<usize> = cells(row)[1..]
            .iter()
            .map(|c| c.parse().expect("a count"))
            .collect();
        let en: Vec<Severity> = registry::all()
            .into_iter()
            .filter(|e| e.syntax == syntax && e.set == registry::EN16931_SET)
            .map(|e| e.rule.severity)
            .collect();
        let fatal = en.iter().filter(|s| **s == Severity::Fatal).count();
        assert_eq!(
            (en.len(), fatal, en.len() - fatal),
            (numbers[1], numbers[2], numbers[3]),
            "EN 16931 {}: (ids, fatal, warning)",
            syntax.as_str()
        );
    }

    // BR-FR (§2.8): every assertion, UBL (U:) and CII (C:), reports under a rule the
    // registry lists for that syntax; all are fatal.
    let french = section(&text, "### 2.8 French", "### 2.9");
    let mut ubl_assertions = BTreeSet::new();
    let mut cii_assertions = BTreeSet::new();
    for line in french.lines().filter(|l| l.starts_with("| ")) {
        for part in cells(line)[0].split("<br>") {
            let part = part.trim();
            if let Some(ids) = part.strip_prefix("U:") {
                ubl_assertions.extend(french_ids(ids));
            } else if let Some(ids) = part.strip_prefix("C:") {
                cii_assertions.extend(french_ids(ids));
            }
        }
    }
    assert!(
        ubl_assertions.len() == 175 && cii_assertions.len() == 171,
        "the §2.8 table lists every assertion of the inventory"
    );
    // Each assertion is declared in its syntax's binding, under the rule it reports.
    for (syntax, ids, declared) in [
        ("ubl", &ubl_assertions, fr::ubl::assertions()),
        ("cii", &cii_assertions, fr::cii::assertions()),
    ] {
        for id in ids.iter() {
            if left_alone(syntax, id) {
                continue;
            }
            match declared.iter().find(|a| a.id == *id) {
                None => problems.push(format!("{syntax}: assertion {id} is not declared")),
                Some(a) if a.rule.id != french_rule(id) => problems.push(format!(
                    "{syntax}: assertion {id} reports under {}, not {}",
                    a.rule.id,
                    french_rule(id)
                )),
                Some(_) => {}
            }
        }
    }
    let ubl: BTreeSet<String> = ubl_assertions.iter().map(|id| french_rule(id)).collect();
    let cii: BTreeSet<String> = cii_assertions.iter().map(|id| french_rule(id)).collect();
    for (syntax, ids) in [(Syntax::Ubl, &ubl), (Syntax::Cii, &cii)] {
        let expected: Vec<(String, Severity)> = ids
            .iter()
            .map(|id| (id.to_string(), Severity::Fatal))
            .collect();
        compare(
            syntax.as_str(),
            &expected,
            &registered(syntax),
            &mut problems,
        );
    }

    // BR-FR-CDV (§2.9): one row per assertion, with its flag.
    let cdar = section(&text, "### 2.9 Lifecycle", "## 3.");
    let mut expected: HashMap<String, Severity> = HashMap::new();
    for line in cdar.lines().filter(|l| l.starts_with("| BR-FR-")) {
        let row = cells(line);
        let severity = if row[1] == "W" {
            Severity::Warning
        } else {
            Severity::Fatal
        };
        expected.insert(french_rule(row[0]), severity);
    }
    assert!(expected.len() > 20, "the §2.9 table was read");
    let expected: Vec<(String, Severity)> = expected.into_iter().collect();
    compare("cdar", &expected, &registered(Syntax::Cdar), &mut problems);

    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The ids of one Appendix E list (`### E.n …` up to the next heading).
fn appendix_e(text: &str, heading: &str) -> Vec<String> {
    let part = section(text, heading, "\n### ");
    part.lines()
        .filter_map(|l| l.strip_prefix("- §"))
        .filter_map(|l| l.split_once(": ").map(|(_, ids)| ids))
        .flat_map(|ids| ids.split(", "))
        .map(|id| id.trim().to_string())
        .collect()
}

/// The severity the profiles catalogue gives an id: the `Flag` cell of its row in
/// §2 or §3 where one row names it alone (or as `UBL id / CII id`), the `-08ini` /
/// `-08rev` transition rules are warnings (§2.5), the Factur-X warnings are the
/// ones §1.3 lists, and everything else is fatal (a missing `@flag` counts as fatal).
fn profile_severity(text: &str, set: &str, syntax: Syntax, id: &str) -> Severity {
    if id.ends_with("-08ini") || id.ends_with("-08rev") {
        return Severity::Warning;
    }
    if let Some(profile) = set.strip_prefix("Factur-X ") {
        let warnings: &[&str] = match profile {
            "BASIC WL" => &[],
            "EN16931" => &["PEPPOL-EN16931-R008", "BR-FX-EN-04"],
            _ => &["PEPPOL-EN16931-R008", "BR-FXEXT-04"],
        };
        return if warnings.contains(&id) {
            Severity::Warning
        } else {
            Severity::Fatal
        };
    }
    let body = section(text, "## 2. EXTENDED-CTC-FR", "## 3.");
    for line in body.lines().filter(|l| l.starts_with("| ")) {
        let row = cells(line);
        if row.len() < 3 {
            continue;
        }
        let names: Vec<&str> = row[0].split(" / ").map(str::trim).collect();
        let named = match (names.as_slice(), syntax) {
            _ if !matches!(row[1].trim_matches('*').chars().next(), Some('F' | 'W')) => false,
            ([one], _) => *one == id,
            ([ubl, _], Syntax::Ubl) => *ubl == id,
            ([_, cii], _) => *cii == id,
            _ => false,
        };
        if named {
            return if row[1].trim_matches('*').starts_with('W') {
                Severity::Warning
            } else {
                Severity::Fatal
            };
        }
    }
    Severity::Fatal
}

#[test]
fn every_rule_of_the_profiles_catalogue_is_implemented_with_its_severity() {
    let Some(text) = catalogue("rules-catalogue-profiles.md") else {
        println!("SKIPPED: ../shared/reference is absent");
        return;
    };
    let index = section(&text, "## Appendix E.", "\n## ");
    let mut problems = Vec::new();

    // EXTENDED-CTC-FR: the ids the profile adds or changes (E.1, E.2; the kept EN ids
    // are the EN 16931 rules, counted above), listed for the syntax.
    for (syntax, heading) in [
        (Syntax::Ubl, "### E.1 EXTENDED-CTC-FR-UBL"),
        (Syntax::Cii, "### E.2 EXTENDED-CTC-FR-CII"),
    ] {
        let set = format!("{} EXTENDED-CTC-FR", syntax.as_str());
        let own = match syntax {
            Syntax::Ubl => extended::ubl_rules(),
            _ => extended::cii_rules(),
        };
        let mut implemented = registered(syntax);
        // A changed EN id (BR-55, CII-SR-454 …) is listed under EN 16931 by the
        // registry; its EXTENDED-CTC-FR declaration carries the profile's severity.
        implemented.extend(by_id(own));
        let expected: Vec<(String, Severity)> = appendix_e(index, heading)
            .into_iter()
            .map(|id| {
                let severity = profile_severity(&text, &set, syntax, &id);
                (id, severity)
            })
            .collect();
        assert!(expected.len() > 60, "{heading} was read");
        compare(&set, &expected, &implemented, &mut problems);
    }

    // Factur-X: every id of each profile's stylesheet (E.3–E.5) and the four
    // structural pseudo ids, among the rules that profile's check reports.
    for (profile, heading) in [
        (FacturX::BasicWl, "### E.3 Factur-X_BASICWL"),
        (FacturX::En16931, "### E.4 Factur-X_EN16931"),
        (FacturX::Extended, "### E.5 Factur-X_EXTENDED"),
    ] {
        let set = format!("Factur-X {}", profile.name());
        let mut ids = appendix_e(index, heading);
        ids.extend(
            [
                "FX-CARDINALITY",
                "FX-NOT-USED",
                "FX-CODELIST",
                "FX-ATTRIBUTE",
            ]
            .map(String::from),
        );
        let expected: Vec<(String, Severity)> = ids
            .into_iter()
            .map(|id| {
                let severity = profile_severity(&text, &set, Syntax::Cii, &id);
                (id, severity)
            })
            .collect();
        assert!(expected.len() > 100, "{heading} was read");
        compare(
            &set,
            &expected,
            &by_id(facturx::rules_for(profile)),
            &mut problems,
        );
    }

    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_id_left_alone_is_a_catalogue_id_with_a_reason() {
    let (Some(main), Some(profiles)) = (
        catalogue("rules-catalogue.md"),
        catalogue("rules-catalogue-profiles.md"),
    ) else {
        println!("SKIPPED: ../shared/reference is absent");
        return;
    };
    for (set, id, reason) in LEFT_ALONE {
        assert!(
            main.contains(id) || profiles.contains(id),
            "{set}: {id} is not a catalogue id"
        );
        assert!(reason.len() > 40, "{id}: say precisely why");
    }
}
