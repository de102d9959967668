//! Promotion through the API: dev → staging → prod along configured edges, gates explained, pointers
//! (manifest, index children, referrers, blobs) copied in one transaction, idempotent, one winner of
//! a race for a tag, releases all or nothing, rollback, history, deployments and "where", and
//! retention keeping what a rollback needs.

use crate::support::{Client, OCI_MANIFEST, sha256};
use arca_core::clock::ManualClock;
use arca_server::Seams;
use arca_server::testing::TestServer;
use arca_store_fs::FsBlobStore;
use arca_store_testkit::blob::{Faults, FaultyBlobStore};
use serde_json::{Value, json};
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

async fn start(dir: &std::path::Path) -> (TestServer, std::sync::Arc<ManualClock>) {
    let clock = ManualClock::new();
    let seams = Seams { clock: Some(clock.clone()), ..Default::default() };
    let server = TestServer::start_seamed(dir, |s| s.gc_interval_secs = 0, seams).await;
    (server, clock)
}

async fn post(c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.http.post(c.url(path)).json(&body).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get(c: &Client, path: &str) -> (u16, Value) {
    let r = c.get(path).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// dev (stage dev) → staging (approvals=1, soak=1h) → prod (no gates; `current` mutable).
async fn stages(c: &Client) {
    for body in [
        json!({"name": "dev", "stage": "dev"}),
        json!({"name": "staging", "stage": "staging", "promote_from": ["dev"], "gates": ["approvals=1", "soak=1h"]}),
        json!({"name": "prod", "stage": "prod", "promote_from": ["staging"], "mutable_tags": ["current"]}),
    ] {
        let (status, answer) = post(c, "/api/v1/repositories", body).await;
        assert_eq!(status, 201, "{answer}");
    }
}

/// Pushes an image tagged `tag` to `name`, and a signature referring to it; (image, signature).
async fn image_with_signature(c: &Client, name: &str, tag: &str, seed: &str) -> (String, String) {
    let manifest = c.push_image_parts(name, seed.as_bytes()).await;
    let digest = sha256(manifest.as_bytes());
    assert_eq!(c.put_manifest(name, tag, &manifest).await.status(), 201);
    let config = c.push_blob(name, b"{}").await;
    let signature = c.push_blob(name, format!("signature of {seed}").as_bytes()).await;
    let referrer = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","artifactType":"application/spdx+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{config}","size":2}},"layers":[{{"mediaType":"application/spdx+json","digest":"{signature}","size":{}}}],"subject":{{"mediaType":"{OCI_MANIFEST}","digest":"{digest}","size":{}}}}}"#,
        format!("signature of {seed}").len(),
        manifest.len()
    );
    let referrer_digest = sha256(referrer.as_bytes());
    assert_eq!(c.put_manifest(name, &referrer_digest, &referrer).await.status(), 201);
    (digest, referrer_digest)
}

fn verdict<'a>(checklist: &'a Value, gate: &str) -> &'a Value {
    checklist["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["gate"] == gate)
        .unwrap_or_else(|| panic!("{checklist}"))
}

