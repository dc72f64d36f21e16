//! Calculation and conditional rules BR-CO-* (CII). Where the official CII rules sum
//! untyped values (computed as `xs:double` there) facteur sums exact decimals: the
//! results agree for amounts with at most two decimals and fewer than 15 significant
//! digits, and never produce a binary rounding artefact. The conditional rules
//! (BR-CO-03…09, BR-CO-18…26) are presence and consistency checks on the same walk.

use rust_decimal::Decimal;

use super::{Doc, charge_indicator, is_header_breakdown, is_vat, ram, shadowed_header_tax};
use crate::ingest::validate::Sink;
use crate::ingest::validate::en16931::{AllowanceCharge, rules};
use crate::ingest::validate::xpath::{amount, boolean, r2, round_half_up, sum};
use crate::xml::{Namespace, Node};

rules! {
    BR_CO_03 = "BR-CO-03", Fatal, ["BT-7", "BT-8"], "Value added tax point date and value added tax point date code are mutually exclusive";
    BR_CO_04 = "BR-CO-04", Fatal, ["BT-151"], "Each invoice line shall be categorized with an invoiced item VAT category code";
    BR_CO_05 = "BR-CO-05", Fatal, ["BT-97", "BT-98"], "Document level allowance reason code and reason shall indicate the same type of allowance";
    BR_CO_06 = "BR-CO-06", Fatal, ["BT-104", "BT-105"], "Document level charge reason code and reason shall indicate the same type of charge";
    BR_CO_07 = "BR-CO-07", Fatal, ["BT-139", "BT-140"], "Invoice line allowance reason code and reason shall indicate the same type of allowance";
    BR_CO_08 = "BR-CO-08", Fatal, ["BT-144", "BT-145"], "Invoice line charge reason code and reason shall indicate the same type of charge";
    BR_CO_09 = "BR-CO-09", Fatal, ["BT-31", "BT-48", "BT-63"], "VAT identifiers shall have a country prefix";
    BR_CO_10 = "BR-CO-10", Fatal, ["BT-106", "BT-131"], "Sum of invoice line net amounts = Σ invoice line net amounts";
    BR_CO_11 = "BR-CO-11", Fatal, ["BT-107", "BT-92"], "Sum of allowances on document level = Σ document level allowance amounts";
    BR_CO_12 = "BR-CO-12", Fatal, ["BT-108", "BT-99"], "Sum of charges on document level = Σ document level charge amounts";
    BR_CO_13 = "BR-CO-13", Fatal, ["BT-109"], "Total without VAT = Σ line net amounts − allowances + charges";
    BR_CO_14 = "BR-CO-14", Fatal, ["BT-110", "BT-117"], "Invoice total VAT amount = Σ VAT category tax amounts";
    BR_CO_15 = "BR-CO-15", Fatal, ["BT-112", "BT-109", "BT-110"], "Total with VAT = total without VAT + total VAT amount";
    BR_CO_16 = "BR-CO-16", Fatal, ["BT-115"], "Amount due = total with VAT − paid amount + rounding amount";
    BR_CO_17 = "BR-CO-17", Fatal, ["BT-117", "BT-116", "BT-119"], "VAT category tax amount = taxable amount × rate / 100, rounded to two decimals";
    BR_CO_18 = "BR-CO-18", Fatal, ["BG-23"], "An invoice shall at least have one VAT breakdown group";
    BR_CO_19 = "BR-CO-19", Fatal, ["BG-14"], "If the invoicing period is used, its start date or end date shall be filled, or both";
    BR_CO_20 = "BR-CO-20", Fatal, ["BG-26"], "If the invoice line period is used, its start date or end date shall be filled, or both";
    BR_CO_21 = "BR-CO-21", Fatal, ["BT-97", "BT-98"], "Each document level allowance shall contain a reason or a reason code, or both";
    BR_CO_22 = "BR-CO-22", Fatal, ["BT-104", "BT-105"], "Each document level charge shall contain a reason or a reason code, or both";
    BR_CO_23 = "BR-CO-23", Fatal, ["BT-139", "BT-140"], "Each invoice line allowance shall contain a reason or a reason code, or both";
    BR_CO_24 = "BR-CO-24", Fatal, ["BT-144", "BT-145"], "Each invoice line charge shall contain a reason or a reason code, or both";
    BR_CO_26 = "BR-CO-26", Fatal, ["BT-29", "BT-30", "BT-31"], "The seller identifier, global identifier, legal registration identifier or VAT identifier shall be present";
}

