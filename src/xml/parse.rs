//! The secure parser: decoded text -> [`Document`], with limits and no DTD.

use quick_xml::XmlVersion;
use quick_xml::errors::{IllFormedError, SyntaxError};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesCData, BytesRef, BytesStart, BytesText, Event};
use quick_xml::parser::{CommentParser, ElementParser, Parser, PiParser};
use quick_xml::reader::Reader;

use super::attr_keys::AttrKeys;
use super::decode::decode;
use super::name_cache::{NameCache, Recycled};
use super::names::{NameId, NameTable, Namespace};
use super::space::is_space;
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
/// its `*_from` mark, and closing it truncates the buffer back to that mark (the
/// innermost element's latest piece of text may still wait in `Builder::deferred`).
/// Owning a `String` and a `Vec` per open element cost 72 bytes per level, which a
/// document nested 2 048 deep turned into 18 times its size.
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
    /// Its raw name, `name_len` bytes at `name_at` in the input: the end tag must
    /// repeat it.
    name_at: usize,
    name_len: usize,
    /// The raw name has no quote, so `</name>` ends at the `>` after the name
    /// (see [`Builder::bare_end_tag`]).
    unquoted_name: bool,
    has_child: bool,
    has_text: bool,
}

struct Builder<'t> {
    /// The document text, without a leading byte-order mark.
    input: &'t str,
    /// Where the token being handled ends: the offset of its errors.
    pos: usize,
    name_cache: Recycled,
    /// The same for attribute names without a prefix, which resolve to no
    /// namespace whatever the bindings: never invalidated within a document.
    attr_name_cache: Recycled,
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
    /// The innermost open element's latest piece of text, a range of the input not
    /// copied to `pending_text` yet (see [`Builder::text_chunk`]).
    deferred: (usize, usize),
    /// How many children of each name the open elements have so far, innermost
    /// last; few distinct names per parent, so a short run searched linearly beats
    /// a map.
    name_counts: Vec<(NameId, u32)>,
    root_closed: bool,
    /// Scratch buffers of [`Builder::start`], reused for every element.
    plain_attrs: Vec<(usize, usize, u32, u32)>,
    attr_keys: AttrKeys,
    /// The document contains a `\r`. Without one there is no line end to normalise,
    /// and text is taken as it is instead of scanning it again.
    has_cr: bool,
}

/// Where the next `<` or `&` is, from byte `from` on. Most pieces of text are
/// short (an indentation, a value): a plain loop over their first bytes finds
/// their end before a vectorised search would have started.
fn next_mark(bytes: &[u8], from: usize) -> Option<usize> {
    const SHORT: usize = 16;
    let short_end = bytes.len().min(from + SHORT);
    if let Some(i) = bytes[from..short_end]
        .iter()
        .position(|&b| b == b'<' || b == b'&')
    {
        return Some(from + i);
    }
    memchr::memchr2(b'<', b'&', &bytes[short_end..]).map(|i| short_end + i)
}

/// Whether two short byte strings (names) are equal: compared eight bytes at a
/// time, the last word overlapping, which beats a call to `memcmp` on names of a
/// few dozen bytes.
pub(super) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let word =
        |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("eight bytes"));
    let mut at = 0;
    while at + 8 < n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// A refusal worded and placed as quick-xml words and places it.
fn reader_error(error: impl Into<quick_xml::Error>, offset: usize) -> XmlError {
    XmlError::malformed(format!("not well-formed: {}", error.into()), offset)
}

impl<'t> Builder<'t> {
    fn new(text: &'t str, limits: &Limits, has_cr: bool) -> Self {
        // Offsets count from after the byte-order mark, as the reader always did.
        let input = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        Builder {
            input,
            pos: 0,
            name_cache: NameCache::take(),
            attr_name_cache: NameCache::take(),
            limits: *limits,
            names: NameTable::new(),
            elements: Vec::with_capacity(text.len() / 64),
            attrs: Vec::new(),
            strings: String::with_capacity(text.len() / 3),
            bindings: Vec::new(),
            open: Vec::new(),
            pending_text: String::new(),
            deferred: (0, 0),
            name_counts: Vec::new(),
            root_closed: false,
            plain_attrs: Vec::new(),
            attr_keys: AttrKeys::default(),
            has_cr,
        }
    }

