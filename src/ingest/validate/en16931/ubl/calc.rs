//! Calculation and conditional rules BR-CO-* (UBL). UBL casts with `xs:decimal`, so
//! everything is exact decimal arithmetic, rounded with [`r2`] where the rule rounds.
//! The conditional rules (BR-CO-03…09, BR-CO-18…26) are presence and consistency
//! checks on the same walk.

use rust_decimal::Decimal;

use super::{Doc, allowance_charge, cac, cbc, has_vat_scheme, is_line, is_line_period};
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
    BR_CO_26 = "BR-CO-26", Fatal, ["BT-29", "BT-30", "BT-31"], "The seller identifier, legal registration identifier or VAT identifier shall be present";
}

/// BR-CO-09 prefixes, as the official test writes them: one string, two-letter
/// codes separated by single spaces, searched with `contains` and no padding.
const VAT_PREFIXES: &str = "1A AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XI YE YT ZA ZM ZW";

pub(super) fn check(doc: &Doc<'_>, sink: &mut Sink<'_>) {
    br_co_15(doc.root, sink);
    root_conditions(doc.root, sink);
    for node in doc.elements() {
        if let Some(context) = allowance_charge(doc, node) {
            br_co_21_to_24(context, node, sink);
        } else if is_line(node) {
            // Walked, not collected: this runs on every line.
            let category = node
                .children_named(Namespace::CAC, "Item")
                .flat_map(|item| item.children_named(Namespace::CAC, "ClassifiedTaxCategory"))
                .filter(|c| has_vat_scheme(*c))
                .any(|c| c.child(Namespace::CBC, "ID").is_some());
            sink.check(&BR_CO_04, category, node, "the invoice line has no VAT category code (cac:Item/cac:ClassifiedTaxCategory/cbc:ID with tax scheme VAT)");
        } else if node.is(Namespace::CAC, "InvoicePeriod") {
            br_co_19_20(node, sink);
        } else if node.is(Namespace::CAC, "PartyTaxScheme") && has_vat_scheme(node) {
            br_co_09(node, sink);
        } else if node.is(Namespace::CAC, "AccountingSupplierParty") {
            br_co_26(node, sink);
        } else if node.is(Namespace::CAC, "LegalMonetaryTotal") {
            document_totals(doc, node, sink);
        } else if node.is(Namespace::CAC, "TaxTotal") && node.parent() == Some(doc.root) {
            br_co_14(node, sink);
        } else if node.is(Namespace::CAC, "TaxSubtotal")
            && node
                .parent()
                .is_some_and(|p| p.is(Namespace::CAC, "TaxTotal"))
        {
            br_co_17(node, sink);
        }
    }
}

/// The value of a `cbc:` child: `Ok(None)` absent, `Err(())` not a decimal.
fn child(node: Node<'_>, local: &str) -> Result<Option<Decimal>, ()> {
    amount(node.child(Namespace::CBC, local))
}

/// Document-level allowances (`false`) or charges (`true`) under `parent`.
fn allowance_charges<'d>(
    parent: Node<'d>,
    charge: bool,
) -> impl Iterator<Item = Node<'d>> + use<'d> {
    parent
        .children_named(Namespace::CAC, "AllowanceCharge")
        .filter(move |ac| {
            ac.child(Namespace::CBC, "ChargeIndicator")
                .and_then(|i| boolean(i.text()))
                == Some(charge)
        })
}

