//! Reporting periods and deadlines by VAT regime (specs-externes v3.2 §3.7.7,
//! table 13): the period a transaction or payment falls in follows from its date
//! (operation date for transactions, cash-in date for payments) and the declarant's
//! regime.
//!
//! | regime | transactions | payments | PPF deadline (08:00) |
//! | --- | --- | --- | --- |
//! | normal, monthly | decades 1-10, 11-20, 21-end | month | 21st / 1st next / 11th next; payments 11th next |
//! | normal, quarterly | month | month | 11th of the next month |
//! | simplified | month | month | 1st of the second next month |
//! | franchise | civil bimester (Jan, Mar, May, Jul, Sep, Nov) | same | 1st of the second month after |

use serde::{Deserialize, Serialize};

use crate::invoice::Date;
use crate::taxfeed::time::{add_days, end_of_month};

/// The declarant's VAT regime, which sets the reporting calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VatRegime {
    /// Réel normal, monthly returns.
    NormalMonthly,
    /// Réel normal, quarterly returns.
    NormalQuarterly,
    /// Régime simplifié d'imposition.
    Simplified,
    /// Franchise en base (no VAT charged).
    Franchise,
}

/// Transactions (10.1, 10.3) or payments (10.2, 10.4): their periods differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataKind {
    Transactions,
    Payments,
}

/// A reporting period, both ends included (TT-17/TT-18, TT-89/TT-90).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReportingPeriod {
    #[serde(with = "super::serde_date")]
    pub start: Date,
    #[serde(with = "super::serde_date")]
    pub end: Date,
}

impl ReportingPeriod {
    pub fn contains(&self, date: Date) -> bool {
        self.start <= date && date <= self.end
    }

    /// The period that follows this one in the same calendar.
    pub fn next(&self, regime: VatRegime, kind: DataKind) -> ReportingPeriod {
        period_of(regime, kind, add_days(self.end, 1))
    }
}

/// When the PPF must have a period's data: a local (Paris) date and hour. Time zones
/// are left to the scheduler that will use it; the calendar is what is specified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Deadline {
    #[serde(with = "super::serde_date")]
    pub date: Date,
    pub hour: u8,
}

fn ymd(year: u16, month: u8, day: u8) -> Date {
    // Every caller passes day 1..=28 or a month end computed by `end_of_month`.
    Date { year, month, day }
}

fn month_of(date: Date) -> ReportingPeriod {
    ReportingPeriod {
        start: ymd(date.year, date.month, 1),
        end: end_of_month(date),
    }
}

/// The first day of the month `months` after `date`'s month.
fn first_of_month_after(date: Date, months: u8) -> Date {
    let index = u32::from(date.month) - 1 + u32::from(months);
    // `index / 12` is at most 1 for the few months used here.
    ymd(date.year + (index / 12) as u16, (index % 12) as u8 + 1, 1)
}

/// The reporting period `date` falls in.
pub fn period_of(regime: VatRegime, kind: DataKind, date: Date) -> ReportingPeriod {
    match (regime, kind) {
        (VatRegime::NormalMonthly, DataKind::Transactions) => {
            let (start, end) = match date.day {
                1..=10 => (1, ymd(date.year, date.month, 10)),
                11..=20 => (11, ymd(date.year, date.month, 20)),
                _ => (21, end_of_month(date)),
            };
            ReportingPeriod {
                start: ymd(date.year, date.month, start),
                end,
            }
        }
        (VatRegime::Franchise, _) => {
            // Civil bimesters start on odd months.
            let first = if date.month % 2 == 1 {
                date.month
            } else {
                date.month - 1
            };
            let start = ymd(date.year, first, 1);
            ReportingPeriod {
                start,
                end: end_of_month(ymd(date.year, first + 1, 1)),
            }
        }
        _ => month_of(date),
    }
}

