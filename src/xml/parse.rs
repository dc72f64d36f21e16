//! The secure parser: decoded text -> [`Document`], with limits and no DTD.

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::attr_keys::AttrKeys;
use super::decode::decode;
use super::name_cache::{NameCache, Recycled};
use super::names::{NameId, NameTable, Namespace};
use super::tree::{Attr, Document, Element, NONE};

/// Resource limits applied while reading a document. Every one of them is checked
/// before the resource is used, so an oversized input costs at most the limit.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest accepted input, in bytes (before decoding).
    pub max_bytes: usize,
    /// Deepest accepted element nesting (the root is level 1).
    pub max_depth: usize,
    /// Most elements accepted in one document.
    pub max_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 100 * 1024 * 1024,
            max_depth: 2048,
            max_elements: 20_000_000,
        }
    }
}

/// Why a document could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XmlErrorKind {
    /// A `<!DOCTYPE` declaration: refused before anything it declares is used.
    Doctype,
    /// Not well-formed XML, not decodable, or beyond a [`Limits`] bound.
    NotWellFormed,
}

/// A refusal to read a document, with a message for people and the byte offset
/// (in the decoded text) where it was detected.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct XmlError {
    pub kind: XmlErrorKind,
    pub message: String,
    /// Byte offset in the input where the problem was detected.
    pub offset: usize,
    /// 1-based line and column of `offset` (0 when not located yet).
    pub line: usize,
    pub column: usize,
}

impl XmlError {
    pub(crate) fn new(kind: XmlErrorKind, message: impl Into<String>, offset: usize) -> Self {
        XmlError {
            kind,
            message: message.into(),
            offset,
            line: 0,
            column: 0,
        }
    }

    /// Fills `line` and `column` from the text the offset refers to.
    pub(crate) fn locate(mut self, input: &[u8]) -> Self {
        let upto = &input[..self.offset.min(input.len())];
        self.line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = upto.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        self.column = upto.len() - line_start + 1;
        self
    }

    /// `line L, column C` (or the byte offset when the error was not located).
    pub fn position(&self) -> String {
        if self.line == 0 {
            format!("byte {}", self.offset)
        } else {
            format!("line {}, column {}", self.line, self.column)
        }
    }

    fn malformed(message: impl Into<String>, offset: usize) -> Self {
        XmlError::new(XmlErrorKind::NotWellFormed, message, offset)
    }
}

/// Reads a document from raw bytes (any supported encoding).
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Document, XmlError> {
    if bytes.len() > limits.max_bytes {
        return Err(XmlError::malformed(
            format!(
                "document of {} bytes exceeds the limit of {} bytes",
                bytes.len(),
                limits.max_bytes
            ),
            0,
        ));
    }
    let text = decode(bytes).map_err(|e| e.locate(bytes))?;
    parse_str(&text, limits)
}

/// Reads a document that is already text.
pub fn parse_str(text: &str, limits: &Limits) -> Result<Document, XmlError> {
    if text.len() > limits.max_bytes {
        return Err(XmlError::malformed(
            format!("document exceeds the limit of {} bytes", limits.max_bytes),
            0,
        ));
    }
    let scan = scan(text.as_bytes());
    if let Some(at) = scan.control {
        return Err(XmlError::malformed(
            format!(
                "control character U+{:04X} is not allowed in XML",
                text.as_bytes()[at]
            ),
            at,
        ));
    }
    Builder::new(text, limits, scan.has_cr)
        .run()
        .map_err(|e| e.locate(text.as_bytes()))
}

/// What one pass over the raw text tells the reader.
struct Scan {
    /// The first control character XML does not allow.
    control: Option<usize>,
    /// A `\r` occurs (line ends need normalising).
    has_cr: bool,
}

/// Scans the text in blocks whose tests have no early exit, so the compiler
/// vectorises them: a byte-at-a-time search cost about five instructions per byte of
/// every document. A block with a control character is searched again for its place.
fn scan(bytes: &[u8]) -> Scan {
    const BLOCK: usize = 64;
    let is_control = |b: u8| b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r';
    let mut has_cr = false;
    for (i, block) in bytes.chunks(BLOCK).enumerate() {
        let (control, cr) = block.iter().fold((false, false), |(control, cr), &b| {
            (control | is_control(b), cr | (b == b'\r'))
        });
        has_cr |= cr;
        if control {
            let at = block
                .iter()
                .position(|&b| is_control(b))
                .map(|p| i * BLOCK + p);
            return Scan {
                control: at,
                has_cr,
            };
        }
    }
    Scan {
        control: None,
        has_cr,
    }
}

