//! The Factur-X structural checks (rules-catalogue-profiles §3.7, Appendix B): one
//! context per absolute element path, each with child cardinalities (`FX-CARDINALITY`)
//! and checks on its leaf children: element or attribute not used by the profile
//! (`FX-NOT-USED`), attribute required (`FX-ATTRIBUTE`), value or attribute in one of
//! the profile's code lists (`FX-CODELIST`, exact string, empty passes).
//!
//! The tables are data ([`super::structure_table`], generated from the catalogue), so
//! this file only says how a path step matches and how each check is evaluated.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::structure_table as table;
use crate::ingest::profile::FacturX;
use crate::ingest::validate::Sink;
use crate::ingest::validate::codelists::CodeList;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::extended::syntax::{INCOTERMS, TAX_CODES};
use crate::xml::{Namespace, Node};

rules! {
    FX_CARDINALITY = "FX-CARDINALITY", Fatal, [], "An element occurs as often as the Factur-X profile allows";
    FX_NOT_USED = "FX-NOT-USED", Fatal, [], "An element or attribute the Factur-X profile does not use is absent";
    FX_ATTRIBUTE = "FX-ATTRIBUTE", Fatal, [], "An attribute the Factur-X profile requires is present";
}

/// The namespace of a path step.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ns {
    Rsm,
    Ram,
    Udt,
    Qdt,
}

impl Ns {
    fn namespace(self) -> Namespace {
        match self {
            Ns::Rsm => Namespace::RSM,
            Ns::Ram => Namespace::RAM,
            Ns::Udt => Namespace::UDT,
            Ns::Qdt => Namespace::QDT,
        }
    }
}

/// The predicates the Factur-X contexts use, all on the step's own node.
#[derive(Clone, Copy, Debug)]
pub(super) enum Pred {
    /// `[ChargeIndicator/Indicator="false"]` (string comparison).
    IndicatorFalse,
    IndicatorTrue,
    /// Neither `"false"` nor `"true"`.
    IndicatorNeither,
    /// `[ID/@schemeID="VA"]`.
    SchemeVa,
    SchemeFc,
    SchemeNeither,
    /// `[TypeCode="916"]`.
    Type916,
    Type50,
    Type130,
    TypeNeither,
    /// `[@currencyID=../../InvoiceCurrencyCode]`.
    CurrencyInvoice,
    CurrencyTax,
    CurrencyNeither,
    /// `[@currencyID=$STL/InvoiceCurrencyCode]` (line totals).
    HeaderCurrencyInvoice,
    HeaderCurrencyTax,
    HeaderCurrencyNeither,
    /// `[not(@listID)]`.
    NoListId,
    ListId5153,
    /// A listID other than 5153.
    ListIdOther,
}

/// One step of an absolute path, or a child name with its predicate.
#[derive(Debug)]
pub(super) struct Step {
    pub ns: Ns,
    pub local: &'static str,
    pub pred: Option<Pred>,
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Op {
    Exactly,
    AtMost,
    AtLeast,
}

/// `count(child) op n` on the context node.
#[derive(Debug)]
pub(super) struct Card {
    pub child: Step,
    pub op: Op,
    pub n: usize,
}

/// The checks on one leaf child of the context node.
#[derive(Debug)]
pub(super) struct Leaf {
    pub child: Step,
    /// The element itself is not used by the profile.
    pub not_used: bool,
    pub unused_attrs: &'static [&'static str],
    pub required_attrs: &'static [&'static str],
    /// The code list (number in the profile's codedb) of the value.
    pub value_list: Option<usize>,
    /// Attribute code lists.
    pub attr_lists: &'static [(&'static str, usize)],
}

/// One structural context: an absolute path and what holds there.
#[derive(Debug)]
pub(super) struct Context {
    pub path: &'static [Step],
    pub cards: &'static [Card],
    pub leaves: &'static [Leaf],
}

/// A profile code list, described from the EN lists where the catalogue does so.
pub(super) enum List {
    Values(&'static [&'static str]),
    /// An EN list with codes removed and added (e.g. ISO 4217 without STD, plus STN).
    Modified {
        base: &'static CodeList,
        without: &'static [&'static str],
        plus: &'static [&'static str],
    },
    /// UNCL 5153 without VAT (BR-FREXT-CL-20-TAX), and the same plus VAT.
    TaxCodes,
    TaxCodesWithVat,
    Incoterms,
    /// Integers written plainly in an inclusive range.
    Range(u32, u32),
}

