//! Line rules of EXTENDED-CTC-FR (rules-catalogue-profiles §2.4, §2.6), several shared
//! with Factur-X EXTENDED: the EN line rules restricted to the lines that count, item
//! attributes (code or name; value xor measure), and the sub-line structure of
//! multi-vendor invoices (sub-type values, parent references, GROUP amounts).

use super::model::{Items, Line, r2_double};
use super::vat::Variant;
use crate::ingest::validate::codelists::ITEM_ATTRIBUTES;
use crate::ingest::validate::en16931::rules;
use crate::ingest::validate::xpath::{double, normalize_space};
use crate::ingest::validate::{Rule, Sink};
use crate::xml::{Namespace, Node};

rules! {
    FREXT_22 = "BR-FREXT-22", Fatal, ["BT-129"], "Each invoice line that counts in totals has an invoiced quantity";
    FREXT_23 = "BR-FREXT-23", Fatal, ["BT-130"], "Each invoice line that counts in totals has a quantity unit code";
    FREXT_24 = "BR-FREXT-24", Fatal, ["BT-131"], "Each invoice line that counts in totals has a net amount";
    FREXT_26 = "BR-FREXT-26", Fatal, ["BT-146"], "Each invoice line that counts in totals has an item net price";
    FREXT_BR_22 = "BR-FREXT-BR-22", Fatal, ["BT-129"], "Each invoice line that counts in totals has an invoiced quantity";
    FREXT_BR_23 = "BR-FREXT-BR-23", Fatal, ["BT-130"], "Each invoice line that counts in totals has a quantity unit code";
    FREXT_BR_24 = "BR-FREXT-BR-24", Fatal, ["BT-131"], "Each invoice line that counts in totals has a net amount";
    FREXT_BR_26 = "BR-FREXT-BR-26", Fatal, ["BT-146"], "Each invoice line that counts in totals has an item net price";
    FREXT_CO_04 = "BR-FREXT-CO-04", Fatal, ["BT-151"], "Each invoice line that counts in totals has a VAT category code";
    FREXT_BR_38 = "BR-FREXT-BR-38", Fatal, ["BT-104", "BT-105"], "Each document level charge has a reason or a reason code";
    FREXT_BR_44 = "BR-FREXT-BR-44", Fatal, ["BT-144", "BT-145"], "Each invoice line charge has a reason or a reason code";
    FREXT_54_1 = "BR-FREXT-54-1", Fatal, ["BT-160"], "Each item attribute has a name or a code";
    FREXT_54_2 = "BR-FREXT-54-2", Fatal, ["BT-161"], "Each item attribute has either a value or a measured value with a unit";
    FREXT_04 = "BR-FREXT-04", Fatal, ["EXT-FR-FE-159"], "An item attribute code is in UNTDID 6313 or the Factur-X extension list";
    // Shared by CII EXTENDED-CTC-FR and Factur-X EXTENDED: the same assertion (no
    // `@id`, reported by its message id), a warning in both.
    FXEXT_04 = "BR-FXEXT-04", Warning, ["BT-X-11"], "An item attribute type code should be in UNTDID 6313 or the Factur-X extension list";
    FREXT_05 = "BR-FREXT-05", Fatal, ["EXT-FR-FE-163"], "A line sub-type is DETAIL, GROUP or INFORMATION";
    FREXT_06 = "BR-FREXT-06", Fatal, ["EXT-FR-FE-162", "EXT-FR-FE-163"], "A line with a parent line has a sub-type";
    FREXT_08 = "BR-FREXT-08", Fatal, ["BT-131"], "A GROUP line's net amount is the rounded sum of its DETAIL and GROUP children";
    FREXT_11 = "BR-FREXT-11", Fatal, ["EXT-FR-FE-162"], "A parent line id names another line of the invoice";
    FREXT_12 = "BR-FREXT-12", Fatal, ["BT-131"], "The GROUP children of a GROUP line with a net amount all have a net amount";
}

/// The Factur-X EXTENDED copies.
pub(crate) mod fx {
    use crate::ingest::validate::en16931::rules;

