//! UTC calendar arithmetic without a date library: the proleptic Gregorian calendar (Howard
//! Hinnant's `days_from_civil` / `civil_from_days`), seconds since the Unix epoch to and from
//! calendar fields, and RFC 3339 timestamps. Every format with a date in it (RFC 3339 in the API and
//! in Notary signatures, Cargo's `pubtime`, Maven's snapshot timestamps) spells its own form from
//! these, so the arithmetic exists once.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// A UTC instant as calendar fields, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
}

impl CivilTime {
    /// The calendar fields of `seconds` since the epoch.
    pub fn from_unix_seconds(seconds: i64) -> Self {
        let (days, rem) = (seconds.div_euclid(DAY), seconds.rem_euclid(DAY));
        let (year, month, day) = civil_from_days(days);
        Self { year, month, day, hour: rem / 3600, minute: rem % 3600 / 60, second: rem % 60 }
    }

    /// Seconds since the epoch, if every field is in range (a real date, `23:59:59` at most;
    /// no leap second).
    pub fn to_unix_seconds(self) -> Option<i64> {
        let valid_date =
            (1..=12).contains(&self.month) && (1..=days_in_month(self.year, self.month)).contains(&self.day);
        let valid_time =
            (0..24).contains(&self.hour) && (0..60).contains(&self.minute) && (0..60).contains(&self.second);
        (valid_date && valid_time).then(|| {
            days_from_civil(self.year, self.month, self.day) * DAY + self.hour * 3600 + self.minute * 60 + self.second
        })
    }
}

/// Days in `month` (1–12) of `year`.
pub fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// `(year, month, day)` of a day since 1970-01-01 (Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// `2026-11-22T10:00:00Z`: `seconds` since the epoch in RFC 3339, UTC, whole seconds, every field
/// zero-padded.
pub fn format_rfc3339(seconds: i64) -> String {
    let t = CivilTime::from_unix_seconds(seconds);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", t.year, t.month, t.day, t.hour, t.minute, t.second)
}

/// Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (`t` and a space are
/// accepted for `T`, `z` for `Z`; a leap second reads as `:59`; fractions past milliseconds are
/// dropped); `None` if it is not such a timestamp.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let shape = b.len() >= 20 && b[4] == b'-' && b[7] == b'-' && b[13] == b':' && b[16] == b':';
    if !shape || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let field = |from: usize, to: usize| -> Option<i64> {
        let digits = text.get(from..to)?;
        digits.bytes().all(|c| c.is_ascii_digit()).then(|| digits.parse().ok())?
    };
    let second = field(17, 19)?;
    let civil = CivilTime {
        year: field(0, 4)?,
        month: field(5, 7)?,
        day: field(8, 10)?,
        hour: field(11, 13)?,
        minute: field(14, 16)?,
        second: if second == 60 { 59 } else { second },
    };
    let (millis, zone) = split_fraction(text.get(19..)?)?;
    Some((civil.to_unix_seconds()? - utc_offset_seconds(zone)?) * 1000 + millis)
}

/// The milliseconds of an optional `.fraction` and what follows it.
fn split_fraction(rest: &str) -> Option<(i64, &str)> {
    let Some(fraction) = rest.strip_prefix('.') else { return Some((0, rest)) };
    let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let millis =
        fraction[..digits].bytes().chain(std::iter::repeat(b'0')).take(3).fold(0, |n, c| n * 10 + i64::from(c - b'0'));
    Some((millis, &fraction[digits..]))
}

/// `Z`/`z` or `±HH:MM` in seconds east of UTC.
fn utc_offset_seconds(zone: &str) -> Option<i64> {
    if zone == "Z" || zone == "z" {
        return Some(0);
    }
    let b = zone.as_bytes();
    let sign = match b.first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return None,
    };
    if b.len() != 6 || b[3] != b':' || !b[1..3].iter().chain(&b[4..6]).all(u8::is_ascii_digit) {
        return None;
    }
    let (hours, minutes) = (i64::from((b[1] - b'0') * 10 + b[2] - b'0'), i64::from((b[4] - b'0') * 10 + b[5] - b'0'));
    (hours < 24 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_795_341_600), "2026-11-22T10:00:00Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(-62_167_219_200), "0000-01-01T00:00:00Z");
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
    }

    #[test]
    fn rfc3339_offsets_fractions_and_refusals() {
        assert_eq!(parse_rfc3339("2026-11-22T10:00:00.25Z"), Some(1_795_341_600_250));
        assert_eq!(parse_rfc3339("2026-11-22T12:00:00+02:00"), Some(1_795_341_600_000));
        assert_eq!(parse_rfc3339("2026-11-22t09:30:00.5-00:30"), Some(1_795_341_600_500));
        assert_eq!(parse_rfc3339("2024-06-18T09:08:35.999999Z"), Some(1_718_701_715_999));
        assert_eq!(parse_rfc3339("2016-12-31T23:59:60Z"), parse_rfc3339("2016-12-31T23:59:59Z"));
        for bad in [
            "",
            "2026-11-22",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-11-22T10:00:00",
            "2026-11-22T24:00:00Z",
            "2026-11-22T10:00:00.Z",
            "2026-11-22T10:00:00+0200",
            "2026-11-22T10:00:00+2:00",
            "2026-11-22T10:00:00+24:00",
            "x026-11-22T10:00:00Z",
            "2026-11-22T10:00:0é+00:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn days_and_dates_round_trip(days in -3_000_000i64..3_000_000) {
            let (year, month, day) = civil_from_days(days);
            prop_assert!((1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day));
            prop_assert_eq!(days_from_civil(year, month, day), days);
        }

        #[test]
        fn rfc3339_round_trips(seconds in -62_167_219_200i64..253_402_300_799) {
            prop_assert_eq!(parse_rfc3339(&format_rfc3339(seconds)), Some(seconds * 1000));
            prop_assert_eq!(CivilTime::from_unix_seconds(seconds).to_unix_seconds(), Some(seconds));
        }

        #[test]
        fn rfc3339_never_panics(text in "\\PC{0,40}") {
            let _ = parse_rfc3339(&text);
        }
    }
}
