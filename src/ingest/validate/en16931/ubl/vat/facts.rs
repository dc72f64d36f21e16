//! One walk over a UBL document gathering what the VAT category rules test: how often
//! each category occurs where, which party identifiers exist, and the line, allowance
//! and charge sums per category and per rate.

use std::borrow::Cow;

use super::super::Doc;
use crate::fxhash::FxHashMap;
use crate::ingest::validate::en16931::breakdown::{
    Breakdown, CREDIT_NOTE_LINE, INVOICE_LINE, Keys,
};
use crate::ingest::validate::xpath::{boolean, decimal, is_vat_id, normalized, sum};
use crate::xml::{Namespace, Node};

/// Up to this many ids on one tax category, [`Counts::add_raw_ids`] scans for
/// duplicates instead of sorting a copy.
const FEW_IDS: usize = 8;

/// Occurrences of tax categories per category code.
#[derive(Debug, Default)]
pub(super) struct Counts {
    by_code: FxHashMap<String, usize>,
    total: usize,
}

impl Counts {
    fn add(&mut self, code: &str) {
        self.bump(code);
        self.total += 1;
    }

    /// Adds one to `code`'s count, allocating the key only the first time.
    fn bump(&mut self, code: &str) {
        match self.by_code.get_mut(code) {
            Some(count) => *count += 1,
            None => {
                self.by_code.insert(code.to_string(), 1);
            }
        }
    }

    /// Counts a tax category under each of its raw `cbc:ID` values (`[cbc:ID = 'X']`
    /// compares every id exactly, without trimming).
    fn add_raw_ids(&mut self, category: Node<'_>) {
        let ids = || {
            category
                .children_named(Namespace::CBC, "ID")
                .map(|id| id.text())
        };
        if ids().nth(FEW_IDS).is_none() {
            // A category has one id: duplicates are found by a scan, without
            // collecting (every line's category is counted here).
            for (i, id) in ids().enumerate() {
                if !ids().take(i).any(|earlier| earlier == id) {
                    self.bump(id);
                }
            }
        } else {
            let mut ids: Vec<&str> = ids().collect();
            ids.sort_unstable();
            ids.dedup();
            for id in ids {
                self.bump(id);
            }
        }
        self.total += 1;
    }

    /// How many carry `code`.
    pub fn of(&self, code: &str) -> usize {
        self.by_code.get(code).copied().unwrap_or(0)
    }

    /// How many carry a code other than `code` (an absent code counts as other).
    pub fn other_than(&self, code: &str) -> usize {
        self.total - self.of(code)
    }
}

/// The party identifiers the -02 … -04 rules look for (`//` paths, any depth).
#[derive(Debug, Default)]
pub(super) struct PartyIds {
    /// Seller `PartyTaxScheme/cbc:CompanyID` of any tax scheme.
    pub seller_company: bool,
    /// Seller `PartyTaxScheme[VAT]/cbc:CompanyID`.
    pub seller_vat: bool,
    /// Tax representative `PartyTaxScheme[VAT]/cbc:CompanyID`.
    pub tax_rep_vat: bool,
    /// Buyer `PartyTaxScheme[VAT]/cbc:CompanyID`.
    pub buyer_vat: bool,
    /// Buyer `PartyLegalEntity/cbc:CompanyID`.
    pub buyer_legal: bool,
}

