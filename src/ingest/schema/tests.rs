//! Hand-made documents, one per kind of violation, against the real schema sets.

use super::*;
use crate::xml::{Limits, parse_str};

#[test]
fn every_schema_set_compiles() {
    for (syntax, rules) in [
        (Syntax::Ubl, RuleSet::Fr),
        (Syntax::Cii, RuleSet::En16931),
        (Syntax::Cii, RuleSet::Fr),
        (Syntax::Cdar, RuleSet::Fr),
    ] {
        if let Err(e) = prepare(syntax, rules) {
            panic!("{syntax:?}/{rules:?}: {e}");
        }
    }
}

const UBL_NS: &str = r#"xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
 xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance""#;

/// A minimal schema-valid UBL invoice; `head` goes before `cbc:ID` (extensions),
/// `after_id` between `cbc:ID` and `cbc:IssueDate`, `date` is the issue date,
/// `amount` the payable amount element, `line` the invoice line's content.
struct Ubl<'a> {
    root_attrs: &'a str,
    head: &'a str,
    after_id: &'a str,
    date: &'a str,
    amount: &'a str,
    line: &'a str,
}

impl Default for Ubl<'_> {
    fn default() -> Self {
        Ubl {
            root_attrs: "",
            head: "",
            after_id: "",
            date: "2024-02-29",
            amount: r#"<cbc:PayableAmount currencyID="EUR">100.00</cbc:PayableAmount>"#,
            line: r#"<cbc:ID>1</cbc:ID>
    <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Thing</cbc:Name></cac:Item>"#,
        }
    }
}

impl Ubl<'_> {
    fn xml(&self) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Invoice {UBL_NS} {}>
  {}
  <cbc:ID>F-1</cbc:ID>
  {}
  <cbc:IssueDate>{}</cbc:IssueDate>
  <cac:AccountingSupplierParty><cac:Party/></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party/></cac:AccountingCustomerParty>
  <cac:LegalMonetaryTotal>{}</cac:LegalMonetaryTotal>
  <cac:InvoiceLine>{}</cac:InvoiceLine>
</Invoice>"#,
            self.root_attrs, self.head, self.after_id, self.date, self.amount, self.line
        )
    }
}

fn check(xml: &str, syntax: Syntax, rules: RuleSet) -> Vec<Finding> {
    let doc = match parse_str(xml, &Limits::default()) {
        Ok(doc) => doc,
        Err(e) => panic!("test document not well-formed: {e}"),
    };
    let mut findings = Vec::new();
    validate(doc.root(), syntax, rules, &mut findings);
    for f in &findings {
        assert_eq!(f.rule, "XSD-INVALID");
        assert_eq!(f.severity, Severity::Fatal);
        assert_eq!(f.term, None);
    }
    findings
}

fn ubl(doc: Ubl<'_>) -> Vec<Finding> {
    check(&doc.xml(), Syntax::Ubl, RuleSet::Fr)
}

/// Exactly one finding, at `location`, whose message contains `needle`.
fn one(findings: &[Finding], location: &str, needle: &str) {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].location, location, "{findings:#?}");
    assert!(
        findings[0].message.contains(needle),
        "{:?} lacks {needle:?}",
        findings[0].message
    );
}

#[test]
fn minimal_invoice_is_valid() {
    assert_eq!(ubl(Ubl::default()), vec![]);
}

#[test]
fn element_out_of_order() {
    let f = ubl(Ubl {
        after_id: "<cbc:UUID>x</cbc:UUID><cbc:CopyIndicator>false</cbc:CopyIndicator>",
        ..Ubl::default()
    });
    one(
        &f,
        "/Invoice/cbc:CopyIndicator",
        "element cbc:CopyIndicator not expected here; expected cbc:IssueDate",
    );
}

#[test]
fn missing_required_element() {
    let f = ubl(Ubl {
        amount: "",
        ..Ubl::default()
    });
    one(
        &f,
        "/Invoice/cac:LegalMonetaryTotal",
        "is incomplete; expected one of cbc:AllowanceTotalAmount,",
    );
}

#[test]
fn too_many_occurrences() {
    let f = ubl(Ubl {
        amount: r#"<cbc:PayableAmount currencyID="EUR">1</cbc:PayableAmount><cbc:PayableAmount currencyID="EUR">1</cbc:PayableAmount>"#,
        ..Ubl::default()
    });
    one(
        &f,
        "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount[2]",
        "not expected here",
    );
}

