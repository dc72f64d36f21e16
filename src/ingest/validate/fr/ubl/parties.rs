//! Parties, identifiers and electronic addresses (UBL): BR-FR-09 … BR-FR-13,
//! BR-FR-21 … BR-FR-26, BR-FR-32, BR-FR-CO-10 and BR-FR-CO-15.

use super::{Doc, cac, cbc};
use crate::ingest::validate::fr::defs::{SELFBILLED, length, schemefmt, siren_format, siret_ok};
use crate::ingest::validate::fr::{Assertion, FrSink, assertions, ends_with};
use crate::ingest::validate::xpath::{nb, nb_node, string_value};
use std::sync::OnceLock;

use crate::fxhash::FxHashSet;
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
    PARTY_ID = BR_FR_32, "BR-FR-32-ID", "BT-29";
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

type Path = &'static [(Namespace, &'static str)];

const SELLER: Path = &[cac("AccountingSupplierParty"), cac("Party")];
const BUYER: Path = &[cac("AccountingCustomerParty"), cac("Party")];
const PAYEE: Path = &[cac("PayeeParty")];
const BUYER_AGENT: Path = &[
    cac("AccountingCustomerParty"),
    cac("Party"),
    cac("AgentParty"),
];
const PAYER: Path = &[
    cac("PaymentMeans"),
    cac("PaymentMandate"),
    cac("PayerParty"),
];
const SELLER_AGENT: Path = &[
    cac("AccountingSupplierParty"),
    cac("Party"),
    cac("AgentParty"),
];
const INVOICEE: Path = &[
    cac("AccountingCustomerParty"),
    cac("Party"),
    cac("ServiceProviderParty"),
    cac("Party"),
];
const INVOICER: Path = &[
    cac("AccountingSupplierParty"),
    cac("Party"),
    cac("ServiceProviderParty"),
    cac("Party"),
];
const DELIVERY: Path = &[cac("Delivery")];
const LINE_DELIVERY_LOCATION: Path =
    &[cac("InvoiceLine"), cac("Delivery"), cac("DeliveryLocation")];
const DELIVERY_LOCATION: Path = &[cac("Delivery"), cac("DeliveryLocation")];

/// A BR-FR-09 context: where the party is, where its SIRET and SIREN are, and whether
/// a missing SIREN falls back to the SIRET's first nine characters.
struct SiretRule {
    assertion: &'static Assertion,
    context: Path,
    siret: Path,
    siren: Path,
    fallback: bool,
    what: &'static str,
}

const PARTY_SIRET: Path = &[cac("PartyIdentification"), cbc("ID")];
const PARTY_SIREN: Path = &[cac("PartyLegalEntity"), cbc("CompanyID")];

