//! Parties, identifiers and electronic addresses (CII): BR-FR-09 … BR-FR-13,
//! BR-FR-21 … BR-FR-26, BR-FR-32, BR-FR-CO-10 and BR-FR-CO-15.
//!
//! Unlike UBL, the CII file takes the SIREN of BR-FR-21/22 from
//! `ram:SpecifiedLegalOrganization/ram:ID` whatever its scheme, and tests BR-FR-12/13
//! with `string(…) != ''` (a whitespace address passes).

use super::{Doc, Path, at, ram};
use crate::ingest::validate::fr::defs::{
    SELFBILLED, digits, length, schemefmt, siren_format, siret_ok,
};
use crate::ingest::validate::fr::{Abort, Assertion, FrSink, assertions, ends_with};
use crate::ingest::validate::xpath::{nb, string_of, string_value};
use crate::xml::{Namespace, Node};

assertions! {
    SIRET_BT_29 = BR_FR_09, "BR-FR-09_BT-29", "BT-29";
    SIRET_BT_46 = BR_FR_09, "BR-FR-09_BT-46", "BT-46";
    SIRET_BT_60 = BR_FR_09, "BR-FR-09_BT-60", "BT-60";
    SIRET_FE_06 = BR_FR_09, "BR-FR-09_EXT-FR-FE-06", "EXT-FR-FE-06";
    SIRET_FE_46 = BR_FR_09, "BR-FR-09_EXT-FR-FE-46", "EXT-FR-FE-46";
    SIRET_FE_69 = BR_FR_09, "BR-FR-09_EXT-FR-FE-69", "EXT-FR-FE-69";
    SIRET_FE_92 = BR_FR_09, "BR-FR-09_EXT-FR-FE-92", "EXT-FR-FE-92";
    SIRET_FE_115 = BR_FR_09, "BR-FR-09_EXT-FR-FE-115", "EXT-FR-FE-115";
    SIRET_BT_71 = BR_FR_09, "BR-FR-09_BT-71", "BT-71";
    SIRET_FE_146 = BR_FR_09, "BR-FR-09_EXT-FR-FE-146", "EXT-FR-FE-146";
    SELLER_SIREN = BR_FR_10, "BR-FR-10_BT-30", "BT-30";
    BUYER_SIREN = BR_FR_11, "BR-FR-11_BT-47", "BT-47";
    BUYER_ADDRESS = BR_FR_12, "BR-FR-12_BT-49", "BT-49";
    SELLER_ADDRESS = BR_FR_13, "BR-FR-13_BT-34", "BT-34";
    B2B_BUYER_ADDRESS = BR_FR_21, "BR-FR-21_BT-49", "BT-49";
    SELF_BILLED_SELLER_ADDRESS = BR_FR_22, "BR-FR-22_BT-34", "BT-34";
    FMT_BT_34 = BR_FR_23, "BR-FR-23_BT-34", "BT-34";
    FMT_BT_49 = BR_FR_23, "BR-FR-23_BT-49", "BT-49";
    FMT_FE_12 = BR_FR_23, "BR-FR-23_EXT-FR-FE-12", "EXT-FR-FE-12";
    FMT_FE_29 = BR_FR_23, "BR-FR-23_EXT-FR-FE-29", "EXT-FR-FE-29";
    FMT_FE_52 = BR_FR_23, "BR-FR-23_EXT-FR-FE-52", "EXT-FR-FE-52";
    FMT_FE_75 = BR_FR_23, "BR-FR-23_EXT-FR-FE-75", "EXT-FR-FE-75";
    FMT_FE_98 = BR_FR_23, "BR-FR-23_EXT-FR-FE-98", "EXT-FR-FE-98";
    FMT_FE_121 = BR_FR_23, "BR-FR-23_EXT-FR-FE-121", "EXT-FR-FE-121";
    ROUTING_FMT_BT_29 = BR_FR_24, "BR-FR-24_BT-29", "BT-29";
    ROUTING_FMT_BT_46 = BR_FR_24, "BR-FR-24_BT-46", "BT-46";
    LEN_BT_34 = BR_FR_25, "BR-FR-25_BT-34", "BT-34";
    LEN_BT_49 = BR_FR_25, "BR-FR-25_BT-49", "BT-49";
    LEN_FE_12 = BR_FR_25, "BR-FR-25_EXT-FR-FE-12", "EXT-FR-FE-12";
    LEN_FE_29 = BR_FR_25, "BR-FR-25_EXT-FR-FE-29", "EXT-FR-FE-29";
    LEN_FE_52 = BR_FR_25, "BR-FR-25_EXT-FR-FE-52", "EXT-FR-FE-52";
    LEN_FE_75 = BR_FR_25, "BR-FR-25_EXT-FR-FE-75", "EXT-FR-FE-75";
    LEN_FE_98 = BR_FR_25, "BR-FR-25_EXT-FR-FE-98", "EXT-FR-FE-98";
    LEN_FE_121 = BR_FR_25, "BR-FR-25_EXT-FR-FE-121", "EXT-FR-FE-121";
    ROUTING_LEN_BT_29 = BR_FR_26, "BR-FR-26_BT-29", "BT-29";
    ROUTING_LEN_BT_46 = BR_FR_26, "BR-FR-26_BT-46", "BT-46";
    LEGAL_ID = BR_FR_32, "BR-FR-32-LEGALID", "BT-30";
    GLOBAL_ID = BR_FR_32, "BR-FR-32-GLOBALID", "BT-29";
    SCHEME_BT_29 = BR_FR_CO_10, "BR-FR-CO-10_BT-29-1", "BT-29";
    UNIQUE_BT_29 = BR_FR_CO_10, "BR-FR-CO-10_BT-29-2", "BT-29";
    SCHEME_BT_46 = BR_FR_CO_10, "BR-FR-CO-10_BT-46-1", "BT-46";
    UNIQUE_BT_46 = BR_FR_CO_10, "BR-FR-CO-10_BT-46-2", "BT-46";
    SCHEME_BT_60 = BR_FR_CO_10, "BR-FR-CO-10_BT-60-1", "BT-60";
    UNIQUE_BT_60 = BR_FR_CO_10, "BR-FR-CO-10_BT-60-2", "BT-60";
    SCHEME_FE_06 = BR_FR_CO_10, "BR-FR-CO-10_EXT-FR-FE-06-1", "EXT-FR-FE-06";
    UNIQUE_FE_06 = BR_FR_CO_10, "BR-FR-CO-10_EXT-FR-FE-06-2", "EXT-FR-FE-06";
    SCHEME_FE_46 = BR_FR_CO_10, "BR-FR-CO-10_EXT-FR-FE-46-1", "EXT-FR-FE-46";
    UNIQUE_FE_46 = BR_FR_CO_10, "BR-FR-CO-10_EXT-FR-FE-46-2", "EXT-FR-FE-46";
    SCHEME_FE_69 = BR_FR_CO_10, "BR-FR-CO-10_EXT-FR-FE-69-1", "EXT-FR-FE-69";
    UNIQUE_FE_69 = BR_FR_CO_10, "BR-FR-CO-10_EXT-FR-FE-69-2", "EXT-FR-FE-69";
    SCHEME_FE_92 = BR_FR_CO_10, "BR-FR-CO-10_EXT-FR-FE-92-1", "EXT-FR-FE-92";
    UNIQUE_FE_92 = BR_FR_CO_10, "BR-FR-CO-10_EXT-FR-FE-92-2", "EXT-FR-FE-92";
    SCHEME_FE_115 = BR_FR_CO_10, "BR-FR-CO-10_EXT-FR-FE-115-1", "EXT-FR-FE-115";
    UNIQUE_FE_115 = BR_FR_CO_10, "BR-FR-CO-10_EXT-FR-FE-115-2", "EXT-FR-FE-115";
    SCHEME_BT_71 = BR_FR_CO_10, "BR-FR-CO-10_BT-71-1", "BT-71";
    UNIQUE_BT_71 = BR_FR_CO_10, "BR-FR-CO-10_BT-71-2", "BT-71";
    SCHEME_FE_146 = BR_FR_CO_10, "BR-FR-CO-10_EXT-FR-FE-146-1", "EXT-FR-FE-146";
    UNIQUE_FE_146 = BR_FR_CO_10, "BR-FR-CO-10_EXT-FR-FE-146-2", "EXT-FR-FE-146";
    VAT_GROUP_REPRESENTATIVE = BR_FR_CO_15, "BR-FR-CO-15_BT-29-1", "BT-29";
}