#[tokio::test]
async fn a_version_goes_dev_staging_prod_with_every_gate_explained_and_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let (server, clock) = start(dir.path()).await;
    let c = Client::new(&server);
    stages(&c).await;
    let (v1, sbom) = image_with_signature(&c, "dev/team/app", "1.0", "build 1").await;

    // No edge dev → prod.
    let (status, answer) = post(&c, "/api/v1/promotions", json!({"artifact": "dev/team/app@1.0", "to": "prod"})).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("only from staging"), "{answer}");

    // Gates fail, each with its reason; nothing is promoted.
    let promote = json!({"artifact": "dev/team/app@1.0", "to": "staging"});
    let (status, refused) = post(&c, "/api/v1/promotions", promote.clone()).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "gate_failed");
    assert_eq!(refused["passed"], false);
    assert_eq!(verdict(&refused, "approvals=1")["passed"], false);
    assert!(verdict(&refused, "approvals=1")["reason"].as_str().unwrap().contains("1 required"), "{refused}");
    assert!(verdict(&refused, "soak=1h")["reason"].as_str().unwrap().contains("of the required 1h"), "{refused}");
    assert_eq!(c.get("/v2/staging/team/app/manifests/1.0").await.status(), 404, "refused: nothing copied");

    // Approve, let it soak: the dry run passes and commits nothing; the promotion commits.
    let (status, approved) =
        post(&c, "/api/v1/promotions/approvals", json!({"artifact": "dev/team/app@1.0", "to": "staging"})).await;
    assert_eq!(status, 200, "{approved}");
    clock.advance(HOUR);
    let (status, dry) =
        post(&c, "/api/v1/promotions", json!({"artifact": "dev/team/app@1.0", "to": "staging", "dry_run": true})).await;
    assert_eq!((status, dry["passed"].clone(), dry["committed"].clone()), (200, json!(true), json!(false)), "{dry}");
    assert_eq!(c.get("/v2/staging/team/app/manifests/1.0").await.status(), 404, "a dry run copies nothing");
    let (status, done) = post(&c, "/api/v1/promotions", promote.clone()).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!((done["committed"].clone(), done["digest"].clone()), (json!(true), json!(v1)));
    assert_eq!(done["approvers"], json!(["anonymous"]));

    // The same bytes, their blobs and their referrers are in staging now.
    let pulled = c.get("/v2/staging/team/app/manifests/1.0").await;
    assert_eq!(pulled.headers()["docker-content-digest"], v1.as_str());
    let manifest: Value = pulled.json().await.unwrap();
    for layer in manifest["layers"].as_array().unwrap() {
        let digest = layer["digest"].as_str().unwrap();
        assert_eq!(c.get(&format!("/v2/staging/team/app/blobs/{digest}")).await.status(), 200, "layer linked");
    }
    let referrers: Value = c.get(&format!("/v2/staging/team/app/referrers/{v1}")).await.json().await.unwrap();
    let types: Vec<(&str, &str)> = referrers["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["artifactType"].as_str().unwrap(), m["digest"].as_str().unwrap()))
        .collect();
    assert!(types.contains(&("application/spdx+json", sbom.as_str())), "the SBOM travelled with it: {types:?}");
    assert!(types.iter().any(|(t, _)| *t == "application/vnd.arca.promotion.v1+json"), "and the record: {types:?}");

    // Idempotent: the same digest again changes nothing and records nothing.
    let (status, again) = post(&c, "/api/v1/promotions", promote.clone()).await;
    assert_eq!((status, again["unchanged"].clone(), again["committed"].clone()), (200, json!(true), json!(false)));

    // On to prod, twice (1.0, then 2.0), then roll back.
    let (status, p1) = post(&c, "/api/v1/promotions", json!({"artifact": "staging/team/app@1.0", "to": "prod"})).await;
    assert_eq!(status, 200, "{p1}");
    assert!(p1["verdicts"].as_array().unwrap().is_empty(), "prod has no gates");
    let (v2, _) = image_with_signature(&c, "dev/team/app", "2.0", "build 2").await;
    post(&c, "/api/v1/promotions/approvals", json!({"artifact": "dev/team/app@2.0", "to": "staging"})).await;
    clock.advance(HOUR);
    assert_eq!(post(&c, "/api/v1/promotions", json!({"artifact": "dev/team/app@2.0", "to": "staging"})).await.0, 200);
    assert_eq!(post(&c, "/api/v1/promotions", json!({"artifact": "staging/team/app@2.0", "to": "prod"})).await.0, 200);

    let (status, rolled) =
        post(&c, "/api/v1/promotions/rollback", json!({"repository": "prod", "package": "team/app", "tag": "current"}))
            .await;
    assert_eq!(status, 200, "{rolled}");
    assert_eq!((rolled["digest"].clone(), rolled["previous"].clone()), (json!(v1), json!(v2)));
    let current = c.get("/v2/prod/team/app/manifests/current").await;
    assert_eq!(current.headers()["docker-content-digest"], v1.as_str(), "the mutable tag moved back");
    let (status, refused) =
        post(&c, "/api/v1/promotions/rollback", json!({"repository": "prod", "package": "team/app", "tag": "1.0"}))
            .await;
    assert_eq!(status, 409, "an immutable tag never moves: {refused}");

    // History: newest first, with verdicts.
    let (_, history) = get(&c, "/api/v1/promotions?repository=prod&package=team/app").await;
    let kinds: Vec<&str> = history["history"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["rollback", "promote", "promote"], "{history}");
    let (_, staging_history) = get(&c, "/api/v1/promotions?repository=staging&package=team/app").await;
    assert_eq!(staging_history["history"][1]["verdicts"][0]["gate"], "approvals=1", "{staging_history}");

    // Deployments and where.
    let (status, deployed) =
        post(&c, "/api/v1/deployments", json!({"environment": "prod-eu", "artifact": format!("prod/team/app@{v1}")}))
            .await;
    assert_eq!(status, 201, "{deployed}");
    let (_, place) = get(&c, "/api/v1/promotions/where?package=team/app").await;
    let stages: Vec<(&str, &str)> = place["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["repository"].as_str().unwrap(), s["digest"].as_str().unwrap()))
        .collect();
    assert_eq!(stages, [("staging", v2.as_str()), ("prod", v1.as_str())], "in promotion order: {place}");
    assert_eq!(place["environments"][0]["environment"], "prod-eu");
    assert_eq!(place["environments"][0]["digest"], v1);

    // Metrics: outcomes, the gates that refused, rollbacks, lead times.
    let metrics = c.get("/metrics").await.text().await.unwrap();
    for line in [
        "arca_promotions_total{target=\"staging\",outcome=\"promoted\"} 2",
        "arca_promotions_total{target=\"staging\",outcome=\"refused\"} 1",
        "arca_promotions_total{target=\"staging\",outcome=\"dry_run\"} 1",
        "arca_promotions_total{target=\"staging\",outcome=\"unchanged\"} 1",
        "arca_promotion_refusals_total{target=\"staging\",gate=\"approvals\"} 1",
        "arca_promotion_refusals_total{target=\"staging\",gate=\"soak\"} 1",
        "arca_rollbacks_total{repository=\"prod\"} 1",
        "arca_promotion_lead_time_seconds_count{target=\"prod\"} 2",
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in:\n{metrics}");
    }

    // Every promotion, approval, rollback and deployment is in the audit log.
    let audit: Value = c.get("/api/v1/audit?limit=1000").await.json().await.unwrap();
    let actions: Vec<&str> = audit["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for action in
        ["promotion.promote", "promotion.refused", "promotion.approve", "promotion.rollback", "deployment.record"]
    {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
}

#[tokio::test]
async fn a_taken_tag_is_refused_and_racing_promotions_have_one_winner() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start(dir.path()).await;
    let c = Client::new(&server);
    for body in [
        json!({"name": "dev-a"}),
        json!({"name": "dev-b"}),
        json!({"name": "release", "promote_from": ["dev-a", "dev-b"]}),
    ] {
        assert_eq!(post(&c, "/api/v1/repositories", body).await.0, 201);
    }
    for n in 0..5 {
        image_with_signature(&c, "dev-a/app", &format!("{n}.0"), &format!("a{n}")).await;
        image_with_signature(&c, "dev-b/app", &format!("{n}.0"), &format!("b{n}")).await;
    }
    assert_eq!(post(&c, "/api/v1/promotions", json!({"artifact": "dev-a/app@0.0", "to": "release"})).await.0, 200);
    let (status, taken) = post(&c, "/api/v1/promotions", json!({"artifact": "dev-b/app@0.0", "to": "release"})).await;
    assert_eq!(status, 409, "{taken}");
    assert_eq!(taken["error"]["code"], "tag_immutable", "{taken}");

    for n in 1..5 {
        let a = post(&c, "/api/v1/promotions", json!({"artifact": format!("dev-a/app@{n}.0"), "to": "release"}));
        let b = post(&c, "/api/v1/promotions", json!({"artifact": format!("dev-b/app@{n}.0"), "to": "release"}));
        let ((sa, _), (sb, _)) = tokio::join!(a, b);
        let mut statuses = [sa, sb];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "exactly one winner of {n}.0");
        let (_, history) = get(&c, "/api/v1/promotions?repository=release&package=app&limit=1").await;
        let winner = history["history"][0]["digest"].clone();
        let tagged = c.get(&format!("/v2/release/app/manifests/{n}.0")).await;
        assert_eq!(
            json!(tagged.headers()["docker-content-digest"].to_str().unwrap()),
            winner,
            "the tag is the winner's"
        );
    }
}

#[tokio::test]
async fn a_release_is_promoted_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start(dir.path()).await;
    let c = Client::new(&server);
    assert_eq!(post(&c, "/api/v1/repositories", json!({"name": "dev"})).await.0, 201);
    let prod = json!({"name": "prod", "promote_from": ["dev"], "gates": ["approvals=1"]});
    assert_eq!(post(&c, "/api/v1/repositories", prod).await.0, 201);
    image_with_signature(&c, "dev/api", "1.0", "api").await;
    image_with_signature(&c, "dev/web", "1.0", "web").await;
    post(&c, "/api/v1/promotions/approvals", json!({"artifact": "dev/api@1.0", "to": "prod"})).await;

    let release = json!({"release": "r1", "artifacts": ["dev/api@1.0", "dev/web@1.0"], "to": "prod"});
    let (status, refused) = post(&c, "/api/v1/promotions", release.clone()).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("dev/web@1.0"), "names the artifact: {refused}");
    assert_eq!(refused["promotions"][0]["passed"], true);
    assert_eq!(c.get("/v2/prod/api/manifests/1.0").await.status(), 404, "nothing of the release was promoted");

    post(&c, "/api/v1/promotions/approvals", json!({"artifact": "dev/web@1.0", "to": "prod"})).await;
    let (status, done) = post(&c, "/api/v1/promotions", release).await;
    assert_eq!((status, done["committed"].clone()), (200, json!(true)), "{done}");
    for name in ["api", "web"] {
        assert_eq!(c.get(&format!("/v2/prod/{name}/manifests/1.0")).await.status(), 200, "{name} promoted");
        let (_, history) = get(&c, &format!("/api/v1/promotions?repository=prod&package={name}")).await;
        assert_eq!(history["history"][0]["release"], "r1");
    }
}

