//! Properties of plans over random repositories and random policies.

use super::{Action, Item, Plan, PlanInput, Policy, RuleAction, TagInfo, plan};
use crate::meta::Millis;
use arca_types::VersionScheme;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

const DAY: Millis = 86_400_000;
const NOW: Millis = 1_800_000_000_000;
const TAGS: [&str; 8] = ["v1.0.0", "v1.2.0", "v2.0.0", "1.10.0", "latest", "dev-1", "feature-x", "rc"];
const LAYERS: [(&str, u64); 4] = [("sha256:l0", 1000), ("sha256:l1", 2000), ("sha256:l2", 4000), ("sha256:l3", 8000)];

/// A manifest, its relations as indexes into the list (resolved once the list's length is known).
type RawItem = (bool, i64, Vec<(usize, i64)>, Option<usize>, Vec<usize>, bool, Option<i64>, bool, Vec<usize>);

fn raw_item() -> impl Strategy<Value = RawItem> {
    (
        any::<bool>(),
        0..100i64,
        prop::collection::vec((0..TAGS.len(), 0..10i64), 0..3),
        prop::option::weighted(0.25, 0..16usize),
        prop::collection::vec(0..16usize, 0..3),
        any::<bool>(),
        prop::option::of(0..60i64),
        prop::bool::weighted(0.1),
        prop::collection::vec(0..LAYERS.len(), 0..3),
    )
}

/// Up to 12 manifests in packages `a` and `b`; with `related`, some are referrers, indexes and
/// protected.
fn items(related: bool) -> impl Strategy<Value = Vec<Item>> {
    prop::collection::vec(raw_item(), 1..12).prop_map(move |raw| {
        let n = raw.len();
        (raw.into_iter().enumerate())
            .map(|(i, (package_b, days, tags, subject, children, prod, pulled, protected, layers))| {
                let pushed_at = NOW - days * DAY - i as Millis * 1000;
                Item {
                    package: if package_b { "b" } else { "a" }.to_owned(),
                    digest: format!("sha256:{i}"),
                    pushed_at,
                    tags: tags
                        .iter()
                        .map(|&(t, d)| TagInfo { name: TAGS[t].into(), updated_at: pushed_at + d * DAY })
                        .collect(),
                    subject: subject.filter(|_| related).map(|s| format!("sha256:{}", s % n)),
                    children: children.iter().filter(|_| related).map(|c| format!("sha256:{}", c % n)).collect(),
                    properties: if prod { vec![("env".into(), "prod".into())] } else { Vec::new() },
                    last_pulled_at: pulled.map(|d| NOW - d * DAY),
                    protected: (related && protected).then(|| "deployed".to_owned()),
                    blobs: std::iter::once((format!("sha256:{i}"), 100 + i as u64))
                        .chain(layers.iter().map(|&l| (LAYERS[l].0.to_owned(), LAYERS[l].1)))
                        .collect(),
                }
            })
            .collect()
    })
}

fn select() -> impl Strategy<Value = String> {
    let version = prop::sample::select(vec!["", "version = \"v*\", ", "version = [\"dev-*\", \"feature-*\"], "]);
    let other = prop::sample::select(vec!["", "untagged = true, ", "untagged = false, ", "package = \"a\", "]);
    let extra = prop::sample::select(vec!["", "version_regex = '\\d+\\..*', ", "properties = { env = \"prod\" }, "]);
    (version, other, extra).prop_map(|(v, o, e)| format!("select = {{ {v}{o}{e}}}\n"))
}

fn action(keep_only: bool) -> impl Strategy<Value = String> {
    let any = prop_oneof![
        (0..4u32, prop::sample::select(vec!["", "order = \"pushed\"\n", "order = \"version\"\n"]), any::<bool>())
            .prop_map(|(n, order, old)| format!(
                "keep_last = {n}\n{order}{}",
                if old { "delete_after = \"20d\"\n" } else { "" }
            )),
        prop::sample::select(vec!["0s", "7d", "30d"]).prop_map(|d| format!("delete_after = \"{d}\"\n")),
        prop::sample::select(vec!["1d", "30d"]).prop_map(|d| format!("keep_pulled_within = \"{d}\"\n")),
        Just("keep = true\n".to_owned()),
    ];
    if keep_only { Just("keep = true\n".to_owned()).boxed() } else { any.boxed() }
}

fn policy(keep_only: bool) -> impl Strategy<Value = Policy> {
    prop::collection::vec((select(), action(keep_only)), 0..5).prop_filter_map("a valid policy", |rules| {
        Policy::parse(&rules.iter().map(|(s, a)| format!("[[rule]]\n{s}{a}")).collect::<String>()).ok()
    })
}

fn scheme() -> impl Strategy<Value = VersionScheme> {
    prop::sample::select(VersionScheme::ALL.to_vec())
}

fn run(policy: &Policy, items: &[Item], scheme: VersionScheme, shared: &HashSet<String>) -> Plan {
    plan(policy, &PlanInput { items, scheme, tags_of: arca_types::Ecosystem::Generic, now: NOW, shared_blobs: shared })
}