/// One open element while building.
///
/// Its text and its children's name counts live in two buffers shared by all open
/// elements (`Builder::pending_text`, `Builder::name_counts`): only the innermost
/// open element ever adds to them, so each one's share is the tail that starts at
/// its `*_from` mark, and closing it truncates the buffer back to that mark. Owning a
/// `String` and a `Vec` per open element cost 72 bytes per level, which a document
/// nested 2 048 deep turned into 18 times its size.
struct Open {
    id: u32,
    /// Namespace bindings in scope before this element declared its own.
    scope_len: u32,
    last_child: u32,
    first_child: u32,
    /// Where the element's text starts in `Builder::pending_text`.
    text_from: u32,
    /// Where its children's name counts start in `Builder::name_counts`.
    counts_from: u32,
    has_child: bool,
    has_text: bool,
}

struct Builder<'t> {
    reader: Reader<&'t [u8]>,
    input: &'t str,
    name_cache: Recycled,
    limits: Limits,
    names: NameTable,
    elements: Vec<Element>,
    attrs: Vec<Attr>,
    strings: String,
    /// (prefix, namespace) bindings, innermost last; the empty prefix is the default.
    bindings: Vec<(Box<str>, Namespace)>,
    open: Vec<Open>,
    /// The text of the open elements, innermost last (see [`Open`]).
    pending_text: String,
    /// How many children of each name the open elements have so far, innermost
    /// last; few distinct names per parent, so a short run searched linearly beats
    /// a map.
    name_counts: Vec<(NameId, u32)>,
    root_closed: bool,
    /// Scratch buffers of [`Builder::start`], reused for every element.
    plain_attrs: Vec<(usize, usize, u32, u32)>,
    attr_keys: AttrKeys,
    /// The document contains a `\r`. Without one there is no line end to normalise,
    /// and text is taken as the reader returns it instead of scanning it again.
    has_cr: bool,
}

impl<'t> Builder<'t> {
    fn new(text: &'t str, limits: &Limits, has_cr: bool) -> Self {
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        Builder {
            reader,
            input: text,
            name_cache: NameCache::take(),
            limits: *limits,
            names: NameTable::new(),
            elements: Vec::with_capacity(text.len() / 64),
            attrs: Vec::new(),
            strings: String::with_capacity(text.len() / 3),
            bindings: Vec::new(),
            open: Vec::new(),
            pending_text: String::new(),
            name_counts: Vec::new(),
            root_closed: false,
            plain_attrs: Vec::new(),
            attr_keys: AttrKeys::default(),
            has_cr,
        }
    }

    fn position(&self) -> usize {
        self.reader.buffer_position() as usize
    }

