//! UBL invoice and credit note lines (BG-25..BG-32) -> [`InvoiceLine`], and the UBL
//! period shape shared by BG-14 and BG-26.

use crate::invoice::{
    InvoiceLine, ItemAttribute, ItemClassification, ItemInformation, LineAllowanceCharge, Period,
    PriceDetails,
};
use crate::xml::{Namespace, Node};

use super::read::{Reader, attr, identifier, text};

const CAC: Namespace = Namespace::CAC;
const CBC: Namespace = Namespace::CBC;

/// BG-14 / BG-26: a `cac:InvoicePeriod`; `None` when it holds neither date.
pub(super) fn period(
    r: &mut Reader,
    node: Node<'_>,
    start: &'static str,
    end: &'static str,
) -> Option<Period> {
    let period = Period {
        start: r.date(node.child(CBC, "StartDate"), start),
        end: r.date(node.child(CBC, "EndDate"), end),
    };
    (period != Period::default()).then_some(period)
}

/// BG-25: one `cac:InvoiceLine` or `cac:CreditNoteLine`, read through its children.
pub(super) fn line(r: &mut Reader, node: Node<'_>) -> InvoiceLine {
    let mut line = InvoiceLine::default();
    for c in node.children() {
        match (c.namespace(), c.local_name()) {
            (CBC, "ID") => line.identifier = text(Some(c)),
            (CBC, "Note") => line.note = text(Some(c)),
            (CBC, "InvoicedQuantity" | "CreditedQuantity") => {
                line.quantity = r.quantity(Some(c), "BT-129");
                line.unit_code = attr(c, "unitCode");
            }
            (CBC, "LineExtensionAmount") => line.net_amount = r.amount(Some(c), "BT-131"),
            (CBC, "AccountingCost") => line.buyer_accounting_reference = text(Some(c)),
            (CAC, "InvoicePeriod") => line.period = period(r, c, "BT-134", "BT-135"),
            (CAC, "OrderLineReference") => line.order_line_reference = text(c.child(CBC, "LineID")),
            // BT-128 is the line's document reference typed 130 (invoiced object).
            (CAC, "DocumentReference")
                if text(c.child(CBC, "DocumentTypeCode")).as_deref() == Some("130") =>
            {
                line.object_identifier = identifier(c.child(CBC, "ID"), "schemeID");
            }
            (CAC, "AllowanceCharge") => line_allowance_charge(r, c, &mut line),
            (CAC, "Item") => item(r, c, &mut line),
            (CAC, "Price") => line.price = price(r, c),
            _ => {}
        }
    }
    line
}

fn line_allowance_charge(r: &mut Reader, node: Node<'_>, line: &mut InvoiceLine) {
    let charge = r.indicator(node.child(CBC, "ChargeIndicator"), "BG-27/BG-28");
    let (terms, list) = match charge {
        Some(false) => (["BT-136", "BT-137", "BT-138"], &mut line.allowances),
        Some(true) => (["BT-141", "BT-142", "BT-143"], &mut line.charges),
        None => return,
    };
    list.push(LineAllowanceCharge {
        amount: r.amount(node.child(CBC, "Amount"), terms[0]),
        base_amount: r.amount(node.child(CBC, "BaseAmount"), terms[1]),
        percentage: r.percent(node.child(CBC, "MultiplierFactorNumeric"), terms[2]),
        reason: text(node.child(CBC, "AllowanceChargeReason")),
        reason_code: text(node.child(CBC, "AllowanceChargeReasonCode")),
    });
}

fn price(r: &mut Reader, node: Node<'_>) -> PriceDetails {
    let base = node.child(CBC, "BaseQuantity");
    let discount = node.child(CAC, "AllowanceCharge");
    PriceDetails {
        net_price: r.amount(node.child(CBC, "PriceAmount"), "BT-146"),
        discount: r.amount(discount.and_then(|d| d.child(CBC, "Amount")), "BT-147"),
        gross_price: r.amount(discount.and_then(|d| d.child(CBC, "BaseAmount")), "BT-148"),
        base_quantity: r.quantity(base, "BT-149"),
        base_quantity_unit_code: base.and_then(|b| attr(b, "unitCode")),
    }
}

fn item(r: &mut Reader, node: Node<'_>, line: &mut InvoiceLine) {
    let item: &mut ItemInformation = &mut line.item;
    for c in node.children() {
        match (c.namespace(), c.local_name()) {
            (CBC, "Description") => item.description = text(Some(c)),
            (CBC, "Name") => item.name = text(Some(c)),
            (CAC, "SellersItemIdentification") => {
                item.sellers_identifier = text(c.child(CBC, "ID"))
            }
            (CAC, "BuyersItemIdentification") => item.buyers_identifier = text(c.child(CBC, "ID")),
            (CAC, "StandardItemIdentification") => {
                item.standard_identifier = identifier(c.child(CBC, "ID"), "schemeID")
            }
            (CAC, "OriginCountry") => {
                item.country_of_origin = text(c.child(CBC, "IdentificationCode"))
            }
            (CAC, "CommodityClassification") => {
                if let Some(code) = c.child(CBC, "ItemClassificationCode")
                    && let Some(value) = text(Some(code))
                {
                    item.classifications.push(ItemClassification {
                        value,
                        scheme: attr(code, "listID"),
                        scheme_version: attr(code, "listVersionID"),
                    });
                }
            }
            (CAC, "ClassifiedTaxCategory") => {
                line.vat.category_code = text(c.child(CBC, "ID"));
                line.vat.rate = r.percent(c.child(CBC, "Percent"), "BT-152");
            }
            (CAC, "AdditionalItemProperty") => item.attributes.push(ItemAttribute {
                name: text(c.child(CBC, "Name")),
                value: text(c.child(CBC, "Value")),
                name_code: text(c.child(CBC, "NameCode")),
                value_quantity: r.quantity(c.child(CBC, "ValueQuantity"), "BT-161"),
            }),
            _ => {}
        }
    }
}
