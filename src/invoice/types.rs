//! The value types the model is built from: exact decimals ([`Amount`], [`Quantity`],
//! [`Percent`]), calendar [`Date`]s, scheme-qualified [`Identifier`]s and the document
//! type code ([`InvoiceTypeCode`]).
//!
//! Each type has a `parse` that rejects bad lexical input instead of guessing, so a
//! value in the model is always a real value; the mappers keep the raw text of what
//! did not parse in [`super::Unparsed`].

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::xml::trim_space;
use serde::{Serialize, Serializer};

/// An `xs:decimal` lexical form read in one pass: `[+-]?(d+(.d*)?|.d+)` between XML
/// whitespace, no exponent, no thousands separator. The model's parser and the rules'
/// `xs:decimal()` cast share it and differ only in the scale and bounds they give the
/// value. Amounts are read for every line, several times: trimming, splitting and
/// checking the text in separate passes cost several hundred instructions per amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DecimalText<'t> {
    pub negative: bool,
    /// The integer digits without their leading zeros (possibly empty).
    pub int: &'t str,
    /// The fraction digits as written, trailing zeros included (possibly empty).
    pub frac: &'t str,
    /// `int` then `frac` read as one integer, when they are 18 digits or fewer (so it
    /// fits an `i64`).
    pub mantissa: Option<i64>,
}

impl<'t> DecimalText<'t> {
    pub(crate) fn read(text: &'t str) -> Option<Self> {
        let text = trim_space(text);
        let bytes = text.as_bytes();
        let end = bytes.len();
        let mut at = 0;
        if end == 0 {
            return None;
        }
        let negative = match bytes[at] {
            b'-' => {
                at += 1;
                true
            }
            b'+' => {
                at += 1;
                false
            }
            _ => false,
        };
        let digits_from = at;
        while at < end && bytes[at] == b'0' {
            at += 1;
        }
        let int_from = at;
        let mut mantissa = 0u64;
        let mut digit = |at: &mut usize| {
            let d = bytes[*at].wrapping_sub(b'0');
            if d < 10 {
                // Wrapping: the value is only used for 18 digits or fewer.
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d));
                *at += 1;
                true
            } else {
                false
            }
        };
        while at < end && digit(&mut at) {}
        let int = &text[int_from..at];
        let has_int = at > digits_from;
        let mut frac = "";
        if at < end && bytes[at] == b'.' {
            at += 1;
            let frac_from = at;
            while at < end && digit(&mut at) {}
            frac = &text[frac_from..at];
        }
        if at != end || (!has_int && frac.is_empty()) {
            return None;
        }
        let mantissa = (int.len() + frac.len() <= 18).then_some(mantissa as i64);
        Some(DecimalText {
            negative,
            int,
            frac,
            mantissa,
        })
    }
}

/// Parses an `xs:decimal` lexical form ([`DecimalText`]). `None` for anything else,
/// including magnitudes rust_decimal cannot hold (28-29 significant digits).
fn parse_decimal(text: &str) -> Option<Decimal> {
    let DecimalText {
        negative,
        int,
        frac,
        mantissa,
    } = DecimalText::read(text)?;
    // Up to 18 digits fit an i64: the value is built directly, with the scale the
    // canonical text below would give (trailing zeros kept: `19.90` stays `19.90`).
    // Negative zero keeps the textual path.
    if let Some(mantissa) = mantissa
        && (mantissa != 0 || !negative)
    {
        let signed = if negative { -mantissa } else { mantissa };
        return Some(Decimal::new(signed, frac.len() as u32));
    }
    // rust_decimal keeps at most 28 fractional digits; trailing zeros beyond that
    // carry no value.
    let frac = if frac.len() > 28 {
        frac.trim_end_matches('0')
    } else {
        frac
    };
    // Written without a fraction when it has none, so `21` keeps scale 0 and displays
    // as `21`, not `21.0`.
    let mut canonical = String::with_capacity(int.len() + frac.len() + 3);
    if negative {
        canonical.push('-');
    }
    canonical.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        canonical.push('.');
        canonical.push_str(frac);
    }
    Decimal::from_str(&canonical).ok()
}

