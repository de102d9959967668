//! The client side of the `arca` binary: `login`, `logout`, `push`, `pull`, `ls`, `info`, `search`,
//! `whoami`, and `repo …`, `user …`, `token …`, `gc …`, `retention …`, `storage …`,
//! `promote`, `approve`, `rollback`, `history`, `where`, `deployment …` against a server. Everything goes over HTTP or HTTPS
//! to the server's public endpoints (`/generic`, `/v2`, `/api/v1`); nothing here links the server's
//! internals.
//!
//! Errors carry an exit code ([`Failure`]); `main` turns them into the process status.

pub mod credentials;
pub mod http;
pub mod packages;
pub mod promote;
pub mod pull;
pub mod push;
pub mod query;
pub mod reference;
pub mod sign;
pub mod storage;
pub mod trust;
pub mod users;
pub mod vulns;

use clap::{Args, ValueEnum};
use std::fmt;

/// An error with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub const ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NOT_FOUND: u8 = 3;
    pub const DENIED: u8 = 4;
    pub const VERIFICATION: u8 = 5;

    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub fn usage(message: impl Into<String>) -> anyhow::Error {
        Self::new(Self::USAGE, message).into()
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The exit code of an error: the first [`Failure`] in its chain, else 1.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    error.chain().find_map(|e| e.downcast_ref::<Failure>()).map_or(Failure::ERROR, |f| f.code)
}

/// How read commands print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Output {
    #[default]
    Text,
    Json,
}

/// The server flags of every client command (global: they may come before or after the subcommand).
#[derive(Args, Debug, Clone)]
pub struct ClientFlags {
    /// The arca server (http://host:port or https://host:port) [default: the saved login].
    #[arg(long, global = true, env = "ARCA_SERVER")]
    pub server: Option<String>,
    /// A PEM file of CA certificates to trust for an https server, besides the system's [default: the
    /// one saved by `arca login --ca-cert`].
    #[arg(long, global = true, env = "ARCA_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<std::path::PathBuf>,
}

/// `--output text|json` of read commands.
#[derive(Args, Debug, Clone, Copy)]
pub struct OutputFlag {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// Prints `value` as pretty JSON.
pub fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A progress bar for a transfer of `len` bytes, drawn only when stdout is a terminal.
pub fn progress(len: u64, label: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(label.to_owned());
    bar
}
