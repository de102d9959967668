//! The SLI history behind the dashboard, on a manual clock: the sampler job takes the figures
//! `/metrics` shows (publishes, pulls, their success and latency, storage), keeps a point a minute and
//! the hour's last one, deletes minutes after a day and hours after 90 days, and the dashboard draws
//! each series as an SVG line chart.

use arca_core::clock::ManualClock;
use arca_core::sli::{Resolution, SliPoint};
use arca_server::{App, Seams, Settings};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::time::Duration;
use tower::ServiceExt;

/// 2025-11-30T00:00:30Z: half a minute into an hour.
const T0: i64 = 1_764_460_830_000;
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// One request through the app's router (what the listener adds: the peer address).
async fn send(router: &Router, method: &str, path: &str, body: &'static str) -> (StatusCode, String) {
    let mut request = Request::builder().method(method).uri(path).body(Body::from(body)).unwrap();
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// A publish and a pull of a generic file.
async fn publish_and_pull(router: &Router, version: &str) {
    let path = format!("/generic/rel/team/tool/{version}/tool.bin");
    assert_eq!(send(router, "PUT", &path, "tool bytes").await.0, StatusCode::CREATED, "publish");
    assert_eq!(send(router, "GET", &path, "").await.0, StatusCode::OK, "pull");
}

/// The (time, value) points of `series`.
fn series(points: &[SliPoint], series: &str) -> Vec<(i64, f64)> {
    points.iter().filter(|p| p.series == series).map(|p| (p.at, p.value)).collect()
}

/// One run of the sampler, now.
async fn sample(app: &App) {
    app.jobs.run_now("sli-sampler").await.expect("sampled").expect("claimed");
}

#[tokio::test]
async fn slis_are_sampled_downsampled_bounded_and_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::for_tests(dir.path());
    let clock = ManualClock::new();
    clock.set(T0);
    let app = App::build_with(&settings, Seams { clock: Some(clock.clone()), ..Default::default() }).await.unwrap();
    let router = app.router();
    let minute_of = |at: i64| at - at % 60_000;
    let hour_of = |at: i64| at - at % 3_600_000;

    publish_and_pull(&router, "1.0").await;
    sample(&app).await;
    let minutes = app.registry.sli_history(Resolution::Minute).await.unwrap();
    assert_eq!(series(&minutes, "publishes"), [(minute_of(T0), 1.0)], "{minutes:?}");
    assert_eq!(series(&minutes, "pulls"), [(minute_of(T0), 1.0)]);
    assert_eq!(series(&minutes, "publish_success"), [(minute_of(T0), 100.0)]);
    assert_eq!(series(&minutes, "pull_p50_ms").len(), 1, "a retrieval latency: {minutes:?}");
    assert!(series(&minutes, "storage_bytes")[0].1 >= 10.0, "the file is stored: {minutes:?}");

    // A minute later: a second point a minute; the hour keeps its last sample only.
    clock.advance(MINUTE);
    publish_and_pull(&router, "2.0").await;
    sample(&app).await;
    let minutes = app.registry.sli_history(Resolution::Minute).await.unwrap();
    assert_eq!(series(&minutes, "publishes"), [(minute_of(T0), 1.0), (minute_of(T0) + 60_000, 2.0)]);
    let hours = app.registry.sli_history(Resolution::Hour).await.unwrap();
    assert_eq!(series(&hours, "publishes"), [(hour_of(T0), 2.0)], "downsampled: {hours:?}");

    // A day later the minutes are gone, the hours stay; the dashboard draws both.
    clock.advance(25 * HOUR);
    sample(&app).await;
    let now = T0 + 60_000 + 25 * 3_600_000;
    let minutes = app.registry.sli_history(Resolution::Minute).await.unwrap();
    assert_eq!(series(&minutes, "publishes"), [(minute_of(now), 2.0)], "older than a day: deleted");
    let hours = app.registry.sli_history(Resolution::Hour).await.unwrap();
    assert_eq!(series(&hours, "publishes"), [(hour_of(T0), 2.0), (hour_of(now), 2.0)]);
    let (status, page) = send(&router, "GET", "/ui/dashboard?range=90d", "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let chart = page.split("<figure>").find(|f| f.contains("aria-label=\"Publishes: latest 2\"")).expect(&page);
    let line = chart.split("points=\"").nth(1).expect(chart).split('"').next().unwrap();
    assert_eq!(line.split(' ').count(), 2, "two hours drawn: {chart}");
    assert!(page.contains("aria-label=\"Publish success rate: latest 100.0 %\""), "{page}");
    assert!(page.contains("aria-label=\"Storage: latest"), "{page}");
    let (_, day) = send(&router, "GET", "/ui/dashboard", "").await;
    let chart = day.split("<figure>").find(|f| f.contains("aria-label=\"Publishes: latest 2\"")).expect(&day);
    assert!(chart.contains("<circle") && !chart.contains("polyline"), "one minute drawn: {chart}");

    // 90 days on, only the newest hour is left; every figure is still on /metrics.
    clock.advance(90 * 24 * HOUR);
    sample(&app).await;
    let hours = app.registry.sli_history(Resolution::Hour).await.unwrap();
    assert_eq!(series(&hours, "publishes").len(), 1, "older than 90 days: deleted: {hours:?}");
    let (_, metrics) = send(&router, "GET", "/metrics", "").await;
    for figure in ["arca_http_requests_total{class=\"generic_put\"", "arca_http_request_duration_seconds_bucket"] {
        assert!(metrics.contains(figure), "{figure} on /metrics");
    }
}
