//! Searching versions: every filter alone and combined, globs, properties (equality, existence,
//! multi-valued without duplicates), digests of a manifest or of a file, time ranges, and cursor
//! paging that stays stable while versions are added.

use super::*;
use arca_core::meta::{SearchHit, SearchQuery};

/// `repo/package:version` of each hit, in order.
fn names(hits: &[SearchHit]) -> Vec<String> {
    hits.iter().map(|h| format!("{}/{}:{}", h.repository, h.package, h.version)).collect()
}

fn everything_matching(query: SearchQuery) -> SearchQuery {
    SearchQuery { limit: 1000, ..query }
}

async fn search(store: &dyn MetaStore, query: SearchQuery) -> Vec<String> {
    names(&store.search(&everything_matching(query)).await.expect("search"))
}

/// `seed` as a manifest of `name`, tagged `version`, created at `T0 + at`.
async fn version(store: &dyn MetaStore, name: &str, seed: &str, version: &str, at: Millis) {
    let mut m = manifest(name, seed);
    m.record.created_at = T0 + at;
    put(store, &m, Some(immutable(version))).await;
}

async fn set(store: &dyn MetaStore, seed: &str, pairs: &[(&str, &str)]) {
    let add: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    store.set_properties(&digest(seed), None, &add, &audit("set_properties")).await.expect("set_properties");
}

/// `rel` (generic): team/tool 1.0 (t1), 1.1 (t2), team/cli 2.0 (t3), tool_x 1.0 (t4);
/// `dev` (oci): app 1.0 and latest, one manifest (t2).
async fn fixture(store: &dyn MetaStore) {
    let rel = Repository { format: Format::Generic, ..repository("rel") };
    assert!(store.create_repository(&rel, &audit("create_repository")).await.expect("create_repository"));
    create_repositories(store, &["dev"]).await;
    version(store, "rel/team/tool", "tool-1.0", "1.0", 1).await;
    version(store, "rel/team/tool", "tool-1.1", "1.1", 2).await;
    version(store, "rel/team/cli", "cli-2.0", "2.0", 3).await;
    version(store, "rel/tool_x", "x-1.0", "1.0", 4).await;
    version(store, "dev/app", "app-1.0", "1.0", 2).await;
    version(store, "dev/app", "app-1.0", "latest", 2).await;
    set(store, "tool-1.0", &[("build.id", "1"), ("env", "dev"), ("env", "prod")]).await;
    set(store, "tool-1.1", &[("build.id", "2"), ("env", "dev")]).await;
}

