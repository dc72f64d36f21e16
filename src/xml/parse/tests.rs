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

// The reader's own loop: each refusal below is one of its checks.

fn refusal(text: &str) -> String {
    let err = parse_err(text);
    assert_eq!(
        err.kind,
        XmlErrorKind::NotWellFormed,
        "{text}: {}",
        err.message
    );
    err.message
}

#[test]
fn unclosed_tags_are_refused_where_they_open() {
    let err = parse_err("<a>\n  <b x='1'");
    assert!(err.message.contains("tag not closed"), "{}", err.message);
    assert_eq!((err.line, err.column), (2, 3));
    assert!(refusal("<a></a").contains("tag not closed"));
    assert!(refusal("<a/><").contains("tag not closed"));
    assert!(refusal("<a b='>'></a").contains("tag not closed"));
    assert!(refusal("<a b='x></a>").contains("`'` not found"));
    assert!(refusal("<a b=\"x></a>").contains("`\"` not found"));
}

#[test]
fn a_greater_than_sign_in_a_quoted_value_does_not_end_the_tag() {
    let doc = parse_ok("<a b='x>y' c=\"1>2\"/>");
    assert_eq!(doc.root().attr("b"), Some("x>y"));
    assert_eq!(doc.root().attr("c"), Some("1>2"));
}

#[test]
fn end_tags_must_close_the_innermost_element_by_its_raw_name() {
    let err = parse_err("<a>\n <b></c></a>");
    assert!(
        err.message.contains("expected `</b>`, but `</c>`"),
        "{}",
        err.message
    );
    assert_eq!((err.line, err.column), (2, 5));
    assert!(refusal("<a></ a>").contains("expected `</a>`"));
    assert!(refusal("<a></a b='1'>").contains("expected `</a>`"));
    // Same namespace, other prefix: still another name.
    assert!(refusal("<p:a xmlns:p='urn:x' xmlns:q='urn:x'></q:a>").contains("expected"));
    assert!(refusal("</a>").contains("does not match any open tag"));
    assert!(refusal("<a/></a>").contains("does not match any open tag"));
    // White space after the name is allowed.
    assert_eq!(parse_ok("<a><b></b \n></a\t>").len(), 2);
}

#[test]
fn comments_are_dropped_and_checked() {
    let doc = parse_ok("<!-- a --><a>x<!-- b - c -->y<!---->z</a><!-- d -->");
    assert_eq!(doc.root().text(), "xyz");
    let err = parse_err("<a>\n<!-- one -- two --></a>");
    assert!(err.message.contains("`--`"), "{}", err.message);
    assert_eq!((err.line, err.column), (2, 10));
    assert!(refusal("<a><!-- ends with a dash ---></a>").contains("`--`"));
    assert!(refusal("<a><!-- open").contains("comment not closed"));
    assert!(refusal("<a><!- x --></a>").contains("comment not closed"));
    // `<!-->` does not close the comment it opens.
    assert!(refusal("<a><!-->x</a>").contains("comment not closed"));
}

#[test]
fn cdata_sections_are_text_taken_as_they_are() {
    let doc = parse_ok("<a>1<![CDATA[&amp;<b>]]>2<![CDATA[]]></a>");
    assert_eq!(doc.root().text(), "1&amp;<b>2");
    assert!(refusal("<a><![CDATA[x</a>").contains("CDATA not closed"));
    assert!(refusal("<a><![CDAT[x]]></a>").contains("CDATA not closed"));
    assert!(refusal("<![CDATA[x]]><a/>").contains("CDATA section outside"));
    assert!(refusal("<a/><![CDATA[]]>").contains("CDATA section outside"));
}

#[test]
fn processing_instructions_and_declarations_are_dropped() {
    let doc = parse_ok("<?xml version='1.0'?><?a b?><a>x<?p q > r?>y</a><?z?>");
    assert_eq!(doc.root().text(), "xy");
    assert!(refusal("<a><?p x</a>").contains("processing instruction not closed"));
    assert!(refusal("<?xml version='1.0' <a/>").contains("declaration not closed"));
    assert!(refusal("<a><?></a>").contains("not closed"));
}

#[test]
fn other_bang_markup_is_refused() {
    assert!(refusal("<a><!ELEMENT a ANY></a>").contains("unknown or missed symbol"));
    assert!(refusal("<a/><!").contains("unknown or missed symbol"));
}

#[test]
fn doctype_in_any_case_and_anywhere_is_refused() {
    assert_eq!(parse_err("<!doctype a><a/>").kind, XmlErrorKind::Doctype);
    let err = parse_err("<?xml version='1.0'?>\n<!DOCTYPE a SYSTEM 'x.dtd'>\n<a/>");
    assert_eq!(err.kind, XmlErrorKind::Doctype);
    // Placed where the declaration ends.
    assert_eq!((err.line, err.column), (2, 28));
    assert!(refusal("<a><!DOCTYPE a></a>").contains("after the root"));
    assert!(refusal("<!DOCTYPE a [<!ENTITY x 'y'>").contains("DOCTYPE not closed"));
    assert!(refusal("<!DOCTYPE><a/>").contains("does not contain a name"));
    assert!(refusal("<!DOCTY><a/>").contains("not well-formed"));
}

