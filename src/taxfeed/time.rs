//! Instants for the tax feed: a UTC date-time with second precision, the arithmetic
//! the deadlines need (add hours, days) and the `YYYYMMDDHHMMSS` form (format 204)
//! that CDAR and F10 use.
//!
//! The crate has no date-time dependency; this is the small part of one the tax feed
//! needs. Nothing here reads the system clock: callers pass `now` in, so batching and
//! deadlines are pure functions that tests drive with any clock.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::invoice::Date;

/// An instant, as whole seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(i64);

impl Instant {
    pub const fn from_unix_seconds(seconds: i64) -> Instant {
        Instant(seconds)
    }

    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// The instant at `hour:minute:second` UTC on `date`; `None` for an impossible time.
    pub fn at(date: Date, hour: u8, minute: u8, second: u8) -> Option<Instant> {
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let days = days_from_civil(date);
        Some(Instant(
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second),
        ))
    }

    pub fn plus_seconds(self, seconds: i64) -> Instant {
        Instant(self.0.saturating_add(seconds))
    }

    pub fn plus_hours(self, hours: i64) -> Instant {
        self.plus_seconds(hours.saturating_mul(3600))
    }

    /// Seconds from `earlier` to `self` (negative when `earlier` is later).
    pub fn seconds_since(self, earlier: Instant) -> i64 {
        self.0.saturating_sub(earlier.0)
    }

    /// The UTC calendar date of the instant.
    pub fn date(self) -> Date {
        civil_from_days(self.0.div_euclid(86_400))
    }

    /// (hour, minute, second) UTC.
    pub fn time(self) -> (u8, u8, u8) {
        let s = self.0.rem_euclid(86_400);
        // Each part is below 60 (or 24), so the narrowing cannot truncate.
        ((s / 3600) as u8, (s / 60 % 60) as u8, (s % 60) as u8)
    }

    /// `YYYYMMDDHHMMSS` (UN/CEFACT format 204), as CDAR (MDT-8, MDT-78) and F10
    /// (TT-3) write date-times.
    pub fn format_204(self) -> String {
        let d = self.date();
        let (h, m, s) = self.time();
        format!("{:04}{:02}{:02}{h:02}{m:02}{s:02}", d.year, d.month, d.day)
    }

    /// Parses `YYYYMMDDHHMMSS` or RFC 3339 `YYYY-MM-DDTHH:MM:SSZ` (UTC only: a local
    /// offset would need a zone database to mean anything here).
    pub fn parse(text: &str) -> Option<Instant> {
        let t = text.trim();
        if !t.is_ascii() {
            return None;
        }
        let (date, time) = if t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit()) {
            (&t[..8], [&t[8..10], &t[10..12], &t[12..14]])
        } else if t.len() == 20 && &t[10..11] == "T" && t.ends_with('Z') {
            if &t[13..14] != ":" || &t[16..17] != ":" {
                return None;
            }
            (&t[..10], [&t[11..13], &t[14..16], &t[17..19]])
        } else {
            return None;
        };
        let date = Date::parse(date)?;
        let part = |s: &str| -> Option<u8> {
            if s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().ok()
            } else {
                None
            }
        };
        Instant::at(date, part(time[0])?, part(time[1])?, part(time[2])?)
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.date();
        let (h, m, s) = self.time();
        write!(f, "{d}T{h:02}:{m:02}:{s:02}Z")
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Instant::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "not a UTC date-time (YYYY-MM-DDTHH:MM:SSZ): {text}"
            ))
        })
    }
}

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm, proleptic Gregorian).
pub fn days_from_civil(date: Date) -> i64 {
    let y = i64::from(date.year) - i64::from(date.month <= 2);
    let m = i64::from(date.month);
    let d = i64::from(date.day);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `days` after 1970-01-01. Years outside 1..=9999 saturate, which no
/// deadline of this feed comes near.
pub fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date {
        year: year.clamp(1, 9999) as u16,
        month,
        day,
    }
}

/// `date` plus `days` (negative goes back).
pub fn add_days(date: Date, days: i64) -> Date {
    civil_from_days(days_from_civil(date) + days)
}

/// The last day of `date`'s month.
pub fn end_of_month(date: Date) -> Date {
    let (y, m) = if date.month == 12 {
        (date.year + 1, 1)
    } else {
        (date.year, date.month + 1)
    };
    add_days(
        Date {
            year: y,
            month: m,
            day: 1,
        },
        -1,
    )
}

/// `YYYYMMDD` (format 102), the date form of F10 (G1.09) and CII.
pub fn format_102(date: Date) -> String {
    format!("{:04}{:02}{:02}", date.year, date.month, date.day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: u16, m: u8, day: u8) -> Date {
        Date::new(y, m, day).expect("valid test date")
    }

    #[test]
    fn civil_days_round_trip() {
        assert_eq!(days_from_civil(d(1970, 1, 1)), 0);
        assert_eq!(days_from_civil(d(2000, 3, 1)), 11_017);
        for days in (-700_000..2_900_000).step_by(997) {
            assert_eq!(days_from_civil(civil_from_days(days)), days);
        }
        assert_eq!(add_days(d(2028, 2, 28), 1), d(2028, 2, 29));
        assert_eq!(add_days(d(2026, 12, 31), 1), d(2027, 1, 1));
        assert_eq!(end_of_month(d(2026, 2, 10)), d(2026, 2, 28));
        assert_eq!(end_of_month(d(2026, 12, 10)), d(2026, 12, 31));
    }

    #[test]
    fn instants_format_and_parse() {
        let t = Instant::at(d(2026, 9, 15), 10, 15, 0).expect("valid");
        assert_eq!(t.format_204(), "20260915101500");
        assert_eq!(t.to_string(), "2026-09-15T10:15:00Z");
        assert_eq!(Instant::parse("20260915101500"), Some(t));
        assert_eq!(Instant::parse("2026-09-15T10:15:00Z"), Some(t));
        assert_eq!(t.plus_hours(24).format_204(), "20260916101500");
        for bad in [
            "",
            "2026091510150",
            "20260915246000",
            "2026-09-15T10:15:00+02:00",
        ] {
            assert_eq!(Instant::parse(bad), None, "{bad}");
        }
    }
}
