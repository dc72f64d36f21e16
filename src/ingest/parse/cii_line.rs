//! CII trade line items (BG-25..BG-32) -> [`InvoiceLine`], and the CII shapes shared
//! with the header: periods (BG-14, BG-26) and allowance/charge indicators.

use crate::invoice::{
    Identifier, InvoiceLine, ItemAttribute, ItemClassification, LineAllowanceCharge, Period,
    PriceDetails,
};
use crate::xml::{Namespace, Node};

use super::read::{Reader, attr, identifier, text};

const RAM: Namespace = Namespace::RAM;
const UDT: Namespace = Namespace::UDT;

pub(super) fn charge_indicator(r: &mut Reader, node: Node<'_>, term: &'static str) -> Option<bool> {
    let indicator = node
        .child(RAM, "ChargeIndicator")
        .and_then(|i| i.child(UDT, "Indicator"));
    r.indicator(indicator, term)
}

pub(super) fn period(
    r: &mut Reader,
    node: Node<'_>,
    start: &'static str,
    end: &'static str,
) -> Option<Period> {
    let period = Period {
        start: r.cii_date(node.child(RAM, "StartDateTime"), start),
        end: r.cii_date(node.child(RAM, "EndDateTime"), end),
    };
    (period != Period::default()).then_some(period)
}

pub(super) fn line(r: &mut Reader, node: Node<'_>) -> InvoiceLine {
    let mut line = InvoiceLine::default();
    for c in node.children() {
        match (c.namespace(), c.local_name()) {
            (RAM, "AssociatedDocumentLineDocument") => {
                line.identifier = text(c.child(RAM, "LineID"));
                line.note = c
                    .first(&[(RAM, "IncludedNote"), (RAM, "Content")])
                    .and_then(|n| text(Some(n)));
            }
            (RAM, "SpecifiedTradeProduct") => product(c, &mut line),
            (RAM, "SpecifiedLineTradeAgreement") => line_agreement(r, c, &mut line),
            (RAM, "SpecifiedLineTradeDelivery") => {
                let quantity = c.child(RAM, "BilledQuantity");
                line.quantity = r.quantity(quantity, "BT-129");
                line.unit_code = quantity.and_then(|q| attr(q, "unitCode"));
            }
            (RAM, "SpecifiedLineTradeSettlement") => line_settlement(r, c, &mut line),
            _ => {}
        }
    }
    line
}

fn product(node: Node<'_>, line: &mut InvoiceLine) {
    let item = &mut line.item;
    for c in node.children() {
        match (c.namespace(), c.local_name()) {
            (RAM, "GlobalID") => item.standard_identifier = identifier(Some(c), "schemeID"),
            (RAM, "SellerAssignedID") => item.sellers_identifier = text(Some(c)),
            (RAM, "BuyerAssignedID") => item.buyers_identifier = text(Some(c)),
            (RAM, "Name") => item.name = text(Some(c)),
            (RAM, "Description") => item.description = text(Some(c)),
            (RAM, "ApplicableProductCharacteristic") => item.attributes.push(ItemAttribute {
                name: text(c.child(RAM, "Description")),
                value: text(c.child(RAM, "Value")),
                ..ItemAttribute::default()
            }),
            (RAM, "DesignatedProductClassification") => {
                if let Some(code) = c.child(RAM, "ClassCode")
                    && let Some(value) = text(Some(code))
                {
                    item.classifications.push(ItemClassification {
                        value,
                        scheme: attr(code, "listID"),
                        scheme_version: attr(code, "listVersionID"),
                    });
                }
            }
            (RAM, "OriginTradeCountry") => item.country_of_origin = text(c.child(RAM, "ID")),
            _ => {}
        }
    }
}

fn line_agreement(r: &mut Reader, node: Node<'_>, line: &mut InvoiceLine) {
    let mut price = PriceDetails::default();
    for c in node.children() {
        match (c.namespace(), c.local_name()) {
            (RAM, "BuyerOrderReferencedDocument") => {
                line.order_line_reference = text(c.child(RAM, "LineID"))
            }
            (RAM, "GrossPriceProductTradePrice") => {
                price.gross_price = r.amount(c.child(RAM, "ChargeAmount"), "BT-148");
                price.discount = r.amount(
                    c.first(&[(RAM, "AppliedTradeAllowanceCharge"), (RAM, "ActualAmount")]),
                    "BT-147",
                );
                base_quantity(r, c, &mut price);
            }
            (RAM, "NetPriceProductTradePrice") => {
                price.net_price = r.amount(c.child(RAM, "ChargeAmount"), "BT-146");
                base_quantity(r, c, &mut price);
            }
            _ => {}
        }
    }
    line.price = price;
}

/// BT-149/BT-150 may be written on the gross price, the net price or both (with
/// the same value, CII-SR rules); the first one read wins.
fn base_quantity(r: &mut Reader, price_node: Node<'_>, price: &mut PriceDetails) {
    if price.base_quantity.is_some() {
        return;
    }
    let base = price_node.child(RAM, "BasisQuantity");
    price.base_quantity = r.quantity(base, "BT-149");
    price.base_quantity_unit_code = base.and_then(|b| attr(b, "unitCode"));
}

fn line_settlement(r: &mut Reader, node: Node<'_>, line: &mut InvoiceLine) {
    for c in node.children() {
        match (c.namespace(), c.local_name()) {
            (RAM, "ApplicableTradeTax") => {
                line.vat.category_code = text(c.child(RAM, "CategoryCode"));
                line.vat.rate = r.percent(c.child(RAM, "RateApplicablePercent"), "BT-152");
            }
            (RAM, "BillingSpecifiedPeriod") => line.period = period(r, c, "BT-134", "BT-135"),
            (RAM, "SpecifiedTradeAllowanceCharge") => {
                let (terms, list) = match charge_indicator(r, c, "BG-27/BG-28") {
                    Some(false) => (["BT-136", "BT-137", "BT-138"], &mut line.allowances),
                    Some(true) => (["BT-141", "BT-142", "BT-143"], &mut line.charges),
                    None => continue,
                };
                list.push(LineAllowanceCharge {
                    amount: r.amount(c.child(RAM, "ActualAmount"), terms[0]),
                    base_amount: r.amount(c.child(RAM, "BasisAmount"), terms[1]),
                    percentage: r.percent(c.child(RAM, "CalculationPercent"), terms[2]),
                    reason: text(c.child(RAM, "Reason")),
                    reason_code: text(c.child(RAM, "ReasonCode")),
                });
            }
            (RAM, "SpecifiedTradeSettlementLineMonetarySummation") => {
                line.net_amount = r.amount(c.child(RAM, "LineTotalAmount"), "BT-131")
            }
            // BT-128 is the line's referenced document typed 130 (invoiced object).
            (RAM, "AdditionalReferencedDocument")
                if text(c.child(RAM, "TypeCode")).as_deref() == Some("130") =>
            {
                line.object_identifier =
                    text(c.child(RAM, "IssuerAssignedID")).map(|value| Identifier {
                        value,
                        scheme: text(c.child(RAM, "ReferenceTypeCode")),
                    });
            }
            (RAM, "ReceivableSpecifiedTradeAccountingAccount") => {
                line.buyer_accounting_reference = text(c.child(RAM, "ID"))
            }
            _ => {}
        }
    }
}