/// BR-CO-09 prefixes: two-letter tokens, matched whole (the official test pads both
/// the list and the prefix with spaces). The CII list has `AN` where UBL has `SS`.
const VAT_PREFIXES: &[&str] = &[
    "1A", "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AN", "AO", "AQ", "AR", "AS", "AT", "AU", "AW",
    "AX", "AZ", "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ",
    "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL",
    "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ",
    "EC", "EE", "EG", "EH", "EL", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB",
    "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW",
    "GY", "HK", "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS",
    "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ",
    "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF",
    "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX",
    "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA",
    "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO",
    "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN",
    "SO", "SR", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM",
    "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE",
    "VG", "VI", "VN", "VU", "WF", "WS", "XI", "YE", "YT", "ZA", "ZM", "ZW",
];

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    br_co_15(doc, sink);
    let facts = Facts::gather(doc);
    for node in doc.elements() {
        if let Some(context) = charge_indicator(node) {
            br_co_21_to_24(context, node, sink);
            continue;
        }
        if is_header_breakdown(node) {
            sink.check(
                &BR_CO_03,
                !(facts.tax_point_date && facts.due_date_type_code),
                node,
                "both a VAT point date (ram:TaxPointDate) and a VAT point date code (ram:DueDateTypeCode) are given: use only one",
            );
        }
        if node.namespace() == Namespace::RAM {
            match node.local_name() {
                "IncludedSupplyChainTradeLineItem" => line_conditions(&facts, node, sink),
                "BillingSpecifiedPeriod" => br_co_19_20(node, sink),
                "SellerTradeParty" => br_co_26(node, sink),
                "ID" if node.attr("schemeID") == Some("VA")
                    && node
                        .parent()
                        .is_some_and(|p| p.is(Namespace::RAM, "SpecifiedTaxRegistration")) =>
                {
                    br_co_09(node, sink);
                }
                _ => {}
            }
        }
        if node.is(
            Namespace::RAM,
            "SpecifiedTradeSettlementHeaderMonetarySummation",
        ) {
            document_totals(doc, node, sink);
        } else if node.is(Namespace::RAM, "ApplicableTradeTax")
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::RAM, "ApplicableHeaderTradeSettlement"))
            && !shadowed_header_tax(node)
        {
            br_co_17(node, sink);
        }
    }
}

/// The first `ram:{local}` child as a decimal: `Ok(None)` absent, `Err(())` invalid.
fn child(node: Node<'_>, local: &str) -> Result<Option<Decimal>, ()> {
    amount(node.child(Namespace::RAM, local))
}

/// Header allowances (`false`) or charges (`true`): `$STL/ram:SpecifiedTradeAllowanceCharge`
/// whose `ram:ChargeIndicator/udt:Indicator` casts to that boolean.
fn header_allowance_charges<'d>(doc: &Doc<'d>, charge: bool) -> Vec<Node<'d>> {
    let Some(settlement) = doc.settlement else {
        return Vec::new();
    };
    settlement
        .children_named(Namespace::RAM, "SpecifiedTradeAllowanceCharge")
        .filter(|ac| {
            ac.first(&[ram("ChargeIndicator"), (Namespace::UDT, "Indicator")])
                .and_then(|i| boolean(i.text()))
                == Some(charge)
        })
        .collect()
}