fn document_totals(doc: &Doc<'_>, totals: Node<'_>, sink: &mut Sink<'_>) {
    // BR-CO-10: BT-106 = r2(Σ BT-131) over every line of the document.
    let lines = doc
        .elements()
        .filter(|n| n.is(Namespace::CAC, "InvoiceLine") || n.is(Namespace::CAC, "CreditNoteLine"))
        .filter_map(|line| line.child(Namespace::CBC, "LineExtensionAmount"));
    let holds = match (child(totals, "LineExtensionAmount"), sum(lines)) {
        (Ok(Some(stated)), Ok(total)) => stated == r2(total),
        _ => false,
    };
    sink.check(&BR_CO_10, holds, totals, "the sum of invoice line net amounts (BT-106) differs from the sum of the line net amounts (BT-131)");

    // BR-CO-11 / BR-CO-12: totals of document-level allowances and charges.
    let parent = totals.parent().unwrap_or(totals);
    for (rule, total_name, charge, what) in [
        (&BR_CO_11, "AllowanceTotalAmount", false, "allowances"),
        (&BR_CO_12, "ChargeTotalAmount", true, "charges"),
    ] {
        let items: Vec<Node<'_>> = allowance_charges(parent, charge).collect();
        let holds = match child(totals, total_name) {
            Ok(None) => items.is_empty(),
            Ok(Some(stated)) => sum(items
                .iter()
                .filter_map(|ac| ac.child(Namespace::CBC, "Amount")))
            .is_ok_and(|total| stated == r2(total)),
            Err(()) => false,
        };
        sink.check_with(rule, holds, totals, || {
            format!("cbc:{total_name} differs from the sum of the document-level {what}")
        });
    }

    // BR-CO-13: BT-109 = BT-106 − BT-107 + BT-108.
    let holds = (|| {
        let net = child(totals, "LineExtensionAmount")?;
        let allowances = child(totals, "AllowanceTotalAmount")?;
        let charges = child(totals, "ChargeTotalAmount")?;
        let stated = child(totals, "TaxExclusiveAmount")?;
        let (Some(net), Some(stated)) = (net, stated) else {
            return Ok::<bool, ()>(false);
        };
        Ok(match (allowances, charges) {
            (None, None) => stated == net,
            (a, c) => stated == r2(net - a.unwrap_or_default() + c.unwrap_or_default()),
        })
    })()
    .unwrap_or(false);
    sink.check(
        &BR_CO_13,
        holds,
        totals,
        "the total without VAT (BT-109) differs from line net amounts − allowances + charges",
    );

    // BR-CO-16: BT-115 = BT-112 − BT-113 + BT-114, rounded on both sides.
    let holds = (|| {
        let due = child(totals, "PayableAmount")?;
        let with_vat = child(totals, "TaxInclusiveAmount")?;
        let prepaid = child(totals, "PrepaidAmount")?;
        let rounding = child(totals, "PayableRoundingAmount")?;
        let (Some(due), Some(with_vat)) = (due, with_vat) else {
            return Ok::<bool, ()>(false);
        };
        Ok(match (prepaid, rounding) {
            (None, None) => due == with_vat,
            (Some(p), None) => due == r2(with_vat - p),
            (Some(p), Some(r)) => r2(due - r) == r2(with_vat - p),
            (None, Some(r)) => r2(due - r) == with_vat,
        })
    })()
    .unwrap_or(false);
    sink.check(
        &BR_CO_16,
        holds,
        totals,
        "the amount due (BT-115) differs from total with VAT − paid amount + rounding amount",
    );
}

/// BR-CO-14 on each root-level `cac:TaxTotal` that has subtotals.
fn br_co_14(tax_total: Node<'_>, sink: &mut Sink<'_>) {
    let subtotals: Vec<Node<'_>> = tax_total
        .children_named(Namespace::CAC, "TaxSubtotal")
        .collect();
    if subtotals.is_empty() {
        return;
    }
    let amounts = subtotals
        .iter()
        .filter_map(|s| s.child(Namespace::CBC, "TaxAmount"));
    let holds = match (child(tax_total, "TaxAmount"), sum(amounts)) {
        (Ok(Some(stated)), Ok(total)) => stated == r2(total),
        _ => false,
    };
    sink.check(&BR_CO_14, holds, tax_total, "the invoice total VAT amount (BT-110) differs from the sum of the VAT category tax amounts (BT-117)");
}

