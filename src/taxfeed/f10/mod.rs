//! Flow F10, e-reporting (Annexe 6 v1.10): per declarant (a SIREN in a role) and per
//! reporting period, one transmission of transactions (10.1 international B2B
//! invoices, 10.3 B2C daily aggregates) or one of payments (10.2 per invoice, 10.4 B2C
//! per day), never both (G6.29). An initial transmission (IN) may later be replaced,
//! whole, by a corrective one (RE) for the same period.
//!
//! Files: [`period`] (calendar by VAT regime, deadlines), [`records`] (the input
//! records, serde-deserializable from JSON), [`aggregate`] (one-pass B2C
//! aggregation), [`international`] (10.1 from the invoice model), [`write`] (the
//! XML, valid against `xsd-f10/ereporting.xsd`).

pub mod aggregate;
pub mod international;
pub mod period;
pub mod records;
mod write;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use aggregate::{
    B2cAggregator, DailyAggregate, DailyPayments, RateSubtotal, aggregate_payments,
};
pub use international::F10Invoice;
pub use period::{DataKind, Deadline, ReportingPeriod, VatRegime};
pub use records::{
    B2cPayment, B2cTransaction, Category, Currency, InvoicePayment, RateAmount, RatePayment,
};

use super::{Instant, ObjectId, Platform};
use crate::identifiers::Siren;

/// The declarant's role in the operations it reports (TT-15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// SE: sales (B2C, B2Bi, Bi2Bi).
    Seller,
    /// BY: purchases from non-established sellers (Bi2B).
    Buyer,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Seller => "SE",
            Role::Buyer => "BY",
        }
    }
}

/// The VAT-registered party that reports (TG-5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declarant {
    pub siren: Siren,
    pub name: String,
    pub role: Role,
    pub regime: VatRegime,
    /// TT-80 written on the services aggregates when the declarant opted for VAT on
    /// debits (G1.67), as a UNTDID 2005 / 2475 code.
    #[serde(default)]
    pub vat_option_code: Option<String>,
}

/// Initial (IN) or corrective (RE) transmission (TT-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TransmissionType {
    Initial,
    Corrective,
}

impl TransmissionType {
    pub fn code(self) -> &'static str {
        match self {
            TransmissionType::Initial => "IN",
            TransmissionType::Corrective => "RE",
        }
    }
}

/// Which transmission of a (declarant, kind, period) this is: 1 is the initial one,
/// every later one is corrective and replaces all that came before for the period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Sequence(pub u16);

impl Sequence {
    pub const INITIAL: Sequence = Sequence(1);

    pub fn transmission_type(self) -> TransmissionType {
        if self.0 <= 1 {
            TransmissionType::Initial
        } else {
            TransmissionType::Corrective
        }
    }

    /// The sequence of the corrective transmission that replaces this one.
    pub fn next(self) -> Sequence {
        Sequence(self.0.saturating_add(1))
    }
}

/// A transmission's content: transactions or payments (G6.29).
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// 10.1 and 10.3.
    Transactions {
        invoices: Vec<F10Invoice>,
        aggregates: Vec<DailyAggregate>,
    },
    /// 10.2 and 10.4.
    Payments {
        invoices: Vec<InvoicePayment>,
        days: Vec<DailyPayments>,
    },
}

impl Body {
    pub fn kind(&self) -> DataKind {
        match self {
            Body::Transactions { .. } => DataKind::Transactions,
            Body::Payments { .. } => DataKind::Payments,
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Body::Transactions {
                invoices,
                aggregates,
            } => invoices.is_empty() && aggregates.is_empty(),
            Body::Payments { invoices, days } => invoices.is_empty() && days.is_empty(),
        }
    }
}

/// Everything one F10 file says.
#[derive(Clone, Debug, PartialEq)]
pub struct Transmission {
    pub sender: Platform,
    pub declarant: Declarant,
    pub period: ReportingPeriod,
    pub sequence: Sequence,
    /// TT-3, set when the flow is made (G7.40).
    pub issued_at: Instant,
    pub body: Body,
}

