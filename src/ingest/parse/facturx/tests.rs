//! Tests of Factur-X extraction on facteur's own fixtures (`fixtures/facturx/`),
//! which [`cases`] builds from `fixtures/cii/facturx_minimal.xml` with the writer.
//!
//! The committed PDFs are what the tests read, so a change in the writer or in
//! lopdf shows up as a stale fixture; `FACTEUR_REGENERATE=1 cargo test facturx`
//! rewrites them.

use std::path::PathBuf;

use lopdf::{
    Document, EncryptionState, EncryptionVersion, Object, Permissions, Stream, dictionary,
};

use super::write::Built;
use super::{PdfError, embed_xml, extract_xml};
use crate::ingest::report::Syntax;
use crate::ingest::{Options, ingest};
use crate::xml::Limits;

fn fixture_dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(kind)
}

fn cii() -> Vec<u8> {
    let path = fixture_dir("cii").join("facturx_minimal.xml");
    std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_dir("facturx").join(name);
    std::fs::read(&path)
        .unwrap_or_else(|err| panic!("{}: {err} (run with FACTEUR_REGENERATE=1)", path.display()))
}

/// The limit of the bomb test: far below the bomb's decoded size, far above the
/// fixture invoice.
const SMALL_LIMIT: usize = 64 * 1024;
/// What the bomb's embedded file decodes to.
const BOMB_SIZE: usize = 16 * 1024 * 1024;

/// Every fixture, by file name, built from the CII fixture.
fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let xml = cii();
    let valid = embed_xml(&xml, "factur-x.xml");
    let truncated = valid[..valid.len() / 2].to_vec();
    vec![
        ("valid.pdf", valid),
        (
            "zugferd_name_case.pdf",
            embed_xml(&xml, "ZUGFeRD-invoice.xml"),
        ),
        ("uf_utf16.pdf", uf_utf16(&xml)),
        ("name_tree_kids.pdf", name_tree_kids(&xml)),
        ("af_only.pdf", af_only(&xml)),
        ("no_attachment.pdf", no_attachment(&xml)),
        (
            "unrelated_attachment.pdf",
            embed_xml(b"not an invoice\n", "invoice.txt"),
        ),
        ("truncated.pdf", truncated),
        ("empty.pdf", Vec::new()),
        (
            "garbage.pdf",
            b"%PDF-1.7\n\x00\xff garbage }}} ]] >> endobj trailer << /Root 9 9 R".to_vec(),
        ),
        ("encrypted.pdf", encrypted(&xml, "secret")),
        ("encrypted_empty_password.pdf", encrypted(&xml, "")),
        (
            "flate_bomb.pdf",
            embed_xml(&vec![0u8; BOMB_SIZE], "factur-x.xml"),
        ),
        ("name_tree_cycle.pdf", name_tree_cycle(&xml)),
        ("corrupt_stream.pdf", corrupt_stream(&xml)),
    ]
}

/// `/F` names another file; only the UTF-16BE `/UF` (with its byte-order mark) says
/// `Factur-X.xml`.
fn uf_utf16(xml: &[u8]) -> Vec<u8> {
    let mut built = Built::new(xml, "factur-x.xml");
    let mut uf = vec![0xfe, 0xff];
    uf.extend("Factur-X.xml".encode_utf16().flat_map(u16::to_be_bytes));
    let spec = built
        .doc
        .get_dictionary_mut(built.filespec)
        .expect("filespec");
    spec.set("F", Object::string_literal("attachment.bin"));
    spec.set("UF", Object::String(uf, lopdf::StringFormat::Hexadecimal));
    built.into_bytes()
}

/// The name tree as a root with `/Kids`: a leaf with an unrelated file, then an
/// intermediate node whose leaf holds the invoice; no `/AF`.
fn name_tree_kids(xml: &[u8]) -> Vec<u8> {
    let mut built = Built::new(xml, "factur-x.xml");
    let doc = &mut built.doc;
    let other_file = doc.add_object(Stream::new(
        dictionary! { "Type" => "EmbeddedFile" },
        b"notes\n".to_vec(),
    ));
    let other_spec = doc.add_object(dictionary! {
        "Type" => "Filespec",
        "F" => Object::string_literal("a-notes.txt"),
        "EF" => dictionary! { "F" => other_file },
    });
    let first_leaf = doc.add_object(dictionary! {
        "Limits" => vec![Object::string_literal("a-notes.txt"), Object::string_literal("a-notes.txt")],
        "Names" => vec![Object::string_literal("a-notes.txt"), other_spec.into()],
    });
    let invoice_leaf = doc.add_object(dictionary! {
        "Limits" => vec![Object::string_literal("factur-x.xml"), Object::string_literal("factur-x.xml")],
        "Names" => vec![Object::string_literal("factur-x.xml"), built.filespec.into()],
    });
    let middle = doc.add_object(dictionary! {
        "Limits" => vec![Object::string_literal("factur-x.xml"), Object::string_literal("factur-x.xml")],
        "Kids" => vec![invoice_leaf.into()],
    });
    let root = doc.add_object(dictionary! { "Kids" => vec![first_leaf.into(), middle.into()] });
    let catalog = doc.get_dictionary_mut(built.catalog).expect("catalog");
    catalog.set("Names", dictionary! { "EmbeddedFiles" => root });
    catalog.remove(b"AF");
    built.into_bytes()
}