pub(super) async fn search_orders_newest_first_and_filters_by_repository_and_format(store: &dyn MetaStore) {
    fixture(store).await;
    let all = search(store, SearchQuery::default()).await;
    assert_eq!(
        all,
        strings(&[
            "rel/tool_x:1.0",
            "rel/team/cli:2.0",
            "dev/app:1.0",
            "dev/app:latest",
            "rel/team/tool:1.1",
            "rel/team/tool:1.0"
        ]),
        "created_at desc, then repository, package, version"
    );
    let only = |repos: &[&str]| SearchQuery { repositories: Some(strings(repos)), ..SearchQuery::default() };
    assert_eq!(search(store, only(&["dev"])).await, strings(&["dev/app:1.0", "dev/app:latest"]));
    assert!(search(store, only(&[])).await.is_empty(), "no readable repository, no result");
    assert_eq!(search(store, only(&["rel", "dev"])).await, all);
    let oci = search(store, SearchQuery { format: Some(Format::Oci), ..SearchQuery::default() }).await;
    assert_eq!(oci, strings(&["dev/app:1.0", "dev/app:latest"]), "format of the repository");
    let hits = store.search(&everything_matching(only(&["dev"]))).await.expect("search");
    let hit = &hits[0];
    assert_eq!(hit.digest, digest("app-1.0"));
    assert_eq!(hit.format, Format::Oci);
    assert_eq!(hit.created_at, T0 + 2);
    assert_eq!(hit.media_type, "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(hit.artifact_type.as_deref(), Some("application/vnd.oci.image.config.v1+json"));
}

pub(super) async fn search_globs_match_package_and_version(store: &dyn MetaStore) {
    fixture(store).await;
    let q = |package: Option<&str>, version: Option<&str>| SearchQuery {
        package: package.map(str::to_owned),
        version: version.map(str::to_owned),
        ..SearchQuery::default()
    };
    assert_eq!(
        search(store, q(Some("team/*"), None)).await,
        strings(&["rel/team/cli:2.0", "rel/team/tool:1.1", "rel/team/tool:1.0"])
    );
    assert_eq!(search(store, q(Some("*tool"), None)).await, strings(&["rel/team/tool:1.1", "rel/team/tool:1.0"]));
    assert_eq!(
        search(store, q(Some("team/tool"), Some("1.?"))).await,
        strings(&["rel/team/tool:1.1", "rel/team/tool:1.0"])
    );
    assert_eq!(
        search(store, q(None, Some("1.0"))).await,
        strings(&["rel/tool_x:1.0", "dev/app:1.0", "rel/team/tool:1.0"])
    );
    assert!(search(store, q(Some("tool?x"), None)).await.len() == 1, "`?` is one character");
    assert!(search(store, q(Some("tool%x"), None)).await.is_empty(), "`%` is no wildcard");
    assert!(search(store, q(Some("TEAM/*"), None)).await.is_empty(), "case-sensitive");
    assert!(search(store, q(Some("team"), None)).await.is_empty(), "a glob matches the whole name");
    assert!(search(store, q(Some("[t]eam/*"), None)).await.is_empty(), "brackets are literal");
    assert_eq!(search(store, q(None, Some("*"))).await.len(), 6);
}

pub(super) async fn search_by_properties_has_no_duplicates(store: &dyn MetaStore) {
    fixture(store).await;
    let q = |props: &[(&str, &str)], has: &[&str]| SearchQuery {
        properties: props.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        has_properties: strings(has),
        ..SearchQuery::default()
    };
    let tools = strings(&["rel/team/tool:1.1", "rel/team/tool:1.0"]);
    assert_eq!(search(store, q(&[("env", "dev")], &[])).await, tools, "one result per version");
    assert_eq!(search(store, q(&[("env", "prod")], &[])).await, strings(&["rel/team/tool:1.0"]));
    assert_eq!(search(store, q(&[("env", "dev"), ("env", "prod")], &[])).await, strings(&["rel/team/tool:1.0"]));
    assert_eq!(search(store, q(&[("env", "dev"), ("build.id", "2")], &[])).await, strings(&["rel/team/tool:1.1"]));
    assert!(search(store, q(&[("env", "staging")], &[])).await.is_empty());
    assert_eq!(search(store, q(&[], &["env"])).await, tools, "existence, once per version");
    assert_eq!(search(store, q(&[], &["env", "build.id"])).await, tools);
    assert!(search(store, q(&[], &["vcs.revision"])).await.is_empty());
    let hits = store.search(&everything_matching(q(&[("build.id", "1")], &[]))).await.expect("search");
    let props: Vec<(&str, &str)> = hits[0].properties.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(props, [("build.id", "1"), ("env", "dev"), ("env", "prod")], "every property, sorted");
}

pub(super) async fn search_by_digest_of_the_manifest_or_a_file(store: &dyn MetaStore) {
    fixture(store).await;
    let q = |seed: &str| SearchQuery { digest: Some(digest(seed)), ..SearchQuery::default() };
    assert_eq!(search(store, q("tool-1.0")).await, strings(&["rel/team/tool:1.0"]), "manifest digest");
    assert_eq!(search(store, q("tool-1.1/layer")).await, strings(&["rel/team/tool:1.1"]), "a file's digest");
    assert_eq!(search(store, q("app-1.0/layer")).await, strings(&["dev/app:1.0", "dev/app:latest"]), "every tag, once");
    assert!(search(store, q("nothing")).await.is_empty());
}

pub(super) async fn search_by_time_range(store: &dyn MetaStore) {
    fixture(store).await;
    let q = |after: Option<Millis>, before: Option<Millis>| SearchQuery {
        created_after: after.map(|a| T0 + a),
        created_before: before.map(|b| T0 + b),
        ..SearchQuery::default()
    };
    assert_eq!(search(store, q(Some(3), None)).await, strings(&["rel/tool_x:1.0", "rel/team/cli:2.0"]), "inclusive");
    assert_eq!(search(store, q(None, Some(2))).await, strings(&["rel/team/tool:1.0"]), "exclusive");
    assert_eq!(search(store, q(Some(2), Some(3))).await.len(), 3);
    let combined = SearchQuery { repositories: Some(strings(&["rel"])), ..q(Some(2), Some(3)) };
    assert_eq!(search(store, combined).await, strings(&["rel/team/tool:1.1"]), "filters combine with AND");
}

pub(super) async fn search_pages_with_a_cursor_stable_under_inserts(store: &dyn MetaStore) {
    fixture(store).await;
    let all = search(store, SearchQuery::default()).await;
    let mut seen = Vec::new();
    let mut after = None;
    for round in 0.. {
        let page = store.search(&SearchQuery { limit: 2, after: after.clone(), ..SearchQuery::default() }).await;
        let page = page.expect("search");
        if round == 1 {
            // Newer versions and one at the very time of the cursor, but sorted before it, appear
            // on no later page; the pages still cover everything else exactly once.
            version(store, "rel/team/tool", "tool-9", "9.0", 100).await;
            version(store, "dev/aaa", "aaa-1", "1.0", 2).await;
        }
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2, "limit");
        after = page.last().map(SearchHit::cursor);
        seen.extend(names(&page));
    }
    assert_eq!(seen, all, "every version once, in order, across pages");
}

/// A key with thousands of values (so a store may judge the filter dense and check it row by row
/// rather than collect its manifests first) still finds each version once.
pub(super) async fn search_with_a_dense_property_filter(store: &dyn MetaStore) {
    fixture(store).await;
    let many: Vec<(String, String)> = (0..2500).map(|i| ("bulk".to_owned(), format!("v{i}"))).collect();
    let keep_others = Some(&["bulk".to_owned()][..]);
    store.set_properties(&digest("tool-1.1"), keep_others, &many, &audit("set_properties")).await.expect("set");
    set(store, "app-1.0", &[("bulk", "v7")]).await;
    let has = SearchQuery { has_properties: strings(&["bulk"]), ..SearchQuery::default() };
    assert_eq!(search(store, has).await, strings(&["dev/app:1.0", "dev/app:latest", "rel/team/tool:1.1"]));
    let v7 = SearchQuery { properties: vec![("bulk".into(), "v7".into())], ..SearchQuery::default() };
    assert_eq!(search(store, v7).await, strings(&["dev/app:1.0", "dev/app:latest", "rel/team/tool:1.1"]));
    let both = SearchQuery {
        properties: vec![("bulk".into(), "v2499".into())],
        has_properties: strings(&["bulk", "env"]),
        ..SearchQuery::default()
    };
    assert_eq!(search(store, both).await, strings(&["rel/team/tool:1.1"]));
}
