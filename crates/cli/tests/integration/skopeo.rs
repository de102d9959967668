//! skopeo (containers/image, as podman uses it) against the registry: a two-layer image built offline
//! with umoci, pushed, inspected, listed, copied back with identical blobs, re-pushed, mounted across
//! packages, converted to Docker schema 2 and deleted. The steps live in `tests/e2e/skopeo_roundtrip.sh`.

use crate::harness::{Registry, require_tool, workspace_root};
use std::process::Command;

#[test]
fn skopeo_round_trip() {
    for tool in ["skopeo", "umoci", "busybox", "timeout"] {
        require_tool(tool);
    }
    let registry = Registry::start();
    let script = workspace_root().join("tests/e2e/skopeo_roundtrip.sh");
    let out = registry.run(
        "tests/e2e/skopeo_roundtrip.sh",
        Command::new("bash").arg(&script).env("REG", registry.host()).env("REPO", "dev/team"),
    );
    assert!(out.contains("SKOPEO ROUND TRIP OK"), "the script did not finish:\n{out}");
}