#[tokio::test]
async fn gates_that_need_verified_facts_fail_with_the_reason_and_bad_gates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start(dir.path()).await;
    let c = Client::new(&server);
    assert_eq!(post(&c, "/api/v1/repositories", json!({"name": "dev"})).await.0, 201);
    for (gate, code) in
        [("cel=true &&", "invalid_request"), ("approvals=0", "invalid_request"), ("sigend", "invalid_request")]
    {
        let (status, answer) =
            post(&c, "/api/v1/repositories", json!({"name": "bad", "promote_from": ["dev"], "gates": [gate]})).await;
        assert_eq!(answer["error"]["code"], code, "{gate}: {status} {answer}");
    }
    let gates = json!(["signed", "sbom", "provenance", "max-severity=high"]);
    assert_eq!(
        post(&c, "/api/v1/repositories", json!({"name": "prod", "promote_from": ["dev"], "gates": gates})).await.0,
        201
    );
    let (digest, _) = image_with_signature(&c, "dev/app", "1.0", "app").await;
    let (status, answer) =
        post(&c, "/api/v1/promotions", json!({"artifact": format!("dev/app@{digest}"), "to": "prod"})).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(verdict(&answer, "sbom")["passed"], true, "an SPDX referrer is there: {answer}");
    for gate in ["signed", "provenance", "max-severity=high"] {
        assert_eq!(verdict(&answer, gate)["passed"], false, "{gate}: no verified claim of it: {answer}");
    }
    assert!(answer["error"]["message"].as_str().unwrap().contains("signed:"), "names the gate: {answer}");
}

