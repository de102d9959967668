//! The admin commands on a data directory: users, tokens, and the audit log (including tampering with
//! the database directly, which `arca audit verify` must catch).

use crate::harness::arca;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

fn run(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = arca()
        .args(args)
        .env("ARCA_DATA", data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run arca {args:?}: {e}"));
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn ok(data: &Path, args: &[&str], stdin: &str) -> String {
    let out = run(data, args, stdin);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "arca {args:?}: {}\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    stdout
}

#[test]
fn users_tokens_and_a_verified_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(data, &["repo", "create", "dev", "--format", "oci"], "");
    ok(data, &["user", "add", "ci", "--grant", "dev:publisher", "--password-stdin"], "s3cret-password\n");
    assert!(ok(data, &["user", "ls"], "").contains("ci"));

    let created = ok(data, &["token", "create", "--user", "ci", "--scope", "dev:publish", "--expires-in", "1h"], "");
    let token =
        created.split_whitespace().find(|w| w.starts_with("arca_")).unwrap_or_else(|| panic!("no token in {created}"));
    let listed = ok(data, &["token", "ls"], "");
    assert!(!listed.contains(token), "the token secret is listed after creation:\n{listed}");
    let id = token.split('_').nth(1).unwrap();
    ok(data, &["token", "revoke", id], "");

    let log = ok(data, &["audit", "ls"], "");
    for action in ["repository", "user", "token"] {
        assert!(log.contains(action), "no {action} entry in the audit log:\n{log}");
    }
    ok(data, &["audit", "verify"], "");
    let export = ok(data, &["audit", "export"], "");
    assert!(
        export.lines().count() >= 4 && export.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );

    tamper(&data.join("arca.db"), "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2");
    let broken = run(data, &["audit", "verify"], "");
    let said = format!("{}{}", String::from_utf8_lossy(&broken.stdout), String::from_utf8_lossy(&broken.stderr));
    assert!(!broken.status.success(), "verify accepted a modified entry: {said}");
    assert!(said.contains('2'), "verify does not name the first bad entry: {said}");
}

#[test]
fn a_deleted_audit_entry_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    for name in ["a", "b", "c"] {
        ok(data, &["repo", "create", name], "");
    }
    ok(data, &["audit", "verify"], "");
    tamper(&data.join("arca.db"), "DELETE FROM audit_log WHERE seq = 2");
    assert!(!run(data, &["audit", "verify"], "").status.success(), "verify accepted a deleted entry");
}

/// Edits the SQLite database behind arca's back (python3's sqlite3 module: no extra Rust dependency).
fn tamper(db: &Path, sql: &str) {
    let script =
        format!("import sqlite3; c = sqlite3.connect({:?}); c.execute({sql:?}); c.commit()", db.display().to_string());
    let status = std::process::Command::new("python3").args(["-c", &script]).status().expect("python3 runs");
    assert!(status.success(), "tampering failed: {sql}");
}

#[test]
fn a_backup_restores_into_a_new_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (data, backup, restored) = (dir.path().join("data"), dir.path().join("backup"), dir.path().join("restored"));
    ok(&data, &["repo", "create", "dev", "--format", "oci"], "");
    ok(&data, &["user", "add", "ci", "--grant", "dev:publisher", "--password-stdin"], "s3cret-password\n");
    let said = ok(&data, &["backup", backup.to_str().unwrap()], "");
    assert!(said.contains("backed up") && said.contains("audit entries"), "{said}");
    let said = ok(&restored, &["restore", backup.to_str().unwrap()], "");
    assert!(said.contains("restored"), "{said}");
    assert!(ok(&restored, &["user", "ls"], "").contains("ci"), "users come back");
    assert!(ok(&restored, &["repo", "ls"], "").contains("dev"));
    ok(&restored, &["audit", "verify"], "");
    let again = run(&restored, &["restore", backup.to_str().unwrap()], "");
    assert!(!again.status.success(), "a restore never overwrites a registry");
}

#[tokio::test]
async fn fsck_finds_missing_and_damaged_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_owned();
    let server = arca_server::testing::TestServer::start_in(&data, |_| {}).await;
    let http = reqwest::Client::new();
    let mut digests = Vec::new();
    for content in [b"first blob".as_slice(), b"second blob", b"third blob"] {
        let digest = format!("sha256:{}", hex::encode(<sha2::Sha256 as sha2::Digest>::digest(content)));
        let url = format!("{}/v2/dev/app/blobs/uploads/?digest={digest}", server.url());
        assert_eq!(http.post(url).body(content.to_vec()).send().await.unwrap().status(), 201);
        digests.push(digest);
    }
    server.stop().await;
    let fine = ok(&data, &["fsck"], "");
    assert!(fine.contains("checked 3 blobs") && fine.contains("0 problem"), "{fine}");

    let path = |digest: &str| {
        let hex = digest.strip_prefix("sha256:").unwrap();
        data.join("blobs/sha256").join(&hex[..2]).join(hex)
    };
    std::fs::remove_file(path(&digests[0])).unwrap();
    std::fs::write(path(&digests[1]), b"second blod").unwrap();
    let out = run(&data, &["fsck", "--json"], "");
    assert!(!out.status.success(), "problems make fsck fail");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["blobs_checked"], 3);
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2, "{report}");
    assert!(problems.iter().any(|p| p["kind"] == "missing" && p["digest"] == digests[0].as_str()), "{report}");
    assert!(problems.iter().any(|p| p["kind"] == "damaged" && p["digest"] == digests[1].as_str()), "{report}");

    // --repair removes the damaged copy: never served again, and a push of the digest restores it.
    let out = run(&data, &["fsck", "--repair"], "");
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains(&format!("removed   {}", digests[1])), "{said}");
    assert!(!path(&digests[1]).exists(), "the damaged copy is gone");
    let server = arca_server::testing::TestServer::start_in(&data, |_| {}).await;
    let blob = |digest: &str| format!("{}/v2/dev/app/blobs/{digest}", server.url());
    assert_eq!(http.get(blob(&digests[1])).send().await.unwrap().status(), 404, "not served");
    for (digest, content) in [(&digests[0], b"first blob".as_slice()), (&digests[1], b"second blob")] {
        let url = format!("{}/v2/dev/app/blobs/uploads/?digest={digest}", server.url());
        assert_eq!(http.post(url).body(content.to_vec()).send().await.unwrap().status(), 201);
        assert_eq!(http.get(blob(digest)).send().await.unwrap().bytes().await.unwrap().as_ref(), content);
    }
    server.stop().await;
    let fine = ok(&data, &["fsck"], "");
    assert!(fine.contains("0 problem"), "pushing again restored both: {fine}");
}