    rules! {
        FX_BR_22 = "BR-FXEXT-BR-22", Fatal, ["BT-129"], "Each invoice line that counts in totals has an invoiced quantity";
        FX_BR_23 = "BR-FXEXT-BR-23", Fatal, ["BT-130"], "Each invoice line that counts in totals has a quantity unit code";
        FX_BR_24 = "BR-FXEXT-BR-24", Fatal, ["BT-131"], "Each invoice line that counts in totals has a net amount";
        FX_BR_26 = "BR-FXEXT-BR-26", Fatal, ["BT-146"], "Each invoice line that counts in totals has an item net price";
        FX_CO_04 = "BR-FXEXT-CO-04", Fatal, ["BT-151"], "Each invoice line that counts in totals has a VAT category code of tax type VAT";
        FX_BR_38 = "BR-FXEXT-BR-38", Fatal, ["BT-104", "BT-105"], "Each document level charge has a reason or a reason code";
        FX_BR_44 = "BR-FXEXT-BR-44", Fatal, ["BT-144", "BT-145"], "Each invoice line charge has a reason or a reason code";
        FX_54_1 = "BR-FXEXT-BR-54-1", Fatal, ["BT-160"], "Each item attribute has a name or a code";
        FX_54_2 = "BR-FXEXT-BR-54-2", Fatal, ["BT-161"], "Each item attribute has either a value or a measured value with a unit";
        FX_06 = "BR-FXEXT-06", Fatal, ["BT-X-8", "BT-X-304"], "Parent and child lines have a sub-type";
        FX_08 = "BR-FXEXT-08", Fatal, ["BT-131"], "A GROUP line's net amount is the sum of its DETAIL and GROUP children";
        FX_11 = "BR-FXEXT-11", Fatal, ["BT-X-304"], "A parent line id names a line of the invoice";
        FX_12 = "BR-FXEXT-12", Fatal, ["BT-131"], "The GROUP children of a GROUP line with a net amount all have a net amount";
    }
}

/// The ids one CII rule set gives the shared line rules.
pub(crate) struct LineRules {
    pub br22: &'static Rule,
    pub br23: &'static Rule,
    pub br24: &'static Rule,
    pub br26: &'static Rule,
    pub co04: &'static Rule,
    pub br38: &'static Rule,
    pub br44: &'static Rule,
    pub br54_1: &'static Rule,
    pub br54_2: &'static Rule,
    pub br12: &'static Rule,
}

pub(crate) static CII_EXTENDED: LineRules = LineRules {
    br22: &FREXT_BR_22,
    br23: &FREXT_BR_23,
    br24: &FREXT_BR_24,
    br26: &FREXT_BR_26,
    co04: &FREXT_CO_04,
    br38: &FREXT_BR_38,
    br44: &FREXT_BR_44,
    br54_1: &FREXT_54_1,
    br54_2: &FREXT_54_2,
    br12: &FREXT_12,
};

pub(crate) static FACTUR_X: LineRules = LineRules {
    br22: &fx::FX_BR_22,
    br23: &fx::FX_BR_23,
    br24: &fx::FX_BR_24,
    br26: &fx::FX_BR_26,
    co04: &fx::FX_CO_04,
    br38: &fx::FX_BR_38,
    br44: &fx::FX_BR_44,
    br54_1: &fx::FX_54_1,
    br54_2: &fx::FX_54_2,
    br12: &fx::FX_12,
};

const SUB_TYPES: &[&str] = &["DETAIL", "GROUP", "INFORMATION"];