/// Which header anchor a party hangs from.
#[derive(Clone, Copy)]
enum Anchor {
    Agreement,
    Settlement,
    Delivery,
    Lines,
}

/// A party of the BR-FR-09 / 23 / 25 / CO-10 families.
struct Party {
    anchor: Anchor,
    path: Path,
    /// The relative pattern of its BR-FR-CO-10 context.
    pattern: Path,
    siret: &'static Assertion,
    fallback: bool,
    /// The BR-FR-23 and BR-FR-25 assertions on its electronic address, if checked.
    address: Option<(&'static Assertion, &'static Assertion)>,
    schemes: (&'static Assertion, &'static Assertion),
    what: &'static str,
}

static PARTIES: &[Party] = &[
    Party {
        anchor: Anchor::Agreement,
        path: &[ram("SellerTradeParty")],
        pattern: &[
            ram("ApplicableHeaderTradeAgreement"),
            ram("SellerTradeParty"),
        ],
        siret: &SIRET_BT_29,
        fallback: false,
        address: Some((&FMT_BT_34, &LEN_BT_34)),
        schemes: (&SCHEME_BT_29, &UNIQUE_BT_29),
        what: "seller",
    },
    Party {
        anchor: Anchor::Agreement,
        path: &[ram("BuyerTradeParty")],
        pattern: &[
            ram("ApplicableHeaderTradeAgreement"),
            ram("BuyerTradeParty"),
        ],
        siret: &SIRET_BT_46,
        fallback: false,
        address: Some((&FMT_BT_49, &LEN_BT_49)),
        schemes: (&SCHEME_BT_46, &UNIQUE_BT_46),
        what: "buyer",
    },
    Party {
        anchor: Anchor::Settlement,
        path: &[ram("PayeeTradeParty")],
        pattern: &[
            ram("ApplicableHeaderTradeSettlement"),
            ram("PayeeTradeParty"),
        ],
        siret: &SIRET_BT_60,
        fallback: true,
        address: Some((&FMT_FE_29, &LEN_FE_29)),
        schemes: (&SCHEME_BT_60, &UNIQUE_BT_60),
        what: "payee",
    },
    Party {
        anchor: Anchor::Agreement,
        path: &[ram("BuyerAgentTradeParty")],
        pattern: &[
            ram("ApplicableHeaderTradeAgreement"),
            ram("BuyerAgentTradeParty"),
        ],
        siret: &SIRET_FE_06,
        fallback: true,
        address: Some((&FMT_FE_12, &LEN_FE_12)),
        schemes: (&SCHEME_FE_06, &UNIQUE_FE_06),
        what: "buyer agent",
    },
    Party {
        anchor: Anchor::Settlement,
        path: &[ram("PayerTradeParty")],
        pattern: &[
            ram("ApplicableHeaderTradeSettlement"),
            ram("PayerTradeParty"),
        ],
        siret: &SIRET_FE_46,
        fallback: true,
        address: Some((&FMT_FE_52, &LEN_FE_52)),
        schemes: (&SCHEME_FE_46, &UNIQUE_FE_46),
        what: "payer",
    },
    Party {
        anchor: Anchor::Agreement,
        path: &[ram("SalesAgentTradeParty")],
        pattern: &[
            ram("ApplicableHeaderTradeAgreement"),
            ram("SalesAgentTradeParty"),
        ],
        siret: &SIRET_FE_69,
        fallback: true,
        address: Some((&FMT_FE_75, &LEN_FE_75)),
        schemes: (&SCHEME_FE_69, &UNIQUE_FE_69),
        what: "seller agent",
    },
    Party {
        anchor: Anchor::Settlement,
        path: &[ram("InvoiceeTradeParty")],
        pattern: &[
            ram("ApplicableHeaderTradeSettlement"),
            ram("InvoiceeTradeParty"),
        ],
        siret: &SIRET_FE_92,
        fallback: true,
        address: Some((&FMT_FE_98, &LEN_FE_98)),
        schemes: (&SCHEME_FE_92, &UNIQUE_FE_92),
        what: "invoicee",
    },
    Party {
        anchor: Anchor::Settlement,
        path: &[ram("InvoicerTradeParty")],
        pattern: &[
            ram("ApplicableHeaderTradeSettlement"),
            ram("InvoicerTradeParty"),
        ],
        siret: &SIRET_FE_115,
        fallback: true,
        address: Some((&FMT_FE_121, &LEN_FE_121)),
        schemes: (&SCHEME_FE_115, &UNIQUE_FE_115),
        what: "invoicer",
    },
    Party {
        anchor: Anchor::Delivery,
        path: &[ram("ShipToTradeParty")],
        pattern: &[
            ram("ApplicableHeaderTradeDelivery"),
            ram("ShipToTradeParty"),
        ],
        siret: &SIRET_BT_71,
        fallback: true,
        address: None,
        schemes: (&SCHEME_BT_71, &UNIQUE_BT_71),
        what: "deliver-to party",
    },
    Party {
        anchor: Anchor::Lines,
        path: &[ram("SpecifiedLineTradeDelivery"), ram("ShipToTradeParty")],
        pattern: &[
            ram("IncludedSupplyChainTradeLineItem"),
            ram("SpecifiedLineTradeDelivery"),
            ram("ShipToTradeParty"),
        ],
        siret: &SIRET_FE_146,
        fallback: true,
        address: None,
        schemes: (&SCHEME_FE_146, &UNIQUE_FE_146),
        what: "line deliver-to party",
    },
];

