//! `arca_core::retention::Policy::parse` (a repository's retention policy, TOML): never panics; a
//! policy that parses keeps its text, and plans a small fixed repository the same whatever the
//! order of its manifests, never deleting a protected manifest, a child of a kept index or a
//! referrer of a kept subject, and freeing at most what the deleted manifests alone store.
#![no_main]

use arca_core::retention::{Action, Item, PlanInput, Policy, TagInfo, plan};
use arca_types::VersionScheme;
use libfuzzer_sys::fuzz_target;
use std::collections::{HashMap, HashSet};

const DAY: i64 = 86_400_000;
const NOW: i64 = 1_800_000_000_000;

fn manifest(digest: &str, days: i64, tags: &[&str]) -> Item {
    let pushed_at = NOW - days * DAY;
    Item {
        package: "app".to_owned(),
        digest: digest.to_owned(),
        pushed_at,
        tags: tags.iter().map(|t| TagInfo { name: (*t).to_owned(), updated_at: pushed_at }).collect(),
        subject: None,
        children: Vec::new(),
        properties: Vec::new(),
        last_pulled_at: None,
        protected: None,
        blobs: vec![(digest.to_owned(), 100), ("sha256:base".to_owned(), 5000), ("sha256:layer".to_owned(), 700)],
    }
}

/// An index with two platform children, releases, a dev build, a signature, a protected
/// deployment, and an untagged build.
fn items() -> Vec<Item> {
    let mut index = manifest("sha256:idx", 3, &["v2.0.0", "latest"]);
    index.children = vec!["sha256:amd64".into(), "sha256:arm64".into()];
    let mut signature = manifest("sha256:sig", 2, &[]);
    signature.subject = Some("sha256:idx".into());
    let mut deployed = manifest("sha256:deployed", 200, &["v0.1.0"]);
    deployed.protected = Some("recorded as deployed".into());
    let mut old = manifest("sha256:old", 90, &["v1.0.0", "1.10.0"]);
    old.properties = vec![("env".into(), "prod".into())];
    old.last_pulled_at = Some(NOW - DAY);
    vec![
        index,
        manifest("sha256:amd64", 3, &[]),
        manifest("sha256:arm64", 3, &["v2.0.0-arm64"]),
        signature,
        deployed,
        old,
        manifest("sha256:dev", 40, &["dev-1"]),
        manifest("sha256:build", 10, &[]),
    ]
}

fuzz_target!(|s: &str| {
    let Ok(policy) = Policy::parse(s) else { return };
    assert_eq!(policy.text(), s);
    let items = items();
    let mut reversed = items.clone();
    reversed.reverse();
    let shared = HashSet::from(["sha256:base".to_owned()]);
    for scheme in VersionScheme::ALL {
        let tags_of = arca_types::Ecosystem::Generic;
        let input = PlanInput { items: &items, scheme, tags_of, now: NOW, shared_blobs: &shared };
        let planned = plan(&policy, &input);
        assert_eq!(planned, plan(&policy, &PlanInput { items: &reversed, ..input }));

        let kept: HashSet<&str> =
            planned.items.iter().filter(|i| i.action == Action::Keep).map(|i| i.digest.as_str()).collect();
        for item in &items {
            let is_kept = kept.contains(item.digest.as_str());
            assert!(item.protected.is_none() || is_kept, "protected {} deleted", item.digest);
            if item.subject.as_deref().is_some_and(|s| kept.contains(s)) {
                assert!(is_kept, "referrer {} of a kept subject deleted", item.digest);
            }
            if is_kept {
                assert!(item.children.iter().all(|c| kept.contains(c.as_str())), "a child of {} deleted", item.digest);
            }
        }
        assert_eq!(planned.bytes_freed, planned.items.iter().map(|i| i.bytes).sum::<u64>());
        let mut stored: HashMap<&str, u64> = HashMap::new();
        for item in items.iter().filter(|i| !kept.contains(i.digest.as_str())) {
            stored.extend(item.blobs.iter().filter(|(d, _)| !shared.contains(d)).map(|(d, s)| (d.as_str(), *s)));
        }
        assert!(planned.bytes_freed <= stored.values().sum::<u64>());
    }
});
