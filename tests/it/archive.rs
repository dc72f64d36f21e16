//! The batch archive reader against hostile zips built here, byte by byte where a
//! well-behaved writer would refuse to produce them: lying sizes, a 10 GB declaration,
//! overlapping entries, `../` names, encryption, nesting, duplicates.

use std::io::{Cursor, Write};

use facteur::ingest::archive::{Archive, ArchiveError, ArchiveLimits, SizeSource};
use flate2::Compression;
use flate2::write::DeflateEncoder;

/// One entry as it will be written, whatever it claims.
struct Raw {
    name: Vec<u8>,
    /// 0 stored, 8 deflate, anything else as given.
    method: u16,
    flags: u16,
    data: Vec<u8>,
    crc: u32,
    declared: u64,
}

impl Raw {
    /// An honest entry: deflated `content`, true size and CRC.
    fn deflated(name: &str, content: &[u8]) -> Raw {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(content).unwrap();
        Raw {
            name: name.as_bytes().to_vec(),
            method: 8,
            flags: 0,
            data: encoder.finish().unwrap(),
            crc: crc(content),
            declared: content.len() as u64,
        }
    }

    fn stored(name: &str, content: &[u8]) -> Raw {
        Raw {
            name: name.as_bytes().to_vec(),
            method: 0,
            flags: 0,
            data: content.to_vec(),
            crc: crc(content),
            declared: content.len() as u64,
        }
    }
}

