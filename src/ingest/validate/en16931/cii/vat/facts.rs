//! One walk over a CII document gathering what the VAT category rules test: how many
//! line, header and allowance/charge taxes carry each category code, which party
//! registrations exist, and the line, allowance and charge sums per category and rate.

use super::super::{Doc, ram};
use super::Reading;
use crate::fxhash::FxHashMap;
use crate::ingest::validate::en16931::breakdown::{Breakdown, INVOICE_LINE, Keys};
use crate::ingest::validate::xpath::{boolean, decimal, sum};
use crate::xml::{Namespace, Node};

/// Up to this many codes on one tax element, [`Counts::add`] scans for duplicates.
const FEW_CODES: usize = 8;

/// Tax elements per category code. The official CII rules compare `ram:CategoryCode`
/// with `=`, exactly and existentially, so an element counts once under each of its
/// distinct codes.
#[derive(Debug, Default)]
pub(super) struct Counts(FxHashMap<String, usize>);

impl Counts {
    fn add(&mut self, codes: &[&str]) {
        // A tax has one code or two: duplicates are found by a scan, without the
        // sorted copy that a pathological element with many codes still gets.
        if codes.len() <= FEW_CODES {
            for (i, code) in codes.iter().enumerate() {
                if !codes[..i].contains(code) {
                    self.bump(code);
                }
            }
        } else {
            let mut codes = codes.to_vec();
            codes.sort_unstable();
            codes.dedup();
            for code in codes {
                self.bump(code);
            }
        }
    }

    /// Adds one to `code`'s count, allocating the key only the first time.
    fn bump(&mut self, code: &str) {
        match self.0.get_mut(code) {
            Some(count) => *count += 1,
            None => {
                self.0.insert(code.to_string(), 1);
            }
        }
    }

    pub fn of(&self, code: &str) -> usize {
        self.0.get(code).copied().unwrap_or(0)
    }
}

/// The seller, tax representative and buyer registrations the -02 … -04 rules read.
#[derive(Debug, Default)]
pub(super) struct PartyIds {
    /// `ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID = 'VA']`.
    pub seller_va: bool,
    /// The same with `@schemeID = 'FC'` (tax registration).
    pub seller_fc: bool,
    pub tax_rep_va: bool,
    pub buyer_va: bool,
    /// `ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID`.
    pub buyer_legal: bool,
}

/// Everything the VAT category rules read, gathered once per document.
#[derive(Debug, Default)]
pub(super) struct Facts {
    pub sums: Breakdown,
    /// `//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax`.
    pub line_taxes: Counts,
    /// `//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax`.
    pub header_taxes: Counts,
    /// `//ram:CategoryTradeTax` (allowances and charges, any level).
    pub allowance_charge_taxes: Counts,
    pub parties: PartyIds,
    /// BR-O-11/12: some `//ram:ApplicableTradeTax` has a category code other than O.
    pub other_than_o_applicable: bool,
    /// BR-O-13/14: some `//ram:CategoryTradeTax` has a category code other than O.
    pub other_than_o_allowance_charge: bool,
    /// BR-B-01/02: some `//ram:CategoryCode` is B, resp. S.
    pub split_payment: bool,
    pub standard: bool,
    /// BR-B-01: some `//ram:CountryID` differs from IT.
    pub foreign_country: bool,
    /// The codes and rates of the line, allowance or charge being filed.
    scratch: Keys,
}

/// The raw `ram:CategoryCode` values of a tax element.
pub(super) fn codes<'d>(tax: Node<'d>) -> Vec<&'d str> {
    tax.children_named(Namespace::RAM, "CategoryCode")
        .map(|c| c.text())
        .collect()
}

/// `ram:ChargeIndicator/udt:Indicator` cast to a boolean (`= true()`/`= false()`):
/// `None` when absent or not a boolean.
pub(super) fn indicator(allowance_charge: Node<'_>) -> Option<bool> {
    allowance_charge
        .first(&[ram("ChargeIndicator"), (Namespace::UDT, "Indicator")])
        .and_then(|i| boolean(i.text()))
}

/// True when `node`'s parent, grandparent … are the `ram:` elements `names`.
pub(super) fn under(node: Node<'_>, names: &[&str]) -> bool {
    let mut cur = node;
    for name in names {
        match cur.parent() {
            Some(p) if p.is(Namespace::RAM, name) => cur = p,
            _ => return false,
        }
    }
    true
}

/// Reads the category codes and decimal rates of some tax elements, as the sums key
/// them, into `keys`. A rate that is not a decimal matches no breakdown rate.
fn read_keys<'d>(keys: &mut Keys, taxes: impl Iterator<Item = Node<'d>>) {
    keys.clear();
    for tax in taxes {
        for code in tax.children_named(Namespace::RAM, "CategoryCode") {
            keys.push_code(code.text());
        }
        keys.rates.extend(
            tax.children_named(Namespace::RAM, "RateApplicablePercent")
                .filter_map(|r| decimal(r.text())),
        );
    }
}

