//! The oras Python SDK against the registry: an artifact with a custom `artifactType` pushed and pulled
//! back byte-identical, referrers attached with `subject`, the `OCI-Subject` header, and the referrers
//! API with its `artifactType` filter. The steps live in `tests/e2e/oras_roundtrip.py`.

use crate::harness::{Registry, python_with_oras, require_tool, workspace_root};
use std::process::Command;

#[test]
fn oras_round_trip() {
    require_tool("timeout");
    let python = python_with_oras();
    let registry = Registry::start();
    let script = workspace_root().join("tests/e2e/oras_roundtrip.py");
    let out = registry.run(
        "tests/e2e/oras_roundtrip.py",
        Command::new("timeout")
            .arg("300")
            .arg(&python)
            .arg(&script)
            .env("REG", registry.host())
            .env("REPO", "dev/artifacts/demo")
            .env("OCI_REFERRERS", if registry.referrers() { "1" } else { "0" })
            .env("PYTHONUNBUFFERED", "1"),
    );
    assert!(out.contains("ORAS ROUND TRIP OK"), "the script did not finish:\n{out}");
}
