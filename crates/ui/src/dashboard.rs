//! `GET /ui/dashboard`: the figures now, read from the text `/metrics` serves (so the page and the
//! scrape can never disagree) — requests, errors and latency per route class, publishes and pulls,
//! bytes, promotions — and the history the server keeps of the seed SLIs (`arca_core::sli`), one
//! chart a series: the last day by the minute, or 90 days by the hour (`?range=90d`).
//! [`sli_figures`] gives the sampler the same figures the page shows.

use crate::chart::{self, Series};
use crate::html::{self, Html, esc};
use crate::{Ctx, Ui, w};
use arca_core::Result;
use arca_core::sli::{Resolution, SERIES, SliPoint};
use axum::response::Response;
use http::StatusCode;
use std::collections::BTreeMap;

/// One line of the exposition format: `name{k="v",…} value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Sample {
    fn label(&self, key: &str) -> Option<&str> {
        self.labels.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Every sample of `text` (comments and unreadable lines skipped).
pub fn parse(text: &str) -> Vec<Sample> {
    text.lines().filter(|l| !l.starts_with('#')).filter_map(sample).collect()
}

fn sample(line: &str) -> Option<Sample> {
    let (head, value) = line.rsplit_once(' ')?;
    let value = value.parse::<f64>().ok()?;
    let (name, labels) = match head.split_once('{') {
        Some((name, rest)) => (name, labels(rest.strip_suffix('}')?)?),
        None => (head, Vec::new()),
    };
    Some(Sample { name: name.to_owned(), labels, value })
}

/// `k="v",k2="v2"` (values with `\"` and `\\` escapes).
fn labels(mut text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    while !text.is_empty() {
        let (key, rest) = text.split_once("=\"")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next()? {
                (_, '\\') => value.push(chars.next()?.1),
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        out.push((key.trim_start_matches(',').to_owned(), value));
        text = rest[end + 1..].trim_start_matches(',');
    }
    Some(out)
}

/// Route classes that publish a version (or a file of one).
const PUBLISH: [&str; 7] = [
    "oci_manifest_put",
    "generic_put",
    "generic_upload_commit",
    "pypi_upload",
    "npm_publish",
    "cargo_publish",
    "maven_deploy",
];
/// Route classes that download content.
const PULL: [&str; 7] =
    ["oci_manifest_get", "oci_blob_get", "generic_get", "pypi_file", "npm_tarball", "cargo_download", "maven_file"];

/// Requests of some kind, and how many succeeded (2xx, 3xx).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcomes {
    pub total: u64,
    pub ok: u64,
}

/// One route class.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ClassStats {
    pub total: u64,
    pub client_errors: u64,
    pub server_errors: u64,
    /// Cumulative latency buckets: (upper bound in seconds, count).
    pub buckets: Vec<(f64, u64)>,
    pub count: u64,
}

impl ClassStats {
    /// The upper bound of the bucket holding the `q` quantile (`None` without requests, or past the
    /// last finite bucket).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = (q * self.count as f64).ceil().max(1.0) as u64;
        self.buckets.iter().find(|(_, n)| *n >= rank).map(|(bound, _)| *bound)
    }
}

/// What the dashboard shows.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    pub publish: Outcomes,
    pub pull: Outcomes,
    pub classes: BTreeMap<String, ClassStats>,
    pub bytes_in: u64,
    pub bytes_out: u64,
    /// Promotions that moved something (outcome `promoted`).
    pub promotions: u64,
}

impl Summary {
    /// The latency of every pull route class together (their buckets share bounds).
    pub fn pull_latency(&self) -> ClassStats {
        let mut merged = ClassStats::default();
        let mut buckets: Vec<(f64, u64)> = Vec::new();
        for c in PULL.iter().filter_map(|class| self.classes.get(*class)) {
            merged.count += c.count;
            for (bound, n) in &c.buckets {
                match buckets.iter_mut().find(|(b, _)| b == bound) {
                    Some((_, total)) => *total += n,
                    None => buckets.push((*bound, *n)),
                }
            }
        }
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        merged.buckets = buckets;
        merged
    }

