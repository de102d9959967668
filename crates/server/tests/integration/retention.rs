//! Retention policies through the API (`arca retention set|show|plan|apply`): the seeds' example
//! policy (keep the last 10 `v*`, untagged after 7 days, `dev-`/`feature-` after 30 days) explains
//! every decision in its dry run, and applying it deletes exactly that and frees the bytes in the same
//! run — never what must stay (referrers and index children of kept versions).

use crate::support::{Client, OCI_MANIFEST, sha256};
use arca_core::clock::ManualClock;
use arca_server::testing::TestServer;
use arca_server::{Seams, Settings};
use serde_json::Value;
use std::time::Duration;

const SEED_POLICY: &str = r#"
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

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Pushes an image with its own layer to `prod/app` (by `reference`: a tag or its digest).
async fn image(c: &Client, reference: Option<&str>, layer: &str) -> String {
    let manifest = c.push_image_parts("prod/app", layer.as_bytes()).await;
    let digest = sha256(manifest.as_bytes());
    let r = c.put_manifest("prod/app", reference.unwrap_or(&digest), &manifest).await;
    assert_eq!(r.status(), 201, "{reference:?}");
    digest
}

/// Pushes an artifact whose subject is `subject` (a signature), untagged.
async fn referrer(c: &Client, subject: &str, seed: &str) -> String {
    let config = c.push_blob("prod/app", b"{}").await;
    let layer = c.push_blob("prod/app", seed.as_bytes()).await;
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","artifactType":"application/vnd.dev.cosign.simplesigning.v1+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{config}","size":2}},"layers":[{{"mediaType":"application/octet-stream","digest":"{layer}","size":{}}}],"subject":{{"mediaType":"{OCI_MANIFEST}","digest":"{subject}","size":1}}}}"#,
        seed.len()
    );
    let digest = sha256(manifest.as_bytes());
    assert_eq!(c.put_manifest("prod/app", &digest, &manifest).await.status(), 201);
    digest
}

/// Pushes an index of two untagged child images, tagged `tag`.
async fn index(c: &Client, tag: &str) -> (String, Vec<String>) {
    let children = vec![image(c, None, "amd64 layer").await, image(c, None, "arm64 layer").await];
    let entries: Vec<String> =
        children.iter().map(|d| format!(r#"{{"mediaType":"{OCI_MANIFEST}","digest":"{d}","size":1}}"#)).collect();
    let body = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
        entries.join(",")
    );
    let r = c
        .http
        .put(c.url(&format!("/v2/prod/app/manifests/{tag}")))
        .header("content-type", "application/vnd.oci.image.index.v1+json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    (sha256(body.as_bytes()), children)
}

fn decision<'a>(plan: &'a Value, version: Option<&str>, digest: &str) -> &'a Value {
    plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["version"].as_str() == version && (version.is_some() || i["digest"] == digest))
        .unwrap_or_else(|| panic!("no plan item for {version:?} {digest}: {plan:#}"))
}

fn expect(plan: &Value, version: Option<&str>, digest: &str, action: &str, reason_has: &str) {
    let item = decision(plan, version, digest);
    assert_eq!(item["action"], action, "{version:?} {digest}: {item}");
    let reason = item["reason"].as_str().unwrap();
    assert!(reason.contains(reason_has), "{version:?}: the reason {reason:?} should mention {reason_has:?}");
}