#[test]
fn unknown_element() {
    let f = ubl(Ubl {
        after_id: "<cbc:FooBar>x</cbc:FooBar>",
        ..Ubl::default()
    });
    one(
        &f,
        "/Invoice/cbc:FooBar",
        "element cbc:FooBar not expected here",
    );
}

#[test]
fn impossible_date() {
    let f = ubl(Ubl {
        date: "2024-02-30",
        ..Ubl::default()
    });
    one(
        &f,
        "/Invoice/cbc:IssueDate",
        r#""2024-02-30" is not a valid xs:date"#,
    );
}

#[test]
fn bad_decimal_and_padded_decimal() {
    let f = ubl(Ubl {
        amount: r#"<cbc:PayableAmount currencyID="EUR">100,00</cbc:PayableAmount>"#,
        ..Ubl::default()
    });
    one(
        &f,
        "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount",
        r#""100,00" is not a valid xs:decimal"#,
    );
    // Whitespace is collapsed before the lexical check, as XML Schema does.
    let f = ubl(Ubl {
        amount: "<cbc:PayableAmount currencyID=\"EUR\">\n  100.00  </cbc:PayableAmount>",
        ..Ubl::default()
    });
    assert_eq!(f, vec![]);
}

#[test]
fn missing_required_attribute() {
    let f = ubl(Ubl {
        amount: "<cbc:PayableAmount>100.00</cbc:PayableAmount>",
        ..Ubl::default()
    });
    one(
        &f,
        "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount",
        "attribute currencyID is required on cbc:PayableAmount",
    );
}

#[test]
fn unknown_attribute() {
    let f = ubl(Ubl {
        amount: r#"<cbc:PayableAmount currencyID="EUR" foo="1">100.00</cbc:PayableAmount>"#,
        ..Ubl::default()
    });
    one(
        &f,
        "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount",
        "attribute foo is not allowed on cbc:PayableAmount",
    );
}

#[test]
fn bad_attribute_value() {
    let f = ubl(Ubl {
        line: r#"<cbc:ID>1</cbc:ID>
    <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name languageID="not a language">Thing</cbc:Name></cac:Item>"#,
        ..Ubl::default()
    });
    one(
        &f,
        "/Invoice/cac:InvoiceLine/cac:Item/cbc:Name/@languageID",
        "is not a valid xs:language",
    );
}

#[test]
fn text_in_element_only_content() {
    let f = ubl(Ubl {
        line: r#"<cbc:ID>1</cbc:ID> stray text
    <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Thing</cbc:Name></cac:Item>"#,
        ..Ubl::default()
    });
    one(
        &f,
        "/Invoice/cac:InvoiceLine",
        "element-only content; text is not allowed",
    );
    // Text in an element-only element without children is caught too.
    let f = ubl(Ubl {
        line: r#"<cbc:ID>1</cbc:ID>
    <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cac:Item>text</cac:Item>"#,
        ..Ubl::default()
    });
    one(
        &f,
        "/Invoice/cac:InvoiceLine/cac:Item",
        "text is not allowed",
    );
}

#[test]
fn child_element_in_simple_content() {
    let f = ubl(Ubl {
        date: "<cbc:Note>x</cbc:Note>",
        ..Ubl::default()
    });
    one(
        &f,
        "/Invoice/cbc:IssueDate/cbc:Note",
        "has simple content and cannot contain element cbc:Note",
    );
}

#[test]
fn extension_content_accepts_foreign_elements() {
    let f = ubl(Ubl {
        head: r#"<ext:UBLExtensions><ext:UBLExtension>
      <ext:ExtensionContent>
        <my:Anything xmlns:my="urn:example:mine" any="attr"><my:Deep>text</my:Deep></my:Anything>
      </ext:ExtensionContent>
    </ext:UBLExtension></ext:UBLExtensions>"#,
        ..Ubl::default()
    });
    assert_eq!(f, vec![]);
    // The wildcard is ##other: an element of the extension namespace itself is not allowed.
    let f = ubl(Ubl {
        head: r#"<ext:UBLExtensions><ext:UBLExtension>
      <ext:ExtensionContent><ext:UBLExtensions/></ext:ExtensionContent>
    </ext:UBLExtension></ext:UBLExtensions>"#,
        ..Ubl::default()
    });
    assert!(f[0].message.contains("not expected here"), "{f:#?}");
    // Lax: a foreign element that the schema set declares is validated.
    let f = ubl(Ubl {
        head: r#"<ext:UBLExtensions><ext:UBLExtension>
      <ext:ExtensionContent><cbc:IssueDate>2024-02-30</cbc:IssueDate></ext:ExtensionContent>
    </ext:UBLExtension></ext:UBLExtensions>"#,
        ..Ubl::default()
    });
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].message.contains("xs:date"));
}