/// Everything the VAT category rules read, gathered once per document.
#[derive(Debug, Default)]
pub(super) struct Facts {
    pub sums: Breakdown,
    /// `//cac:ClassifiedTaxCategory`, any scheme and VAT scheme only.
    pub classified: Counts,
    pub classified_vat: Counts,
    /// VAT-scheme item tax categories per raw (untrimmed) id.
    pub classified_vat_raw: Counts,
    /// `//cac:TaxCategory[VAT]` wherever it is (breakdowns included).
    pub tax_category_vat: Counts,
    /// `//cac:AllowanceCharge/cac:TaxCategory`, any scheme and VAT scheme only.
    pub allowance_charge: Counts,
    pub allowance_charge_vat: Counts,
    /// Tax categories of allowances (`[0]`) and charges (`[1]`) at any depth: of any
    /// scheme, of the VAT scheme, and of the VAT scheme per raw id; then VAT-scheme
    /// ones at the document level only.
    pub by_indicator: [Counts; 2],
    pub by_indicator_vat: [Counts; 2],
    pub by_indicator_vat_raw: [Counts; 2],
    pub root_by_indicator_vat: [Counts; 2],
    /// Breakdown tax categories (`/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory`).
    pub breakdown: Counts,
    pub breakdown_vat: Counts,
    /// `exists(//cac:InvoiceLine)`, `exists(//cac:CreditNoteLine)`.
    pub line_kinds: [bool; 2],
    pub parties: PartyIds,
    /// BR-B-01: some `cac:TaxCategory` or `cac:ClassifiedTaxCategory` has `cbc:ID = 'B'`.
    pub split_payment_anywhere: bool,
    /// BR-B-01: some `cbc:IdentificationCode` differs from `IT`.
    pub foreign_country: bool,
    /// BR-B-02: 'B' / 'S' in a breakdown, a document-level allowance or charge, or an
    /// item tax category.
    pub split_payment_used: bool,
    pub standard_used: bool,
    /// The category codes and rates of the node being filed, reused from node to node
    /// (every line is filed: three allocations per line were a visible cost).
    scratch: Keys,
}

/// Reads the `normalize-space(cbc:ID)` codes and the `xs:decimal(cbc:Percent)` rates
/// of some tax categories into `keys`. A rate that is not a decimal matches no
/// breakdown rate.
fn read_keys<'d>(keys: &mut Keys, categories: impl Iterator<Item = Node<'d>>) {
    keys.clear();
    for category in categories {
        keys.push_code(&code(category));
        keys.rates.extend(
            category
                .children_named(Namespace::CBC, "Percent")
                .filter_map(|p| decimal(p.text())),
        );
    }
}

