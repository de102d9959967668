//! Each rule kind, the rule order, and the example policy on a realistic repository.

use super::{DAY, HOUR, NOW, decision, manifest, run, run_with, with_action};
use crate::retention::{Action, Item, TagInfo};
use arca_types::VersionScheme;

/// One manifest per version of `package`, the first pushed `days` ago and each next one a day later.
fn releases(package: &str, versions: &[&str], days: i64) -> Vec<Item> {
    (versions.iter().enumerate())
        .map(|(i, v)| manifest(package, &format!("sha256:{package}-{v}"), days - i as i64, &[v]))
        .collect()
}

#[test]
fn keep_last_keeps_the_newest_by_the_repository_scheme() {
    // Pushed out of version order: 1.10.0 first, 1.9.0 last. SemVer ranks 1.10.0 newest.
    let items = releases("app", &["1.10.0", "1.2.0", "1.9.0"], 30);
    let plan = run("[[rule]]\nkeep_last = 2\n", &items);
    assert_eq!(with_action(&plan, Action::Keep), ["1.10.0", "1.9.0"]);
    assert_eq!(
        decision(&plan, "sha256:app-1.9.0", Some("1.9.0")),
        (Action::Keep, "one of the last 2 versions of app matching rule 1 (#2 by semver)")
    );
    assert_eq!(
        decision(&plan, "sha256:app-1.2.0", Some("1.2.0")),
        (Action::Delete, "beyond the last 2 versions of app matching rule 1 (#3 by semver)")
    );
}

#[test]
fn keep_last_by_push_order_ranks_by_when_the_tag_was_set() {
    let items = releases("app", &["1.10.0", "1.2.0", "1.9.0"], 30);
    let plan = run("[[rule]]\nkeep_last = 2\norder = \"pushed\"\n", &items);
    assert_eq!(with_action(&plan, Action::Keep), ["1.9.0", "1.2.0"]);
    assert_eq!(
        decision(&plan, "sha256:app-1.10.0", Some("1.10.0")).1,
        "beyond the last 2 versions of app matching rule 1 (#3 by push time)"
    );
}

#[test]
fn keep_last_under_the_push_time_scheme_ranks_by_tag_time() {
    // OCI: `latest` was moved onto the oldest manifest most recently.
    let mut items = releases("app", &["a", "b", "c"], 30);
    items[0].tags.push(TagInfo { name: "latest".into(), updated_at: NOW - HOUR });
    let plan = run_with("[[rule]]\nkeep_last = 2\n", &items, VersionScheme::PushTime, &[]);
    assert_eq!(with_action(&plan, Action::Keep), ["latest", "c"]);
    assert_eq!(with_action(&plan, Action::Delete), ["b", "a"]);
    // `a` loses its tag, its manifest stays for `latest`.
    assert_eq!(plan.tags_to_delete(), [("app".into(), "b".into()), ("app".into(), "a".into())]);
    assert_eq!(plan.manifests_to_delete(), [("app".into(), "sha256:app-b".into())]);
    assert_eq!(plan.items.iter().map(|i| i.bytes).collect::<Vec<_>>(), [0, 0, 100, 0], "a tag alone frees nothing");
}

#[test]
fn keep_last_counts_each_package_apart() {
    let mut items = releases("web", &["1.0.0", "2.0.0", "3.0.0"], 30);
    items.extend(releases("api", &["1.0.0", "2.0.0"], 30));
    let plan = run("[[rule]]\nkeep_last = 2\n", &items);
    assert_eq!(with_action(&plan, Action::Delete), ["1.0.0"]);
    assert_eq!(plan.items.iter().filter(|i| i.package == "api" && i.action == Action::Keep).count(), 2);
}

#[test]
fn keep_last_with_delete_after_deletes_only_old_versions_beyond_the_last() {
    // 1.0.0 pushed 30 days ago, 1.1.0 29, 1.2.0 28, 1.3.0 2 days ago (pushed late, a backport).
    let mut items = releases("app", &["1.0.0", "1.1.0", "1.2.0"], 30);
    items.push(manifest("app", "sha256:app-1.3.0", 2, &["1.3.0"]));
    items.push(manifest("app", "sha256:app-0.9.0", 1, &["0.9.0"]));
    let plan = run("[[rule]]\nkeep_last = 2\ndelete_after = \"7d\"\n", &items);
    assert_eq!(with_action(&plan, Action::Keep), ["1.3.0", "1.2.0", "0.9.0"]);
    assert_eq!(
        decision(&plan, "sha256:app-1.0.0", Some("1.0.0")).1,
        "beyond the last 2 versions of app matching rule 1 (#4 by semver) and pushed 30 days ago, older than 7d"
    );
    assert_eq!(
        decision(&plan, "sha256:app-0.9.0", Some("0.9.0")).1,
        "beyond the last 2 versions of app matching rule 1 (#5 by semver) but pushed 24 hours ago, younger than \
         rule 1's 7d"
    );
}