/// The PPF deadline of `period` (it must be a period of `regime` and `kind`).
pub fn deadline(regime: VatRegime, kind: DataKind, period: ReportingPeriod) -> Deadline {
    let at8 = |date| Deadline { date, hour: 8 };
    match (regime, kind) {
        (VatRegime::NormalMonthly, DataKind::Transactions) => match period.start.day {
            1 => at8(ymd(period.start.year, period.start.month, 21)),
            11 => at8(first_of_month_after(period.start, 1)),
            _ => at8(ymd_next_month_day(period.start, 11)),
        },
        (VatRegime::NormalMonthly | VatRegime::NormalQuarterly, _) => {
            at8(ymd_next_month_day(period.end, 11))
        }
        (VatRegime::Simplified | VatRegime::Franchise, _) => {
            at8(first_of_month_after(period.end, 2))
        }
    }
}

fn ymd_next_month_day(date: Date, day: u8) -> Date {
    let first = first_of_month_after(date, 1);
    ymd(first.year, first.month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: u16, m: u8, day: u8) -> Date {
        Date::new(y, m, day).expect("valid test date")
    }

    fn p(a: Date, b: Date) -> ReportingPeriod {
        ReportingPeriod { start: a, end: b }
    }

    #[test]
    fn decades_months_and_bimesters() {
        use DataKind::*;
        use VatRegime::*;
        let t = Transactions;
        assert_eq!(
            period_of(NormalMonthly, t, d(2026, 9, 10)),
            p(d(2026, 9, 1), d(2026, 9, 10))
        );
        assert_eq!(
            period_of(NormalMonthly, t, d(2026, 9, 11)),
            p(d(2026, 9, 11), d(2026, 9, 20))
        );
        assert_eq!(
            period_of(NormalMonthly, t, d(2028, 2, 29)),
            p(d(2028, 2, 21), d(2028, 2, 29))
        );
        assert_eq!(
            period_of(NormalMonthly, Payments, d(2026, 9, 11)),
            p(d(2026, 9, 1), d(2026, 9, 30))
        );
        assert_eq!(
            period_of(NormalQuarterly, t, d(2026, 12, 31)),
            p(d(2026, 12, 1), d(2026, 12, 31))
        );
        assert_eq!(
            period_of(Simplified, t, d(2026, 2, 3)),
            p(d(2026, 2, 1), d(2026, 2, 28))
        );
        assert_eq!(
            period_of(Franchise, t, d(2026, 2, 3)),
            p(d(2026, 1, 1), d(2026, 2, 28))
        );
        assert_eq!(
            period_of(Franchise, Payments, d(2026, 11, 30)),
            p(d(2026, 11, 1), d(2026, 12, 31))
        );
        assert_eq!(
            period_of(NormalMonthly, t, d(2026, 12, 25)).next(NormalMonthly, t),
            p(d(2027, 1, 1), d(2027, 1, 10))
        );
    }

    #[test]
    fn deadlines_follow_table_13() {
        use DataKind::*;
        use VatRegime::*;
        let at8 = |date| Deadline { date, hour: 8 };
        let dl = |r, k, date| deadline(r, k, period_of(r, k, date));
        assert_eq!(
            dl(NormalMonthly, Transactions, d(2026, 9, 5)),
            at8(d(2026, 9, 21))
        );
        assert_eq!(
            dl(NormalMonthly, Transactions, d(2026, 9, 15)),
            at8(d(2026, 10, 1))
        );
        assert_eq!(
            dl(NormalMonthly, Transactions, d(2026, 12, 25)),
            at8(d(2027, 1, 11))
        );
        assert_eq!(
            dl(NormalMonthly, Payments, d(2026, 9, 25)),
            at8(d(2026, 10, 11))
        );
        assert_eq!(
            dl(NormalQuarterly, Transactions, d(2026, 9, 25)),
            at8(d(2026, 10, 11))
        );
        assert_eq!(dl(Simplified, Payments, d(2026, 11, 2)), at8(d(2027, 1, 1)));
        assert_eq!(
            dl(Franchise, Transactions, d(2026, 12, 2)),
            at8(d(2027, 2, 1))
        );
        assert_eq!(
            dl(Franchise, Transactions, d(2026, 1, 2)),
            at8(d(2026, 4, 1))
        );
    }
}
