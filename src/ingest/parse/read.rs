//! Reading typed values out of tree nodes for the UBL and CII mappers: trimmed text,
//! scheme-qualified identifiers, and decimals and dates whose unreadable text is kept
//! in [`Unparsed`] instead of failing the mapping.

use crate::invoice::{Amount, Date, Identifier, Percent, Quantity, Unparsed};
use crate::xml::{Node, trim_space};

/// The element's own text without the XML whitespace around it; `None` when the
/// element is absent or holds only whitespace, which no term distinguishes from absence.
pub(super) fn text(node: Option<Node<'_>>) -> Option<String> {
    let t = trim_space(node?.text());
    (!t.is_empty()).then(|| t.to_string())
}

/// A non-empty attribute value, trimmed.
pub(super) fn attr(node: Node<'_>, name: &str) -> Option<String> {
    let v = trim_space(node.attr(name)?);
    (!v.is_empty()).then(|| v.to_string())
}

/// An identifier with its scheme read from the attribute `scheme_attr` (`schemeID`
/// in both syntaxes for most terms).
pub(super) fn identifier(node: Option<Node<'_>>, scheme_attr: &str) -> Option<Identifier> {
    let node = node?;
    Some(Identifier {
        value: text(Some(node))?,
        scheme: attr(node, scheme_attr),
    })
}

/// Collects the values that are present but unreadable while a document is mapped.
#[derive(Debug, Default)]
pub(super) struct Reader {
    pub(super) unparsed: Vec<Unparsed>,
}

impl Reader {
    pub(super) fn amount(&mut self, node: Option<Node<'_>>, term: &'static str) -> Option<Amount> {
        self.typed(node, term, Amount::parse)
    }

    pub(super) fn quantity(
        &mut self,
        node: Option<Node<'_>>,
        term: &'static str,
    ) -> Option<Quantity> {
        self.typed(node, term, Quantity::parse)
    }

    pub(super) fn percent(
        &mut self,
        node: Option<Node<'_>>,
        term: &'static str,
    ) -> Option<Percent> {
        self.typed(node, term, Percent::parse)
    }

    /// A UBL `xs:date` (`YYYY-MM-DD`).
    pub(super) fn date(&mut self, node: Option<Node<'_>>, term: &'static str) -> Option<Date> {
        self.typed(node, term, Date::parse)
    }

    /// A CII date: the `udt:DateTimeString` / `qdt:DateTimeString` / `udt:DateString`
    /// child of `node`. EN 16931 allows only format 102 (`YYYYMMDD`); a date written
    /// in another declared format is kept as unparsed rather than misread.
    pub(super) fn cii_date(&mut self, node: Option<Node<'_>>, term: &'static str) -> Option<Date> {
        let value = node?.children().next()?;
        match value.attr("format") {
            Some(f) if f.trim() != "102" => {
                self.keep(term, value.text());
                None
            }
            _ => self.typed(Some(value), term, Date::parse),
        }
    }

    /// A boolean indicator (`true`/`false`, `1`/`0`), as in `cbc:ChargeIndicator`.
    pub(super) fn indicator(&mut self, node: Option<Node<'_>>, term: &'static str) -> Option<bool> {
        self.typed(node, term, |t| match trim_space(t) {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        })
    }

    fn typed<T>(
        &mut self,
        node: Option<Node<'_>>,
        term: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let raw = node?.text();
        let value = parse(raw);
        if value.is_none() {
            self.keep(term, raw);
        }
        value
    }

    fn keep(&mut self, term: &'static str, raw: &str) {
        self.unparsed.push(Unparsed {
            term,
            raw: raw.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{Limits, Namespace, parse_str};

    #[test]
    fn typed_values_keep_unreadable_text() {
        let doc = parse_str(
            "<r><a> 12.50 </a><b>12,50</b><c>  </c><d><s format=\"610\">202401</s></d></r>",
            &Limits::default(),
        )
        .expect("well-formed");
        let root = doc.root();
        let child = |name: &str| root.child(Namespace::NONE, name);
        let mut reader = Reader::default();
        assert_eq!(
            reader.amount(child("a"), "BT-1").map(|a| a.to_string()),
            Some("12.50".into())
        );
        assert_eq!(reader.amount(child("b"), "BT-2"), None);
        assert_eq!(reader.amount(child("missing"), "BT-3"), None);
        assert_eq!(text(child("c")), None);
        assert_eq!(reader.cii_date(child("d"), "BT-4"), None);
        let kept: Vec<_> = reader
            .unparsed
            .iter()
            .map(|u| (u.term, u.raw.as_str()))
            .collect();
        assert_eq!(kept, [("BT-2", "12,50"), ("BT-4", "202401")]);
    }
}