#[test]
fn keep_last_zero_keeps_none_of_what_it_selects() {
    let items = releases("app", &["1.0.0", "2.0.0"], 10);
    let plan = run("[[rule]]\nkeep_last = 0\n", &items);
    assert_eq!(with_action(&plan, Action::Delete), ["2.0.0", "1.0.0"]);
}

#[test]
fn versions_an_earlier_rule_decided_take_no_keep_last_slot() {
    // Rule 1 keeps 3.0.0 (pinned); rule 2 ranks only 1.0.0 and 2.0.0, so both fit in its last 2.
    let mut items = releases("app", &["1.0.0", "2.0.0", "3.0.0"], 10);
    items[2].properties.push(("pinned".into(), "yes".into()));
    let policy = "[[rule]]\nselect = { properties = { pinned = \"yes\" } }\nkeep = true\n[[rule]]\nkeep_last = 2\n";
    let plan = run(policy, &items);
    assert_eq!(with_action(&plan, Action::Delete), Vec::<String>::new());
    assert_eq!(decision(&plan, "sha256:app-3.0.0", Some("3.0.0")).1, "rule 1 keeps what it selects (`keep = true`)");
    assert_eq!(
        decision(&plan, "sha256:app-1.0.0", Some("1.0.0")).1,
        "one of the last 2 versions of app matching rule 2 (#2 by semver)"
    );
}

#[test]
fn delete_after_deletes_what_is_older_and_keeps_what_is_younger() {
    let items = [manifest("app", "sha256:old", 40, &["old"]), manifest("app", "sha256:new", 2, &["new"])];
    let plan = run("[[rule]]\ndelete_after = \"30d\"\n", &items);
    assert_eq!(
        decision(&plan, "sha256:old", Some("old")),
        (Action::Delete, "pushed 40 days ago, rule 1 deletes after 30d")
    );
    assert_eq!(
        decision(&plan, "sha256:new", Some("new")),
        (Action::Keep, "pushed 2 days ago, younger than rule 1's 30d")
    );
    // Exactly as old as the limit is not older than it.
    let edge = [manifest("app", "sha256:edge", 30, &["edge"])];
    assert_eq!(run("[[rule]]\ndelete_after = \"30d\"\n", &edge).items[0].action, Action::Keep);
}

#[test]
fn keep_pulled_within_keeps_recent_pulls_and_leaves_the_rest_to_later_rules() {
    let mut items = [
        manifest("app", "sha256:pulled", 90, &["pulled"]),
        manifest("app", "sha256:stale", 90, &["stale"]),
        manifest("app", "sha256:never", 90, &["never"]),
    ];
    items[0].last_pulled_at = Some(NOW - 3 * HOUR);
    items[1].last_pulled_at = Some(NOW - 20 * DAY);
    let plan = run("[[rule]]\nkeep_pulled_within = \"7d\"\n[[rule]]\ndelete_after = \"30d\"\n", &items);
    assert_eq!(
        decision(&plan, "sha256:pulled", Some("pulled")),
        (Action::Keep, "pulled 3 hours ago, within rule 1's 7d")
    );
    assert_eq!(
        decision(&plan, "sha256:stale", Some("stale")),
        (Action::Delete, "pushed 90 days ago, rule 2 deletes after 30d")
    );
    assert_eq!(decision(&plan, "sha256:never", Some("never")).0, Action::Delete);
    // With no later rule, what it did not keep is kept by default, saying why.
    let plan = run("[[rule]]\nkeep_pulled_within = \"7d\"\n", &items);
    assert_eq!(
        decision(&plan, "sha256:stale", Some("stale")).1,
        "no rule decides it (last pulled 20 days ago, not within rule 1's 7d)"
    );
    assert_eq!(
        decision(&plan, "sha256:never", Some("never")).1,
        "no rule decides it (never pulled, not within rule 1's 7d)"
    );
}

