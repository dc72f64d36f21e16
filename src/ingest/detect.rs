//! What a document is, decided from its content only (never from its file name).

use crate::xml::{Namespace, Node};

use super::report::Syntax;

/// The container of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// A PDF (`%PDF-` within the first 1024 bytes, as PDF readers accept).
    Pdf,
    /// Anything else is read as XML; the XML reader says if it is not.
    Xml,
}

pub fn container(bytes: &[u8]) -> Container {
    let head = &bytes[..bytes.len().min(1024)];
    if head.windows(5).any(|w| w == b"%PDF-") {
        Container::Pdf
    } else {
        Container::Xml
    }
}

/// The syntax named by the root element and its namespace.
pub fn syntax_of(root: Node<'_>) -> Syntax {
    if root.is(Namespace::UBL_INVOICE, "Invoice")
        || root.is(Namespace::UBL_CREDIT_NOTE, "CreditNote")
    {
        Syntax::Ubl
    } else if root.is(Namespace::RSM, "CrossIndustryInvoice") {
        Syntax::Cii
    } else if root.is(Namespace::CDAR, "CrossDomainAcknowledgementAndResponse") {
        Syntax::Cdar
    } else {
        Syntax::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{Limits, parse_str};

    fn syntax(xml: &str) -> Syntax {
        syntax_of(parse_str(xml, &Limits::default()).unwrap().root())
    }

    #[test]
    fn syntax_comes_from_root_and_namespace() {
        assert_eq!(
            syntax(r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>"#),
            Syntax::Ubl
        );
        assert_eq!(
            syntax(
                r#"<x:CreditNote xmlns:x="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"/>"#
            ),
            Syntax::Ubl
        );
        assert_eq!(
            syntax(
                r#"<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"/>"#
            ),
            Syntax::Cii
        );
        // Right name, wrong namespace (ZUGFeRD 1.0 used another one).
        assert_eq!(
            syntax(
                r#"<rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"/>"#
            ),
            Syntax::Unknown
        );
        assert_eq!(syntax(r#"<Invoice/>"#), Syntax::Unknown);
    }

    #[test]
    fn pdf_is_recognised_by_its_header_not_its_name() {
        assert_eq!(container(b"%PDF-1.7\n..."), Container::Pdf);
        assert_eq!(container(b"\n\n%PDF-1.4"), Container::Pdf);
        assert_eq!(container(b"<?xml version='1.0'?><a/>"), Container::Xml);
        assert_eq!(container(b""), Container::Xml);
    }
}
