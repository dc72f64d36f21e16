//! Lifecycle messages (CDAR) of the French corpus against the official BR-FR-CDV
//! verdicts: fatal and warning ids per file, and the messages facteur writes itself.

use std::collections::BTreeSet;
use std::path::Path;

use facteur::ingest::report::{Severity, Syntax};
use facteur::ingest::{Options, ingest};
use facteur::lifecycle::LifecycleMessage;
use facteur::xml::{Limits, parse};

/// Files whose fatal and warning id sets must agree exactly, in per cent (ratchet).
const FLOOR: f64 = 100.0;

fn ids(value: &serde_json::Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn french_corpus_lifecycle_messages_agree_with_official_verdicts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/fr");
    let Ok(text) = std::fs::read(dir.join("expected.json")) else {
        println!("SKIPPED: ../shared/corpus/fr is absent");
        return;
    };
    let expected: serde_json::Value = serde_json::from_slice(&text).unwrap();
    let (mut files, mut exact) = (0usize, 0usize);
    let mut lines = Vec::new();
    for (name, verdict) in expected.as_object().unwrap() {
        if !name.starts_with("cdar/") {
            continue;
        }
        files += 1;
        let outcome = ingest(&std::fs::read(dir.join(name)).unwrap(), &Options::default());
        let report = &outcome.report;
        // XSD-INVALID comes from the schema layer; compare the rule ids here.
        let fatal: BTreeSet<String> = report
            .rule_ids(Severity::Fatal)
            .into_iter()
            .map(String::from)
            .collect();
        let warning: BTreeSet<String> = report
            .rule_ids(Severity::Warning)
            .into_iter()
            .map(String::from)
            .collect();
        let (want_fatal, want_warning) = (ids(&verdict["fatal"]), ids(&verdict["warning"]));
        if report.syntax == Syntax::Cdar && fatal == want_fatal && warning == want_warning {
            exact += 1;
        } else {
            lines.push(format!(
                "{name}: fatal missing {:?} extra {:?}; warning missing {:?} extra {:?}",
                want_fatal.difference(&fatal).collect::<Vec<_>>(),
                fatal.difference(&want_fatal).collect::<Vec<_>>(),
                want_warning.difference(&warning).collect::<Vec<_>>(),
                warning.difference(&want_warning).collect::<Vec<_>>(),
            ));
        }
    }
    let pct = 100.0 * exact as f64 / files.max(1) as f64;
    println!("== fr/cdar: {files} messages, ids agree exactly on {exact} ({pct:.2}%)");
    for line in &lines {
        println!("   ! {line}");
    }
    assert!(files > 0);
    assert!(
        pct >= FLOOR,
        "CDAR agreement {pct:.2}% below floor {FLOOR}%"
    );
}

#[test]
fn messages_facteur_writes_are_accepted() {
    let message = LifecycleMessage {
        business_process: Some("REGULATED".into()),
        guideline: Some("urn.cpro.gouv.fr:1p0:CDV:invoice".into()),
        id: "F-2026-0010_200_20260915101500".into(),
        name: Some("Déposée".into()),
        issued_at: Some("20260915101500".into()),
        sender: Some(facteur::lifecycle::cdar::Party {
            role: Some("WK".into()),
            ..Default::default()
        }),
        issuer: Some(facteur::lifecycle::cdar::Party {
            role: Some("WK".into()),
            ..Default::default()
        }),
        recipients: vec![facteur::lifecycle::cdar::Party {
            global_ids: vec![facteur::lifecycle::cdar::SchemedId {
                scheme: Some("0002".into()),
                value: "906170857".into(),
            }],
            name: Some("Conseil Numérique Azur SAS".into()),
            role: Some("SE".into()),
            electronic_address: Some(facteur::lifecycle::cdar::SchemedId {
                scheme: Some("0225".into()),
                value: "906170857".into(),
            }),
        }],
        type_code: Some("305".into()),
        status_at: Some("20260915101500".into()),
        references: vec![facteur::lifecycle::cdar::ReferencedInvoice {
            invoice_number: "F-2026-0010".into(),
            status_code: Some("10".into()),
            type_code: Some("380".into()),
            received_at: Some("20260915101500".into()),
            invoice_date: Some("20260915".into()),
            status: Some("200".into()),
            status_label: Some("Déposée".into()),
            issuer: Some(facteur::lifecycle::cdar::Party {
                global_ids: vec![facteur::lifecycle::cdar::SchemedId {
                    scheme: Some("0002".into()),
                    value: "906170857".into(),
                }],
                ..Default::default()
            }),
            details: Vec::new(),
        }],
    };
    let xml = message.to_xml();
    let outcome = ingest(xml.as_bytes(), &Options::default());
    assert_eq!(outcome.report.syntax, Syntax::Cdar);
    assert!(
        outcome.report.accepted(),
        "{xml}\n{:#?}",
        outcome.report.findings
    );
    let doc = parse(xml.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(LifecycleMessage::from_tree(doc.root()), message);
}
