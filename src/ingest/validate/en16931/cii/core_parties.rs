//! Core rules about parties, payment and references (CII): payee and tax
//! representative (BR-17…20, BR-56), electronic addresses (BR-62/63), payment means
//! (BR-49…51, BR-61), supporting documents, VAT accounting currency, preceding
//! invoices and deliver-to address (BR-52, BR-53, BR-55, BR-57).

use super::{Doc, ram, under};
use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::xpath::{any_equal, nb, nb_node, normalize_space};
use crate::xml::{Namespace, Node};

rules! {
    BR_17 = "BR-17", Fatal, ["BG-10", "BT-59"], "The payee name shall be provided if the payee is different from the seller";
    BR_18 = "BR-18", Fatal, ["BT-62"], "The seller tax representative name shall be provided if the seller has a tax representative";
    BR_19 = "BR-19", Fatal, ["BG-12"], "The seller tax representative postal address shall be provided if the seller has a tax representative";
    BR_20 = "BR-20", Fatal, ["BT-69"], "The seller tax representative postal address shall contain a country code";
    BR_49 = "BR-49", Fatal, ["BT-81"], "A payment instruction shall specify the payment means type code";
    BR_50 = "BR-50", Fatal, ["BT-84"], "A payment account identifier shall be present if credit transfer information is provided";
    BR_51 = "BR-51", Fatal, ["BT-87"], "A payment card primary account number shall not be given in full (at most 10 characters)";
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
    root_rules(doc, sink);
    let currencies = Currencies {
        invoice: doc.settlement_codes("InvoiceCurrencyCode"),
        accounting: doc.settlement_codes("TaxCurrencyCode"),
    };
    for node in doc.elements() {
        if node.namespace() != Namespace::RAM {
            continue;
        }
        match node.local_name() {
            "PayeeTradeParty" => br_17(node, sink),
            "SellerTaxRepresentativeTradeParty" => tax_representative(node, sink),
            "SpecifiedTradeSettlementPaymentMeans" => payment_means(node, sink),
            "ApplicableTradeSettlementFinancialCard" => {
                // string-length(normalize-space(ram:ID)): an absent ID counts as empty.
                let pan = node
                    .child(Namespace::RAM, "ID")
                    .map_or(0, |id| normalize_space(id.text()).chars().count());
                sink.check(
                    &BR_51,
                    pan <= 10,
                    node,
                    "the card primary account number (ram:ID) has more than 10 characters: give only its last digits",
                );
            }
            "AdditionalReferencedDocument" => {
                sink.check(
                    &BR_52,
                    nb_node(node.child(Namespace::RAM, "IssuerAssignedID")),
                    node,
                    "the supporting document reference (ram:IssuerAssignedID) is missing or blank",
                );
            }
            "SpecifiedTradeSettlementHeaderMonetarySummation" => br_53(&currencies, node, sink),
            _ => {}
        }
    }
}

/// The rules whose context is one absolute path: BR-55, BR-57, BR-62, BR-63.
fn root_rules(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    for reference in doc
        .settlement
        .into_iter()
        .flat_map(|s| s.children_named(Namespace::RAM, "InvoiceReferencedDocument"))
    {
        sink.check(
            &BR_55,
            nb_node(reference.child(Namespace::RAM, "IssuerAssignedID")),
            reference,
            "the preceding invoice reference has no invoice number (ram:IssuerAssignedID)",
        );
    }
    if let Some(delivery) = doc.delivery {
        // Present and not blank, or no deliver-to postal address at all.
        let addresses = delivery.all(&[ram("ShipToTradeParty"), ram("PostalTradeAddress")]);
        let country = under(addresses.first().copied(), &[ram("CountryID")]);
        sink.check(
            &BR_57,
            addresses.is_empty() || nb_node(country),
            delivery,
            "the deliver-to address (ShipToTradeParty/ram:PostalTradeAddress) has no country code (ram:CountryID)",
        );
    }
    for (rule, party, what) in [
        (&BR_62, "SellerTradeParty", "seller"),
        (&BR_63, "BuyerTradeParty", "buyer"),
    ] {
        let party = under(doc.agreement, &[ram(party)]);
        // Only the first URIUniversalCommunication is looked at.
        let first = party.and_then(|p| p.child(Namespace::RAM, "URIUniversalCommunication"));
        let scheme = first
            .and_then(|c| c.child(Namespace::RAM, "URIID"))
            .and_then(|u| u.attr("schemeID"));
        let message = || {
            format!(
                "the {what} electronic address (URIUniversalCommunication/ram:URIID) has no schemeID attribute"
            )
        };
        sink.check_with(
            rule,
            first.is_none() || scheme.is_some_and(nb),
            doc.root,
            message,
        );
    }
}