/// An enveloped signature in an extension, with `digest` as its digest value.
fn signed(digest: &str) -> String {
    format!(
        r#"<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent>
  <sig:UBLDocumentSignatures
   xmlns:sig="urn:oasis:names:specification:ubl:schema:xsd:CommonSignatureComponents-2"
   xmlns:sac="urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2"
   xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
   <sac:SignatureInformation>
    <ds:Signature><ds:SignedInfo>
     <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11"/>
     <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
     <ds:Reference URI=""><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
      <ds:DigestValue>{digest}</ds:DigestValue></ds:Reference>
    </ds:SignedInfo><ds:SignatureValue>SGVsbG8=</ds:SignatureValue></ds:Signature>
   </sac:SignatureInformation>
  </sig:UBLDocumentSignatures>
</ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>"#
    )
}

#[test]
fn signatures_in_extensions_are_validated_by_the_signature_schemas() {
    let ok = signed("SGVsbG8=");
    assert_eq!(
        ubl(Ubl {
            head: &ok,
            ..Ubl::default()
        }),
        vec![]
    );
    let bad = signed("SGVsbG8");
    let f = ubl(Ubl {
        head: &bad,
        ..Ubl::default()
    });
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].location.ends_with("/ds:DigestValue"), "{f:#?}");
    assert!(f[0].message.contains("xs:base64Binary"), "{f:#?}");
}

#[test]
fn xsi_schema_location_is_accepted_other_xsi_is_not() {
    let f = ubl(Ubl {
        root_attrs: r#"xsi:schemaLocation="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2 http://example.com/x.xsd""#,
        ..Ubl::default()
    });
    assert_eq!(f, vec![]);
    let f = ubl(Ubl {
        root_attrs: r#"xsi:nil="true""#,
        ..Ubl::default()
    });
    one(&f, "/Invoice", "is not nillable");
}

#[test]
fn root_must_be_a_global_element_of_the_set() {
    let f = check(&Ubl::default().xml(), Syntax::Cdar, RuleSet::Fr);
    one(&f, "/Invoice", "is not declared in the CDAR D22B schema");
}

#[test]
fn findings_are_capped() {
    let lines: String = (0..200)
        .map(|_| "<cbc:Note languageID=\"?\">x</cbc:Note>")
        .collect();
    let f = ubl(Ubl {
        after_id: &format!("<cbc:IssueDate>x</cbc:IssueDate>{lines}"),
        ..Ubl::default()
    });
    assert_eq!(f.len(), MAX_FINDINGS + 1);
    assert!(
        f[MAX_FINDINGS]
            .message
            .contains("the rest are not reported")
    );
}

#[test]
fn deep_nesting_does_not_exhaust_the_stack() {
    // Lax extension content 2 000 levels deep: the walk is iterative.
    let depth = 2000;
    let open: String = (0..depth).map(|_| "<my:a>").collect();
    let close: String = (0..depth).map(|_| "</my:a>").collect();
    let head = format!(
        r#"<ext:UBLExtensions><ext:UBLExtension><ext:ExtensionContent>
      <my:root xmlns:my="urn:example:mine">{open}{close}</my:root>
    </ext:ExtensionContent></ext:UBLExtension></ext:UBLExtensions>"#
    );
    let f = ubl(Ubl {
        head: &head,
        ..Ubl::default()
    });
    assert_eq!(f, vec![]);
}

const CII_HEAD: &str = r#"<rsm:CrossIndustryInvoice
 xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>F-1</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">"#;
const CII_TAIL: &str = r#"</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:ApplicableHeaderTradeAgreement/>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement/>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"#;