#[test]
fn references_are_resolved_or_refused() {
    let doc = parse_ok("<a>&lt;&gt;&amp;&quot;&apos;&#x41;&#66;&#x20AC;</a>");
    assert_eq!(doc.root().text(), "<>&\"'AB€");
    assert!(refusal("<a>&amp</a>").contains("reference not closed"));
    assert!(refusal("<a>x&amp").contains("reference not closed"));
    assert!(refusal("<a>&a&amp;</a>").contains("reference not closed"));
    assert!(refusal("<a>&#xD800;</a>").contains("invalid character reference"));
    assert!(refusal("<a>&#x110000;</a>").contains("invalid character reference"));
    assert!(refusal("<a>&#xFFFE;</a>").contains("invalid character reference"));
    assert!(refusal("<a>&#;</a>").contains("invalid character reference"));
    assert!(refusal("<a>&;</a>").contains("undefined entity"));
    let err = parse_err("<a>\n&nbsp;</a>");
    assert_eq!((err.line, err.column), (2, 7));
    // Outside the root, a reference is text like any other.
    assert!(refusal("&amp;<a/>").contains("outside the root"));
    assert_eq!(parse_ok("&#32;<a/>").len(), 1);
}

#[test]
fn text_after_the_root_is_refused_white_space_is_not() {
    assert_eq!(parse_ok(" \r\n\t<a/>\n \t").len(), 1);
    let err = parse_err("<a/>\nx");
    assert!(err.message.contains("outside the root"), "{}", err.message);
    assert!(refusal("<a/>x<b/>").contains("outside the root"));
}

#[test]
fn a_byte_order_mark_is_skipped_and_not_counted() {
    let doc = parse_ok("\u{FEFF}<a>x</a>");
    assert_eq!(doc.root().text(), "x");
    assert_eq!(doc.root().offset(), 3);
    assert!(refusal("<a/>\u{FEFF}").contains("outside the root"));
}

#[test]
fn line_ends_are_normalised_in_text_and_cdata() {
    let doc = parse_ok("<a>x\r\ny\rz<![CDATA[\r\n]]>&amp;\r</a>");
    assert_eq!(doc.root().text(), "x\ny\nz\n&\n");
}

#[test]
fn elements_are_located_after_their_start_tag() {
    let doc = parse_ok("<a>\n  <b x='1'/><c>t</c></a>");
    let offsets: Vec<usize> = doc.elements().map(|n| n.offset()).collect();
    assert_eq!(offsets, [3, 16, 19]);
}

#[test]
fn unusual_but_accepted_tags_stay_accepted() {
    // quick-xml never refused these; the reader's own loop must not start to.
    assert_eq!(parse_ok("<a b = '1'\n/>").root().attr("b"), Some("1"));
    assert_eq!(parse_ok("<a><??></a>").len(), 1);
}

#[test]
fn same_bytes_compares_every_byte_of_any_length() {
    for n in 0..40usize {
        let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
        assert!(same_bytes(&a, &a.clone()));
        if n > 0 {
            assert!(!same_bytes(&a, &a[..n - 1]));
        }
        for at in 0..n {
            let mut b = a.clone();
            b[at] ^= 1;
            assert!(!same_bytes(&a, &b), "length {n}, differing at {at}");
        }
    }
}

#[test]
fn an_end_tag_closes_its_element_however_long_the_name() {
    // The end-tag comparison works eight bytes at a time: a difference anywhere in
    // a long name must be seen.
    let name = "p:AVeryLongElementNameIndeedWithMoreThanSixteenBytes";
    let ok = format!("<{name} xmlns:p='urn:x'>x</{name}>");
    assert_eq!(parse_ok(&ok).root().text(), "x");
    for at in [2, 9, 17, name.len() - 1] {
        let mut other = name.to_string();
        other.replace_range(at..at + 1, "Z");
        let bad = format!("<{name} xmlns:p='urn:x'>x</{other}>");
        assert!(refusal(&bad).contains("expected"), "{bad}");
    }
}

#[test]
fn a_quote_in_a_name_is_read_as_quick_xml_reads_it() {
    // quick-xml takes anything up to white space as the name, quotes included, and
    // a quote opens a value in which `>` does not end the tag.
    assert_eq!(parse_ok("<a'x'>t</a'x'>").root().local_name(), "a'x'");
    assert_eq!(parse_ok("<a'>'>t</a'>'>").root().text(), "t");
    assert!(refusal("<a'x'>t</a'y'>").contains("expected"));
}

#[test]
fn attribute_names_resolve_alike_wherever_they_repeat() {
    // Unprefixed attribute names are cached for the whole document; prefixed ones
    // follow the bindings in scope.
    let doc = parse_ok(
        "<r xmlns='urn:a' xmlns:p='urn:p'><x a='1' p:a='2'/><y xmlns='urn:b' xmlns:p='urn:q' a='3' p:a='4'/></r>",
    );
    let seen: Vec<(String, String, String)> = doc
        .elements()
        .flat_map(|n| n.attributes())
        .map(|(q, v)| {
            let uri = doc.namespace_uri(q.ns).to_string();
            (uri, q.local.to_string(), v.to_string())
        })
        .collect();
    let expect = |uri: &str, local: &str, value: &str| {
        (uri.to_string(), local.to_string(), value.to_string())
    };
    assert_eq!(
        seen,
        [
            expect("", "a", "1"),
            expect("urn:p", "a", "2"),
            expect("", "a", "3"),
            expect("urn:q", "a", "4"),
        ]
    );
}
