//! The records e-reporting is built from, as plain structs the API will feed as JSON:
//! B2C transactions (a sale, a till's day, a B2C invoice), B2C payments, and the
//! payments of international B2B invoices. Amounts are exact decimals written as JSON
//! strings; dates are `YYYY-MM-DD`.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{serde_date, serde_decimal};
use crate::invoice::Date;

/// An ISO 4217 currency code, three upper-case letters, `Copy` so it keys hash maps
/// without allocating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn parse(code: &str) -> Option<Currency> {
        let bytes: [u8; 3] = code.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(u8::is_ascii_uppercase)
            .then_some(Currency(bytes))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Currency::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("not a currency code (3 capital letters): {text}"))
        })
    }
}

/// The transaction category of a B2C aggregate (TT-81, G1.68).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Category {
    /// Deliveries of goods subject to VAT.
    TLB1,
    /// Services subject to VAT.
    TPS1,
    /// Not taxable in France (including EU distance sales).
    TNT1,
    /// Margin schemes: amounts are the margin excluding VAT (G1.57).
    TMA1,
}

impl Category {
    pub fn code(self) -> &'static str {
        match self {
            Category::TLB1 => "TLB1",
            Category::TPS1 => "TPS1",
            Category::TNT1 => "TNT1",
            Category::TMA1 => "TMA1",
        }
    }
}

/// The taxable base and the VAT at one rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateAmount {
    /// VAT rate in percent (`20`, `5.5`).
    #[serde(with = "serde_decimal")]
    pub rate: Decimal,
    /// Taxable amount, in the transaction's currency.
    #[serde(with = "serde_decimal")]
    pub taxable: Decimal,
    /// VAT amount, in EUR (G6.23).
    #[serde(with = "serde_decimal")]
    pub vat: Decimal,
}

/// One B2C transaction (or a pre-summed batch of them, such as a till's Z ticket).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct B2cTransaction {
    /// The operation date (the period follows from it).
    #[serde(with = "serde_date")]
    pub date: Date,
    pub currency: Currency,
    pub category: Category,
    /// Per VAT rate (one entry per rate).
    pub amounts: Vec<RateAmount>,
    /// How many transactions this record stands for (1 for a single sale).
    #[serde(default = "one")]
    pub count: u64,
}

fn one() -> u64 {
    1
}

/// An amount cashed in at one VAT rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatePayment {
    #[serde(with = "serde_decimal")]
    pub rate: Decimal,
    /// In EUR (G6.27).
    #[serde(with = "serde_decimal")]
    pub amount: Decimal,
}

/// A B2C payment received (10.4 is their sum per day).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct B2cPayment {
    /// The cash-in date.
    #[serde(with = "serde_date")]
    pub date: Date,
    pub amounts: Vec<RatePayment>,
}

/// The payment of an international B2B invoice (10.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoicePayment {
    /// TT-91.
    pub invoice_id: String,
    /// TT-102, the invoice's issue date.
    #[serde(with = "serde_date")]
    pub issue_date: Date,
    /// TT-92, the cash-in date.
    #[serde(with = "serde_date")]
    pub payment_date: Date,
    pub amounts: Vec<RatePayment>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_from_json_with_exact_decimals() {
        let json = r#"{"date":"2026-09-15","currency":"EUR","category":"TPS1",
            "amounts":[{"rate":"20","taxable":"100.10","vat":"20.02"}]}"#;
        let t: B2cTransaction = serde_json::from_str(json).expect("parses");
        assert_eq!(t.count, 1);
        assert_eq!(t.amounts[0].taxable, Decimal::new(10010, 2));
        let float = json.replace("\"100.10\"", "100.10");
        assert!(
            serde_json::from_str::<B2cTransaction>(&float).is_err(),
            "numbers are refused"
        );
        let bad_currency = json.replace("EUR", "eur");
        assert!(serde_json::from_str::<B2cTransaction>(&bad_currency).is_err());
    }
}
