//! French identifiers as types that parse or refuse: SIREN, SIRET, routing code,
//! addressing suffix, addressing identifier (the electronic address BT-34/BT-49 with
//! scheme 0225) and platform matricule.
//!
//! Parse, don't validate: once a value has one of these types it is well-formed, so
//! the directory, the router and the French rules never re-check it. The rules come
//! from the reform's specifications (digest in `../shared/reference/fr-reform.md` §2).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why an identifier was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("{kind} {value:?} must be {expected}")]
    Format {
        kind: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("{kind} {value:?} fails its check digit (Luhn)")]
    CheckDigit { kind: &'static str, value: String },
    #[error("SIRET {siret:?} does not belong to SIREN {siren:?}")]
    SiretNotOfSiren { siret: String, siren: String },
}

/// The Luhn checksum over decimal digits: every second digit from the right doubled.
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn all_digits(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_digit())
}

/// The SIREN of La Poste, whose establishments' SIRETs use a digit-sum check instead
/// of Luhn (only its head office passes Luhn).
const LA_POSTE_SIREN: &str = "356000000";

/// A SIREN: 9 digits with a Luhn check digit (a legal unit).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siren(String);

/// Checks a SIREN without allocating (the error path allocates).
fn check_siren(value: &str) -> Result<(), IdentifierError> {
    if !all_digits(value, 9) {
        return Err(IdentifierError::Format {
            kind: "SIREN",
            value: value.into(),
            expected: "9 digits",
        });
    }
    if !luhn_valid(value.as_bytes()) {
        return Err(IdentifierError::CheckDigit {
            kind: "SIREN",
            value: value.into(),
        });
    }
    Ok(())
}

/// Checks a SIRET without allocating (the error path allocates).
fn check_siret(value: &str) -> Result<(), IdentifierError> {
    if !all_digits(value, 14) {
        return Err(IdentifierError::Format {
            kind: "SIRET",
            value: value.into(),
            expected: "14 digits",
        });
    }
    check_siren(&value[..9])?;
    let valid = luhn_valid(value.as_bytes())
        || (&value[..9] == LA_POSTE_SIREN && {
            let sum: u32 = value.bytes().map(|b| u32::from(b - b'0')).sum();
            sum.is_multiple_of(5)
        });
    if !valid {
        return Err(IdentifierError::CheckDigit {
            kind: "SIRET",
            value: value.into(),
        });
    }
    Ok(())
}

