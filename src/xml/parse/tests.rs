use super::*;

fn parse_ok(text: &str) -> Document {
    parse_str(text, &Limits::default()).unwrap()
}

fn parse_err(text: &str) -> XmlError {
    parse_str(text, &Limits::default()).unwrap_err()
}

#[test]
fn builds_tree_with_namespaces_text_and_attributes() {
    let doc = parse_ok(
        r#"<?xml version="1.0"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>A&amp;B&#x41;<![CDATA[<x>]]></cbc:ID>
  <cbc:Amount currencyID="EUR">10</cbc:Amount>
  <cbc:Amount currencyID="USD"/>
</Invoice>"#,
    );
    let root = doc.root();
    assert!(root.is(Namespace::UBL_INVOICE, "Invoice"));
    let id = root.child(Namespace::CBC, "ID").unwrap();
    assert_eq!(id.text(), "A&BA<x>");
    let amounts: Vec<_> = root.children_named(Namespace::CBC, "Amount").collect();
    assert_eq!(amounts.len(), 2);
    assert_eq!(amounts[0].attr("currencyID"), Some("EUR"));
    assert_eq!(amounts[0].text(), "10");
    assert_eq!(amounts[1].path(), "/Invoice/cbc:Amount[2]");
    assert_eq!(root.descendants().count(), 3);
    assert!(!root.has_mixed_text());
}

#[test]
fn parent_text_around_children_is_contiguous_and_flagged_mixed() {
    let doc = parse_ok("<a>x<b>y</b>z</a>");
    assert_eq!(doc.root().text(), "xz");
    assert!(doc.root().has_mixed_text());
    assert_eq!(doc.root().string_value(), "xzy");
}

#[test]
fn nested_elements_keep_their_own_text_and_sibling_counts() {
    // The open elements share one text buffer and one name-count buffer; a child's
    // share must neither leak into its parent's nor be lost when it closes.
    let doc = parse_ok("<a>x<b>y<b>z</b>w</b>v<b/></a>");
    let texts: Vec<&str> = doc.elements().map(|n| n.text()).collect();
    assert_eq!(texts, ["xv", "yw", "z", ""]);
    let paths: Vec<String> = doc.elements().map(|n| n.path()).collect();
    assert_eq!(paths, ["/a", "/a/b[1]", "/a/b[1]/b", "/a/b[2]"]);
}

#[test]
fn locations_number_only_repeated_names() {
    let doc = parse_ok("<a><b/><c><d/></c><b><d/><d/></b></a>");
    let paths: Vec<String> = doc.elements().map(|n| n.path()).collect();
    assert_eq!(
        paths,
        [
            "/a",
            "/a/b[1]",
            "/a/c",
            "/a/c/d",
            "/a/b[2]",
            "/a/b[2]/d[1]",
            "/a/b[2]/d[2]"
        ]
    );
    assert_eq!(doc.node(4).position(), 2);
}

#[test]
fn doctype_is_refused() {
    let err =
        parse_err(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><a>&lol;</a>"#);
    assert_eq!(err.kind, XmlErrorKind::Doctype);
}

#[test]
fn undefined_entity_is_refused() {
    let err = parse_err("<a>&xxe;</a>");
    assert_eq!(err.kind, XmlErrorKind::NotWellFormed);
    assert!(err.message.contains("xxe"));
}

#[test]
fn truncated_document_is_refused() {
    let err = parse_err("<a><b>text</b>");
    assert!(err.message.contains("not closed"), "{}", err.message);
}

#[test]
fn mismatched_end_tag_is_refused() {
    assert_eq!(parse_err("<a><b></a>").kind, XmlErrorKind::NotWellFormed);
}

#[test]
fn depth_limit_is_enforced() {
    let limits = Limits {
        max_depth: 10,
        ..Limits::default()
    };
    let deep = format!("{}{}", "<a>".repeat(11), "</a>".repeat(11));
    let err = parse_str(&deep, &limits).unwrap_err();
    assert!(err.message.contains("deeper than 10"));
    let ok = format!("{}{}", "<a>".repeat(10), "</a>".repeat(10));
    assert!(parse_str(&ok, &limits).is_ok());
}

#[test]
fn unbound_prefix_is_refused() {
    assert!(parse_err("<x:a/>").message.contains("not declared"));
}

#[test]
fn empty_and_text_only_documents_are_refused() {
    assert!(parse_err("").message.contains("no root"));
    assert!(parse_err("hello").message.contains("outside the root"));
    assert!(parse_err("<a/><b/>").message.contains("second root"));
}

#[test]
fn control_characters_are_refused() {
    assert!(parse_err("<a>\u{1}</a>").message.contains("U+0001"));
    assert!(
        parse_err("<a>&#1;</a>")
            .message
            .contains("invalid character")
    );
}

#[test]
fn size_limit_is_checked_before_decoding() {
    let limits = Limits {
        max_bytes: 8,
        ..Limits::default()
    };
    assert!(
        parse(b"<a>0123456789</a>", &limits)
            .unwrap_err()
            .message
            .contains("exceeds")
    );
}

#[test]
fn namespaces_beyond_the_well_known_ones_keep_their_uri() {
    let doc = parse_ok(
        r#"<r xmlns="urn:example:one" xmlns:c="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><x:e xmlns:x="urn:example:two"/><c:ID/></r>"#,
    );
    let root = doc.root();
    assert_eq!(doc.namespace_uri(root.namespace()), "urn:example:one");
    let kids: Vec<_> = root.children().collect();
    assert_eq!(doc.namespace_uri(kids[0].namespace()), "urn:example:two");
    assert_ne!(kids[0].namespace(), root.namespace());
    assert_eq!(kids[1].namespace(), Namespace::CBC);
}

#[test]
fn more_namespace_uris_than_ids_are_refused() {
    // Each sibling declares a URI of its own: once the ids are used up, a new one
    // would wrap around onto a well-known namespace.
    let mut text = String::from("<r>");
    for i in 0..=usize::from(u16::MAX) {
        text.push_str(&format!("<a xmlns:p=\"urn:n:{i}\"/>"));
    }
    text.push_str("</r>");
    let err = parse_err(&text);
    assert_eq!(err.kind, XmlErrorKind::NotWellFormed);
    assert!(err.message.contains("namespace URIs"), "{}", err.message);
}
