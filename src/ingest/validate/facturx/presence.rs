//! Presence rules as the Factur-X stylesheets write them (rules-catalogue-profiles
//! §3.3 c): `x != ''` instead of `normalize-space(x) != ''`, so a whitespace-only value
//! passes and, with several occurrences, one non-empty value is enough; BR-08 to BR-11
//! look for the seller and buyer addresses at any depth, BR-65 works per line.

use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::xpath::string_value;
use crate::xml::{Namespace, Node};

rules! {
    BR_01 = "BR-01", Fatal, ["BT-24"], "An invoice shall have a specification identifier";
    BR_02 = "BR-02", Fatal, ["BT-1"], "An invoice shall have an invoice number";
    BR_03 = "BR-03", Fatal, ["BT-2"], "An invoice shall have an invoice issue date";
    BR_04 = "BR-04", Fatal, ["BT-3"], "An invoice shall have an invoice type code";
    BR_05 = "BR-05", Fatal, ["BT-5"], "An invoice shall have an invoice currency code";
    BR_06 = "BR-06", Fatal, ["BT-27"], "An invoice shall contain the seller name";
    BR_07 = "BR-07", Fatal, ["BT-44"], "An invoice shall contain the buyer name";
    BR_08 = "BR-08", Fatal, ["BG-5"], "An invoice shall contain the seller postal address";
    BR_09 = "BR-09", Fatal, ["BT-40"], "The seller postal address shall contain a seller country code";
    BR_10 = "BR-10", Fatal, ["BG-8"], "An invoice shall contain the buyer postal address";
    BR_11 = "BR-11", Fatal, ["BT-55"], "The buyer postal address shall contain a buyer country code";
    BR_21 = "BR-21", Fatal, ["BT-126"], "Each invoice line shall have an invoice line identifier";
    BR_25 = "BR-25", Fatal, ["BT-153"], "Each invoice line shall contain the item name";
    BR_52 = "BR-52", Fatal, ["BT-122"], "Each additional supporting document shall contain a supporting document reference";
    BR_55 = "BR-55", Fatal, ["BT-25"], "Each preceding invoice reference shall contain a preceding invoice reference";
    BR_56 = "BR-56", Fatal, ["BT-63"], "Each seller tax representative party shall have a seller tax representative VAT identifier";
    BR_57 = "BR-57", Fatal, ["BT-80"], "Each deliver to address shall contain a deliver to country code";
    BR_64 = "BR-64", Fatal, ["BT-157-1"], "The item standard identifier shall have a scheme identifier";
    BR_65 = "BR-65", Fatal, ["BT-158-1"], "The item classification identifier shall have a scheme identifier";
}

/// The ids this file takes over from the EN 16931 CII families in Factur-X.
pub(super) fn redone(id: &str) -> bool {
    RULES.iter().any(|r| r.id == id)
}

/// `x != ''` over a node-set: some node has a non-empty string value.
fn filled(nodes: &[Node<'_>]) -> bool {
    nodes.iter().any(|n| !string_value(*n).is_empty())
}

const fn ram(local: &str) -> (Namespace, &str) {
    (Namespace::RAM, local)
}

fn rsm(local: &str) -> (Namespace, &str) {
    (Namespace::RSM, local)
}

/// `//ram:{party}/ram:PostalTradeAddress` at any depth.
fn addresses<'d>(root: Node<'d>, party: &str) -> Vec<Node<'d>> {
    root.document()
        .elements()
        .filter(|n| {
            n.is(Namespace::RAM, "PostalTradeAddress")
                && n.parent().is_some_and(|p| p.is(Namespace::RAM, party))
        })
        .collect()
}

