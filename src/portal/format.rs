//! Dates and times as French readers expect them: `15/10/2026 à 14:05`, in Paris
//! time (the hub stores UTC).

use crate::accounts::time::Instant;
use crate::directory::Day;
use crate::directory::day::paris_offset_seconds;

/// `28/11/2026 à 05:15` (Paris time) for an instant.
pub fn paris_datetime(at: Instant) -> String {
    let local = at.0 + paris_offset_seconds(at.0);
    let day = Day::from_days(local.div_euclid(86_400) as i32);
    let seconds = local.rem_euclid(86_400);
    format!(
        "{} à {:02}:{:02}",
        french_day(day),
        seconds / 3600,
        seconds % 3600 / 60
    )
}

/// The same for a stored RFC 3339 UTC timestamp (`2026-11-28T04:15:00Z`); anything
/// else is shown as it is rather than hidden.
pub fn paris_timestamp(value: &str) -> String {
    parse_utc(value).map_or_else(|| value.to_string(), paris_datetime)
}

/// `15/10/2026`.
pub fn french_day(day: Day) -> String {
    let (y, m, d) = day.ymd();
    format!("{d:02}/{m:02}/{y:04}")
}

fn parse_utc(value: &str) -> Option<Instant> {
    let (date, time) = value.strip_suffix('Z')?.split_once('T')?;
    let day = Day::parse(date).ok()?;
    let mut parts = time.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(Instant(
        i64::from(day.days()) * 86_400 + h * 3600 + m * 60 + s,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_shown_in_paris_time() {
        // 2026-11-28T01:00:00Z is winter time: UTC+1.
        assert_eq!(paris_datetime(Instant(1_795_827_600)), "28/11/2026 à 02:00");
        // Summer time: UTC+2, and the day changes at 22:00 UTC.
        assert_eq!(
            paris_timestamp("2026-07-14T22:30:00Z"),
            "15/07/2026 à 00:30"
        );
        assert_eq!(paris_timestamp("pas une date"), "pas une date");
        assert_eq!(french_day(Day::parse("2026-10-15").unwrap()), "15/10/2026");
    }
}