/// UBL line rules.
pub(crate) fn ubl(root: Node<'_>, items: &Items<'_>, sink: &mut Sink<'_>) {
    let bt1 = root.child(Namespace::CBC, "ID").map_or("", |n| n.text());
    for line in &items.lines {
        let node = line.item.node;
        if line.counted {
            let quantities: Vec<Node<'_>> = node
                .children()
                .filter(|c| {
                    c.is(Namespace::CBC, "InvoicedQuantity")
                        || c.is(Namespace::CBC, "CreditedQuantity")
                })
                .collect();
            sink.check(
                &FREXT_22,
                !quantities.is_empty(),
                node,
                "the invoiced quantity (BT-129) is missing",
            );
            sink.check(
                &FREXT_23,
                quantities.iter().any(|q| q.attr("unitCode").is_some()),
                node,
                "the invoiced quantity has no unitCode attribute (BT-130)",
            );
            sink.check(
                &FREXT_24,
                line.item.amount.is_some(),
                node,
                "the line net amount (BT-131) is missing",
            );
            sink.check(
                &FREXT_26,
                node.first(&[(Namespace::CAC, "Price"), (Namespace::CBC, "PriceAmount")])
                    .is_some(),
                node,
                "the item net price (BT-146) is missing",
            );
            let vat_category = node
                .all(&[
                    (Namespace::CAC, "Item"),
                    (Namespace::CAC, "ClassifiedTaxCategory"),
                ])
                .into_iter()
                .any(|c| {
                    crate::ingest::validate::en16931::ubl::has_vat_scheme(c)
                        && c.child(Namespace::CBC, "ID").is_some()
                });
            sink.check(
                &FREXT_CO_04,
                vat_category,
                node,
                "the line VAT category code (BT-151) is missing",
            );
        }
        // BR-FREXT-05 reads every DocumentStatusCode of the line's references.
        let own = super::model::ubl_self_reference(node, bt1);
        let own_status = own.and_then(|r| {
            r.first(&[
                (Namespace::CAC, "InvoiceDocumentReference"),
                (Namespace::CBC, "DocumentStatusCode"),
            ])
        });
        if own_status.is_some() {
            let statuses: Vec<String> = node
                .all(&[
                    (Namespace::CAC, "BillingReference"),
                    (Namespace::CAC, "InvoiceDocumentReference"),
                    (Namespace::CBC, "DocumentStatusCode"),
                ])
                .into_iter()
                .map(|s| normalize_space(s.text()))
                .collect();
            if let [status] = &statuses[..] {
                sink.check(
                    &FREXT_05,
                    SUB_TYPES.contains(&status.as_str()),
                    node,
                    "the line sub-type (EXT-FR-FE-163) is not DETAIL, GROUP or INFORMATION",
                );
            }
        }
        sink.check(
            &FREXT_06,
            line.parent.is_none() || own_status.is_some(),
            node,
            "the line names a parent line (EXT-FR-FE-162) but has no sub-type (EXT-FR-FE-163)",
        );
        if let Some(parent) = line.parent {
            let other = items
                .lines
                .iter()
                .any(|l| l.id == Some(parent) && l.id != line.id);
            sink.check(
                &FREXT_11,
                other,
                node,
                "the parent line id (EXT-FR-FE-162) names no other line",
            );
        }
        group(line, items, Some(&FREXT_12), Some(&FREXT_08), sink);
    }
    for attribute in root
        .document()
        .elements()
        .filter(|n| n.is(Namespace::CAC, "AdditionalItemProperty"))
    {
        let has = |local| attribute.child(Namespace::CBC, local).is_some();
        sink.check(
            &FREXT_54_1,
            has("Name") || has("NameCode"),
            attribute,
            "the item attribute has neither a name nor a code",
        );
        let measure = attribute
            .children_named(Namespace::CBC, "ValueQuantity")
            .any(|q| q.attr("unitCode").is_some_and(|u| !u.is_empty()));
        sink.check(
            &FREXT_54_2,
            (has("Value") && !has("ValueQuantity")) || (!has("Value") && measure),
            attribute,
            "the item attribute needs either a value or a measured value with a unit, not both",
        );
        // `(cac:InvoiceLine|cac:CreditNoteLine)/cac:Item/cac:AdditionalItemProperty/cbc:NameCode`.
        let on_a_line = attribute
            .parent()
            .filter(|item| item.is(Namespace::CAC, "Item"))
            .and_then(|item| item.parent())
            .is_some_and(|line| {
                line.is(Namespace::CAC, "InvoiceLine") || line.is(Namespace::CAC, "CreditNoteLine")
            });
        if on_a_line {
            for code in attribute.children_named(Namespace::CBC, "NameCode") {
                item_attribute_code(&FREXT_04, code, sink);
            }
        }
    }
}

/// BR-FREXT-04 / BR-FXEXT-04: the attribute code is a token of UNTDID 6313 plus the
/// Factur-X extension codes (whitespace-collapsed, no inner space).
fn item_attribute_code(rule: &'static Rule, code: Node<'_>, sink: &mut Sink<'_>) {
    sink.check_with(rule, ITEM_ATTRIBUTES.has(code.text()), code, || {
        format!(
            "the item attribute code '{}' is not in UNTDID 6313 or the Factur-X extension list",
            code.text()
        )
    });
}

/// BR-FXEXT-12 (Factur-X EN16931 and EXTENDED): on each GROUP line with a net
/// amount, its GROUP children all have one. The stylesheet writes it `for $lineID in
/// ram:AssociatedDocumentLineDocument/ram:LineID return …`, so a GROUP line without a
/// LineID makes the expression empty and the assertion fails (rules-catalogue-profiles
/// §3.5).
pub(crate) fn fx_12(items: &Items<'_>, sink: &mut Sink<'_>) {
    for line in &items.lines {
        if line.sub_type != Some("GROUP") || line.item.amount.is_none() {
            continue;
        }
        if line.id.is_some() {
            group(line, items, Some(&fx::FX_12), None, sink);
        } else {
            sink.fail(
                &fx::FX_12,
                line.item.node,
                "the GROUP line has a net amount (BT-131) but no line id (BT-126)".to_string(),
            );
        }
    }
}

