//! Search at scale: fills a SQLite metadata store with 100 000 versions (10 repositories × 100
//! packages × 100 versions, each with 3 properties and 2 files) and times typical searches.
//!
//! `bash bench/search.sh` runs it (dev profile: dependencies, SQLite included, are built with
//! opt-level 2); `ARCA_BENCH_VERSIONS` changes the size, `ARCA_BENCH_DB` keeps
//! the database (it is reused when it already holds the versions). Results go to `bench/SEARCH.md`.

use arca_core::audit::NewAuditEntry;
use arca_core::meta::{Format, RepoKind, Repository, RepositoryStore, SearchQuery, SearchStore};
use arca_store_sql::SqlMetaStore;
use arca_store_testkit::meta::{T0, audit, digest};
use sqlx::Connection;
use std::time::{Duration, Instant};

const REPOS: usize = 10;
const PACKAGES: usize = 100;
/// One minute apart: 100 000 versions span about ten weeks.
const STEP: i64 = 60_000;

fn entry() -> NewAuditEntry {
    audit("bench")
}

/// Version `i` (0-based) of the whole set: its repository, package, version and creation time.
fn coordinates(i: usize) -> (String, String, String, i64) {
    let repo = i % REPOS;
    let package = (i / REPOS) % PACKAGES;
    let n = i / (REPOS * PACKAGES);
    let version = format!("{}.{}.{}", n / 100, n / 10 % 10, n % 10);
    (format!("repo-{repo}"), format!("team-{}/pkg-{package:03}", package % 10), version, T0 + i as i64 * STEP)
}