fn document_totals(doc: &Doc<'_>, totals: Node<'_>, sink: &mut Sink<'_>) {
    // BR-CO-10: the lines are those of the transaction holding this summation.
    let transaction = totals.parent().and_then(|s| s.parent());
    let line_amounts = transaction
        .into_iter()
        .flat_map(|t| t.children_named(Namespace::RAM, "IncludedSupplyChainTradeLineItem"))
        .flat_map(|line| line.children_named(Namespace::RAM, "SpecifiedLineTradeSettlement"))
        .flat_map(|s| {
            s.children_named(
                Namespace::RAM,
                "SpecifiedTradeSettlementLineMonetarySummation",
            )
        })
        .flat_map(|m| m.children_named(Namespace::RAM, "LineTotalAmount"));
    let holds = match (child(totals, "LineTotalAmount"), sum(line_amounts)) {
        (Ok(Some(stated)), Ok(total)) => stated == r2(total),
        _ => false,
    };
    sink.check(&BR_CO_10, holds, totals, "the sum of invoice line net amounts (BT-106) differs from the sum of the line net amounts (BT-131)");

    // BR-CO-11 / BR-CO-12, over the first ActualAmount of each allowance or charge.
    for (rule, total_name, charge, what) in [
        (&BR_CO_11, "AllowanceTotalAmount", false, "allowances"),
        (&BR_CO_12, "ChargeTotalAmount", true, "charges"),
    ] {
        let items = header_allowance_charges(doc, charge);
        let stated: Vec<Node<'_>> = totals.children_named(Namespace::RAM, total_name).collect();
        let holds = if stated.is_empty() {
            items.is_empty()
        } else {
            match sum(items
                .iter()
                .filter_map(|ac| ac.child(Namespace::RAM, "ActualAmount")))
            {
                Ok(total) => stated
                    .iter()
                    .any(|s| amount(Some(*s)) == Ok(Some(r2(total)))),
                Err(()) => false,
            }
        };
        sink.check_with(rule, holds, totals, || {
            format!("ram:{total_name} differs from the sum of the document-level {what}")
        });
    }

    // BR-CO-13: four alternatives on the first occurrences.
    let holds = (|| {
        let basis = child(totals, "TaxBasisTotalAmount")?.ok_or(())?;
        let net = child(totals, "LineTotalAmount")?.ok_or(())?;
        let allowances = child(totals, "AllowanceTotalAmount")?;
        let charges = child(totals, "ChargeTotalAmount")?;
        Ok::<bool, ()>(match (allowances, charges) {
            (Some(a), Some(c)) => basis == r2(net - a + c),
            (Some(a), None) => basis == r2(net - a),
            (None, Some(c)) => basis == r2(net + c),
            (None, None) => basis == r2(net),
        })
    })()
    .unwrap_or(false);
    sink.check(
        &BR_CO_13,
        holds,
        totals,
        "the total without VAT (BT-109) differs from line net amounts − allowances + charges",
    );

    // BR-CO-14 on each TaxTotalAmount in the invoice currency.
    if let Some(currency) = doc.currency() {
        let breakdown = doc
            .settlement
            .into_iter()
            .flat_map(|s| s.children_named(Namespace::RAM, "ApplicableTradeTax"))
            .flat_map(|t| t.children_named(Namespace::RAM, "CalculatedAmount"));
        let expected = sum(breakdown).map(r2);
        for tax_total in totals
            .children_named(Namespace::RAM, "TaxTotalAmount")
            .filter(|t| t.attr("currencyID") == Some(currency))
        {
            let holds =
                matches!((amount(Some(tax_total)), expected), (Ok(Some(v)), Ok(e)) if v == e);
            sink.check(&BR_CO_14, holds, tax_total, "the invoice total VAT amount (BT-110) differs from the sum of the VAT category tax amounts (BT-117)");
        }
    }

    // BR-CO-16: exact, no rounding.
    let holds = (|| {
        let due = child(totals, "DuePayableAmount")?.ok_or(())?;
        let grand = child(totals, "GrandTotalAmount")?.ok_or(())?;
        let prepaid = child(totals, "TotalPrepaidAmount")?;
        let rounding = child(totals, "RoundingAmount")?;
        Ok::<bool, ()>(due == grand - prepaid.unwrap_or_default() + rounding.unwrap_or_default())
    })()
    .unwrap_or(false);
    sink.check(
        &BR_CO_16,
        holds,
        totals,
        "the amount due (BT-115) differs from total with VAT − paid amount + rounding amount",
    );
}