fn af_only(xml: &[u8]) -> Vec<u8> {
    let mut built = Built::new(xml, "factur-x.xml");
    let catalog = built
        .doc
        .get_dictionary_mut(built.catalog)
        .expect("catalog");
    catalog.remove(b"Names");
    built.into_bytes()
}

/// The same page and metadata, with the file specification and its stream removed.
fn no_attachment(xml: &[u8]) -> Vec<u8> {
    let mut built = Built::new(xml, "factur-x.xml");
    let embedded = embedded_id(&built);
    built.doc.objects.remove(&embedded);
    built.doc.objects.remove(&built.filespec);
    let catalog = built
        .doc
        .get_dictionary_mut(built.catalog)
        .expect("catalog");
    catalog.remove(b"Names");
    catalog.remove(b"AF");
    built.into_bytes()
}

/// RC4 128-bit (`/V 2`) with the given user password; lopdf derives the key from
/// the passwords and the `/ID`, so the output is deterministic.
fn encrypted(xml: &[u8], user_password: &str) -> Vec<u8> {
    let mut built = Built::new(xml, "factur-x.xml");
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &built.doc,
        owner_password: "owner",
        user_password,
        key_length: 128,
        permissions: Permissions::PRINTABLE,
    })
    .expect("encryption state");
    built.doc.encrypt(&state).expect("encrypt");
    built.into_bytes()
}

/// The name tree's root has a kid whose `/Kids` points back at the root. `/AF` still
/// names the invoice: a cycle makes the structure untrustworthy all the same.
fn name_tree_cycle(xml: &[u8]) -> Vec<u8> {
    let mut built = Built::new(xml, "factur-x.xml");
    let doc = &mut built.doc;
    let root = doc.new_object_id();
    let kid = doc.add_object(dictionary! { "Kids" => vec![root.into()] });
    doc.objects.insert(
        root,
        Object::Dictionary(dictionary! {
            "Kids" => vec![kid.into()],
            "Names" => vec![Object::string_literal("factur-x.xml"), built.filespec.into()],
        }),
    );
    let catalog = doc.get_dictionary_mut(built.catalog).expect("catalog");
    catalog.set("Names", dictionary! { "EmbeddedFiles" => root });
    built.into_bytes()
}

/// Fixtures that differ on every build: lopdf pads the `/U` value of RC4 revision 3
/// encryption with random bytes. They are only checked to exist.
const RANDOMISED: [&str; 2] = ["encrypted.pdf", "encrypted_empty_password.pdf"];

/// One byte of the compressed XML flipped: lopdf alone would return the damaged
/// text with a logged warning.
fn corrupt_stream(xml: &[u8]) -> Vec<u8> {
    let mut built = Built::new(xml, "factur-x.xml");
    let embedded = embedded_id(&built);
    if let Some(Object::Stream(stream)) = built.doc.objects.get_mut(&embedded) {
        let middle = stream.content.len() / 2;
        stream.content[middle] ^= 0x20;
    }
    built.into_bytes()
}

fn embedded_id(built: &Built) -> lopdf::ObjectId {
    built
        .doc
        .get_dictionary(built.filespec)
        .and_then(|spec| spec.get(b"EF"))
        .and_then(Object::as_dict)
        .and_then(|ef| ef.get(b"F"))
        .and_then(Object::as_reference)
        .expect("embedded file reference")
}

