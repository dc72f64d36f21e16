//! The code lists of the official rules (BR-CL-*), kept as data: one file per list
//! under `codelists/`, each headed by the source and version it was taken from, one
//! code per line. They are compiled in with `include_str!` and turned into hash sets
//! the first time a rule asks.
//!
//! Membership follows the official test, `not(contains(normalize-space(v), ' ')) and
//! contains(' LIST ', concat(' ', normalize-space(v), ' '))`: surrounding whitespace
//! is tolerated, inner whitespace and the empty value are not ([`CodeList::has`]).

use std::sync::OnceLock;

use crate::fxhash::FxHashSet;
use crate::xml::{is_space, trim_space};

/// One code list.
pub struct CodeList {
    /// What the messages call the list.
    pub name: &'static str,
    text: &'static str,
    set: OnceLock<FxHashSet<&'static str>>,
}

impl CodeList {
    const fn new(name: &'static str, text: &'static str) -> CodeList {
        CodeList {
            name,
            text,
            set: OnceLock::new(),
        }
    }

    fn set(&self) -> &FxHashSet<&'static str> {
        self.set.get_or_init(|| {
            self.text
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .collect()
        })
    }

    /// `code` is one of the list's codes, exactly as written (no trimming, case kept).
    pub fn contains(&self, code: &str) -> bool {
        self.set().contains(code)
    }

    /// The official membership test on a raw value: its whitespace-collapsed form is a
    /// single token of the list.
    pub fn has(&self, value: &str) -> bool {
        // The collapsed form is a single token exactly when the trimmed value is
        // non-empty and has no inner whitespace, and that token is the trimmed value:
        // tested in place, without building the normalised String.
        let token = trim_space(value);
        !token.is_empty() && !token.bytes().any(is_space) && self.contains(token)
    }

    /// [`CodeList::has`] after upper-casing the value (BR-CL-22).
    pub fn has_upper(&self, value: &str) -> bool {
        self.has(&value.to_uppercase())
    }

    /// The number of codes (for tests).
    pub fn len(&self) -> usize {
        self.set().len()
    }

    /// Never true for the lists below; kept for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.set().is_empty()
    }
}

