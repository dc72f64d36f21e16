//! Core presence rules BR-01 … BR-65 (UBL).

use super::{Doc, cac, cbc, matches_pattern};
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
    let first = |path: &[(Namespace, &str)]| root.first(path);

    sink.check(
        &BR_01,
        nb_node(first(&[cbc("CustomizationID")])),
        root,
        "the specification identifier (cbc:CustomizationID) is missing or blank",
    );
    sink.check(
        &BR_02,
        nb_node(first(&[cbc("ID")])),
        root,
        "the invoice number (cbc:ID) is missing or blank",
    );
    sink.check(
        &BR_03,
        nb_node(first(&[cbc("IssueDate")])),
        root,
        "the issue date (cbc:IssueDate) is missing or blank",
    );
    let type_code =
        nb_node(first(&[cbc("InvoiceTypeCode")])) || nb_node(first(&[cbc("CreditNoteTypeCode")]));
    sink.check(
        &BR_04,
        type_code,
        root,
        "the invoice type code is missing or blank",
    );
    sink.check(
        &BR_05,
        nb_node(first(&[cbc("DocumentCurrencyCode")])),
        root,
        "the invoice currency code (cbc:DocumentCurrencyCode) is missing or blank",
    );
    let seller_name = first(&[
        cac("AccountingSupplierParty"),
        cac("Party"),
        cac("PartyLegalEntity"),
        cbc("RegistrationName"),
    ]);
    sink.check(
        &BR_06,
        nb_node(seller_name),
        root,
        "the seller name (PartyLegalEntity/cbc:RegistrationName) is missing or blank",
    );
    let buyer_name = first(&[
        cac("AccountingCustomerParty"),
        cac("Party"),
        cac("PartyLegalEntity"),
        cbc("RegistrationName"),
    ]);
    sink.check(
        &BR_07,
        nb_node(buyer_name),
        root,
        "the buyer name (PartyLegalEntity/cbc:RegistrationName) is missing or blank",
    );
    let seller_address = first(&[
        cac("AccountingSupplierParty"),
        cac("Party"),
        cac("PostalAddress"),
    ]);
    sink.check(
        &BR_08,
        seller_address.is_some(),
        root,
        "the seller postal address is missing",
    );
    let buyer_address = first(&[
        cac("AccountingCustomerParty"),
        cac("Party"),
        cac("PostalAddress"),
    ]);
    sink.check(
        &BR_10,
        buyer_address.is_some(),
        root,
        "the buyer postal address is missing",
    );
    let has_line = root.child(Namespace::CAC, "InvoiceLine").is_some()
        || root.child(Namespace::CAC, "CreditNoteLine").is_some();
    sink.check_with(&BR_16, has_line, root, || {
        format!("the document has no line (cac:{})", doc.line_name)
    });

    for node in doc.elements() {
        if matches_pattern(node, "PostalAddress", &["Party", "AccountingSupplierParty"]) {
            let country = node.first(&[cac("Country"), cbc("IdentificationCode")]);
            sink.check(
                &BR_09,
                nb_node(country),
                node,
                "the seller postal address has no country code",
            );
        } else if matches_pattern(node, "PostalAddress", &["Party", "AccountingCustomerParty"]) {
            let country = node.first(&[cac("Country"), cbc("IdentificationCode")]);
            sink.check(
                &BR_11,
                nb_node(country),
                node,
                "the buyer postal address has no country code",
            );
        } else if node.is(Namespace::CAC, "LegalMonetaryTotal") {
            let has = |local: &str| node.child(Namespace::CBC, local).is_some();
            sink.check(
                &BR_12,
                has("LineExtensionAmount"),
                node,
                "the sum of invoice line net amounts (cbc:LineExtensionAmount) is missing",
            );
            sink.check(
                &BR_13,
                has("TaxExclusiveAmount"),
                node,
                "the total amount without VAT (cbc:TaxExclusiveAmount) is missing",
            );
            sink.check(
                &BR_14,
                has("TaxInclusiveAmount"),
                node,
                "the total amount with VAT (cbc:TaxInclusiveAmount) is missing",
            );
            sink.check(
                &BR_15,
                has("PayableAmount"),
                node,
                "the amount due for payment (cbc:PayableAmount) is missing",
            );
        }
    }
}