    fn run(mut self) -> Result<Document, XmlError> {
        loop {
            let event = match self.reader.read_event() {
                Ok(e) => e,
                Err(e) => {
                    return Err(XmlError::malformed(
                        format!("not well-formed: {e}"),
                        self.reader.error_position() as usize,
                    ));
                }
            };
            match event {
                Event::DocType(_) => {
                    return Err(if self.elements.is_empty() {
                        XmlError::new(
                            XmlErrorKind::Doctype,
                            "document type declarations (<!DOCTYPE>) are refused: no entity or external DTD is ever processed",
                            self.position(),
                        )
                    } else {
                        XmlError::malformed("<!DOCTYPE> after the root element", self.position())
                    });
                }
                Event::Start(start) => self.start(&start, false)?,
                Event::Empty(start) => self.start(&start, true)?,
                Event::End(_) => self.end(),
                Event::Text(text) => {
                    let content = if self.has_cr {
                        text.xml10_content()
                    } else {
                        text.into_inner()
                    };
                    self.text(&content)?;
                }
                Event::CData(data) => {
                    if self.open.is_empty() {
                        return Err(XmlError::malformed(
                            "CDATA section outside the root element",
                            self.position(),
                        ));
                    }
                    let content = if self.has_cr {
                        data.xml10_content()
                    } else {
                        data.into_inner()
                    };
                    self.push_text(&content, true);
                }
                Event::GeneralRef(reference) => {
                    let resolved = if reference.is_char_ref() {
                        match reference.resolve_char_ref() {
                            Ok(Some(c)) if is_xml_char(c) => c.to_string(),
                            _ => {
                                return Err(XmlError::malformed(
                                    format!("invalid character reference &{};", &*reference),
                                    self.position(),
                                ));
                            }
                        }
                    } else {
                        match resolve_predefined_entity(&reference) {
                            Some(s) => s.to_string(),
                            None => {
                                return Err(XmlError::malformed(
                                    format!(
                                        "undefined entity &{};: only the five predefined entities exist without a DTD",
                                        &*reference
                                    ),
                                    self.position(),
                                ));
                            }
                        }
                    };
                    self.text(&resolved)?;
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if let Some(open) = self.open.last() {
            let name = self.names.names[self.elements[open.id as usize].name.0 as usize]
                .local
                .clone();
            return Err(XmlError::malformed(
                format!("unexpected end of document: element <{name}> is not closed"),
                self.position(),
            ));
        }
        if self.elements.is_empty() {
            return Err(XmlError::malformed(
                "no root element (empty document)",
                self.position(),
            ));
        }
        Ok(Document {
            elements: self.elements,
            attrs: self.attrs,
            strings: self.strings,
            names: self.names,
        })
    }

    fn text(&mut self, content: &str) -> Result<(), XmlError> {
        let blank = content
            .bytes()
            .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
        if self.open.is_empty() {
            if blank {
                return Ok(());
            }
            return Err(XmlError::malformed(
                "text outside the root element",
                self.position(),
            ));
        }
        self.push_text(content, !blank);
        Ok(())
    }

    fn push_text(&mut self, content: &str, significant: bool) {
        let top = self.open.last_mut().expect("checked by the caller");
        self.pending_text.push_str(content);
        top.has_text |= significant;
    }

    fn start(&mut self, start: &BytesStart<'_>, empty: bool) -> Result<(), XmlError> {
        let offset = self.position();
        if self.root_closed {
            return Err(XmlError::malformed(
                "a second root element: a document has exactly one",
                offset,
            ));
        }
        if self.open.len() >= self.limits.max_depth {
            return Err(XmlError::malformed(
                format!(
                    "elements nested deeper than {} levels",
                    self.limits.max_depth
                ),
                offset,
            ));
        }
        if self.elements.len() >= self.limits.max_elements {
            return Err(XmlError::malformed(
                format!("more than {} elements", self.limits.max_elements),
                offset,
            ));
        }

        // Namespace declarations first: they apply to the element's own name and to
        // its attributes.
        let scope_len = self.bindings.len();
        // Plain attributes as (name range in the tag, value range in `strings`):
        // values are copied straight into the arena instead of into an owned String
        // each, and the buffer is reused from element to element.
        let mut plain_attrs = std::mem::take(&mut self.plain_attrs);
        plain_attrs.clear();
        self.attr_keys.clear();
        let tag: &str = start;
        let raw_name: &str = start.name().into_inner();
        // quick-xml's own duplicate check allocates a vector per tag; `attr_keys`
        // does the same check in a buffer reused for every element.
        let mut attributes = start.attributes();
        attributes.with_checks(false);
        for attr in attributes {
            let attr = attr.map_err(|e| {
                XmlError::malformed(format!("bad attribute in <{raw_name}>: {e}"), offset)
            })?;
            let key_at = offset_in(tag, attr.key.into_inner()).unwrap_or(0);
            if let Some(previous) = self.attr_keys.insert(tag, key_at, attr.key.into_inner()) {
                let e = AttrError::Duplicated(key_at, previous);
                return Err(XmlError::malformed(
                    format!("bad attribute in <{raw_name}>: {e}"),
                    offset,
                ));
            }
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| {
                    XmlError::malformed(format!("bad attribute value in <{raw_name}>: {e}"), offset)
                })?;
            if value.chars().any(|c| !is_xml_char(c)) {
                return Err(XmlError::malformed(
                    format!("invalid character in an attribute of <{raw_name}>"),
                    offset,
                ));
            }
            let key: &str = attr.key.into_inner();
            if key == "xmlns" {
                let ns = self.namespace(&value, offset)?;
                self.bindings.push(("".into(), ns));
                self.name_cache.invalidate();
            } else if let Some(prefix) = key.strip_prefix("xmlns:") {
                if value.is_empty() {
                    return Err(XmlError::malformed(
                        format!("namespace prefix {prefix:?} bound to an empty URI"),
                        offset,
                    ));
                }
                let ns = self.namespace(&value, offset)?;
                self.bindings.push((prefix.into(), ns));
                self.name_cache.invalidate();
            } else {
                let value_start = self.strings.len() as u32;
                self.strings.push_str(&value);
                plain_attrs.push((key_at, key.len(), value_start, self.strings.len() as u32));
            }
        }

        let name = match self.name_cache.get(self.input, raw_name) {
            Some(id) => id,
            None => {
                let (prefix, local) = split_qname(raw_name);
                let ns = self.resolve(prefix, true).ok_or_else(|| {
                    XmlError::malformed(
                        format!("namespace prefix {prefix:?} of <{raw_name}> is not declared"),
                        offset,
                    )
                })?;
                let id = self.names.name(ns, local, prefix);
                if let Some(at) = offset_in(self.input, raw_name) {
                    self.name_cache.put(at, raw_name, id);
                }
                id
            }
        };

        let attrs_start = self.attrs.len() as u32;
        for &(key_at, key_len, value_start, value_end) in &plain_attrs {
            let key = &tag[key_at..key_at + key_len];
            let (aprefix, alocal) = split_qname(key);
            let ans = if aprefix.is_empty() {
                Namespace::NONE
            } else if aprefix == "xml" {
                Namespace::XML
            } else {
                self.resolve(aprefix, false).ok_or_else(|| {
                    XmlError::malformed(
                        format!("namespace prefix {aprefix:?} of attribute {key} is not declared"),
                        offset,
                    )
                })?
            };
            let aname = self.names.name(ans, alocal, aprefix);
            self.attrs.push(Attr {
                name: aname,
                value_start,
                value_end,
            });
        }
        let attrs_end = self.attrs.len() as u32;
        self.plain_attrs = plain_attrs;

        let id = self.elements.len() as u32;
        let mut position = 1;
        let parent = match self.open.last_mut() {
            Some(p) => {
                if p.last_child != NONE {
                    self.elements[p.last_child as usize].next_sibling = id;
                } else {
                    p.first_child = id;
                }
                p.last_child = id;
                p.has_child = true;
                let siblings = &mut self.name_counts[p.counts_from as usize..];
                match siblings.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, count)) => {
                        *count += 1;
                        position = *count;
                    }
                    None => self.name_counts.push((name, 1)),
                }
                p.id
            }
            None => NONE,
        };
        let text_at = self.strings.len() as u32;
        let ns = self.names.names[name.0 as usize].ns;
        self.elements.push(Element {
            name,
            ns,
            parent,
            end: id + 1,
            next_sibling: NONE,
            attrs_start,
            attrs_end,
            text_start: text_at,
            text_end: text_at,
            offset: offset as u32,
            mixed: false,
            position,
            repeated: false,
        });

