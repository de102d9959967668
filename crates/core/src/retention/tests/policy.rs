//! Policy validation: every error names the rule (from 1) and what is wrong.

use super::super::{Age, Order, Policy, PolicyError, RuleAction};

fn error(text: &str) -> String {
    Policy::parse(text).map(|_| ()).expect_err("the policy is refused").to_string()
}

#[test]
fn the_example_policy_parses_and_keeps_its_text() {
    let text = "schedule = \"0 3 * * *\"\n\n[[rule]]  # releases\nselect = { version = \"v*\" }\nkeep_last = 10\n\
                [[rule]]\nselect = { untagged = true }\ndelete_after = \"7d\"\n\
                [[rule]]\nselect = { version = [\"dev-*\", \"feature-*\"] }\ndelete_after = \"30d\"\n";
    let policy = Policy::parse(text).unwrap();
    assert_eq!(policy.text(), text, "kept verbatim, comments and all");
    assert_eq!(policy.schedule().map(|s| s.as_str()), Some("0 3 * * *"));
    let actions: Vec<&RuleAction> = policy.rules().iter().map(|r| r.action()).collect();
    assert_eq!(
        actions,
        [
            &RuleAction::KeepLast { count: 10, order: Order::Version, delete_after: None },
            &RuleAction::DeleteAfter(Age::parse("7d").unwrap()),
            &RuleAction::DeleteAfter(Age::parse("30d").unwrap()),
        ]
    );
    assert!(policy.rules()[0].select().matches("app", Some("v1.2.3"), &[]));
    assert!(!policy.rules()[0].select().matches("app", None, &[]));
    assert!(policy.rules()[2].select().matches("app", Some("feature-x"), &[]));
}

#[test]
fn an_empty_policy_has_no_rules_and_no_schedule() {
    let policy = Policy::parse("").unwrap();
    assert!(policy.rules().is_empty());
    assert!(policy.schedule().is_none());
}

#[test]
fn every_select_key_and_action_is_accepted() {
    let policy = Policy::parse(
        r#"
        [[rule]]
        select = { package = ["web-*", "api"], version_regex = '\d+\.\d+', properties = { channel = "beta" } }
        keep_last = 3
        order = "pushed"
        delete_after = "12h"
        [[rule]]
        select = { untagged = false }
        keep_pulled_within = "2w"
        [[rule]]
        keep = true
        "#,
    )
    .unwrap();
    let select = policy.rules()[0].select();
    let beta = [("channel".to_owned(), "beta".to_owned()), ("os".to_owned(), "linux".to_owned())];
    assert!(select.matches("web-ui", Some("1.2"), &beta));
    assert!(!select.matches("web-ui", Some("1.2.3x"), &beta), "the regex matches whole versions only");
    assert!(!select.matches("web-ui", Some("1.2"), &beta[1..]), "every property must be present");
    assert!(!select.matches("worker", Some("1.2"), &beta));
    assert!(policy.rules()[1].select().matches("x", Some("t"), &[]));
    assert!(!policy.rules()[1].select().matches("x", None, &[]));
    assert_eq!(policy.rules()[2].action(), &RuleAction::Keep);
}

#[test]
fn an_unknown_key_is_named_with_its_rule() {
    let e = error("[[rule]]\nkeep = true\n[[rule]]\nkep_last = 10\n");
    assert!(e.starts_with("rule 2: unknown field `kep_last`, expected one of"), "{e}");
    let e = error("[[rule]]\nselect = { tag = \"v*\" }\nkeep = true\n");
    assert!(e.starts_with("rule 1: in `select`: unknown field `tag`, expected one of `version`"), "{e}");
    let e = error("rules = []\n");
    assert!(e.starts_with("unknown field `rules`, expected `schedule` or `rule`"), "{e}");
}

#[test]
fn a_rule_needs_exactly_one_action() {
    assert_eq!(
        error("[[rule]]\nselect = { version = \"v*\" }\n"),
        "rule 1: no action: give one of `keep_last`, `delete_after`, `keep_pulled_within` or `keep = true`"
    );
    assert_eq!(
        error("[[rule]]\ndelete_after = \"7d\"\nkeep = true\n"),
        "rule 1: more than one action (`delete_after`, `keep`): a rule takes one of `keep_last`, `delete_after`, \
         `keep_pulled_within` or `keep = true` (only `keep_last` may be combined with `delete_after`)"
    );
    assert!(
        error("[[rule]]\nkeep_last = 1\nkeep_pulled_within = \"1d\"\n").contains("(`keep_last`, `keep_pulled_within`)")
    );
    assert_eq!(
        error("[[rule]]\nkeep = false\n"),
        "rule 1: `keep = false` does nothing: remove it, or write `keep = true`"
    );
}

#[test]
fn order_belongs_to_keep_last() {
    assert_eq!(
        error("[[rule]]\ndelete_after = \"7d\"\norder = \"pushed\"\n"),
        "rule 1: `order` applies only to `keep_last`"
    );
    let e = error("[[rule]]\nkeep_last = 1\norder = \"newest\"\n");
    assert!(e.starts_with("rule 1: unknown variant `newest`, expected `version` or `pushed`"), "{e}");
}