    fn position(&self) -> usize {
        self.pos
    }

    /// Reads the whole text, token by token.
    ///
    /// The text is a `&str` and every token starts and ends at an ASCII byte, so
    /// each token is a slice of it that needs no second UTF-8 validation (quick-xml's
    /// `Reader` validates every token again, which cost a sixth of the reading). The
    /// ends of tags, comments and processing instructions are still found by
    /// quick-xml's own parsers, and attributes and references decoded by it.
    fn run(mut self) -> Result<Document, XmlError> {
        let input = self.input;
        let bytes = input.as_bytes();
        let mut at = 0;
        while let Some(mark) = next_mark(bytes, at) {
            if mark > at {
                self.pos = mark;
                self.text_chunk(at, mark)?;
            }
            // End tags are dispatched here, not in `markup`: their path is short,
            // and `markup`'s (with start tags inlined) saves many registers.
            at = if bytes[mark] != b'<' {
                self.reference(mark)?
            } else if bytes.get(mark + 1) == Some(&b'/') {
                self.end_tag(mark)?
            } else {
                self.markup(mark)?
            };
        }
        self.pos = bytes.len();
        if at < bytes.len() {
            self.text_chunk(at, bytes.len())?;
        }
        self.finish()
    }

    /// Handles the markup that starts with the `<` at `lt`; returns where it ends.
    fn markup(&mut self, lt: usize) -> Result<usize, XmlError> {
        match self.input.as_bytes().get(lt + 1) {
            None => Err(reader_error(SyntaxError::UnclosedTag, lt)),
            Some(b'!') => self.bang(lt),
            Some(b'/') => self.end_tag(lt),
            Some(b'?') => self.processing_instruction(lt),
            Some(_) => self.start_tag(lt),
        }
    }

    /// Where the tag that starts at `lt` ends (after its `>`), quotes respected.
    fn tag_end(&self, lt: usize) -> Result<usize, XmlError> {
        let rest = &self.input.as_bytes()[lt..];
        let mut parser = ElementParser::default();
        match parser.feed(rest) {
            Some(gt) => Ok(lt + gt + 1),
            None => Err(reader_error(parser.eof_error(rest), lt)),
        }
    }

    fn start_tag(&mut self, lt: usize) -> Result<usize, XmlError> {
        let (end, bare) = match self.bare_tag_end(lt) {
            Some(end) => (end, true),
            None => (self.tag_end(lt)?, false),
        };
        let inner = &self.input[lt + 1..end - 1];
        let (content, empty) = match inner.strip_suffix('/') {
            Some(content) => (content, true),
            None => (inner, false),
        };
        let (name_len, unquoted_name) = if bare {
            // The loop stopped at no quote.
            (content.len(), true)
        } else {
            let name_len = content.bytes().position(is_space).unwrap_or(content.len());
            let quoted = content[..name_len].bytes().any(|b| b == b'\'' || b == b'"');
            (name_len, !quoted)
        };
        self.pos = end;
        self.start(content, lt + 1, name_len, unquoted_name, empty)?;
        Ok(end)
    }

    /// Where a tag that is a bare name (`<name>`, `<name/>`) ends: the first `>`,
    /// when no white space (attributes) and no quote (where `>` would not end the
    /// tag) comes before it. `None` for any other tag. A name is a handful of bytes,
    /// which a plain loop reads faster than a vectorised search starts up.
    fn bare_tag_end(&self, lt: usize) -> Option<usize> {
        let bytes = self.input.as_bytes();
        let mut at = lt + 1;
        loop {
            match *bytes.get(at)? {
                b'>' => return Some(at + 1),
                b' ' | b'\t' | b'\n' | b'\r' | b'\'' | b'"' => return None,
                _ => at += 1,
            }
        }
    }

