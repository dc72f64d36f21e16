//! XPath 2.0 value semantics the official rules depend on, as plain functions.
//!
//! The Schematron artefacts compare untyped node values; getting their corner cases
//! right (blank versus absent, string versus numeric comparison, `round()` towards
//! positive infinity) is what makes facteur agree with them, so those cases live here
//! once instead of in every rule.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::invoice::types::DecimalText;
use crate::xml::{Node, is_space, trim_space};

/// XPath `normalize-space(.) != ''`: present and not only whitespace.
pub fn nb(value: &str) -> bool {
    value.bytes().any(|b| !is_space(b))
}

/// XPath `string(.)` of an element: its own text when it has no child element (the
/// usual case, borrowed), else the text of it and all its descendants.
pub fn string_value(node: Node<'_>) -> std::borrow::Cow<'_, str> {
    if node.children().next().is_none() {
        std::borrow::Cow::Borrowed(node.text())
    } else {
        std::borrow::Cow::Owned(node.string_value())
    }
}

/// `string(x)` of an optional node: the empty string when absent.
pub fn string_of(node: Option<Node<'_>>) -> std::borrow::Cow<'_, str> {
    node.map_or(std::borrow::Cow::Borrowed(""), string_value)
}

/// `nb` of the first node of an optional node-set (absent is blank).
pub fn nb_node(node: Option<Node<'_>>) -> bool {
    node.is_some_and(|n| nb(n.text()))
}

/// XPath `normalize-space()`.
pub fn normalize_space(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value
        .split([' ', '\t', '\n', '\r'])
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// XPath `normalize-space()`, borrowing the value when it is already normalised (no
/// tab or line end, no space at either end or twice in a row): the usual case for
/// codes, which are then compared without allocating.
pub fn normalized(value: &str) -> std::borrow::Cow<'_, str> {
    let b = value.as_bytes();
    let clean = b.first() != Some(&b' ')
        && b.last() != Some(&b' ')
        && !b.iter().any(|c| matches!(c, b'\t' | b'\n' | b'\r'))
        && !b.windows(2).any(|w| w == b"  ");
    if clean {
        std::borrow::Cow::Borrowed(value)
    } else {
        std::borrow::Cow::Owned(normalize_space(value))
    }
}

/// `normalize-space(upper-case($value)) = 'VAT'` (the tax scheme test), without
/// allocating for an ASCII value, where upper-casing is ASCII upper-casing and the
/// test is a case-insensitive comparison of the trimmed value.
pub fn is_vat_id(value: &str) -> bool {
    if value.is_ascii() {
        trim_space(value).eq_ignore_ascii_case("VAT")
    } else {
        normalize_space(&value.to_uppercase()) == "VAT"
    }
}

/// XPath `xs:decimal($value)`: whitespace-collapsed, `[+-]?(d+(.d*)?|.d+)`, no exponent.
/// `None` where XPath would raise a cast error, and also for magnitudes of 10^20 and
/// more: no invoice amount is that large, and the bound guarantees that sums over any
/// document the XML limits admit, and products with a bounded factor, cannot overflow.
pub fn decimal(value: &str) -> Option<Decimal> {
    let DecimalText {
        negative,
        int,
        frac,
        mantissa,
    } = DecimalText::read(value)?;
    // The cast's value has at least one fraction digit (`21` reads as `21.0`).
    let (mantissa, scale) = match mantissa {
        Some(m) if frac.is_empty() && int.len() < 18 => (Some(m * 10), 1),
        Some(m) if !frac.is_empty() => (Some(m), frac.len() as u32),
        _ => (None, 0),
    };
    // Up to 18 digits fit an i64, so the value is built directly; formatting a String
    // for every amount was a visible cost of the rule layer. Negative zero keeps the
    // textual path.
    if let Some(m) = mantissa
        && (m != 0 || !negative)
    {
        return Some(Decimal::new(if negative { -m } else { m }, scale));
    }
    // rust_decimal keeps at most 28 fractional digits; trailing zeros beyond that
    // carry no value.
    let frac = if frac.len() > 28 {
        frac.trim_end_matches('0')
    } else {
        frac
    };
    let text = format!(
        "{}{}.{}",
        if negative { "-" } else { "" },
        if int.is_empty() { "0" } else { int },
        if frac.is_empty() { "0" } else { frac }
    );
    Decimal::from_str(&text)
        .ok()
        .filter(|d| d.abs() < Decimal::from_i128_with_scale(100_000_000_000_000_000_000, 0))
}

/// XPath `xs:double($value)` / `number()`: also accepts exponents, `INF`, `NaN`.
pub fn double(value: &str) -> Option<f64> {
    let v = trim_space(value);
    match v {
        "INF" | "+INF" => return Some(f64::INFINITY),
        "-INF" => return Some(f64::NEG_INFINITY),
        "NaN" => return Some(f64::NAN),
        _ => {}
    }
    let ok = !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !ok {
        return None;
    }
    v.parse().ok()
}

/// The official `round(v * 10 * 10) div 100`: two decimals, halves towards +∞
/// (so -0.125 -> -0.12, unlike Rust's half-away-from-zero).
pub fn r2(value: Decimal) -> Decimal {
    ((value * Decimal::ONE_HUNDRED) + Decimal::new(5, 1)).floor() / Decimal::ONE_HUNDRED
}

/// XPath `round()` to an integer, halves towards +∞.
pub fn round_half_up(value: Decimal) -> Decimal {
    (value + Decimal::new(5, 1)).floor()
}

/// The decimal value of a node's text; `None` if absent or not a decimal.
pub fn node_decimal(node: Option<Node<'_>>) -> Option<Decimal> {
    node.and_then(|n| decimal(n.text()))
}

/// Number of characters after the first `.` in the raw text, as the BR-DEC rules
/// count them (`string-length(substring-after(., '.'))`: trailing zeros and
/// whitespace included).
pub fn decimals_written(value: &str) -> usize {
    value
        .split_once('.')
        .map_or(0, |(_, frac)| frac.chars().count())
}

/// XPath `xs:boolean($value)` as used by `cbc:ChargeIndicator = false()`:
/// `true`/`1` and `false`/`0`, whitespace-collapsed; anything else is a cast error.
pub fn boolean(value: &str) -> Option<bool> {
    match trim_space(value) {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// The value of an optional amount element: `Ok(None)` when absent, `Err(())` when
/// present but not a decimal (where XPath would stop with a cast error; the rules
/// treat that as a failure of the rule, as the catalogue recommends).
#[allow(clippy::result_unit_err)]
pub fn amount(node: Option<Node<'_>>) -> Result<Option<Decimal>, ()> {
    match node {
        None => Ok(None),
        Some(n) => decimal(n.text()).map(Some).ok_or(()),
    }
}

/// XPath `sum(nodes/xs:decimal(.))`: `Err(())` if any value is not a decimal.
#[allow(clippy::result_unit_err)]
pub fn sum<'d>(nodes: impl IntoIterator<Item = Node<'d>>) -> Result<Decimal, ()> {
    let mut total = Decimal::ZERO;
    for n in nodes {
        total = total.checked_add(decimal(n.text()).ok_or(())?).ok_or(())?;
    }
    Ok(total)
}

/// XPath general comparison of untyped nodes with a number (`path >= 0`): each value
/// is cast to `xs:double` and the comparison holds if any value satisfies `test`. An
/// empty node-set makes it false. A value that is not a number would stop XPath with
/// a cast error; here it satisfies nothing, so the rule fails, as the catalogue
/// recommends.
pub fn any_number<'d>(
    nodes: impl IntoIterator<Item = Node<'d>>,
    test: impl Fn(f64) -> bool,
) -> bool {
    nodes.into_iter().filter_map(|n| double(n.text())).any(test)
}

/// XPath general `=` between two node-sets of untyped values: compared as strings,
/// without trimming, true if any pair is equal (so false when either side is empty).
pub fn any_equal<'d>(left: &[Node<'d>], right: &[Node<'d>]) -> bool {
    left.iter()
        .any(|l| right.iter().any(|r| l.text() == r.text()))
}

/// XPath `xs:date($value)` as a number that orders like the dates it stands for:
/// minutes since 1970-01-01T00:00Z of the date's first instant. A date without a
/// timezone is taken as UTC (the implicit timezone of the reference runs). `None`
/// where the cast would fail: not `YYYY-MM-DD` with an optional `Z` or `±hh:mm`, or
/// a day that does not exist.
pub fn date(value: &str) -> Option<i64> {
    let v = trim_space(value);
    let (negative, v) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    let (year, rest) = v.split_once('-')?;
    if year.len() < 4 || !year.bytes().all(|b| b.is_ascii_digit()) || rest.len() < 5 {
        return None;
    }
    let (month, day, zone) = (rest.get(..2)?, rest.get(2..3)?, rest.get(3..)?);
    if day != "-" {
        return None;
    }
    let (day, zone) = (zone.get(..2)?, zone.get(2..)?);
    let digits = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse::<i64>().ok())
            .flatten()
    };
    let year = digits(year)? * if negative { -1 } else { 1 };
    let (month, day) = (digits(month)?, digits(day)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > days_in_month {
        return None;
    }
    let offset = match zone {
        "" | "Z" => 0,
        _ => {
            let sign = match zone.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (h, m) = zone[1..].split_once(':')?;
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            let (h, m) = (digits(h)?, digits(m)?);
            if h > 14 || m > 59 {
                return None;
            }
            sign * (h * 60 + m)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm), exact for any year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era.checked_mul(146_097)?.checked_add(doe - 719_468)?;
    days.checked_mul(1440)?.checked_sub(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r2_rounds_halves_towards_positive_infinity() {
        assert_eq!(r2(Decimal::new(-125, 3)), Decimal::new(-12, 2));
        assert_eq!(r2(Decimal::new(125, 3)), Decimal::new(13, 2));
        assert_eq!(r2(Decimal::new(-126, 3)), Decimal::new(-13, 2));
        assert_eq!(r2(Decimal::new(10, 0)), Decimal::new(10, 0));
    }

    #[test]
    fn normalized_borrows_only_what_is_already_normal() {
        for v in ["S", "a b", "", " S", "S ", "a  b", "a\tb", "\nS\n"] {
            assert_eq!(normalized(v), normalize_space(v), "{v:?}");
        }
        assert!(matches!(normalized("a b"), std::borrow::Cow::Borrowed(_)));
        assert!(is_vat_id(" vat\n") && is_vat_id("VAT") && !is_vat_id("V AT"));
    }

    #[test]
    fn decimal_follows_xs_decimal_lexical_space() {
        assert_eq!(decimal(" 12.50 "), Some(Decimal::new(1250, 2)));
        assert_eq!(decimal("-.5"), Some(Decimal::new(-5, 1)));
        assert_eq!(decimal("3."), Some(Decimal::new(3, 0)));
        assert_eq!(decimal("1e3"), None);
        assert_eq!(decimal(""), None);
        assert_eq!(decimal("."), None);
        assert_eq!(decimal("1,5"), None);
        // The direct parse keeps the scale the textual parse gives.
        for (raw, text) in [
            ("12.50", "12.50"),
            ("-007", "-7.0"),
            ("+.250", "0.250"),
            ("0", "0.0"),
        ] {
            let d = decimal(raw).unwrap();
            let expected = Decimal::from_str(text).unwrap();
            assert_eq!(
                (d.mantissa(), d.scale()),
                (expected.mantissa(), expected.scale())
            );
        }
    }

    proptest::proptest! {
        /// The cast and the model read the same lexical form the same way: the same
        /// value (the cast's scale is at least one), absent beyond the cast's bound.
        #[test]
        fn the_cast_reads_the_value_the_model_reads(
            text in "[ \n]?[+-]?0{0,2}[0-9]{0,21}(\\.[0-9]{0,10})?[ ]?|[0-9.+ -]{0,6}",
        ) {
            let bound = Decimal::from_i128_with_scale(100_000_000_000_000_000_000, 0);
            let model = crate::invoice::Amount::parse(&text)
                .map(|a| a.0)
                .filter(|d| d.abs() < bound);
            let cast = decimal(&text);
            proptest::prop_assert_eq!(cast, model, "{:?}", text);
            if let Some(d) = cast {
                proptest::prop_assert!(d.scale() >= 1, "{:?} has scale {}", text, d.scale());
            }
        }
    }

    #[test]
    fn blank_means_whitespace_only() {
        assert!(!nb(" \n\t"));
        assert!(nb(" x "));
        assert_eq!(normalize_space("  a \n b  "), "a b");
    }

    #[test]
    fn decimals_are_counted_as_written() {
        assert_eq!(decimals_written("1.500"), 3);
        assert_eq!(decimals_written("1.50 "), 3);
        assert_eq!(decimals_written("100"), 0);
    }

    #[test]
    fn dates_order_as_instants_and_reject_impossible_days() {
        let d = |v| date(v).expect(v);
        assert!(d("2024-03-01") > d("2024-02-29"));
        assert_eq!(d(" 2024-01-31 "), d("2024-01-31Z"));
        assert!(d("2024-01-31+02:00") < d("2024-01-31"));
        assert_eq!(date("2023-02-29"), None);
        assert_eq!(date("2024-13-01"), None);
        assert_eq!(date("20240101"), None);
        assert_eq!(date("2024-1-01"), None);
    }
}