/// The GROUP rules on one line: `-12` (GROUP children have amounts) and `-08` (the
/// GROUP amount is the rounded double sum of its DETAIL and GROUP children).
fn group(
    line: &Line<'_>,
    items: &Items<'_>,
    twelve: Option<&'static Rule>,
    eight: Option<&'static Rule>,
    sink: &mut Sink<'_>,
) {
    if line.sub_type != Some("GROUP") {
        return;
    }
    let Some(amount) = line.item.amount else {
        return;
    };
    let children: Vec<&Line<'_>> = items
        .lines
        .iter()
        .filter(|l| line.id.is_some() && l.parent.map(normalize_space).as_deref() == line.id)
        .collect();
    if let Some(rule) = twelve {
        let groups = children.iter().filter(|c| c.sub_type == Some("GROUP"));
        sink.check(
            rule,
            groups.clone().all(|c| c.item.amount.is_some()),
            line.item.node,
            "a GROUP child line of this GROUP line has no net amount (BT-131)",
        );
    }
    if let Some(rule) = eight {
        let mut sum = 0f64;
        for child in children
            .iter()
            .filter(|c| matches!(c.sub_type, Some("DETAIL" | "GROUP")))
        {
            sum += child.item.amount.and_then(double).unwrap_or(0.0);
        }
        let holds = double(amount).is_some_and(|a| a == r2_double(sum));
        sink.check(
            rule,
            holds,
            line.item.node,
            "the GROUP line net amount (BT-131) is not the rounded sum of its DETAIL and GROUP lines",
        );
    }
}

/// CII line rules (EXTENDED-CTC-FR ids, or the Factur-X EXTENDED ones).
pub(crate) fn cii(
    root: Node<'_>,
    variant: Variant,
    rules: &LineRules,
    items: &Items<'_>,
    sink: &mut Sink<'_>,
) {
    let ram = |local| (Namespace::RAM, local);
    for line in &items.lines {
        let node = line.item.node;
        // The context is the AssociatedDocumentLineDocument: a line without it is
        // never checked.
        if line.counted
            && node
                .child(Namespace::RAM, "AssociatedDocumentLineDocument")
                .is_some()
        {
            let quantities = node.all(&[ram("SpecifiedLineTradeDelivery"), ram("BilledQuantity")]);
            sink.check(
                rules.br22,
                !quantities.is_empty(),
                node,
                "the invoiced quantity (BT-129) is missing",
            );
            sink.check(
                rules.br23,
                quantities.iter().any(|q| q.attr("unitCode").is_some()),
                node,
                "the invoiced quantity has no unitCode attribute (BT-130)",
            );
            sink.check(
                rules.br24,
                line.item.amount.is_some(),
                node,
                "the line net amount (BT-131) is missing",
            );
            sink.check(
                rules.br26,
                node.first(&[
                    ram("SpecifiedLineTradeAgreement"),
                    ram("NetPriceProductTradePrice"),
                    ram("ChargeAmount"),
                ])
                .is_some(),
                node,
                "the item net price (BT-146) is missing",
            );
            let taxes = node.all(&[
                ram("SpecifiedLineTradeSettlement"),
                ram("ApplicableTradeTax"),
            ]);
            let category = taxes.iter().any(|t| {
                crate::ingest::validate::en16931::cii::is_vat(*t)
                    && t.child(Namespace::RAM, "CategoryCode").is_some()
            });
            let exact_vat = variant != Variant::FacturX
                || taxes.iter().any(|t| {
                    t.children_named(Namespace::RAM, "TypeCode")
                        .any(|c| c.text() == "VAT")
                });
            sink.check(
                rules.co04,
                category && exact_vat,
                node,
                "the line VAT category code (BT-151) is missing",
            );
        }
        if variant == Variant::Cii {
            if let Some(sub) = line.sub_type {
                sink.check(
                    &FREXT_05,
                    SUB_TYPES.contains(&sub),
                    node,
                    "the line sub-type (ram:LineStatusReasonCode) is not DETAIL, GROUP or INFORMATION",
                );
            }
            let has_parent = line.parent.is_some_and(crate::ingest::validate::xpath::nb);
            sink.check(
                &FREXT_06,
                !has_parent || line.sub_type.is_some_and(|s| !s.is_empty()),
                node,
                "the line names a parent line (ram:ParentLineID) but has no sub-type (ram:LineStatusReasonCode)",
            );
            if has_parent {
                let parent = line.parent.map(normalize_space);
                let other = items
                    .lines
                    .iter()
                    .any(|l| l.id.map(str::to_string) == parent && l.id != line.id);
                sink.check(
                    &FREXT_11,
                    other,
                    node,
                    "the parent line id (ram:ParentLineID) names no other line",
                );
            }
            group(line, items, Some(rules.br12), Some(&FREXT_08), sink);
        } else {
            fx_sub_lines(line, items, sink);
        }
    }
    for node in root.document().elements() {
        if node.is(Namespace::RAM, "ApplicableProductCharacteristic") {
            let has = |local| node.child(Namespace::RAM, local).is_some();
            sink.check(
                rules.br54_1,
                has("Description") || has("TypeCode"),
                node,
                "the item attribute has neither a name nor a code",
            );
            let measure = node
                .children_named(Namespace::RAM, "ValueMeasure")
                .any(|q| q.attr("unitCode").is_some_and(|u| !u.is_empty()));
            sink.check(
                rules.br54_2,
                (has("Value") && !has("ValueMeasure")) || (!has("Value") && measure),
                node,
                "the item attribute needs either a value or a measured value with a unit, not both",
            );
            for code in node.children_named(Namespace::RAM, "TypeCode") {
                item_attribute_code(&FXEXT_04, code, sink);
            }
        } else if node.is(Namespace::RAM, "ChargeIndicator")
            && node
                .children_named(Namespace::UDT, "Indicator")
                .any(|i| i.text() == "true")
        {
            let Some(charge) = node
                .parent()
                .filter(|p| p.is(Namespace::RAM, "SpecifiedTradeAllowanceCharge"))
            else {
                continue;
            };
            let rule = match charge.parent() {
                Some(p) if p.is(Namespace::RAM, "ApplicableHeaderTradeSettlement") => rules.br38,
                Some(p) if p.is(Namespace::RAM, "SpecifiedLineTradeSettlement") => rules.br44,
                _ => continue,
            };
            let has = |local| charge.child(Namespace::RAM, local).is_some();
            sink.check(
                rule,
                has("Reason") || has("ReasonCode"),
                node,
                "the charge has neither a reason nor a reason code",
            );
        }
    }
}