impl Facts {
    pub fn gather(doc: &Doc<'_>, reading: Reading) -> Facts {
        let mut facts = Facts::default();
        for node in doc.elements() {
            if node.namespace() != Namespace::RAM {
                continue;
            }
            match node.local_name() {
                "ApplicableTradeTax" => facts.applicable_tax(node),
                "CategoryTradeTax" => {
                    let codes = codes(node);
                    facts.allowance_charge_taxes.add(&codes);
                    facts.other_than_o_allowance_charge |= codes.iter().any(|c| *c != "O");
                }
                "CategoryCode" => {
                    facts.split_payment |= node.text() == "B";
                    facts.standard |= node.text() == "S";
                }
                "CountryID" => facts.foreign_country |= node.text() != "IT",
                "ID" => facts.registration(node),
                _ => {}
            }
        }
        facts.file_sums(doc, reading);
        facts
    }

    fn applicable_tax(&mut self, tax: Node<'_>) {
        let codes = codes(tax);
        self.other_than_o_applicable |= codes.iter().any(|c| *c != "O");
        match tax.parent() {
            Some(p) if p.is(Namespace::RAM, "SpecifiedLineTradeSettlement") => {
                self.line_taxes.add(&codes)
            }
            Some(p) if p.is(Namespace::RAM, "ApplicableHeaderTradeSettlement") => {
                self.header_taxes.add(&codes)
            }
            _ => {}
        }
    }

    fn registration(&mut self, id: Node<'_>) {
        let p = &mut self.parties;
        if under(id, &["SpecifiedTaxRegistration", "SellerTradeParty"]) {
            p.seller_va |= id.attr("schemeID") == Some("VA");
            p.seller_fc |= id.attr("schemeID") == Some("FC");
        } else if under(
            id,
            &[
                "SpecifiedTaxRegistration",
                "SellerTaxRepresentativeTradeParty",
            ],
        ) {
            p.tax_rep_va |= id.attr("schemeID") == Some("VA");
        } else if under(id, &["SpecifiedTaxRegistration", "BuyerTradeParty"]) {
            p.buyer_va |= id.attr("schemeID") == Some("VA");
        } else if under(id, &["SpecifiedLegalOrganization", "BuyerTradeParty"]) {
            p.buyer_legal = true;
        }
    }

    /// Files the lines of `$TX` and the allowances and charges of `$STL`.
    fn file_sums(&mut self, doc: &Doc<'_>, reading: Reading) {
        let lines = doc
            .transaction
            .into_iter()
            .flat_map(|t| t.children_named(Namespace::RAM, "IncludedSupplyChainTradeLineItem"))
            .flat_map(|line| line.children_named(Namespace::RAM, "SpecifiedLineTradeSettlement"));
        for settlement in lines {
            read_keys(
                &mut self.scratch,
                settlement.children_named(Namespace::RAM, "ApplicableTradeTax"),
            );
            let keys = &self.scratch;
            let amounts = settlement
                .children_named(
                    Namespace::RAM,
                    "SpecifiedTradeSettlementLineMonetarySummation",
                )
                .flat_map(|s| s.children_named(Namespace::RAM, "LineTotalAmount"));
            self.sums
                .add_line(INVOICE_LINE, keys.codes(), &keys.rates, sum(amounts).ok());
        }
        let allowance_charges = doc
            .settlement
            .into_iter()
            .flat_map(|s| s.children_named(Namespace::RAM, "SpecifiedTradeAllowanceCharge"));
        for ac in allowance_charges {
            let Some(charge) = indicator(ac) else {
                continue;
            };
            read_keys(
                &mut self.scratch,
                ac.children_named(Namespace::RAM, "CategoryTradeTax"),
            );
            let keys = &self.scratch;
            // EN reads the first `ram:ActualAmount` only (`ram:ActualAmount[1]`). Of the
            // breakdown rules that read these sums, Factur-X's BR-S-08 sums every
            // `ram:ActualAmount` (rules-catalogue-profiles §3.5); BR-O-08 keeps the
            // EN test, and the other categories' -08 rules read the category sums.
            let all = reading == Reading::FacturX && keys.codes().iter().any(|c| c == "S");
            let amount = if all {
                sum(ac.children_named(Namespace::RAM, "ActualAmount")).ok()
            } else {
                sum(ac.child(Namespace::RAM, "ActualAmount")).ok()
            };
            self.sums
                .add_allowance_charge(charge, keys.codes(), &keys.rates, amount);
        }
    }
}
