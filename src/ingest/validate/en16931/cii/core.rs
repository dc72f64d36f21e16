//! Core presence rules BR-01 … BR-65 (CII).

use super::{Doc, ram, under};
use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::xpath::nb_node;
use crate::xml::Namespace;

rules! {
    BR_01 = "BR-01", Fatal, ["BT-24"], "An invoice shall have a specification identifier";
    BR_02 = "BR-02", Fatal, ["BT-1"], "An invoice shall have an invoice number";
    BR_03 = "BR-03", Fatal, ["BT-2"], "An invoice shall have an issue date";
    BR_04 = "BR-04", Fatal, ["BT-3"], "An invoice shall have an invoice type code";
    BR_05 = "BR-05", Fatal, ["BT-5"], "An invoice shall have an invoice currency code";
    BR_06 = "BR-06", Fatal, ["BT-27"], "An invoice shall contain the seller name";
    BR_07 = "BR-07", Fatal, ["BT-44"], "An invoice shall contain the buyer name";
    BR_08 = "BR-08", Fatal, ["BG-5"], "An invoice shall contain the seller postal address";
    BR_09 = "BR-09", Fatal, ["BT-40"], "The seller postal address shall contain a seller country code";
    BR_10 = "BR-10", Fatal, ["BG-8"], "An invoice shall contain the buyer postal address";
    BR_11 = "BR-11", Fatal, ["BT-55"], "The buyer postal address shall contain a buyer country code";
    BR_12 = "BR-12", Fatal, ["BT-106"], "An invoice shall have the sum of invoice line net amounts";
    BR_13 = "BR-13", Fatal, ["BT-109"], "An invoice shall have the invoice total amount without VAT";
    BR_14 = "BR-14", Fatal, ["BT-112"], "An invoice shall have the invoice total amount with VAT";
    BR_15 = "BR-15", Fatal, ["BT-115"], "An invoice shall have the amount due for payment";
    BR_16 = "BR-16", Fatal, ["BG-25"], "An invoice shall have at least one invoice line";
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    let root = doc.root;
    let spec = under(
        doc.context,
        &[ram("GuidelineSpecifiedDocumentContextParameter"), ram("ID")],
    );
    sink.check(&BR_01, nb_node(spec), root, "the specification identifier (GuidelineSpecifiedDocumentContextParameter/ram:ID) is missing or blank");
    sink.check(
        &BR_02,
        nb_node(under(doc.document, &[ram("ID")])),
        root,
        "the invoice number (rsm:ExchangedDocument/ram:ID) is missing or blank",
    );
    let issue_date = doc
        .document
        .and_then(|d| d.child(Namespace::RAM, "IssueDateTime"))
        .and_then(|t| {
            t.children_named(Namespace::UDT, "DateTimeString")
                .find(|s| s.attr("format") == Some("102"))
        });
    sink.check(
        &BR_03,
        nb_node(issue_date),
        root,
        "the issue date (IssueDateTime/udt:DateTimeString with format 102) is missing or blank",
    );
    sink.check(
        &BR_04,
        nb_node(under(doc.document, &[ram("TypeCode")])),
        root,
        "the invoice type code (rsm:ExchangedDocument/ram:TypeCode) is missing or blank",
    );
    sink.check(
        &BR_05,
        nb_node(under(doc.settlement, &[ram("InvoiceCurrencyCode")])),
        root,
        "the invoice currency code (ram:InvoiceCurrencyCode) is missing or blank",
    );
    sink.check(
        &BR_06,
        nb_node(under(
            doc.agreement,
            &[ram("SellerTradeParty"), ram("Name")],
        )),
        root,
        "the seller name (SellerTradeParty/ram:Name) is missing or blank",
    );
    sink.check(
        &BR_07,
        nb_node(under(doc.agreement, &[ram("BuyerTradeParty"), ram("Name")])),
        root,
        "the buyer name (BuyerTradeParty/ram:Name) is missing or blank",
    );
    let seller_address = under(
        doc.agreement,
        &[ram("SellerTradeParty"), ram("PostalTradeAddress")],
    );
    sink.check(
        &BR_08,
        seller_address.is_some(),
        root,
        "the seller postal address (SellerTradeParty/ram:PostalTradeAddress) is missing",
    );
    let seller_country = under(
        doc.agreement,
        &[
            ram("SellerTradeParty"),
            ram("PostalTradeAddress"),
            ram("CountryID"),
        ],
    );
    sink.check(
        &BR_09,
        nb_node(seller_country),
        root,
        "the seller country code (PostalTradeAddress/ram:CountryID) is missing or blank",
    );
    let buyer_address = under(
        doc.agreement,
        &[ram("BuyerTradeParty"), ram("PostalTradeAddress")],
    );
    sink.check(
        &BR_10,
        buyer_address.is_some(),
        root,
        "the buyer postal address (BuyerTradeParty/ram:PostalTradeAddress) is missing",
    );
    let buyer_country = under(
        doc.agreement,
        &[
            ram("BuyerTradeParty"),
            ram("PostalTradeAddress"),
            ram("CountryID"),
        ],
    );
    sink.check(
        &BR_11,
        nb_node(buyer_country),
        root,
        "the buyer country code (PostalTradeAddress/ram:CountryID) is missing or blank",
    );

    let mut has_line = false;
    for node in doc.elements() {
        if node.is(Namespace::RAM, "IncludedSupplyChainTradeLineItem") {
            has_line = true;
        } else if node.is(
            Namespace::RAM,
            "SpecifiedTradeSettlementHeaderMonetarySummation",
        ) {
            let has = |local: &str| node.child(Namespace::RAM, local).is_some();
            sink.check(
                &BR_12,
                has("LineTotalAmount"),
                node,
                "the sum of invoice line net amounts (ram:LineTotalAmount) is missing",
            );
            sink.check(
                &BR_13,
                has("TaxBasisTotalAmount"),
                node,
                "the total amount without VAT (ram:TaxBasisTotalAmount) is missing",
            );
            sink.check(
                &BR_14,
                has("GrandTotalAmount"),
                node,
                "the total amount with VAT (ram:GrandTotalAmount) is missing",
            );
            sink.check(
                &BR_15,
                has("DuePayableAmount"),
                node,
                "the amount due for payment (ram:DuePayableAmount) is missing",
            );
        }
    }
    sink.check(
        &BR_16,
        has_line,
        root,
        "the invoice has no invoice line (ram:IncludedSupplyChainTradeLineItem)",
    );
}
