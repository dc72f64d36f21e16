//! Core rules about parties, payment and references (UBL): payee and tax
//! representative (BR-17…20, BR-56), electronic addresses (BR-62/63), payment means
//! (BR-49…51, BR-61), supporting documents, preceding invoices, deliver-to address
//! and the VAT accounting currency (BR-52, BR-53, BR-55, BR-57).

use std::collections::HashSet;

use super::{Doc, cac, cbc, has_vat_scheme, matches_pattern};
use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::xpath::{any_equal, nb_node, normalize_space};
use crate::xml::{Namespace, Node};

rules! {
    BR_17 = "BR-17", Fatal, ["BG-10", "BT-59"], "The payee name shall be provided if the payee is different from the seller";
    BR_18 = "BR-18", Fatal, ["BT-62"], "The seller tax representative name shall be provided if the seller has a tax representative";
    BR_19 = "BR-19", Fatal, ["BG-12"], "The seller tax representative postal address shall be provided if the seller has a tax representative";
    BR_20 = "BR-20", Fatal, ["BT-69"], "The seller tax representative postal address shall contain a country code";
    BR_49 = "BR-49", Fatal, ["BT-81"], "A payment instruction shall specify the payment means type code";
    BR_50 = "BR-50", Fatal, ["BT-84"], "A payment account identifier shall be present if credit transfer information is provided";
    BR_51 = "BR-51", Warning, ["BT-87"], "A payment card primary account number shall not be given in full (at most 10 characters)";
    BR_52 = "BR-52", Fatal, ["BT-122"], "Each additional supporting document shall contain a supporting document reference";
    BR_53 = "BR-53", Fatal, ["BT-6", "BT-111"], "If the VAT accounting currency code is present, the invoice total VAT amount in accounting currency shall be provided";
    BR_55 = "BR-55", Fatal, ["BT-25"], "Each preceding invoice reference shall contain a preceding invoice number";
    BR_56 = "BR-56", Fatal, ["BT-63"], "Each seller tax representative party shall have a seller tax representative VAT identifier";
    BR_57 = "BR-57", Fatal, ["BT-80"], "Each deliver-to address shall contain a deliver-to country code";
    BR_61 = "BR-61", Fatal, ["BT-84"], "For credit transfer payment means (30, 58) the payment account identifier shall be present";
    BR_62 = "BR-62", Fatal, ["BT-34-1"], "The seller electronic address shall have a scheme identifier";
    BR_63 = "BR-63", Fatal, ["BT-49-1"], "The buyer electronic address shall have a scheme identifier";
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    // BR-53 needs every tax total currency of the document: gathered in the walk,
    // checked once at the end.
    let mut tax_currencies: HashSet<&str> = HashSet::new();
    for node in doc.elements() {
        if node.namespace() == Namespace::CBC {
            if node.is(Namespace::CBC, "TaxAmount")
                && node
                    .parent()
                    .is_some_and(|p| p.is(Namespace::CAC, "TaxTotal"))
            {
                tax_currencies.extend(node.attr("currencyID"));
            } else {
                endpoint(node, sink);
            }
            continue;
        }
        match node.local_name() {
            "PayeeParty" if node.namespace() == Namespace::CAC => br_17(node, sink),
            "TaxRepresentativeParty" if node.namespace() == Namespace::CAC => {
                tax_representative(node, sink);
            }
            "PostalAddress"
                if matches_pattern(node, "PostalAddress", &["TaxRepresentativeParty"]) =>
            {
                sink.check(
                    &BR_20,
                    nb_node(node.first(&[cac("Country"), cbc("IdentificationCode")])),
                    node,
                    "the tax representative postal address has no country code (cac:Country/cbc:IdentificationCode)",
                );
            }
            "PaymentMeans" if node.namespace() == Namespace::CAC => payment_means(node, sink),
            "CardAccount" if matches_pattern(node, "CardAccount", &["PaymentMeans"]) => {
                for pan in node.children_named(Namespace::CBC, "PrimaryAccountNumberID") {
                    sink.check(
                        &BR_51,
                        normalize_space(pan.text()).chars().count() <= 10,
                        pan,
                        "the card primary account number (cbc:PrimaryAccountNumberID) has more than 10 characters: give only its last digits",
                    );
                }
            }
            "AdditionalDocumentReference" if node.namespace() == Namespace::CAC => {
                sink.check(
                    &BR_52,
                    nb_node(node.child(Namespace::CBC, "ID")),
                    node,
                    "the supporting document reference (cac:AdditionalDocumentReference/cbc:ID) is missing or blank",
                );
            }
            "BillingReference" if node.namespace() == Namespace::CAC => {
                sink.check(
                    &BR_55,
                    node.first(&[cac("InvoiceDocumentReference"), cbc("ID")])
                        .is_some(),
                    node,
                    "the preceding invoice reference has no invoice number (cac:InvoiceDocumentReference/cbc:ID)",
                );
            }
            "Address" if matches_pattern(node, "Address", &["DeliveryLocation", "Delivery"]) => {
                sink.check(
                    &BR_57,
                    node.first(&[cac("Country"), cbc("IdentificationCode")])
                        .is_some(),
                    node,
                    "the deliver-to address has no country code (cac:Country/cbc:IdentificationCode)",
                );
            }
            _ => {}
        }
    }
    // One assertion on the root (`every $c in cbc:TaxCurrencyCode satisfies …`): one
    // finding, naming the first currency without a tax total.
    let missing = doc
        .root
        .children_named(Namespace::CBC, "TaxCurrencyCode")
        .find(|code| !tax_currencies.contains(code.text()));
    if let Some(code) = missing {
        sink.fail(
            &BR_53,
            doc.root,
            format!(
                "the VAT accounting currency is {:?} but no cac:TaxTotal/cbc:TaxAmount is given in that currency",
                code.text()
            ),
        );
    }
}

