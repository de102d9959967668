//! `arca serve` as a process: it starts on port 0, announces its address, answers the OCI base
//! endpoint, and answers hostile input found by fuzzing with an error instead of dropping the
//! connection.

use crate::harness::{Registry, header, http, http_get};

#[test]
fn serve_answers_the_oci_base_endpoint() {
    let registry = Registry::start();
    let (status, head, _) = http_get(registry.host(), "/v2/");
    assert_eq!(status, 200, "GET /v2/:\n{head}\n{}", registry.log_tail());
    assert_eq!(header(&head, "Docker-Distribution-API-Version"), Some("registry/2.0"), "{head}");
}

/// Found by `fuzz/fuzz_targets/content_range.rs`: a chunk range ending at u64::MAX.
#[test]
fn a_chunk_range_up_to_u64_max_is_an_error_not_a_panic() {
    let registry = Registry::start();
    let host = registry.host();
    let (status, head, _) = http(host, "POST", "/v2/dev/fuzz/app/blobs/uploads/", &[], b"");
    assert_eq!(status, 202, "start upload:\n{head}\n{}", registry.log_tail());
    let location = header(&head, "Location").expect("Location").to_owned();
    let path = location.strip_prefix(&format!("http://{host}")).unwrap_or(&location);
    for range in ["0-18446744073709551615", "18446744073709551615-18446744073709551615"] {
        let headers = [("Content-Range", range), ("Content-Type", "application/octet-stream")];
        let (status, head, _) = http(host, "PATCH", path, &headers, b"abc");
        assert!((400..500).contains(&status), "PATCH Content-Range: {range} answered\n{head}\n{}", registry.log_tail());
    }
    let (status, _, _) = http_get(host, "/v2/");
    assert_eq!(status, 200, "the server is still up");
}

/// Logs to a file or a collector are plain (no colour codes); every line about a request carries its
/// id; `--log-format json` writes one JSON object per line with the request span.
#[test]
fn logs_are_plain_off_a_terminal_and_carry_the_request_id() {
    let registry = Registry::start();
    let (status, head, _) = http_get(registry.host(), "/v2/");
    assert_eq!(status, 200);
    let id = header(&head, "X-Request-Id").expect("X-Request-Id").to_owned();
    let log = registry.log_tail();
    assert!(!log.contains('\u{1b}'), "ANSI escape codes in a log written to a file:\n{log}");
    assert!(log.lines().any(|l| l.contains(&id) && l.contains("request")), "no line with the request id {id}:\n{log}");

    let json = Registry::serve(&["--log-format", "json"]);
    let (_, head, _) = http_get(json.host(), "/v2/");
    let id = header(&head, "X-Request-Id").expect("X-Request-Id").to_owned();
    let log = json.log_tail();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .skip(1) // the tail's title line
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.iter().any(|l| l.to_string().contains(&id)), "no JSON line with the request id {id}:\n{log}");
}