macro_rules! code_lists {
    ($($(#[$doc:meta])* $name:ident = $title:literal, $file:literal;)*) => {
        $(
            $(#[$doc])*
            pub static $name: CodeList =
                CodeList::new($title, include_str!(concat!("codelists/", $file)));
        )*
    };
}

code_lists! {
    /// BR-CL-03/04/05.
    CURRENCIES = "ISO 4217 currency", "iso4217.txt";
    /// BR-CL-14/15, UBL (has SS, not AN).
    COUNTRIES_UBL = "ISO 3166-1 alpha-2 country", "iso3166-ubl.txt";
    /// BR-CL-14/15, CII (has AN, not SS).
    COUNTRIES_CII = "ISO 3166-1 alpha-2 country", "iso3166-cii.txt";
    /// BR-CL-01, UBL `cbc:InvoiceTypeCode`.
    INVOICE_TYPES_UBL = "UNTDID 1001 invoice type", "untdid1001-invoice-ubl.txt";
    /// BR-CL-01, UBL `cbc:CreditNoteTypeCode`.
    CREDIT_NOTE_TYPES_UBL = "UNTDID 1001 credit note type", "untdid1001-credit-note-ubl.txt";
    /// BR-CL-01, CII `ram:TypeCode`.
    DOCUMENT_TYPES_CII = "UNTDID 1001 document type", "untdid1001-cii.txt";
    /// BR-CL-06, UBL.
    PERIOD_CODES_UBL = "UNTDID 2005 (restricted) date code", "untdid2005-ubl.txt";
    /// BR-CL-06, CII.
    DUE_DATE_CODES_CII = "UNTDID 2475 (restricted) date code", "untdid2475-cii.txt";
    /// BR-CL-07.
    REFERENCE_QUALIFIERS = "UNTDID 1153 reference qualifier", "untdid1153.txt";
    /// BR-CL-08, UBL.
    TEXT_SUBJECTS_UBL = "UNTDID 4451 text subject", "untdid4451-ubl.txt";
    /// BR-CL-08, CII.
    TEXT_SUBJECTS_CII = "UNTDID 4451 text subject", "untdid4451-cii.txt";
    /// BR-CL-10/11/21/26.
    ICD = "ISO 6523 ICD scheme", "iso6523-icd.txt";
    /// BR-CL-13.
    ITEM_CLASSIFICATIONS = "UNTDID 7143 item classification", "untdid7143.txt";
    /// BR-CL-16.
    PAYMENT_MEANS = "UNTDID 4461 payment means", "untdid4461.txt";
    /// BR-CL-17/18.
    VAT_CATEGORIES = "UNCL 5305 VAT category", "uncl5305.txt";
    /// BR-CL-19.
    ALLOWANCE_REASONS = "UNTDID 5189 allowance reason", "untdid5189.txt";
    /// BR-CL-20.
    CHARGE_REASONS = "UNTDID 7161 charge reason", "untdid7161.txt";
    /// BR-CL-22 (compared upper-cased).
    VATEX = "VATEX exemption reason", "vatex.txt";
    /// BR-CL-23.
    UNITS = "UN/ECE Rec 20/21 unit", "unece-rec20-rec21.txt";
    /// BR-CL-24 (compared exactly).
    MIME_CODES = "MIME", "mime.txt";
    /// BR-CL-25.
    EAS = "CEF EAS electronic address scheme", "eas.txt";
    /// BR-FREXT-04 (UBL), BR-FXEXT-04 (CII): item attribute codes.
    ITEM_ATTRIBUTES = "UNTDID 6313 + Factur-X extension item attribute", "untdid6313-facturx.txt";
    /// Factur-X EXTENDED code list 4 (`$DOC/ram:LanguageID`, compared exactly).
    LANGUAGES = "ISO 639-2 language", "iso639-2.txt";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_hold_the_catalogue_counts() {
        for (list, count) in [
            (&CURRENCIES, 178),
            (&COUNTRIES_UBL, 251),
            (&COUNTRIES_CII, 251),
            (&INVOICE_TYPES_UBL, 50),
            (&CREDIT_NOTE_TYPES_UBL, 13),
            (&DOCUMENT_TYPES_CII, 62),
            (&REFERENCE_QUALIFIERS, 818),
            (&TEXT_SUBJECTS_UBL, 383),
            (&TEXT_SUBJECTS_CII, 401),
            (&ICD, 243),
            (&ITEM_CLASSIFICATIONS, 185),
            (&PAYMENT_MEANS, 84),
            (&VAT_CATEGORIES, 10),
            (&ALLOWANCE_REASONS, 19),
            (&CHARGE_REASONS, 178),
            (&VATEX, 88),
            (&UNITS, 2162),
            (&MIME_CODES, 6),
            (&EAS, 104),
            (&ITEM_ATTRIBUTES, 315),
            (&LANGUAGES, 506),
        ] {
            assert_eq!(list.len(), count, "{}", list.name);
        }
    }

    #[test]
    fn membership_collapses_whitespace_but_refuses_inner_spaces() {
        assert!(CURRENCIES.has("EUR"));
        assert!(CURRENCIES.has(" EUR\n"));
        assert!(!CURRENCIES.has("E UR"));
        assert!(!CURRENCIES.has(""));
        assert!(!CURRENCIES.has("  "));
        assert!(!CURRENCIES.has("eur"));
        assert!(!CURRENCIES.has("EUR USD"));
        assert!(COUNTRIES_UBL.has("SS") && !COUNTRIES_CII.has("SS"));
        assert!(COUNTRIES_CII.has("AN") && !COUNTRIES_UBL.has("AN"));
    }

    #[test]
    fn vatex_is_compared_upper_cased() {
        assert!(VATEX.has_upper(" vatex-eu-ae "));
        assert!(!VATEX.has("vatex-eu-ae"));
        assert!(!VATEX.has_upper("vatex-eu ae"));
    }

    #[test]
    fn header_comments_are_not_codes() {
        assert!(!UNITS.contains("#"));
        assert!(!UNITS.has("UN/ECE"));
        assert!(UNITS.has("C62") && UNITS.has("XZZ"));
    }
}
