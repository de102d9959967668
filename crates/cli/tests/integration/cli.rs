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

/// `arca … | head`: output into a closed pipe ends the command quietly (status 141, as if killed by
/// SIGPIPE), not with a panic.
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out =
        arca().args(["config", "show"]).stdout(writer).stderr(std::process::Stdio::piped()).output().expect("run arca");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}
