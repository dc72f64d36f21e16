//! Factur-X extraction and the pipeline behind it on arbitrary bytes after a PDF
//! header: must never panic, whatever the cross-reference tables and streams say.
#![no_main]

use facteur::ingest::{Options, ingest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend_from_slice(data);
    let outcome = ingest(&pdf, &Options::default());
    assert!(outcome.report.accepted() || !outcome.report.findings.is_empty());
});