static SIRET_RULES: &[SiretRule] = &[
    SiretRule {
        assertion: &SIRET_BT_29,
        context: SELLER,
        siret: PARTY_SIRET,
        siren: PARTY_SIREN,
        fallback: false,
        what: "seller",
    },
    SiretRule {
        assertion: &SIRET_BT_46,
        context: BUYER,
        siret: PARTY_SIRET,
        siren: PARTY_SIREN,
        fallback: false,
        what: "buyer",
    },
    SiretRule {
        assertion: &SIRET_BT_60,
        context: PAYEE,
        siret: PARTY_SIRET,
        siren: PARTY_SIREN,
        fallback: true,
        what: "payee",
    },
    SiretRule {
        assertion: &SIRET_FE_06,
        context: BUYER_AGENT,
        siret: PARTY_SIRET,
        siren: PARTY_SIREN,
        fallback: true,
        what: "buyer agent",
    },
    SiretRule {
        assertion: &SIRET_FE_46,
        context: PAYER,
        siret: PARTY_SIRET,
        siren: PARTY_SIREN,
        fallback: true,
        what: "payer",
    },
    SiretRule {
        assertion: &SIRET_FE_69,
        context: SELLER_AGENT,
        siret: PARTY_SIRET,
        siren: PARTY_SIREN,
        fallback: true,
        what: "seller agent",
    },
    SiretRule {
        assertion: &SIRET_FE_92,
        context: INVOICEE,
        siret: PARTY_SIRET,
        siren: PARTY_SIREN,
        fallback: true,
        what: "invoicee",
    },
    SiretRule {
        assertion: &SIRET_FE_115,
        context: INVOICER,
        siret: PARTY_SIRET,
        siren: PARTY_SIREN,
        fallback: true,
        what: "invoicer",
    },
    SiretRule {
        assertion: &SIRET_BT_71,
        context: DELIVERY,
        siret: &[cac("DeliveryLocation"), cbc("ID")],
        siren: &[
            cac("DeliveryParty"),
            cac("PartyLegalEntity"),
            cbc("CompanyID"),
        ],
        fallback: true,
        what: "deliver-to location",
    },
    // As written in the file: the SIRET is looked up below the line's
    // DeliveryLocation itself, where UBL 2.1 has no DeliveryLocation.
    SiretRule {
        assertion: &SIRET_FE_146,
        context: LINE_DELIVERY_LOCATION,
        siret: &[cac("DeliveryLocation"), cbc("ID")],
        siren: &[
            cac("DeliveryParty"),
            cac("PartyLegalEntity"),
            cbc("CompanyID"),
        ],
        fallback: true,
        what: "line deliver-to location",
    },
];

/// The electronic addresses of BR-FR-23 (scheme 0225 format) and BR-FR-25 (length),
/// as `cbc:EndpointID` of these parties.
static ENDPOINTS: &[(Path, &Assertion, &Assertion, &str)] = &[
    (SELLER, &FMT_BT_34, &LEN_BT_34, "seller"),
    (BUYER, &FMT_BT_49, &LEN_BT_49, "buyer"),
    (BUYER_AGENT, &FMT_FE_12, &LEN_FE_12, "buyer agent"),
    (PAYEE, &FMT_FE_29, &LEN_FE_29, "payee"),
    (PAYER, &FMT_FE_52, &LEN_FE_52, "payer"),
    (SELLER_AGENT, &FMT_FE_75, &LEN_FE_75, "seller agent"),
    (INVOICEE, &FMT_FE_98, &LEN_FE_98, "invoicee"),
    (INVOICER, &FMT_FE_121, &LEN_FE_121, "invoicer"),
];

/// The parties of BR-FR-CO-10: relative patterns, except the deliver-to locations
/// that are anchored at the root and hold their identifiers as `cbc:ID` directly.
static SCHEME_PARTIES: &[(Path, bool, &Assertion, &Assertion, &str)] = &[
    (SELLER, false, &SCHEME_BT_29, &UNIQUE_BT_29, "seller"),
    (BUYER, false, &SCHEME_BT_46, &UNIQUE_BT_46, "buyer"),
    (PAYEE, false, &SCHEME_BT_60, &UNIQUE_BT_60, "payee"),
    (
        BUYER_AGENT,
        false,
        &SCHEME_FE_06,
        &UNIQUE_FE_06,
        "buyer agent",
    ),
    (PAYER, false, &SCHEME_FE_46, &UNIQUE_FE_46, "payer"),
    (
        SELLER_AGENT,
        false,
        &SCHEME_FE_69,
        &UNIQUE_FE_69,
        "seller agent",
    ),
    (INVOICEE, false, &SCHEME_FE_92, &UNIQUE_FE_92, "invoicee"),
    (INVOICER, false, &SCHEME_FE_115, &UNIQUE_FE_115, "invoicer"),
    (
        DELIVERY_LOCATION,
        true,
        &SCHEME_BT_71,
        &UNIQUE_BT_71,
        "deliver-to location",
    ),
    (
        LINE_DELIVERY_LOCATION,
        true,
        &SCHEME_FE_146,
        &UNIQUE_FE_146,
        "line deliver-to location",
    ),
];