        if empty {
            self.unbind(scope_len);
            if self.open.is_empty() {
                self.root_closed = true;
            }
        } else {
            self.open.push(Open {
                id,
                scope_len: scope_len as u32,
                last_child: NONE,
                first_child: NONE,
                text_from: self.pending_text.len() as u32,
                counts_from: self.name_counts.len() as u32,
                has_child: false,
                has_text: false,
            });
        }
        Ok(())
    }

    fn end(&mut self) {
        // quick-xml has already checked that the end tag matches the open element.
        let Some(open) = self.open.pop() else {
            return;
        };
        let end = self.elements.len() as u32;
        let text_start = self.strings.len() as u32;
        self.strings
            .push_str(&self.pending_text[open.text_from as usize..]);
        self.pending_text.truncate(open.text_from as usize);
        let text_end = self.strings.len() as u32;
        let el = &mut self.elements[open.id as usize];
        el.end = end;
        el.text_start = text_start;
        el.text_end = text_end;
        el.mixed = open.has_child && open.has_text;
        // Now that all children are known, mark those whose name repeats.
        let counts = &self.name_counts[open.counts_from as usize..];
        if counts.iter().any(|(_, count)| *count > 1) {
            let mut child = open.first_child;
            while child != NONE {
                let c = &mut self.elements[child as usize];
                c.repeated = counts.iter().any(|(n, count)| *n == c.name && *count > 1);
                child = c.next_sibling;
            }
        }
        self.name_counts.truncate(open.counts_from as usize);
        self.unbind(open.scope_len as usize);
        if self.open.is_empty() {
            self.root_closed = true;
        }
    }

    /// The id of a namespace URI declared at `offset`.
    fn namespace(&mut self, uri: &str, offset: usize) -> Result<Namespace, XmlError> {
        self.names.namespace(uri).ok_or_else(|| {
            XmlError::malformed(
                format!("more than {} distinct namespace URIs", u16::MAX),
                offset,
            )
        })
    }

    /// Drops the bindings an element declared, when it declared any.
    fn unbind(&mut self, scope_len: usize) {
        if self.bindings.len() > scope_len {
            self.bindings.truncate(scope_len);
            self.name_cache.invalidate();
        }
    }

    /// The namespace bound to a prefix; the empty prefix falls back to "no
    /// namespace" for elements (attributes never take the default namespace).
    fn resolve(&self, prefix: &str, element: bool) -> Option<Namespace> {
        if prefix == "xml" {
            return Some(Namespace::XML);
        }
        match self.bindings.iter().rev().find(|(p, _)| &**p == prefix) {
            Some((_, ns)) => Some(*ns),
            None if prefix.is_empty() && element => Some(Namespace::NONE),
            None => None,
        }
    }
}

/// Where `part`, a slice of `text`, starts in it (`None` for a slice of anything
/// else, such as text the reader had to copy).
fn offset_in(text: &str, part: &str) -> Option<usize> {
    let at = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    (at + part.len() <= text.len()).then_some(at)
}

fn split_qname(name: &str) -> (&str, &str) {
    match name.split_once(':') {
        Some((prefix, local)) => (prefix, local),
        None => ("", name),
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests;
