//! What a policy would do to a repository: a pure function from manifests to a [`Plan`].

use super::duration::ago;
use super::policy::{Order, Policy, RuleAction};
use crate::meta::Millis;
use arca_types::{Ecosystem, PushTime, Pushed, VersionScheme};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One manifest in the repository.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Item {
    pub package: String,
    pub digest: String,
    /// When the manifest was pushed.
    pub pushed_at: Millis,
    /// Its tags; empty: untagged.
    pub tags: Vec<TagInfo>,
    /// An OCI referrer's subject: the digest of the manifest it refers to (same package).
    pub subject: Option<String>,
    /// An index's child manifests (same package).
    pub children: Vec<String>,
    pub properties: Vec<(String, String)>,
    pub last_pulled_at: Option<Millis>,
    /// Set by the caller: why it must stay ("recorded as deployed", ...).
    pub protected: Option<String>,
    /// Digests and sizes of everything this manifest stores: its own manifest blob, config, layers
    /// (not child manifests).
    pub blobs: Vec<(String, u64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TagInfo {
    pub name: String,
    /// When the tag was last pointed at this manifest.
    pub updated_at: Millis,
}

/// What [`plan`] looks at.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The repository's manifests; each `(package, digest)` once (repeats are ignored).
    pub items: &'a [Item],
    pub scheme: VersionScheme,
    /// How the repository's format spells versions as tags (PyPI's `1.0+local` is the tag
    /// `1.0_local`): the scheme orders the versions the tags stand for.
    pub tags_of: Ecosystem,
    pub now: Millis,
    /// Blobs referenced by something outside `items` (another repository, or manifests not given):
    /// never freed.
    pub shared_blobs: &'a HashSet<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Delete,
    Keep,
}

/// The decision on one version: a tag of a manifest, or an untagged manifest (`version: None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanItem {
    pub package: String,
    pub version: Option<String>,
    pub digest: String,
    pub action: Action,
    /// Why, naming the rule and the numbers.
    pub reason: String,
    /// Bytes this deletion frees (each freed blob counted once, on the first item that frees it).
    pub bytes: u64,
}

/// What a policy would do, in a deterministic order: by package; then tags, newest first by the
/// repository's scheme (then digest); then untagged manifests, newest push first (then digest).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Plan {
    pub items: Vec<PlanItem>,
    pub bytes_freed: u64,
}

impl Plan {
    /// `(package, tag)` of every tag whose item says delete, in plan order: tags of manifests that
    /// stay (another tag of theirs is kept) as well as tags of manifests deleted whole.
    pub fn tags_to_delete(&self) -> Vec<(String, String)> {
        let mut seen = HashSet::new();
        (self.items.iter())
            .filter(|i| i.action == Action::Delete)
            .filter_map(|i| Some((i.package.clone(), i.version.clone()?)))
            .filter(|key| seen.insert(key.clone()))
            .collect()
    }

    /// `(package, digest)` of every manifest all of whose items say delete, in plan order.
    pub fn manifests_to_delete(&self) -> Vec<(String, String)> {
        let mut all_delete: HashMap<(&str, &str), bool> = HashMap::new();
        for i in &self.items {
            *all_delete.entry((&i.package, &i.digest)).or_insert(true) &= i.action == Action::Delete;
        }
        (self.items.iter())
            .filter(|i| all_delete.remove(&(i.package.as_str(), i.digest.as_str())) == Some(true))
            .map(|i| (i.package.clone(), i.digest.clone()))
            .collect()
    }
}

/// A manifest under consideration: its item and its distinct tags, by name.
pub(super) struct Manifest<'a> {
    pub(super) item: &'a Item,
    pub(super) tags: Vec<&'a TagInfo>,
}

/// A version: a tag of a manifest, or an untagged manifest.
#[derive(Clone, Copy)]
pub(super) struct Version<'a> {
    /// Its index in the manifests.
    pub(super) manifest: usize,
    pub(super) item: &'a Item,
    pub(super) tag: Option<&'a TagInfo>,
    /// The version the tag stands for (see [`PlanInput::tags_of`]).
    pub(super) version: &'a str,
}