/// dev/app 1.0–5.0 (a second apart); 1.0 then 2.0 promoted to prod; 3.0 deployed to qa; two days
/// later, every repository's policy deletes every version older than a day.
struct RetentionStages {
    _server: TestServer,
    _dir: tempfile::TempDir,
    clock: std::sync::Arc<ManualClock>,
    c: Client,
}

impl RetentionStages {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (server, clock) = start(dir.path()).await;
        let c = Client::new(&server);
        for body in
            [json!({"name": "dev"}), json!({"name": "prod", "promote_from": ["dev"]}), json!({"name": "scratch"})]
        {
            assert_eq!(post(&c, "/api/v1/repositories", body).await.0, 201);
        }
        for n in 1..=5 {
            image_with_signature(&c, "dev/app", &format!("{n}.0"), &format!("build {n}")).await;
            image_with_signature(&c, "scratch/app", &format!("{n}.0"), &format!("scratch {n}")).await;
            clock.advance(Duration::from_secs(1));
        }
        for n in [1, 2] {
            let promote = json!({"artifact": format!("dev/app@{n}.0"), "to": "prod"});
            assert_eq!(post(&c, "/api/v1/promotions", promote).await.0, 200);
        }
        let deployed = json!({"environment": "qa", "artifact": "dev/app@3.0"});
        assert_eq!(post(&c, "/api/v1/deployments", deployed).await.0, 201);
        clock.advance(Duration::from_secs(2 * 24 * 3600));
        let policy = "[[rule]]\nselect = { version = \"*\" }\ndelete_after = \"1d\"\n";
        for repo in ["dev", "prod", "scratch"] {
            let url = c.url(&format!("/api/v1/repositories/{repo}/retention"));
            assert_eq!(c.http.put(url).body(policy).send().await.unwrap().status(), 200);
        }
        Self { _server: server, _dir: dir, clock, c }
    }

    /// "keep protected: …" or "delete …": the plan's decision on `repo/app:version`.
    async fn decision(&self, repo: &str, version: &str) -> String {
        let (_, plan) = get(&self.c, &format!("/api/v1/repositories/{repo}/retention/plan")).await;
        let item = plan["items"].as_array().unwrap().iter().find(|i| i["version"] == version);
        let item = item.unwrap_or_else(|| panic!("{repo}/app:{version} in {plan:#}"));
        format!("{} {}", item["action"].as_str().unwrap(), item["reason"].as_str().unwrap())
    }

    /// Past the rollback window (30 days by default).
    fn past_the_rollback_window(&self) {
        self.clock.advance(Duration::from_secs(31 * 24 * 3600));
    }
}

