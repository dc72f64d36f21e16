//! VAT category families BR-S, BR-Z, BR-E, BR-AE, BR-IC, BR-G, BR-O, BR-AF (IGIC),
//! BR-AG (IPSI) and BR-B (split payment), CII binding.
//!
//! As in UBL, a table of [`FAMILIES`] drives the nine category families; [`facts`]
//! walks the document once, [`checks`] evaluates the rules. The CII binding differs
//! in where it anchors the rules: the -02 … -07 rules fire per offending line,
//! allowance or charge tax, and the breakdown rules sit on the header tax's
//! `ram:CategoryCode` (S, Z, AE, E, G, K) or on the header tax itself (L, M, O, whose
//! nodes the model pattern's generic header-tax rules then never see).

mod checks;
mod facts;
#[cfg(test)]
mod tests;

use super::Doc;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::{Rule, Sink};

rules! {
    BR_S_01 = "BR-S-01", Fatal, ["BG-23", "BT-118"], "Standard rated lines, allowances or charges need at least one standard rated VAT breakdown";
    BR_S_02 = "BR-S-02", Fatal, ["BT-31", "BT-63", "BT-48"], "A standard rated line needs the seller VAT identifier or tax representative VAT identifier";
    BR_S_03 = "BR-S-03", Fatal, ["BT-31", "BT-63", "BT-48"], "A standard rated document allowance needs the seller VAT identifier or tax representative VAT identifier";
    BR_S_04 = "BR-S-04", Fatal, ["BT-31", "BT-63", "BT-48"], "A standard rated document charge needs the seller VAT identifier or tax representative VAT identifier";
    BR_S_05 = "BR-S-05", Fatal, ["BT-152"], "A standard rated line has a VAT rate greater than zero";
    BR_S_06 = "BR-S-06", Fatal, ["BT-96"], "A standard rated document allowance has a VAT rate greater than zero";
    BR_S_07 = "BR-S-07", Fatal, ["BT-103"], "A standard rated document charge has a VAT rate greater than zero";
    BR_S_08 = "BR-S-08", Fatal, ["BT-116"], "Per rate, the standard rated taxable amount = Σ lines + Σ charges − Σ allowances at that rate, each sum rounded to two decimals";
    BR_S_09 = "BR-S-09", Fatal, ["BT-117"], "The standard rated VAT amount = taxable amount × rate (±1)";
    BR_S_10 = "BR-S-10", Fatal, ["BT-120", "BT-121"], "A standard rated breakdown has no VAT exemption reason";
    BR_Z_01 = "BR-Z-01", Fatal, ["BG-23", "BT-118"], "Zero rated lines, allowances or charges need exactly one zero rated VAT breakdown";
    BR_Z_02 = "BR-Z-02", Fatal, ["BT-31", "BT-63", "BT-48"], "A zero rated line needs the seller VAT identifier or tax representative VAT identifier";
    BR_Z_03 = "BR-Z-03", Fatal, ["BT-31", "BT-63", "BT-48"], "A zero rated document allowance needs the seller VAT identifier or tax representative VAT identifier";
    BR_Z_04 = "BR-Z-04", Fatal, ["BT-31", "BT-63", "BT-48"], "A zero rated document charge needs the seller VAT identifier or tax representative VAT identifier";
    BR_Z_05 = "BR-Z-05", Fatal, ["BT-152"], "A zero rated line has a VAT rate of 0";
    BR_Z_06 = "BR-Z-06", Fatal, ["BT-96"], "A zero rated document allowance has a VAT rate of 0";
    BR_Z_07 = "BR-Z-07", Fatal, ["BT-103"], "A zero rated document charge has a VAT rate of 0";
    BR_Z_08 = "BR-Z-08", Fatal, ["BT-116"], "The zero rated taxable amount = Σ lines + Σ charges − Σ allowances in that category (±1)";
    BR_Z_09 = "BR-Z-09", Fatal, ["BT-117"], "The zero rated VAT amount is 0";
    BR_Z_10 = "BR-Z-10", Fatal, ["BT-120", "BT-121"], "A zero rated breakdown has no VAT exemption reason";
    BR_E_01 = "BR-E-01", Fatal, ["BG-23", "BT-118"], "Exempt lines, allowances or charges need exactly one exempt VAT breakdown";
    BR_E_02 = "BR-E-02", Fatal, ["BT-31", "BT-63", "BT-48"], "An exempt line needs the seller VAT identifier or tax representative VAT identifier";
    BR_E_03 = "BR-E-03", Fatal, ["BT-31", "BT-63", "BT-48"], "An exempt document allowance needs the seller VAT identifier or tax representative VAT identifier";
    BR_E_04 = "BR-E-04", Fatal, ["BT-31", "BT-63", "BT-48"], "An exempt document charge needs the seller VAT identifier or tax representative VAT identifier";
    BR_E_05 = "BR-E-05", Fatal, ["BT-152"], "An exempt line has a VAT rate of 0";
    BR_E_06 = "BR-E-06", Fatal, ["BT-96"], "An exempt document allowance has a VAT rate of 0";
    BR_E_07 = "BR-E-07", Fatal, ["BT-103"], "An exempt document charge has a VAT rate of 0";
    BR_E_08 = "BR-E-08", Fatal, ["BT-116"], "The exempt taxable amount = Σ lines + Σ charges − Σ allowances in that category (±1)";
    BR_E_09 = "BR-E-09", Fatal, ["BT-117"], "The exempt VAT amount is 0";
    BR_E_10 = "BR-E-10", Fatal, ["BT-120", "BT-121"], "An exempt breakdown has a VAT exemption reason text or code";
    BR_AE_01 = "BR-AE-01", Fatal, ["BG-23", "BT-118"], "Reverse charge lines, allowances or charges need exactly one reverse charge VAT breakdown";
    BR_AE_02 = "BR-AE-02", Fatal, ["BT-31", "BT-63", "BT-48"], "A reverse charge line needs seller (or tax representative) and buyer identifiers";
    BR_AE_03 = "BR-AE-03", Fatal, ["BT-31", "BT-63", "BT-48"], "A reverse charge document allowance needs seller (or tax representative) and buyer identifiers";
    BR_AE_04 = "BR-AE-04", Fatal, ["BT-31", "BT-63", "BT-48"], "A reverse charge document charge needs seller (or tax representative) and buyer identifiers";
    BR_AE_05 = "BR-AE-05", Fatal, ["BT-152"], "A reverse charge line has a VAT rate of 0";
    BR_AE_06 = "BR-AE-06", Fatal, ["BT-96"], "A reverse charge document allowance has a VAT rate of 0";
    BR_AE_07 = "BR-AE-07", Fatal, ["BT-103"], "A reverse charge document charge has a VAT rate of 0";
    BR_AE_08 = "BR-AE-08", Fatal, ["BT-116"], "The reverse charge taxable amount = Σ lines + Σ charges − Σ allowances in that category (±1)";
    BR_AE_09 = "BR-AE-09", Fatal, ["BT-117"], "The reverse charge VAT amount is 0";
    BR_AE_10 = "BR-AE-10", Fatal, ["BT-120", "BT-121"], "A reverse charge breakdown has a VAT exemption reason text or code";
    BR_IC_01 = "BR-IC-01", Fatal, ["BG-23", "BT-118"], "Intra-community lines, allowances or charges need exactly one intra-community VAT breakdown";
    BR_IC_02 = "BR-IC-02", Fatal, ["BT-31", "BT-63", "BT-48"], "An intra-community line needs the seller (or tax representative) and buyer VAT identifiers";
    BR_IC_03 = "BR-IC-03", Fatal, ["BT-31", "BT-63", "BT-48"], "An intra-community document allowance needs the seller (or tax representative) and buyer VAT identifiers";
    BR_IC_04 = "BR-IC-04", Fatal, ["BT-31", "BT-63", "BT-48"], "An intra-community document charge needs the seller (or tax representative) and buyer VAT identifiers";
    BR_IC_05 = "BR-IC-05", Fatal, ["BT-152"], "An intra-community line has a VAT rate of 0";
    BR_IC_06 = "BR-IC-06", Fatal, ["BT-96"], "An intra-community document allowance has a VAT rate of 0";
    BR_IC_07 = "BR-IC-07", Fatal, ["BT-103"], "An intra-community document charge has a VAT rate of 0";
    BR_IC_08 = "BR-IC-08", Fatal, ["BT-116"], "The intra-community taxable amount = Σ lines + Σ charges − Σ allowances in that category (±1)";
    BR_IC_09 = "BR-IC-09", Fatal, ["BT-117"], "The intra-community VAT amount is 0";
    BR_IC_10 = "BR-IC-10", Fatal, ["BT-120", "BT-121"], "An intra-community breakdown has a VAT exemption reason text or code";
    BR_IC_11 = "BR-IC-11", Fatal, ["BT-72", "BG-14"], "An intra-community invoice has an actual delivery date or an invoicing period";
    BR_IC_12 = "BR-IC-12", Fatal, ["BT-80"], "An intra-community invoice has a deliver-to country code";
    BR_G_01 = "BR-G-01", Fatal, ["BG-23", "BT-118"], "Export lines, allowances or charges need exactly one export VAT breakdown";
    BR_G_02 = "BR-G-02", Fatal, ["BT-31", "BT-63", "BT-48"], "An export line needs the seller VAT identifier or tax representative VAT identifier";
    BR_G_03 = "BR-G-03", Fatal, ["BT-31", "BT-63", "BT-48"], "An export document allowance needs the seller VAT identifier or tax representative VAT identifier";
    BR_G_04 = "BR-G-04", Fatal, ["BT-31", "BT-63", "BT-48"], "An export document charge needs the seller VAT identifier or tax representative VAT identifier";
    BR_G_05 = "BR-G-05", Fatal, ["BT-152"], "An export line has a VAT rate of 0";
    BR_G_06 = "BR-G-06", Fatal, ["BT-96"], "An export document allowance has a VAT rate of 0";
    BR_G_07 = "BR-G-07", Fatal, ["BT-103"], "An export document charge has a VAT rate of 0";
    BR_G_08 = "BR-G-08", Fatal, ["BT-116"], "The export taxable amount = Σ lines + Σ charges − Σ allowances in that category (±1)";
    BR_G_09 = "BR-G-09", Fatal, ["BT-117"], "The export VAT amount is 0";
    BR_G_10 = "BR-G-10", Fatal, ["BT-120", "BT-121"], "An export breakdown has a VAT exemption reason text or code";
    BR_O_01 = "BR-O-01", Fatal, ["BG-23", "BT-118"], "Lines, allowances or charges not subject to VAT need exactly one 'not subject to VAT' breakdown";
    BR_O_02 = "BR-O-02", Fatal, ["BT-31", "BT-63", "BT-48"], "A line not subject to VAT excludes seller, tax representative and buyer VAT identifiers";
    BR_O_03 = "BR-O-03", Fatal, ["BT-31", "BT-63", "BT-48"], "A document allowance not subject to VAT excludes seller, tax representative and buyer VAT identifiers";
    BR_O_04 = "BR-O-04", Fatal, ["BT-31", "BT-63", "BT-48"], "A document charge not subject to VAT excludes seller, tax representative and buyer VAT identifiers";
    BR_O_05 = "BR-O-05", Fatal, ["BT-152"], "A line not subject to VAT has no VAT rate";
    BR_O_06 = "BR-O-06", Fatal, ["BT-96"], "A document allowance not subject to VAT has no VAT rate";
    BR_O_07 = "BR-O-07", Fatal, ["BT-103"], "A document charge not subject to VAT has no VAT rate";
    BR_O_08 = "BR-O-08", Fatal, ["BT-116"], "The 'not subject to VAT' taxable amount = Σ lines + Σ charges − Σ allowances in that category, each sum rounded to two decimals";
    BR_O_09 = "BR-O-09", Fatal, ["BT-117"], "The 'not subject to VAT' VAT amount is 0";
    BR_O_10 = "BR-O-10", Fatal, ["BT-120", "BT-121"], "A 'not subject to VAT' breakdown has a VAT exemption reason text or code";
    BR_O_11 = "BR-O-11", Fatal, ["BG-23"], "A 'not subject to VAT' breakdown excludes any other VAT breakdown";
    BR_O_12 = "BR-O-12", Fatal, ["BT-151"], "A 'not subject to VAT' breakdown excludes lines of another VAT category";
    BR_O_13 = "BR-O-13", Fatal, ["BT-95"], "A 'not subject to VAT' breakdown excludes document allowances of another VAT category";
    BR_O_14 = "BR-O-14", Fatal, ["BT-102"], "A 'not subject to VAT' breakdown excludes document charges of another VAT category";
    BR_AF_01 = "BR-AF-01", Fatal, ["BG-23", "BT-118"], "IGIC lines, allowances or charges need at least one IGIC VAT breakdown";
    BR_AF_02 = "BR-AF-02", Fatal, ["BT-31", "BT-63", "BT-48"], "An IGIC line needs the seller VAT identifier or tax representative VAT identifier";
    BR_AF_03 = "BR-AF-03", Fatal, ["BT-31", "BT-63", "BT-48"], "An IGIC document allowance needs the seller VAT identifier or tax representative VAT identifier";
    BR_AF_04 = "BR-AF-04", Fatal, ["BT-31", "BT-63", "BT-48"], "An IGIC document charge needs the seller VAT identifier or tax representative VAT identifier";
    BR_AF_05 = "BR-AF-05", Fatal, ["BT-152"], "An IGIC line has a VAT rate greater than 0";
    BR_AF_06 = "BR-AF-06", Fatal, ["BT-96"], "An IGIC document allowance has a VAT rate greater than 0";
    BR_AF_07 = "BR-AF-07", Fatal, ["BT-103"], "An IGIC document charge has a VAT rate greater than 0";
    BR_AF_08 = "BR-AF-08", Fatal, ["BT-116"], "Per rate, the IGIC taxable amount = Σ lines + Σ charges − Σ allowances at that rate (never fails in CII)";
    BR_AF_09 = "BR-AF-09", Fatal, ["BT-117"], "The IGIC VAT amount = taxable amount × rate (never fails in CII)";
    BR_AF_10 = "BR-AF-10", Fatal, ["BT-120", "BT-121"], "An IGIC breakdown has no VAT exemption reason";
    BR_AG_01 = "BR-AG-01", Fatal, ["BG-23", "BT-118"], "IPSI lines, allowances or charges need at least one IPSI VAT breakdown";
    BR_AG_02 = "BR-AG-02", Fatal, ["BT-31", "BT-63", "BT-48"], "An IPSI line needs the seller VAT identifier or tax representative VAT identifier";
    BR_AG_03 = "BR-AG-03", Fatal, ["BT-31", "BT-63", "BT-48"], "An IPSI document allowance needs the seller VAT identifier or tax representative VAT identifier";
    BR_AG_04 = "BR-AG-04", Fatal, ["BT-31", "BT-63", "BT-48"], "An IPSI document charge needs the seller VAT identifier or tax representative VAT identifier";
    BR_AG_05 = "BR-AG-05", Fatal, ["BT-152"], "An IPSI line has a VAT rate of 0 or more";
    BR_AG_06 = "BR-AG-06", Fatal, ["BT-96"], "An IPSI document allowance has a VAT rate of 0 or more";
    BR_AG_07 = "BR-AG-07", Fatal, ["BT-103"], "An IPSI document charge has a VAT rate of 0 or more";
    BR_AG_08 = "BR-AG-08", Fatal, ["BT-116"], "Per rate, the IPSI taxable amount = Σ lines + Σ charges − Σ allowances at that rate (never fails in CII)";
    BR_AG_09 = "BR-AG-09", Fatal, ["BT-117"], "The IPSI VAT amount = taxable amount × rate (never fails in CII)";
    BR_AG_10 = "BR-AG-10", Fatal, ["BT-120", "BT-121"], "An IPSI breakdown has no VAT exemption reason";
    BR_B_01 = "BR-B-01", Fatal, ["BT-151", "BT-95", "BT-102"], "An invoice using split payment is a domestic Italian invoice";
    BR_B_02 = "BR-B-02", Fatal, ["BT-151", "BT-95", "BT-102"], "An invoice using split payment has no standard rated line, allowance or charge";
}