/// The local names a `cac:` context of this file can end on, built once: every other
/// `cac:` element skips the context tests (a hash lookup instead of a name comparison
/// per context). A step named `InvoiceLine` also stands for `CreditNoteLine`.
fn context_ends() -> &'static FxHashSet<&'static str> {
    static ENDS: OnceLock<FxHashSet<&'static str>> = OnceLock::new();
    ENDS.get_or_init(|| {
        let last = |path: &'static [(Namespace, &'static str)]| {
            path.last().map_or("", |(_, local)| *local)
        };
        let mut ends: FxHashSet<&'static str> = SIRET_RULES
            .iter()
            .map(|rule| last(rule.context))
            .chain(SCHEME_PARTIES.iter().map(|(context, ..)| last(context)))
            .collect();
        ends.insert("PartyLegalEntity");
        if ends.contains("InvoiceLine") {
            ends.insert("CreditNoteLine");
        }
        ends
    })
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut FrSink<'_, '_>) {
    root_rules(doc, sink);
    let ends = context_ends();
    for node in doc.elements() {
        if node.namespace() == Namespace::CAC {
            if !ends.contains(node.local_name()) {
                continue;
            }
            for rule in SIRET_RULES {
                if doc.at(node, rule.context) {
                    siret(node, rule, sink);
                }
            }
            for (context, anchored, scheme, unique, what) in SCHEME_PARTIES {
                let here = if *anchored {
                    doc.at(node, context)
                } else {
                    ends_with(node, context)
                };
                if here {
                    let ids = if *anchored {
                        node.children_named(Namespace::CBC, "ID").collect()
                    } else {
                        node.all(&[cac("PartyIdentification"), cbc("ID")])
                    };
                    schemes(&ids, node, (scheme, unique), what, sink);
                }
            }
            if ends_with(
                node,
                &[
                    cac("AccountingSupplierParty"),
                    cac("Party"),
                    cac("PartyLegalEntity"),
                ],
            ) {
                let siren = with_scheme(node.all(&[cbc("CompanyID")]), "0002");
                let value = siren.first().map(|n| string_value(*n));
                let message = || {
                    format!(
                        "the seller legal registration identifier with scheme 0002 (SIREN) is {}; nine digits are required",
                        value
                            .as_ref()
                            .map_or("missing".to_string(), |v| format!("'{v}'"))
                    )
                };
                sink.check_with(
                    &SELLER_SIREN,
                    value.as_deref().is_some_and(siren_format),
                    node,
                    message,
                );
            }
        } else if node.is(Namespace::CBC, "EndpointID") {
            for (party, format, length_rule, what) in ENDPOINTS {
                if node.parent().is_some_and(|p| doc.at(p, party)) {
                    endpoint(node, (format, length_rule), what, sink);
                }
            }
        } else if node.is(Namespace::CBC, "CompanyID")
            && node.attr("schemeID") == Some("0002")
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::CAC, "PartyLegalEntity"))
        {
            let value = string_value(node);
            let message = || {
                format!(
                    "the legal registration identifier '{value}' has scheme 0002 (SIREN) but is not nine digits"
                )
            };
            sink.check_with(&LEGAL_ID, siren_format(&value), node, message);
        } else if node.is(Namespace::CBC, "ID")
            && matches!(node.attr("schemeID"), Some("0002" | "0231"))
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::CAC, "PartyIdentification"))
        {
            let value = string_value(node);
            sink.check_with(&PARTY_ID, siren_format(&value), node, || {
                format!(
                    "the party identifier '{value}' has scheme {} but is not nine digits",
                    node.attr("schemeID").unwrap_or_default()
                )
            });
        }
        if node.is(Namespace::CBC, "ID")
            && node.attr("schemeID") == Some("0224")
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::CAC, "PartyIdentification"))
        {
            routing_id(doc, node, sink);
        }
    }
}

