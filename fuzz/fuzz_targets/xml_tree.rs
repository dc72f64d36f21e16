//! The secure XML reader alone: any bytes give a tree or an error, never a panic,
//! and a tree's paths and string values can always be computed.
#![no_main]

use facteur::xml::{Limits, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_depth: 64,
        ..Limits::default()
    };
    if let Ok(doc) = parse(data, &limits) {
        for node in doc.elements().take(64) {
            let _ = node.path();
            let _ = node.string_value();
        }
    }
});