/// BR-CO-15 on the root: for the document currency, exactly one tax total in that
/// currency, and BT-112 = r2(BT-109 + BT-110).
fn br_co_15(root: Node<'_>, sink: &mut Sink<'_>) {
    let Some(currency) = root.child(Namespace::CBC, "DocumentCurrencyCode") else {
        return;
    };
    let currency = currency.text();
    let in_currency: Vec<Node<'_>> = root
        .children_named(Namespace::CAC, "TaxTotal")
        .filter_map(|t| t.child(Namespace::CBC, "TaxAmount"))
        .filter(|a| a.attr("currencyID") == Some(currency))
        .collect();
    let totals = root.first(&[cac("LegalMonetaryTotal")]);
    let holds = in_currency.len() == 1
        && (|| {
            let totals = totals.ok_or(())?;
            let with_vat = child(totals, "TaxInclusiveAmount")?.ok_or(())?;
            let without_vat = child(totals, "TaxExclusiveAmount")?.ok_or(())?;
            let vat = amount(Some(in_currency[0]))?.ok_or(())?;
            Ok::<bool, ()>(with_vat == r2(without_vat + vat))
        })()
        .unwrap_or(false);
    sink.check_with(&BR_CO_15, holds, root, || if in_currency.len() == 1 {
        "the total with VAT (BT-112) differs from total without VAT (BT-109) + total VAT (BT-110)"
            .to_string()
    } else {
        format!(
            "expected exactly one cac:TaxTotal/cbc:TaxAmount in the invoice currency {currency:?}, found {}",
            in_currency.len()
        )
    });
}

/// BR-CO-17 on each VAT breakdown: |BT-117| ≈ r2(|BT-116| × rate / 100), strictly
/// within one currency unit; zero rates need a zero amount.
fn br_co_17(subtotal: Node<'_>, sink: &mut Sink<'_>) {
    let holds = (|| {
        let tax = child(subtotal, "TaxAmount")?;
        let basis = child(subtotal, "TaxableAmount")?;
        let rate = amount(subtotal.first(&[cac("TaxCategory"), cbc("Percent")]))?;
        let Some(tax) = tax else {
            return Ok::<bool, ()>(false);
        };
        Ok(match rate {
            None => round_half_up(tax).is_zero(),
            Some(rate) if round_half_up(rate).is_zero() => round_half_up(tax).is_zero(),
            Some(rate) => {
                let Some(basis) = basis else { return Ok(false) };
                let Some(product) = basis.abs().checked_mul(rate) else {
                    return Ok(false);
                };
                let expected = r2(product / Decimal::ONE_HUNDRED);
                let tax = tax.abs();
                tax - Decimal::ONE < expected && expected < tax + Decimal::ONE
            }
        })
    })()
    .unwrap_or(false);
    sink.check(&BR_CO_17, holds, subtotal, "the VAT category tax amount (BT-117) differs from taxable amount × rate / 100 by one currency unit or more");
}

/// BR-CO-03 and BR-CO-18, on the root.
fn root_conditions(root: Node<'_>, sink: &mut Sink<'_>) {
    let tax_point_date = root.child(Namespace::CBC, "TaxPointDate").is_some();
    let tax_point_code = root
        .first(&[cac("InvoicePeriod"), cbc("DescriptionCode")])
        .is_some();
    sink.check(
        &BR_CO_03,
        !(tax_point_date && tax_point_code),
        root,
        "both the VAT point date (cbc:TaxPointDate) and the VAT point date code (cac:InvoicePeriod/cbc:DescriptionCode) are given: use only one",
    );
    sink.check(
        &BR_CO_18,
        root.first(&[cac("TaxTotal"), cac("TaxSubtotal")]).is_some(),
        root,
        "the invoice has no VAT breakdown (cac:TaxTotal/cac:TaxSubtotal)",
    );
}

