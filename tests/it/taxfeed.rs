//! The tax feed against the official schemas and its sources: every F1 file (Base and
//! Full, UBL and CII) extracted from the corpus's accepted French invoices and from
//! the samples, every F6 message and every F10 file validate with `xmllint` against
//! the DGFiP XSDs; the extracts' totals, counts and periods match the invoices; the
//! B2C aggregation matches a plain recomputation; flows pack and name as specified.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use facteur::ingest::report::Syntax;
use facteur::ingest::{Options, ingest};
use facteur::invoice::Invoice;
use facteur::lifecycle::{LifecycleMessage, Status};
use facteur::samples;
use facteur::taxfeed::f1::{self, F1Error, F1File, F1Syntax, Profile};
use facteur::taxfeed::f6::{self, CollectedAmount, InvoiceRef, StatusEvent, vat_due_on_payment};
use facteur::taxfeed::{Instant, ProcessingType, processing_type};

#[path = "taxfeed_f10.rs"]
pub mod f10;
#[path = "taxfeed_flow.rs"]
mod flow;

pub fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.join("reference/dgfip").is_dir() {
        Some(dir)
    } else {
        println!("skipped: no ../shared/reference/dgfip beside the checkout");
        None
    }
}

/// True when `xmllint` can run; otherwise prints why the schema checks are skipped,
/// or fails when `FACTEUR_REQUIRE_SERVICES=1` says they must run.
pub fn have_xmllint() -> bool {
    let ok = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("FACTEUR_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "xmllint is required (apt-get install -y libxml2-utils)"
        );
        println!("skipped: xmllint absent (apt-get install -y libxml2-utils)");
    }
    ok
}