impl Siren {
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        check_siren(value)?;
        Ok(Siren(value.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A SIRET: 14 digits, the SIREN of its legal unit followed by the NIC; Luhn over the
/// 14 digits; La Poste's establishments may instead have a digit sum that is a
/// multiple of 5.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siret(String);

impl Siret {
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        check_siret(value)?;
        Ok(Siret(value.into()))
    }

    /// The SIREN of the legal unit the establishment belongs to.
    pub fn siren(&self) -> Siren {
        Siren(self.0[..9].to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Characters allowed in routing codes and suffixes: unaccented letters, digits, `-`,
/// `_` (routing codes, G1.95) and `.` (suffixes, G1.115).
fn token_ok(value: &str, extra: &[u8], max: usize) -> bool {
    !value.is_empty()
        && value.len() <= max
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
}

/// A routing code (code routage): 1 to 100 of `[A-Za-z0-9_-]`, attached to a SIRET.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RoutingCode(String);

impl RoutingCode {
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        if !token_ok(value, b"-_", 100) {
            return Err(IdentifierError::Format {
                kind: "routing code",
                value: value.into(),
                expected: "1 to 100 characters among A-Z a-z 0-9 - _",
            });
        }
        Ok(RoutingCode(value.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An addressing suffix: 1 to 100 of `[A-Za-z0-9._-]`, only ever used with a SIREN.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Suffix(String);

impl Suffix {
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        if !token_ok(value, b"-_.", 100) {
            return Err(IdentifierError::Format {
                kind: "suffix",
                value: value.into(),
                expected: "1 to 100 characters among A-Z a-z 0-9 - _ .",
            });
        }
        Ok(Suffix(value.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An addressing identifier (identifiant d'adressage, the 0225 electronic address):
/// the mesh of the directory it designates.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum AddressingId {
    /// `SIREN`
    Siren(Siren),
    /// `SIREN_SIRET`
    Siret(Siret),
    /// `SIREN_SIRET_ROUTINGCODE`
    RoutingCode(Siret, RoutingCode),
    /// `SIREN_SUFFIX`
    Suffix(Siren, Suffix),
}

/// Longest addressing identifier accepted (BR-FR-25).
pub const ADDRESSING_ID_MAX_LEN: usize = 125;

impl AddressingId {
    /// Parses `SIREN`, `SIREN_SIRET`, `SIREN_SIRET_ROUTINGCODE` or `SIREN_SUFFIX`
    /// (see [`AddressingRef::parse`]).
    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        AddressingRef::parse(value).map(AddressingRef::to_owned)
    }

    /// The borrowed form (no allocation), for lookups.
    pub fn as_ref(&self) -> AddressingRef<'_> {
        match self {
            AddressingId::Siren(s) => AddressingRef::Siren(s.as_str()),
            AddressingId::Siret(t) => AddressingRef::Siret(t.as_str()),
            AddressingId::RoutingCode(t, c) => AddressingRef::RoutingCode(t.as_str(), c.as_str()),
            AddressingId::Suffix(s, x) => AddressingRef::Suffix(s.as_str(), x.as_str()),
        }
    }

    /// The SIREN every addressing identifier starts with.
    pub fn siren(&self) -> Siren {
        match self {
            AddressingId::Siren(s) | AddressingId::Suffix(s, _) => s.clone(),
            AddressingId::Siret(t) | AddressingId::RoutingCode(t, _) => t.siren(),
        }
    }

    /// The coarser identifier this one falls back to, if any (routing code -> SIRET
    /// -> SIREN; a suffix and a SIREN have none).
    pub fn parent(&self) -> Option<AddressingId> {
        match self {
            AddressingId::RoutingCode(siret, _) => Some(AddressingId::Siret(siret.clone())),
            AddressingId::Siret(siret) => Some(AddressingId::Siren(siret.siren())),
            AddressingId::Siren(_) | AddressingId::Suffix(..) => None,
        }
    }
}

/// An addressing identifier checked in place, borrowing its parts from the text:
/// what resolution uses, so that a lookup from an invoice's BT-49 allocates nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressingRef<'a> {
    /// The SIREN.
    Siren(&'a str),
    /// The SIRET.
    Siret(&'a str),
    /// The SIRET and the routing code.
    RoutingCode(&'a str, &'a str),
    /// The SIREN and the suffix.
    Suffix(&'a str, &'a str),
}

impl<'a> AddressingRef<'a> {
    /// Parses `SIREN`, `SIREN_SIRET`, `SIREN_SIRET_ROUTINGCODE` or `SIREN_SUFFIX`.
    ///
    /// The text after the SIREN is read as a SIRET when it is 14 digits starting with
    /// that SIREN (the reform advises that a suffix never looks like a SIRET, so that
    /// reading is unambiguous), and as a suffix otherwise.
    pub fn parse(value: &'a str) -> Result<Self, IdentifierError> {
        let format = || IdentifierError::Format {
            kind: "addressing identifier",
            value: value.into(),
            expected: "SIREN, SIREN_SIRET, SIREN_SIRET_ROUTINGCODE or SIREN_SUFFIX, at most 125 characters of A-Z a-z 0-9 - _ .",
        };
        if value.is_empty() || !token_ok(value, b"-_.", ADDRESSING_ID_MAX_LEN) {
            return Err(format());
        }
        let Some((siren, rest)) = value.split_once('_') else {
            check_siren(value)?;
            return Ok(AddressingRef::Siren(value));
        };
        check_siren(siren)?;
        let (second, third) = match rest.split_once('_') {
            Some((a, b)) => (a, Some(b)),
            None => (rest, None),
        };
        if all_digits(second, 14) && second.starts_with(siren) {
            check_siret(second)?;
            return Ok(match third {
                None => AddressingRef::Siret(second),
                Some(code) => {
                    if !token_ok(code, b"-_", 100) {
                        return Err(IdentifierError::Format {
                            kind: "routing code",
                            value: code.into(),
                            expected: "1 to 100 characters among A-Z a-z 0-9 - _",
                        });
                    }
                    AddressingRef::RoutingCode(second, code)
                }
            });
        }
        if all_digits(second, 14) {
            return Err(IdentifierError::SiretNotOfSiren {
                siret: second.into(),
                siren: siren.into(),
            });
        }
        if !token_ok(rest, b"-_.", 100) {
            return Err(IdentifierError::Format {
                kind: "suffix",
                value: rest.into(),
                expected: "1 to 100 characters among A-Z a-z 0-9 - _ .",
            });
        }
        Ok(AddressingRef::Suffix(siren, rest))
    }

    /// The owned identifier (the parts were checked by `parse` or come from one).
    pub fn to_owned(self) -> AddressingId {
        match self {
            AddressingRef::Siren(s) => AddressingId::Siren(Siren(s.into())),
            AddressingRef::Siret(t) => AddressingId::Siret(Siret(t.into())),
            AddressingRef::RoutingCode(t, c) => {
                AddressingId::RoutingCode(Siret(t.into()), RoutingCode(c.into()))
            }
            AddressingRef::Suffix(s, x) => AddressingId::Suffix(Siren(s.into()), Suffix(x.into())),
        }
    }
}

impl fmt::Display for AddressingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressingId::Siren(s) => write!(f, "{}", s.as_str()),
            AddressingId::Siret(t) => write!(f, "{}_{}", &t.as_str()[..9], t.as_str()),
            AddressingId::RoutingCode(t, c) => {
                write!(f, "{}_{}_{}", &t.as_str()[..9], t.as_str(), c.as_str())
            }
            AddressingId::Suffix(s, x) => write!(f, "{}_{}", s.as_str(), x.as_str()),
        }
    }
}

/// A platform matricule: 4 digits (ICD scheme 0238).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Matricule(u16);

impl Matricule {
    /// Chorus Pro, emission.
    pub const CHORUS_PRO_EMISSION: Matricule = Matricule(9997);
    /// The PPF's fictitious, non-routable platform of the default SIREN lines.
    pub const PPF: Matricule = Matricule(9998);
    /// Chorus Pro, reception.
    pub const CHORUS_PRO_RECEPTION: Matricule = Matricule(9999);

    pub fn parse(value: &str) -> Result<Self, IdentifierError> {
        if !all_digits(value, 4) {
            return Err(IdentifierError::Format {
                kind: "platform matricule",
                value: value.into(),
                expected: "4 digits",
            });
        }
        value
            .parse()
            .map(Matricule)
            .map_err(|_| IdentifierError::Format {
                kind: "platform matricule",
                value: value.into(),
                expected: "4 digits",
            })
    }

    /// The matricule as a number (0 to 9999), the compact form the directory index stores.
    pub fn value(self) -> u16 {
        self.0
    }

    /// The matricule of a number read back from storage; `None` above 9999.
    pub fn from_value(value: u16) -> Option<Self> {
        (value <= 9999).then_some(Matricule(value))
    }

    /// One of 9997, 9998, 9999, which a platform may never point a line at (G1.112).
    pub fn is_reserved(self) -> bool {
        self.0 >= 9997
    }
}

impl fmt::Display for Matricule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

macro_rules! string_conversions {
    ($($ty:ty),*) => {$(
        impl FromStr for $ty {
            type Err = IdentifierError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$ty>::parse(s)
            }
        }
        impl TryFrom<String> for $ty {
            type Error = IdentifierError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                <$ty>::parse(&s)
            }
        }
        impl From<$ty> for String {
            fn from(v: $ty) -> String {
                v.to_string()
            }
        }
    )*};
}
string_conversions!(Siren, Siret, RoutingCode, Suffix, AddressingId, Matricule);

macro_rules! display_as_str {
    ($($ty:ty),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(Siren, Siret, RoutingCode, Suffix);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Appends the Luhn check digit to `body`.
    fn with_check_digit(body: &str) -> String {
        (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|s| luhn_valid(s.as_bytes()))
            .unwrap()
    }

    #[test]
    fn known_sirens() {
        assert!(Siren::parse("906170857").is_ok());
        assert!(Siren::parse("479612384").is_ok());
        assert!(matches!(
            Siren::parse("906170858"),
            Err(IdentifierError::CheckDigit { .. })
        ));
        assert!(matches!(
            Siren::parse("90617085"),
            Err(IdentifierError::Format { .. })
        ));
        assert!(Siren::parse("90617085a").is_err());
        assert!(Siren::parse("").is_err());
    }

    #[test]
    fn known_sirets_and_la_poste() {
        assert_eq!(
            Siret::parse("90617085700237").unwrap().siren().as_str(),
            "906170857"
        );
        // La Poste head office passes Luhn; other establishments use the digit sum.
        assert!(Siret::parse("35600000000048").is_ok());
        assert!(Siret::parse("35600000049837").is_ok()); // digit sum 50
        assert!(Siret::parse("35600000049838").is_err());
        // The SIREN part must itself be valid.
        assert!(Siret::parse("90617085800237").is_err());
    }

    #[test]
    fn addressing_identifiers_of_each_shape() {
        let siren = AddressingId::parse("906170857").unwrap();
        assert!(matches!(siren, AddressingId::Siren(_)));
        let siret = AddressingId::parse("906170857_90617085700237").unwrap();
        assert!(matches!(siret, AddressingId::Siret(_)));
        let routing = AddressingId::parse("906170857_90617085700237_SERVICE-42").unwrap();
        assert!(matches!(routing, AddressingId::RoutingCode(..)));
        let suffix = AddressingId::parse("906170857_FACTURES.2026").unwrap();
        assert!(matches!(suffix, AddressingId::Suffix(..)));
        for id in [&siren, &siret, &routing, &suffix] {
            assert_eq!(AddressingId::parse(&id.to_string()).unwrap(), *id);
            assert_eq!(id.siren().as_str(), "906170857");
        }
        assert_eq!(routing.parent(), Some(siret.clone()));
        assert_eq!(siret.parent(), Some(siren.clone()));
        assert_eq!(suffix.parent(), None);
    }

    #[test]
    fn addressing_identifier_refusals() {
        // A SIRET of another SIREN.
        assert!(matches!(
            AddressingId::parse("906170857_47961238400012"),
            Err(IdentifierError::SiretNotOfSiren { .. })
        ));
        // Forbidden character, too long, empty parts.
        assert!(AddressingId::parse("906170857_FACT URES").is_err());
        assert!(AddressingId::parse(&format!("906170857_{}", "A".repeat(120))).is_err());
        assert!(AddressingId::parse("906170857_").is_err());
        assert!(AddressingId::parse("").is_err());
        // Routing codes do not allow '.'.
        assert!(AddressingId::parse("906170857_90617085700237_A.B").is_err());
    }

    #[test]
    fn matricules() {
        assert_eq!(Matricule::parse("0042").unwrap().to_string(), "0042");
        assert!(Matricule::parse("9998").unwrap().is_reserved());
        assert!(!Matricule::parse("9996").unwrap().is_reserved());
        assert!(Matricule::parse("42").is_err());
        assert!(Matricule::parse("12345").is_err());
    }

    proptest! {
        #[test]
        fn every_8_digit_body_has_exactly_one_valid_siren(body in "[0-9]{8}") {
            let valid: Vec<_> = (0..10).filter(|d| Siren::parse(&format!("{body}{d}")).is_ok()).collect();
            prop_assert_eq!(valid.len(), 1);
        }

        #[test]
        fn a_changed_digit_is_always_caught(body in "[0-9]{8}", pos in 0usize..9, delta in 1u8..10) {
            let siren = with_check_digit(&body);
            let mut bytes = siren.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(Siren::parse(&changed).is_err());
        }

        #[test]
        fn sirets_carry_their_siren(body in "[0-9]{8}", nic in "[0-9]{4}") {
            let siren = with_check_digit(&body);
            prop_assume!(siren != LA_POSTE_SIREN);
            let siret = with_check_digit(&format!("{siren}{nic}"));
            let parsed = Siret::parse(&siret).unwrap();
            prop_assert_eq!(parsed.siren().as_str().to_string(), siren.clone());
            let id = AddressingId::parse(&format!("{siren}_{siret}")).unwrap();
            prop_assert_eq!(id.to_string(), format!("{siren}_{siret}"));
        }

        #[test]
        fn la_poste_sirets_follow_the_digit_sum(nic in "[0-9]{5}") {
            let value = format!("{LA_POSTE_SIREN}{nic}");
            let sum: u32 = value.bytes().map(|b| u32::from(b - b'0')).sum();
            prop_assert_eq!(Siret::parse(&value).is_ok(), sum.is_multiple_of(5) || luhn_valid(value.as_bytes()));
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(s in "\\PC{0,140}") {
            let _ = AddressingId::parse(&s);
            let _ = Siret::parse(&s);
            let _ = Matricule::parse(&s);
        }
    }
}