/// The nodes of `nodes` whose `@schemeID` is `scheme`.
fn with_scheme<'d>(nodes: Vec<Node<'d>>, scheme: &str) -> Vec<Node<'d>> {
    nodes
        .into_iter()
        .filter(|n| n.attr("schemeID") == Some(scheme))
        .collect()
}

fn siret(party: Node<'_>, rule: &SiretRule, sink: &mut FrSink<'_, '_>) {
    let Some(siret) = with_scheme(party.all(rule.siret), "0009").first().copied() else {
        return;
    };
    let siret = string_value(siret);
    let sirens: Vec<_> = with_scheme(party.all(rule.siren), "0002")
        .into_iter()
        .map(|n| n.text())
        .collect();
    let derived = siret.chars().take(9).collect::<String>();
    let candidates: Vec<&str> = if rule.fallback && !sirens.iter().any(|s| nb(s)) {
        vec![derived.as_str()]
    } else {
        sirens
    };
    let message = || {
        format!(
            "the {} SIRET (scheme 0009) '{siret}' is not 14 digits starting with the party's SIREN{}",
            rule.what,
            if candidates.is_empty() {
                " (no SIREN with scheme 0002 is given)".to_string()
            } else {
                format!(" {candidates:?}")
            }
        )
    };
    sink.check_with(
        rule.assertion,
        siret_ok(&siret, &candidates),
        party,
        message,
    );
}

