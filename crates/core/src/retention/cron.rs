//! When retention runs: a five-field cron expression, in UTC.
//!
//! `minute hour day-of-month month day-of-week`, each field a comma-separated list of `*`, `N`,
//! `N-M`, `*/S` or `N-M/S` (`S` ≥ 1). Ranges: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12
//! (or `jan`…`dec`), day-of-week 0-7 (0 and 7 are Sunday, or `sun`…`sat`). A step needs `*` or a
//! range: `5/10` is refused (write `5-59/10`).
//!
//! Days follow Vixie cron (cronie): when day-of-month and day-of-week are both restricted, a day
//! matches if *either* does; a field counts as unrestricted when it starts with `*` (so `*/2` is
//! unrestricted and combines with the other day field by *and*). A schedule that matches no day at
//! all (`0 0 31 2 *`) is refused when parsed, so [`Schedule::next_after`] always has an answer.

use crate::meta::Millis;
use std::fmt;
use std::str::FromStr;

const MINUTE_MS: Millis = 60_000;
const MINUTES_PER_DAY: Millis = 1_440;
/// The Gregorian calendar repeats, weekdays included, every 400 years: 146 097 days (20 871 weeks).
const CYCLE_DAYS: Millis = 146_097;
/// `now` is clamped to ±~7.9 million years so that day arithmetic never overflows.
const LIMIT: Millis = 250_000_000_000_000_000;

/// A parsed cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    text: String,
    minutes: u64,
    hours: u32,
    /// Bits 1-31.
    days: u32,
    /// Bits 1-12.
    months: u16,
    /// Bits 0-6, Sunday = 0.
    weekdays: u8,
    days_star: bool,
    weekdays_star: bool,
}

/// Why a text is not a [`Schedule`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    #[error("expected 5 fields (minute hour day-of-month month day-of-week), found {found}")]
    FieldCount { found: usize },
    #[error("{field} field `{value}`: {problem}")]
    Field { field: &'static str, value: String, problem: String },
    #[error("`{text}` never matches a date (a day-of-month the month never has, like 31 in February?)")]
    NeverMatches { text: String },
}

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const FIELDS: [Field; 5] = [
    Field { name: "minute", min: 0, max: 59, names: &[] },
    Field { name: "hour", min: 0, max: 23, names: &[] },
    Field { name: "day-of-month", min: 1, max: 31, names: &[] },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    },
    Field { name: "day-of-week", min: 0, max: 7, names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

impl Field {
    /// The set of values as bits (bit `n` for value `n`).
    fn parse(&self, value: &str) -> Result<u64, CronError> {
        let error = |problem: String| CronError::Field { field: self.name, value: value.to_owned(), problem };
        let mut bits = 0u64;
        for element in value.split(',') {
            let (range, step) = match element.split_once('/') {
                Some((range, step)) => {
                    let step = step.parse::<u32>().ok().filter(|&s| s >= 1);
                    (range, Some(step.ok_or_else(|| error(format!("the step in `{element}` must be 1 or more")))?))
                }
                None => (element, None),
            };
            let (low, high) = match range.split_once('-') {
                _ if range == "*" => (self.min, self.max),
                Some((low, high)) => (self.number(low).map_err(&error)?, self.number(high).map_err(&error)?),
                None if step.is_some() => {
                    return Err(error(format!("a step needs `*` or a range: write `{range}-{}/…`", self.max)));
                }
                None => {
                    let n = self.number(range).map_err(&error)?;
                    (n, n)
                }
            };
            if low > high {
                return Err(error(format!("the range `{range}` goes backwards")));
            }
            for n in (low..=high).step_by(step.unwrap_or(1) as usize) {
                bits |= 1 << n;
            }
        }
        Ok(bits)
    }

    fn number(&self, text: &str) -> Result<u32, String> {
        if let Some(i) = self.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            return Ok(self.min + i as u32);
        }
        let n = match text.parse::<u32>() {
            Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => n,
            _ if text.is_empty() => return Err("an empty value (a stray `,` or `-`?)".to_owned()),
            _ => return Err(format!("`{text}` is not a number")),
        };
        if n < self.min || n > self.max {
            return Err(format!("{n} is out of range {}-{}", self.min, self.max));
        }
        Ok(n)
    }
}

