//! Semantic Versioning 2.0.0 (npm, Cargo, Go modules).
//!
//! Precedence is the spec's §11: major, minor, patch numerically; a version with a pre-release sorts
//! before the same version without one; pre-release identifiers compare left to right, numeric ones
//! by value and below alphanumeric ones (compared in ASCII order), and a shorter list of otherwise
//! equal identifiers comes first. Build metadata does not take part in precedence
//! ([`SemVer::cmp_precedence`]). `Ord` is a total order consistent with `Eq`, so it breaks the ties
//! that precedence leaves on the build metadata: none first, then the metadata strings in byte order
//! (`1.0.0 < 1.0.0+a < 1.0.0+b`).

use super::numeric::{Numeric, digit_run};
use super::{MAX_VERSION_LEN, VersionError};
use std::cmp::Ordering;
use std::fmt;

/// A version as the SemVer 2.0.0 grammar spells it: `1.2.3`, `1.0.0-rc.1`, `1.0.0+build.5`.
/// No `v` prefix, no leading zeros in numbers, so the text is canonical and prints back unchanged.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SemVer {
    major: Numeric,
    minor: Numeric,
    patch: Numeric,
    pre: Vec<PreRelease>,
    /// The text after `+`, kept verbatim.
    build: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
enum PreRelease {
    Numeric(Numeric),
    AlphaNumeric(String),
}

const SCHEME: &str = "SemVer";

fn invalid(reason: &'static str) -> VersionError {
    VersionError::Invalid { scheme: SCHEME, reason }
}

impl SemVer {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        if s.is_empty() {
            return Err(VersionError::Empty);
        }
        if s.len() > MAX_VERSION_LEN {
            return Err(VersionError::TooLong);
        }
        let (rest, build) = match s.split_once('+') {
            Some((rest, build)) => {
                check_identifiers(build, "build metadata must be dot-separated [0-9A-Za-z-] identifiers")?;
                (rest, Some(build.to_owned()))
            }
            None => (s, None),
        };
        let (core, pre) = match rest.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (rest, None),
        };
        let mut numbers = core.split('.').map(number);
        let (Some(major), Some(minor), Some(patch), None) =
            (numbers.next(), numbers.next(), numbers.next(), numbers.next())
        else {
            return Err(invalid("expected MAJOR.MINOR.PATCH"));
        };
        let pre = match pre {
            Some(pre) => check_identifiers(pre, "pre-release must be dot-separated [0-9A-Za-z-] identifiers")?
                .map(|id| match number(id) {
                    Ok(n) => Ok(PreRelease::Numeric(n)),
                    Err(_) if id.bytes().all(|b| b.is_ascii_digit()) => {
                        Err(invalid("numeric pre-release identifiers must not have leading zeros"))
                    }
                    Err(_) => Ok(PreRelease::AlphaNumeric(id.to_owned())),
                })
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        Ok(Self { major: major?, minor: minor?, patch: patch?, pre, build })
    }

    /// The spec's precedence, which ignores build metadata: `1.0.0+a` and `1.0.0+b` are equal here.
    pub fn cmp_precedence(&self, other: &Self) -> Ordering {
        (&self.major, &self.minor, &self.patch).cmp(&(&other.major, &other.minor, &other.patch)).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            }
        })
    }

    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    pub fn build(&self) -> Option<&str> {
        self.build.as_deref()
    }
}

/// A numeric identifier: `0` or digits without a leading zero.
fn number(s: &str) -> Result<Numeric, VersionError> {
    let b = s.as_bytes();
    if b.is_empty() || digit_run(b) != b.len() {
        return Err(invalid("expected a number"));
    }
    if b.len() > 1 && b[0] == b'0' {
        return Err(invalid("numbers must not have leading zeros"));
    }
    Ok(Numeric::from_digits(s))
}

/// Splits on `.`, checking that each identifier is a non-empty `[0-9A-Za-z-]+`.
fn check_identifiers<'a>(s: &'a str, reason: &'static str) -> Result<std::str::Split<'a, char>, VersionError> {
    let ok = |id: &str| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if s.split('.').all(ok) { Ok(s.split('.')) } else { Err(invalid(reason)) }
}

impl Ord for PreRelease {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Numeric(a), Self::Numeric(b)) => a.cmp(b),
            (Self::Numeric(_), Self::AlphaNumeric(_)) => Ordering::Less,
            (Self::AlphaNumeric(_), Self::Numeric(_)) => Ordering::Greater,
            (Self::AlphaNumeric(a), Self::AlphaNumeric(b)) => a.as_bytes().cmp(b.as_bytes()),
        }
    }
}

