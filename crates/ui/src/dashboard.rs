//! The dashboard's figures, read from the text `/metrics` serves (so the page and the scrape can never
//! disagree): requests, errors and latency per route class, publishes and pulls, bytes, promotions.
//! Pure.

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
}