impl List {
    /// Exact membership, no trimming (§3.2); the caller lets empty values pass.
    fn contains(&self, value: &str) -> bool {
        match self {
            List::Values(values) => values.contains(&value),
            List::Modified {
                base,
                without,
                plus,
            } => plus.contains(&value) || (base.contains(value) && !without.contains(&value)),
            List::TaxCodes => TAX_CODES.contains(&value),
            List::TaxCodesWithVat => value == "VAT" || TAX_CODES.contains(&value),
            List::Incoterms => INCOTERMS.contains(&value),
            List::Range(lo, hi) => {
                !value.starts_with(['+', '0'])
                    && value.parse::<u32>().is_ok_and(|v| (*lo..=*hi).contains(&v))
            }
        }
    }
}

fn tables(profile: FacturX) -> (&'static [Context], &'static [List]) {
    match profile {
        FacturX::BasicWl => (table::BASIC_WL, table::BASIC_WL_LISTS),
        FacturX::En16931 => (table::EN16931, table::EN16931_LISTS),
        FacturX::Extended => (table::EXTENDED, table::EXTENDED_LISTS),
    }
}

/// The contexts of a profile by the local name of their last step.
fn index(profile: FacturX) -> &'static HashMap<&'static str, Vec<&'static Context>> {
    static INDEX: [OnceLock<HashMap<&str, Vec<&Context>>>; 3] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = match profile {
        FacturX::BasicWl => 0,
        FacturX::En16931 => 1,
        FacturX::Extended => 2,
    };
    INDEX[slot].get_or_init(|| {
        let mut map: HashMap<&str, Vec<&Context>> = HashMap::new();
        for context in tables(profile).0 {
            if let Some(last) = context.path.last() {
                map.entry(last.local).or_default().push(context);
            }
        }
        map
    })
}

fn any_text<'d>(nodes: impl IntoIterator<Item = Node<'d>>, value: &str) -> bool {
    nodes.into_iter().any(|n| n.text() == value)
}

/// The header `$STL/ram:{local}` values.
fn header_codes<'d>(node: Node<'d>, local: &str) -> Vec<Node<'d>> {
    node.document().root().all(&[
        (Namespace::RSM, "SupplyChainTradeTransaction"),
        (Namespace::RAM, "ApplicableHeaderTradeSettlement"),
        (Namespace::RAM, local),
    ])
}

fn holds(pred: Pred, node: Node<'_>) -> bool {
    let indicator = |value| {
        any_text(
            node.all(&[
                (Namespace::RAM, "ChargeIndicator"),
                (Namespace::UDT, "Indicator"),
            ]),
            value,
        )
    };
    let scheme = |value| {
        node.children_named(Namespace::RAM, "ID")
            .any(|id| id.attr("schemeID") == Some(value))
    };
    let type_code = |value| any_text(node.children_named(Namespace::RAM, "TypeCode"), value);
    // `@currencyID = path`: existential, false when either side is empty.
    let currency = |codes: Vec<Node<'_>>| {
        node.attr("currencyID")
            .is_some_and(|c| codes.iter().any(|n| n.text() == c))
    };
    let relative = |local| {
        node.parent()
            .and_then(|p| p.parent())
            .map(|g| g.children_named(Namespace::RAM, local).collect())
            .unwrap_or_default()
    };
    match pred {
        Pred::IndicatorFalse => indicator("false"),
        Pred::IndicatorTrue => indicator("true"),
        Pred::IndicatorNeither => !indicator("false") && !indicator("true"),
        Pred::SchemeVa => scheme("VA"),
        Pred::SchemeFc => scheme("FC"),
        Pred::SchemeNeither => !scheme("VA") && !scheme("FC"),
        Pred::Type916 => type_code("916"),
        Pred::Type50 => type_code("50"),
        Pred::Type130 => type_code("130"),
        Pred::TypeNeither => !type_code("916") && !type_code("50") && !type_code("130"),
        Pred::CurrencyInvoice => currency(relative("InvoiceCurrencyCode")),
        Pred::CurrencyTax => currency(relative("TaxCurrencyCode")),
        Pred::CurrencyNeither => {
            !currency(relative("InvoiceCurrencyCode")) && !currency(relative("TaxCurrencyCode"))
        }
        Pred::HeaderCurrencyInvoice => currency(header_codes(node, "InvoiceCurrencyCode")),
        Pred::HeaderCurrencyTax => currency(header_codes(node, "TaxCurrencyCode")),
        Pred::HeaderCurrencyNeither => {
            !currency(header_codes(node, "InvoiceCurrencyCode"))
                && !currency(header_codes(node, "TaxCurrencyCode"))
        }
        Pred::NoListId => node.attr("listID").is_none(),
        Pred::ListId5153 => node.attr("listID") == Some("5153"),
        Pred::ListIdOther => node.attr("listID").is_some_and(|l| l != "5153"),
    }
}

