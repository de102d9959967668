//! The admin commands of the `arca` binary.

use crate::harness::arca;
use std::process::Stdio;

fn run_ok(args: &[&str]) -> String {
    let data = tempfile::tempdir().expect("temp dir");
    let out = arca()
        .args(args)
        .env("ARCA_DATA", data.path())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run arca {args:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "arca {args:?} failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn help_lists_the_commands() {
    let out = run_ok(&["--help"]);
    for command in ["serve", "config"] {
        assert!(out.contains(command), "`arca --help` does not mention `{command}`:\n{out}");
    }
}

#[test]
fn config_show_prints_the_effective_configuration() {
    let out = run_ok(&["config", "show"]);
    for key in ["listen", "data"] {
        assert!(out.contains(key), "`arca config show` does not show `{key}`:\n{out}");
    }
}
