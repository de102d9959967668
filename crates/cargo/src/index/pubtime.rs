//! The index's `pubtime`: when the version was published, `YYYY-MM-DDTHH:MM:SSZ` in UTC, seconds
//! precision, every field zero-padded. cargo reads it with exactly that `strptime` format and a
//! length check (cargo-util-schemas' `parse_pubtime`), and drops a line whose `pubtime` does not
//! parse, so this is the only spelling ever written.

use arca_types::calendar::{self, CivilTime};
use std::fmt;

/// A publication time, in whole seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pubtime(i64);

/// Years 0 to 9999: what the four-digit format can spell.
const MIN_SECONDS: i64 = -62_167_219_200;
const MAX_SECONDS: i64 = 253_402_300_799;

impl Pubtime {
    /// A time in seconds since the epoch, if the format can spell it (years 0 to 9999).
    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        (MIN_SECONDS..=MAX_SECONDS).contains(&seconds).then_some(Self(seconds))
    }

    /// A time in milliseconds since the epoch (arca's timestamps), truncated to the second as
    /// crates.io does.
    pub fn from_unix_millis(millis: i64) -> Option<Self> {
        Self::from_unix_seconds(millis.div_euclid(1000))
    }

    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// Reads the index spelling back; anything else (another offset, missing padding, fractions)
    /// is `None`, as for cargo.
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        let shape = b.len() == 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
        if !shape || b[19] != b'Z' {
            return None;
        }
        let field = |from: usize, to: usize| -> Option<i64> {
            let digits = &text[from..to];
            digits.bytes().all(|c| c.is_ascii_digit()).then(|| digits.parse().ok())?
        };
        let civil = CivilTime {
            year: field(0, 4)?,
            month: field(5, 7)?,
            day: field(8, 10)?,
            hour: field(11, 13)?,
            minute: field(14, 16)?,
            second: field(17, 19)?,
        };
        civil.to_unix_seconds().map(Self)
    }
}

impl fmt::Display for Pubtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&calendar::format_rfc3339(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_types::calendar::DAY;

    #[test]
    fn formats_like_crates_io() {
        // crates_io_index's own test: 1_763_456_303_013 ms is written "2025-11-18T08:58:23Z".
        let t = Pubtime::from_unix_millis(1_763_456_303_013).unwrap();
        assert_eq!(t.to_string(), "2025-11-18T08:58:23Z");
        assert_eq!(Pubtime::from_unix_seconds(0).unwrap().to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Pubtime::from_unix_millis(-1).unwrap().to_string(), "1969-12-31T23:59:59Z");
        assert_eq!(Pubtime::from_unix_seconds(951_782_400).unwrap().to_string(), "2000-02-29T00:00:00Z");
        assert!(Pubtime::from_unix_seconds(MAX_SECONDS + 1).is_none());
        assert_eq!(Pubtime::from_unix_seconds(MIN_SECONDS).unwrap().to_string(), "0000-01-01T00:00:00Z");
    }

    #[test]
    fn parses_only_the_index_spelling() {
        let t = Pubtime::parse("2025-11-12T19:30:12Z").unwrap();
        assert_eq!(t.to_string(), "2025-11-12T19:30:12Z");
        // cargo-util-schemas' `pubtime_format` refusals, and a few more.
        for bad in [
            "2025-11-12T19:30:12-04",
            "2025-11-12 19:30:12Z",
            "2025-11-12T19:30:12+4",
            "2025-11-12T9:30:12Z",
            "2025-11-12T19:30:12.5Z",
            "2025-02-29T00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-11-12T24:00:00Z",
            "+025-11-12T19:30:12Z",
        ] {
            assert_eq!(Pubtime::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        for day in (-146_097 * 3..146_097).step_by(7) {
            let t = Pubtime::from_unix_seconds(day * DAY + 45_296).unwrap();
            assert_eq!(Pubtime::parse(&t.to_string()), Some(t));
        }
    }
}
