//! Reads the XSD files of a set and indexes their global definitions by expanded
//! name, with each file's target namespace, prefixes and form defaults.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::xml::{self, Document, Limits, Node};

use super::{CompileError, SourceFile, XSD_NS};

/// What the compiler needs to know about one file.
pub(super) struct FileInfo {
    pub(super) name: &'static str,
    pub(super) target: String,
    pub(super) prefixes: HashMap<String, String>,
    pub(super) elements_qualified: bool,
    pub(super) attributes_qualified: bool,
}

pub(super) type Key = (String, String);
pub(super) type At = (usize, usize);

/// The parsed files and their global definitions, indexed by expanded name.
pub(super) struct Sources {
    pub(super) docs: Vec<Document>,
    pub(super) infos: Vec<FileInfo>,
    pub(super) complex: HashMap<Key, At>,
    pub(super) simple: HashMap<Key, At>,
    pub(super) elements: HashMap<Key, At>,
    pub(super) attributes: HashMap<Key, At>,
    pub(super) groups: HashMap<Key, At>,
    pub(super) attribute_groups: HashMap<Key, At>,
}

impl Sources {
    pub(super) fn read(files: &[SourceFile]) -> Result<Sources, CompileError> {
        let mut s = Sources {
            docs: Vec::new(),
            infos: Vec::new(),
            complex: HashMap::new(),
            simple: HashMap::new(),
            elements: HashMap::new(),
            attributes: HashMap::new(),
            groups: HashMap::new(),
            attribute_groups: HashMap::new(),
        };
        for (i, f) in files.iter().enumerate() {
            let text = without_doctype(f.text).map_err(|message| invalid(f.name, message))?;
            let doc =
                xml::parse_str(&text, &Limits::default()).map_err(|source| CompileError::Xml {
                    file: f.name,
                    source,
                })?;
            let root = doc.root();
            if xs(root) != Some("schema") {
                return Err(invalid(f.name, "root element is not xsd:schema"));
            }
            let info = FileInfo {
                name: f.name,
                target: root.attr("targetNamespace").unwrap_or("").to_string(),
                prefixes: root_namespaces(&text, root.offset()),
                elements_qualified: root.attr("elementFormDefault") == Some("qualified"),
                attributes_qualified: root.attr("attributeFormDefault") == Some("qualified"),
            };
            for child in root.children() {
                let Some(name) = child.attr("name") else {
                    continue;
                };
                let map = match xs(child) {
                    Some("complexType") => &mut s.complex,
                    Some("simpleType") => &mut s.simple,
                    Some("element") => &mut s.elements,
                    Some("attribute") => &mut s.attributes,
                    Some("group") => &mut s.groups,
                    Some("attributeGroup") => &mut s.attribute_groups,
                    _ => continue,
                };
                map.insert((info.target.clone(), name.to_string()), (i, child.index()));
            }
            s.docs.push(doc);
            s.infos.push(info);
        }
        Ok(s)
    }
}

/// The text of an embedded schema without its DOCTYPE declaration.
///
/// facteur's XML reader refuses DTDs by design. The W3C xmldsig schema that UBL
/// ships starts with a DOCTYPE whose internal subset only declares entities and a
/// fixed `xmlns:ds` that the root element also declares; removing it changes nothing
/// as long as the schema body references no entity, which is checked here. This only
/// ever applies to the schemas compiled into the binary, never to a document.
pub(super) fn without_doctype(text: &str) -> Result<Cow<'_, str>, String> {
    let Some(start) = text.find("<!DOCTYPE") else {
        return Ok(Cow::Borrowed(text));
    };
    let rest = &text[start..];
    let end = match (rest.find('['), rest.find('>')) {
        (Some(open), Some(gt)) if open < gt => rest
            .find("]>")
            .map(|close| close + 2)
            .ok_or("unterminated DOCTYPE internal subset")?,
        (_, Some(gt)) => gt + 1,
        _ => return Err("unterminated DOCTYPE".to_string()),
    };
    let body = &rest[end..];
    let mut refs = body.match_indices('&');
    let predefined = ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;", "&#"];
    if refs.any(|(at, _)| !predefined.iter().any(|p| body[at..].starts_with(p))) {
        return Err("the schema body references an entity of its DOCTYPE".to_string());
    }
    Ok(Cow::Owned(format!("{}{body}", &text[..start])))
}

/// The local name of an element of the XML Schema namespace.
pub(super) fn xs(node: Node<'_>) -> Option<&str> {
    (node.document().namespace_uri(node.namespace()) == XSD_NS).then(|| node.local_name())
}

pub(super) fn invalid(file: &'static str, message: impl Into<String>) -> CompileError {
    CompileError::Invalid {
        file,
        message: message.into(),
    }
}

/// The namespace declarations of the root start tag. The tree does not keep them, and
/// XSD attribute values (`type="cbc:IDType"`) need them; the shipped schemas declare
/// every prefix on their root element.
pub(super) fn root_namespaces(text: &str, offset: usize) -> HashMap<String, String> {
    let mut out = HashMap::new();
    // The reader records an element's offset after its start tag; step back to the
    // tag's `<` (attribute values cannot contain a raw `<`).
    let start = match text.get(offset..) {
        Some(t) if t.starts_with('<') => offset,
        _ => text.get(..offset).and_then(|t| t.rfind('<')).unwrap_or(0),
    };
    let tag = text.get(start..).unwrap_or("");
    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
    let mut rest = tag;
    while let Some(at) = rest.find("xmlns") {
        let before_ok = at > 0 && rest[..at].ends_with(|c: char| c.is_ascii_whitespace());
        let after = &rest[at + 5..];
        rest = after;
        if !before_ok {
            continue;
        }
        let (prefix, after) = match after.strip_prefix(':') {
            Some(p) => {
                let end = p
                    .find(|c: char| c == '=' || c.is_ascii_whitespace())
                    .unwrap_or(p.len());
                (&p[..end], &p[end..])
            }
            None => ("", after),
        };
        let Some(after) = after.trim_start().strip_prefix('=') else {
            continue;
        };
        let after = after.trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let value = &after[1..];
        let Some(end) = value.find(quote) else {
            continue;
        };
        out.insert(prefix.to_string(), value[..end].to_string());
        rest = &value[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema::compile::XSD_NS;

    #[test]
    fn doctype_is_removed_only_when_nothing_uses_it() {
        let text = "<?xml version=\"1.0\"?><!DOCTYPE schema [ <!ENTITY % p ''> ]><schema/>";
        assert_eq!(
            without_doctype(text).as_deref(),
            Ok("<?xml version=\"1.0\"?><schema/>")
        );
        let uses = "<!DOCTYPE schema [ <!ENTITY d 'x'> ]><schema a=\"&d;\"/>";
        assert!(without_doctype(uses).is_err());
        assert_eq!(
            without_doctype("<a>&amp;</a>").as_deref(),
            Ok("<a>&amp;</a>")
        );
    }

    #[test]
    fn root_namespaces_handle_line_breaks_before_values() {
        let text = "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns=\n  \"urn:a\"\n xmlns:b='urn:b' targetNamespace=\"urn:a\">";
        let map = root_namespaces(text, 0);
        assert_eq!(map.get("").map(String::as_str), Some("urn:a"));
        assert_eq!(map.get("b").map(String::as_str), Some("urn:b"));
        assert_eq!(map.get("xsd").map(String::as_str), Some(XSD_NS));
    }
}
