//! Promotion through the CLI against `arca serve`: a version pushed to dev goes dev → staging → prod
//! with every gate explained, a failing gate blocks it (exit 6, the gate and why), a release is
//! promoted as one, a rollback restores the previous digest, `arca where` shows what runs where and
//! `arca history` every step.

use crate::harness::{Registry, arca};
use std::process::Output;

fn client(registry: &Registry, args: &[&str]) -> Output {
    arca().arg("--server").arg(registry.url()).args(args).output().expect("run arca")
}

fn ok(registry: &Registry, args: &[&str]) -> String {
    let out = client(registry, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "arca {args:?}: {}\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    stdout
}

/// The digest `arca where` shows for `repository`.
fn digest_in(where_output: &str, repository: &str) -> String {
    let line = where_output
        .lines()
        .find(|l| l.split('\t').nth(1) == Some(repository))
        .unwrap_or_else(|| panic!("{repository} in:\n{where_output}"));
    line.split('\t').nth(3).unwrap().to_owned()
}

#[test]
fn a_version_is_promoted_dev_staging_prod_by_the_cli_and_rolled_back() {
    let registry = Registry::serve(&[]);
    ok(&registry, &["repo", "create", "dev", "--format", "generic", "--stage", "dev"]);
    let staging = ["repo", "create", "staging", "--format", "generic", "--stage", "staging"];
    ok(&registry, &[&staging[..], &["--promote-from", "dev", "--gate", "approvals=1"]].concat());
    ok(&registry, &["repo", "create", "prod", "--format", "generic", "--stage", "prod", "--promote-from", "dev"]);
    ok(&registry, &["repo", "update", "prod", "--promote-from", "staging", "--gate", "sbom"]);
    let repos = ok(&registry, &["repo", "ls", "--output", "json"]);
    assert!(repos.contains("\"sbom\""), "the gate is set: {repos}");
    ok(&registry, &["repo", "update", "prod", "--no-gates"]);

    let dir = tempfile::tempdir().unwrap();
    let mut digests = Vec::new();
    for version in ["1.0", "2.0"] {
        let file = dir.path().join("tool");
        std::fs::write(&file, format!("tool {version}")).unwrap();
        ok(&registry, &["push", &format!("dev/tool@{version}"), file.to_str().unwrap()]);
        let artifact = format!("dev/tool@{version}");

        // The gate fails: exit 6, every gate printed with its reason, nothing promoted.
        let refused = client(&registry, &["promote", &artifact, "--to", "staging"]);
        assert_eq!(refused.status.code(), Some(6), "a failed gate: {refused:?}");
        let said = String::from_utf8_lossy(&refused.stdout);
        assert!(said.contains("FAIL approvals=1: no approvals; 1 required"), "{said}");
        assert!(String::from_utf8_lossy(&refused.stderr).contains("approvals=1"), "names the gate");

        ok(&registry, &["approve", &artifact, "--to", "staging"]);
        let dry = ok(&registry, &["promote", &artifact, "--to", "staging", "--dry-run"]);
        assert!(dry.contains("PASS approvals=1") && dry.contains("dry run"), "{dry}");
        assert!(ok(&registry, &["promote", &artifact, "--to", "staging"]).contains("promoted"));
        let json = ok(&registry, &["promote", &format!("staging/tool@{version}"), "--to", "prod", "--output", "json"]);
        let checklist: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(checklist["committed"], true, "{checklist}");
        digests.push(checklist["digest"].as_str().unwrap().to_owned());
    }
    let pulled = dir.path().join("pulled");
    ok(&registry, &["pull", "prod/tool@1.0", "-o", pulled.to_str().unwrap()]);
    assert_eq!(std::fs::read_to_string(pulled.join("tool")).unwrap(), "tool 1.0", "the same bytes in prod");

    let place = ok(&registry, &["where", "tool"]);
    assert_eq!(digest_in(&place, "prod"), digests[1], "{place}");
    let stages: Vec<&str> = place.lines().skip(1).filter_map(|l| l.split('\t').nth(1)).collect();
    assert_eq!(stages[..2], ["staging", "prod"], "in promotion order: {place}");

    let rolled = ok(&registry, &["rollback", "prod/tool"]);
    assert!(rolled.contains(&digests[0]), "{rolled}");
    let place = ok(&registry, &["where", "tool"]);
    assert_eq!(digest_in(&place, "prod"), digests[0], "rolled back: {place}");
    let history = ok(&registry, &["history", "prod/tool"]);
    let kinds: Vec<&str> = history.lines().filter_map(|l| l.split('\t').nth(1)).collect();
    assert_eq!(kinds, ["rollback", "promote", "promote"], "{history}");

    ok(&registry, &["deployment", "record", &format!("prod/tool@{}", digests[0]), "--env", "prod-eu"]);
    let place = ok(&registry, &["where", "tool"]);
    let env = place.lines().find(|l| l.starts_with("prod-eu\t")).unwrap_or_else(|| panic!("{place}"));
    assert!(env.contains(&digests[0]), "{place}");

    // A release: both versions, all or nothing (one is not approved for prod-next).
    ok(
        &registry,
        &["repo", "create", "archive", "--format", "generic", "--promote-from", "prod", "--gate", "approvals=1"],
    );
    let release = dir.path().join("release.json");
    std::fs::write(&release, r#"{"name": "r1", "artifacts": ["prod/tool@1.0", "prod/tool@2.0"]}"#).unwrap();
    let release = release.to_str().unwrap();
    ok(&registry, &["approve", "prod/tool@1.0", "--to", "archive"]);
    let refused = client(&registry, &["promote", "--release", release, "--to", "archive"]);
    assert_eq!(refused.status.code(), Some(6), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("prod/tool@2.0"), "names the artifact");
    assert!(client(&registry, &["history", "archive/tool"]).stdout.is_empty(), "nothing of it was promoted");
    ok(&registry, &["approve", "prod/tool@2.0", "--to", "archive"]);
    let done = ok(&registry, &["promote", "--release", release, "--to", "archive"]);
    assert!(done.contains("release r1") && done.ends_with("promoted\n"), "{done}");
}
