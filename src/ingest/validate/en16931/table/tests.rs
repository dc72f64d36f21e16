//! Unit tests of the rule-table interpreter: path matching at depth, anchors,
//! alternatives, wildcards, exceptions and the four kinds.

use super::{Run, Table};
use crate::ingest::report::Finding;
use crate::ingest::validate::Sink;
use crate::xml::{Limits, parse_str};

mod fixture {
    crate::ingest::validate::en16931::table::structure_rules! {
        DEEP = "T-DEEP", Warning, Absent, "$ROOT", "cac:A/cac:B/cbc:C";
        LINE = "T-LINE", Warning, Absent, "$ROOT", "(cac:InvoiceLine|cac:CreditNoteLine)/cbc:UUID";
        ANYWHERE = "T-ANYWHERE", Warning, Absent, "$ROOT", "//cac:Country/cbc:IdentificationCode/@listID";
        NAME = "T-NAME", Fatal, AtMostOne, "cac:AccountingSupplierParty/cac:Party", "cac:PartyName/cbc:Name";
        ITEM = "T-ITEM", Fatal, ExactlyOne, "cac:InvoiceLine | cac:CreditNoteLine", "cac:Item";
        REF = "T-REF", Fatal, Required, "cac:BillingReference", "cac:InvoiceDocumentReference/cbc:ID";
        SCHEME = "T-SCHEME", Fatal, Absent, "//ram:*ID except (/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID)", "@schemeName";
        LANG = "T-LANG", Fatal, Absent, "/rsm:CrossIndustryInvoice", "@languageID";
        PARAM = "T-PARAM", Warning, Absent, "//*:*DocumentContextParameter", "ram:Value";
        LID = "T-LID", Warning, AtMostOne, "cac:Box", "cac:Lid";
    }
}

const UBL: &str = r#"xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2""#;
const CII: &str = r#"xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100""#;

/// Runs the fixture table on `body` wrapped in a UBL `Invoice` (or a CII root when
/// `cii`), returning `(id, location)` of each finding.
fn run(xml: &str) -> Vec<(String, String)> {
    let doc = parse_str(xml, &Limits::default()).expect("test document is well-formed");
    let table = Table::compile(fixture::TABLE);
    let mut run: Run<'_> = table.start();
    for node in doc.elements() {
        run.visit(node);
    }
    let mut findings: Vec<Finding> = Vec::new();
    run.finish(doc.root(), &mut Sink::new(&mut findings));
    findings
        .into_iter()
        .map(|f| (f.rule.to_string(), f.location))
        .collect()
}

fn ubl(body: &str) -> Vec<(String, String)> {
    run(&format!("<Invoice {UBL}>{body}</Invoice>"))
}

fn ids(findings: &[(String, String)]) -> Vec<&str> {
    findings.iter().map(|(id, _)| id.as_str()).collect()
}

#[test]
fn root_anchored_path_fires_once_per_context_however_many_matches() {
    let found = ubl("<cac:A><cac:B><cbc:C/></cac:B><cac:B><cbc:C>x</cbc:C></cac:B></cac:A>");
    assert_eq!(found, vec![("T-DEEP".into(), "/Invoice".into())]);
}

#[test]
fn every_step_of_the_path_must_match() {
    // cbc:C under the wrong intermediate element, or one level too deep.
    assert!(ubl("<cac:A><cac:X><cbc:C/></cac:X></cac:A>").is_empty());
    assert!(ubl("<cac:Z><cac:A><cac:B><cbc:C/></cac:B></cac:A></cac:Z>").is_empty());
}

#[test]
fn step_alternatives_and_descendant_paths() {
    assert_eq!(
        ids(&ubl(
            "<cac:InvoiceLine><cbc:UUID/><cac:Item/></cac:InvoiceLine>"
        )),
        ["T-LINE"]
    );
    assert_eq!(
        ids(&ubl(
            "<cac:CreditNoteLine><cbc:UUID/><cac:Item/></cac:CreditNoteLine>"
        )),
        ["T-LINE"]
    );
    let deep = "<cac:P><cac:Q><cac:Country><cbc:IdentificationCode listID=''>FR</cbc:IdentificationCode></cac:Country></cac:Q></cac:P>";
    assert_eq!(ids(&ubl(deep)), ["T-ANYWHERE"]);
    let no_attr = "<cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country>";
    assert!(ubl(no_attr).is_empty());
}

