//! B2C aggregation in one pass: transactions summed per (day, currency, category)
//! with per-rate subtotals (10.3), payments summed per day with per-rate subtotals
//! (10.4). Hash maps keyed by small `Copy` keys, exact decimals, no sorting until the
//! end (the output is ordered by key so a file is reproducible).
//!
//! A day has a handful of rates, so per-rate sums live in a short vector scanned
//! linearly, cheaper than a nested map. Rates compare by value (`20` = `20.00`).

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::records::{B2cPayment, B2cTransaction, Category, Currency, RateAmount, RatePayment};
use crate::invoice::Date;

/// The sums at one VAT rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateSubtotal {
    /// TT-86.
    #[serde(with = "super::serde_decimal")]
    pub rate: Decimal,
    /// TT-87.
    #[serde(with = "super::serde_decimal")]
    pub taxable: Decimal,
    /// TT-88.
    #[serde(with = "super::serde_decimal")]
    pub vat: Decimal,
}

/// One 10.3 occurrence: a day, a currency, a category.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyAggregate {
    /// TT-77.
    #[serde(with = "super::serde_date")]
    pub date: Date,
    /// TT-78.
    pub currency: Currency,
    /// TT-81.
    pub category: Category,
    /// TT-82 = Σ taxable.
    #[serde(with = "super::serde_decimal")]
    pub taxable_total: Decimal,
    /// TT-83 = Σ VAT, in EUR.
    #[serde(with = "super::serde_decimal")]
    pub vat_total: Decimal,
    /// TT-85.
    pub count: u64,
    /// TG-32, ordered by rate.
    pub subtotals: Vec<RateSubtotal>,
}

/// One 10.4 occurrence: a day's payments per rate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyPayments {
    /// TT-96.
    #[serde(with = "super::serde_date")]
    pub date: Date,
    /// TG-39: (rate TT-97, amount TT-99), ordered by rate.
    pub subtotals: Vec<RatePayment>,
}

#[derive(Default)]
struct Sums {
    count: u64,
    rates: Vec<RateSubtotal>,
}

impl Sums {
    fn add(&mut self, a: &RateAmount) {
        match self.rates.iter_mut().find(|r| r.rate == a.rate) {
            Some(r) => {
                r.taxable += a.taxable;
                r.vat += a.vat;
            }
            None => self.rates.push(RateSubtotal {
                rate: a.rate.normalize(),
                taxable: a.taxable,
                vat: a.vat,
            }),
        }
    }
}

/// Sums B2C transactions as they come; [`B2cAggregator::finish`] gives the 10.3
/// occurrences.
#[derive(Default)]
pub struct B2cAggregator {
    sums: HashMap<(Date, Currency, Category), Sums>,
}

impl B2cAggregator {
    pub fn new() -> B2cAggregator {
        B2cAggregator::default()
    }

    pub fn add(&mut self, t: &B2cTransaction) {
        let sums = self
            .sums
            .entry((t.date, t.currency, t.category))
            .or_default();
        sums.count += t.count;
        for a in &t.amounts {
            sums.add(a);
        }
    }

    /// The occurrences, ordered by (day, currency, category), each with its rates
    /// ordered.
    pub fn finish(self) -> Vec<DailyAggregate> {
        let mut out: Vec<DailyAggregate> = self
            .sums
            .into_iter()
            .map(|((date, currency, category), mut sums)| {
                sums.rates.sort_by_key(|r| r.rate);
                DailyAggregate {
                    date,
                    currency,
                    category,
                    taxable_total: sums.rates.iter().map(|r| r.taxable).sum(),
                    vat_total: sums.rates.iter().map(|r| r.vat).sum(),
                    count: sums.count,
                    subtotals: sums.rates,
                }
            })
            .collect();
        out.sort_by_key(|a| (a.date, a.currency, a.category));
        out
    }
}

