//! What this node's promotions did, for metrics: counts by target and outcome, refusals by gate,
//! rollbacks, and the lead time from publish to each stage.

use crate::meta::Millis;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Upper bounds (seconds) of the lead-time buckets: a minute to a month.
pub const LEAD_TIME_BUCKETS: [f64; 10] =
    [60.0, 300.0, 900.0, 3600.0, 14_400.0, 43_200.0, 86_400.0, 259_200.0, 604_800.0, 2_592_000.0];

/// A histogram of lead times, in seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadTime {
    /// Cumulative: `counts[i]` lead times were at most `LEAD_TIME_BUCKETS[i]`.
    pub counts: [u64; LEAD_TIME_BUCKETS.len()],
    pub count: u64,
    pub sum: f64,
}

/// A snapshot of the counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromotionStats {
    /// (target repository, outcome: `promoted`, `unchanged`, `refused`, `dry_run`) → promotions.
    pub promotions: BTreeMap<(String, &'static str), u64>,
    /// (target repository, gate name) → promotions that gate refused.
    pub refusals_by_gate: BTreeMap<(String, String), u64>,
    /// Repository → rollbacks.
    pub rollbacks: BTreeMap<String, u64>,
    /// Target repository → time from publish (the manifest's creation) to arriving there.
    pub lead_time: BTreeMap<String, LeadTime>,
}

/// The counters, shared by a registry's use cases.
#[derive(Debug, Default)]
pub(super) struct StatsCell(Mutex<PromotionStats>);

impl StatsCell {
    fn with(&self, f: impl FnOnce(&mut PromotionStats)) {
        f(&mut self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    }

    pub(super) fn snapshot(&self) -> PromotionStats {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// One promotion's outcome; `failed_gates` (canonical texts) when refused; the lead time when
    /// it was committed.
    pub(super) fn promotion(
        &self,
        target: &str,
        outcome: &'static str,
        failed_gates: &[&str],
        lead_ms: Option<Millis>,
    ) {
        self.with(|s| {
            *s.promotions.entry((target.to_owned(), outcome)).or_default() += 1;
            for gate in failed_gates {
                let name = gate.split_once('=').map_or(*gate, |(name, _)| name);
                *s.refusals_by_gate.entry((target.to_owned(), name.to_owned())).or_default() += 1;
            }
            if let Some(ms) = lead_ms {
                let secs = ms.max(0) as f64 / 1000.0;
                let h = s.lead_time.entry(target.to_owned()).or_default();
                h.count += 1;
                h.sum += secs;
                for (i, bound) in LEAD_TIME_BUCKETS.iter().enumerate() {
                    if secs <= *bound {
                        h.counts[i] += 1;
                    }
                }
            }
        });
    }

    pub(super) fn rollback(&self, repository: &str) {
        self.with(|s| *s.rollbacks.entry(repository.to_owned()).or_default() += 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_gates_and_lead_times_are_counted() {
        let cell = StatsCell::default();
        cell.promotion("prod", "refused", &["approvals=2", "signed"], None);
        cell.promotion("prod", "promoted", &[], Some(90_000));
        cell.promotion("prod", "promoted", &[], Some(7_200_000));
        cell.rollback("prod");
        let s = cell.snapshot();
        assert_eq!(s.promotions[&("prod".to_owned(), "promoted")], 2);
        assert_eq!(s.refusals_by_gate[&("prod".to_owned(), "approvals".to_owned())], 1);
        assert_eq!(s.refusals_by_gate[&("prod".to_owned(), "signed".to_owned())], 1);
        assert_eq!(s.rollbacks["prod"], 1);
        let lead = &s.lead_time["prod"];
        assert_eq!((lead.count, lead.sum), (2, 7290.0));
        assert_eq!(lead.counts[0], 0, "90 s is over a minute");
        assert_eq!(lead.counts[1], 1, "within 5 minutes");
        assert_eq!(lead.counts[4], 2, "both within 4 hours");
    }
}