#[tokio::test]
async fn the_seed_policy_explains_every_decision_and_applying_it_frees_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let seams = Seams { clock: Some(clock.clone()), ..Default::default() };
    let server = TestServer::start_seamed(dir.path(), |_| {}, seams).await;
    let c = Client::new(&server);
    c.http.post(c.url("/api/v1/repositories")).json(&serde_json::json!({"name": "prod"})).send().await.unwrap();

    let dev = image(&c, Some("dev-1"), "dev build").await;
    let old_untagged = image(&c, None, "an old untagged build").await;
    clock.advance(DAY);
    let mut releases = Vec::new();
    for n in 1..=12 {
        releases.push(image(&c, Some(&format!("v{n}")), &format!("release {n}")).await);
        clock.advance(DAY);
    }
    let signature_of_kept = referrer(&c, &releases[11], "signature of v12").await;
    let signature_of_deleted = referrer(&c, &releases[0], "signature of v1").await;
    let (multi, children) = index(&c, "v13").await;
    clock.advance(25 * DAY);
    let feature = image(&c, Some("feature-x"), "feature build").await;
    let new_untagged = image(&c, None, "a new untagged build").await;
    clock.advance(DAY);

    let put = c.http.put(c.url("/api/v1/repositories/prod/retention")).body(SEED_POLICY).send().await.unwrap();
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());
    let shown: Value = c.get("/api/v1/repositories/prod/retention").await.json().await.unwrap();
    assert_eq!(shown["policy"], SEED_POLICY, "the text is kept verbatim");

    let plan: Value = c.get("/api/v1/repositories/prod/retention/plan").await.json().await.unwrap();
    expect(&plan, Some("v13"), &multi, "keep", "last 10");
    for n in 4..=12 {
        expect(&plan, Some(&format!("v{n}")), &releases[n - 1], "keep", "last 10");
    }
    for n in 1..=3 {
        expect(&plan, Some(&format!("v{n}")), &releases[n - 1], "delete", "10");
    }
    expect(&plan, Some("dev-1"), &dev, "delete", "30d");
    expect(&plan, Some("feature-x"), &feature, "keep", "30d");
    expect(&plan, None, &old_untagged, "delete", "7d");
    expect(&plan, None, &new_untagged, "keep", "7d");
    expect(&plan, None, &signature_of_kept, "keep", &releases[11]);
    expect(&plan, None, &signature_of_deleted, "delete", &releases[0]);
    for child in &children {
        expect(&plan, None, child, "keep", &multi);
    }
    let deleted: Vec<&Value> = plan["items"].as_array().unwrap().iter().filter(|i| i["action"] == "delete").collect();
    assert_eq!(deleted.len(), 6, "v1-v3, dev-1, the old untagged build and v1's signature: {plan:#}");
    // Each deleted image frees its manifest and its own layer; the shared `{}` config stays.
    let bytes_freed = plan["bytes_freed"].as_u64().unwrap();
    let sum: u64 = deleted.iter().map(|i| i["bytes"].as_u64().unwrap()).sum();
    assert_eq!(bytes_freed, sum, "the total is the sum of the items");
    assert!(bytes_freed > 0);

    // The storage report (API and /metrics) says the same before anything is deleted.
    let report: Value = c.get("/api/v1/storage").await.json().await.unwrap();
    let prod = &report["repositories"][0];
    assert_eq!((prod["repository"].as_str(), prod["retention_would_free"].as_u64()), (Some("prod"), Some(bytes_freed)));
    let by_age: u64 = prod["bytes_by_age"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(by_age, prod["bytes"].as_u64().unwrap(), "the age buckets add up: {report:#}");
    assert!(prod["bytes_by_age"]["7d_30d"].as_u64().unwrap() > 0, "the releases are 2-3 weeks old: {report:#}");
    let metrics = c.get("/metrics").await.text().await.unwrap();
    let line = format!("arca_storage_retention_reclaimable_bytes{{repository=\"prod\"}} {bytes_freed}");
    assert!(metrics.contains(&line), "{metrics}");

    let r = c.http.post(c.url("/api/v1/repositories/prod/retention/apply")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let applied: Value = r.json().await.unwrap();
    assert_eq!(applied["manifests_deleted"], 6, "{applied:#}");
    assert_eq!(applied["gc"]["bytes"], bytes_freed, "the bytes are freed in the same run: {applied:#}");
    for gone in [&releases[0], &releases[2], &dev, &old_untagged, &signature_of_deleted] {
        assert_eq!(c.get(&format!("/v2/prod/app/manifests/{gone}")).await.status(), 404, "{gone}");
    }
    for kept in [&releases[3], &releases[11], &multi, &children[0], &signature_of_kept, &feature, &new_untagged] {
        assert_eq!(c.get(&format!("/v2/prod/app/manifests/{kept}")).await.status(), 200, "{kept}");
    }
    let tags: Value = c.get("/v2/prod/app/tags/list").await.json().await.unwrap();
    assert!(!tags["tags"].as_array().unwrap().iter().any(|t| t == "v1" || t == "dev-1"), "{tags}");
    let audit: Value = c.get("/api/v1/audit?action=retention.delete").await.json().await.unwrap();
    assert!(audit["entries"].as_array().unwrap().len() >= 6, "every deletion is audited");
    let again: Value = c.get("/api/v1/repositories/prod/retention/plan").await.json().await.unwrap();
    assert!(again["items"].as_array().unwrap().iter().all(|i| i["action"] == "keep"), "nothing left to delete");
    server.stop().await;

    let report = arca_server::fsck::check(&Settings::for_tests(dir.path()), false).await.unwrap();
    assert!(report.problems.is_empty(), "fsck is clean: {:?}", report.problems);
}

#[tokio::test]
async fn a_policy_with_an_error_is_refused_with_the_rule_and_what_is_wrong() {
    let server = TestServer::start().await;
    let c = Client::new(&server);
    c.http.post(c.url("/api/v1/repositories")).json(&serde_json::json!({"name": "prod"})).send().await.unwrap();
    let bad = "[[rule]]\nselect = { version = \"v*\" }\nkep_last = 10\n";
    let r = c.http.put(c.url("/api/v1/repositories/prod/retention")).body(bad).send().await.unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("kep_last"), "{message}");
    let shown: Value = c.get("/api/v1/repositories/prod/retention").await.json().await.unwrap();
    assert_eq!(shown["policy"], Value::Null, "nothing stored");
    let r = c.http.put(c.url("/api/v1/repositories/nope/retention")).body(SEED_POLICY).send().await.unwrap();
    assert_eq!(r.status(), 404, "an unknown repository");
    let plan: Value = c.get("/api/v1/repositories/prod/retention/plan").await.json().await.unwrap();
    assert_eq!(plan, serde_json::json!({ "items": [], "bytes_freed": 0 }), "no policy: nothing to do");
    assert_eq!(c.get("/api/v1/repositories/nope/retention/plan").await.status(), 404, "an unknown repository");
    let empty = c.http.put(c.url("/api/v1/repositories/prod/retention")).send().await.unwrap();
    assert_eq!(empty.status(), 400, "no body");
    server.stop().await;
}

