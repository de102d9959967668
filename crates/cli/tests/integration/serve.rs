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