/// `normalize-space(cbc:ID)` of a tax category.
pub(super) fn code(category: Node<'_>) -> Cow<'_, str> {
    normalized(
        category
            .child(Namespace::CBC, "ID")
            .map_or("", |id| id.text()),
    )
}

/// `[cac:TaxScheme/normalize-space(upper-case(cbc:ID)) = 'VAT']`.
pub(super) fn is_vat(category: Node<'_>) -> bool {
    category
        .children_named(Namespace::CAC, "TaxScheme")
        .any(|scheme| {
            let id = scheme
                .child(Namespace::CBC, "ID")
                .map_or("", |id| id.text());
            is_vat_id(id)
        })
}

/// `cbc:ChargeIndicator` cast to a boolean: `Some(false)` for an allowance,
/// `Some(true)` for a charge, `None` when absent or not a boolean.
pub(super) fn indicator(allowance_charge: Node<'_>) -> Option<bool> {
    allowance_charge
        .child(Namespace::CBC, "ChargeIndicator")
        .and_then(|i| boolean(i.text()))
}

/// True when `node`'s parent, grandparent … are the `cac:` elements `names`.
fn under(node: Node<'_>, names: &[&str]) -> bool {
    let mut cur = node;
    for name in names {
        match cur.parent() {
            Some(p) if p.is(Namespace::CAC, name) => cur = p,
            _ => return false,
        }
    }
    true
}

impl Facts {
    pub fn gather(doc: &Doc<'_>) -> Facts {
        let mut facts = Facts::default();
        for node in doc.elements() {
            if node.namespace() == Namespace::CAC {
                facts.aggregate(doc, node);
            } else if node.is(Namespace::CBC, "IdentificationCode") {
                facts.foreign_country |= node.text() != "IT";
            } else if node.is(Namespace::CBC, "CompanyID") {
                facts.company_id(node);
            }
        }
        facts
    }

    fn aggregate(&mut self, doc: &Doc<'_>, node: Node<'_>) {
        match node.local_name() {
            "ClassifiedTaxCategory" => self.classified_category(node),
            "TaxCategory" => self.tax_category(doc, node),
            "AllowanceCharge" => self.allowance_charge(doc, node),
            "InvoiceLine" | "CreditNoteLine" => self.line(doc, node),
            _ => {}
        }
    }

    fn classified_category(&mut self, node: Node<'_>) {
        let code = code(node);
        self.classified.add(&code);
        if is_vat(node) {
            self.classified_vat.add(&code);
            self.classified_vat_raw.add_raw_ids(node);
        }
        self.split_payment_anywhere |= has_id(node, "B");
        self.split_payment_used |= has_id(node, "B");
        self.standard_used |= has_id(node, "S");
    }

    fn tax_category(&mut self, doc: &Doc<'_>, node: Node<'_>) {
        let code = code(node);
        let vat = is_vat(node);
        if vat {
            self.tax_category_vat.add(&code);
        }
        self.split_payment_anywhere |= has_id(node, "B");
        let Some(parent) = node.parent() else { return };
        let breakdown = under(node, &["TaxSubtotal", "TaxTotal"])
            && parent.parent().and_then(|t| t.parent()) == Some(doc.root);
        let root_allowance_charge =
            parent.is(Namespace::CAC, "AllowanceCharge") && parent.parent() == Some(doc.root);
        if breakdown {
            self.breakdown.add(&code);
            if vat {
                self.breakdown_vat.add(&code);
            }
        }
        if breakdown || root_allowance_charge {
            self.split_payment_used |= has_id(node, "B");
            self.standard_used |= has_id(node, "S");
        }
        if parent.is(Namespace::CAC, "AllowanceCharge") {
            self.allowance_charge.add(&code);
            if vat {
                self.allowance_charge_vat.add(&code);
            }
            if let Some(charge) = indicator(parent).map(usize::from) {
                self.by_indicator[charge].add(&code);
                if vat {
                    self.by_indicator_vat[charge].add(&code);
                    self.by_indicator_vat_raw[charge].add_raw_ids(node);
                    if root_allowance_charge {
                        self.root_by_indicator_vat[charge].add(&code);
                    }
                }
            }
        }
    }

    /// Files an allowance or charge: existence at any depth (BR-S-08), amounts only at
    /// the document level (`../../../cac:AllowanceCharge` from a breakdown).
    fn allowance_charge(&mut self, doc: &Doc<'_>, node: Node<'_>) {
        read_keys(
            &mut self.scratch,
            node.children_named(Namespace::CAC, "TaxCategory"),
        );
        let keys = &self.scratch;
        self.sums.mark_allowance_charge(keys.codes(), &keys.rates);
        if node.parent() == Some(doc.root)
            && let Some(charge) = indicator(node)
        {
            let amount = sum(node.children_named(Namespace::CBC, "Amount")).ok();
            self.sums
                .add_allowance_charge(charge, keys.codes(), &keys.rates, amount);
        }
    }

    /// Files a line: `exists(//cac:InvoiceLine)` at any depth, amounts for the lines of
    /// the document (`../../../cac:InvoiceLine` from a breakdown).
    fn line(&mut self, doc: &Doc<'_>, node: Node<'_>) {
        let kind = if node.local_name() == "InvoiceLine" {
            INVOICE_LINE
        } else {
            CREDIT_NOTE_LINE
        };
        self.line_kinds[kind] = true;
        if node.parent() != Some(doc.root) {
            return;
        }
        read_keys(
            &mut self.scratch,
            node.children_named(Namespace::CAC, "Item")
                .flat_map(|item| item.children_named(Namespace::CAC, "ClassifiedTaxCategory")),
        );
        let amount = sum(node.children_named(Namespace::CBC, "LineExtensionAmount")).ok();
        let keys = &self.scratch;
        self.sums.add_line(kind, keys.codes(), &keys.rates, amount);
    }

    fn company_id(&mut self, node: Node<'_>) {
        let Some(holder) = node.parent() else { return };
        let party_of = |role: &str| under(holder, &["Party", role]);
        if holder.is(Namespace::CAC, "PartyTaxScheme") {
            let vat = is_vat(holder);
            if party_of("AccountingSupplierParty") {
                self.parties.seller_company = true;
                self.parties.seller_vat |= vat;
            }
            if vat && under(holder, &["TaxRepresentativeParty"]) {
                self.parties.tax_rep_vat = true;
            }
            if vat && party_of("AccountingCustomerParty") {
                self.parties.buyer_vat = true;
            }
        } else if holder.is(Namespace::CAC, "PartyLegalEntity")
            && party_of("AccountingCustomerParty")
        {
            self.parties.buyer_legal = true;
        }
    }
}

/// `cbc:ID = 'X'` on a tax category: any of its ids, compared exactly (no trimming).
fn has_id(category: Node<'_>, code: &str) -> bool {
    category
        .children_named(Namespace::CBC, "ID")
        .any(|id| id.text() == code)
}