/// Creates the repositories through the store, then writes the versions' rows in one transaction
/// (the rows `put_manifest` and `set_properties` would write, without one fsync'd transaction and one
/// audit entry each, which would make filling take minutes).
async fn fill(store: &SqlMetaStore, path: &str, versions: usize) {
    for r in 0..REPOS {
        let repo = Repository {
            name: arca_types::RepoName::parse(&format!("repo-{r}")).expect("name"),
            format: if r % 2 == 0 { Format::Generic } else { Format::Oci },
            kind: RepoKind::Hosted,
            stage: None,
            mutable_tags: Vec::new(),
            created_at: T0,
            quota_bytes: None,
            promote_from: Vec::new(),
            gates: Vec::new(),
            pull_gates: Vec::new(),
            allow_unpublish: false,
        };
        store.create_repository(&repo, &entry()).await.expect("create repository");
    }
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{path}")).await.expect("connect");
    let mut tx = conn.begin().await.expect("begin");
    let run = |sql: &'static str| sqlx::query(sql);
    let config = digest("empty");
    run("INSERT INTO blobs (digest, size, created_at) VALUES ($1, 2, $2)")
        .bind(config.as_str())
        .bind(T0)
        .execute(&mut *tx)
        .await
        .expect("config blob");
    for i in 0..versions {
        let (repo, package, version, at) = coordinates(i);
        let seed = format!("{repo}/{package}:{version}");
        let manifest = digest(&seed);
        let files = [digest(&format!("{seed}/a")), digest(&format!("{seed}/b"))];
        for d in [&manifest, &files[0], &files[1]] {
            run("INSERT INTO blobs (digest, size, created_at) VALUES ($1, 1000, $2)")
                .bind(d.as_str())
                .bind(at)
                .execute(&mut *tx)
                .await
                .expect("blob");
        }
        run("INSERT INTO packages (repository, name, full_name, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING")
        .bind(&repo)
        .bind(&package)
        .bind(format!("{repo}/{package}"))
        .bind(at)
        .execute(&mut *tx)
        .await
        .expect("package");
        run("INSERT INTO manifests (repository, package, digest, media_type, size, artifact_type, subject, \
             annotations, created_at) VALUES ($1, $2, $3, 'application/vnd.oci.image.manifest.v1+json', 500, \
             'application/vnd.arca.generic.v1', NULL, NULL, $4)")
        .bind(&repo)
        .bind(&package)
        .bind(manifest.as_str())
        .bind(at)
        .execute(&mut *tx)
        .await
        .expect("manifest");
        for (child, kind) in [(&config, "config"), (&files[0], "layer"), (&files[1], "layer")] {
            run("INSERT INTO manifest_refs (repository, package, manifest_digest, child_digest, kind) \
                 VALUES ($1, $2, $3, $4, $5)")
            .bind(&repo)
            .bind(&package)
            .bind(manifest.as_str())
            .bind(child.as_str())
            .bind(kind)
            .execute(&mut *tx)
            .await
            .expect("reference");
        }
        run("INSERT INTO tags (repository, package, name, digest, updated_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&repo)
            .bind(&package)
            .bind(&version)
            .bind(manifest.as_str())
            .bind(at)
            .execute(&mut *tx)
            .await
            .expect("tag");
        let env = ["dev", "staging", "prod"][i % 3];
        for (key, value) in [("build.id", i.to_string()), ("env", env.to_owned()), ("vcs.revision", seed)] {
            run("INSERT INTO properties (manifest_digest, key, value) VALUES ($1, $2, $3)")
                .bind(manifest.as_str())
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await
                .expect("property");
        }
    }
    tx.commit().await.expect("commit");
    let _ = conn.close().await;
}

fn q() -> SearchQuery {
    SearchQuery { limit: 101, ..SearchQuery::default() }
}

async fn time(store: &SqlMetaStore, name: &str, query: &SearchQuery, runs: usize) -> (Duration, Duration, usize) {
    let mut samples = Vec::with_capacity(runs);
    let mut hits = 0;
    for _ in 0..runs {
        let started = Instant::now();
        hits = store.search(query).await.expect(name).len();
        samples.push(started.elapsed());
    }
    samples.sort();
    (samples[runs / 2], samples[runs * 95 / 100], hits)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let versions: usize = std::env::var("ARCA_BENCH_VERSIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir_in(if std::path::Path::new("/dev/shm").is_dir() { "/dev/shm" } else { "." })
        .expect("temp dir");
    let path = std::env::var("ARCA_BENCH_DB").unwrap_or_else(|_| dir.path().join("search.db").display().to_string());
    let store = SqlMetaStore::connect(&format!("sqlite://{path}")).await.expect("connect");
    let have = store.search(&SearchQuery { limit: 1, ..q() }).await.expect("search");
    if have.is_empty() {
        eprintln!("filling {path} with {versions} versions…");
        let started = Instant::now();
        fill(&store, &path, versions).await;
        eprintln!("filled in {:.1?}", started.elapsed());
    }
    let last = T0 + (versions as i64 - 1) * STEP;
    let rare = format!("{}", versions / 2);
    let (repo, package, version, _) = coordinates(versions / 2);
    let file = digest(&format!("{repo}/{package}:{version}/b"));
    let mut deep = q();
    for _ in 0..10 {
        deep.after = store.search(&deep).await.expect("page").get(100).map(arca_core::meta::SearchHit::cursor);
    }
    let queries: Vec<(&str, SearchQuery)> = vec![
        ("newest 100, no filter", q()),
        ("repository=repo-3", SearchQuery { repositories: Some(vec!["repo-3".into()]), ..q() }),
        (
            "3 readable repositories (authorization)",
            SearchQuery { repositories: Some(vec!["repo-1".into(), "repo-4".into(), "repo-7".into()]), ..q() },
        ),
        ("format=oci", SearchQuery { format: Some(Format::Oci), ..q() }),
        ("package=team-4/* (1/10)", SearchQuery { package: Some("team-4/*".into()), ..q() }),
        ("package=*pkg-042 (1/100)", SearchQuery { package: Some("*pkg-042".into()), ..q() }),
        ("package=team-2/pkg-042 (1 package)", SearchQuery { package: Some("team-2/pkg-042".into()), ..q() }),
        ("package=nothing* (0 hits: one walk of the index)", SearchQuery { package: Some("nothing*".into()), ..q() }),
        (
            "repository + exact package (a versions listing)",
            SearchQuery { repositories: Some(vec!["repo-2".into()]), package: Some("team-2/pkg-042".into()), ..q() },
        ),
        ("version=0.0.? (1/10, the oldest)", SearchQuery { version: Some("0.0.?".into()), ..q() }),
        ("property env=prod (1/3)", SearchQuery { properties: vec![("env".into(), "prod".into())], ..q() }),
        ("property build.id=<one> (1 hit)", SearchQuery { properties: vec![("build.id".into(), rare)], ..q() }),
        ("property env=none (0 hits)", SearchQuery { properties: vec![("env".into(), "none".into())], ..q() }),
        ("has_property vcs.revision (all)", SearchQuery { has_properties: vec!["vcs.revision".into()], ..q() }),
        ("has_property missing (0 hits)", SearchQuery { has_properties: vec!["missing".into()], ..q() }),
        ("digest of a file (1 hit)", SearchQuery { digest: Some(file), ..q() }),
        (
            "created in one day",
            SearchQuery {
                created_after: Some(last - 30 * 86_400_000),
                created_before: Some(last - 29 * 86_400_000),
                ..q()
            },
        ),
        (
            "repository + format + package glob + env=prod",
            SearchQuery {
                repositories: Some(vec!["repo-2".into(), "repo-4".into()]),
                format: Some(Format::Generic),
                package: Some("team-3/*".into()),
                properties: vec![("env".into(), "prod".into())],
                ..q()
            },
        ),
        ("page 11 (cursor)", deep),
    ];
    println!("| query | hits | median | p95 |");
    println!("|---|---:|---:|---:|");
    for (name, query) in &queries {
        let (median, p95, hits) = time(&store, name, query, 20).await;
        println!("| {name} | {hits} | {:.2} ms | {:.2} ms |", ms(median), ms(p95));
    }
    store.close().await;
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
