//! Bytes -> UTF-8 text, following the byte-order mark and the XML declaration.
//!
//! The parser works on `&str`, so every supported encoding is transcoded up front:
//! UTF-8 (with or without BOM), UTF-16 LE/BE (with BOM, or recognised from the `<?`
//! of the declaration), and the single-byte encodings a declaration may name
//! (ISO-8859-1 exactly as Latin-1, others through `encoding_rs`). Malformed byte
//! sequences are errors, never replaced: a silently altered amount or name would be
//! worse than a refusal.

use std::borrow::Cow;

use super::parse::{XmlError, XmlErrorKind};

/// Decodes a document's bytes to text. UTF-8 input without a BOM is borrowed.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, XmlError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest, 3);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, encoding_rs::UTF_16LE);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, encoding_rs::UTF_16BE);
    }
    if bytes.starts_with(b"<\0?\0") {
        return utf16(bytes, encoding_rs::UTF_16LE);
    }
    if bytes.starts_with(b"\0<\0?") {
        return utf16(bytes, encoding_rs::UTF_16BE);
    }
    match declared_encoding(bytes) {
        None => utf8(bytes, 0),
        Some(label) => {
            let label = label.to_ascii_lowercase();
            match label.as_str() {
                "utf-8" | "utf8" | "us-ascii" | "ascii" => utf8(bytes, 0),
                "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" | "iso_8859-1" => {
                    Ok(Cow::Owned(bytes.iter().map(|&b| b as char).collect()))
                }
                "utf-16" | "utf-16le" | "utf-16be" => Err(XmlError::new(
                    XmlErrorKind::NotWellFormed,
                    "the declaration says UTF-16 but the document has no byte-order mark and is not UTF-16",
                    0,
                )),
                other => single_byte(bytes, other),
            }
        }
    }
}

fn utf8(bytes: &[u8], offset: usize) -> Result<Cow<'_, str>, XmlError> {
    std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
        XmlError::new(
            XmlErrorKind::NotWellFormed,
            format!(
                "invalid UTF-8 byte sequence at byte {}",
                offset + e.valid_up_to()
            ),
            offset + e.valid_up_to(),
        )
    })
}

fn utf16(
    bytes: &[u8],
    encoding: &'static encoding_rs::Encoding,
) -> Result<Cow<'static, str>, XmlError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(XmlError::new(
            XmlErrorKind::NotWellFormed,
            "UTF-16 document with an odd number of bytes",
            bytes.len(),
        ));
    }
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(Cow::Owned(text.into_owned())),
        None => Err(XmlError::new(
            XmlErrorKind::NotWellFormed,
            format!("invalid {} byte sequence", encoding.name()),
            0,
        )),
    }
}

fn single_byte<'a>(bytes: &'a [u8], label: &str) -> Result<Cow<'a, str>, XmlError> {
    let Some(encoding) = encoding_rs::Encoding::for_label(label.as_bytes()) else {
        return Err(XmlError::new(
            XmlErrorKind::NotWellFormed,
            format!("unsupported encoding {label:?} in the XML declaration"),
            0,
        ));
    };
    if encoding == encoding_rs::UTF_8 {
        return utf8(bytes, 0);
    }
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(Cow::Owned(text.into_owned())),
        None => Err(XmlError::new(
            XmlErrorKind::NotWellFormed,
            format!("invalid {} byte sequence", encoding.name()),
            0,
        )),
    }
}

/// The `encoding` pseudo-attribute of an ASCII-compatible XML declaration, if any.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let rest = bytes.strip_prefix(b"<?xml")?;
    let end = rest.iter().take(512).position(|&b| b == b'>')?;
    let decl = std::str::from_utf8(&rest[..end]).ok()?;
    let after = &decl[decl.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    Some(value[..value.find(quote)?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_without_declaration_is_borrowed() {
        let text = decode(b"<a>\xC3\xA9</a>").unwrap();
        assert!(matches!(text, Cow::Borrowed("<a>é</a>")));
    }

    #[test]
    fn bom_is_stripped() {
        assert_eq!(decode(b"\xEF\xBB\xBF<a/>").unwrap(), "<a/>");
    }

    #[test]
    fn latin1_declaration_is_transcoded() {
        let text = decode(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE9</a>").unwrap();
        assert!(text.ends_with("<a>é</a>"));
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "<a>é</a>".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(&bytes).unwrap(), "<a>é</a>");
    }

    #[test]
    fn invalid_utf8_is_refused_with_its_offset() {
        let err = decode(b"<a>\xFF</a>").unwrap_err();
        assert_eq!(err.kind, XmlErrorKind::NotWellFormed);
        assert!(err.message.contains("byte 3"), "{}", err.message);
    }

    #[test]
    fn unknown_encoding_is_refused() {
        let err = decode(b"<?xml version='1.0' encoding='x-klingon'?><a/>").unwrap_err();
        assert!(err.message.contains("x-klingon"));
    }
}