/// BR-17: the payee has a name and shares neither name, identifier nor legal
/// registration identifier with the seller
/// (`../../ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty`; any-to-any
/// string equality).
fn br_17(payee: Node<'_>, sink: &mut Sink<'_>) {
    let sellers: Vec<Node<'_>> = payee
        .parent()
        .and_then(|p| p.parent())
        .into_iter()
        .flat_map(|t| {
            t.all(&[
                ram("ApplicableHeaderTradeAgreement"),
                ram("SellerTradeParty"),
            ])
        })
        .collect();
    let same = |path: &[(Namespace, &str)]| {
        let seller: Vec<Node<'_>> = sellers.iter().flat_map(|s| s.all(path)).collect();
        any_equal(&payee.all(path), &seller)
    };
    let named = payee.child(Namespace::RAM, "Name").is_some();
    let holds = named
        && !same(&[ram("Name")])
        && !same(&[ram("ID")])
        && !same(&[ram("SpecifiedLegalOrganization"), ram("ID")]);
    let message = if named {
        "the payee has the same name or identifier as the seller: a payee is only given when it differs from the seller"
    } else {
        "the payee has no name (ram:Name)"
    };
    sink.check(&BR_17, holds, payee, message);
}

fn tax_representative(party: Node<'_>, sink: &mut Sink<'_>) {
    sink.check(
        &BR_18,
        nb_node(party.child(Namespace::RAM, "Name")),
        party,
        "the tax representative name (ram:Name) is missing or blank",
    );
    let address = party.child(Namespace::RAM, "PostalTradeAddress");
    sink.check(
        &BR_19,
        address.is_some(),
        party,
        "the tax representative postal address (ram:PostalTradeAddress) is missing",
    );
    sink.check(
        &BR_20,
        nb_node(under(address, &[ram("CountryID")])),
        party,
        "the tax representative country code (ram:PostalTradeAddress/ram:CountryID) is missing or blank",
    );
    let vat_id = party
        .all(&[ram("SpecifiedTaxRegistration"), ram("ID")])
        .into_iter()
        .find(|id| id.attr("schemeID") == Some("VA"));
    sink.check(
        &BR_56,
        nb_node(vat_id),
        party,
        "the tax representative has no VAT identifier (SpecifiedTaxRegistration/ram:ID with schemeID VA)",
    );
}

fn payment_means(means: Node<'_>, sink: &mut Sink<'_>) {
    let codes: Vec<&str> = means
        .children_named(Namespace::RAM, "TypeCode")
        .map(|c| c.text())
        .collect();
    sink.check(
        &BR_49,
        !codes.is_empty(),
        means,
        "the payment means has no type code (ram:TypeCode)",
    );
    // The context predicate compares the code as written, without trimming.
    if !codes.iter().any(|c| matches!(*c, "30" | "58")) {
        return;
    }
    for account in means.children_named(Namespace::RAM, "PayeePartyCreditorFinancialAccount") {
        let iban = account.child(Namespace::RAM, "IBANID");
        let proprietary = account.child(Namespace::RAM, "ProprietaryID");
        sink.check(
            &BR_50,
            nb_node(iban) || nb_node(proprietary),
            account,
            "the payment account identifier (ram:IBANID or ram:ProprietaryID) is missing or blank",
        );
        sink.check(
            &BR_61,
            iban.is_some() || proprietary.is_some(),
            account,
            "credit transfer (payment means 30 or 58) without a payment account identifier (ram:IBANID or ram:ProprietaryID)",
        );
    }
}

/// `$STL/ram:InvoiceCurrencyCode` and `$STL/ram:TaxCurrencyCode` values, read once.
struct Currencies<'d> {
    invoice: Vec<&'d str>,
    accounting: Vec<&'d str>,
}

/// BR-53 on each header monetary summation: no VAT accounting currency, or a tax
/// total in that currency and an accounting currency different from the invoice
/// currency (general comparisons: any value matches).
fn br_53(currencies: &Currencies<'_>, summation: Node<'_>, sink: &mut Sink<'_>) {
    let Currencies {
        invoice,
        accounting,
    } = currencies;
    if accounting.is_empty() {
        return;
    }
    let total_in_tax_currency = summation
        .children_named(Namespace::RAM, "TaxTotalAmount")
        .filter_map(|t| t.attr("currencyID"))
        .any(|c| accounting.contains(&c));
    let same_as_invoice = accounting.iter().any(|c| invoice.contains(c));
    let message = if same_as_invoice {
        "the VAT accounting currency (ram:TaxCurrencyCode) equals the invoice currency: leave it out"
    } else {
        "no ram:TaxTotalAmount is given in the VAT accounting currency (ram:TaxCurrencyCode)"
    };
    sink.check(
        &BR_53,
        total_in_tax_currency && !same_as_invoice,
        summation,
        message,
    );
}