impl Schedule {
    pub fn parse(text: &str) -> Result<Self, CronError> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields[..] else {
            return Err(CronError::FieldCount { found: fields.len() });
        };
        let mut weekdays = FIELDS[4].parse(weekday)?;
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays | 1) & 0x7f;
        }
        let schedule = Self {
            text: fields.join(" "),
            minutes: FIELDS[0].parse(minute)?,
            hours: FIELDS[1].parse(hour)? as u32,
            days: FIELDS[2].parse(day)? as u32,
            months: FIELDS[3].parse(month)? as u16,
            weekdays: weekdays as u8,
            days_star: day.starts_with('*'),
            weekdays_star: weekday.starts_with('*'),
        };
        // Every field is non-empty, so a matching day has a matching minute; the calendar repeats
        // every cycle, so a day matches somewhere in one cycle or never.
        if !(0..CYCLE_DAYS).any(|day| schedule.day_matches(day)) {
            return Err(CronError::NeverMatches { text: schedule.text });
        }
        Ok(schedule)
    }

    /// The expression, fields separated by one space.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the minute containing `at` (UTC) matches.
    pub fn matches(&self, at: Millis) -> bool {
        let minute = at.clamp(-LIMIT, LIMIT).div_euclid(MINUTE_MS);
        let (day, of_day) = (minute.div_euclid(MINUTES_PER_DAY), minute.rem_euclid(MINUTES_PER_DAY));
        self.day_matches(day) && self.first_minute_from(of_day) == Some(of_day)
    }

    /// The first whole minute strictly after `now` (UTC) that matches. `now` is clamped to about
    /// ±7.9 million years around 1970.
    pub fn next_after(&self, now: Millis) -> Millis {
        let start = now.clamp(-LIMIT, LIMIT).div_euclid(MINUTE_MS) + 1;
        let (mut day, mut from) = (start.div_euclid(MINUTES_PER_DAY), start.rem_euclid(MINUTES_PER_DAY));
        // Parsing proved a matching day in every cycle; the bound only keeps the loop visibly finite.
        for _ in 0..=CYCLE_DAYS {
            if self.day_matches(day)
                && let Some(minute) = self.first_minute_from(from)
            {
                return (day * MINUTES_PER_DAY + minute) * MINUTE_MS;
            }
            (day, from) = (day + 1, 0);
        }
        debug_assert!(false, "{} matched no day in a whole cycle", self.text);
        Millis::MAX
    }

    fn day_matches(&self, day: Millis) -> bool {
        let (_, month, dom) = civil_from_days(day);
        if self.months & (1 << month) == 0 {
            return false;
        }
        let by_date = self.days & (1 << dom) != 0;
        let by_weekday = self.weekdays & (1 << weekday(day)) != 0;
        if self.days_star || self.weekdays_star { by_date && by_weekday } else { by_date || by_weekday }
    }

    /// The first matching minute of a day at or after minute `from` of it.
    fn first_minute_from(&self, from: Millis) -> Option<Millis> {
        let (hour, minute) = (from / 60, from % 60);
        (hour..24).filter(|&h| self.hours & (1 << h) != 0).find_map(|h| {
            let start = if h == hour { minute } else { 0 };
            let left = self.minutes >> start << start;
            (left != 0).then(|| h * 60 + Millis::from(left.trailing_zeros()))
        })
    }
}

impl FromStr for Schedule {
    type Err = CronError;
    fn from_str(s: &str) -> Result<Self, CronError> {
        Self::parse(s)
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Day of the week of a day since the epoch, Sunday = 0 (1970-01-01 was a Thursday).
pub(crate) fn weekday(day: Millis) -> Millis {
    (day + 4).rem_euclid(7)
}

/// `(year, month 1-12, day 1-31)` of a day since the epoch (Howard Hinnant's civil_from_days).
pub(crate) fn civil_from_days(days: Millis) -> (Millis, Millis, Millis) {
    let z = days + 719_468;
    let era = z.div_euclid(CYCLE_DAYS);
    let doe = z - era * CYCLE_DAYS;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + Millis::from(month <= 2), month, day)
}

/// Days since the epoch of a proleptic Gregorian date (Hinnant's days_from_civil).
#[cfg(test)]
pub(crate) fn days_from_civil(year: Millis, month: Millis, day: Millis) -> Millis {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    era * CYCLE_DAYS + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

#[cfg(test)]
#[path = "cron_tests.rs"]
mod tests;
