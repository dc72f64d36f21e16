//! Factur-X extraction against the French corpus (`fr/pdf/`): every PDF must give
//! the outcome its official verdict implies (`PDF-UNREADABLE`, `PDF-NO-XML`, or an
//! XML that facteur's reader accepts).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use facteur::ingest::parse::facturx::{PdfError, extract_xml};
use facteur::xml::{self, Limits};
use serde::Deserialize;

#[derive(Deserialize)]
struct Verdict {
    fatal: Vec<String>,
}

/// The shared corpus: `$FACTEUR_CORPUS`, else `../shared/corpus` from the crate root
/// (a checkout beside `shared/`), else `../../shared/corpus` (a worktree under `wt/`).
fn corpus() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("FACTEUR_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["../shared/corpus", "../../shared/corpus"]
        .into_iter()
        .map(|relative| root.join(relative))
        .find(|dir| dir.is_dir())
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Unreadable,
    NoXml,
    Xml,
}

fn expected(verdict: &Verdict) -> Outcome {
    if verdict.fatal.iter().any(|rule| rule == "PDF-UNREADABLE") {
        Outcome::Unreadable
    } else if verdict.fatal.iter().any(|rule| rule == "PDF-NO-XML") {
        Outcome::NoXml
    } else {
        Outcome::Xml
    }
}

/// What facteur makes of one PDF; an extracted XML counts only if it looks like XML
/// and facteur's reader accepts it.
fn actual(pdf: &[u8]) -> Result<Outcome, String> {
    let limits = Limits::default();
    match extract_xml(pdf, &limits) {
        Err(err) => {
            // The refusals are few; their messages are worth reading in the output.
            println!("  {err}");
            Ok(match err {
                PdfError::Unreadable(_) => Outcome::Unreadable,
                PdfError::NoXml(_) => Outcome::NoXml,
            })
        }
        Ok(bytes) => {
            let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
            let start = text.iter().position(|b| !b.is_ascii_whitespace());
            if start.and_then(|i| text.get(i)) != Some(&b'<') {
                return Err("the extracted bytes do not start with '<'".into());
            }
            xml::parse(&bytes, &limits)
                .map(|_| Outcome::Xml)
                .map_err(|err| format!("the extracted XML does not parse: {err}"))
        }
    }
}

#[test]
fn french_corpus_pdfs_match_their_verdicts() {
    let Some(corpus) = corpus() else {
        println!("skipped: no shared corpus (set FACTEUR_CORPUS or check out ../shared/corpus)");
        return;
    };
    let fr = corpus.join("fr");
    let verdicts: BTreeMap<String, Verdict> =
        serde_json::from_slice(&std::fs::read(fr.join("expected.json")).expect("fr/expected.json"))
            .expect("fr/expected.json parses");

    let mut files: Vec<PathBuf> = std::fs::read_dir(fr.join("pdf"))
        .expect("fr/pdf")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "pdf"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no PDF in {}", fr.join("pdf").display());

    let mut disagreements = Vec::new();
    for path in &files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("UTF-8 file name");
        let key = format!("pdf/{name}");
        let verdict = verdicts
            .get(&key)
            .unwrap_or_else(|| panic!("{key} has no verdict"));
        let want = expected(verdict);
        let pdf = std::fs::read(path).expect("read PDF");
        if want != Outcome::Xml {
            println!("{key} (expected {want:?}):");
        }
        match actual(&pdf) {
            Ok(got) if got == want => {}
            Ok(got) => disagreements.push(format!("{key}: expected {want:?}, got {got:?}")),
            Err(why) => disagreements.push(format!("{key}: expected {want:?}, {why}")),
        }
    }
    let agreed = files.len() - disagreements.len();
    println!(
        "Factur-X extraction agrees with fr/expected.json on {agreed}/{} PDFs ({:.1}%)",
        files.len(),
        100.0 * agreed as f64 / files.len() as f64
    );
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