/// BR-CO-15 on the root: in the invoice currency, exactly one tax total and
/// BT-112 = r2(BT-109 + BT-110); or BT-112 = BT-109.
fn br_co_15(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    let Some(currency) = doc.currency() else {
        return;
    };
    let totals = doc.settlement.and_then(|s| {
        s.child(
            Namespace::RAM,
            "SpecifiedTradeSettlementHeaderMonetarySummation",
        )
    });
    let holds = (|| {
        let totals = totals.ok_or(())?;
        let grand = child(totals, "GrandTotalAmount")?.ok_or(())?;
        let basis = child(totals, "TaxBasisTotalAmount")?.ok_or(())?;
        let in_currency: Vec<Node<'_>> = totals
            .children_named(Namespace::RAM, "TaxTotalAmount")
            .filter(|t| t.attr("currencyID") == Some(currency))
            .collect();
        let with_tax = in_currency.len() == 1
            && amount(Some(in_currency[0]))?.is_some_and(|vat| grand == r2(basis + vat));
        Ok::<bool, ()>(with_tax || grand == basis)
    })()
    .unwrap_or(false);
    sink.check(&BR_CO_15, holds, doc.root, "the total with VAT (BT-112) differs from total without VAT (BT-109) + the one total VAT amount (BT-110) in the invoice currency");
}

/// BR-CO-17 on each header breakdown not shadowed: |BT-117| ≈ r2(|BT-116| × rate / 100)
/// within one currency unit, inclusive.
fn br_co_17(tax: Node<'_>, sink: &mut Sink<'_>) {
    let holds = (|| {
        let calculated = child(tax, "CalculatedAmount")?;
        let basis = child(tax, "BasisAmount")?;
        let rate = child(tax, "RateApplicablePercent")?;
        let Some(calculated) = calculated else {
            return Ok::<bool, ()>(false);
        };
        Ok(match rate {
            None => round_half_up(calculated).is_zero(),
            Some(rate) if round_half_up(rate).is_zero() => round_half_up(calculated).is_zero(),
            Some(rate) => {
                let Some(basis) = basis else { return Ok(false) };
                let Some(product) = basis.abs().checked_mul(rate) else {
                    return Ok(false);
                };
                let expected = r2(product / Decimal::ONE_HUNDRED);
                let calculated = calculated.abs();
                calculated - Decimal::ONE <= expected && expected <= calculated + Decimal::ONE
            }
        })
    })()
    .unwrap_or(false);
    sink.check(&BR_CO_17, holds, tax, "the VAT category tax amount (BT-117) differs from taxable amount × rate / 100 by more than one currency unit");
}

/// Document-wide facts several contexts test, gathered in one pass.
struct Facts {
    /// `//ram:TaxPointDate` exists.
    tax_point_date: bool,
    /// `//ram:DueDateTypeCode` exists.
    due_date_type_code: bool,
    /// `//rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax` exists.
    header_breakdown: bool,
}

impl Facts {
    fn gather(doc: &Doc<'_>) -> Self {
        let mut facts = Facts {
            tax_point_date: false,
            due_date_type_code: false,
            header_breakdown: false,
        };
        for node in doc.elements() {
            if node.is(Namespace::RAM, "TaxPointDate") {
                facts.tax_point_date = true;
            } else if node.is(Namespace::RAM, "DueDateTypeCode") {
                facts.due_date_type_code = true;
            } else if node.is(Namespace::RAM, "ApplicableTradeTax")
                && node
                    .parent()
                    .filter(|s| s.is(Namespace::RAM, "ApplicableHeaderTradeSettlement"))
                    .and_then(|s| s.parent())
                    .is_some_and(|t| t.is(Namespace::RSM, "SupplyChainTradeTransaction"))
            {
                facts.header_breakdown = true;
            }
        }
        facts
    }
}

