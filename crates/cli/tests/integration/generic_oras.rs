//! A generic version published over `/generic/` (a multi-file upload committed at once) is pulled back
//! byte-identical with the oras Python SDK through `/v2/`. The steps live in `tests/e2e/generic_oras.py`.

use crate::harness::{Registry, python_with_oras, require_tool, workspace_root};
use std::process::Command;

#[test]
fn generic_version_pulled_with_oras() {
    require_tool("timeout");
    let python = python_with_oras();
    // Always arca: a peer registry has no /generic.
    let registry = Registry::serve(&[]);
    let script = workspace_root().join("tests/e2e/generic_oras.py");
    let out = registry.run(
        "tests/e2e/generic_oras.py",
        Command::new("timeout")
            .arg("300")
            .arg(&python)
            .arg(&script)
            .env("REG", registry.host())
            .env("NAME", "rel/tools/cli")
            .env("PYTHONUNBUFFERED", "1"),
    );
    assert!(out.contains("GENERIC ORAS OK"), "the script did not finish:\n{out}");
}
