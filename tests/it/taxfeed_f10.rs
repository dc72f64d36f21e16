//! F10 e-reporting against the official XSD and against plain recomputations: 10.1
//! from the corpus's international B2B invoices, 10.3 from its B2C invoices plus
//! generated transactions, 10.2 and 10.4 payments, initial and corrective files.

use std::collections::BTreeMap;
use std::path::Path;

use facteur::identifiers::{Matricule, Siren};
use facteur::invoice::{Date, Invoice};
use facteur::taxfeed::f10::international::{b2c_transaction, operation_date};
use facteur::taxfeed::f10::period::period_of;
use facteur::taxfeed::f10::{
    B2cAggregator, B2cPayment, Body, Category, Currency, DataKind, Declarant, F10Invoice,
    InvoicePayment, RatePayment, ReportingPeriod, Role, Sequence, Transmission, VatRegime,
    aggregate_payments,
};
use facteur::taxfeed::{ApplicationCode, Instant, Platform, ProcessingType, processing_type};
use rust_decimal::Decimal;

use super::{accepted_corpus_invoices, have_xmllint, shared, xmllint};

pub fn platform() -> Platform {
    Platform {
        matricule: Matricule::parse("0042").expect("valid"),
        name: "facteur PA".into(),
        application_code: ApplicationCode::parse("FAC001").expect("valid"),
    }
}

pub fn declarant(siren: &str, role: Role) -> Declarant {
    Declarant {
        siren: Siren::parse(siren).expect("valid SIREN"),
        name: "Déclarant & Cie".into(),
        role,
        regime: VatRegime::NormalMonthly,
        vat_option_code: None,
    }
}

fn issued() -> Instant {
    Instant::parse("20270201080000").expect("valid")
}

fn xsd(shared: &Path) -> std::path::PathBuf {
    shared.join("reference/dgfip/xsd-f10/ereporting.xsd")
}

fn d(y: u16, m: u8, day: u8) -> Date {
    Date::new(y, m, day).expect("valid")
}

fn seller_siren(invoice: &Invoice) -> Option<String> {
    invoice
        .seller
        .legal_registration_identifier
        .as_ref()
        .filter(|id| id.has_scheme("0002"))
        .map(|id| id.value.clone())
}

