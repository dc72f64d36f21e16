//! The shared definitions of the BR-FR files (catalogue §2.8 preamble): identifier and
//! date formats, code lists, the decimal patterns and the UBL note extraction.
//!
//! Each function reproduces the XPath the official files write, not what the business
//! term should be: `IDFMT` tolerates a trailing newline but not an inner space,
//! `DATE_C` ignores what follows the eighth character, `SIRET_OK` checks only the
//! prefix. The regular expressions of the files use `\d`, which XPath defines as any
//! Unicode decimal digit; facteur accepts ASCII digits only (a document carrying other
//! decimal digits in an identifier is rejected here and accepted by the artefacts).

use crate::ingest::validate::xpath::normalize_space;

/// BT-3 values the French CIUS accepts (BR-FR-04).
pub const DOCTYPES: &[&str] = &[
    "380", "389", "393", "501", "386", "500", "384", "471", "472", "473", "261", "262", "381",
    "396", "502", "503",
];

/// Self-billed BT-3 values (BR-FR-21, BR-FR-22).
pub const SELFBILLED: &[&str] = &["389", "501", "500", "471", "473", "261", "502"];

/// BT-3 values a multi-vendor invoice may not have and a bidirectional one must have
/// (BR-FR-MV-13, BR-FR-BD-13).
pub const MV_FORBIDDEN_TYPES: &[&str] = &["389", "261", "501", "500", "502", "471", "473"];

/// Cadres de facturation (BT-23, BR-FR-08).
pub const CADRES: &[&str] = &[
    "B1", "S1", "M1", "B2", "S2", "M2", "S3", "B4", "S4", "M4", "S5", "S6", "B7", "S7", "B8", "S8",
    "M8", "B9", "S9", "M9",
];

/// VAT rates as they must be written (BR-FR-16): compared as strings, raw.
pub const VATRATES: &[&str] = &[
    "0", "0.0", "0.00", "10", "10.0", "10.00", "13", "13.0", "13.00", "20", "20.0", "20.00", "8.5",
    "8.50", "19.6", "19.60", "2.1", "2.10", "5.5", "5.50", "7", "7.0", "7.00", "20.6", "20.60",
    "1.05", "0.9", "0.90", "1.75", "9.2", "9.20", "9.6", "9.60",
];

/// VAT categories the French CIUS admits (BR-FR-15).
pub const VAT_CATEGORIES: &[&str] = &["S", "E", "AE", "K", "G", "O", "Z"];

/// Attachment description codes (BR-FR-17).
pub const ATTACH: &[&str] = &[
    "RIB",
    "LISIBLE",
    "FEUILLE_DE_STYLE",
    "PJA",
    "BORDEREAU_SUIVI",
    "DOCUMENT_ANNEXE",
    "BON_LIVRAISON",
    "BON_COMMANDE",
    "BORDEREAU_SUIVI_VALIDATION",
    "ETAT_ACOMPTE",
    "FACTURE_PAIEMENT_DIRECT",
    "RECAPITULATIF_COTRAITANCE",
];

/// Billing-process treatments a BAR note may carry, UBL (BR-FR-20: no B2CINT there).
pub const BAR_UBL: &[&str] = &["B2B", "B2BINT", "B2C", "OUTOFSCOPE", "ARCHIVEONLY"];

/// Billing-process treatments, CII (BR-FR-20, BR-FR-31).
pub const BAR_CII: &[&str] = &[
    "B2B",
    "B2BINT",
    "B2C",
    "B2CINT",
    "OUTOFSCOPE",
    "ARCHIVEONLY",
];

/// Exact string membership (XPath `$v = ('a', 'b')` on one value).
pub fn one_of(value: &str, list: &[&str]) -> bool {
    list.contains(&value)
}

/// XPath `string-length()`: characters, not bytes.
pub fn length(value: &str) -> usize {
    value.chars().count()
}

/// IDFMT: `normalize-space(x)` matches `^[A-Za-z0-9+\-_/]+$` and the raw `x` has no
/// space character (tabs and newlines around the value are tolerated).
pub fn idfmt(value: &str) -> bool {
    let normalized = normalize_space(value);
    !normalized.is_empty()
        && normalized
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'_' | b'/'))
        && !value.contains(' ')
}

/// SCHEMEFMT: the raw value matches `^[A-Za-z0-9+\-_.]+$`.
pub fn schemefmt(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'_' | b'.'))
}

/// `matches(value, '^\d{n}$')`.
pub fn digits(value: &str, n: usize) -> bool {
    value.len() == n && value.bytes().all(|b| b.is_ascii_digit())
}