#[test]
fn cii_checks_the_structure_but_not_date_strings() {
    // CII dates are plain strings with a format code: 20240230 is schema-valid.
    let xml = format!("{CII_HEAD}20240230{CII_TAIL}");
    assert_eq!(check(&xml, Syntax::Cii, RuleSet::En16931), vec![]);
    assert_eq!(check(&xml, Syntax::Cii, RuleSet::Fr), vec![]);
    // The document id is required in D16B, optional in D22B.
    let bad = xml.replace("<ram:ID>F-1</ram:ID>", "");
    let f = check(&bad, Syntax::Cii, RuleSet::En16931);
    one(
        &f,
        "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode",
        "expected ram:ID",
    );
    assert_eq!(check(&bad, Syntax::Cii, RuleSet::Fr), vec![]);
}

#[test]
fn d16b_fixed_attribute_values_are_enforced() {
    // D16B fixes listAgencyID of a currency code to 5; D22B only defaults it.
    let xml = format!("{CII_HEAD}20240101{CII_TAIL}").replace(
        "<ram:ApplicableHeaderTradeSettlement/>",
        r#"<ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode listAgencyID="6">EUR</ram:InvoiceCurrencyCode></ram:ApplicableHeaderTradeSettlement>"#,
    );
    let f = check(&xml, Syntax::Cii, RuleSet::En16931);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].location
            .ends_with("/ram:InvoiceCurrencyCode/@listAgencyID")
    );
    assert!(f[0].message.contains("must be \"5\""), "{}", f[0].message);
}

/// A content model of every shape the flat tables take: optional, required,
/// repeated and bounded members of a sequence, and choices with and without an
/// optional member.
const FLAT_XSD: &str = r#"<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"
 xmlns="urn:example:flat" targetNamespace="urn:example:flat" elementFormDefault="qualified">
  <xsd:element name="Root" type="RootType"/>
  <xsd:complexType name="RootType">
    <xsd:sequence>
      <xsd:element name="A" type="xsd:string" minOccurs="0"/>
      <xsd:element name="B" type="xsd:string"/>
      <xsd:element name="C" type="xsd:string" minOccurs="0" maxOccurs="unbounded"/>
      <xsd:element name="D" type="xsd:string" minOccurs="2" maxOccurs="3"/>
      <xsd:element name="E" type="PickType" minOccurs="0"/>
      <xsd:element name="F" type="OptionalPickType" minOccurs="0"/>
    </xsd:sequence>
  </xsd:complexType>
  <xsd:complexType name="PickType">
    <xsd:choice>
      <xsd:element name="X" type="xsd:string" maxOccurs="2"/>
      <xsd:element name="Y" type="xsd:string" minOccurs="2" maxOccurs="unbounded"/>
    </xsd:choice>
  </xsd:complexType>
  <xsd:complexType name="OptionalPickType">
    <xsd:choice>
      <xsd:element name="X" type="xsd:string"/>
      <xsd:element name="Y" type="xsd:string" minOccurs="0"/>
    </xsd:choice>
  </xsd:complexType>
</xsd:schema>"#;

fn flat_set() -> model::SchemaSet {
    let files = [compile::SourceFile {
        name: "flat.xsd",
        text: FLAT_XSD,
    }];
    compile::compile(&files).unwrap_or_else(|e| panic!("{e}"))
}

/// The complex type of a declaration, by the element's local name in the set.
fn complex_of<'s>(set: &'s model::SchemaSet, local: &str) -> &'s model::ComplexType {
    let ns = set.lookup_ns("urn:example:flat").expect("namespace");
    let name = set.lookup_name(ns, local).expect("name");
    let decl = set
        .elements
        .iter()
        .find(|e| e.name == name)
        .expect("declaration");
    match &set.types[decl.ty as usize] {
        model::TypeDef::Complex(ct) => ct,
        model::TypeDef::Simple(_) => panic!("{local} has a simple type"),
    }
}