fn party_nodes<'d>(doc: &Doc<'d>, party: &Party) -> Vec<Node<'d>> {
    match party.anchor {
        Anchor::Agreement => at(doc.agreement, party.path),
        Anchor::Settlement => at(doc.settlement, party.path),
        Anchor::Delivery => at(doc.delivery, party.path),
        Anchor::Lines => doc.in_lines(party.path),
    }
}

/// The children of `node` named `ram:{local}` with `@schemeID = scheme`.
fn with_scheme<'d>(nodes: Vec<Node<'d>>, scheme: &str) -> Vec<Node<'d>> {
    nodes
        .into_iter()
        .filter(|n| n.attr("schemeID") == Some(scheme))
        .collect()
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) -> Result<(), Abort> {
    for party in PARTIES {
        for node in party_nodes(doc, party) {
            siret(node, party, sink)?;
            if let Some((format, length_rule)) = party.address {
                for address in node.all(&[ram("URIUniversalCommunication"), ram("URIID")]) {
                    let value = string_value(address);
                    if address.attr("schemeID") == Some("0225") {
                        let message = || {
                            format!(
                                "the {} electronic address '{value}' (scheme 0225) contains a character other than letters, digits, + - _ .",
                                party.what
                            )
                        };
                        sink.check_with(format, schemefmt(&value), address, message);
                    }
                    let message = || {
                        format!(
                            "the {} electronic address is {} characters long; at most 125 are allowed",
                            party.what,
                            length(&value)
                        )
                    };
                    sink.check_with(length_rule, length(&value) <= 125, address, message);
                }
            }
        }
    }
    for (path, format, length_rule, what) in [
        (
            &[ram("SellerTradeParty"), ram("GlobalID")],
            &ROUTING_FMT_BT_29,
            &ROUTING_LEN_BT_29,
            "seller",
        ),
        (
            &[ram("BuyerTradeParty"), ram("GlobalID")],
            &ROUTING_FMT_BT_46,
            &ROUTING_LEN_BT_46,
            "buyer",
        ),
    ] {
        for id in with_scheme(at(doc.agreement, path), "0224") {
            let value = string_value(id);
            let message = || {
                format!(
                    "the {what} routing identifier '{value}' (scheme 0224) contains a character other than letters, digits, + - _ ."
                )
            };
            sink.check_with(format, schemefmt(&value), id, message);
            sink.check_with(length_rule, length(&value) <= 100, id, || {
                format!(
                    "the {what} routing identifier is {} characters long; at most 100 are allowed",
                    length(&value)
                )
            });
        }
    }
    walk(doc, sink);
    root_rules(doc, sink);
    Ok(())
}