#[tokio::test]
async fn retention_keeps_what_was_promoted_within_the_rollback_window() {
    let s = RetentionStages::new().await;
    let promoted_out = s.decision("dev", "1.0").await;
    assert!(promoted_out.starts_with("keep protected: promoted to prod within the rollback window"), "{promoted_out}");
    let promoted_in = s.decision("prod", "1.0").await;
    assert!(promoted_in.starts_with("keep protected: promoted into prod within the rollback window"), "{promoted_in}");
    s.past_the_rollback_window();
    assert!(s.decision("dev", "1.0").await.starts_with("delete"), "promoted out long ago");
    assert!(s.decision("prod", "1.0").await.starts_with("delete"), "replaced long ago");
    // 2.0, promoted long ago, is replaced now: it is what a rollback would go back to.
    let promote = json!({"artifact": "dev/app@5.0", "to": "prod"});
    assert_eq!(post(&s.c, "/api/v1/promotions", promote).await.0, 200);
    let replaced = s.decision("prod", "2.0").await;
    assert!(replaced.starts_with("keep protected") && replaced.ends_with("(a rollback target)"), "{replaced}");
}

#[tokio::test]
async fn retention_keeps_the_current_version_of_a_stage() {
    let s = RetentionStages::new().await;
    assert!(s.decision("prod", "2.0").await.starts_with("keep protected"));
    s.past_the_rollback_window();
    let current = s.decision("prod", "2.0").await;
    assert!(current.starts_with("keep protected: current in stage prod"), "{current}");
}

