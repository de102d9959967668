//! Ages in a policy (`delete_after = "30d"`): a whole number and one unit, and how a plan shows an age.

use crate::meta::Millis;
use std::fmt;

/// The longest age a policy may name: 100 years (`36500d`), far beyond any retention and far from
/// overflowing [`Millis`].
const MAX_MILLIS: Millis = 36_500 * DAY;

const MINUTE: Millis = 60_000;
const HOUR: Millis = 60 * MINUTE;
const DAY: Millis = 24 * HOUR;

/// An age threshold: `<whole number><unit>` with unit `s`, `m`, `h`, `d` or `w` (`"7d"`, `"12h"`,
/// `"0s"`). Shown as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Age {
    millis: Millis,
    text: String,
}

/// Why a text is not an [`Age`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a duration: {problem}")]
pub struct AgeError {
    text: String,
    problem: &'static str,
}

impl Age {
    pub fn parse(text: &str) -> Result<Self, AgeError> {
        let error = |problem| AgeError { text: text.to_owned(), problem };
        const EXPECTED: &str = "expected a whole number and a unit s, m, h, d or w (\"7d\", \"12h\", \"30m\")";
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        let (number, unit) = text.split_at(digits);
        if number.is_empty() || unit.len() != 1 {
            return Err(error(EXPECTED));
        }
        let per_unit = match unit {
            "s" => 1_000,
            "m" => MINUTE,
            "h" => HOUR,
            "d" => DAY,
            "w" => 7 * DAY,
            _ => return Err(error(EXPECTED)),
        };
        let millis = number
            .parse::<Millis>()
            .ok()
            .and_then(|n| n.checked_mul(per_unit))
            .filter(|&ms| ms <= MAX_MILLIS)
            .ok_or_else(|| error("at most 100 years (36500d) is allowed"))?;
        Ok(Self { millis, text: text.to_owned() })
    }

    pub fn millis(&self) -> Millis {
        self.millis
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// How long ago something happened, for a reason: "40 days ago", "5 hours ago", "12 minutes ago",
/// "just now" (also for times in the future, which clock skew can give).
pub fn ago(elapsed: Millis) -> String {
    fn count(n: Millis, unit: &str) -> String {
        if n == 1 { format!("1 {unit} ago") } else { format!("{n} {unit}s ago") }
    }
    match elapsed {
        e if e < MINUTE => "just now".to_owned(),
        e if e < HOUR => count(e / MINUTE, "minute"),
        e if e < 2 * DAY => count(e / HOUR, "hour"),
        e => count(e / DAY, "day"),
    }
}

#[cfg(test)]
mod tests {
    use super::{Age, ago};

    #[test]
    fn every_unit_parses() {
        for (text, millis) in [
            ("0s", 0),
            ("90s", 90_000),
            ("30m", 1_800_000),
            ("12h", 43_200_000),
            ("7d", 604_800_000),
            ("2w", 1_209_600_000),
            ("36500d", 3_153_600_000_000),
        ] {
            let age = Age::parse(text).unwrap();
            assert_eq!((age.millis(), age.to_string()), (millis, text.to_owned()));
        }
    }

    #[test]
    fn anything_else_is_rejected_with_the_expected_form() {
        for text in ["", "7", "d", "7 d", " 7d", "7d ", "-7d", "+7d", "7D", "7dd", "1.5d", "7y", "7ms", "٣d"] {
            let e = Age::parse(text).unwrap_err().to_string();
            assert!(e.contains("whole number and a unit s, m, h, d or w"), "{text:?}: {e}");
        }
        let e = Age::parse("36501d").unwrap_err().to_string();
        assert_eq!(e, "`36501d` is not a duration: at most 100 years (36500d) is allowed");
        assert!(Age::parse("99999999999999999999w").is_err());
    }

    #[test]
    fn ages_read_in_minutes_hours_or_days() {
        assert_eq!(ago(-5), "just now");
        assert_eq!(ago(59_999), "just now");
        assert_eq!(ago(60_000), "1 minute ago");
        assert_eq!(ago(3 * 3_600_000 + 5), "3 hours ago");
        assert_eq!(ago(47 * 3_600_000), "47 hours ago");
        assert_eq!(ago(40 * 86_400_000), "40 days ago");
    }
}
