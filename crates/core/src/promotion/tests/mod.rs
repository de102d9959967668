//! Unit tests of promotion gates: each parse error, each gate passing and failing, and its reason.

mod cel;
mod parse;
mod verdicts;

use super::{Facts, Gate, Verdict, evaluate};
use crate::meta::Millis;

pub(super) const HOUR: Millis = 3_600_000;
/// 2027-01-15T08:00:00Z.
pub(super) const NOW: Millis = 1_800_000_000_000;

pub(super) fn gate(text: &str) -> Gate {
    Gate::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

/// The one verdict of `text` on `facts`.
pub(super) fn verdict(text: &str, facts: &Facts) -> Verdict {
    let mut verdicts = evaluate(&[gate(text)], facts);
    assert_eq!(verdicts.len(), 1);
    verdicts.remove(0)
}

/// `(passed, reason)` of `text` on `facts`.
pub(super) fn judge(text: &str, facts: &Facts) -> (bool, String) {
    let Verdict { passed, reason, .. } = verdict(text, facts);
    (passed, reason)
}

/// Facts at [`NOW`] with nothing known.
pub(super) fn facts() -> Facts {
    Facts { now: NOW, ..Facts::default() }
}