/// Sums B2C payments per day (10.4).
pub fn aggregate_payments<'a>(
    payments: impl IntoIterator<Item = &'a B2cPayment>,
) -> Vec<DailyPayments> {
    let mut days: HashMap<Date, Vec<RatePayment>> = HashMap::new();
    for p in payments {
        let rates = days.entry(p.date).or_default();
        for a in &p.amounts {
            match rates.iter_mut().find(|r| r.rate == a.rate) {
                Some(r) => r.amount += a.amount,
                None => rates.push(RatePayment {
                    rate: a.rate.normalize(),
                    amount: a.amount,
                }),
            }
        }
    }
    let mut out: Vec<DailyPayments> = days
        .into_iter()
        .map(|(date, mut subtotals)| {
            subtotals.sort_by_key(|r| r.rate);
            DailyPayments { date, subtotals }
        })
        .collect();
    out.sort_by_key(|d| d.date);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(day: u8, category: Category, rate: i64, taxable: i64, vat: i64) -> B2cTransaction {
        B2cTransaction {
            date: Date::new(2026, 9, day).expect("valid"),
            currency: Currency::EUR,
            category,
            amounts: vec![RateAmount {
                rate: Decimal::new(rate, 1),
                taxable: Decimal::new(taxable, 2),
                vat: Decimal::new(vat, 2),
            }],
            count: 1,
        }
    }

    #[test]
    fn sums_per_day_currency_category_and_rate() {
        let mut agg = B2cAggregator::new();
        agg.add(&t(15, Category::TLB1, 200, 1000, 200));
        agg.add(&t(15, Category::TLB1, 55, 1000, 55));
        agg.add(&t(15, Category::TLB1, 200, 50, 10));
        agg.add(&t(15, Category::TPS1, 200, 1000, 200));
        agg.add(&t(16, Category::TLB1, 200, 1, 0));
        let out = agg.finish();
        assert_eq!(out.len(), 3);
        let first = &out[0];
        assert_eq!((first.date.day, first.category), (15, Category::TLB1));
        assert_eq!(first.count, 3);
        assert_eq!(first.taxable_total, Decimal::new(2050, 2));
        assert_eq!(first.vat_total, Decimal::new(265, 2));
        assert_eq!(first.subtotals.len(), 2);
        assert_eq!(first.subtotals[0].rate, Decimal::new(55, 1));
        assert_eq!(first.subtotals[1].taxable, Decimal::new(1050, 2));
    }

    #[test]
    fn payments_per_day() {
        let p = |day, rate: i64, amount: i64| B2cPayment {
            date: Date::new(2026, 9, day).expect("valid"),
            amounts: vec![RatePayment {
                rate: Decimal::new(rate, 0),
                amount: Decimal::new(amount, 2),
            }],
        };
        let out = aggregate_payments(&[p(2, 20, 100), p(1, 20, 5), p(2, 20, 1), p(2, 10, 7)]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].subtotals.len(), 2);
        assert_eq!(out[1].subtotals[1].amount, Decimal::new(101, 2));
    }

    proptest::proptest! {
        /// Any order of the same transactions gives the same aggregates, and the
        /// totals are the exact sums of the inputs.
        #[test]
        fn order_does_not_matter_and_sums_are_exact(
            rows in proptest::collection::vec((1u8..=3, 0usize..4, 0i64..4, -100_000i64..100_000), 1..200)
        ) {
            let categories = [Category::TLB1, Category::TPS1, Category::TNT1, Category::TMA1];
            let rates = [200i64, 100, 55, 21];
            let transactions: Vec<B2cTransaction> = rows
                .iter()
                .map(|&(day, c, r, cents)| B2cTransaction {
                    date: Date::new(2026, 9, day).expect("valid"),
                    currency: Currency::EUR,
                    category: categories[c],
                    amounts: vec![RateAmount {
                        rate: Decimal::new(rates[r as usize], 1),
                        taxable: Decimal::new(cents, 2),
                        vat: Decimal::new(cents / 5, 2),
                    }],
                    count: 1,
                })
                .collect();
            let mut forward = B2cAggregator::new();
            transactions.iter().for_each(|t| forward.add(t));
            let mut backward = B2cAggregator::new();
            transactions.iter().rev().for_each(|t| backward.add(t));
            let forward = forward.finish();
            proptest::prop_assert_eq!(&forward, &backward.finish());
            let total: Decimal = forward.iter().map(|a| a.taxable_total).sum();
            let expected: Decimal = transactions.iter().map(|t| t.amounts[0].taxable).sum();
            proptest::prop_assert_eq!(total, expected);
            let count: u64 = forward.iter().map(|a| a.count).sum();
            proptest::prop_assert_eq!(count, transactions.len() as u64);
        }
    }
}