#[tokio::test]
async fn retention_keeps_what_is_recorded_as_deployed() {
    let s = RetentionStages::new().await;
    assert!(s.decision("dev", "3.0").await.starts_with("keep protected: deployed to qa"));
    s.past_the_rollback_window();
    assert!(s.decision("dev", "3.0").await.starts_with("keep protected: deployed to qa"), "as long as it runs");
}

#[tokio::test]
async fn retention_keeps_the_candidate_of_a_stage_that_promotes_onward() {
    let s = RetentionStages::new().await;
    let candidate = s.decision("dev", "5.0").await;
    assert!(
        candidate.starts_with("keep protected: the newest version in dev, which promotes onward to prod"),
        "{candidate}"
    );
    assert!(s.decision("dev", "4.0").await.starts_with("delete"), "neither promoted, deployed nor the newest");
    assert!(s.decision("scratch", "5.0").await.starts_with("delete"), "scratch promotes nowhere: its newest may go");
}

#[tokio::test]
async fn a_cel_gate_is_judged_over_the_facts_and_a_bad_expression_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start(dir.path()).await;
    let c = Client::new(&server);
    let gate = r#"cel=source.stage == "dev" && artifact.version.matches("^[0-9]+\\.[0-9]+$") && approvals.exists(a, a.principal == "anonymous")"#;
    for body in [
        json!({"name": "dev", "stage": "dev"}),
        json!({"name": "prod", "stage": "prod", "promote_from": ["dev"], "gates": [gate]}),
    ] {
        let (status, answer) = post(&c, "/api/v1/repositories", body).await;
        assert_eq!(status, 201, "{answer}");
    }
    let (digest, _) = image_with_signature(&c, "dev/app", "1.0", "app").await;
    let promote = json!({"artifact": "dev/app@1.0", "to": "prod"});

    // Not approved yet: the expression is false.
    let (status, refused) = post(&c, "/api/v1/promotions", promote.clone()).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(verdict(&refused, gate)["passed"], false);
    assert_eq!(verdict(&refused, gate)["reason"], "expression is false", "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("expression is false"), "{refused}");

    // Approved: it holds. By digest the version is null, so `matches` fails, and says so.
    let (status, approved) = post(&c, "/api/v1/promotions/approvals", promote.clone()).await;
    assert_eq!(status, 200, "{approved}");
    let by_digest = json!({"artifact": format!("dev/app@{digest}"), "to": "prod", "dry_run": true});
    let (status, failed) = post(&c, "/api/v1/promotions", by_digest).await;
    assert_eq!(status, 422, "{failed}");
    assert!(verdict(&failed, gate)["reason"].as_str().unwrap().starts_with("expression failed: "), "{failed}");
    let (status, done) = post(&c, "/api/v1/promotions", promote).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!((verdict(&done, gate)["passed"].clone(), done["committed"].clone()), (json!(true), json!(true)));
    assert_eq!(verdict(&done, gate)["reason"], "expression holds");

    // A syntax error is refused when configured, with the parser's message; the gate stays as it was.
    let url = c.url("/api/v1/repositories/prod");
    let r = c.http.patch(url).json(&json!({"gates": ["cel=size(signatures >= 2"]})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let answer: Value = r.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "invalid_request", "{answer}");
    assert_eq!(
        answer["error"]["message"],
        "gate `cel=size(signatures >= 2`: the expression does not parse: missing ')' at '<EOF>' (at 1:21)"
    );
    let (_, prod) = get(&c, "/api/v1/repositories/prod").await;
    assert_eq!(prod["gates"], json!([gate]), "{prod}");
}