#[test]
fn keep_last_is_a_whole_number_zero_included() {
    let policy = Policy::parse("[[rule]]\nkeep_last = 0\n").unwrap();
    assert!(matches!(policy.rules()[0].action(), RuleAction::KeepLast { count: 0, .. }));
    let e = error("[[rule]]\nkeep_last = -1\n");
    assert!(e.starts_with("rule 1: invalid value: integer `-1`"), "{e}");
    let e = error("[[rule]]\nkeep_last = \"10\"\n");
    assert!(e.starts_with("rule 1: invalid type: string \"10\""), "{e}");
}

#[test]
fn a_bad_duration_says_what_is_expected() {
    assert_eq!(
        error("[[rule]]\ndelete_after = \"7 days\"\n"),
        "rule 1: `delete_after`: `7 days` is not a duration: expected a whole number and a unit s, m, h, d or w \
         (\"7d\", \"12h\", \"30m\")"
    );
    assert!(error("[[rule]]\nkeep_pulled_within = \"1y\"\n").starts_with("rule 1: `keep_pulled_within`: `1y` is not"));
    assert!(error("[[rule]]\nkeep_last = 2\ndelete_after = \"-1d\"\n").starts_with("rule 1: `delete_after`: `-1d`"));
}

#[test]
fn untagged_manifests_have_no_version_to_select() {
    let message = "rule 1: in `select`: `untagged = true` cannot be combined with `version` or `version_regex`: \
                   untagged manifests have no version";
    assert_eq!(error("[[rule]]\nselect = { untagged = true, version = \"v*\" }\nkeep = true\n"), message);
    assert_eq!(error("[[rule]]\nselect = { untagged = true, version_regex = \"v.*\" }\nkeep = true\n"), message);
    // `untagged = false` with a version is redundant but fine.
    assert!(Policy::parse("[[rule]]\nselect = { untagged = false, version = \"v*\" }\nkeep = true\n").is_ok());
}

#[test]
fn globs_must_be_strings_and_not_an_empty_list() {
    assert_eq!(
        error("[[rule]]\nselect = { version = [] }\nkeep = true\n"),
        "rule 1: in `select`: `version` needs at least one glob"
    );
    let e = error("[[rule]]\nselect = { package = 5 }\nkeep = true\n");
    assert!(e.contains("expected a glob or a list of globs"), "{e}");
}

#[test]
fn a_bad_regex_is_refused_when_parsed() {
    let e = error("[[rule]]\nselect = { version_regex = \"v(1\" }\nkeep = true\n");
    assert!(e.starts_with("rule 1: in `select`: `version_regex` is not a valid regex:"), "{e}");
    let long = format!("[[rule]]\nselect = {{ version_regex = \"{}\" }}\nkeep = true\n", "a".repeat(1025));
    assert_eq!(error(&long), "rule 1: in `select`: `version_regex` is 1025 bytes; at most 1024 are allowed");
    let verbose = "[[rule]]\nselect = { version_regex = '(?x)v1 # comment' }\nkeep = true\n";
    assert_eq!(error(verbose), "rule 1: in `select`: `version_regex` may not use verbose mode (the `x` flag)");
    // An alternation is anchored as a whole: `a|b` matches `a` or `b`, not `ab`-prefixed text.
    let policy = Policy::parse("[[rule]]\nselect = { version_regex = 'v1|v2' }\nkeep = true\n").unwrap();
    let select = policy.rules()[0].select();
    assert!(select.matches("p", Some("v2"), &[]) && !select.matches("p", Some("v10"), &[]));
}

#[test]
fn a_bad_schedule_is_refused() {
    assert_eq!(error("schedule = \"61 * * * *\"\n"), "schedule: minute field `61`: 61 is out of range 0-59");
    assert!(error("schedule = \"0 0 31 2 *\"\n").starts_with("schedule: `0 0 31 2 *` never matches"));
    assert!(error("schedule = \"daily\"\n").starts_with("schedule: expected 5 fields"));
    assert!(matches!(Policy::parse("schedule = \"0 0 31 2 *\""), Err(PolicyError::Schedule(_))));
}

#[test]
fn toml_errors_give_line_and_column() {
    let e = error("[[rule]]\nkeep = true\nselect = {\n");
    assert!(e.starts_with("the policy is not valid TOML: line 3, column"), "{e}");
    assert_eq!(Policy::parse("[[rule]").unwrap_err().code(), "policy_syntax");
}

#[test]
fn rule_must_be_a_list_of_tables() {
    let message = "`rule` must be a list of tables: write each rule under `[[rule]]`";
    assert_eq!(error("[rule]\nkeep = true\n"), message);
    assert_eq!(error("rule = [1]\n"), message);
}

#[test]
fn size_and_rule_count_are_bounded() {
    let rules = "[[rule]]\nkeep = true\n".repeat(101);
    assert_eq!(error(&rules), "the policy has 101 rules; at most 100 are allowed");
    assert!(Policy::parse(&"[[rule]]\nkeep = true\n".repeat(100)).is_ok());
    let big = format!("# {}\n", "x".repeat(64 * 1024));
    assert_eq!(error(&big), format!("the policy is {} bytes; at most 65536 are allowed", big.len()));
    assert_eq!(Policy::parse(&big).unwrap_err().code(), "policy_too_large");
}