/// A newtype over [`Decimal`] with an `xs:decimal` parser, exact display and a JSON
/// form as a string (a JSON number would invite readers to use binary floats).
macro_rules! decimal_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub Decimal);

        impl $name {
            /// Parses an `xs:decimal` (`12`, `-3.50`, `+.5`); `None` for anything else.
            pub fn parse(text: &str) -> Option<Self> {
                parse_decimal(text).map(Self)
            }

            /// The exact decimal value.
            pub fn value(self) -> Decimal {
                self.0
            }
        }

        impl From<Decimal> for $name {
            fn from(value: Decimal) -> Self {
                Self(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }
    };
}

decimal_newtype!(
    /// A monetary amount, exact (never a binary float). The currency is the invoice
    /// currency (BT-5) except where a field says otherwise (BT-111 is in BT-6).
    Amount
);
decimal_newtype!(
    /// A quantity (BT-129, BT-149), exact.
    Quantity
);
decimal_newtype!(
    /// A percentage as written (`20` means 20 %): VAT rates (BT-96, BT-119, BT-152)
    /// and allowance/charge percentages (BT-94, BT-101, BT-138, BT-143).
    Percent
);

impl std::iter::Sum for Amount {
    fn sum<I: Iterator<Item = Amount>>(iter: I) -> Amount {
        Amount(iter.map(|a| a.0).sum())
    }
}

