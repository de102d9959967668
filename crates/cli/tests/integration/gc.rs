//! `arca gc run` and `arca retention …` against `arca serve`, and a sweep killed with SIGKILL halfway:
//! after the restart `arca fsck` is clean (no recorded blob without its file) and the next sweep
//! finishes what the killed one took.

use crate::harness::{Registry, arca, http};
use std::process::Output;
use std::time::{Duration, Instant};

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes)))
}

/// `arca --server URL <args>`.
fn client(registry: &Registry, args: &[&str]) -> Output {
    arca().arg("--server").arg(registry.url()).args(args).output().expect("run arca")
}

fn client_ok(registry: &Registry, args: &[&str]) -> String {
    let out = client(registry, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "arca {args:?}: {}\n{stdout}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr),
        registry.log_tail()
    );
    stdout
}

/// `arca fsck --json` on the registry's data (read-only, beside the running server).
fn fsck(registry: &Registry) -> serde_json::Value {
    let data = registry.data_dir().expect("data dir");
    let out = arca().args(["fsck", "--json"]).env("ARCA_DATA", &data).output().expect("run arca fsck");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("fsck --json");
    assert!(out.status.success(), "fsck found problems: {report:#}");
    report
}

/// Pushes `n` small distinct blobs (no manifest uses them) from 8 threads.
fn push_unused_blobs(host: &str, n: usize) {
    std::thread::scope(|scope| {
        for t in 0..8 {
            scope.spawn(move || {
                for i in (t..n).step_by(8) {
                    let body = format!("unused blob {i}").into_bytes();
                    let path = format!("/v2/dev/app/blobs/uploads/?digest={}", sha256(&body));
                    let (status, head, _) = http(host, "POST", &path, &[], &body);
                    assert_eq!(status, 201, "{head}");
                }
            });
        }
    });
}

fn gc_progress(host: &str) -> u64 {
    let (_, _, body) = http(host, "GET", "/metrics", &[], b"");
    let text = String::from_utf8_lossy(&body).into_owned();
    let line = text.lines().find(|l| l.starts_with("arca_job_progress_items{job=\"gc\"}"));
    line.and_then(|l| l.split_whitespace().last()).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) as u64
}

#[test]
fn a_sweep_killed_halfway_leaves_fsck_clean_and_the_next_sweep_finishes_it() {
    const BLOBS: usize = 3000;
    let registry = Registry::serve(&[]);
    push_unused_blobs(registry.host(), BLOBS);
    assert_eq!(fsck(&registry)["blobs_checked"], BLOBS as u64);

    let sweep = client_command(&registry, &["gc", "run", "--grace", "0s", "--output", "json"]);
    let started = Instant::now();
    while gc_progress(registry.host()) == 0 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let registry = registry.kill_and_restart(&[]);
    drop(sweep);
    let after_kill = fsck(&registry);
    let left = after_kill["blobs_checked"].as_u64().unwrap();
    assert!(left < BLOBS as u64, "the killed sweep had deleted some: {after_kill}");

    // The killed node's claim on the job lapses within its lease (a minute); until then a sweep is
    // refused as running already.
    let args = ["gc", "run", "--grace", "0s", "--output", "json"];
    let started = Instant::now();
    let mut out = client(&registry, &args);
    while !out.status.success() && started.elapsed() < Duration::from_secs(90) {
        assert!(String::from_utf8_lossy(&out.stderr).contains("409"), "{}", String::from_utf8_lossy(&out.stderr));
        std::thread::sleep(Duration::from_secs(1));
        out = client(&registry, &args);
    }
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["blobs"], left + report["resumed"].as_u64().unwrap(), "the rest, and what was taken: {report}");
    assert_eq!(fsck(&registry)["blobs_checked"], 0, "every unused blob is gone");
    let data = registry.data_dir().unwrap();
    let files = walk(&data.join("blobs"));
    assert_eq!(files, 0, "and every file");
}

/// A running `arca` client command, killed when dropped.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn client_command(registry: &Registry, args: &[&str]) -> Running {
    let child = arca()
        .arg("--server")
        .arg(registry.url())
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn arca");
    Running(child)
}

/// Files under `dir`, recursively.
fn walk(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries.map(|e| e.unwrap().path()).map(|p| if p.is_dir() { walk(&p) } else { 1 }).sum()
}