/// How rule -01 ties line, allowance/charge and header taxes of a category together
/// (all counted on `ram:CategoryCode` alone, whatever the tax type code).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    /// S, L, M: lines (resp. allowances/charges) of the category, if any, plus the
    /// header taxes number at least two; so two such lines pass without a breakdown.
    AtLeastTwo,
    /// Z, E, AE, K, G: the category is used nowhere, or exactly one header tax has it
    /// and some line or allowance/charge does.
    ExactlyOne,
    /// O: no header tax has it, or exactly one does and some line or allowance/charge
    /// does ('O' lines without an 'O' breakdown pass).
    AtMostOne,
}

/// Which party identifiers rules -02 to -04 require (or forbid).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parties {
    /// Seller tax registration with scheme VA or FC, or tax representative VA.
    Seller,
    /// `Seller`, and buyer VA registration or buyer legal organisation id (AE).
    SellerAndBuyer,
    /// Seller VA or tax representative VA (G).
    SellerVat,
    /// `SellerVat`, and buyer VA (K).
    SellerVatAndBuyerVat,
    /// No seller, tax representative or buyer VA registration (O).
    NoVatIds,
}

/// What rules -05 to -07 require of `ram:RateApplicablePercent`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RateRule {
    Positive,
    NonNegative,
    Zero,
    Absent,
}