    pub fn of(samples: &[Sample]) -> Self {
        let mut s = Self::default();
        for sample in samples {
            let n = sample.value as u64;
            match sample.name.as_str() {
                "arca_http_requests_total" => {
                    let (Some(class), Some(status)) = (sample.label("class"), sample.label("status")) else { continue };
                    let status: u16 = status.parse().unwrap_or(0);
                    let ok = (200..400).contains(&status);
                    let c = s.classes.entry(class.to_owned()).or_default();
                    c.total += n;
                    if (400..500).contains(&status) {
                        c.client_errors += n;
                    } else if status >= 500 {
                        c.server_errors += n;
                    }
                    for (kinds, outcomes) in [(&PUBLISH, &mut s.publish), (&PULL, &mut s.pull)] {
                        if kinds.contains(&class) {
                            outcomes.total += n;
                            if ok {
                                outcomes.ok += n;
                            }
                        }
                    }
                }
                "arca_http_request_duration_seconds_bucket" => {
                    let (Some(class), Some(le)) = (sample.label("class"), sample.label("le")) else { continue };
                    if let Ok(bound) = le.parse::<f64>() {
                        s.classes.entry(class.to_owned()).or_default().buckets.push((bound, n));
                    }
                }
                "arca_http_request_duration_seconds_count" => {
                    if let Some(class) = sample.label("class") {
                        s.classes.entry(class.to_owned()).or_default().count = n;
                    }
                }
                "arca_http_bytes_received_total" => s.bytes_in = n,
                "arca_http_bytes_sent_total" => s.bytes_out = n,
                "arca_promotions_total" if sample.label("outcome") == Some("promoted") => s.promotions += n,
                _ => {}
            }
        }
        s
    }
}

/// `GET /ui/dashboard`: what the server counts now (the same numbers `/metrics` shows), then the
/// history.
pub(crate) async fn page(ui: &Ui, ctx: &Ctx, query: &str) -> Result<Response> {
    let samples = parse((ui.metrics)().as_str());
    let (blobs, bytes, uploads) = ui.registry.stats().await?;
    let summary = Summary::of(&samples);
    let mut out = Html::default();
    out.raw("<h1>Dashboard</h1><p class=\"muted\">Counted since this node started; every figure is also on <code>/metrics</code>.</p><dl>");
    let rate = |ok: u64, all: u64| {
        if all == 0 { "—".to_owned() } else { format!("{:.1} %", ok as f64 * 100.0 / all as f64) }
    };
    w!(
        out,
        "<dt>Publishes</dt><dd>{} ({} succeeded: {})</dd>",
        summary.publish.total,
        summary.publish.ok,
        esc(&rate(summary.publish.ok, summary.publish.total))
    );
    w!(
        out,
        "<dt>Pulls</dt><dd>{} ({} succeeded: {})</dd>",
        summary.pull.total,
        summary.pull.ok,
        esc(&rate(summary.pull.ok, summary.pull.total))
    );
    w!(out, "<dt>Blobs stored</dt><dd>{blobs} ({})</dd>", esc(&html::size(bytes)));
    w!(out, "<dt>Uploads in progress</dt><dd>{uploads}</dd>");
    w!(out, "<dt>Bytes received</dt><dd>{}</dd>", esc(&html::size(summary.bytes_in)));
    w!(out, "<dt>Bytes sent</dt><dd>{}</dd>", esc(&html::size(summary.bytes_out)));
    w!(out, "<dt>Promotions</dt><dd>{}</dd>", summary.promotions);
    out.raw("</dl><h2>Requests by route</h2><table><thead><tr><th>Route class</th><th>Requests</th><th>Client errors (4xx)</th><th>Server errors (5xx)</th><th>p50</th><th>p99</th></tr></thead><tbody>");
    for (class, c) in &summary.classes {
        let quantile = |q: f64| c.quantile(q).map_or_else(|| "—".to_owned(), |s| format!("≤ {} ms", s * 1000.0));
        w!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(class),
            c.total,
            c.client_errors,
            c.server_errors,
            esc(&quantile(0.5)),
            esc(&quantile(0.99))
        );
    }
    out.raw("</tbody></table>");
    let long = query.split('&').any(|pair| pair == "range=90d");
    history(ui, &mut out, if long { Resolution::Hour } else { Resolution::Minute }).await?;
    Ok(ctx.page(StatusCode::OK, "Dashboard", &out))
}

/// One chart per seed SLI over the time `resolution` keeps.
async fn history(ui: &Ui, out: &mut Html, resolution: Resolution) -> Result<()> {
    let points = ui.registry.sli_history(resolution).await?;
    let to = ui.registry.now();
    let from = to - resolution.kept_ms();
    let (shown, other) = match resolution {
        Resolution::Minute => ("the last day, a point a minute", "<a href=\"/ui/dashboard?range=90d\">90 days</a>"),
        Resolution::Hour => ("90 days, a point an hour", "<a href=\"/ui/dashboard\">the last day</a>"),
    };
    w!(
        out,
        "<h2>History</h2><p class=\"muted\">Sampled every minute by one node: {shown} (or {other}). \
         Counts are since the sampling node started.</p>"
    );
    for (name, title, unit) in SERIES {
        let series: Vec<(i64, f64)> = points_of(&points, name);
        out.raw(&chart::line(&Series { title, unit, points: &series }, from, to).0);
    }
    Ok(())
}