impl<'a> Version<'a> {
    fn name(&self) -> Option<&'a str> {
        self.tag.map(|t| t.name.as_str())
    }

    /// What the version order ranks: the tag and when it was set, or (untagged) the empty version
    /// pushed when the manifest was.
    fn pushed(&self) -> Pushed<'a> {
        match self.tag {
            Some(t) => Pushed { version: self.version, at: PushTime(t.updated_at) },
            None => Pushed { version: "", at: PushTime(self.item.pushed_at) },
        }
    }
}

#[derive(Clone)]
pub(super) struct Decision {
    pub(super) action: Action,
    pub(super) reason: String,
}

impl Decision {
    pub(super) fn keep(reason: String) -> Self {
        Self { action: Action::Keep, reason }
    }
    pub(super) fn delete(reason: String) -> Self {
        Self { action: Action::Delete, reason }
    }
}

/// Decides every version of `input.items` by `policy` (see the [module docs](super)).
pub fn plan(policy: &Policy, input: &PlanInput<'_>) -> Plan {
    // A canonical order first, so nothing below depends on the order items came in.
    let mut items: Vec<&Item> = input.items.iter().collect();
    items.sort();
    items.dedup_by(|a, b| a.package == b.package && a.digest == b.digest);
    let manifests: Vec<Manifest<'_>> = (items.into_iter())
        .map(|item| {
            let mut tags: Vec<&TagInfo> = item.tags.iter().collect();
            tags.sort();
            tags.dedup_by(|a, b| a.name == b.name);
            Manifest { item, tags }
        })
        .collect();
    let spelled: Vec<Vec<String>> =
        manifests.iter().map(|m| m.tags.iter().map(|t| input.tags_of.tag_version(&t.name)).collect()).collect();
    let versions: Vec<Version<'_>> = (manifests.iter().zip(&spelled).enumerate())
        .flat_map(|(manifest, (m, spelled))| {
            let tags: Vec<(Option<&TagInfo>, &str)> = if m.tags.is_empty() {
                vec![(None, "")]
            } else {
                m.tags.iter().zip(spelled).map(|(t, v)| (Some(*t), v.as_str())).collect()
            };
            tags.into_iter().map(move |(tag, version)| Version { manifest, item: m.item, tag, version })
        })
        .collect();

    let mut decisions = decide_by_rules(policy, &versions, input.scheme, input.now);
    let deleted = super::protect::apply(&manifests, &versions, &mut decisions);

    // Plan order.
    let mut order: Vec<usize> = (0..versions.len()).collect();
    order.sort_by(|&a, &b| plan_order(input.scheme, &versions[a], &versions[b]));

    // Bytes: a blob is freed when every manifest storing it is deleted and nothing outside shares it.
    let mut blobs: BTreeMap<&str, (u64, bool)> = BTreeMap::new();
    for (m, manifest) in manifests.iter().enumerate() {
        for (digest, size) in &manifest.item.blobs {
            let entry = blobs.entry(digest).or_insert((0, true));
            *entry = (entry.0.max(*size), entry.1 && deleted[m] && !input.shared_blobs.contains(digest.as_str()));
        }
    }
    let mut plan = Plan::default();
    for v in order {
        let version = &versions[v];
        let mut bytes = 0u64;
        if deleted[version.manifest] {
            for (digest, _) in &version.item.blobs {
                if let Some((size, freed @ true)) = blobs.get_mut(digest.as_str()) {
                    bytes = bytes.saturating_add(*size);
                    *freed = false; // counted
                }
            }
        }
        plan.bytes_freed = plan.bytes_freed.saturating_add(bytes);
        let Decision { action, reason } = decisions[v].clone();
        plan.items.push(PlanItem {
            package: version.item.package.clone(),
            version: version.name().map(str::to_owned),
            digest: version.item.digest.clone(),
            action,
            reason,
            bytes,
        });
    }
    plan
}

/// By package; tags newest first by the scheme, then untagged manifests newest push first; then
/// digest.
fn plan_order(scheme: VersionScheme, a: &Version<'_>, b: &Version<'_>) -> Ordering {
    a.item
        .package
        .cmp(&b.item.package)
        .then_with(|| match (a.tag, b.tag) {
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), Some(_)) => scheme.compare_pushed(b.pushed(), a.pushed()),
            (None, None) => b.item.pushed_at.cmp(&a.item.pushed_at),
        })
        .then_with(|| a.item.digest.cmp(&b.item.digest))
}