#[test]
fn fixtures_are_up_to_date() {
    let regenerate = std::env::var_os("FACTEUR_REGENERATE").is_some_and(|v| v == "1");
    let dir = fixture_dir("facturx");
    let mut stale = Vec::new();
    for (name, bytes) in cases() {
        let path = dir.join(name);
        if regenerate {
            std::fs::create_dir_all(&dir).expect("create fixtures/facturx");
            std::fs::write(&path, &bytes).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            continue;
        }
        let on_disk = std::fs::read(&path).ok();
        let fresh = if RANDOMISED.contains(&name) {
            on_disk.is_some()
        } else {
            on_disk.as_deref() == Some(&bytes[..])
        };
        if !fresh {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale fixtures {stale:?}: run FACTEUR_REGENERATE=1 cargo test facturx"
    );
}

fn extract(name: &str) -> Result<Vec<u8>, PdfError> {
    extract_xml(&fixture(name), &Limits::default())
}

#[track_caller]
fn assert_xml(name: &str) {
    match extract(name) {
        Ok(bytes) => assert!(
            bytes == cii(),
            "{name}: extracted bytes differ from the CII fixture"
        ),
        Err(err) => panic!("{name}: expected the XML, got {err}"),
    }
}

#[track_caller]
fn assert_unreadable(result: Result<Vec<u8>, PdfError>, cause: &str) {
    match result {
        Err(PdfError::Unreadable(message)) => {
            assert!(
                message.contains(cause),
                "message {message:?} does not mention {cause:?}"
            )
        }
        Err(other) => panic!("expected Unreadable mentioning {cause:?}, got {other:?}"),
        Ok(bytes) => panic!(
            "expected Unreadable mentioning {cause:?}, got {} bytes",
            bytes.len()
        ),
    }
}

#[track_caller]
fn assert_no_xml(result: Result<Vec<u8>, PdfError>, cause: &str) {
    match result {
        Err(PdfError::NoXml(message)) => {
            assert!(
                message.contains(cause),
                "message {message:?} does not mention {cause:?}"
            )
        }
        Err(other) => panic!("expected NoXml mentioning {cause:?}, got {other:?}"),
        Ok(bytes) => panic!(
            "expected NoXml mentioning {cause:?}, got {} bytes",
            bytes.len()
        ),
    }
}

#[test]
fn valid_factur_x_gives_the_embedded_xml() {
    assert_xml("valid.pdf");
}

#[test]
fn valid_factur_x_is_accepted_by_the_pipeline() {
    let outcome = ingest(&fixture("valid.pdf"), &Options::default());
    assert_eq!(outcome.report.syntax, Syntax::Cii);
    assert!(
        outcome.report.accepted(),
        "findings: {:?}",
        outcome.report.findings
    );
    assert!(outcome.invoice.is_some());
}

#[test]
fn zugferd_name_matches_without_regard_to_case() {
    assert_xml("zugferd_name_case.pdf");
}

#[test]
fn utf16_unicode_file_name_is_decoded() {
    assert_xml("uf_utf16.pdf");
}

#[test]
fn name_tree_kids_are_walked() {
    assert_xml("name_tree_kids.pdf");
}

#[test]
fn associated_files_alone_are_enough() {
    assert_xml("af_only.pdf");
}

#[test]
fn empty_user_password_is_tried() {
    assert_xml("encrypted_empty_password.pdf");
}

#[test]
fn pdf_without_attachment_has_no_xml() {
    assert_no_xml(extract("no_attachment.pdf"), "no attachment");
}

#[test]
fn unrelated_attachment_is_named_in_the_message() {
    assert_no_xml(extract("unrelated_attachment.pdf"), "\"invoice.txt\"");
}

#[test]
fn truncated_pdf_is_unreadable() {
    assert_unreadable(extract("truncated.pdf"), "cross reference table");
}

#[test]
fn zero_byte_file_is_unreadable() {
    assert_unreadable(extract("empty.pdf"), "empty");
}

#[test]
fn garbage_after_header_is_unreadable() {
    assert_unreadable(extract("garbage.pdf"), "cross reference table");
}

#[test]
fn user_password_is_refused() {
    assert_unreadable(extract("encrypted.pdf"), "encrypted");
}

#[test]
fn flate_bomb_stops_at_the_limit() {
    let limits = Limits {
        max_bytes: SMALL_LIMIT,
        ..Limits::default()
    };
    let pdf = fixture("flate_bomb.pdf");
    assert!(
        pdf.len() < 64 * 1024,
        "the bomb should be small: {} bytes",
        pdf.len()
    );
    assert_unreadable(extract_xml(&pdf, &limits), "65536");
    // Under the default limit the expansion bound refuses it: a bomb may cost at most
    // MAX_EXPANSION times its own size.
    let bound = (pdf.len() * super::MAX_EXPANSION).to_string();
    assert_unreadable(extract_xml(&pdf, &Limits::default()), &bound);
    // Given room (a larger file, or a bound it fits), the same stream decodes: the
    // bounds are what refuse it, not a decoding failure.
    let mut padded = pdf.clone();
    padded.resize(BOMB_SIZE, b'\n');
    let decoded = extract_xml(&padded, &Limits::default()).expect("within the expansion bound");
    assert_eq!(decoded.len(), BOMB_SIZE);
}

#[test]
fn corrupt_flate_data_is_unreadable() {
    assert_unreadable(extract("corrupt_stream.pdf"), "Adler-32");
}

#[test]
fn name_tree_cycle_is_unreadable() {
    assert_unreadable(extract("name_tree_cycle.pdf"), "cycle");
}

/// A chain of `/Kids` one level deeper than the walk accepts.
#[test]
fn deep_name_tree_is_refused() {
    let mut built = Built::new(&cii(), "factur-x.xml");
    let doc = &mut built.doc;
    let mut node = doc.add_object(dictionary! {
        "Names" => vec![Object::string_literal("factur-x.xml"), built.filespec.into()],
    });
    for _ in 0..=super::attachments::MAX_DEPTH {
        node = doc.add_object(dictionary! { "Kids" => vec![node.into()] });
    }
    let catalog = doc.get_dictionary_mut(built.catalog).expect("catalog");
    catalog.set("Names", dictionary! { "EmbeddedFiles" => node });
    assert_unreadable(
        extract_xml(&built.into_bytes(), &Limits::default()),
        "deeper",
    );
}

/// Every strict prefix of a valid PDF is either refused as unreadable or, when only
/// the end-of-file marker's tail is missing, still gives exactly the XML: never a
/// panic, never a wrong answer.
#[test]
fn every_truncation_is_unreadable_or_exact() {
    let pdf = fixture("valid.pdf");
    let xml = cii();
    for len in 0..pdf.len() {
        match extract_xml(&pdf[..len], &Limits::default()) {
            Ok(bytes) => assert!(bytes == xml, "prefix of {len} bytes gave other bytes"),
            Err(PdfError::Unreadable(_)) => {}
            Err(err) => panic!("prefix of {len} bytes: {err}"),
        }
    }
}

/// The writer produces what the module documentation promises.
#[test]
fn writer_output_has_the_factur_x_structure() {
    let doc = Document::load_mem(&fixture("valid.pdf")).expect("load");
    let catalog = doc.catalog().expect("catalog");
    let af = catalog.get(b"AF").and_then(Object::as_array).expect("/AF");
    let spec_id = af[0].as_reference().expect("reference");
    let spec = doc.get_dictionary(spec_id).expect("filespec");
    assert_eq!(
        spec.get(b"AFRelationship").and_then(Object::as_name).ok(),
        Some(&b"Data"[..])
    );
    let ef = spec.get(b"EF").and_then(Object::as_dict).expect("/EF");
    let stream = doc
        .get_object(ef.get(b"F").and_then(Object::as_reference).expect("/EF /F"))
        .and_then(Object::as_stream)
        .expect("stream");
    assert_eq!(
        stream.dict.get(b"Subtype").and_then(Object::as_name).ok(),
        Some(&b"text/xml"[..])
    );
    assert_eq!(stream.filters().ok(), Some(vec![&b"FlateDecode"[..]]));
    let size = stream
        .dict
        .get(b"Params")
        .and_then(Object::as_dict)
        .and_then(|params| params.get(b"Size"))
        .and_then(Object::as_i64)
        .expect("/Params /Size");
    assert_eq!(usize::try_from(size).ok(), Some(cii().len()));
    assert!(doc.get_pages().len() == 1);
}

#[test]
fn specification_without_embedded_stream_has_no_xml() {
    let mut built = Built::new(&cii(), "factur-x.xml");
    let spec = built
        .doc
        .get_dictionary_mut(built.filespec)
        .expect("filespec");
    spec.remove(b"EF");
    let result = extract_xml(&built.into_bytes(), &Limits::default());
    assert_no_xml(result, "\"factur-x.xml\" has no embedded file stream (/EF)");
}

/// With an `xrechnung.xml` listed first, the `factur-x.xml` attachment still wins.
#[test]
fn factur_x_name_is_preferred() {
    let mut built = Built::new(&cii(), "factur-x.xml");
    let doc = &mut built.doc;
    let other = doc.add_object(Stream::new(
        dictionary! { "Type" => "EmbeddedFile" },
        b"<other/>".to_vec(),
    ));
    let other_spec = doc.add_object(dictionary! {
        "Type" => "Filespec",
        "F" => Object::string_literal("xrechnung.xml"),
        "EF" => dictionary! { "F" => other },
    });
    let catalog = doc.get_dictionary_mut(built.catalog).expect("catalog");
    catalog.remove(b"Names");
    catalog.set("AF", vec![other_spec.into(), built.filespec.into()]);
    let extracted = extract_xml(&built.into_bytes(), &Limits::default()).expect("an XML");
    assert!(extracted == cii(), "the xrechnung.xml attachment was taken");
}
