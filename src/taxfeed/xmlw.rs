//! The XML writer the tax feed's extracts share: elements written in the order the
//! caller calls them (the callers follow the official XSD sequences), text and
//! attribute values escaped, one element per line so a rejected file is readable.
//!
//! It writes into a `String` with no intermediate tree: extraction of 100 000 F1 files
//! must stay far below a second of formatting.

use std::fmt::Display;
use std::fmt::Write as _;

/// Appends escaped text (`&`, `<`, `>`, `"`, `'`).
fn push_escaped(out: &mut String, value: &str) {
    // Most values need no escaping; copy them whole.
    if !value
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
    {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

#[derive(Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub fn with_capacity(capacity: usize) -> XmlWriter {
        XmlWriter {
            out: String::with_capacity(capacity),
        }
    }

    pub fn finish(self) -> String {
        self.out
    }

    /// Writes text verbatim (the declaration, a root start tag with namespaces).
    pub fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    pub fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    pub fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// `<name>value</name>` with `value` escaped.
    pub fn leaf(&mut self, name: &str, value: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        push_escaped(&mut self.out, value);
        self.close(name);
    }

    /// A leaf whose value is a number or code that never needs escaping (decimals,
    /// dates).
    pub fn leaf_display(&mut self, name: &str, value: impl Display) {
        let _ = writeln!(self.out, "<{name}>{value}</{name}>");
    }

    pub fn opt_leaf(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.leaf(name, v);
        }
    }

    /// `<name attr="a">value</name>`; the attribute is left out when `attr_value` is
    /// `None`.
    pub fn leaf_attr(&mut self, name: &str, attr: &str, attr_value: Option<&str>, value: &str) {
        self.out.push('<');
        self.out.push_str(name);
        if let Some(a) = attr_value {
            self.out.push(' ');
            self.out.push_str(attr);
            self.out.push_str("=\"");
            push_escaped(&mut self.out, a);
            self.out.push('"');
        }
        self.out.push('>');
        push_escaped(&mut self.out, value);
        self.close(name);
    }

    /// `<name attr="a">` (an element with an attribute and children).
    pub fn open_attr(&mut self, name: &str, attr: &str, attr_value: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push(' ');
        self.out.push_str(attr);
        self.out.push_str("=\"");
        push_escaped(&mut self.out, attr_value);
        self.out.push_str("\">\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        let mut w = XmlWriter::default();
        w.leaf_attr("a", "id", Some("x\"y"), "1 < 2 & 3");
        w.leaf("b", "plain");
        assert_eq!(
            w.finish(),
            "<a id=\"x&quot;y\">1 &lt; 2 &amp; 3</a>\n<b>plain</b>\n"
        );
    }
}