/// Digests of the manifests some item of which is kept.
fn kept(plan: &Plan) -> HashSet<(String, String)> {
    (plan.items.iter()).filter(|i| i.action == Action::Keep).map(|i| (i.package.clone(), i.digest.clone())).collect()
}

proptest! {
    #[test]
    fn a_plan_is_deterministic_and_independent_of_input_order(
        (items, shuffled) in items(true).prop_flat_map(|items| (Just(items.clone()), Just(items).prop_shuffle())),
        policy in policy(false),
        scheme in scheme(),
    ) {
        let shared = HashSet::from(["sha256:l0".to_owned()]);
        let plan = run(&policy, &items, scheme, &shared);
        prop_assert_eq!(&plan, &run(&policy, &items, scheme, &shared));
        let mut shuffled = shuffled;
        for item in &mut shuffled {
            item.tags.reverse();
            item.blobs.reverse();
        }
        prop_assert_eq!(&plan, &run(&policy, &shuffled, scheme, &shared));
    }

    #[test]
    fn nothing_a_kept_manifest_needs_is_deleted(items in items(true), policy in policy(false), scheme in scheme()) {
        let plan = run(&policy, &items, scheme, &HashSet::new());
        let kept = kept(&plan);
        let present: HashSet<(String, String)> = items.iter().map(|i| (i.package.clone(), i.digest.clone())).collect();
        for item in &items {
            let me = (item.package.clone(), item.digest.clone());
            if item.protected.is_some() {
                prop_assert!(kept.contains(&me), "protected {} deleted", item.digest);
            }
            if let Some(subject) = &item.subject {
                let subject = (item.package.clone(), subject.clone());
                prop_assert!(!kept.contains(&subject) || kept.contains(&me), "referrer {} of kept {} deleted", item.digest, subject.1);
            }
            if kept.contains(&me) {
                for child in &item.children {
                    let child = (item.package.clone(), child.clone());
                    prop_assert!(!present.contains(&child) || kept.contains(&child), "child {} of kept {} deleted", child.1, item.digest);
                }
            }
        }
        // A manifest is deleted exactly when all its items are.
        let deleted: HashSet<(String, String)> = plan.manifests_to_delete().into_iter().collect();
        prop_assert_eq!(deleted.len() + kept.len(), present.len());
        prop_assert!(deleted.is_disjoint(&kept));
    }

    #[test]
    fn keep_last_keeps_min_of_n_and_what_it_ranks(items in items(false), policy in policy(false), scheme in scheme()) {
        let plan = run(&policy, &items, scheme, &HashSet::new());
        for (k, rule) in policy.rules().iter().enumerate() {
            let RuleAction::KeepLast { count, .. } = rule.action() else { continue };
            // Per package: how many versions rule k ranked, and how many it kept as the newest.
            let mut ranked: HashMap<&str, (usize, usize)> = HashMap::new();
            for item in &plan.items {
                if item.reason.contains(&format!("versions of {} matching rule {} (#", item.package, k + 1)) {
                    let entry = ranked.entry(&item.package).or_default();
                    entry.0 += 1;
                    entry.1 += usize::from(item.reason.starts_with("one of the last"));
                }
            }
            for (package, (total, newest)) in ranked {
                prop_assert_eq!(newest, total.min(*count as usize), "rule {} in {}", k + 1, package);
            }
        }
    }

    #[test]
    fn bytes_freed_add_up_and_never_exceed_the_deleted_manifests_blobs(
        items in items(true),
        policy in policy(false),
        scheme in scheme(),
        shared in prop::sample::subsequence(LAYERS.to_vec(), 0..=2),
    ) {
        let shared: HashSet<String> = shared.iter().map(|(d, _)| (*d).to_owned()).collect();
        let plan = run(&policy, &items, scheme, &shared);
        prop_assert_eq!(plan.bytes_freed, plan.items.iter().map(|i| i.bytes).sum::<u64>());
        let deleted: HashSet<(String, String)> = plan.manifests_to_delete().into_iter().collect();
        let mut blobs: HashMap<&str, u64> = HashMap::new();
        for item in items.iter().filter(|i| deleted.contains(&(i.package.clone(), i.digest.clone()))) {
            for (digest, size) in item.blobs.iter().filter(|(d, _)| !shared.contains(d)) {
                blobs.insert(digest, *size);
            }
        }
        prop_assert!(plan.bytes_freed <= blobs.values().sum::<u64>());
        for item in plan.items.iter().filter(|i| i.bytes > 0) {
            prop_assert!(deleted.contains(&(item.package.clone(), item.digest.clone())));
        }
    }

    #[test]
    fn a_policy_of_only_keep_true_deletes_nothing(items in items(true), policy in policy(true), scheme in scheme()) {
        let plan = run(&policy, &items, scheme, &HashSet::new());
        prop_assert!(plan.items.iter().all(|i| i.action == Action::Keep), "{:#?}", plan);
        prop_assert_eq!(plan.bytes_freed, 0);
    }
}