/// How rules -08 and -09 check the breakdown amounts. The sums are always
/// r2(Σ lines) + r2(Σ charges) − r2(Σ allowances).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Amounts {
    /// S: per rate, basis equal to the sums exactly; tax = basis × rate within ±1.
    PerRate,
    /// Z, E, AE, K, G: basis within ±1 (strict) of the category sums; tax 0.
    WithinOne,
    /// O: basis equal to the category sums exactly; tax 0.
    Exact,
    /// L, M: both rules are `true()` in effect (their rate loop reads a node that
    /// does not exist).
    Never,
}

/// Where the breakdown rules -08 … -10 of a family are anchored.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Anchor {
    /// `//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode[. = 'X']`.
    Code,
    /// `$HTT/ram:CategoryCode[. = 'X'][upper-case(../ram:TypeCode) = 'VAT']`.
    VatCode,
    /// `$HTT[ram:CategoryCode = 'X'][VAT]`: the header tax itself.
    Tax,
}

/// One VAT category family.
struct Family {
    code: &'static str,
    name: &'static str,
    /// Rules -01 … -10, in order.
    rules: [&'static Rule; 10],
    presence: Presence,
    parties: Parties,
    rate: RateRule,
    amounts: Amounts,
    anchor: Anchor,
    /// Rule -10 requires an exemption reason (true) or forbids one (false).
    exemption_required: bool,
}

/// In the order of the official model pattern, so that a node carrying two category
/// codes is taken by the first family only, as first-match-wins does.
static FAMILIES: [Family; 9] = [
    Family {
        code: "AE",
        name: "reverse charge",
        rules: [
            &BR_AE_01, &BR_AE_02, &BR_AE_03, &BR_AE_04, &BR_AE_05, &BR_AE_06, &BR_AE_07, &BR_AE_08,
            &BR_AE_09, &BR_AE_10,
        ],
        presence: Presence::ExactlyOne,
        parties: Parties::SellerAndBuyer,
        rate: RateRule::Zero,
        amounts: Amounts::WithinOne,
        anchor: Anchor::VatCode,
        exemption_required: true,
    },
    Family {
        code: "L",
        name: "IGIC",
        rules: [
            &BR_AF_01, &BR_AF_02, &BR_AF_03, &BR_AF_04, &BR_AF_05, &BR_AF_06, &BR_AF_07, &BR_AF_08,
            &BR_AF_09, &BR_AF_10,
        ],
        presence: Presence::AtLeastTwo,
        parties: Parties::Seller,
        rate: RateRule::Positive,
        amounts: Amounts::Never,
        anchor: Anchor::Tax,
        exemption_required: false,
    },
    Family {
        code: "M",
        name: "IPSI",
        rules: [
            &BR_AG_01, &BR_AG_02, &BR_AG_03, &BR_AG_04, &BR_AG_05, &BR_AG_06, &BR_AG_07, &BR_AG_08,
            &BR_AG_09, &BR_AG_10,
        ],
        presence: Presence::AtLeastTwo,
        parties: Parties::Seller,
        rate: RateRule::NonNegative,
        amounts: Amounts::Never,
        anchor: Anchor::Tax,
        exemption_required: false,
    },
    Family {
        code: "E",
        name: "exempt from VAT",
        rules: [
            &BR_E_01, &BR_E_02, &BR_E_03, &BR_E_04, &BR_E_05, &BR_E_06, &BR_E_07, &BR_E_08,
            &BR_E_09, &BR_E_10,
        ],
        presence: Presence::ExactlyOne,
        parties: Parties::Seller,
        rate: RateRule::Zero,
        amounts: Amounts::WithinOne,
        anchor: Anchor::VatCode,
        exemption_required: true,
    },
    Family {
        code: "G",
        name: "export outside the EU",
        rules: [
            &BR_G_01, &BR_G_02, &BR_G_03, &BR_G_04, &BR_G_05, &BR_G_06, &BR_G_07, &BR_G_08,
            &BR_G_09, &BR_G_10,
        ],
        presence: Presence::ExactlyOne,
        parties: Parties::SellerVat,
        rate: RateRule::Zero,
        amounts: Amounts::WithinOne,
        anchor: Anchor::VatCode,
        exemption_required: true,
    },
    Family {
        code: "K",
        name: "intra-community supply",
        rules: [
            &BR_IC_01, &BR_IC_02, &BR_IC_03, &BR_IC_04, &BR_IC_05, &BR_IC_06, &BR_IC_07, &BR_IC_08,
            &BR_IC_09, &BR_IC_10,
        ],
        presence: Presence::ExactlyOne,
        parties: Parties::SellerVatAndBuyerVat,
        rate: RateRule::Zero,
        amounts: Amounts::WithinOne,
        anchor: Anchor::VatCode,
        exemption_required: true,
    },
    Family {
        code: "O",
        name: "not subject to VAT",
        rules: [
            &BR_O_01, &BR_O_02, &BR_O_03, &BR_O_04, &BR_O_05, &BR_O_06, &BR_O_07, &BR_O_08,
            &BR_O_09, &BR_O_10,
        ],
        presence: Presence::AtMostOne,
        parties: Parties::NoVatIds,
        rate: RateRule::Absent,
        amounts: Amounts::Exact,
        anchor: Anchor::Tax,
        exemption_required: true,
    },
    Family {
        code: "S",
        name: "standard rated",
        rules: [
            &BR_S_01, &BR_S_02, &BR_S_03, &BR_S_04, &BR_S_05, &BR_S_06, &BR_S_07, &BR_S_08,
            &BR_S_09, &BR_S_10,
        ],
        presence: Presence::AtLeastTwo,
        parties: Parties::Seller,
        rate: RateRule::Positive,
        amounts: Amounts::PerRate,
        anchor: Anchor::Code,
        exemption_required: false,
    },
    Family {
        code: "Z",
        name: "zero rated",
        rules: [
            &BR_Z_01, &BR_Z_02, &BR_Z_03, &BR_Z_04, &BR_Z_05, &BR_Z_06, &BR_Z_07, &BR_Z_08,
            &BR_Z_09, &BR_Z_10,
        ],
        presence: Presence::ExactlyOne,
        parties: Parties::Seller,
        rate: RateRule::Zero,
        amounts: Amounts::WithinOne,
        anchor: Anchor::Code,
        exemption_required: false,
    },
];

/// Whose contexts the node-anchored rules (-02 … -10, BR-O-11 … 14, BR-IC-11/12)
/// follow. The Factur-X stylesheets keep the EN tests but put each rule group in its
/// own pattern, drop the `[upper-case(ram:TypeCode) = 'VAT']` filters and compare
/// charge indicators as strings (rules-catalogue-profiles §3.3 a, b).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Reading {
    En16931,
    FacturX,
}

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    let facts = facts::Facts::gather(doc, Reading::En16931);
    checks::document(doc, &facts, sink);
    checks::nodes(doc, &facts, Reading::En16931, sink);
}

/// The node-anchored rules in the Factur-X reading; the document rules (-01, BR-B)
/// are the EN ones and come from [`check`].
pub(super) fn check_facturx_nodes(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    let facts = facts::Facts::gather(doc, Reading::FacturX);
    checks::nodes(doc, &facts, Reading::FacturX, sink);
}

/// The ids [`checks::nodes`] reports: every family rule but -01, and BR-O-11 … 14,
/// BR-IC-11/12.
pub(crate) fn is_node_rule(id: &str) -> bool {
    FAMILIES
        .iter()
        .any(|f| f.rules[1..].iter().any(|r| r.id == id))
        || [&BR_O_11, &BR_O_12, &BR_O_13, &BR_O_14, &BR_IC_11, &BR_IC_12]
            .iter()
            .any(|r| r.id == id)
}