/// A calendar date (no time, no zone): what every EN 16931 date term holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Builds a date, `None` when it does not exist (month 13, 30 February, year 0).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let valid =
            year >= 1 && (1..=12).contains(&month) && day >= 1 && day <= days_in(year, month);
        valid.then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD` (UBL `xs:date`, optionally followed by a time zone `Z` or
    /// `±hh:mm`, which a date term has no use for) or `YYYYMMDD` (CII format 102).
    /// Rejects impossible dates and any other layout.
    pub fn parse(text: &str) -> Option<Date> {
        let t = trim_space(text);
        // Every valid form is ASCII; checking first also keeps the byte-offset slices
        // below on character boundaries.
        if !t.is_ascii() {
            return None;
        }
        let b = t.as_bytes();
        let (y, m, d, rest) = if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
            (&t[0..4], &t[5..7], &t[8..10], &t[10..])
        } else if b.len() == 8 {
            (&t[0..4], &t[4..6], &t[6..8], "")
        } else {
            return None;
        };
        if !(rest.is_empty() || rest == "Z" || is_zone_offset(rest)) {
            return None;
        }
        Date::new(
            digits(y)?,
            digits(m)?.try_into().ok()?,
            digits(d)?.try_into().ok()?,
        )
    }
}

/// `+hh:mm` or `-hh:mm`.
fn is_zone_offset(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 6
        && matches!(b[0], b'+' | b'-')
        && b[3] == b':'
        && [1, 2, 4, 5].iter().all(|&i| b[i].is_ascii_digit())
}

/// A non-empty run of ASCII digits as a number (`str::parse` would also take a sign).
fn digits(s: &str) -> Option<u16> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn days_in(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An identifier with its identification scheme (ISO 6523 ICD, EAS code, UNTDID 1153
/// reference qualifier, ... depending on the term). `scheme` is `None` when the
/// document gave none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Identifier {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
}

impl Identifier {
    pub fn new(value: impl Into<String>, scheme: Option<impl Into<String>>) -> Self {
        Identifier {
            value: value.into(),
            scheme: scheme.map(Into::into),
        }
    }

    /// True when the scheme is exactly `scheme` (e.g. [`scheme::SIREN`]).
    pub fn has_scheme(&self, scheme: &str) -> bool {
        self.scheme.as_deref() == Some(scheme)
    }
}

/// An electronic address (BT-34, BT-49): the value and its EAS scheme (BT-34-1,
/// BT-49-1), e.g. `0225` for a French addressing identifier.
pub type ElectronicAddress = Identifier;

/// Identification schemes the French reform gives a meaning to (ISO 6523 ICD / EAS).
pub mod scheme {
    /// SIREN, 9 digits (BT-30, BT-47, ...).
    pub const SIREN: &str = "0002";
    /// SIRET, 14 digits (BT-29, BT-46, BT-71, ...).
    pub const SIRET: &str = "0009";
    /// Routing code ("code routage") of a public or private entity.
    pub const ROUTING_CODE: &str = "0224";
    /// French addressing identifier (`SIREN[_SIRET[_ROUTING]]` or `SIREN_SUFFIX`).
    pub const FR_ADDRESSING: &str = "0225";
    /// Member of a single VAT group (assujetti unique).
    pub const VAT_GROUP: &str = "0231";
    /// Registration number of an approved platform (PA matricule).
    pub const PLATFORM: &str = "0238";
}

/// The document type code (BT-3, UNTDID 1001), kept as written: the code list is
/// open-ended across profiles, and an unknown code must still reach the report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct InvoiceTypeCode(pub String);

impl InvoiceTypeCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Credit notes: 81, 83, 261, 262, 296, 308, 381, 396, 420, 458, 532 and the
    /// French 502 (self-billed factored) and 503 (down-payment credit note).
    pub fn is_credit_note(&self) -> bool {
        matches!(
            self.as_str(),
            "81" | "83"
                | "261"
                | "262"
                | "296"
                | "308"
                | "381"
                | "396"
                | "420"
                | "458"
                | "502"
                | "503"
                | "532"
        )
    }

    /// Self-billed documents, where the buyer issues the invoice: 389, 500, 501, 471,
    /// 473, 261, 502 (the set the French rules use).
    pub fn is_self_billed(&self) -> bool {
        matches!(
            self.as_str(),
            "389" | "500" | "501" | "471" | "473" | "261" | "502"
        )
    }

    /// Corrective invoices: 384, 471, 472, 473.
    pub fn is_corrective(&self) -> bool {
        matches!(self.as_str(), "384" | "471" | "472" | "473")
    }

    /// Down-payment invoices and their credit note: 386, 500, 503.
    pub fn is_down_payment(&self) -> bool {
        matches!(self.as_str(), "386" | "500" | "503")
    }
}

impl fmt::Display for InvoiceTypeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test literal")
    }

    #[test]
    fn amounts_parse_exactly() {
        assert_eq!(Amount::parse("19.90"), Some(Amount(dec("19.90"))));
        assert_eq!(Amount::parse(" -3.5\n"), Some(Amount(dec("-3.5"))));
        assert_eq!(Amount::parse("+.5"), Some(Amount(dec("0.5"))));
        assert_eq!(Amount::parse("7."), Some(Amount(dec("7"))));
        assert_eq!(
            Percent::parse("21").map(|p| p.to_string()),
            Some("21".into())
        );
        assert_eq!(
            Amount::parse("-0019.90").map(|a| a.to_string()),
            Some("-19.90".into())
        );
        for (raw, shown) in [("19.90", "19.90"), ("0.000", "0.000"), ("7.", "7")] {
            let parsed = Amount::parse(raw).map(|a| a.to_string());
            assert_eq!(parsed.as_deref(), Some(shown), "{raw:?}");
        }
        assert_eq!(
            Amount::parse("0.1").map(|a| a.0 + dec("0.2")),
            Some(dec("0.3"))
        );
    }

    #[test]
    fn amounts_reject_non_decimals() {
        for bad in [
            "", " ", "1e3", "1,50", "12 EUR", "--1", "+", ".", "NaN", "1.2.3",
        ] {
            assert_eq!(Amount::parse(bad), None, "{bad:?}");
        }
        // 40 significant digits do not fit in a Decimal: rejected, not truncated.
        assert_eq!(
            Amount::parse("1234567890123456789012345678901234567890"),
            None
        );
    }

    #[test]
    fn amounts_serialize_as_exact_strings() {
        let json = serde_json::to_string(&Amount(dec("1234.50"))).expect("serializable");
        assert_eq!(json, "\"1234.50\"");
    }

    #[test]
    fn dates_parse_both_layouts() {
        let d = Date {
            year: 2024,
            month: 2,
            day: 29,
        };
        assert_eq!(Date::parse("2024-02-29"), Some(d));
        assert_eq!(Date::parse("20240229"), Some(d));
        assert_eq!(Date::parse("2024-02-29Z"), Some(d));
        assert_eq!(Date::parse("2024-02-29+01:00"), Some(d));
        assert_eq!(d.to_string(), "2024-02-29");
    }

    #[test]
    fn dates_reject_impossible_or_malformed() {
        for bad in [
            "2023-02-29",
            "2100-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "0000-01-01",
            "20240230",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-01T10:00:00",
            "+2024011",
            "",
            "2024-01-01X",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad:?}");
        }
        assert!(Date::parse("2000-02-29").is_some(), "2000 is a leap year");
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(text in "\\PC{0,40}") {
            let _ = Date::parse(&text);
            let _ = Amount::parse(&text);
        }

        #[test]
        fn valid_dates_round_trip(y in 1u16..=9999, m in 1u8..=12, d in 1u8..=31) {
            if let Some(date) = Date::new(y, m, d) {
                proptest::prop_assert_eq!(Date::parse(&date.to_string()), Some(date));
                let compact = format!("{y:04}{m:02}{d:02}");
                proptest::prop_assert_eq!(Date::parse(&compact), Some(date));
            } else {
                proptest::prop_assert!(d > 28);
            }
        }

        /// The one-pass reader gives what the XML Schema definition gives: the value
        /// `rust_decimal` reads from the canonical text, with the written scale.
        #[test]
        fn decimals_read_as_their_definition_says(text in "[ \t]{0,2}[+-]?0{0,3}[0-9]{0,22}(\\.[0-9]{0,31})?[ \n]{0,2}|[0-9. +-]{0,8}") {
            let written = |d: Option<Decimal>| d.map(|d| d.to_string());
            proptest::prop_assert_eq!(written(parse_decimal(&text)), written(by_definition(&text)), "{:?}", text);
        }

        #[test]
        fn decimals_round_trip_exactly(int in 0u64..1_000_000_000_000, frac in 0u32..10_000) {
            let text = format!("{int}.{frac:04}");
            let amount = Amount::parse(&text);
            proptest::prop_assert_eq!(amount.map(|a| a.to_string()), Some(text));
        }
    }

    /// `xs:decimal` read the slow and obvious way: trim, split, check each part, write
    /// the canonical text and let rust_decimal read it.
    fn by_definition(text: &str) -> Option<Decimal> {
        let v = text.trim_matches([' ', '\t', '\n', '\r']);
        let (negative, digits) = match v.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, v.strip_prefix('+').unwrap_or(v)),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
            return None;
        }
        let frac = if frac.len() > 28 {
            frac.trim_end_matches('0')
        } else {
            frac
        };
        let int = int.trim_start_matches('0');
        let mut canonical = format!("{}{}", if negative { "-" } else { "" }, int);
        if int.is_empty() {
            canonical.push('0');
        }
        if !frac.is_empty() {
            canonical.push('.');
            canonical.push_str(frac);
        }
        Decimal::from_str(&canonical).ok()
    }

    #[test]
    fn decimals_keep_their_written_scale_and_refuse_what_is_not_one() {
        let scale = |t: &str| Amount::parse(t).map(|a| a.0.scale());
        assert_eq!(scale("19.90"), Some(2));
        assert_eq!(scale(" 21 "), Some(0));
        assert_eq!(scale("+.5"), Some(1));
        assert_eq!(scale("007.250"), Some(3));
        assert_eq!(scale("-0.00"), Some(2));
        for bad in [
            "", " ", "+", "-", ".", "1.2.3", "1 2", "1e3", "١٢", "0x10", "--1", "1-",
        ] {
            assert_eq!(Amount::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn type_code_helpers() {
        let code = |s: &str| InvoiceTypeCode(s.to_string());
        assert!(code("381").is_credit_note());
        assert!(!code("380").is_credit_note());
        assert!(code("389").is_self_billed());
        assert!(code("384").is_corrective());
        assert!(code("386").is_down_payment());
    }
}
