//! The whole ingest pipeline on arbitrary bytes read as XML (UBL, CII, CDAR): must
//! never panic, and must report a verdict with findings for anything it rejects.
#![no_main]

use facteur::ingest::{Options, ingest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Inputs starting like a PDF go to the PDF target.
    if data.starts_with(b"%PDF") {
        return;
    }
    let outcome = ingest(data, &Options::default());
    assert!(outcome.report.accepted() || !outcome.report.findings.is_empty());
});