/// One F10 file, ready to be put in a flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct F10File {
    /// `F10/<SIREN>/<role>/<kind>/<start>-<end>/<sequence>`.
    pub id: ObjectId,
    /// TT-1: unique per declarant and period (G8.05), ≤ 50 characters (G7.34).
    pub transmission_id: String,
    pub file_name: String,
    pub xml: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum F10Error {
    #[error("an empty transmission is not sent")]
    Empty,
    #[error("{what} dated {date} lies outside the period {period}")]
    OutsidePeriod {
        what: String,
        date: crate::invoice::Date,
        period: ReportingPeriod,
    },
    #[error("period {period} is not a {kind:?} period of regime {regime:?}")]
    NotAPeriod {
        period: ReportingPeriod,
        regime: VatRegime,
        kind: DataKind,
    },
    #[error("invoice {number:?}: {problem}")]
    Invoice { number: String, problem: String },
}

impl fmt::Display for ReportingPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl Transmission {
    /// TT-1: `<SIREN>-<SE|BY>-<T|P>-<start>-<seq>`, unique per declarant, role,
    /// kind and period, and stable: the same transmission always has the same id.
    pub fn transmission_id(&self) -> String {
        format!(
            "{}-{}-{}-{}-{:03}",
            self.declarant.siren.as_str(),
            self.declarant.role.code(),
            match self.body.kind() {
                DataKind::Transactions => "T",
                DataKind::Payments => "P",
            },
            super::time::format_102(self.period.start),
            self.sequence.0
        )
    }

    /// The corrective transmission that replaces this one: same declarant and
    /// period, the next sequence (type RE), and `body`, which must hold the period's
    /// complete data again since the PPF replaces everything (specs-externes §3.7.7).
    pub fn corrective(&self, body: Body, issued_at: Instant) -> Transmission {
        Transmission {
            sender: self.sender.clone(),
            declarant: self.declarant.clone(),
            period: self.period,
            sequence: self.sequence.next(),
            issued_at,
            body,
        }
    }

    /// Checks the transmission (a real period of the declarant's regime, every
    /// record inside it, not empty) and writes its file.
    pub fn to_file(&self) -> Result<F10File, F10Error> {
        let kind = self.body.kind();
        let regime = self.declarant.regime;
        if period::period_of(regime, kind, self.period.start) != self.period {
            return Err(F10Error::NotAPeriod {
                period: self.period,
                regime,
                kind,
            });
        }
        if self.body.is_empty() {
            return Err(F10Error::Empty);
        }
        self.check_dates()?;
        let transmission_id = self.transmission_id();
        let xml = write::report(self, &transmission_id)?;
        Ok(F10File {
            id: ObjectId(format!(
                "F10/{}/{}/{:?}/{}-{}/{}",
                self.declarant.siren.as_str(),
                self.declarant.role.code(),
                kind,
                super::time::format_102(self.period.start),
                super::time::format_102(self.period.end),
                self.sequence.0
            )),
            file_name: format!("{transmission_id}.xml"),
            transmission_id,
            xml,
        })
    }

    fn check_dates(&self) -> Result<(), F10Error> {
        let outside = |what: String, date| F10Error::OutsidePeriod {
            what,
            date,
            period: self.period,
        };
        match &self.body {
            Body::Transactions {
                invoices,
                aggregates,
            } => {
                for i in invoices {
                    if !self.period.contains(i.operation_date) {
                        return Err(outside(format!("invoice {}", i.number), i.operation_date));
                    }
                }
                for a in aggregates {
                    if !self.period.contains(a.date) {
                        return Err(outside("B2C transactions".into(), a.date));
                    }
                }
            }
            Body::Payments { invoices, days } => {
                for p in invoices {
                    if !self.period.contains(p.payment_date) {
                        return Err(outside(
                            format!("payment of invoice {}", p.invoice_id),
                            p.payment_date,
                        ));
                    }
                }
                for d in days {
                    if !self.period.contains(d.date) {
                        return Err(outside("B2C payments".into(), d.date));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Serde for a [`crate::invoice::Date`] as `YYYY-MM-DD` or `YYYYMMDD` (the model's
/// `Date` only serializes).
pub mod serde_date {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::invoice::Date;

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(date)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Date::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not a date (YYYY-MM-DD): {text}")))
    }
}

/// Serde for an exact decimal as a JSON string (`"12.50"`); JSON numbers are
/// refused, since a reader may already have turned them into binary floats.
pub mod serde_decimal {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::invoice::Amount;

    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Amount::parse(&text)
            .map(Amount::value)
            .ok_or_else(|| serde::de::Error::custom(format!("not an exact decimal: {text}")))
    }
}

#[cfg(test)]
mod tests;
