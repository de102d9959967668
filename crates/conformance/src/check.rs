//! Outcomes of checks and the per-test report that turns them into a pass or a panic.

use crate::settings::Settings;
use std::fmt;

/// Why a check did not pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The registry answered wrongly.
    Fail,
    /// The registry answered that an optional feature is unsupported; upstream records a
    /// skip (its `errRegUnsupported`). Fails here unless the run is lenient.
    Unsupported,
}

/// A failed check with a message that says what was sent and what came back.
#[derive(Clone, Debug)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

/// The result of one operation or check.
pub type CheckResult<T = ()> = Result<T, Failure>;

impl Failure {
    pub fn fail(message: impl Into<String>) -> Self {
        Failure { kind: FailureKind::Fail, message: message.into() }
    }

    pub fn unsupported(message: impl Into<String>) -> Self {
        Failure { kind: FailureKind::Unsupported, message: message.into() }
    }

    /// Prefixes the message with what was being done.
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            FailureKind::Fail => write!(f, "{}", self.message),
            FailureKind::Unsupported => write!(f, "[unsupported] {}", self.message),
        }
    }
}

/// Shorthand for `Err(Failure::fail(..))`.
pub fn fail<T>(message: impl Into<String>) -> CheckResult<T> {
    Err(Failure::fail(message))
}

/// Joins several outcomes: the first failure kind wins if any is a plain failure.
pub fn join(results: Vec<CheckResult>) -> CheckResult {
    let failures: Vec<Failure> = results.into_iter().filter_map(Result::err).collect();
    if failures.is_empty() {
        return Ok(());
    }
    let kind =
        if failures.iter().any(|f| f.kind == FailureKind::Fail) { FailureKind::Fail } else { FailureKind::Unsupported };
    let message = failures.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("\n");
    Err(Failure { kind, message })
}

/// Collects the named checks of one test; [`Report::finish`] panics if any failed.
///
/// Like upstream, a test keeps going after a failed check (later checks often still mean
/// something), and reports every failure at the end.
#[derive(Debug)]
pub struct Report {
    test: String,
    lenient: bool,
    passed: usize,
    skipped: Vec<String>,
    warnings: Vec<String>,
    failures: Vec<String>,
}

impl Report {
    pub fn new(test: impl Into<String>, settings: &Settings) -> Self {
        Report {
            test: test.into(),
            lenient: settings.lenient,
            passed: 0,
            skipped: Vec::new(),
            warnings: Vec::new(),
            failures: Vec::new(),
        }
    }

    /// Records the outcome of the check `name`; returns whether it passed.
    pub fn record(&mut self, name: &str, result: CheckResult) -> bool {
        match result {
            Ok(()) => {
                self.passed += 1;
                true
            }
            Err(f) if f.kind == FailureKind::Unsupported && self.lenient => {
                self.warnings.push(format!("{name}: {f}"));
                true
            }
            Err(f) => {
                self.failures.push(format!("{name}: {f}"));
                false
            }
        }
    }

    /// Records a check that the configured version does not run (upstream "disabled").
    pub fn skip(&mut self, name: &str, reason: &str) {
        self.skipped.push(format!("{name}: {reason}"));
    }

    pub fn failed(&self) -> bool {
        !self.failures.is_empty()
    }

    /// Prints a one-line summary (and any warnings) and panics listing the failures.
    pub fn finish(self) {
        println!(
            "conformance {}: {} checks passed, {} failed, {} warned, {} skipped",
            self.test,
            self.passed,
            self.failures.len(),
            self.warnings.len(),
            self.skipped.len()
        );
        for w in &self.warnings {
            println!("  warning: {w}");
        }
        for s in &self.skipped {
            println!("  skipped: {s}");
        }
        if !self.failures.is_empty() {
            let mut msg = format!(
                "{}: {} of {} checks failed\n",
                self.test,
                self.failures.len(),
                self.passed + self.failures.len()
            );
            for (i, f) in self.failures.iter().enumerate() {
                msg.push_str(&format!("\n--- failure {} ---\n{f}\n", i + 1));
            }
            panic!("{msg}");
        }
    }
}
