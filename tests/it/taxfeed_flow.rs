//! Flows end to end: F1, F6 and F10 objects from real extracts go through the
//! batcher, are packed, and read back with the right names, counts and contents.

use std::collections::BTreeMap;
use std::io::Read as _;

use facteur::ingest::{Options, ingest};
use facteur::taxfeed::f1::{self, F1Syntax, Profile};
use facteur::taxfeed::flow::{
    BatchPolicy, Batcher, CloseReason, FlowName, FlowObject, InterfaceCode, package,
};
use facteur::taxfeed::{ApplicationCode, Instant};

fn read_back(archive: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    for entry in tar.entries().expect("a tar stream") {
        let mut entry = entry.expect("an entry");
        let name = entry.path().expect("a path").display().to_string();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).expect("readable");
        out.insert(name, content);
    }
    out
}

#[test]
fn f1_objects_batch_pack_and_read_back() {
    let app = ApplicationCode::parse("FAC001").expect("valid");
    let start = Instant::parse("20260915080000").expect("valid");
    let mut batcher = Batcher::new(BatchPolicy {
        max_objects: Some(40),
        ..BatchPolicy::default()
    });
    let mut expected = BTreeMap::new();
    let mut batches = Vec::new();
    for n in 0..100 {
        let (syntax, xml) = if n % 2 == 0 {
            (
                F1Syntax::Ubl,
                facteur::samples::ubl_invoice(&format!("FL-{n}"), 1 + n % 5),
            )
        } else {
            (
                F1Syntax::Cii,
                facteur::samples::cii_invoice(&format!("FL-{n}"), 1 + n % 5),
            )
        };
        let invoice = ingest(xml.as_bytes(), &Options::default())
            .invoice
            .expect("maps");
        for profile in [Profile::Base, Profile::Full] {
            let file = f1::extract(&invoice, syntax, profile).expect("extracts");
            expected.insert(file.file_name.clone(), file.xml.clone().into_bytes());
            let now = start.plus_seconds(n as i64);
            batches.extend(
                batcher
                    .push(FlowObject::f1(file, Some(now)), now)
                    .expect("push"),
            );
        }
    }
    // 100 UBL and 100 CII objects, 40 per flow: 2 full batches each, 20 pending each.
    assert_eq!(batches.len(), 4);
    assert!(batches.iter().all(|b| b.reason == CloseReason::Full));
    assert!(batcher.poll(start.plus_seconds(3000)).is_empty());
    let late = batcher.poll(start.plus_seconds(3600 + 100));
    assert_eq!(late.len(), 2, "the age limit closes both interfaces");
    assert!(
        late.iter()
            .all(|b| b.reason == CloseReason::Age && b.objects.len() == 20)
    );
    batches.extend(late);

    let mut seen = BTreeMap::new();
    for (sequence, batch) in batches.iter().enumerate() {
        let name = FlowName {
            interface: batch.interface,
            application_code: app,
            sequence: sequence as u64 + 1,
        };
        let flow = package(name, &batch.objects).expect("packs");
        let text = name.to_string();
        let code = match batch.interface {
            InterfaceCode::F1Ubl => "FFE0111A",
            InterfaceCode::F1Cii => "FFE0112A",
            other => panic!("unexpected interface {other:?}"),
        };
        assert!(text.starts_with(&format!("{code}_FAC001_FAC001")), "{text}");
        assert_eq!(text.len(), 8 + 1 + 6 + 1 + 25);
        let files = read_back(&flow.archive);
        assert_eq!(files.len(), batch.objects.len());
        for (name, content) in files {
            assert!(
                name.starts_with("Base_") || name.starts_with("Full_"),
                "{name}"
            );
            assert!(seen.insert(name, content).is_none(), "a file in two flows");
        }
    }
    assert_eq!(seen, expected, "every F1 file exactly once, byte for byte");
}