/// BR-CO-04, and BR-CO-18, which the official rules evaluate once per line: a
/// document without VAT breakdown reports it for every line.
fn line_conditions(facts: &Facts, line: Node<'_>, sink: &mut Sink<'_>) {
    let category = line
        .children_named(Namespace::RAM, "SpecifiedLineTradeSettlement")
        .flat_map(|s| s.children_named(Namespace::RAM, "ApplicableTradeTax"))
        .filter(|t| is_vat(*t))
        .any(|t| t.child(Namespace::RAM, "CategoryCode").is_some());
    sink.check(
        &BR_CO_04,
        category,
        line,
        "the invoice line has no VAT category code (SpecifiedLineTradeSettlement/ApplicableTradeTax/ram:CategoryCode with type code VAT)",
    );
    sink.check(
        &BR_CO_18,
        facts.header_breakdown,
        line,
        "the invoice has no VAT breakdown (ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax)",
    );
}

/// BR-CO-21…24 repeat BR-33, BR-38, BR-42 and BR-44 (presence of a reason or code);
/// BR-CO-05…08, on the same contexts, are `true()` in the official rules (the
/// agreement of a reason with its code is not machine-checkable) and never fail.
fn br_co_21_to_24(context: AllowanceCharge, indicator: Node<'_>, sink: &mut Sink<'_>) {
    let Some(parent) = indicator.parent() else {
        return;
    };
    let (rule, what) = match context {
        AllowanceCharge::DocumentAllowance => (&BR_CO_21, "document level allowance"),
        AllowanceCharge::DocumentCharge => (&BR_CO_22, "document level charge"),
        AllowanceCharge::LineAllowance => (&BR_CO_23, "invoice line allowance"),
        AllowanceCharge::LineCharge => (&BR_CO_24, "invoice line charge"),
    };
    let has = |local: &str| parent.child(Namespace::RAM, local).is_some();
    sink.check_with(rule, has("Reason") || has("ReasonCode"), parent, || {
        format!("the {what} has neither a reason (ram:Reason) nor a reason code (ram:ReasonCode)")
    });
}

/// BR-CO-19 / BR-CO-20: a header or line billing period has a start or an end (a
/// period holding only a description code fails in CII).
fn br_co_19_20(period: Node<'_>, sink: &mut Sink<'_>) {
    let within = |local: &str| period.parent().is_some_and(|p| p.is(Namespace::RAM, local));
    let (rule, what) = if within("ApplicableHeaderTradeSettlement") {
        (&BR_CO_19, "invoicing period")
    } else if within("SpecifiedLineTradeSettlement") {
        (&BR_CO_20, "invoice line period")
    } else {
        return;
    };
    let has = |local: &str| period.child(Namespace::RAM, local).is_some();
    sink.check_with(
        rule,
        has("StartDateTime") || has("EndDateTime"),
        period,
        || {
            format!(
                "the {what} has neither a start (ram:StartDateTime) nor an end (ram:EndDateTime)"
            )
        },
    );
}

/// BR-CO-09 on each `ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']`: its first
/// two characters are a country prefix.
fn br_co_09(id: Node<'_>, sink: &mut Sink<'_>) {
    let prefix: String = id.text().chars().take(2).collect();
    sink.check_with(
        &BR_CO_09,
        VAT_PREFIXES.contains(&prefix.as_str()),
        id,
        || format!("the VAT identifier does not start with a country code: prefix {prefix:?}"),
    );
}

/// BR-CO-26 on each `ram:SellerTradeParty`.
fn br_co_26(seller: Node<'_>, sink: &mut Sink<'_>) {
    let has = |local: &str| seller.child(Namespace::RAM, local).is_some();
    let legal = seller
        .first(&[ram("SpecifiedLegalOrganization"), ram("ID")])
        .is_some();
    let vat_id = seller
        .all(&[ram("SpecifiedTaxRegistration"), ram("ID")])
        .iter()
        .any(|id| id.attr("schemeID") == Some("VA"));
    sink.check(
        &BR_CO_26,
        has("ID") || has("GlobalID") || legal || vat_id,
        seller,
        "the seller has no identifier (ram:ID or ram:GlobalID), legal registration identifier (SpecifiedLegalOrganization/ram:ID) or VAT identifier",
    );
}