#[test]
fn keep_true_keeps_what_it_selects_before_later_rules() {
    let items = [manifest("app", "sha256:a", 90, &["stable"]), manifest("app", "sha256:b", 90, &["x"])];
    let plan =
        run("[[rule]]\nselect = { version = \"stable\" }\nkeep = true\n[[rule]]\ndelete_after = \"1d\"\n", &items);
    assert_eq!(with_action(&plan, Action::Keep), ["stable"]);
}

#[test]
fn what_no_rule_selects_is_kept() {
    let plan = run(
        "[[rule]]\nselect = { package = \"other\" }\ndelete_after = \"0s\"\n",
        &[manifest("app", "sha256:a", 9, &[])],
    );
    assert_eq!(decision(&plan, "sha256:a", None), (Action::Keep, "no rule selects it"));
}

#[test]
fn selectors_match_packages_versions_and_untagged_manifests() {
    let items = [
        manifest("web", "sha256:w1", 10, &["v1", "dev-1"]),
        manifest("web", "sha256:w2", 10, &[]),
        manifest("api", "sha256:a1", 10, &["v1"]),
    ];
    let delete = |select: &str| {
        let plan = run(&format!("[[rule]]\nselect = {{ {select} }}\ndelete_after = \"0s\"\n"), &items);
        (plan.items.iter().filter(|i| i.action == Action::Delete))
            .map(|i| format!("{}:{}", i.package, i.version.as_deref().unwrap_or("-")))
            .collect::<Vec<_>>()
    };
    // Neither tag is SemVer: they rank by their bytes, `v1` after `dev-1`, so first.
    assert_eq!(delete("package = \"web\""), ["web:v1", "web:dev-1", "web:-"]);
    assert_eq!(delete("version = [\"dev-*\", \"x\"]"), ["web:dev-1"]);
    assert_eq!(delete("version_regex = 'v\\d'"), ["api:v1", "web:v1"]);
    assert_eq!(delete("untagged = true"), ["web:-"]);
    assert_eq!(delete("untagged = false, package = \"a*\""), ["api:v1"]);
    assert_eq!(delete(""), ["api:v1", "web:v1", "web:dev-1", "web:-"]);
}

#[test]
fn the_plan_is_ordered_by_package_then_tags_newest_first_then_untagged_newest_first() {
    let items = [
        manifest("b", "sha256:b1", 5, &["1.0.0"]),
        manifest("a", "sha256:u-old", 9, &[]),
        manifest("a", "sha256:u-new", 1, &[]),
        manifest("a", "sha256:a2", 5, &["2.0.0", "10.0.0"]),
        manifest("a", "sha256:a1", 3, &["1.0.0"]),
    ];
    let plan = run("", &items);
    let order: Vec<String> =
        plan.items.iter().map(|i| format!("{}:{}", i.package, i.version.clone().unwrap_or(i.digest.clone()))).collect();
    assert_eq!(order, ["a:10.0.0", "a:2.0.0", "a:1.0.0", "a:sha256:u-new", "a:sha256:u-old", "b:1.0.0"]);
}

#[test]
fn the_plan_serializes_to_the_documented_json() {
    let items = [manifest("app", "sha256:a", 40, &["v1"]), manifest("app", "sha256:u", 40, &[])];
    let plan = run("[[rule]]\ndelete_after = \"30d\"\n", &items);
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "items": [
                {"package": "app", "version": "v1", "digest": "sha256:a", "action": "delete",
                 "reason": "pushed 40 days ago, rule 1 deletes after 30d", "bytes": 100},
                {"package": "app", "version": null, "digest": "sha256:u", "action": "delete",
                 "reason": "pushed 40 days ago, rule 1 deletes after 30d", "bytes": 100},
            ],
            "bytes_freed": 200,
        })
    );
}

