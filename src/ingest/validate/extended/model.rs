//! The syntax-neutral view the EXTENDED-CTC-FR rules (and the Factur-X EXTENDED rules
//! that copy them) read: invoice lines with their sub-line fields, document
//! allowances, charges and logistics fees, each with its VAT category.
//!
//! Multi-vendor invoices carry GROUP and INFORMATION lines next to the DETAIL lines;
//! only DETAIL lines (and lines without sub-type) count in totals. UBL marks the
//! sub-type in a line-level self-reference (a `cac:BillingReference` naming BT-1), CII
//! in `ram:AssociatedDocumentLineDocument` (rules-catalogue-profiles §1.5).

use rust_decimal::Decimal;

use crate::ingest::validate::xpath::{boolean, decimal, normalize_space};
use crate::xml::{Namespace, Node};

/// A VAT category as an item or a breakdown carries it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tax {
    /// The category code: normalize-space in UBL, exact in CII.
    pub category: String,
    /// `xs:decimal` of the rate; `None` when absent or not a number.
    pub rate: Option<Decimal>,
    /// normalize-space of the exemption reason code and text ('' when absent).
    pub reason_code: String,
    pub reason: String,
}

/// An amount-bearing item of the VAT and total rules.
#[derive(Clone, Debug)]
pub(crate) struct Item<'d> {
    pub node: Node<'d>,
    /// The amount's raw text (line net amount, allowance or charge amount, fee).
    pub amount: Option<&'d str>,
    /// The item's VAT categories (several make some official tests ill-defined).
    pub taxes: Vec<Tax>,
}

/// An invoice line with its sub-line fields.
#[derive(Clone, Debug)]
pub(crate) struct Line<'d> {
    pub item: Item<'d>,
    /// BT-126 (raw text).
    pub id: Option<&'d str>,
    /// EXT-FR-FE-163, the sub-type: DETAIL, GROUP or INFORMATION (raw text).
    pub sub_type: Option<&'d str>,
    /// EXT-FR-FE-162, the parent line id (raw text).
    pub parent: Option<&'d str>,
    /// Counts in totals (U-IN / C-IN): no sub-type, or DETAIL.
    pub counted: bool,
}

/// The document's items, in document order.
#[derive(Debug, Default)]
pub(crate) struct Items<'d> {
    pub lines: Vec<Line<'d>>,
    pub allowances: Vec<Item<'d>>,
    pub charges: Vec<Item<'d>>,
    /// CII logistics service fees (BT-X-272); always empty in UBL.
    pub fees: Vec<Item<'d>>,
}

fn text<'d>(node: Option<Node<'d>>) -> Option<&'d str> {
    node.map(|n| n.text())
}

fn normalized(node: Option<Node<'_>>) -> String {
    node.map(|n| normalize_space(n.text())).unwrap_or_default()
}

/// A UBL `cac:ClassifiedTaxCategory` / `cac:TaxCategory`.
pub(crate) fn ubl_tax(node: Node<'_>) -> Tax {
    let cbc = |local| node.child(Namespace::CBC, local);
    Tax {
        category: normalized(cbc("ID")),
        rate: cbc("Percent").and_then(|p| decimal(p.text())),
        reason_code: normalized(cbc("TaxExemptionReasonCode")),
        reason: normalized(cbc("TaxExemptionReason")),
    }
}

/// A CII `ram:ApplicableTradeTax` / `ram:CategoryTradeTax` / `ram:AppliedTradeTax`.
pub(crate) fn cii_tax(node: Node<'_>) -> Tax {
    let ram = |local| node.child(Namespace::RAM, local);
    Tax {
        category: ram("CategoryCode")
            .map(|c| c.text().to_string())
            .unwrap_or_default(),
        rate: ram("RateApplicablePercent").and_then(|p| decimal(p.text())),
        reason_code: normalized(ram("ExemptionReasonCode")),
        reason: normalized(ram("ExemptionReason")),
    }
}

/// The self-reference of a UBL line: its `cac:BillingReference` whose
/// `cac:InvoiceDocumentReference/cbc:ID` equals BT-1.
pub(crate) fn ubl_self_reference<'d>(line: Node<'d>, bt1: &str) -> Option<Node<'d>> {
    line.children_named(Namespace::CAC, "BillingReference")
        .find(|r| {
            r.first(&[
                (Namespace::CAC, "InvoiceDocumentReference"),
                (Namespace::CBC, "ID"),
            ])
            .is_some_and(|id| id.text() == bt1)
        })
}