/// BR-FR-09 on one party. With the fallback, the SIREN derived from the SIRET is
/// `substring($siret, 1, 9)` over every 0009 identifier: two of them stop the
/// official stylesheet.
fn siret(party_node: Node<'_>, party: &Party, sink: &mut FrSink<'_, '_>) -> Result<(), Abort> {
    let sirets = with_scheme(
        party_node
            .children_named(Namespace::RAM, "GlobalID")
            .collect(),
        "0009",
    );
    let Some(first) = sirets.first() else {
        return Ok(());
    };
    let siret = string_value(*first);
    let sirens: Vec<&str> = with_scheme(
        party_node.all(&[ram("SpecifiedLegalOrganization"), ram("ID")]),
        "0002",
    )
    .into_iter()
    .map(|n| n.text())
    .collect();
    let derived: String = siret.chars().take(9).collect();
    let candidates: Vec<&str> = if party.fallback && !sirens.iter().any(|s| nb(s)) {
        if let Some(second) = sirets.get(1) {
            return Err(Abort {
                assertion: party.siret.id,
                location: second.path(),
                reason: "the party has two SIRET (scheme 0009) and no SIREN, and the SIREN derived from the SIRET becomes a sequence of two values",
            });
        }
        vec![derived.as_str()]
    } else {
        sirens
    };
    let message = || {
        format!(
            "the {} SIRET (scheme 0009) '{siret}' is not 14 digits starting with the party's SIREN{}",
            party.what,
            if candidates.is_empty() {
                " (no SIREN with scheme 0002 is given)".to_string()
            } else {
                format!(" {candidates:?}")
            }
        )
    };
    sink.check_with(
        party.siret,
        siret_ok(&siret, &candidates),
        party_node,
        message,
    );
    Ok(())
}