/// `promotion.approval_ttl_secs`: an approval older than that no longer counts (the verdict names
/// it as expired); approving again renews it.
#[tokio::test]
async fn approvals_expire_after_their_time_to_live_and_can_be_renewed() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new();
    let seams = Seams { clock: Some(clock.clone()), ..Default::default() };
    let adjust = |s: &mut arca_server::Settings| {
        s.gc_interval_secs = 0;
        s.registry.approval_ttl_ms = 3_600_000;
    };
    let server = TestServer::start_seamed(dir.path(), adjust, seams).await;
    let c = Client::new(&server);
    for body in [json!({"name": "dev"}), json!({"name": "prod", "promote_from": ["dev"], "gates": ["approvals=1"]})] {
        assert_eq!(post(&c, "/api/v1/repositories", body).await.0, 201);
    }
    image_with_signature(&c, "dev/app", "1.0", "ttl").await;
    let promote = json!({"artifact": "dev/app@1.0", "to": "prod", "dry_run": true});
    assert_eq!(post(&c, "/api/v1/promotions/approvals", json!({"artifact": "dev/app@1.0", "to": "prod"})).await.0, 200);
    assert_eq!(post(&c, "/api/v1/promotions", promote.clone()).await.0, 200, "approved within the hour");

    clock.advance(2 * HOUR);
    let (status, refused) = post(&c, "/api/v1/promotions", promote.clone()).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("expired: `anonymous`"), "{refused}");

    assert_eq!(post(&c, "/api/v1/promotions/approvals", json!({"artifact": "dev/app@1.0", "to": "prod"})).await.0, 200);
    assert_eq!(post(&c, "/api/v1/promotions", promote).await.0, 200, "renewed");
}

/// A release's records are stored before its transaction: when their bytes cannot be stored,
/// nothing of the release is promoted and no history is written; once they can, every artifact
/// arrives with its record, whose bytes are there.
#[tokio::test]
async fn a_release_whose_records_cannot_be_stored_is_not_committed() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        std::sync::Arc::new(FaultyBlobStore::new(FsBlobStore::open(dir.path().to_owned()).expect("blob store")));
    let seams = Seams { blobs: Some(store.clone()), ..Default::default() };
    let server = TestServer::start_seamed(dir.path(), |s| s.gc_interval_secs = 0, seams).await;
    let c = Client::new(&server);
    assert_eq!(post(&c, "/api/v1/repositories", json!({"name": "dev"})).await.0, 201);
    assert_eq!(post(&c, "/api/v1/repositories", json!({"name": "prod", "promote_from": ["dev"]})).await.0, 201);
    let mut digests = Vec::new();
    for name in ["api", "web", "worker"] {
        digests.push(image_with_signature(&c, &format!("dev/{name}"), "1.0", name).await.0);
    }
    let release = json!({"release": "r1", "artifacts": ["dev/api@1.0", "dev/web@1.0", "dev/worker@1.0"], "to": "prod"});

    store.set_faults(Faults { fail_put: true, ..Faults::default() });
    let (status, failed) = post(&c, "/api/v1/promotions", release.clone()).await;
    assert_eq!(status, 500, "{failed}");
    for name in ["api", "web", "worker"] {
        assert_eq!(c.get(&format!("/v2/prod/{name}/manifests/1.0")).await.status(), 404, "{name} not promoted");
        let (_, history) = get(&c, &format!("/api/v1/promotions?repository=prod&package={name}")).await;
        assert_eq!(history["history"], json!([]), "{name}: no history");
    }

    store.set_faults(Faults::default());
    let (status, done) = post(&c, "/api/v1/promotions", release).await;
    assert_eq!((status, done["committed"].clone()), (200, json!(true)), "{done}");
    for (name, digest) in ["api", "web", "worker"].into_iter().zip(&digests) {
        let referrers: Value = c.get(&format!("/v2/prod/{name}/referrers/{digest}")).await.json().await.unwrap();
        let record = referrers["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["artifactType"] == "application/vnd.arca.promotion.v1+json")
            .unwrap_or_else(|| panic!("{name} has its record: {referrers}"));
        let manifest = c.get(&format!("/v2/prod/{name}/manifests/{}", record["digest"].as_str().unwrap())).await;
        let manifest: Value = manifest.json().await.unwrap();
        let envelope = manifest["layers"][0]["digest"].as_str().unwrap();
        assert_eq!(c.get(&format!("/v2/prod/{name}/blobs/{envelope}")).await.status(), 200, "{name}: envelope stored");
    }
}