/// BR-CO-21…24 repeat BR-33, BR-38, BR-42 and BR-44 (presence of a reason or code);
/// BR-CO-05…08, on the same contexts, are `true()` in the official rules (the
/// agreement of a reason with its code is not machine-checkable) and never fail.
fn br_co_21_to_24(context: AllowanceCharge, node: Node<'_>, sink: &mut Sink<'_>) {
    let (rule, what) = match context {
        AllowanceCharge::DocumentAllowance => (&BR_CO_21, "document level allowance"),
        AllowanceCharge::DocumentCharge => (&BR_CO_22, "document level charge"),
        AllowanceCharge::LineAllowance => (&BR_CO_23, "invoice line allowance"),
        AllowanceCharge::LineCharge => (&BR_CO_24, "invoice line charge"),
    };
    let has = |local: &str| node.child(Namespace::CBC, local).is_some();
    let message = || {
        format!(
            "the {what} has neither a reason (cbc:AllowanceChargeReason) nor a reason code (cbc:AllowanceChargeReasonCode)"
        )
    };
    sink.check_with(
        rule,
        has("AllowanceChargeReason") || has("AllowanceChargeReasonCode"),
        node,
        message,
    );
}

/// BR-CO-19 (header period: a date or a description code) and BR-CO-20 (line
/// period: a date).
fn br_co_19_20(period: Node<'_>, sink: &mut Sink<'_>) {
    let has = |local: &str| period.child(Namespace::CBC, local).is_some();
    let dated = has("StartDate") || has("EndDate");
    if is_line_period(period) {
        sink.check(
            &BR_CO_20,
            dated,
            period,
            "the invoice line period has neither a start date (cbc:StartDate) nor an end date (cbc:EndDate)",
        );
    } else {
        sink.check(
            &BR_CO_19,
            dated || has("DescriptionCode"),
            period,
            "the invoicing period has no start date, end date or description code",
        );
    }
}

/// BR-CO-09: `contains(list, substring(cbc:CompanyID, 1, 2))`, literally: an empty
/// or one-character identifier passes when its text occurs in the list string.
fn br_co_09(scheme: Node<'_>, sink: &mut Sink<'_>) {
    let ids: Vec<Node<'_>> = scheme.children_named(Namespace::CBC, "CompanyID").collect();
    let prefix: String = ids
        .first()
        .map(|id| id.text().chars().take(2).collect())
        .unwrap_or_default();
    // More than one CompanyID is an XPath type error: counted as a failure.
    let message = || {
        format!(
            "the VAT identifier (cbc:CompanyID) does not start with a country code: prefix {prefix:?}"
        )
    };
    sink.check_with(
        &BR_CO_09,
        ids.len() <= 1 && VAT_PREFIXES.contains(prefix.as_str()),
        scheme,
        message,
    );
}

/// BR-CO-26: the seller has a VAT identifier, an identifier other than a SEPA
/// creditor id, or a legal registration identifier.
fn br_co_26(supplier: Node<'_>, sink: &mut Sink<'_>) {
    let parties: Vec<Node<'_>> = supplier.children_named(Namespace::CAC, "Party").collect();
    let vat_id = parties.iter().any(|p| {
        p.children_named(Namespace::CAC, "PartyTaxScheme")
            .filter(|s| has_vat_scheme(*s))
            .any(|s| s.child(Namespace::CBC, "CompanyID").is_some())
    });
    let identifier = parties.iter().any(|p| {
        p.all(&[cac("PartyIdentification"), cbc("ID")])
            .iter()
            .any(|id| id.attr("schemeID") != Some("SEPA"))
    });
    let legal = parties.iter().any(|p| {
        p.first(&[cac("PartyLegalEntity"), cbc("CompanyID")])
            .is_some()
    });
    sink.check(
        &BR_CO_26,
        vat_id || identifier || legal,
        supplier,
        "the seller has no identifier (cac:PartyIdentification/cbc:ID), legal registration identifier (cac:PartyLegalEntity/cbc:CompanyID) or VAT identifier",
    );
}