/// Runs the presence rules the profile has (`has` says which ids it has).
pub(super) fn check(root: Node<'_>, has: impl Fn(&str) -> bool, sink: &mut Sink<'_>) {
    let tx = rsm("SupplyChainTradeTransaction");
    let format_102 = root
        .all(&[
            rsm("ExchangedDocument"),
            ram("IssueDateTime"),
            (Namespace::UDT, "DateTimeString"),
        ])
        .into_iter()
        .filter(|d| d.attr("format") == Some("102"))
        .collect::<Vec<_>>();
    let root_rules: [(&'static crate::ingest::validate::Rule, Vec<Node<'_>>); 7] = [
        (
            &BR_01,
            root.all(&[
                rsm("ExchangedDocumentContext"),
                ram("GuidelineSpecifiedDocumentContextParameter"),
                ram("ID"),
            ]),
        ),
        (&BR_02, root.all(&[rsm("ExchangedDocument"), ram("ID")])),
        (&BR_03, format_102),
        (
            &BR_04,
            root.all(&[rsm("ExchangedDocument"), ram("TypeCode")]),
        ),
        (
            &BR_05,
            root.all(&[
                tx,
                ram("ApplicableHeaderTradeSettlement"),
                ram("InvoiceCurrencyCode"),
            ]),
        ),
        (
            &BR_06,
            root.all(&[
                tx,
                ram("ApplicableHeaderTradeAgreement"),
                ram("SellerTradeParty"),
                ram("Name"),
            ]),
        ),
        (
            &BR_07,
            root.all(&[
                tx,
                ram("ApplicableHeaderTradeAgreement"),
                ram("BuyerTradeParty"),
                ram("Name"),
            ]),
        ),
    ];
    for (rule, nodes) in root_rules {
        sink.check(
            rule,
            filled(&nodes),
            root,
            "the element is missing or empty",
        );
    }
    for (present, country, party) in [
        (&BR_08, &BR_09, "SellerTradeParty"),
        (&BR_10, &BR_11, "BuyerTradeParty"),
    ] {
        let found = addresses(root, party);
        sink.check(
            present,
            !found.is_empty(),
            root,
            "the postal address (ram:PostalTradeAddress) is missing",
        );
        let countries: Vec<Node<'_>> = found
            .iter()
            .flat_map(|a| a.children_named(Namespace::RAM, "CountryID"))
            .collect();
        sink.check(
            country,
            filled(&countries),
            root,
            "the postal address has no country code (ram:CountryID)",
        );
    }
    for node in root.document().elements() {
        if node.namespace() != Namespace::RAM {
            continue;
        }
        match node.local_name() {
            "IncludedSupplyChainTradeLineItem" => line(node, &has, sink),
            "AdditionalReferencedDocument" if has("BR-52") => {
                sink.check(
                    &BR_52,
                    filled(&node.all(&[ram("IssuerAssignedID")])),
                    node,
                    "the supporting document has no reference (ram:IssuerAssignedID)",
                );
            }
            "InvoiceReferencedDocument"
                if node
                    .parent()
                    .is_some_and(|p| p.is(Namespace::RAM, "ApplicableHeaderTradeSettlement"))
                    && node
                        .parent()
                        .and_then(|p| p.parent())
                        .is_some_and(|t| t.is(Namespace::RSM, "SupplyChainTradeTransaction")) =>
            {
                sink.check(
                    &BR_55,
                    filled(&node.all(&[ram("IssuerAssignedID")])),
                    node,
                    "the preceding invoice reference has no id (ram:IssuerAssignedID)",
                );
            }
            "SellerTaxRepresentativeTradeParty" => {
                let vat: Vec<Node<'_>> = node
                    .all(&[ram("SpecifiedTaxRegistration"), ram("ID")])
                    .into_iter()
                    .filter(|id| id.attr("schemeID") == Some("VA"))
                    .collect();
                sink.check(
                    &BR_56,
                    filled(&vat),
                    node,
                    "the seller tax representative has no VAT id (schemeID VA)",
                );
            }
            "ApplicableHeaderTradeDelivery"
                if node
                    .parent()
                    .is_some_and(|p| p.is(Namespace::RSM, "SupplyChainTradeTransaction")) =>
            {
                let addresses = node.all(&[ram("ShipToTradeParty"), ram("PostalTradeAddress")]);
                let countries: Vec<Node<'_>> = addresses
                    .iter()
                    .flat_map(|a| a.children_named(Namespace::RAM, "CountryID"))
                    .collect();
                sink.check(
                    &BR_57,
                    addresses.is_empty() || filled(&countries),
                    node,
                    "the deliver-to address has no country code (ram:CountryID)",
                );
            }
            _ => {}
        }
    }
}

/// BR-21, BR-25, BR-64 and BR-65 on one line item (EN16931 and EXTENDED only).
fn line(node: Node<'_>, has: &impl Fn(&str) -> bool, sink: &mut Sink<'_>) {
    if has("BR-21") {
        let ids = node.all(&[ram("AssociatedDocumentLineDocument"), ram("LineID")]);
        sink.check(
            &BR_21,
            filled(&ids),
            node,
            "the line has no identifier (ram:LineID)",
        );
    }
    if has("BR-25") {
        let names = node.all(&[ram("SpecifiedTradeProduct"), ram("Name")]);
        sink.check(
            &BR_25,
            filled(&names),
            node,
            "the item has no name (ram:Name)",
        );
    }
    if has("BR-64") {
        let ids = node.all(&[ram("SpecifiedTradeProduct"), ram("GlobalID")]);
        let schemes = ids
            .iter()
            .any(|g| g.attr("schemeID").is_some_and(|s| !s.is_empty()));
        sink.check(
            &BR_64,
            ids.is_empty() || schemes,
            node,
            "the item standard identifier (ram:GlobalID) has no schemeID",
        );
    }
    if has("BR-65") {
        let codes = node.all(&[
            ram("SpecifiedTradeProduct"),
            ram("DesignatedProductClassification"),
            ram("ClassCode"),
        ]);
        let lists = codes
            .iter()
            .any(|c| c.attr("listID").is_some_and(|l| !l.is_empty()));
        sink.check(
            &BR_65,
            codes.is_empty() || lists,
            node,
            "the item classification code (ram:ClassCode) has no listID",
        );
    }
}
