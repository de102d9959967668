//! Unit tests of the retention engine: policy validation, each rule kind, each protection, bytes.

mod policy;
mod protections;
mod rules;

use super::{Action, Item, Plan, PlanInput, Policy, TagInfo, plan};
use crate::meta::Millis;
use arca_types::VersionScheme;
use std::collections::HashSet;

pub(super) const HOUR: Millis = 3_600_000;
pub(super) const DAY: Millis = 24 * HOUR;
/// 2027-01-15T08:00:00Z.
pub(super) const NOW: Millis = 1_800_000_000_000;

/// A manifest of `package` pushed `days` ago, each tag set when it was pushed; stores its own blob.
pub(super) fn manifest(package: &str, digest: &str, days: i64, tags: &[&str]) -> Item {
    let pushed_at = NOW - days * DAY;
    Item {
        package: package.to_owned(),
        digest: digest.to_owned(),
        pushed_at,
        tags: tags.iter().map(|t| TagInfo { name: (*t).to_owned(), updated_at: pushed_at }).collect(),
        subject: None,
        children: Vec::new(),
        properties: Vec::new(),
        last_pulled_at: None,
        protected: None,
        blobs: vec![(digest.to_owned(), 100)],
    }
}

pub(super) fn run_with(policy: &str, items: &[Item], scheme: VersionScheme, shared: &[&str]) -> Plan {
    let policy = Policy::parse(policy).unwrap_or_else(|e| panic!("{e}"));
    let shared_blobs: HashSet<String> = shared.iter().map(|s| (*s).to_owned()).collect();
    plan(
        &policy,
        &PlanInput { items, scheme, tags_of: arca_types::Ecosystem::Generic, now: NOW, shared_blobs: &shared_blobs },
    )
}

/// The plan under the SemVer scheme, nothing shared.
pub(super) fn run(policy: &str, items: &[Item]) -> Plan {
    run_with(policy, items, VersionScheme::SemVer, &[])
}

/// `(action, reason)` of the item for `digest` and `version` (`None`: untagged).
pub(super) fn decision<'p>(plan: &'p Plan, digest: &str, version: Option<&str>) -> (Action, &'p str) {
    let item = (plan.items.iter())
        .find(|i| i.digest == digest && i.version.as_deref() == version)
        .unwrap_or_else(|| panic!("no item {digest} {version:?} in {plan:#?}"));
    (item.action, &item.reason)
}

/// Versions (tag, or digest when untagged) of the items with `action`, in plan order.
pub(super) fn with_action(plan: &Plan, action: Action) -> Vec<String> {
    (plan.items.iter())
        .filter(|i| i.action == action)
        .map(|i| i.version.clone().unwrap_or_else(|| i.digest.clone()))
        .collect()
}