/// The `//` contexts: BR-FR-32 and BR-FR-CO-10.
fn walk(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    for node in doc.elements() {
        if node.namespace() != Namespace::RAM {
            continue;
        }
        if node.local_name() == "ID"
            && node.attr("schemeID") == Some("0002")
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::RAM, "SpecifiedLegalOrganization"))
        {
            let value = string_value(node);
            let message = || {
                format!(
                    "the legal registration identifier '{value}' has scheme 0002 (SIREN) but is not nine digits"
                )
            };
            sink.check_with(&LEGAL_ID, siren_format(&value), node, message);
        } else if node.local_name() == "GlobalID"
            && matches!(node.attr("schemeID"), Some("0002" | "0231"))
        {
            let value = string_value(node);
            sink.check_with(&GLOBAL_ID, siren_format(&value), node, || {
                format!(
                    "the global identifier '{value}' has scheme {} but is not nine digits",
                    node.attr("schemeID").unwrap_or_default()
                )
            });
        }
        for party in PARTIES {
            if node.local_name() == party.pattern.last().map_or("", |p| p.1)
                && ends_with(
                    node,
                    &[
                        &[(Namespace::RSM, "SupplyChainTradeTransaction")],
                        party.pattern,
                    ]
                    .concat(),
                )
            {
                let ids: Vec<Node<'_>> = node.children_named(Namespace::RAM, "GlobalID").collect();
                let (scheme, unique) = party.schemes;
                sink.check_with(
                    scheme,
                    ids.iter().all(|id| id.attr("schemeID").is_some()),
                    node,
                    || format!("a global identifier of the {} has no schemeID", party.what),
                );
                let mut seen: Vec<&str> = ids.iter().filter_map(|id| id.attr("schemeID")).collect();
                let total = seen.len();
                seen.sort_unstable();
                seen.dedup();
                sink.check_with(unique, seen.len() == total, node, || {
                    format!(
                        "the {} has several global identifiers with the same schemeID",
                        party.what
                    )
                });
            }
        }
    }
}