fn matches(step: &Step, node: Node<'_>) -> bool {
    node.is(step.ns.namespace(), step.local) && step.pred.is_none_or(|p| holds(p, node))
}

/// The node's absolute path matches the context's steps.
fn at_path(context: &Context, node: Node<'_>) -> bool {
    let mut cur = Some(node);
    for step in context.path.iter().rev() {
        match cur {
            Some(n) if matches(step, n) => cur = n.parent(),
            _ => return false,
        }
    }
    cur.is_none()
}

/// Runs the structural checks of `profile` on every element of the document.
pub(super) fn check(root: Node<'_>, profile: FacturX, sink: &mut Sink<'_>) {
    let index = index(profile);
    let lists = tables(profile).1;
    for node in root.document().elements() {
        let Some(candidates) = index.get(node.local_name()) else {
            continue;
        };
        // Contexts are disjoint; where variants overlap, the first one wins.
        let Some(context) = candidates.iter().find(|c| at_path(c, node)) else {
            continue;
        };
        for card in context.cards {
            let count = node.children().filter(|c| matches(&card.child, *c)).count();
            let ok = match card.op {
                Op::Exactly => count == card.n,
                Op::AtMost => count <= card.n,
                Op::AtLeast => count >= card.n,
            };
            if !ok {
                let bound = match card.op {
                    Op::Exactly => "exactly",
                    Op::AtMost => "at most",
                    Op::AtLeast => "at least",
                };
                sink.fail(
                    &FX_CARDINALITY,
                    node,
                    format!(
                        "ram:{} must occur {bound} {} time(s) here in this Factur-X profile (found {count})",
                        card.child.local, card.n
                    ),
                );
            }
        }
        for child in node.children() {
            if let Some(leaf) = context.leaves.iter().find(|l| matches(&l.child, child)) {
                check_leaf(leaf, child, lists, sink);
            }
        }
    }
}

fn check_leaf(leaf: &Leaf, node: Node<'_>, lists: &[List], sink: &mut Sink<'_>) {
    let name = node.local_name();
    if leaf.not_used {
        sink.fail(
            &FX_NOT_USED,
            node,
            format!("{name} is marked as not used in this Factur-X profile"),
        );
    }
    for attr in leaf.unused_attrs {
        if node.attr(attr).is_some() {
            sink.fail(
                &FX_NOT_USED,
                node,
                format!(
                    "attribute @{attr} of {name} is marked as not used in this Factur-X profile"
                ),
            );
        }
    }
    for attr in leaf.required_attrs {
        if node.attr(attr).is_none() {
            sink.fail(
                &FX_ATTRIBUTE,
                node,
                format!("attribute @{attr} is required on {name} in this Factur-X profile"),
            );
        }
    }
    let in_list = |n: usize, value: &str| {
        value.is_empty()
            || n.checked_sub(1)
                .and_then(|i| lists.get(i))
                .is_none_or(|l| l.contains(value))
    };
    // Code list 1 is BT-24's: `super::bt24` reports it with the profile named.
    if let Some(n) = leaf.value_list.filter(|n| *n != 1) {
        let value = crate::ingest::validate::xpath::string_value(node);
        if !in_list(n, &value) {
            sink.fail(&super::rules::FX_CODELIST, node, format!("value of {name} '{value}' is not allowed in this Factur-X profile (code list {n})"));
        }
    }
    for (attr, n) in leaf.attr_lists {
        if let Some(value) = node.attr(attr)
            && !in_list(*n, value)
        {
            sink.fail(
                &super::rules::FX_CODELIST,
                node,
                format!("value of @{attr} '{value}' on {name} is not allowed in this Factur-X profile (code list {n})"),
            );
        }
    }
}