/// BR-17: the payee has a name and shares neither trading name nor identifier with
/// the seller (`../cac:AccountingSupplierParty`, any-to-any string equality).
fn br_17(payee: Node<'_>, sink: &mut Sink<'_>) {
    let seller: Vec<Node<'_>> = payee
        .parent()
        .into_iter()
        .flat_map(|p| p.all(&[cac("AccountingSupplierParty"), cac("Party")]))
        .collect();
    let seller_values = |path: &[(Namespace, &str)]| -> Vec<Node<'_>> {
        seller.iter().flat_map(|party| party.all(path)).collect()
    };
    let name_path = [cac("PartyName"), cbc("Name")];
    let id_path = [cac("PartyIdentification"), cbc("ID")];
    let names = payee.all(&name_path);
    let holds = !names.is_empty()
        && !any_equal(&names, &seller_values(&name_path))
        && !any_equal(&payee.all(&id_path), &seller_values(&id_path));
    let message = if names.is_empty() {
        "the payee has no name (cac:PartyName/cbc:Name)"
    } else {
        "the payee has the same name or identifier as the seller: a payee is only given when it differs from the seller"
    };
    sink.check(&BR_17, holds, payee, message);
}

fn tax_representative(party: Node<'_>, sink: &mut Sink<'_>) {
    sink.check(
        &BR_18,
        nb_node(party.first(&[cac("PartyName"), cbc("Name")])),
        party,
        "the tax representative name (cac:PartyName/cbc:Name) is missing or blank",
    );
    sink.check(
        &BR_19,
        party.child(Namespace::CAC, "PostalAddress").is_some(),
        party,
        "the tax representative postal address (cac:PostalAddress) is missing",
    );
    let vat_id = party
        .children_named(Namespace::CAC, "PartyTaxScheme")
        .filter(|s| has_vat_scheme(*s))
        .any(|s| s.child(Namespace::CBC, "CompanyID").is_some());
    sink.check(
        &BR_56,
        vat_id,
        party,
        "the tax representative has no VAT identifier (cac:PartyTaxScheme/cbc:CompanyID with tax scheme VAT)",
    );
}

/// BR-62 / BR-63 on `cac:Accounting{Supplier,Customer}Party/cac:Party/cbc:EndpointID`.
fn endpoint(node: Node<'_>, sink: &mut Sink<'_>) {
    if !node.is(Namespace::CBC, "EndpointID") || node.attr("schemeID").is_some() {
        return;
    }
    let Some(party) = node.parent() else { return };
    if matches_pattern(party, "Party", &["AccountingSupplierParty"]) {
        sink.fail(
            &BR_62,
            node,
            "the seller electronic address (cbc:EndpointID) has no schemeID attribute",
        );
    } else if matches_pattern(party, "Party", &["AccountingCustomerParty"]) {
        sink.fail(
            &BR_63,
            node,
            "the buyer electronic address (cbc:EndpointID) has no schemeID attribute",
        );
    }
}

fn payment_means(means: Node<'_>, sink: &mut Sink<'_>) {
    let codes: Vec<&str> = means
        .children_named(Namespace::CBC, "PaymentMeansCode")
        .map(|c| c.text())
        .collect();
    sink.check(
        &BR_49,
        !codes.is_empty(),
        means,
        "the payment means has no type code (cbc:PaymentMeansCode)",
    );
    // BR-61 compares the code after normalize-space; BR-50's context compares it raw.
    let transfer = codes
        .iter()
        .any(|c| matches!(normalize_space(c).as_str(), "30" | "58"));
    let account_id = means
        .first(&[cac("PayeeFinancialAccount"), cbc("ID")])
        .is_some();
    sink.check(
        &BR_61,
        !transfer || account_id,
        means,
        "credit transfer (payment means 30 or 58) without a payment account identifier (cac:PayeeFinancialAccount/cbc:ID)",
    );
    if codes.iter().any(|c| matches!(*c, "30" | "58")) {
        for account in means.children_named(Namespace::CAC, "PayeeFinancialAccount") {
            sink.check(
                &BR_50,
                nb_node(account.child(Namespace::CBC, "ID")),
                account,
                "the payment account identifier (cac:PayeeFinancialAccount/cbc:ID) is missing or blank",
            );
        }
    }
}