/// The rules anchored at the root: BR-FR-10 … 13, 21, 22 and BR-FR-CO-15.
fn root_rules<'d>(doc: &Doc<'d>, sink: &mut FrSink<'_, '_>) {
    let root = doc.root;
    let seller = doc
        .agreement
        .and_then(|a| a.child(Namespace::RAM, "SellerTradeParty"));
    let buyer = doc
        .agreement
        .and_then(|a| a.child(Namespace::RAM, "BuyerTradeParty"));
    let siren = |party: Option<Node<'_>>| {
        with_scheme(
            at(party, &[ram("SpecifiedLegalOrganization"), ram("ID")]),
            "0002",
        )
        .first()
        .map(|n| n.text().to_string())
    };
    let seller_siren = siren(seller);
    let message = || {
        format!(
            "the seller SIREN (SpecifiedLegalOrganization/ram:ID, scheme 0002) is {}; nine digits are required",
            seller_siren
                .as_deref()
                .map_or("missing".to_string(), |s| format!("'{s}'"))
        )
    };
    sink.check_with(
        &SELLER_SIREN,
        seller_siren.as_deref().is_some_and(siren_format),
        root,
        message,
    );
    let b2b = doc.b2b();
    if b2b {
        let buyer_siren = siren(buyer);
        let message = || {
            format!(
                "the invoice is B2B but the buyer SIREN (SpecifiedLegalOrganization/ram:ID, scheme 0002) is {}; nine digits are required",
                buyer_siren
                    .as_deref()
                    .map_or("missing".to_string(), |s| format!("'{s}'"))
            )
        };
        sink.check_with(
            &BUYER_SIREN,
            buyer_siren.as_deref().is_some_and(|s| digits(s, 9)),
            root,
            message,
        );
    }
    let address = |party: Option<Node<'d>>| {
        at(party, &[ram("URIUniversalCommunication"), ram("URIID")])
            .first()
            .copied()
    };
    let (seller_address, buyer_address) = (address(seller), address(buyer));
    sink.check(
        &BUYER_ADDRESS,
        !string_of(buyer_address).is_empty(),
        root,
        "the buyer electronic address (URIUniversalCommunication/ram:URIID) is missing or empty",
    );
    sink.check(
        &SELLER_ADDRESS,
        !string_of(seller_address).is_empty(),
        root,
        "the seller electronic address (URIUniversalCommunication/ram:URIID) is missing or empty",
    );

    let legal_id = |party: Option<Node<'_>>| {
        at(party, &[ram("SpecifiedLegalOrganization"), ram("ID")])
            .first()
            .map(|n| n.text().to_string())
    };
    let self_billed = doc.type_in(SELFBILLED);
    if b2b && !self_billed {
        sink.check(&B2B_BUYER_ADDRESS, addressed_by_siren(buyer_address, legal_id(buyer).as_deref()), root, "the invoice is B2B and not self-billed: the buyer electronic address must start with the buyer SIREN and have scheme 0225");
    }
    if b2b && self_billed {
        sink.check(&SELF_BILLED_SELLER_ADDRESS, addressed_by_siren(seller_address, legal_id(seller).as_deref()), root, "the invoice is self-billed: the seller electronic address must start with the seller SIREN and have scheme 0225");
    }

    let member = !with_scheme(at(seller, &[ram("GlobalID")]), "0231").is_empty();
    if member {
        let representative = doc
            .agreement
            .and_then(|a| a.child(Namespace::RAM, "SellerTaxRepresentativeTradeParty"));
        let vat_id = with_scheme(
            at(
                representative,
                &[ram("SpecifiedTaxRegistration"), ram("ID")],
            ),
            "VA",
        )
        .first()
        .copied();
        sink.check(
            &VAT_GROUP_REPRESENTATIVE,
            representative.is_some() && !string_of(vat_id).is_empty(),
            root,
            "the seller is a single VAT group member (scheme 0231): the tax representative (SellerTaxRepresentativeTradeParty) with its VAT identifier is required",
        );
    }
}

/// `starts-with(address, siren) and address/@schemeID = '0225'`: true when the SIREN
/// is absent (only the scheme is then checked), false when the address is.
fn addressed_by_siren(address: Option<Node<'_>>, siren: Option<&str>) -> bool {
    let value = address.map_or("", |a| a.text());
    value.starts_with(siren.unwrap_or(""))
        && address.and_then(|a| a.attr("schemeID")) == Some("0225")
}