#[tokio::test]
async fn keep_pulled_within_keeps_what_was_pulled_recently() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let seams = Seams { clock: Some(clock.clone()), ..Default::default() };
    let server = TestServer::start_seamed(dir.path(), |_| {}, seams).await;
    let c = Client::new(&server);
    let pulled = image(&c, Some("pulled"), "a build someone runs").await;
    let idle = image(&c, Some("idle"), "a build nobody runs").await;
    clock.advance(30 * DAY);
    assert_eq!(c.get("/v2/prod/app/manifests/pulled").await.status(), 200, "a pull");
    clock.advance(DAY);
    let policy = "[[rule]]\nkeep_pulled_within = \"7d\"\n[[rule]]\ndelete_after = \"14d\"\n";
    let put = c.http.put(c.url("/api/v1/repositories/prod/retention")).body(policy).send().await.unwrap();
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());
    let plan: Value = c.get("/api/v1/repositories/prod/retention/plan").await.json().await.unwrap();
    expect(&plan, Some("pulled"), &pulled, "keep", "pulled");
    expect(&plan, Some("idle"), &idle, "delete", "14d");
    server.stop().await;
}

/// Polls `check` every 200 ms for up to 30 s.
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..150 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("{what}: not within 30 s");
}

#[tokio::test]
async fn a_scheduled_policy_applies_itself_at_its_time_and_not_before() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let seams = Seams { clock: Some(clock.clone()), ..Default::default() };
    let server = TestServer::start_seamed(dir.path(), |_| {}, seams).await;
    let c = Client::new(&server);
    let dev = image(&c, Some("dev-1"), "a dev build").await;
    clock.advance(3 * DAY);
    let policy = "schedule = \"0 3 * * *\"\n[[rule]]\nselect = { version = \"dev-*\" }\ndelete_after = \"1d\"\n";
    let put = c.http.put(c.url("/api/v1/repositories/prod/retention")).body(policy).send().await.unwrap();
    assert_eq!(put.status(), 200);
    let manifest = format!("/v2/prod/app/manifests/{dev}");

    // The scheduler looks (one node at a time, every minute of the clock) but 03:00 has not come yet.
    let runs = "arca_job_runs_total{job=\"retention\",outcome=\"ok\"}";
    eventually("the scheduler runs", async || {
        let metrics = c.get("/metrics").await.text().await.unwrap();
        metrics.lines().any(|l| l.starts_with(runs) && !l.ends_with(" 0"))
    })
    .await;
    assert_eq!(c.get(&manifest).await.status(), 200, "not before its time");

    clock.advance(DAY);
    eventually("the policy applies itself", async || c.get(&manifest).await.status() == 404).await;
    let shown: Value = c.get("/api/v1/repositories/prod/retention").await.json().await.unwrap();
    assert!(shown["last_run_at"].is_i64(), "{shown}");
    let audit: Value = c.get("/api/v1/audit?action=retention.delete").await.json().await.unwrap();
    assert_eq!(audit["entries"][0]["actor"], "system", "{audit}");
    server.stop().await;
}
