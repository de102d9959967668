//! The smoke mode against an in-process arca: every iteration succeeds and the counts add up. Nothing
//! here is timed.

use arca_bench::{meta, workloads};
use arca_server::testing::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_mode_runs_against_arca() {
    let server = TestServer::start().await;

    let results = arca_bench::smoke(&server.url(), "bench").await.expect("smoke run");
    let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, workloads::SMOKE.iter().map(|t| t.name).collect::<Vec<_>>());
    for r in &results {
        assert_eq!((r.n, r.c), (4, 2), "{}", r.name);
        assert_eq!((r.ok, r.errors), (4, 0), "{}: {:?}", r.name, r.first_error);
        assert_eq!(r.latency_ms.count, 4, "{}", r.name);
        assert!(r.rps > 0.0 && r.latency_ms.min <= r.latency_ms.p50 && r.latency_ms.p50 <= r.latency_ms.max);
    }
    let pull = results.iter().find(|r| r.name == "Pull 1MB").unwrap();
    assert_eq!(pull.ttfb_ms["layer"].count, 4);
    assert!(pull.mib_s > 0.0);

    // Cleanup deleted every manifest: a second smoke run starts from the same state and passes too.
    let again = arca_bench::smoke(&server.url(), "bench").await.expect("second smoke run");
    assert!(again.iter().all(|r| r.errors == 0));

    // Metadata scaling, tiny: 3 then 6 repositories and tags, paged.
    let opts = meta::MetaOptions { url: server.url(), counts: vec![3, 6], iters: 2, c: 2, repo_prefix: "meta".into() };
    let rows = meta::run(&opts).await.expect("meta run");
    assert_eq!(rows.len(), 8);
    assert!(rows.iter().all(|r| r.latency_ms.count == 2));

    // The nginx reference path: a plain GET of a blob.
    let fetched = arca_bench::fetch(&format!("{}/v2/", server.url()), 2, "GET /v2/").await.expect("fetch");
    assert_eq!(fetched.ok, 2);
    server.stop().await;
}