/// The UBL items: lines (children of the root), root allowances and charges.
pub(crate) fn ubl(root: Node<'_>) -> Items<'_> {
    let bt1 = root.child(Namespace::CBC, "ID").map_or("", |n| n.text());
    let mut items = Items::default();
    for node in root.children() {
        if node.is(Namespace::CAC, "InvoiceLine") || node.is(Namespace::CAC, "CreditNoteLine") {
            let own = ubl_self_reference(node, bt1);
            let sub_type = own.and_then(|r| {
                r.first(&[
                    (Namespace::CAC, "InvoiceDocumentReference"),
                    (Namespace::CBC, "DocumentStatusCode"),
                ])
            });
            let parent = own.and_then(|r| {
                r.first(&[
                    (Namespace::CAC, "BillingReferenceLine"),
                    (Namespace::CBC, "ID"),
                ])
            });
            let counted = own.is_none() || sub_type.is_some_and(|s| s.text() == "DETAIL");
            let taxes = node
                .all(&[
                    (Namespace::CAC, "Item"),
                    (Namespace::CAC, "ClassifiedTaxCategory"),
                ])
                .into_iter()
                .map(ubl_tax)
                .collect();
            items.lines.push(Line {
                item: Item {
                    node,
                    amount: text(node.child(Namespace::CBC, "LineExtensionAmount")),
                    taxes,
                },
                id: text(node.child(Namespace::CBC, "ID")),
                sub_type: text(sub_type),
                parent: text(parent),
                counted,
            });
        } else if node.is(Namespace::CAC, "AllowanceCharge") {
            let item = Item {
                node,
                amount: text(node.child(Namespace::CBC, "Amount")),
                taxes: node
                    .children_named(Namespace::CAC, "TaxCategory")
                    .map(ubl_tax)
                    .collect(),
            };
            let indicator = |value| {
                node.children_named(Namespace::CBC, "ChargeIndicator")
                    .any(|i| boolean(i.text()) == Some(value))
            };
            if indicator(false) {
                items.allowances.push(item);
            } else if indicator(true) {
                items.charges.push(item);
            }
        }
    }
    items
}

/// The CII items: every line item, the header allowances, charges and fees.
pub(crate) fn cii(root: Node<'_>) -> Items<'_> {
    let mut items = Items::default();
    let ram = |local| (Namespace::RAM, local);
    for node in root.document().elements() {
        if node.is(Namespace::RAM, "IncludedSupplyChainTradeLineItem") {
            let doc_line = node.child(Namespace::RAM, "AssociatedDocumentLineDocument");
            let field = |local| doc_line.and_then(|d| d.child(Namespace::RAM, local));
            let sub_type = text(field("LineStatusReasonCode"));
            items.lines.push(Line {
                item: Item {
                    node,
                    amount: text(node.first(&[
                        ram("SpecifiedLineTradeSettlement"),
                        ram("SpecifiedTradeSettlementLineMonetarySummation"),
                        ram("LineTotalAmount"),
                    ])),
                    taxes: node
                        .all(&[
                            ram("SpecifiedLineTradeSettlement"),
                            ram("ApplicableTradeTax"),
                        ])
                        .into_iter()
                        .map(cii_tax)
                        .collect(),
                },
                id: text(field("LineID")),
                sub_type,
                parent: text(field("ParentLineID")),
                counted: sub_type.is_none_or(|s| s == "DETAIL"),
            });
        }
    }
    let settlement = root.first(&[
        (Namespace::RSM, "SupplyChainTradeTransaction"),
        ram("ApplicableHeaderTradeSettlement"),
    ]);
    for node in settlement.iter().flat_map(|s| s.children()) {
        if node.is(Namespace::RAM, "SpecifiedTradeAllowanceCharge") {
            let item = Item {
                node,
                amount: text(node.child(Namespace::RAM, "ActualAmount")),
                taxes: node
                    .children_named(Namespace::RAM, "CategoryTradeTax")
                    .map(cii_tax)
                    .collect(),
            };
            let indicator = |value| {
                node.all(&[ram("ChargeIndicator"), (Namespace::UDT, "Indicator")])
                    .iter()
                    .any(|i| boolean(i.text()) == Some(value))
            };
            if indicator(false) {
                items.allowances.push(item);
            } else if indicator(true) {
                items.charges.push(item);
            }
        } else if node.is(Namespace::RAM, "SpecifiedLogisticsServiceCharge") {
            items.fees.push(Item {
                node,
                amount: text(node.child(Namespace::RAM, "AppliedAmount")),
                taxes: node
                    .children_named(Namespace::RAM, "AppliedTradeTax")
                    .map(cii_tax)
                    .collect(),
            });
        }
    }
    items
}

/// How amounts are added: the UBL rules and some CII ones add untyped values as
/// `xs:double` in document order, the others `xs:decimal` (§1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arith {
    Double,
    Decimal,
}

/// `r2(Σ amounts)`, as the rule's arithmetic computes it, converted exactly to a
/// decimal (Saxon's `xs:decimal(double)` is the exact binary expansion). `None` when
/// an amount is not a number (the official sum would be NaN or an error).
pub(crate) fn r2_sum<'a>(
    amounts: impl IntoIterator<Item = &'a str>,
    arith: Arith,
) -> Option<Decimal> {
    match arith {
        Arith::Decimal => {
            let mut sum = Decimal::ZERO;
            for a in amounts {
                sum += decimal(a)?;
            }
            Some(crate::ingest::validate::xpath::r2(sum))
        }
        Arith::Double => {
            let mut sum = 0f64;
            for a in amounts {
                sum += crate::ingest::validate::xpath::double(a)?;
            }
            exact(r2_double(sum))
        }
    }
}

/// XPath `round(v * 100) div 100` on a double (halves towards +∞).
pub(crate) fn r2_double(v: f64) -> f64 {
    (v * 100.0 + 0.5).floor() / 100.0
}

/// The exact decimal value of a finite double.
pub(crate) fn exact(v: f64) -> Option<Decimal> {
    Decimal::from_f64_retain(v)
}

/// 0.01 × n.
pub(crate) fn cents(n: usize) -> Decimal {
    Decimal::new(i64::try_from(n).unwrap_or(i64::MAX), 2)
}