impl PartialOrd for PreRelease {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_precedence(other).then_with(|| self.build.cmp(&other.build))
    }
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for SemVer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, id) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            match id {
                PreRelease::Numeric(n) => write!(f, "{n}")?,
                PreRelease::AlphaNumeric(s) => f.write_str(s)?,
            }
        }
        if let Some(build) = &self.build {
            write!(f, "+{build}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for SemVer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SemVer({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::laws;
    use proptest::prelude::*;

    fn v(s: &str) -> SemVer {
        SemVer::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    /// SemVer 2.0.0 §11, items 2 to 4 (https://semver.org/spec/v2.0.0.html#spec-item-11).
    #[test]
    fn spec_precedence_examples() {
        laws::assert_ascending(&["1.0.0", "2.0.0", "2.1.0", "2.1.1"], v);
        laws::assert_ascending(&["1.0.0-alpha", "1.0.0"], v);
        laws::assert_ascending(
            &[
                "1.0.0-alpha",
                "1.0.0-alpha.1",
                "1.0.0-alpha.beta",
                "1.0.0-beta",
                "1.0.0-beta.2",
                "1.0.0-beta.11",
                "1.0.0-rc.1",
                "1.0.0",
            ],
            v,
        );
    }

    #[test]
    fn build_metadata_is_kept_but_only_breaks_ties() {
        // §10: "1.0.0-alpha+001, 1.0.0+20130313144700, 1.0.0-beta+exp.sha.5114f85" are valid.
        for s in
            ["1.0.0-alpha+001", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85", "1.0.0+21AF26D3---117B344092BD"]
        {
            assert_eq!(v(s).to_string(), s);
        }
        assert_eq!(v("1.0.0+b").cmp_precedence(&v("1.0.0+a")), Ordering::Equal);
        laws::assert_ascending(&["1.0.0-rc.1+zzz", "1.0.0", "1.0.0+a", "1.0.0+b", "1.0.1+a"], v);
        assert_eq!(v("1.0.0+20130313144700").build(), Some("20130313144700"));
    }

    #[test]
    fn numbers_are_unbounded_and_compared_by_value() {
        laws::assert_ascending(&["1.0.0-2", "1.0.0-10", "1.0.0-99999999999999999999999", "1.0.0-a"], v);
        laws::assert_ascending(&["18446744073709551615.0.0", "18446744073709551616.0.0"], v);
        // After the first one, hyphens are part of identifiers, not separators: `x` is a prefix of `x-1`.
        laws::assert_ascending(&["1.0.0-x.1", "1.0.0-x-1", "1.0.0-x-2"], v);
    }

    #[test]
    fn rejects_what_the_grammar_excludes() {
        for bad in [
            "",
            "1",
            "1.0",
            "1.0.0.0",
            "01.0.0",
            "1.02.0",
            "1.0.0-01",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-a..b",
            "1.0.0+a..b",
            "v1.0.0",
            " 1.0.0",
            "1.0.0 ",
            "1.0.0-é",
            "1.0.0+a+b",
            "-1.0.0",
            "1.-0.0",
            "1.0.x",
        ] {
            assert!(SemVer::parse(bad).is_err(), "{bad:?}");
        }
        for ok in ["0.0.0", "1.0.0-0", "1.0.0-0a", "1.0.0-00a", "1.0.0-a.0", "1.0.0+001", "1.0.0--", "1.0.0-a-"] {
            assert_eq!(v(ok).to_string(), ok);
        }
        assert!(SemVer::parse(&format!("1.0.0-{}", "a".repeat(MAX_VERSION_LEN))).is_err());
    }

    fn semver_text() -> impl Strategy<Value = String> {
        let number = prop_oneof!["0", "[1-9][0-9]{0,2}"];
        let id = prop_oneof![Just("0".to_owned()), "[1-9][0-9]?", "[a-c-][a-c0-9-]{0,2}"];
        let pre = prop::collection::vec(id, 0..4);
        let build = prop::option::of("[a-c0-9-]{1,3}(\\.[a-c0-9-]{1,3})?");
        (number.clone(), number.clone(), number, pre, build).prop_map(|(a, b, c, pre, build)| {
            let mut s = format!("{a}.{b}.{c}");
            if !pre.is_empty() {
                s = format!("{s}-{}", pre.join("."));
            }
            if let Some(build) = build {
                s = format!("{s}+{build}");
            }
            s
        })
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = SemVer::parse(&s);
        }

        #[test]
        fn valid_versions_round_trip(s in semver_text()) {
            prop_assert_eq!(v(&s).to_string(), s);
        }

        #[test]
        fn order_laws(a in semver_text(), b in semver_text(), c in semver_text()) {
            laws::check_total_order(&v(&a), &v(&b), &v(&c))?;
            // Precedence is a coarser preorder than Ord: it never contradicts it.
            let (va, vb) = (v(&a), v(&b));
            let precedence = va.cmp_precedence(&vb);
            prop_assert!(precedence == Ordering::Equal || precedence == va.cmp(&vb));
        }
    }
}
