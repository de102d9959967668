//! Maven's two timestamp spellings, both UTC with whole seconds:
//!
//! - `yyyyMMdd.HHmmss`, the *dotted* form: a snapshot's timestamp (`1.0-20261130.035200-2`,
//!   `<snapshot><timestamp>`);
//! - `yyyyMMddHHmmss`, the *compact* form: `<lastUpdated>` and `<snapshotVersion><updated>`.
//!
//! Maven formats both with `SimpleDateFormat` in UTC (maven-resolver-provider's
//! `RemoteSnapshotMetadata`, the model's `Versioning.setLastUpdatedTimestamp`). No date library:
//! the civil-date arithmetic is `arca_types::calendar`'s.

use crate::error::{MavenError, quote};
use arca_types::calendar::{self, CivilTime};
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
        if !(1..=12).contains(&month) || day < 1 || day > calendar::days_in_month(year, month) {
            return Err(MavenError::invalid(format!("timestamp {} has no such date", quote(text))));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(MavenError::invalid(format!("timestamp {} has no such time of day", quote(text))));
        }
        let civil = CivilTime { year, month, day, hour, minute, second };
        let secs = civil.to_unix_seconds().ok_or_else(|| bad_timestamp(text, "yyyyMMdd.HHmmss"))?;
        Ok(Self { secs })
    }

    /// `[year, month, day, hour, minute, second]`.
    fn civil(self) -> [i64; 6] {
        let t = CivilTime::from_unix_seconds(self.secs);
        [t.year, t.month, t.day, t.hour, t.minute, t.second]
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