/// Factur-X EXTENDED sub-line rules (§3.6), which differ from the EXTENDED-CTC-FR ones.
fn fx_sub_lines(line: &Line<'_>, items: &Items<'_>, sink: &mut Sink<'_>) {
    let node = line.item.node;
    let sub = line.sub_type.map(normalize_space).unwrap_or_default();
    let has_parent = line.parent.is_some_and(crate::ingest::validate::xpath::nb);
    let is_parent = line.id.is_some_and(|id| {
        items
            .lines
            .iter()
            .any(|l| l.parent.map(normalize_space).as_deref() == Some(id))
    });
    sink.check(
        &fx::FX_06,
        !(sub.is_empty() && (has_parent || is_parent)),
        node,
        "a parent or child line has no sub-type (ram:LineStatusReasonCode)",
    );
    if has_parent {
        let parent = line.parent.map(normalize_space);
        let found = items
            .lines
            .iter()
            .any(|l| l.id.map(normalize_space) == parent);
        sink.check(
            &fx::FX_11,
            found,
            node,
            "the parent line id (ram:ParentLineID) names no line",
        );
    }
    // BR-FXEXT-08 is a document-wide test evaluated on every line: the first line
    // reports it when any GROUP line's amount differs from the sum of its children.
    if items.lines.first().is_some_and(|l| l.item.node == node) {
        let wrong = items.lines.iter().any(|g| {
            g.sub_type == Some("GROUP")
                && g.item
                    .amount
                    .is_some_and(crate::ingest::validate::xpath::nb)
                && {
                    let sum: f64 = items
                        .lines
                        .iter()
                        .filter(|c| {
                            g.id.is_some()
                                && c.parent.map(normalize_space).as_deref() == g.id
                                && matches!(c.sub_type, Some("DETAIL" | "GROUP"))
                        })
                        .map(|c| c.item.amount.and_then(double).unwrap_or(f64::NAN))
                        .sum();
                    g.item.amount.and_then(double) != Some(sum)
                }
        });
        sink.check(
            &fx::FX_08,
            !wrong,
            node,
            "a GROUP line net amount differs from the sum of its DETAIL and GROUP lines",
        );
    }
}