/// Every sequence of children up to `max_len` over `alphabet` ('?' is a name the
/// schema does not know).
fn words(alphabet: &[&'static str], max_len: usize) -> Vec<Vec<&'static str>> {
    let mut all = vec![vec![]];
    let mut last = vec![vec![]];
    for _ in 0..max_len {
        let mut next = Vec::new();
        for w in &last {
            for letter in alphabet {
                let mut longer: Vec<&'static str> = w.clone();
                longer.push(letter);
                next.push(longer);
            }
        }
        all.extend(next.iter().cloned());
        last = next;
    }
    all
}

/// The flat table accepts exactly what the particle matcher accepts, with the same
/// declarations, for every child sequence up to a length.
fn flat_agrees_with_the_matcher(
    set: &model::SchemaSet,
    ct: &model::ComplexType,
    alphabet: &[&'static str],
    max_len: usize,
) -> usize {
    let model::Content::Elements { particle, .. } = ct.content else {
        panic!("not an element-only type");
    };
    let flat = ct.flat.as_ref().expect("the type has a flat table");
    let ns = set.lookup_ns("urn:example:flat").expect("namespace");
    let mut accepted = 0;
    for word in words(alphabet, max_len) {
        let kids: Vec<content::Kid> = word
            .iter()
            .map(|local| content::Kid {
                ns: Some(ns),
                name: set.lookup_name(ns, local),
            })
            .collect();
        let mut matcher = content::FlatMatch::new(flat);
        let decls: Option<Vec<content::Assign>> = kids
            .iter()
            .map(|k| matcher.child(k.name).map(content::Assign::Decl))
            .collect();
        let flat_result = decls.filter(|_| matcher.finish());
        let mut buffers = content::Buffers::default();
        let error = content::match_children(set, particle, &kids, &mut buffers);
        match flat_result {
            Some(decls) => {
                assert_eq!(
                    error, None,
                    "{word:?}: the table accepts, the matcher refuses"
                );
                assert_eq!(decls, buffers.out, "{word:?}: different declarations");
                accepted += 1;
            }
            None => assert!(
                error.is_some(),
                "{word:?}: the matcher accepts, the table refuses"
            ),
        }
    }
    accepted
}

#[test]
fn flat_tables_accept_exactly_what_the_particle_matcher_accepts() {
    let set = flat_set();
    let root = complex_of(&set, "Root");
    assert!(!root.flat.as_ref().expect("flat").choice);
    let accepted = flat_agrees_with_the_matcher(&set, root, &["A", "B", "C", "D", "E", "?"], 6);
    // B D D, A B D D, B C D D, B D D D, B D D E, ...: the valid words are there too.
    assert!(accepted > 10, "{accepted}");
    for pick in ["E", "F"] {
        let ct = complex_of(&set, pick);
        assert!(ct.flat.as_ref().expect("flat").choice);
        let accepted = flat_agrees_with_the_matcher(&set, ct, &["X", "Y", "A", "?"], 5);
        assert!(accepted >= 2, "{pick}: {accepted}");
    }
}

#[test]
fn flat_tables_refuse_where_the_schema_refuses_with_the_matcher_message() {
    let set = flat_set();
    let run = |body: &str| {
        let xml = format!(r#"<Root xmlns="urn:example:flat">{body}</Root>"#);
        let doc = parse_str(&xml, &Limits::default()).expect("well-formed");
        let mut findings = Vec::new();
        validate::run(&set, "flat", doc.root(), MAX_FINDINGS, &mut findings);
        findings
    };
    assert_eq!(run("<B/><D/><D/>"), vec![]);
    assert_eq!(
        run("<A/><B/><C/><C/><C/><D/><D/><D/><E><Y/><Y/><Y/></E><F/>"),
        vec![]
    );
    one(&run("<B/><D/>"), "/Root", "is incomplete; expected D");
    one(
        &run("<B/><D/><D/><D/><D/>"),
        "/Root/D[4]",
        "element D not expected here",
    );
    one(
        &run("<B/><A/><D/><D/>"),
        "/Root/A",
        "element A not expected here; expected one of C, D",
    );
    one(
        &run("<D/><D/>"),
        "/Root/D[1]",
        "element D not expected here; expected one of A, B",
    );
    one(
        &run("<B/><D/><D/><E><X/><Y/></E>"),
        "/Root/E/Y",
        "element Y not expected here",
    );
    one(
        &run("<B/><D/><D/><E><Y/></E>"),
        "/Root/E",
        "is incomplete; expected Y",
    );
    one(
        &run("<B/><D/><D/><E/>"),
        "/Root/E",
        "is incomplete; expected one of X, Y",
    );
    assert_eq!(run("<B/><D/><D/><F/>"), vec![]);
    one(
        &run("<B/><D/><D/><F><X/><X/></F>"),
        "/Root/F/X[2]",
        "element X not expected here",
    );
}
