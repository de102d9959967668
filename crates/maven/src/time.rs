//! Maven's two timestamp spellings, both UTC with whole seconds:
//!
//! - `yyyyMMdd.HHmmss`, the *dotted* form: a snapshot's timestamp (`1.0-20261130.035200-2`,
//!   `<snapshot><timestamp>`);
//! - `yyyyMMddHHmmss`, the *compact* form: `<lastUpdated>` and `<snapshotVersion><updated>`.
//!
//! Maven formats both with `SimpleDateFormat` in UTC (maven-resolver-provider's
//! `RemoteSnapshotMetadata`, the model's `Versioning.setLastUpdatedTimestamp`). No date library:
//! the civil-date arithmetic is Howard Hinnant's, as in `arca_core::time`.

use crate::error::{MavenError, quote};
use std::fmt;

/// A UTC instant to the second, between 0000-01-01T00:00:00 and 9999-12-31T23:59:59 (what four
/// year digits can spell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
}

/// Seconds from the epoch to 0000-01-01T00:00:00 and to 9999-12-31T23:59:59.
const MIN_SECS: i64 = -62_167_219_200;
const MAX_SECS: i64 = 253_402_300_799;

impl Timestamp {
    /// From milliseconds since the Unix epoch (what arca's clock gives), rounded down to the
    /// second and clamped to the four-digit years.
    pub fn from_unix_millis(millis: i64) -> Self {
        Self { secs: millis.div_euclid(1000).clamp(MIN_SECS, MAX_SECS) }
    }

    pub fn unix_millis(self) -> i64 {
        self.secs * 1000
    }

    /// `yyyyMMdd.HHmmss`, as in a snapshot version (`20261130.035200`).
    pub fn parse_dotted(text: &str) -> Result<Self, MavenError> {
        match text.as_bytes() {
            [date @ .., b'.', _, _, _, _, _, _] if date.len() == 8 => {
                Self::parse_digits(text, &[&text[..8], &text[9..]])
            }
            _ => Err(bad_timestamp(text, "yyyyMMdd.HHmmss")),
        }
    }

    /// `yyyyMMddHHmmss`, as in `<lastUpdated>` (`20261130035200`).
    pub fn parse_compact(text: &str) -> Result<Self, MavenError> {
        if text.len() != 14 || !text.is_char_boundary(8) {
            return Err(bad_timestamp(text, "yyyyMMddHHmmss"));
        }
        Self::parse_digits(text, &[&text[..8], &text[8..]])
    }

    /// The dotted form: `20261130.035200`.
    pub fn dotted(self) -> String {
        let c = self.civil();
        format!("{:04}{:02}{:02}.{:02}{:02}{:02}", c[0], c[1], c[2], c[3], c[4], c[5])
    }

    /// The compact form: `20261130035200`.
    pub fn compact(self) -> String {
        self.dotted().replace('.', "")
    }

    /// `date` is `yyyyMMdd`, `time` `HHmmss`; `text` is the whole input, for the message.
    fn parse_digits(text: &str, parts: &[&str; 2]) -> Result<Self, MavenError> {
        let [date, time] = *parts;
        if date.len() != 8 || time.len() != 6 || !(date.bytes().chain(time.bytes()).all(|b| b.is_ascii_digit())) {
            return Err(bad_timestamp(text, if text.contains('.') { "yyyyMMdd.HHmmss" } else { "yyyyMMddHHmmss" }));
        }
        let n = |s: &str| s.parse::<i64>().unwrap_or(-1);
        let (year, month, day) = (n(&date[..4]), n(&date[4..6]), n(&date[6..]));
        let (hour, minute, second) = (n(&time[..2]), n(&time[2..4]), n(&time[4..]));
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return Err(MavenError::invalid(format!("timestamp {} has no such date", quote(text))));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(MavenError::invalid(format!("timestamp {} has no such time of day", quote(text))));
        }
        let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
        Ok(Self { secs })
    }

    /// `[year, month, day, hour, minute, second]`.
    fn civil(self) -> [i64; 6] {
        let (days, rem) = (self.secs.div_euclid(86_400), self.secs.rem_euclid(86_400));
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        [year, month, day, rem / 3600, rem % 3600 / 60, rem % 60]
    }
}

impl fmt::Display for Timestamp {
    /// The dotted form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dotted())
    }
}

fn bad_timestamp(text: &str, form: &str) -> MavenError {
    MavenError::invalid(format!("timestamp {} is not {form} (UTC)", quote(text)))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since the epoch of a proleptic Gregorian date (Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_of_one_instant() {
        // 2026-11-30T03:52:00Z, the second snapshot deploy captured in tests/fixtures/.
        let t = Timestamp::parse_dotted("20261130.035200").unwrap();
        assert_eq!(t.compact(), "20261130035200");
        assert_eq!(Timestamp::parse_compact("20261130035200").unwrap(), t);
        assert_eq!(t.unix_millis(), 1_796_010_720_000);
        assert_eq!(Timestamp::from_unix_millis(1_796_010_720_999), t);
        assert_eq!(Timestamp::from_unix_millis(0).dotted(), "19700101.000000");
    }

    #[test]
    fn out_of_range_instants_are_clamped_to_four_year_digits() {
        assert_eq!(Timestamp::from_unix_millis(i64::MAX).dotted(), "99991231.235959");
        assert_eq!(Timestamp::from_unix_millis(i64::MIN).dotted(), "00000101.000000");
    }

    #[test]
    fn impossible_dates_and_shapes_are_refused() {
        for bad in ["20260230.000000", "20261301.000000", "20261130.240000", "20261130.235960", "2026113.0352000"] {
            assert!(Timestamp::parse_dotted(bad).is_err(), "{bad}");
        }
        for bad in ["", "20261130035200", "20261130-035200", "2026113é.03520", "+0261130.035200"] {
            assert!(Timestamp::parse_dotted(bad).is_err(), "{bad}");
        }
        for bad in ["20261130.035200", "2026113003520", "202611300352000", "2026113é035200"] {
            assert!(Timestamp::parse_compact(bad).is_err(), "{bad}");
        }
        assert!(Timestamp::parse_dotted("20240229.120000").is_ok(), "leap day");
        assert!(Timestamp::parse_dotted("21000229.120000").is_err(), "2100 is not a leap year");
    }
}