/// Each version's decision by the first rule that selects and decides it (keep when none does).
fn decide_by_rules(policy: &Policy, versions: &[Version<'_>], scheme: VersionScheme, now: Millis) -> Vec<Decision> {
    let mut decided: Vec<Option<Decision>> = vec![None; versions.len()];
    // Why a `keep_pulled_within` rule that selected a version did not keep it (the first such).
    let mut not_pulled: Vec<Option<String>> = vec![None; versions.len()];
    for (k, rule) in policy.rules().iter().enumerate() {
        let number = k + 1;
        let selected: Vec<usize> = (0..versions.len())
            .filter(|&v| decided[v].is_none())
            .filter(|&v| {
                let version = &versions[v];
                rule.select().matches(&version.item.package, version.name(), &version.item.properties)
            })
            .collect();
        let age = |v: usize| now.saturating_sub(versions[v].item.pushed_at);
        match rule.action() {
            RuleAction::Keep => {
                for v in selected {
                    decided[v] = Some(Decision::keep(format!("rule {number} keeps what it selects (`keep = true`)")));
                }
            }
            RuleAction::DeleteAfter(after) => {
                for v in selected {
                    let (age, pushed) = (age(v), ago(age(v)));
                    decided[v] = Some(if age > after.millis() {
                        Decision::delete(format!("pushed {pushed}, rule {number} deletes after {after}"))
                    } else {
                        Decision::keep(format!("pushed {pushed}, younger than rule {number}'s {after}"))
                    });
                }
            }
            RuleAction::KeepPulledWithin(within) => {
                for v in selected {
                    match versions[v].item.last_pulled_at {
                        Some(at) if now.saturating_sub(at) <= within.millis() => {
                            let pulled = ago(now.saturating_sub(at));
                            decided[v] =
                                Some(Decision::keep(format!("pulled {pulled}, within rule {number}'s {within}")));
                        }
                        pulled => {
                            let last = pulled.map_or("never pulled".to_owned(), |at| {
                                format!("last pulled {}", ago(now.saturating_sub(at)))
                            });
                            let note = format!("{last}, not within rule {number}'s {within}");
                            not_pulled[v].get_or_insert(note);
                        }
                    }
                }
            }
            RuleAction::KeepLast { count, order, delete_after } => {
                let mut by_package: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
                for v in selected {
                    by_package.entry(&versions[v].item.package).or_default().push(v);
                }
                let by = match (order, scheme) {
                    (Order::Pushed, _) | (Order::Version, VersionScheme::PushTime) => "push time",
                    (Order::Version, scheme) => scheme.as_str(),
                };
                for (package, mut group) in by_package {
                    group.sort_by(|&a, &b| newest_first(*order, scheme, &versions[a], &versions[b]));
                    for (rank, v) in group.into_iter().enumerate() {
                        let rank_by = format!("#{} by {by}", rank + 1);
                        let place =
                            format!("the last {count} versions of {package} matching rule {number} ({rank_by})");
                        decided[v] = Some(match delete_after {
                            _ if rank < *count as usize => Decision::keep(format!("one of {place}")),
                            None => Decision::delete(format!("beyond {place}")),
                            Some(after) if age(v) > after.millis() => Decision::delete(format!(
                                "beyond {place} and pushed {}, older than {after}",
                                ago(age(v))
                            )),
                            Some(after) => Decision::keep(format!(
                                "beyond {place} but pushed {}, younger than rule {number}'s {after}",
                                ago(age(v))
                            )),
                        });
                    }
                }
            }
        }
    }
    (decided.into_iter().zip(not_pulled))
        .map(|(decided, note)| {
            decided.unwrap_or_else(|| match note {
                Some(note) => Decision::keep(format!("no rule decides it ({note})")),
                None => Decision::keep("no rule selects it".to_owned()),
            })
        })
        .collect()
}

/// Ranks two versions newest first for `keep_last`; ties by digest, so the ranking is total.
fn newest_first(order: Order, scheme: VersionScheme, a: &Version<'_>, b: &Version<'_>) -> Ordering {
    let newer = match order {
        Order::Version => scheme.compare_pushed(b.pushed(), a.pushed()),
        Order::Pushed => b.pushed().at.cmp(&a.pushed().at).then_with(|| b.name().cmp(&a.name())),
    };
    newer.then_with(|| a.item.digest.cmp(&b.item.digest))
}