#[test]
fn at_most_one_counts_per_context_node_at_any_depth() {
    let party = |names: usize| {
        let names = "<cac:PartyName><cbc:Name>n</cbc:Name></cac:PartyName>".repeat(names);
        format!(
            "<cac:AccountingSupplierParty><cac:Party>{names}</cac:Party></cac:AccountingSupplierParty>"
        )
    };
    assert!(ubl(&party(1)).is_empty());
    let nested = format!("<cac:Wrapper>{}</cac:Wrapper>{}", party(2), party(1));
    assert_eq!(
        ubl(&nested),
        vec![(
            "T-NAME".into(),
            "/Invoice/cac:Wrapper/cac:AccountingSupplierParty/cac:Party".into()
        )]
    );
}

#[test]
fn exactly_one_reports_missing_and_repeated_but_not_absent_contexts() {
    assert!(ubl("").is_empty(), "no line, no context, silent");
    let lines = "<cac:InvoiceLine/><cac:InvoiceLine><cac:Item/></cac:InvoiceLine><cac:InvoiceLine><cac:Item/><cac:Item/></cac:InvoiceLine>";
    let found = ubl(lines);
    assert_eq!(
        found,
        vec![
            ("T-ITEM".into(), "/Invoice/cac:InvoiceLine[1]".into()),
            ("T-ITEM".into(), "/Invoice/cac:InvoiceLine[3]".into()),
        ]
    );
}

#[test]
fn at_most_one_counts_across_a_nested_context_of_the_same_row() {
    // The outer box's two lids arrive on either side of the inner box's one: the
    // outer count must resume after the inner box, not restart.
    let found = ubl("<cac:Box><cac:Lid/><cac:Box><cac:Lid/></cac:Box><cac:Lid/></cac:Box>");
    assert_eq!(found, vec![("T-LID".into(), "/Invoice/cac:Box".into())]);
    let found = ubl("<cac:Box><cac:Box><cac:Lid/><cac:Lid/></cac:Box><cac:Lid/></cac:Box>");
    assert_eq!(
        found,
        vec![("T-LID".into(), "/Invoice/cac:Box/cac:Box".into())]
    );
    let found = ubl("<cac:Box><cac:Lid/></cac:Box><cac:Box><cac:Lid/><cac:Lid/></cac:Box>");
    assert_eq!(found, vec![("T-LID".into(), "/Invoice/cac:Box[2]".into())]);
}

#[test]
fn required_fires_only_without_any_match() {
    assert_eq!(ids(&ubl("<cac:BillingReference/>")), ["T-REF"]);
    let empty_id = "<cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID/></cac:InvoiceDocumentReference></cac:BillingReference>";
    assert!(ubl(empty_id).is_empty(), "an empty element is present");
}

#[test]
fn wildcards_exceptions_and_attributes_on_the_context_node() {
    let xml = format!(
        "<rsm:CrossIndustryInvoice {CII} languageID='fr'>\
         <rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:Value/></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>\
         <rsm:ExchangedDocument><ram:ID schemeName='x'>1</ram:ID></rsm:ExchangedDocument>\
         <rsm:SupplyChainTradeTransaction><ram:GlobalID schemeName='x'/><ram:IDX schemeName='x'/></rsm:SupplyChainTradeTransaction>\
         </rsm:CrossIndustryInvoice>"
    );
    let found = run(&xml);
    assert_eq!(
        found,
        vec![
            ("T-LANG".into(), "/rsm:CrossIndustryInvoice".into()),
            ("T-PARAM".into(), "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter".into()),
            ("T-SCHEME".into(), "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:GlobalID".into()),
        ]
    );
}

#[test]
fn descriptions_say_kind_path_and_context() {
    assert_eq!(fixture::RULES.len(), fixture::TABLE.len());
    assert_eq!(
        fixture::DEEP.description,
        "cac:A/cac:B/cbc:C is not used by EN 16931 and should be absent (in $ROOT)"
    );
    assert_eq!(
        fixture::ITEM.description,
        "cac:Item shall occur exactly once (in cac:InvoiceLine | cac:CreditNoteLine)"
    );
}

#[test]
fn generated_tables_compile_and_index_every_row() {
    use crate::ingest::validate::en16931::{cii, ubl};
    for (entries, rules) in [
        (ubl::syntax_table::TABLE, ubl::syntax_table::RULES),
        (cii::syntax_table::TABLE, cii::syntax_table::RULES),
    ] {
        let table = Table::compile(entries);
        assert_eq!(table.rows.len(), rules.len());
        for (i, row) in table.rows.iter().enumerate() {
            let indexed = table.by_symbol.iter().any(|b| {
                b.any_parent
                    .iter()
                    .chain(b.by_parent.iter().flat_map(|(_, list)| list))
                    .any(|c| c.row as usize == i)
            }) || table
                .suffixes
                .iter()
                .any(|(_, list)| list.iter().any(|c| c.row as usize == i));
            assert!(indexed, "{} is never looked at", row.entry.rule.id);
        }
    }
}
