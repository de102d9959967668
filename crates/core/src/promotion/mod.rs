//! Promotion gates: the conditions a target repository sets on versions promoted into it. Pure: no
//! I/O, no clock — the registry gathers the verified [`Facts`] of a version and [`evaluate`]
//! gives a [`Verdict`] per gate.
//!
//! # Gates
//!
//! A repository's gates are strings (`--gate`, repeated; stored as a JSON array of the canonical
//! texts), parsed by [`Gate::parse`] / [`parse_gates`] (a gate may repeat with other values, all of which must pass; each text at
//! most [`MAX_GATE_BYTES`], no whitespace inside):
//!
//! | gate | passes when |
//! |---|---|
//! | `signed` | a signature is verified by one of the server's trust roots |
//! | `signed=<key glob>` | … by a key whose id matches the glob |
//! | `sbom` | an SBOM refers to the version |
//! | `provenance` | SLSA provenance is verified by a trust root |
//! | `provenance=<builder glob>` | … one whose `builder.id` matches the glob |
//! | `provenance=<builder glob>,<source glob>` | … and whose source repository matches the second glob |
//! | `max-severity=<severity>` | the version was scanned and **no finding is at or above** the severity |
//! | `max-severity=<severity>;allow=<id>[@<expiry>],…` | … not counting allowlisted advisories |
//! | `approvals=<n>` | n distinct principals allowed to promote approved it (1 ≤ n ≤ 100) |
//! | `soak=<duration>` | the version has been in the source stage that long (`24h`, `7d`) |
//! | `cel=<expression>` | the [CEL](https://cel.dev) expression over the promotion's facts evaluates to `true` |
//!
//! - Globs are `*` (any run) and `?` (one character), everything else literal; a provenance builder
//!   glob cannot contain `,`. `provenance=*,<source glob>` checks only the source.
//! - Severities, lowest first: `low`, `medium` (`moderate` is read as `medium`), `high`, `critical`,
//!   in any case. `max-severity=high` blocks high and critical findings and lets medium and low
//!   ones through; an unscanned version fails ("no scan result").
//! - An allowlist entry is an advisory id (letters, digits, `-_.:/`; compared ignoring ASCII case)
//!   with an optional expiry, `YYYY-MM-DD` (the start of that day, UTC) or an RFC 3339 time: the
//!   finding stops blocking until then (`CVE-2024-1234@2027-01-01`), and blocks again after it.
//! - Durations are [`Age`](crate::retention::Age)s: a whole number and `s`, `m`, `h`, `d` or `w`.
//! - A `cel=` expression may contain spaces; it is compiled when the gate is parsed (a syntax error
//!   is refused with the parser's message), is at most [`MAX_CEL_BYTES`], and sees the facts
//!   described in [`cel`](self::cel) (and `docs/cel.md`). Anything but `true` fails: `false`
//!   ("expression is false"), another type or an evaluation error such as a missing field
//!   ("expression failed: …").
//!
//! The canonical text ([`Gate`]'s `Display`) is the gate as written, with the severity in lower
//! case and numbers without leading zeros; it parses back to the same gate.

pub mod cel;
mod evaluate;
mod gate;
pub mod record;

pub use self::cel::MAX_CEL_BYTES;
pub use evaluate::{
    Approval, ArtifactFacts, Facts, Finding, StageFacts, Verdict, VerifiedProvenance, VerifiedSignature, evaluate,
};
pub use gate::{Allowed, Expiry, Gate, GateError, GateProblem, MAX_APPROVALS, MAX_GATE_BYTES, Severity, parse_gates};

use crate::error::{Error, ErrorKind};

impl From<GateError> for Error {
    /// A bad gate is an invalid request.
    fn from(e: GateError) -> Self {
        Error::new(ErrorKind::InvalidRequest, e.to_string())
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod proptests;