fn schemes(
    ids: &[Node<'_>],
    party: Node<'_>,
    (scheme, unique): (&'static Assertion, &'static Assertion),
    what: &str,
    sink: &mut FrSink<'_, '_>,
) {
    sink.check_with(
        scheme,
        ids.iter().all(|id| id.attr("schemeID").is_some()),
        party,
        || format!("an identifier of the {what} has no schemeID"),
    );
    let mut seen: Vec<&str> = ids.iter().filter_map(|id| id.attr("schemeID")).collect();
    let total = seen.len();
    seen.sort_unstable();
    seen.dedup();
    sink.check_with(unique, seen.len() == total, party, || {
        format!("the {what} has several identifiers with the same schemeID")
    });
}

fn endpoint(
    node: Node<'_>,
    (format, length_rule): (&'static Assertion, &'static Assertion),
    what: &str,
    sink: &mut FrSink<'_, '_>,
) {
    let value = string_value(node);
    if node.attr("schemeID") == Some("0225") {
        let message = || {
            format!(
                "the {what} electronic address '{value}' (scheme 0225) contains a character other than letters, digits, + - _ ."
            )
        };
        sink.check_with(format, schemefmt(&value), node, message);
    }
    sink.check_with(length_rule, length(&value) <= 125, node, || {
        format!(
            "the {what} electronic address is {} characters long; at most 125 are allowed",
            length(&value)
        )
    });
}

fn routing_id(doc: &Doc<'_>, node: Node<'_>, sink: &mut FrSink<'_, '_>) {
    let Some(party) = node.parent() else { return };
    let (format, length_rule, what) = if doc.at(
        party,
        &[
            cac("AccountingSupplierParty"),
            cac("Party"),
            cac("PartyIdentification"),
        ],
    ) {
        (&ROUTING_FMT_BT_29, &ROUTING_LEN_BT_29, "seller")
    } else if doc.at(
        party,
        &[
            cac("AccountingCustomerParty"),
            cac("Party"),
            cac("PartyIdentification"),
        ],
    ) {
        (&ROUTING_FMT_BT_46, &ROUTING_LEN_BT_46, "buyer")
    } else {
        return;
    };
    let value = string_value(node);
    let message = || {
        format!(
            "the {what} routing identifier '{value}' (scheme 0224) contains a character other than letters, digits, + - _ ."
        )
    };
    sink.check_with(format, schemefmt(&value), node, message);
    sink.check_with(length_rule, length(&value) <= 100, node, || {
        format!(
            "the {what} routing identifier is {} characters long; at most 100 are allowed",
            length(&value)
        )
    });
}

/// The rules anchored at the root: BR-FR-11, 12, 13, 21, 22 and BR-FR-CO-15.
fn root_rules<'d>(doc: &Doc<'d>, sink: &mut FrSink<'_, '_>) {
    let root = doc.root;
    let seller = doc.first(SELLER);
    let buyer = doc.first(BUYER);
    let legal_id = |party: Option<Node<'d>>| {
        party
            .map(|p| with_scheme(p.all(PARTY_SIREN), "0002"))
            .and_then(|ids| ids.first().map(|n| n.text()))
    };
    let endpoint =
        |party: Option<Node<'d>>| party.and_then(|p| p.child(Namespace::CBC, "EndpointID"));
    let (seller_siren, buyer_siren) = (legal_id(seller), legal_id(buyer));
    let (seller_endpoint, buyer_endpoint) = (endpoint(seller), endpoint(buyer));
    let b2b = doc.bar == "B2B";

    if b2b {
        let message = || {
            format!(
                "the invoice is B2B but the buyer SIREN (PartyLegalEntity/cbc:CompanyID, scheme 0002) is {}; nine digits are required",
                buyer_siren.map_or("missing".to_string(), |s| format!("'{s}'"))
            )
        };
        sink.check_with(
            &BUYER_SIREN,
            buyer_siren.is_some_and(siren_format),
            root,
            message,
        );
    }
    sink.check(
        &BUYER_ADDRESS,
        nb_node(buyer_endpoint),
        root,
        "the buyer electronic address (cbc:EndpointID) is missing or blank",
    );
    sink.check(
        &SELLER_ADDRESS,
        nb_node(seller_endpoint),
        root,
        "the seller electronic address (cbc:EndpointID) is missing or blank",
    );

    let self_billed = doc.type_in(SELFBILLED);
    if b2b && !self_billed {
        sink.check(
            &B2B_BUYER_ADDRESS,
            addressed_by_siren(buyer_endpoint, buyer_siren),
            root,
            "the invoice is B2B and not self-billed: the buyer electronic address must start with the buyer SIREN and have scheme 0225",
        );
    }
    if !doc.bar.is_empty() && self_billed {
        sink.check(
            &SELF_BILLED_SELLER_ADDRESS,
            addressed_by_siren(seller_endpoint, seller_siren),
            root,
            "the invoice is self-billed: the seller electronic address must start with the seller SIREN and have scheme 0225",
        );
    }

    let vat_group_member = !with_scheme(
        root.all(&[
            cac("AccountingSupplierParty"),
            cac("Party"),
            cac("PartyIdentification"),
            cbc("ID"),
        ]),
        "0231",
    )
    .is_empty();
    if vat_group_member {
        let scheme = root.first(&[cac("TaxRepresentativeParty"), cac("PartyTaxScheme")]);
        let vat_id = scheme.and_then(|s| s.child(Namespace::CBC, "CompanyID"));
        sink.check(
            &VAT_GROUP_REPRESENTATIVE,
            scheme.is_some() && vat_id.is_some_and(|v| !string_value(v).is_empty()),
            root,
            "the seller is a single VAT group member (scheme 0231): the tax representative (cac:TaxRepresentativeParty) with its VAT identifier is required",
        );
    }
}

/// `starts-with(endpoint, siren) and endpoint/@schemeID = '0225'`: true when the SIREN
/// is absent (only the scheme is then checked), false when the address is.
fn addressed_by_siren(endpoint: Option<Node<'_>>, siren: Option<&str>) -> bool {
    let address = endpoint.map_or("", |e| e.text());
    address.starts_with(siren.unwrap_or(""))
        && endpoint.and_then(|e| e.attr("schemeID")) == Some("0225")
}