fn crc(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// Writes local records then the central directory. `central` lists, for each central
/// entry, which raw entry's record it points at and the name it gives (so entries can
/// share one record: the overlapping bomb).
fn build(raws: &[Raw], central: &[(usize, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    let zip64 = |declared: u64| declared > u64::from(u32::MAX - 1);
    for raw in raws {
        offsets.push(out.len() as u32);
        let extra: Vec<u8> = if zip64(raw.declared) {
            let mut e = vec![1, 0, 16, 0];
            e.extend(raw.declared.to_le_bytes());
            e.extend((raw.data.len() as u64).to_le_bytes());
            e
        } else {
            Vec::new()
        };
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend(if zip64(raw.declared) { 45u16 } else { 20u16 }.to_le_bytes());
        out.extend(raw.flags.to_le_bytes());
        out.extend(raw.method.to_le_bytes());
        out.extend([0, 0, 0x21, 0]); // time, date
        out.extend(raw.crc.to_le_bytes());
        if zip64(raw.declared) {
            out.extend(u32::MAX.to_le_bytes());
            out.extend(u32::MAX.to_le_bytes());
        } else {
            out.extend((raw.data.len() as u32).to_le_bytes());
            out.extend((raw.declared as u32).to_le_bytes());
        }
        out.extend((raw.name.len() as u16).to_le_bytes());
        out.extend((extra.len() as u16).to_le_bytes());
        out.extend(&raw.name);
        out.extend(&extra);
        out.extend(&raw.data);
    }
    let central_start = out.len() as u32;
    for (target, name) in central {
        let raw = &raws[*target];
        let extra: Vec<u8> = if zip64(raw.declared) {
            let mut e = vec![1, 0, 8, 0];
            e.extend(raw.declared.to_le_bytes());
            e
        } else {
            Vec::new()
        };
        out.extend(0x0201_4b50u32.to_le_bytes());
        out.extend(20u16.to_le_bytes()); // made by
        out.extend(if zip64(raw.declared) { 45u16 } else { 20u16 }.to_le_bytes());
        out.extend(raw.flags.to_le_bytes());
        out.extend(raw.method.to_le_bytes());
        out.extend([0, 0, 0x21, 0]);
        out.extend(raw.crc.to_le_bytes());
        out.extend((raw.data.len() as u32).to_le_bytes());
        let size = if zip64(raw.declared) {
            u32::MAX
        } else {
            raw.declared as u32
        };
        out.extend(size.to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend((extra.len() as u16).to_le_bytes());
        out.extend([0u8; 6]); // comment length, disk, internal attributes
        out.extend(0u32.to_le_bytes()); // external attributes
        out.extend(offsets[*target].to_le_bytes());
        out.extend(name);
        out.extend(&extra);
    }
    let central_len = out.len() as u32 - central_start;
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend((central.len() as u16).to_le_bytes());
    out.extend((central.len() as u16).to_le_bytes());
    out.extend(central_len.to_le_bytes());
    out.extend(central_start.to_le_bytes());
    out.extend([0u8; 2]);
    out
}

/// Each raw entry once, under its own name.
fn plain(raws: &[Raw]) -> Vec<u8> {
    let central: Vec<(usize, Vec<u8>)> = raws
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.name.clone()))
        .collect();
    build(raws, &central)
}

fn open(bytes: Vec<u8>, limits: ArchiveLimits) -> Result<Archive<Cursor<Vec<u8>>>, ArchiveError> {
    Archive::open(Cursor::new(bytes), limits)
}

fn invoice(n: usize) -> Vec<u8> {
    format!("<Invoice><ID>F-{n:05}</ID></Invoice>").into_bytes()
}

#[test]
fn an_honest_archive_yields_its_documents_in_order() {
    let mut raws = vec![
        Raw::deflated("2026/", b""),
        Raw::deflated("2026/F-00001.xml", &invoice(1)),
        Raw::stored("F-00002.xml", &invoice(2)),
    ];
    // A 3 MB highly repetitive document, within the ratio bound once deflated? No:
    // zeros deflate ~1000x, so use varied text that compresses about 4x.
    let big: Vec<u8> = (0..3_000_000u32)
        .map(|i| b"0123456789abcdef"[(i.wrapping_mul(2_654_435_761) >> 28) as usize])
        .collect();
    raws.push(Raw::deflated("big.xml", &big));
    let mut archive = open(plain(&raws), ArchiveLimits::default()).unwrap();
    assert_eq!(archive.len(), 3, "the directory is not a document");
    let first = archive.document(0).unwrap();
    assert_eq!(first.name, "2026/F-00001.xml");
    assert_eq!(first.bytes, invoice(1));
    assert_eq!(archive.document(1).unwrap().bytes, invoice(2));
    assert_eq!(archive.document(2).unwrap().bytes, big);
    assert!(archive.document(3).is_err());
}

#[test]
fn more_entries_than_allowed_are_refused_before_reading_any() {
    let raws: Vec<Raw> = (0..100_001)
        .map(|n| Raw::stored(&format!("{n}.xml"), b"<a/>"))
        .collect();
    // 100 001 entries do not fit the classic 16-bit count: write them with ZipWriter
    // instead, which switches to zip64 itself.
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for raw in &raws {
        writer
            .start_file(String::from_utf8(raw.name.clone()).unwrap(), options)
            .unwrap();
        writer.write_all(&raw.data).unwrap();
    }
    let bytes = writer.finish().unwrap().into_inner();
    let err = open(bytes.clone(), ArchiveLimits::default()).err().unwrap();
    assert_eq!(
        err,
        ArchiveError::TooManyEntries {
            count: 100_001,
            max: 100_000
        }
    );
    assert_eq!(
        err.to_string(),
        "the archive has 100001 entries, more than the 100000 allowed"
    );
}

#[test]
fn a_10_gb_declared_entry_is_refused_from_its_header() {
    let mut raw = Raw::deflated("huge.xml", &invoice(1));
    raw.declared = 10 << 30;
    let err = open(plain(&[raw]), ArchiveLimits::default()).err().unwrap();
    assert_eq!(
        err,
        ArchiveError::EntryTooLarge {
            name: "huge.xml".into(),
            size: 10 << 30,
            how: SizeSource::Declared,
            max: 20 << 20
        }
    );
}

#[test]
fn an_entry_that_inflates_past_its_declared_size_is_refused_while_counting() {
    // Declares 1 000 bytes, inflates to 5 MB: only counting the output catches it.
    let content = vec![b'a'; 5 << 20];
    let mut raw = Raw::deflated("liar.xml", &content);
    raw.declared = 1_000;
    let limits = ArchiveLimits {
        max_entry_bytes: 1 << 20,
        ..ArchiveLimits::default()
    };
    let mut archive = open(plain(&[raw]), limits).expect("the headers look harmless");
    let err = archive.document(0).unwrap_err();
    assert!(
        matches!(
            &err,
            ArchiveError::Corrupt { name, .. } if name == "liar.xml"
        ) || matches!(
            &err,
            ArchiveError::EntryTooLarge {
                how: SizeSource::Actual,
                ..
            }
        ),
        "{err}"
    );
    // And when the lie is in the other direction (declares the limit, holds more),
    // the counting reader stops one byte past the limit.
    let mut raw = Raw::deflated("liar2.xml", &content);
    raw.declared = 1 << 20;
    let limits = ArchiveLimits {
        max_entry_bytes: 1 << 20,
        max_ratio: u64::MAX,
        ..ArchiveLimits::default()
    };
    let mut archive = open(plain(&[raw]), limits).unwrap();
    let err = archive.document(0).unwrap_err();
    assert!(
        matches!(&err, ArchiveError::EntryTooLarge { how: SizeSource::Actual, size, .. } if *size == (1 << 20) + 1)
            || matches!(&err, ArchiveError::Corrupt { .. }),
        "{err}"
    );
}

#[test]
fn a_high_compression_ratio_is_refused() {
    // 10 MB of zeros deflate to about 10 KB: a thousandfold.
    let raw = Raw::deflated("zeros.xml", &vec![0u8; 10 << 20]);
    let err = open(plain(&[raw]), ArchiveLimits::default()).err().unwrap();
    assert!(
        matches!(&err, ArchiveError::EntryRatio { name, ratio, max: 200 } if name == "zeros.xml" && *ratio > 500),
        "{err}"
    );
    // Many entries each under the floor, together a bomb: the archive-wide ratio.
    let raws: Vec<Raw> = (0..40)
        .map(|n| Raw::deflated(&format!("{n}.xml"), &vec![0u8; 1 << 19]))
        .collect();
    let err = open(plain(&raws), ArchiveLimits::default()).err().unwrap();
    assert!(
        matches!(err, ArchiveError::ArchiveRatio { max: 200, .. }),
        "{err}"
    );
}

#[test]
fn overlapping_entries_are_refused() {
    // Fifield's overlapping bomb in its simplest form: many central entries, one
    // shared compressed kernel. Ratio checks are switched off to show that the overlap
    // check stands on its own.
    let kernel = Raw::deflated("kernel.xml", &vec![b'x'; 100_000]);
    let central: Vec<(usize, Vec<u8>)> = (0..1000)
        .map(|n| (0, format!("{n}.xml").into_bytes()))
        .collect();
    let bytes = build(&[kernel], &central);
    let limits = ArchiveLimits {
        max_ratio: u64::MAX,
        max_total_bytes: u64::MAX,
        ..ArchiveLimits::default()
    };
    let err = open(bytes.clone(), limits).err().unwrap();
    assert!(matches!(err, ArchiveError::Overlapping { .. }), "{err}");
    // With the default limits it is refused too (by one check or another).
    assert!(open(bytes, ArchiveLimits::default()).is_err());
}

#[test]
fn unsafe_names_are_refused() {
    for name in [
        "../evil.xml",
        "a/../../evil.xml",
        "/etc/passwd",
        "a\\..\\..\\evil.xml",
        "nul\0.xml",
    ] {
        let err = open(
            plain(&[Raw::stored(name, b"<a/>")]),
            ArchiveLimits::default(),
        )
        .err()
        .unwrap_or_else(|| panic!("{name:?} accepted"));
        assert!(
            matches!(err, ArchiveError::UnsafeName { .. }),
            "{name:?}: {err}"
        );
    }
}

#[test]
fn duplicate_names_are_refused() {
    let bytes = plain(&[Raw::stored("a.xml", b"<a/>"), Raw::stored("a.xml", b"<b/>")]);
    let err = open(bytes, ArchiveLimits::default()).err().unwrap();
    assert!(matches!(err, ArchiveError::Duplicate { .. }), "{err}");
}

#[test]
fn encrypted_entries_and_exotic_methods_are_refused() {
    let mut raw = Raw::stored("secret.xml", b"<a/>");
    raw.flags = 1;
    let err = open(plain(&[raw]), ArchiveLimits::default()).err().unwrap();
    assert_eq!(
        err,
        ArchiveError::Encrypted {
            name: "secret.xml".into()
        }
    );
    let mut raw = Raw::stored("b.xml", b"<a/>");
    raw.method = 12; // bzip2
    let err = open(plain(&[raw]), ArchiveLimits::default()).err().unwrap();
    assert!(matches!(err, ArchiveError::Compression { .. }), "{err}");
}

#[test]
fn nested_archives_are_refused() {
    let inner = plain(&[Raw::stored("inner.xml", b"<a/>")]);
    let bytes = plain(&[
        Raw::stored("ok.xml", b"<a/>"),
        Raw::deflated("batch.xml", &inner),
    ]);
    let mut archive = open(bytes, ArchiveLimits::default()).unwrap();
    assert!(archive.document(0).is_ok());
    assert_eq!(
        archive.document(1).unwrap_err(),
        ArchiveError::Nested {
            name: "batch.xml".into(),
            kind: "zip"
        },
        "recognised by content, whatever the name"
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(b"<a/>").unwrap();
    let bytes = plain(&[Raw::stored("x.xml.gz", &gz.finish().unwrap())]);
    let err = open(bytes, ArchiveLimits::default())
        .unwrap()
        .document(0)
        .unwrap_err();
    assert!(
        matches!(err, ArchiveError::Nested { kind: "gzip", .. }),
        "{err}"
    );
}

#[test]
fn garbage_and_empty_archives_are_refused() {
    let err = open(b"not a zip at all".to_vec(), ArchiveLimits::default())
        .err()
        .unwrap();
    assert!(
        err.to_string().starts_with("not a readable zip archive"),
        "{err}"
    );
    let err = open(plain(&[Raw::stored("dir/", b"")]), ArchiveLimits::default())
        .err()
        .unwrap();
    assert_eq!(err, ArchiveError::Empty);
}