    /// An end tag must close the innermost open element, by the very same raw name
    /// (white space may follow the name).
    fn end_tag(&mut self, lt: usize) -> Result<usize, XmlError> {
        if let Some(end) = self.bare_end_tag(lt) {
            self.pos = end;
            self.end();
            return Ok(end);
        }
        let end = self.tag_end(lt)?;
        let content = &self.input[lt + 2..end - 1];
        // White space after the name is dropped (quick-xml keeps a name made only of
        // white space as it is, and so does its error message).
        let name = match content.bytes().rposition(|b| !is_space(b)) {
            Some(last) => &content[..=last],
            None => content,
        };
        let Some(open) = self.open.last() else {
            return Err(reader_error(
                IllFormedError::UnmatchedEndTag(name.to_string()),
                lt,
            ));
        };
        let expected = &self.input[open.name_at..open.name_at + open.name_len];
        if name != expected {
            return Err(reader_error(
                IllFormedError::MismatchedEndTag {
                    expected: expected.to_string(),
                    found: name.to_string(),
                },
                lt,
            ));
        }
        self.pos = end;
        self.end();
        Ok(end)
    }

    /// Where the end tag at `lt` ends when it is exactly `</name>` for the innermost
    /// open element: the whole check is then one comparison. A name with a quote
    /// in it is left to the general path, where the quote would change where the
    /// tag ends.
    fn bare_end_tag(&self, lt: usize) -> Option<usize> {
        let open = self.open.last()?;
        let bytes = self.input.as_bytes();
        let name = &bytes[open.name_at..open.name_at + open.name_len];
        let gt = lt + 2 + name.len();
        let bare = open.unquoted_name
            && bytes.get(gt) == Some(&b'>')
            && same_bytes(&bytes[lt + 2..gt], name);
        bare.then_some(gt + 1)
    }

    /// `<?...?>`: processing instructions and XML declarations carry nothing the
    /// tree keeps, wherever they are.
    fn processing_instruction(&mut self, lt: usize) -> Result<usize, XmlError> {
        let rest = &self.input.as_bytes()[lt..];
        let mut parser = PiParser::default();
        match parser.feed(rest) {
            // `<?>`: the `?` that opens it cannot also close it.
            Some(gt) if gt < 3 => Err(reader_error(
                PiParser::default().eof_error(&rest[..gt + 1]),
                lt,
            )),
            Some(gt) => Ok(lt + gt + 1),
            None => Err(reader_error(parser.eof_error(rest), lt)),
        }
    }

    /// `<!`: a comment, a CDATA section or a document type declaration, nothing else.
    fn bang(&mut self, lt: usize) -> Result<usize, XmlError> {
        match self.input.as_bytes().get(lt + 2) {
            Some(b'-') => self.comment(lt),
            Some(b'[') => self.cdata(lt),
            Some(b'D' | b'd') => Err(self.doctype(lt)),
            _ => Err(reader_error(SyntaxError::InvalidBangMarkup, lt)),
        }
    }

    /// `<!--...-->`, which must not contain `--` nor end with `-`.
    fn comment(&mut self, lt: usize) -> Result<usize, XmlError> {
        let bytes = self.input.as_bytes();
        if !bytes[lt..].starts_with(b"<!--") {
            return Err(reader_error(SyntaxError::UnclosedComment, lt));
        }
        let body = lt + 4;
        let mut parser = CommentParser::default();
        let Some(after) = parser.feed(&bytes[body..]) else {
            return Err(reader_error(SyntaxError::UnclosedComment, lt));
        };
        let end = body + after;
        // The body and the first `-` of `-->`: a `--` there is a `--` in the comment
        // or a comment ending with `-`.
        if let Some(dash) = memchr::memmem::find(&bytes[body..end - 2], b"--") {
            return Err(reader_error(
                IllFormedError::DoubleHyphenInComment,
                body + dash,
            ));
        }
        Ok(end)
    }

    /// `<![CDATA[...]]>`: its content is text, taken as it is.
    fn cdata(&mut self, lt: usize) -> Result<usize, XmlError> {
        const OPEN: &[u8] = b"<![CDATA[";
        let bytes = self.input.as_bytes();
        let close = bytes[lt..]
            .starts_with(OPEN)
            .then(|| memchr::memmem::find(&bytes[lt + OPEN.len()..], b"]]>"))
            .flatten();
        let Some(close) = close else {
            return Err(reader_error(SyntaxError::UnclosedCData, lt));
        };
        let content_at = lt + OPEN.len();
        let end = content_at + close + 3;
        self.pos = end;
        if self.open.is_empty() {
            return Err(XmlError::malformed(
                "CDATA section outside the root element",
                self.position(),
            ));
        }
        let content = &self.input[content_at..content_at + close];
        if self.has_cr {
            let content = BytesCData::new(content);
            self.push_text(&content.xml10_content(), true);
        } else {
            self.push_text(content, true);
        }
        Ok(end)
    }