/// `matches(normalize-space(value), '^\d{9}$')`: the SIREN format of BR-FR-10/11/32.
pub fn siren_format(value: &str) -> bool {
    digits(&normalize_space(value), 9)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Year 20xx, month 01–12, day 01–31 and within the month (Gregorian leap years).
fn valid_date(year: &str, month: &str, day: &str) -> bool {
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let shaped = year.len() == 4
        && month.len() == 2
        && day.len() == 2
        && all_digits(year)
        && all_digits(month)
        && all_digits(day)
        && year.starts_with("20");
    if !shaped {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        year.parse::<u32>(),
        month.parse::<u32>(),
        day.parse::<u32>(),
    ) else {
        return false;
    };
    (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

/// DATE_U: the raw value is `20YY-MM-DD` and names a real day.
pub fn date_u(value: &str) -> bool {
    let bytes = value.as_bytes();
    // ASCII first, so that the slices below fall on character boundaries.
    value.is_ascii()
        && bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && valid_date(&value[0..4], &value[5..7], &value[8..10])
}

/// DATE_C: the first eight characters are `20YYMMDD` and name a real day; what
/// follows is ignored.
pub fn date_c(value: &str) -> bool {
    let first: String = value.chars().take(8).collect();
    first.len() == 8 && first.is_ascii() && valid_date(&first[0..4], &first[4..6], &first[6..8])
}

/// SIRET_OK: the raw SIRET is 14 digits and its first nine characters equal one of
/// `sirens`.
pub fn siret_ok(siret: &str, sirens: &[&str]) -> bool {
    digits(siret, 14) && sirens.iter().any(|s| siret.get(0..9) == Some(*s))
}

/// DEC19_x on a normalize-space'd value: `^-?\d{1,19}(\.\d{1,x})?$` (or without the
/// sign) and at most 19 characters once the '.' is removed, the sign included.
pub fn dec19(value: &str, decimals: usize, signed: bool) -> bool {
    let unsigned = match value.strip_prefix('-') {
        Some(rest) if signed => rest,
        _ => value,
    };
    let (int, frac) = match unsigned.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let int_ok = (1..=19).contains(&int.len()) && all_digits(int);
    let frac_ok = frac.is_none_or(|f| (1..=decimals).contains(&f.len()) && all_digits(f));
    let length = value.len() - usize::from(frac.is_some());
    int_ok && frac_ok && length <= 19
}

/// DEC19_2: amounts.
pub fn dec19_2(value: &str) -> bool {
    dec19(value, 2, true)
}

/// DEC19_4: quantities.
pub fn dec19_4(value: &str) -> bool {
    dec19(value, 4, true)
}

/// PRICE: up to six decimals, negative only on a bidirectional (BD) invoice.
pub fn price(value: &str, bidirectional: bool) -> bool {
    dec19(value, 6, bidirectional)
}

/// PCT4_2P: `^\d{1,4}(\.\d{1,2})?$`, at most four digits in all.
pub fn pct4_2p(value: &str) -> bool {
    let (int, frac) = match value.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (value, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (1..=4).contains(&int.len())
        && all_digits(int)
        && frac.is_none_or(|f| (1..=2).contains(&f.len()) && all_digits(f))
        && int.len() + frac.map_or(0, str::len) <= 4
}

/// Non-overlapping occurrences of `needle` in `haystack` (the files count them by
/// removing the needle and comparing lengths).
pub fn occurrences(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The value a UBL `#CODE#` note carries in the concatenated notes: the text after the
/// first `#CODE#` up to the next `#`, or to the end; empty when the code is absent. It
/// is not trimmed and may run into the next note, as in the files.
pub fn note_value<'a>(notes: &'a str, code: &str) -> &'a str {
    let marker = format!("#{code}#");
    match notes.split_once(marker.as_str()) {
        Some((_, rest)) => rest.split_once('#').map_or(rest, |(value, _)| value),
        None => "",
    }
}

/// A cadre de facturation's family, from `normalize-space(BT-23)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cadre {
    /// S8/B8/M8 (multi-vendor) or S9/B9/M9 (bidirectional).
    pub special: bool,
    /// S8/B8/M8.
    pub multi_vendor: bool,
    /// S9/B9/M9.
    pub bidirectional: bool,
}

impl Cadre {
    pub fn of(bt23: Option<&str>) -> Cadre {
        let value = bt23.map(normalize_space).unwrap_or_default();
        let multi_vendor = one_of(&value, &["S8", "B8", "M8"]);
        let bidirectional = one_of(&value, &["S9", "B9", "M9"]);
        Cadre {
            special: multi_vendor || bidirectional,
            multi_vendor,
            bidirectional,
        }
    }
}

/// XPath `abs(a - b) <= tolerance` in `xs:double`, as the multi-vendor totals are
/// compared; any NaN operand makes it false.
pub fn within(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

/// An XPath double for a message: NaN (absent or not a number) said in words.
pub fn shown(value: f64) -> String {
    if value.is_nan() {
        "missing or not a number".to_string()
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idfmt_allows_the_listed_characters_and_no_space() {
        assert!(idfmt("FA-2025/001_A+B"));
        assert!(idfmt("\nFA1\t"));
        assert!(!idfmt("FA 1"));
        assert!(!idfmt(" FA1"));
        assert!(!idfmt("FA.1"));
        assert!(!idfmt("FA#1"));
        assert!(!idfmt("FA:1"));
        assert!(!idfmt("FÀ1"));
        assert!(!idfmt(""));
        assert!(!idfmt("\n"));
    }

    #[test]
    fn ubl_dates_are_strict_and_check_the_calendar() {
        assert!(date_u("2024-02-29"));
        assert!(date_u("2000-02-29"));
        assert!(!date_u("2100-02-28"), "the year must start with 20");
        assert!(!date_u("2023-02-29"));
        assert!(!date_u("2025-02-30"));
        assert!(!date_u("2025-04-31"));
        assert!(!date_u("1999-12-31"));
        assert!(!date_u("2025-13-01"));
        assert!(!date_u("2025-01-00"));
        assert!(!date_u(" 2025-01-01"));
        assert!(!date_u("2025-01-01Z"));
        assert!(!date_u("20250101"));
        assert!(!date_u("2é0-12-01"));
    }

    #[test]
    fn cii_dates_read_the_first_eight_characters() {
        assert!(date_c("20240229"));
        assert!(date_c("20250101T10:00"));
        assert!(!date_c("20250230"));
        assert!(!date_c("19991231"));
        assert!(!date_c("2025-01-01"));
        assert!(!date_c("2025011"));
        assert!(!date_c("2100ééé"));
    }

    #[test]
    fn dec19_counts_digits_and_sign() {
        assert!(dec19_2("12.50"));
        assert!(dec19_2("-12.5"));
        assert!(dec19_2("1234567890123456789"));
        assert!(!dec19_2("12345678901234567890"));
        assert!(dec19_2("12345678901234567.89"));
        assert!(!dec19_2("-1234567890123456789"), "the sign counts");
        assert!(!dec19_2("1.234"));
        assert!(!dec19_2("+1.00"));
        assert!(!dec19_2("1."));
        assert!(!dec19_2(".5"));
        assert!(!dec19_2("1e3"));
        assert!(!dec19_2(""));
        assert!(dec19_4("1.2345"));
        assert!(!dec19_4("1.23456"));
        assert!(price("1.123456", false));
        assert!(!price("1.1234567", false));
        assert!(!price("-1.5", false));
        assert!(price("-1.5", true));
    }

    #[test]
    fn percentages_have_four_digits_at_most() {
        assert!(pct4_2p("20"));
        assert!(pct4_2p("5.5"));
        assert!(pct4_2p("19.60"));
        assert!(!pct4_2p("100.00"));
        assert!(pct4_2p("100.0"));
        assert!(!pct4_2p("5.500"));
        assert!(!pct4_2p("-5"));
        assert!(!pct4_2p(""));
    }

    #[test]
    fn siret_ok_checks_format_and_prefix_only() {
        assert!(siret_ok("90617085700237", &["906170857"]));
        assert!(siret_ok("90617085700237", &["123456789", "906170857"]));
        assert!(!siret_ok("9061708570023", &["906170857"]));
        assert!(!siret_ok("90617085700237", &["906170858"]));
        assert!(!siret_ok("90617085700237", &[]));
        assert!(!siret_ok(" 90617085700237", &["906170857"]));
    }

    #[test]
    fn notes_extraction_is_untrimmed_and_runs_into_the_next_note() {
        let notes = "#PMT#forty euros#BAR#B2B#AAB#none";
        assert_eq!(note_value(notes, "BAR"), "B2B");
        assert_eq!(note_value("#BAR#B2B", "BAR"), "B2B");
        assert_eq!(note_value("#BAR#B2B ", "BAR"), "B2B ");
        assert_eq!(note_value("#BAR#B2BSome text", "BAR"), "B2BSome text");
        assert_eq!(note_value("no bar", "BAR"), "");
        assert_eq!(occurrences("#PMT#a#PMT#b", "#PMT#"), 2);
    }

    #[test]
    fn cadre_families() {
        assert_eq!(
            Cadre::of(Some(" S8 ")),
            Cadre {
                special: true,
                multi_vendor: true,
                bidirectional: false
            }
        );
        assert!(Cadre::of(Some("M9")).bidirectional);
        assert_eq!(Cadre::of(Some("B1")), Cadre::default());
        assert_eq!(Cadre::of(None), Cadre::default());
    }
}
