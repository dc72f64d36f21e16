//! Writes a minimal Factur-X-shaped PDF around an invoice XML, for facteur's own
//! fixtures and tests.
//!
//! The document has what a Factur-X reader looks at: one A4 page with a line of
//! text, the XML as an `/EmbeddedFile` stream (`/Subtype /text#2Fxml`, `/Params`
//! with its size), a `/Filespec` with `/F`, `/UF` and `/AFRelationship /Data`,
//! referenced from both `/Names /EmbeddedFiles` and the catalog's `/AF`, and XMP
//! metadata declaring PDF/A-3B and the Factur-X extension. It is not a validated
//! PDF/A-3: there is no output intent (that needs an ICC profile) and the font is
//! not embedded.
//!
//! Output is deterministic (no clock, no random `/ID`), so regenerated fixtures only
//! change when the input or this code does.

use lopdf::{Document, Object, ObjectId, Stream, StringFormat, dictionary, text_string};
use sha2::{Digest, Sha256};

/// The line of text on the page.
const PAGE_TEXT: &[u8] =
    b"BT /F1 12 Tf 72 770 Td (Invoice: the structured data is the attached XML.) Tj ET";
/// A fixed modification date, so the output does not depend on the clock.
const MOD_DATE: &str = "D:20250101000000Z";

/// A PDF embedding `xml` as the attachment called `name` (normally `factur-x.xml`).
pub fn embed_xml(xml: &[u8], name: &str) -> Vec<u8> {
    Built::new(xml, name).into_bytes()
}

/// The document before it is written, with the ids of the objects tests rearrange
/// to build broken or unusual variants.
pub(super) struct Built {
    pub(super) doc: Document,
    // Only the fixture builders of the tests rearrange these objects.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) catalog: ObjectId,
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) filespec: ObjectId,
}

impl Built {
    pub(super) fn new(xml: &[u8], name: &str) -> Built {
        let mut doc = Document::with_version("1.7");

        let pages = doc.new_object_id();
        let font = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Helvetica",
        });
        let content = doc.add_object(Stream::new(dictionary! {}, PAGE_TEXT.to_vec()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
            "Contents" => content,
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => vec![page.into()],
                "Count" => 1,
            }),
        );

        let embedded = doc.add_object(embedded_file(xml));
        let filespec = doc.add_object(dictionary! {
            "Type" => "Filespec",
            "F" => Object::string_literal(name),
            "UF" => text_string(name),
            "Desc" => Object::string_literal("Invoice XML"),
            "AFRelationship" => "Data",
            "EF" => dictionary! { "F" => embedded, "UF" => embedded },
        });
        let metadata = doc.add_object(metadata_stream(name));
        let catalog = doc.add_object(dictionary! {
            "Type" => "Catalog",
            "Pages" => pages,
            "Metadata" => metadata,
            "Names" => dictionary! {
                "EmbeddedFiles" => dictionary! {
                    "Names" => vec![Object::string_literal(name), filespec.into()],
                },
            },
            "AF" => vec![filespec.into()],
        });
        doc.trailer.set("Root", catalog);
        doc.trailer.set("ID", file_id(xml));
        Built {
            doc,
            catalog,
            filespec,
        }
    }

    pub(super) fn into_bytes(mut self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing to a `Vec` cannot fail on I/O, and a document built here has none
        // of the features (object streams, ASCII output of encrypted data) whose
        // save can fail.
        self.doc
            .save_to(&mut out)
            .expect("saving a document built in memory to memory");
        out
    }
}

/// The XML as an embedded file stream, Flate-compressed when that makes it smaller
/// (lopdf leaves a few-byte stream as it is).
fn embedded_file(xml: &[u8]) -> Stream {
    let size = i64::try_from(xml.len()).unwrap_or(i64::MAX);
    let mut stream = Stream::new(
        dictionary! {
            "Type" => "EmbeddedFile",
            "Subtype" => "text/xml",
            "Params" => dictionary! {
                "Size" => size,
                "ModDate" => Object::string_literal(MOD_DATE),
            },
        },
        xml.to_vec(),
    );
    // `compress` only fails if zlib does, which it does not on a `Vec`; an
    // uncompressed stream is still a correct stream.
    let _ = stream.compress();
    stream
}

/// XMP metadata: PDF/A-3B identification and the Factur-X extension schema values.
fn metadata_stream(name: &str) -> Stream {
    let name = escape_xml(name);
    let xmp = format!(
        r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
  </rdf:Description>
  <rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">
   <fx:DocumentType>INVOICE</fx:DocumentType>
   <fx:DocumentFileName>{name}</fx:DocumentFileName>
   <fx:Version>1.0</fx:Version>
   <fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#
    );
    // PDF/A wants the metadata readable without decoding, so it stays uncompressed.
    Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        xmp.into_bytes(),
    )
    .with_compression(false)
}

/// A file identifier derived from the content, as PDF/A requires an `/ID` and a
/// random one would make the output change on every run.
fn file_id(xml: &[u8]) -> Object {
    let digest = Sha256::digest(xml);
    let id = Object::String(digest[..16].to_vec(), StringFormat::Hexadecimal);
    Object::Array(vec![id.clone(), id])
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