    /// `<!DOCTYPE`: always refused. quick-xml reads the declaration to its end first,
    /// so that a malformed one is reported as such and a complete one where it ends.
    fn doctype(&mut self, lt: usize) -> XmlError {
        let mut reader = Reader::from_str(&self.input[lt..]);
        match reader.read_event() {
            Ok(Event::DocType(_)) => {
                self.pos = lt + reader.buffer_position() as usize;
                if self.elements.is_empty() {
                    XmlError::new(
                        XmlErrorKind::Doctype,
                        "document type declarations (<!DOCTYPE>) are refused: no entity or external DTD is ever processed",
                        self.position(),
                    )
                } else {
                    XmlError::malformed("<!DOCTYPE> after the root element", self.position())
                }
            }
            Ok(_) => reader_error(SyntaxError::InvalidBangMarkup, lt),
            Err(e) => reader_error(e, lt + reader.error_position() as usize),
        }
    }

    /// The reference `&...;` at `amp`, replaced by the text it stands for.
    fn reference(&mut self, amp: usize) -> Result<usize, XmlError> {
        let bytes = self.input.as_bytes();
        let semicolon = match memchr::memchr3(b';', b'&', b'<', &bytes[amp + 1..]) {
            Some(i) if bytes[amp + 1 + i] == b';' => amp + 1 + i,
            _ => return Err(reader_error(IllFormedError::UnclosedReference, amp)),
        };
        self.pos = semicolon + 1;
        let reference = BytesRef::new(&self.input[amp + 1..semicolon]);
        let mut buf = [0; 4];
        let resolved: &str = if reference.is_char_ref() {
            match reference.resolve_char_ref() {
                Ok(Some(c)) if is_xml_char(c) => c.encode_utf8(&mut buf),
                _ => {
                    return Err(XmlError::malformed(
                        format!("invalid character reference &{};", &*reference),
                        self.position(),
                    ));
                }
            }
        } else {
            match resolve_predefined_entity(&reference) {
                Some(s) => s,
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
        self.text(resolved)?;
        Ok(semicolon + 1)
    }

    /// The end of the text: every element closed, and one root.
    fn finish(self) -> Result<Document, XmlError> {
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

    /// The text between two pieces of markup, bytes `from..to` of the input.
    ///
    /// It is not copied yet, only noted as `deferred`: most elements have a single
    /// piece of text, which `end` then copies once, straight into `strings`,
    /// instead of through `pending_text`.
    fn text_chunk(&mut self, from: usize, to: usize) -> Result<(), XmlError> {
        let content = &self.input[from..to];
        if self.has_cr {
            let content = BytesText::from_escaped(content);
            return self.text(&content.xml10_content());
        }
        if let Some(significant) = self.text_kind(content)? {
            self.flush_deferred();
            self.deferred = (from, to);
            self.open.last_mut().expect("text_kind checked").has_text |= significant;
        }
        Ok(())
    }

    /// Text that is not a slice of the input (normalised, or a reference's).
    fn text(&mut self, content: &str) -> Result<(), XmlError> {
        if let Some(significant) = self.text_kind(content)? {
            self.push_text(content, significant);
        }
        Ok(())
    }

    /// Whether text is significant (not only white space) in the innermost open
    /// element; `None` for white space outside the root, where it is dropped, and
    /// a refusal for anything else there.
    fn text_kind(&self, content: &str) -> Result<Option<bool>, XmlError> {
        let blank = content.bytes().all(is_space);
        if !self.open.is_empty() {
            return Ok(Some(!blank));
        }
        if blank {
            return Ok(None);
        }
        Err(XmlError::malformed(
            "text outside the root element",
            self.position(),
        ))
    }

    fn push_text(&mut self, content: &str, significant: bool) {
        self.flush_deferred();
        let top = self.open.last_mut().expect("checked by the caller");
        self.pending_text.push_str(content);
        top.has_text |= significant;
    }

    /// Moves the deferred text of the innermost open element to `pending_text`:
    /// more text follows it, or a child opens and takes over `deferred`.
    fn flush_deferred(&mut self) {
        let (from, to) = std::mem::take(&mut self.deferred);
        if from < to {
            self.pending_text.push_str(&self.input[from..to]);
        }
    }

    /// A start tag: `content` is what lies between `<` and `>` (or `/>` when
    /// `empty`), at byte `content_at` of the input; its first `name_len` bytes are
    /// the element's raw name (`unquoted_name` when no quote is among them).
    fn start(
        &mut self,
        content: &str,
        content_at: usize,
        name_len: usize,
        unquoted_name: bool,
        empty: bool,
    ) -> Result<(), XmlError> {
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

        let raw_name = &content[..name_len];
        // Most tags are a bare name: the attribute machinery is for the others.
        let has_attributes = name_len < content.len();
        // Namespace declarations first: they apply to the element's own name and to
        // its attributes.
        let scope_len = self.bindings.len();
        if has_attributes {
            self.read_attributes(&BytesStart::from_content(content, name_len), offset)?;
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
                self.name_cache.put(content_at, raw_name, id);
                id
            }
        };

        let attrs_start = self.attrs.len() as u32;
        if has_attributes {
            self.name_attributes(content, content_at, offset)?;
        }
        let attrs_end = self.attrs.len() as u32;

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
            self.flush_deferred();
            self.open.push(Open {
                id,
                scope_len: scope_len as u32,
                last_child: NONE,
                first_child: NONE,
                text_from: self.pending_text.len() as u32,
                counts_from: self.name_counts.len() as u32,
                name_at: content_at,
                name_len,
                unquoted_name,
                has_child: false,
                has_text: false,
            });
        }
        Ok(())
    }

    /// Reads the attributes of a start tag: namespace declarations are bound, the
    /// others' values copied into `strings` and their names left in `plain_attrs`
    /// for [`Builder::name_attributes`] (their prefixes resolve once every
    /// declaration of the tag is known).
    // Kept out of `start`: most tags have no attribute, and this code's registers
    // would otherwise be saved and restored for every tag.
    #[inline(never)]
    fn read_attributes(&mut self, start: &BytesStart<'_>, offset: usize) -> Result<(), XmlError> {
        // Plain attributes as (name range in the tag, value range in `strings`):
        // values are copied straight into the arena instead of into an owned String
        // each, and the buffer is reused from element to element.
        self.plain_attrs.clear();
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
                self.plain_attrs
                    .push((key_at, key.len(), value_start, self.strings.len() as u32));
            }
        }
        Ok(())
    }

    /// Resolves and records the plain attributes [`Builder::read_attributes`] left
    /// in `plain_attrs`; `tag` is the tag they were read from, at byte `tag_at` of
    /// the input.
    #[inline(never)]
    fn name_attributes(&mut self, tag: &str, tag_at: usize, offset: usize) -> Result<(), XmlError> {
        for i in 0..self.plain_attrs.len() {
            let (key_at, key_len, value_start, value_end) = self.plain_attrs[i];
            let key = &tag[key_at..key_at + key_len];
            // The cache holds only names without a prefix, so a hit needs no split.
            let cached = self.attr_name_cache.get(self.input, key);
            let (aprefix, alocal) = match cached {
                Some(_) => ("", key),
                None => split_qname(key),
            };
            if aprefix.is_empty() {
                let aname = match cached {
                    Some(id) => id,
                    None => {
                        let id = self.names.name(Namespace::NONE, alocal, aprefix);
                        self.attr_name_cache.put(tag_at + key_at, key, id);
                        id
                    }
                };
                self.attrs.push(Attr {
                    name: aname,
                    value_start,
                    value_end,
                });
                continue;
            }
            let ans = if aprefix == "xml" {
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
        Ok(())
    }

    fn end(&mut self) {
        // `end_tag` has already checked that the end tag matches the open element.
        let Some(open) = self.open.pop() else {
            return;
        };
        let end = self.elements.len() as u32;
        let text_start = self.strings.len() as u32;
        let pending = &self.pending_text[open.text_from as usize..];
        if !pending.is_empty() {
            self.strings.push_str(pending);
            self.pending_text.truncate(open.text_from as usize);
        }
        let (from, to) = std::mem::take(&mut self.deferred);
        self.strings.push_str(&self.input[from..to]);
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
