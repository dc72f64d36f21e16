//! Calendar days and timestamps without a date crate: a [`Day`] is a count of days
//! since 1970-01-01, so the index stores dates as 4-byte integers and compares them
//! with one instruction.
//!
//! "Today" is the civil day in Paris (CET/CEST), because the directory's "J+1" rules
//! (G1.85, G1.87, G1.88) are stated in French calendar days.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar day (proleptic Gregorian), as days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i32);

/// Why a date was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("date {0:?} must be a valid YYYY-MM-DD")]
pub struct DayError(pub String);

impl Day {
    /// Days as stored in the database and the index.
    pub const fn from_days(days: i32) -> Day {
        Day(days)
    }

    pub const fn days(self) -> i32 {
        self.0
    }

    /// Builds a day from a civil date, refusing impossible dates (2026-02-30).
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        if !(1..=9999).contains(&year) {
            return None;
        }
        Some(Day(days_from_civil(year, month, day)))
    }

    /// Parses exactly `YYYY-MM-DD`.
    pub fn parse(value: &str) -> Result<Day, DayError> {
        let err = || DayError(value.to_string());
        let b = value.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err());
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            b[range].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
            return Err(err());
        };
        Day::from_ymd(y as i32, m, d).ok_or_else(err)
    }

    /// The civil date `(year, month, day)`.
    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }

    pub fn next(self) -> Day {
        Day(self.0.saturating_add(1))
    }

    pub fn add_days(self, n: i32) -> Day {
        Day(self.0.saturating_add(n))
    }

    /// Today in Paris.
    pub fn today() -> Day {
        Day::paris_day_of(unix_now())
    }

    /// The Paris civil day of a Unix timestamp: UTC+1, or UTC+2 from the last Sunday
    /// of March 01:00 UTC to the last Sunday of October 01:00 UTC (EU rule since 1996).
    pub fn paris_day_of(unix_seconds: i64) -> Day {
        Day((unix_seconds + paris_offset_seconds(unix_seconds)).div_euclid(86_400) as i32)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Paris's offset from UTC at a Unix timestamp: UTC+1, or UTC+2 from the last Sunday
/// of March 01:00 UTC to the last Sunday of October 01:00 UTC (EU rule since 1996).
pub fn paris_offset_seconds(unix_seconds: i64) -> i64 {
    let utc_day = unix_seconds.div_euclid(86_400) as i32;
    let (year, _, _) = civil_from_days(utc_day);
    let dst_start = last_sunday(year, 3) as i64 * 86_400 + 3_600;
    let dst_end = last_sunday(year, 10) as i64 * 86_400 + 3_600;
    if (dst_start..dst_end).contains(&unix_seconds) {
        7_200
    } else {
        3_600
    }
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// An RFC 3339 UTC timestamp (`2026-11-28T00:32:43Z`) for the line history.
pub fn timestamp(unix_seconds: i64) -> String {
    let day = Day(unix_seconds.div_euclid(86_400) as i32);
    let secs = unix_seconds.rem_euclid(86_400);
    format!(
        "{day}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        _ => 28,
    }
}

fn last_sunday(year: i32, month: u32) -> i32 {
    let last = days_from_civil(year, month, days_in_month(year, month));
    // 1970-01-01 was a Thursday: weekday 0 = Monday.
    let weekday = (last + 3).rem_euclid(7);
    last - (weekday - 6).rem_euclid(7)
}

/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i32::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refusals() {
        assert_eq!(Day::parse("1970-01-01").unwrap().days(), 0);
        for s in ["2026-09-01", "2024-02-29", "2000-12-31", "1999-03-01"] {
            assert_eq!(Day::parse(s).unwrap().to_string(), s);
        }
        for s in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "20260101",
            "2026-01-00",
            "",
        ] {
            assert!(Day::parse(s).is_err(), "{s}");
        }
        let d = Day::parse("2026-12-31").unwrap();
        assert_eq!(d.next().to_string(), "2027-01-01");
    }

    #[test]
    fn paris_day_boundaries() {
        // 2026-01-10T23:30Z is 00:30 on the 11th in Paris (CET).
        let t = Day::parse("2026-01-10").unwrap().days() as i64 * 86_400 + 23 * 3600 + 1800;
        assert_eq!(Day::paris_day_of(t).to_string(), "2026-01-11");
        // 2026-07-10T22:30Z is 00:30 on the 11th in Paris (CEST).
        let t = Day::parse("2026-07-10").unwrap().days() as i64 * 86_400 + 22 * 3600 + 1800;
        assert_eq!(Day::paris_day_of(t).to_string(), "2026-07-11");
        // 2026-07-10T21:30Z is still the 10th.
        assert_eq!(Day::paris_day_of(t - 3600).to_string(), "2026-07-10");
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
    }
}