#[test]
fn international_invoices_validate_and_keep_their_totals() {
    let Some(shared) = shared() else { return };
    let invoices: Vec<Invoice> = accepted_corpus_invoices(&shared)
        .into_iter()
        .map(|(_, i, _)| i)
        .filter(|i| processing_type(i) == Ok(ProcessingType::B2BInt))
        .collect();
    assert!(
        invoices.len() >= 5,
        "only {} B2BINT invoices",
        invoices.len()
    );
    // One transmission per (declarant, period), as the PPF wants them.
    let mut groups: BTreeMap<(String, ReportingPeriod), Vec<F10Invoice>> = BTreeMap::new();
    for invoice in &invoices {
        let f = F10Invoice::from_invoice(invoice).unwrap_or_else(|e| panic!("{e}"));
        let siren = seller_siren(invoice).expect("French seller");
        let date = operation_date(invoice).expect("dated");
        let period = period_of(VatRegime::NormalMonthly, DataKind::Transactions, date);
        groups.entry((siren, period)).or_default().push(f);
    }
    let mut files = Vec::new();
    for ((siren, period), group) in groups {
        let expected: Vec<String> = group
            .iter()
            .flat_map(|f| f.invoice.vat_breakdown.iter())
            .filter_map(|v| v.taxable_amount.map(|a| a.to_string()))
            .collect();
        let count = group.len();
        for sequence in [Sequence::INITIAL, Sequence(2)] {
            let t = Transmission {
                sender: platform(),
                declarant: declarant(&siren, Role::Seller),
                period,
                sequence,
                issued_at: issued(),
                body: Body::Transactions {
                    invoices: group.clone(),
                    aggregates: Vec::new(),
                },
            };
            let file = t.to_file().expect("writes");
            assert_eq!(file.xml.matches("<Invoice>").count(), count);
            let written: Vec<String> = file
                .xml
                .lines()
                .filter_map(|l| l.strip_prefix("<TaxableAmount>"))
                .map(|l| l.trim_end_matches("</TaxableAmount>").to_string())
                .collect();
            assert_eq!(written, expected, "taxable amounts per rate");
            assert!(file.xml.contains(&format!(
                "<StartDate>{}</StartDate>",
                facteur::taxfeed::time::format_102(period.start)
            )));
            files.push((file.file_name.clone(), file.xml));
        }
    }
    if have_xmllint() {
        let failures = xmllint(&xsd(&shared), "f10-101", &files);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

/// The plain recomputation: per (day, currency, category, rate), sums in a B-tree,
/// no shared code with the aggregator.
type Naive = BTreeMap<(Date, String, String, String), (Decimal, Decimal, u64)>;

fn naive(transactions: &[facteur::taxfeed::f10::B2cTransaction]) -> Naive {
    let mut out = Naive::new();
    for t in transactions {
        for a in &t.amounts {
            let key = (
                t.date,
                t.currency.to_string(),
                t.category.code().to_string(),
                a.rate.normalize().to_string(),
            );
            let e = out.entry(key).or_default();
            e.0 += a.taxable;
            e.1 += a.vat;
        }
    }
    out
}

#[test]
fn b2c_aggregation_matches_a_plain_recomputation_and_validates() {
    let Some(shared) = shared() else { return };
    let first = d(2026, 9, 1);
    let mut transactions = facteur::samples::b2c_transactions(20_000, 42, first, 10);
    // The corpus's B2C invoices join the day of their operation when it falls in
    // the same decade; mixed frameworks are refused by design.
    let mut from_invoices = 0;
    for (_, invoice, _) in accepted_corpus_invoices(&shared) {
        if processing_type(&invoice) != Ok(ProcessingType::B2C) {
            continue;
        }
        match b2c_transaction(&invoice) {
            Ok(mut t) => {
                t.date = d(2026, 9, 1 + (from_invoices % 10) as u8);
                transactions.push(t);
                from_invoices += 1;
            }
            Err(e) => assert!(e.to_string().contains("mixed framework"), "{e}"),
        }
    }
    assert!(
        from_invoices >= 5,
        "only {from_invoices} B2C invoices converted"
    );

    let mut agg = B2cAggregator::new();
    for t in &transactions {
        agg.add(t);
    }
    let aggregates = agg.finish();
    let expected = naive(&transactions);
    let mut got = Naive::new();
    let mut counted = 0;
    for a in &aggregates {
        counted += a.count;
        let mut taxable = Decimal::ZERO;
        let mut vat = Decimal::ZERO;
        for s in &a.subtotals {
            let key = (
                a.date,
                a.currency.to_string(),
                a.category.code().to_string(),
                s.rate.normalize().to_string(),
            );
            assert!(
                got.insert(key, (s.taxable, s.vat, 0)).is_none(),
                "one subtotal per rate"
            );
            taxable += s.taxable;
            vat += s.vat;
        }
        assert_eq!(
            (taxable, vat),
            (a.taxable_total, a.vat_total),
            "G1.53 totals"
        );
    }
    assert_eq!(counted, transactions.len() as u64);
    let expected: Naive = expected
        .into_iter()
        .map(|(k, (t, v, _))| (k, (t, v, 0)))
        .collect();
    assert_eq!(got, expected);
    // Every (day, currency, category) appears once.
    let mut keys: Vec<_> = aggregates
        .iter()
        .map(|a| (a.date, a.currency, a.category))
        .collect();
    keys.dedup();
    assert_eq!(keys.len(), aggregates.len());
    assert!(aggregates.iter().any(|a| a.currency != Currency::EUR));
    assert!(aggregates.iter().any(|a| a.category == Category::TMA1));

    let period = ReportingPeriod {
        start: first,
        end: d(2026, 9, 10),
    };
    let mut files = Vec::new();
    for sequence in [Sequence::INITIAL, Sequence(2)] {
        let mut declarant = declarant("906170857", Role::Seller);
        declarant.vat_option_code = Some("5".into());
        let t = Transmission {
            sender: platform(),
            declarant,
            period,
            sequence,
            issued_at: issued(),
            body: Body::Transactions {
                invoices: Vec::new(),
                aggregates: aggregates.clone(),
            },
        };
        let file = t.to_file().expect("writes");
        assert_eq!(file.xml.matches("<Transactions>").count(), aggregates.len());
        files.push((file.file_name, file.xml));
    }
    if have_xmllint() {
        let failures = xmllint(&xsd(&shared), "f10-103", &files);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

#[test]
fn payments_validate_and_sum_per_day() {
    let Some(shared) = shared() else { return };
    let rate = |r: i64, a: i64| RatePayment {
        rate: Decimal::new(r, 1),
        amount: Decimal::new(a, 2),
    };
    let b2c: Vec<B2cPayment> = (0..300)
        .map(|n| B2cPayment {
            date: d(2026, 9, 1 + (n % 30) as u8),
            amounts: vec![rate(200, 1000 + n), rate(55, 7 * n)],
        })
        .collect();
    let days = aggregate_payments(&b2c);
    assert_eq!(days.len(), 30);
    let total: Decimal = days
        .iter()
        .flat_map(|d| d.subtotals.iter())
        .map(|s| s.amount)
        .sum();
    let expected: Decimal = b2c
        .iter()
        .flat_map(|p| p.amounts.iter())
        .map(|s| s.amount)
        .sum();
    assert_eq!(total, expected);
    let invoices = vec![InvoicePayment {
        invoice_id: "INT-2026-7".into(),
        issue_date: d(2026, 8, 20),
        payment_date: d(2026, 9, 12),
        amounts: vec![rate(200, 120_000)],
    }];
    let t = Transmission {
        sender: platform(),
        declarant: declarant("906170857", Role::Seller),
        period: period_of(VatRegime::NormalMonthly, DataKind::Payments, d(2026, 9, 12)),
        sequence: Sequence::INITIAL,
        issued_at: issued(),
        body: Body::Payments { invoices, days },
    };
    let file = t.to_file().expect("writes");
    assert!(file.transmission_id.contains("-P-20260901-"));
    assert!(
        file.xml.contains("<StartDate>20260901</StartDate>")
            && file.xml.contains("<EndDate>20260930</EndDate>")
    );
    if have_xmllint() {
        let failures = xmllint(&xsd(&shared), "f10-pay", &[(file.file_name, file.xml)]);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