#[test]
fn retention_through_the_cli_plans_applies_and_explains() {
    let registry = Registry::serve(&[]);
    let host = registry.host().to_owned();
    let config = b"{}";
    let config_digest = sha256(config);
    for tag in ["v1", "v2", "v3", "dev-1"] {
        let layer = format!("layer of {tag}").into_bytes();
        for body in [config.as_slice(), layer.as_slice()] {
            let path = format!("/v2/rel/app/blobs/uploads/?digest={}", sha256(body));
            assert_eq!(http(&host, "POST", &path, &[], body).0, 201);
        }
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{}","size":{}}}]}}"#,
            sha256(&layer),
            layer.len()
        );
        let headers = [("content-type", "application/vnd.oci.image.manifest.v1+json")];
        assert_eq!(http(&host, "PUT", &format!("/v2/rel/app/manifests/{tag}"), &headers, manifest.as_bytes()).0, 201);
    }
    let policy = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(policy.path(), "[[rule]]\nselect = { version = \"v*\" }\nkeep_last = 2\n").unwrap();
    client_ok(&registry, &["retention", "set", "rel", policy.path().to_str().unwrap()]);
    assert!(client_ok(&registry, &["retention", "show", "rel"]).contains("keep_last = 2"));
    let plan = client_ok(&registry, &["retention", "plan", "rel"]);
    assert!(plan.lines().any(|l| l.starts_with("delete") && l.contains("app:v1")), "{plan}");
    assert!(plan.lines().any(|l| l.starts_with("keep") && l.contains("app:dev-1") && l.contains("no rule")), "{plan}");
    let json: serde_json::Value =
        serde_json::from_str(&client_ok(&registry, &["retention", "plan", "rel", "--output", "json"])).unwrap();
    let freed = json["bytes_freed"].as_u64().unwrap();
    assert!(freed > 0, "{json}");
    let report = client_ok(&registry, &["storage", "report"]);
    let rel = report.lines().find(|l| l.starts_with("rel ")).unwrap_or_else(|| panic!("{report}"));
    assert!(rel.trim_end().ends_with(&freed.to_string()), "retention would free {freed}: {report}");
    let applied = client_ok(&registry, &["retention", "apply", "rel"]);
    assert!(applied.contains("deleted 1 tags and 1 manifests"), "{applied}");
    assert_eq!(http(&host, "GET", "/v2/rel/app/manifests/v1", &[], b"").0, 404);
    assert_eq!(http(&host, "GET", "/v2/rel/app/manifests/v2", &[], b"").0, 200);
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bad.path(), "[[rule]]\nkeep_last = \"ten\"\n").unwrap();
    let out = client(&registry, &["retention", "set", "rel", bad.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("rule 1"), "the error names the rule: {said}");
}

/// Pushes an image (its own layer, the shared `{}` config) tagged `tag` into `rel/app`.
fn push_image(host: &str, tag: &str) {
    let config = b"{}";
    let layer = format!("layer of {tag}").into_bytes();
    for body in [config.as_slice(), layer.as_slice()] {
        let path = format!("/v2/rel/app/blobs/uploads/?digest={}", sha256(body));
        assert_eq!(http(host, "POST", &path, &[], body).0, 201);
    }
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{}","size":{}}}]}}"#,
        sha256(config),
        sha256(&layer),
        layer.len()
    );
    let headers = [("content-type", "application/vnd.oci.image.manifest.v1+json")];
    assert_eq!(http(host, "PUT", &format!("/v2/rel/app/manifests/{tag}"), &headers, manifest.as_bytes()).0, 201);
}

#[test]
fn a_retention_run_killed_halfway_leaves_fsck_clean_and_a_rerun_finishes_it() {
    let registry = Registry::serve(&["--config", "/dev/null"]);
    let host = registry.host().to_owned();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let host = host.clone();
            scope.spawn(move || (t..300).step_by(4).for_each(|i| push_image(&host, &format!("dev-{i}"))));
        }
    });
    push_image(&host, "v1");
    std::thread::sleep(Duration::from_millis(1100));
    let policy = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(policy.path(), "[[rule]]\nselect = { version = \"dev-*\" }\ndelete_after = \"1s\"\n").unwrap();
    client_ok(&registry, &["retention", "set", "rel", policy.path().to_str().unwrap()]);

    let apply = client_command(&registry, &["retention", "apply", "rel"]);
    let started = Instant::now();
    let audited = || {
        let (_, _, body) = http(&host, "GET", "/api/v1/audit?action=retention.delete&limit=1", &[], b"");
        String::from_utf8_lossy(&body).contains("retention.delete")
    };
    while !audited() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(2));
    }
    let registry = registry.kill_and_restart(&["--config", "/dev/null"]);
    drop(apply);
    fsck(&registry);

    let applied = client_ok(&registry, &["retention", "apply", "rel", "--output", "json"]);
    let applied: serde_json::Value = serde_json::from_str(&applied).unwrap();
    let plan = client_ok(&registry, &["retention", "plan", "rel", "--output", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
    assert!(plan["items"].as_array().unwrap().iter().all(|i| i["action"] == "keep"), "{plan:#}\n{applied:#}");
    let host = registry.host().to_owned();
    assert_eq!(http(&host, "GET", "/v2/rel/app/manifests/v1", &[], b"").0, 200, "what the policy keeps stays");
    assert_eq!(http(&host, "GET", "/v2/rel/app/manifests/dev-7", &[], b"").0, 404);
    // The killed run's unfinished sweep and the blobs it freed go with the next GC.
    let args = ["gc", "run", "--grace", "0s", "--output", "json"];
    let started = Instant::now();
    let mut out = client(&registry, &args);
    while !out.status.success() && started.elapsed() < Duration::from_secs(90) {
        std::thread::sleep(Duration::from_secs(1));
        out = client(&registry, &args);
    }
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = fsck(&registry);
    assert_eq!(report["blobs_checked"], 3, "v1's manifest, layer and config remain: {report}");
}