/// The points of one series, oldest first.
fn points_of(points: &[SliPoint], series: &str) -> Vec<(i64, f64)> {
    points.iter().filter(|p| p.series == series).map(|p| (p.at, p.value)).collect()
}

/// The server's HTTP figures of the SLI history, from the text `/metrics` serves: publishes and
/// their success rate, pulls and their latency (p50, p99, in ms), promotions.
pub fn sli_figures(metrics_text: &str) -> Vec<(String, f64)> {
    let s = Summary::of(&parse(metrics_text));
    let mut out = vec![("publishes".to_owned(), s.publish.total as f64), ("pulls".to_owned(), s.pull.total as f64)];
    if s.publish.total > 0 {
        out.push(("publish_success".to_owned(), s.publish.ok as f64 * 100.0 / s.publish.total as f64));
    }
    let pulls = s.pull_latency();
    for (series, q) in [("pull_p50_ms", 0.5), ("pull_p99_ms", 0.99)] {
        if let Some(seconds) = pulls.quantile(q) {
            out.push((series.to_owned(), seconds * 1000.0));
        }
    }
    out.push(("promotions".to_owned(), s.promotions as f64));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# HELP arca_http_requests_total HTTP requests by route class and status.\n\
# TYPE arca_http_requests_total counter\n\
arca_http_requests_total{class=\"oci_manifest_put\",status=\"201\"} 3\n\
arca_http_requests_total{class=\"oci_manifest_put\",status=\"400\"} 1\n\
arca_http_requests_total{class=\"generic_get\",status=\"200\"} 5\n\
arca_http_requests_total{class=\"generic_get\",status=\"503\"} 1\n\
arca_http_request_duration_seconds_bucket{class=\"generic_get\",le=\"0.001\"} 1\n\
arca_http_request_duration_seconds_bucket{class=\"generic_get\",le=\"0.01\"} 5\n\
arca_http_request_duration_seconds_bucket{class=\"generic_get\",le=\"0.1\"} 6\n\
arca_http_request_duration_seconds_bucket{class=\"generic_get\",le=\"+Inf\"} 6\n\
arca_http_request_duration_seconds_count{class=\"generic_get\"} 6\n\
arca_http_bytes_received_total 1024\n\
arca_promotions_total{target=\"prod\",outcome=\"promoted\"} 2\n\
arca_promotions_total{target=\"prod\",outcome=\"refused\"} 7\n\
garbage line\n";

    #[test]
    fn the_exposition_format_is_read() {
        let samples = parse(TEXT);
        assert_eq!(samples.len(), 12);
        assert_eq!(samples[0].name, "arca_http_requests_total");
        assert_eq!(samples[0].labels, [("class".into(), "oci_manifest_put".into()), ("status".into(), "201".into())]);
        assert_eq!(parse("x{a=\"q\\\"uote\"} 1")[0].labels, [("a".into(), "q\"uote".into())]);
    }

    #[test]
    fn publishes_pulls_and_latency_are_summed() {
        let s = Summary::of(&parse(TEXT));
        assert_eq!(s.publish, Outcomes { total: 4, ok: 3 });
        assert_eq!(s.pull, Outcomes { total: 6, ok: 5 });
        let get = &s.classes["generic_get"];
        assert_eq!((get.total, get.client_errors, get.server_errors), (6, 0, 1));
        assert_eq!(get.quantile(0.5), Some(0.01));
        assert_eq!(get.quantile(0.99), Some(0.1));
        assert_eq!(s.classes["oci_manifest_put"].quantile(0.5), None, "no latency recorded");
        assert_eq!((s.bytes_in, s.promotions), (1024, 2));
    }

    #[test]
    fn the_sampled_figures_are_those_of_the_page() {
        let figures: BTreeMap<String, f64> = sli_figures(TEXT).into_iter().collect();
        assert_eq!(figures["publishes"], 4.0);
        assert_eq!(figures["publish_success"], 75.0);
        assert_eq!(figures["pulls"], 6.0);
        assert_eq!((figures["pull_p50_ms"], figures["pull_p99_ms"]), (10.0, 100.0));
        assert_eq!(figures["promotions"], 2.0);
        let idle: BTreeMap<String, f64> = sli_figures("").into_iter().collect();
        assert!(!idle.contains_key("publish_success") && !idle.contains_key("pull_p50_ms"), "{idle:?}");
    }
}