/// Writes `files` (name, content) under a fresh directory and validates them all
/// against `xsd` in one `xmllint` run; returns the names that do not validate, with
/// xmllint's messages.
pub fn xmllint(xsd: &Path, tag: &str, files: &[(String, String)]) -> Vec<String> {
    if files.is_empty() {
        return Vec::new();
    }
    let dir = std::env::temp_dir().join(format!("facteur-taxfeed-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut paths = Vec::new();
    for (name, content) in files {
        let path = dir.join(name);
        std::fs::write(&path, content).expect("write temp file");
        paths.push(path);
    }
    let mut failures = Vec::new();
    // Bounded batches keep the command line short.
    for chunk in paths.chunks(200) {
        let out = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(xsd)
            .args(chunk)
            .output()
            .expect("xmllint runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        for path in chunk {
            let shown = path.display().to_string();
            if !stderr.contains(&format!("{shown} validates")) {
                let messages: Vec<&str> = stderr
                    .lines()
                    .filter(|l| l.starts_with(&shown))
                    .take(5)
                    .collect();
                failures.push(format!("{shown}:\n  {}", messages.join("\n  ")));
            }
        }
    }
    if failures.is_empty() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    failures
}

pub fn f1_xsd(shared: &Path, file: &F1File) -> PathBuf {
    let base = shared.join("reference/dgfip/xsd-f1");
    let credit_note = file.xml.contains("<CreditNote ");
    match (file.profile, file.syntax, credit_note) {
        (Profile::Base, F1Syntax::Ubl, false) => {
            base.join("F1_BASE_UBL_2.1/F1BASE_UBL-invoice-2.1.xsd")
        }
        (Profile::Base, F1Syntax::Ubl, true) => {
            base.join("F1_BASE_UBL_2.1/F1BASE_UBL-CreditNote-2.1.xsd")
        }
        (Profile::Full, F1Syntax::Ubl, false) => {
            base.join("F1_FULL_UBL_2.1/F1FULL_UBL_invoice-2.1.xsd")
        }
        (Profile::Full, F1Syntax::Ubl, true) => {
            base.join("F1_FULL_UBL_2.1/F1FULL_UBL_CreditNote-2.1.xsd")
        }
        (Profile::Base, F1Syntax::Cii, _) => base.join(
            "F1_BASE_CII_D22B/uncefact/data/standard/F1BASE_CrossIndustryInvoice_100pD22B.xsd",
        ),
        (Profile::Full, F1Syntax::Cii, _) => base.join(
            "F1_FULL_CII_D22B/uncefact/data/standard/F1FULL_CrossIndustryInvoice_100pD22B.xsd",
        ),
    }
}

/// The corpus's French invoices the official rules accept, mapped, with their syntax.
pub fn accepted_corpus_invoices(shared: &Path) -> Vec<(String, Invoice, F1Syntax)> {
    let corpus = shared.join("corpus/fr");
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(corpus.join("expected.json")).expect("expected.json"),
    )
    .expect("expected.json parses");
    let mut out = Vec::new();
    let Some(map) = expected.as_object() else {
        panic!("expected.json is an object")
    };
    for (name, verdict) in map {
        let syntax = match verdict["syntax"].as_str() {
            Some("ubl") => F1Syntax::Ubl,
            Some("cii") => F1Syntax::Cii,
            _ => continue,
        };
        let xml_file =
            (name.starts_with("ubl/") || name.starts_with("cii/")) && name.ends_with(".xml");
        if !xml_file || verdict["fatal"].as_array().is_none_or(|f| !f.is_empty()) {
            continue;
        }
        let bytes = std::fs::read(corpus.join(name)).expect("corpus file");
        let outcome = ingest(&bytes, &Options::default());
        let invoice = outcome
            .invoice
            .unwrap_or_else(|| panic!("{name}: accepted file gave no model"));
        out.push((name.clone(), invoice, syntax));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

pub fn sample_invoices() -> Vec<(String, Invoice, F1Syntax)> {
    let mut out = Vec::new();
    for lines in [1, 7, 40] {
        for (syntax, xml) in [
            (
                F1Syntax::Ubl,
                samples::ubl_invoice(&format!("S-UBL-{lines}"), lines),
            ),
            (
                F1Syntax::Cii,
                samples::cii_invoice(&format!("S-CII-{lines}"), lines),
            ),
        ] {
            let outcome = ingest(xml.as_bytes(), &Options::default());
            assert_eq!(
                outcome.report.syntax,
                match syntax {
                    F1Syntax::Ubl => Syntax::Ubl,
                    F1Syntax::Cii => Syntax::Cii,
                }
            );
            let invoice = outcome.invoice.expect("sample maps");
            out.push((format!("sample-{lines}-{syntax:?}"), invoice, syntax));
        }
    }
    out
}

/// Refusals an accepted invoice may still meet: not domestic B2B (e-reported instead),
/// or a framework / type the PPF's F1 does not take.
fn refusal_is_legitimate(invoice: &Invoice, error: &F1Error) -> bool {
    match error {
        F1Error::NotDomestic(kind) => {
            processing_type(invoice) == Ok(*kind) && *kind != ProcessingType::B2B
        }
        F1Error::Framework(_) | F1Error::TypeCode(_) => true,
        // F2 rules accept a credit note whose preceding invoice has no date; the F1
        // Full profile does not (G1.31).
        F1Error::PrecedingInvoice(_) => invoice
            .preceding_invoices
            .iter()
            .any(|p| p.issue_date.is_none()),
        _ => false,
    }
}

#[test]
fn every_f1_extract_validates_against_the_official_xsds() {
    let Some(shared) = shared() else { return };
    let mut sources = accepted_corpus_invoices(&shared);
    sources.extend(sample_invoices());
    let mut by_xsd: BTreeMap<PathBuf, Vec<(String, String)>> = BTreeMap::new();
    let mut extracted = 0;
    let mut refused = BTreeMap::<String, usize>::new();
    for (name, invoice, syntax) in &sources {
        for profile in [Profile::Base, Profile::Full] {
            match f1::extract(invoice, *syntax, profile) {
                Ok(file) => {
                    extracted += 1;
                    assert!(
                        file.file_name.starts_with(&format!("{profile}_")),
                        "{name}: {}",
                        file.file_name
                    );
                    check_f1_content(name, invoice, &file);
                    let flat = name.replace('/', "_");
                    by_xsd
                        .entry(f1_xsd(&shared, &file))
                        .or_default()
                        .push((format!("{profile}_{flat}"), file.xml));
                }
                Err(e) => {
                    assert!(
                        refusal_is_legitimate(invoice, &e),
                        "{name} ({profile}): {e}"
                    );
                    *refused.entry(format!("{e}")).or_default() += 1;
                }
            }
        }
    }
    println!(
        "F1: {extracted} files from {} invoices; refused: {refused:#?}",
        sources.len()
    );
    assert!(extracted >= 200, "only {extracted} F1 files extracted");
    if !have_xmllint() {
        return;
    }
    let mut failures = Vec::new();
    for (i, (xsd, files)) in by_xsd.iter().enumerate() {
        failures.extend(xmllint(xsd, &format!("f1-{i}"), files));
    }
    assert!(
        failures.is_empty(),
        "{} invalid F1 files:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The extract carries the invoice's totals per VAT rate, its line count (Full) and
/// its number, dates and parties, read back from the written XML.
fn check_f1_content(name: &str, invoice: &Invoice, file: &F1File) {
    let doc = facteur::xml::parse(file.xml.as_bytes(), &facteur::xml::Limits::default())
        .unwrap_or_else(|e| panic!("{name}: F1 is not well-formed: {e:?}"));
    let root = doc.root();
    let texts = |local: &str| -> Vec<String> {
        root.descendants()
            .filter(|n| n.local_name() == local)
            .map(|n| n.text().trim().to_string())
            .collect()
    };
    let (taxable, tax, lines) = match file.syntax {
        F1Syntax::Ubl => (
            "TaxableAmount",
            "TaxAmount",
            if file.xml.contains("<CreditNote ") {
                "CreditNoteLine"
            } else {
                "InvoiceLine"
            },
        ),
        F1Syntax::Cii => (
            "BasisAmount",
            "CalculatedAmount",
            "IncludedSupplyChainTradeLineItem",
        ),
    };
    let expected_taxable: Vec<String> = invoice
        .vat_breakdown
        .iter()
        .filter_map(|v| v.taxable_amount.map(|a| a.to_string()))
        .collect();
    let mut expected_tax: Vec<String> = invoice
        .vat_breakdown
        .iter()
        .filter_map(|v| v.tax_amount.map(|a| a.to_string()))
        .collect();
    let written_taxable = texts(taxable);
    assert_eq!(
        written_taxable, expected_taxable,
        "{name}: taxable amounts per rate"
    );
    if file.syntax == F1Syntax::Ubl {
        // UBL's TaxAmount also holds the TaxTotal sums: BT-110 first, BT-111 last.
        let mut all = vec![
            invoice
                .totals
                .total_vat
                .map(|a| a.to_string())
                .unwrap_or_default(),
        ];
        all.append(&mut expected_tax);
        let accounting = invoice
            .vat_accounting_currency_code
            .as_ref()
            .filter(|code| invoice.currency_code.as_ref() != Some(*code));
        if let (Some(_), Some(amount)) = (accounting, invoice.totals.total_vat_accounting_currency)
        {
            all.push(amount.to_string());
        }
        expected_tax = all;
    }
    assert_eq!(texts(tax), expected_tax, "{name}: tax amounts");
    let line_count = texts(lines).len();
    match file.profile {
        Profile::Base => assert_eq!(line_count, 0, "{name}: Base has no lines"),
        Profile::Full => assert_eq!(
            line_count,
            invoice.lines.len(),
            "{name}: Full keeps every line"
        ),
    }
    assert!(file.xml.contains(&format!(
        ">{}<",
        quick_escape(invoice.number.as_deref().unwrap_or(""))
    )));
}

fn quick_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One event per mandatory status for `invoice`, with what each needs.
pub fn mandatory_events(invoice: &Invoice) -> Vec<(StatusEvent, bool)> {
    let reference = InvoiceRef::from_invoice(invoice).expect("invoice has BT-1, BT-2, BT-3, SIREN");
    let at = Instant::parse("20260915101500").expect("valid");
    let base = StatusEvent {
        invoice: reference,
        status: Status::Deposited,
        at,
        deposited_at: Some(at),
        reason_code: None,
        reason: None,
        collected: Vec::new(),
    };
    let on_payment = vat_due_on_payment(invoice);
    let mut out = vec![
        (base.clone(), on_payment),
        (
            StatusEvent {
                status: Status::Refused,
                at: at.plus_hours(30),
                reason_code: Some("DOUBLON".into()),
                reason: Some("Facture déjà reçue <ref. & co>".into()),
                ..base.clone()
            },
            on_payment,
        ),
        (
            StatusEvent {
                status: Status::Rejected,
                reason_code: Some("REJ_SEMAN".into()),
                ..base.clone()
            },
            on_payment,
        ),
    ];
    // 212 carries the amount collected per rate: here the whole invoice, with VAT.
    let collected = invoice
        .vat_breakdown
        .iter()
        .map(|v| CollectedAmount {
            rate: v.rate.map(|r| r.value()).unwrap_or_default(),
            amount: v.taxable_amount.map(|a| a.value()).unwrap_or_default()
                + v.tax_amount.map(|a| a.value()).unwrap_or_default(),
        })
        .collect();
    out.push((
        StatusEvent {
            status: Status::Collected,
            at: at.plus_hours(24 * 40),
            collected,
            ..base
        },
        true,
    ));
    out
}

#[test]
fn every_f6_message_validates_and_passes_the_cdar_rules() {
    let Some(shared) = shared() else { return };
    let platform = f10::platform();
    let mut sources: Vec<Invoice> = accepted_corpus_invoices(&shared)
        .into_iter()
        .map(|(_, i, _)| i)
        .filter(|i| processing_type(i) == Ok(ProcessingType::B2B) && f1::check(i).is_ok())
        .collect();
    sources.extend(sample_invoices().into_iter().map(|(_, i, _)| i));
    let mut files = Vec::new();
    for invoice in &sources {
        for (event, on_payment) in mandatory_events(invoice) {
            let m = f6::message(&platform, &event, on_payment)
                .unwrap_or_else(|e| panic!("{:?} {}: {e}", invoice.number, event.status.code()));
            assert_eq!(m.due_at, event.at.plus_hours(24));
            assert!(event.status.mandatory_for_tax_administration());
            let outcome = ingest(m.xml.as_bytes(), &Options::default());
            assert_eq!(outcome.report.syntax, Syntax::Cdar);
            assert!(
                outcome.report.accepted(),
                "{}\n{:#?}",
                m.xml,
                outcome.report.findings
            );
            // The message reads back to what was built.
            let doc = facteur::xml::parse(m.xml.as_bytes(), &facteur::xml::Limits::default())
                .expect("well-formed");
            assert_eq!(LifecycleMessage::from_tree(doc.root()), m.message);
            files.push((m.file_name, m.xml));
        }
    }
    assert!(files.len() >= 200, "only {} F6 messages", files.len());
    // Corpus variants share their invoice's number and seller: same business key,
    // same message id, so one file each.
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    if have_xmllint() {
        let xsd = shared
            .join("reference/xsd/cdar-d22b/CrossDomainAcknowledgementAndResponse_100pD22B.xsd");
        let failures = xmllint(&xsd, "f6", &files);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
