//! Retention: which versions a repository's policy deletes. Pure: no I/O, no clock, no storage —
//! the caller gives the manifests, the time and what is shared, and applies the [`Plan`].
//!
//! # The policy
//!
//! TOML, rules in order ([`Policy::parse`]; at most 64 KiB and 100 rules; unknown keys are errors):
//!
//! ```toml
//! schedule = "0 3 * * *"                    # optional: when retention runs (5-field cron, UTC)
//!
//! [[rule]]                                  # keep the last 10 release versions
//! select = { version = "v*" }
//! keep_last = 10
//! [[rule]]
//! select = { untagged = true }
//! delete_after = "7d"
//! [[rule]]
//! select = { version = ["dev-*", "feature-*"] }
//! delete_after = "30d"
//! ```
//!
//! `select` (every key given must hold; missing or empty selects everything):
//! - `version`: a glob (`*`, `?`) or a list of globs, any of which matches the version (the tag for
//!   OCI). Never matches an untagged manifest.
//! - `version_regex`: a regular expression (regex-lite syntax, at most 1 KiB) the *whole* version
//!   must match (it is anchored for you; verbose mode `(?x)` is refused).
//! - `package`: a glob or a list of globs on the package name.
//! - `untagged`: `true` selects only untagged manifests, `false` only tags. `untagged = true` with
//!   `version` or `version_regex` is an error (untagged manifests have no version).
//! - `properties`: a table; every `key = "value"` pair must be among the manifest's properties.
//!
//! Actions: each rule has exactly one of
//! - `keep_last = N` (N ≥ 0): per package, of the versions this rule selects, keeps the newest N
//!   and deletes the rest. `order = "version"` (default) ranks by the repository's version scheme
//!   (for `push-time`, OCI and generic, by when the tag was set); `order = "pushed"` by when the tag
//!   was set (an untagged manifest: when it was pushed). With `delete_after = D` as well, versions
//!   beyond the newest N are deleted only when pushed more than D ago. `keep_last = 0` keeps none.
//! - `delete_after = D`: deletes what was pushed more than D ago (age = now − the manifest's push
//!   time), keeps the rest.
//! - `keep_pulled_within = D`: keeps what was pulled within D; the rest is left to later rules.
//! - `keep = true`: keeps what it selects.
//!
//! Durations ([`Age`]): a whole number and a unit `s`, `m`, `h`, `d` or `w` (`"7d"`, `"12h"`, `"0s"`).
//!
//! # The plan
//!
//! [`plan`] decides each *version*: each tag of a manifest, and each untagged manifest.
//!
//! 1. **Rules.** A version is decided by the first rule that selects it and decides it (ECR's model:
//!    each version is handled by at most one rule). A `keep_last` rule ranks only the versions it
//!    selects that no earlier rule decided: a version an earlier rule kept or deleted takes no
//!    slot. Untagged manifests rank as the empty version, so in `order = "version"` they come after
//!    every tag (for `push-time`, by time), newest push first. Ties are broken by digest. No rule
//!    decides a version → kept.
//! 2. **Protections**, overriding the rules, iterated to a fixpoint:
//!    - a protected manifest (the caller says why) keeps all its versions;
//!    - a child of a kept index, and a referrer of a kept subject, is kept, transitively (its
//!      versions the rules deleted are kept too);
//!    - an untagged referrer whose subject is deleted, and an untagged child of a deleted index, is
//!      deleted unless something above keeps it (whatever the rules said of it). A referrer with a
//!      tag a rule keeps stays; a referrer whose subject is not among the items keeps its own
//!      decision.
//!
//!    A manifest is kept when any of its versions is; deleted when all are. A tag can be deleted
//!    while its manifest stays (another tag of it is kept).
//! 3. **Bytes.** A blob is freed when every given manifest storing it is deleted and it is not in
//!    `shared_blobs`; its size is counted once, on the first item (in plan order) of a deleted
//!    manifest storing it. Deleting only a tag frees nothing.

pub mod cron;
pub mod duration;
mod plan;
mod policy;
mod protect;

pub use cron::{CronError, Schedule};
pub use duration::{Age, AgeError};
pub use plan::{Action, Item, Plan, PlanInput, PlanItem, TagInfo, plan};
pub use policy::{MAX_POLICY_BYTES, MAX_REGEX_BYTES, MAX_RULES, Order, Policy, PolicyError, Rule, RuleAction, Select};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;
