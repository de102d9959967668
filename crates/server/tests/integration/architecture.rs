//! The dependency rules of ARCHITECTURE.md, checked against `cargo metadata`.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Crates that mean HTTP, SQL, object storage or a web framework.
const INFRASTRUCTURE: [&str; 9] =
    ["axum", "hyper", "http", "sqlx", "sqlx-core", "reqwest", "object_store", "tower", "aws-sdk-s3"];

fn metadata() -> Value {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--filter-platform", &host_triple()])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("cargo metadata JSON")
}

fn host_triple() -> String {
    let out = std::process::Command::new("rustc").arg("-vV").output().expect("rustc -vV runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc reports its host").to_owned()
}

/// Normal (non-dev, non-build) dependencies of every package, by package name.
fn normal_deps(meta: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| {
            let deps = node["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["dep_kinds"].as_array().unwrap().iter().any(|k| k["kind"].is_null()))
                .map(|d| names[d["pkg"].as_str().unwrap()].to_owned())
                .collect();
            (names[node["id"].as_str().unwrap()].to_owned(), deps)
        })
        .collect()
}

/// Everything `root` depends on, transitively, through normal dependencies.
fn closure(deps: &BTreeMap<String, BTreeSet<String>>, root: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![root.to_owned()];
    while let Some(name) = todo.pop() {
        for dep in deps.get(&name).into_iter().flatten() {
            if seen.insert(dep.clone()) {
                todo.push(dep.clone());
            }
        }
    }
    seen
}

#[test]
fn types_and_core_depend_on_no_infrastructure() {
    let deps = normal_deps(&metadata());
    for krate in ["arca-types", "arca-core"] {
        let all = closure(&deps, krate);
        let bad: Vec<_> = INFRASTRUCTURE.iter().filter(|i| all.contains(**i)).collect();
        assert!(bad.is_empty(), "{krate} must not depend on {bad:?} (see ARCHITECTURE.md)");
        let stores: Vec<_> = all.iter().filter(|d| d.starts_with("arca-store")).collect();
        assert!(stores.is_empty(), "{krate} must not depend on storage crates {stores:?}");
    }
}

/// The supply-chain and package-format crates are pure: parsers and verifiers over bytes, with no I/O stack, no async
/// runtime and nothing of arca but its value types and the shared bounded tar reader (so `core` can call them,
/// never the reverse).
#[test]
fn supply_chain_crates_are_pure() {
    let deps = normal_deps(&metadata());
    for krate in [
        "arca-trust",
        "arca-notation",
        "arca-sbom",
        "arca-vuln",
        "arca-pypi",
        "arca-npm",
        "arca-cargo",
        "arca-maven",
        "arca-tar",
    ] {
        let all = closure(&deps, krate);
        let bad: Vec<_> =
            (INFRASTRUCTURE.iter().copied().chain(["tokio", "async-trait"])).filter(|i| all.contains(*i)).collect();
        assert!(bad.is_empty(), "{krate} must not depend on {bad:?} (see ARCHITECTURE.md)");
        let arca: Vec<_> = all
            .iter()
            .filter(|d| d.starts_with("arca-") && !["arca-types", "arca-tar"].contains(&d.as_str()))
            .collect();
        assert!(arca.is_empty(), "{krate} may use arca-types and arca-tar only, not {arca:?}");
    }
}

#[test]
fn protocols_reach_storage_only_through_core() {
    let deps = normal_deps(&metadata());
    let protocols: Vec<_> =
        deps.keys().filter(|k| k.starts_with("arca-proto-") || *k == "arca-api" || *k == "arca-ui").collect();
    assert!(!protocols.is_empty(), "no protocol crates found: did the naming change?");
    for krate in protocols {
        let all = closure(&deps, krate);
        let stores: Vec<_> = all.iter().filter(|d| d.starts_with("arca-store")).collect();
        assert!(stores.is_empty(), "{krate} must call arca-core, not {stores:?}");
        assert!(!all.contains("sqlx"), "{krate} must not write SQL");
    }
}

#[test]
fn only_store_sql_depends_on_sqlx_directly() {
    let deps = normal_deps(&metadata());
    let direct: Vec<_> =
        deps.iter().filter(|(k, v)| k.starts_with("arca-") && v.contains("sqlx")).map(|(k, _)| k).collect();
    assert_eq!(direct, ["arca-store-sql"], "only arca-store-sql may depend on sqlx");
}

#[test]
fn only_store_s3_depends_on_the_object_storage_client() {
    let deps = normal_deps(&metadata());
    let direct: Vec<_> =
        deps.iter().filter(|(k, v)| k.starts_with("arca-") && v.contains("object_store")).map(|(k, _)| k).collect();
    assert_eq!(direct, ["arca-store-s3"], "only arca-store-s3 may depend on object_store");
}

#[test]
fn no_production_crate_depends_on_the_testkit() {
    let deps = normal_deps(&metadata());
    let users: Vec<_> = deps
        .iter()
        .filter(|(k, v)| k.starts_with("arca-") && v.contains("arca-store-testkit"))
        .map(|(k, _)| k)
        .collect();
    assert!(users.is_empty(), "{users:?} depend on arca-store-testkit outside dev-dependencies");
}

/// The sources of a crate, recursively.
fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// "Now" is a port (`arca_core::clock`): outside it, `core`, `api` and `server` never read the wall
/// clock themselves, so tests can move time. (A monotonic `Instant` for measuring how long something
/// took is not "now" and stays allowed.)
#[test]
fn core_api_and_server_read_the_wall_clock_only_through_the_clock_port() {
    let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut offenders = Vec::new();
    for krate in ["core", "api", "server"] {
        let mut files = Vec::new();
        sources(&crates.join(krate).join("src"), &mut files);
        for file in files {
            if file.ends_with("core/src/clock.rs") || file.ends_with("core/src/lib.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for needle in ["SystemTime::now", "now_millis("] {
                if text.contains(needle) {
                    offenders.push(format!("{} uses {needle}", file.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "read the time from the use case's Clock instead:\n{}", offenders.join("\n"));
}

/// The registry's use cases depend on the metadata port of the aggregate they touch
/// (`self.ports.manifests`, `self.ports.transactions`, …), never on the whole `MetaStore`: only the
/// constructor in `registry/mod.rs`, which splits a store into its ports, names it.
#[test]
fn registry_use_cases_reach_metadata_through_narrow_ports() {
    let registry = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src/registry");
    let mut files = Vec::new();
    sources(&registry, &mut files);
    assert!(files.len() > 5, "found the registry's sources");
    let mut offenders = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let allowed = usize::from(file.ends_with("registry/mod.rs")) * 3;
        if text.matches("MetaStore").count() > allowed || text.contains("self.meta") {
            offenders.push(file.display().to_string());
        }
    }
    assert!(offenders.is_empty(), "use `self.ports.<aggregate>` instead of the whole MetaStore in {offenders:?}");
}