/// The example policy on an OCI repository (push-time scheme), every decision explained.
#[test]
fn the_example_policy_on_a_realistic_repository() {
    let policy = r#"
        [[rule]]                                  # keep the last 10 release versions
        select = { version = "v*" }
        keep_last = 10
        [[rule]]
        select = { untagged = true }
        delete_after = "7d"
        [[rule]]
        select = { version = ["dev-*", "feature-*"] }
        delete_after = "30d"
    "#;
    // Twelve releases, v1.0.0 pushed 115 days ago, one every 10 days, v1.11.0 5 days ago. Each
    // stores its manifest and config and a base layer all of them share.
    let mut items: Vec<Item> = (0..12)
        .map(|i| {
            let mut m = manifest("app", &format!("sha256:rel{i}"), 115 - 10 * i, &[&format!("v1.{i}.0")]);
            m.blobs.extend([(format!("sha256:config{i}"), 10), ("sha256:base".to_owned(), 5000)]);
            m
        })
        .collect();
    items[11].tags.push(TagInfo { name: "latest".into(), updated_at: NOW - 5 * DAY });
    items.extend([
        manifest("app", "sha256:build-old", 20, &[]), // an overwritten build
        manifest("app", "sha256:build-new", 2, &[]),
        manifest("app", "sha256:dev", 45, &["dev-42"]),
        manifest("app", "sha256:feature", 12, &["feature-login"]),
    ]);
    // Signatures (untagged referrers): of v1.0.0, pushed yesterday; of v1.5.0, pushed 60 days ago.
    let mut sig0 = manifest("app", "sha256:sig0", 1, &[]);
    sig0.subject = Some("sha256:rel0".into());
    let mut sig5 = manifest("app", "sha256:sig5", 60, &[]);
    sig5.subject = Some("sha256:rel5".into());
    items.extend([sig0, sig5]);

    let plan = run_with(policy, &items, VersionScheme::PushTime, &[]);
    let reasons: Vec<String> = (plan.items.iter())
        .map(|i| {
            format!(
                "{} {}: {}",
                i.version.as_deref().unwrap_or(&i.digest),
                serde_json::to_string(&i.action).unwrap(),
                i.reason
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "v1.11.0 \"keep\": one of the last 10 versions of app matching rule 1 (#1 by push time)",
            // Set at the same time as v1.11.0 (a tie broken by the text); no rule selects it.
            "latest \"keep\": no rule selects it",
            "feature-login \"keep\": pushed 12 days ago, younger than rule 3's 30d",
            "v1.10.0 \"keep\": one of the last 10 versions of app matching rule 1 (#2 by push time)",
            "v1.9.0 \"keep\": one of the last 10 versions of app matching rule 1 (#3 by push time)",
            "v1.8.0 \"keep\": one of the last 10 versions of app matching rule 1 (#4 by push time)",
            "v1.7.0 \"keep\": one of the last 10 versions of app matching rule 1 (#5 by push time)",
            "dev-42 \"delete\": pushed 45 days ago, rule 3 deletes after 30d",
            "v1.6.0 \"keep\": one of the last 10 versions of app matching rule 1 (#6 by push time)",
            "v1.5.0 \"keep\": one of the last 10 versions of app matching rule 1 (#7 by push time)",
            "v1.4.0 \"keep\": one of the last 10 versions of app matching rule 1 (#8 by push time)",
            "v1.3.0 \"keep\": one of the last 10 versions of app matching rule 1 (#9 by push time)",
            "v1.2.0 \"keep\": one of the last 10 versions of app matching rule 1 (#10 by push time)",
            "v1.1.0 \"delete\": beyond the last 10 versions of app matching rule 1 (#11 by push time)",
            "v1.0.0 \"delete\": beyond the last 10 versions of app matching rule 1 (#12 by push time)",
            // Rule 2 would keep a day-old signature, but what it signs is deleted.
            "sha256:sig0 \"delete\": its subject sha256:rel0 is deleted",
            "sha256:build-new \"keep\": pushed 2 days ago, younger than rule 2's 7d",
            "sha256:build-old \"delete\": pushed 20 days ago, rule 2 deletes after 7d",
            // Rule 2 would delete a 60-day-old signature, but what it signs is kept.
            "sha256:sig5 \"keep\": refers to kept sha256:rel5",
        ]
    );
    // Freed: each deleted manifest's own blob (100), the two releases' configs (10 each); the base
    // layer stays (kept releases store it).
    assert_eq!(plan.bytes_freed, 5 * 100 + 2 * 10);
    assert_eq!(
        plan.manifests_to_delete().iter().map(|(_, d)| d.as_str()).collect::<Vec<_>>(),
        ["sha256:dev", "sha256:rel1", "sha256:rel0", "sha256:sig0", "sha256:build-old"]
    );
}
