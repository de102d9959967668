//! PEP 440 versions (PyPI), parsed and ordered as `packaging.version.Version` does.
//!
//! The grammar is packaging's `VERSION_PATTERN`, which accepts every spelling PEP 440's
//! "Normalization" section allows (a `v` prefix, any case, `-`/`_`/`.` separators, `alpha`/`beta`/
//! `c`/`pre`/`preview`/`rev`/`r` spellings, implicit numbers, `1.0-1` as a post-release, surrounding
//! whitespace); `Display` prints the normalized form. The order is packaging's `_cmpkey`: epoch,
//! release with trailing zeros ignored (`1.0 == 1.0.0`), then `.devN` of a final release before its
//! pre-releases, pre-releases `a < b < rc`, the release itself, post-releases; within each, a `.devN`
//! sorts first; a local label sorts after the same public version, its segments compared numerically
//! when all digits (and above letters), lexically otherwise, a longer label after its prefix.
//!
//! Case folding is ASCII only (Python's `re.IGNORECASE` would also fold the Kelvin sign and a few
//! other Unicode letters into `k`/`s`; no real version relies on that).

use super::numeric::{Numeric, digit_run};
use super::{MAX_VERSION_LEN, VersionError};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A parsed PEP 440 version. Equality is PEP 440's (`1.0 == 1.0.0 == v1.0`), so two equal versions
/// may print differently only in trailing release zeros, which `Display` keeps as given.
#[derive(Clone)]
pub struct Pep440 {
    epoch: Numeric,
    release: Vec<Numeric>,
    pre: Option<(PreKind, Numeric)>,
    post: Option<Numeric>,
    dev: Option<Numeric>,
    /// Empty when there is no local label (`+` needs at least one segment).
    local: Vec<LocalSegment>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum PreKind {
    Alpha,
    Beta,
    ReleaseCandidate,
}

/// Derived order: letters before numbers, as packaging puts a string segment at negative infinity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum LocalSegment {
    Alpha(String),
    Number(Numeric),
}

/// Where a version stands against the pre-releases of its release (packaging's `_pre` key).
#[derive(PartialEq, Eq, PartialOrd, Ord, Hash)]
enum PreKey<'a> {
    /// `1.0.dev1`: a development release of the final version, before `1.0a1`.
    DevOfFinal,
    Pre(PreKind, &'a Numeric),
    Final,
}

/// `None` sorts after every `.devN`, hence not a plain `Option`.
#[derive(PartialEq, Eq, PartialOrd, Ord, Hash)]
enum DevKey<'a> {
    Dev(&'a Numeric),
    None,
}

type Key<'a> = (&'a Numeric, &'a [Numeric], PreKey<'a>, Option<&'a Numeric>, DevKey<'a>, &'a [LocalSegment]);

const SCHEME: &str = "PEP 440";

fn invalid(reason: &'static str) -> VersionError {
    VersionError::Invalid { scheme: SCHEME, reason }
}

impl Pep440 {
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        if s.len() > MAX_VERSION_LEN {
            return Err(VersionError::TooLong);
        }
        let trimmed = s.trim_matches(char::is_whitespace).to_ascii_lowercase();
        if trimmed.is_empty() {
            return Err(VersionError::Empty);
        }
        let mut p = Cursor { s: trimmed.as_bytes(), at: 0 };
        p.eat(b"v");
        let epoch = match (p.digits_at(p.at), p.s.get(p.at + p.digits_at(p.at))) {
            (n, Some(b'!')) if n > 0 => {
                let epoch = p.number().unwrap_or_else(Numeric::zero);
                p.at += 1;
                epoch
            }
            _ => Numeric::zero(),
        };
        let mut release = vec![p.number().ok_or_else(|| invalid("expected a release number such as 1.0"))?];
        while p.peek() == Some(b'.') && p.digits_at(p.at + 1) > 0 {
            p.at += 1;
            release.extend(p.number());
        }
        let pre = p.labelled(&[
            (b"alpha", PreKind::Alpha),
            (b"a", PreKind::Alpha),
            (b"beta", PreKind::Beta),
            (b"b", PreKind::Beta),
            (b"preview", PreKind::ReleaseCandidate),
            (b"pre", PreKind::ReleaseCandidate),
            (b"c", PreKind::ReleaseCandidate),
            (b"rc", PreKind::ReleaseCandidate),
        ]);
        let post = p.implicit_post().or_else(|| p.labelled(&[(b"post", ()), (b"rev", ()), (b"r", ())]).map(|(_, n)| n));
        let dev = p.labelled(&[(b"dev", ())]).map(|(_, n)| n);
        let mut local = Vec::new();
        if p.eat(b"+") {
            loop {
                let len = p.s[p.at..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
                if len == 0 {
                    return Err(invalid("a local label is dot-separated letters and digits, e.g. +ubuntu.1"));
                }
                let segment = &trimmed[p.at..p.at + len];
                local.push(if digit_run(segment.as_bytes()) == len {
                    LocalSegment::Number(Numeric::from_digits(segment))
                } else {
                    LocalSegment::Alpha(segment.to_owned())
                });
                p.at += len;
                if p.at == p.s.len() {
                    break;
                }
                if !p.eat_separator() {
                    return Err(invalid("a local label is dot-separated letters and digits, e.g. +ubuntu.1"));
                }
            }
        }
        if p.at != p.s.len() {
            return Err(invalid("expected [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]"));
        }
        Ok(Self { epoch, release, pre, post, dev, local })
    }

    /// A pre-release or development release (`1.0a1`, `1.0.dev0`, `1.0.post1.dev0`).
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    fn key(&self) -> Key<'_> {
        let zeros = self.release.iter().rev().take_while(|n| n.is_zero()).count();
        let release = &self.release[..self.release.len() - zeros];
        let pre = match (&self.pre, &self.post, &self.dev) {
            (Some((kind, n)), _, _) => PreKey::Pre(*kind, n),
            (None, None, Some(_)) => PreKey::DevOfFinal,
            (None, _, _) => PreKey::Final,
        };
        let dev = self.dev.as_ref().map_or(DevKey::None, DevKey::Dev);
        (&self.epoch, release, pre, self.post.as_ref(), dev, &self.local)
    }
}

/// A cursor over the lowercased version, with the pieces of packaging's `VERSION_PATTERN`.
struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn digits_at(&self, at: usize) -> usize {
        self.s.get(at..).map_or(0, digit_run)
    }

    fn eat(&mut self, token: &[u8]) -> bool {
        let hit = self.s[self.at..].starts_with(token);
        if hit {
            self.at += token.len();
        }
        hit
    }

    /// `[-_\.]`
    fn eat_separator(&mut self) -> bool {
        let hit = matches!(self.peek(), Some(b'-' | b'_' | b'.'));
        if hit {
            self.at += 1;
        }
        hit
    }

    fn number(&mut self) -> Option<Numeric> {
        let len = self.digits_at(self.at);
        (len > 0).then(|| {
            // The slice is ASCII digits, so it is valid UTF-8.
            let digits = std::str::from_utf8(&self.s[self.at..self.at + len]).unwrap_or("0");
            self.at += len;
            Numeric::from_digits(digits)
        })
    }

    /// `[-_\.]?(label)[-_\.]?([0-9]+)?`, trying the labels in order as the regex alternation does; the
    /// number defaults to 0. Restores the position when no label follows.
    fn labelled<T: Copy>(&mut self, labels: &[(&[u8], T)]) -> Option<(T, Numeric)> {
        let start = self.at;
        self.eat_separator();
        let Some(&(_, value)) = labels.iter().find(|(label, _)| self.eat(label)) else {
            self.at = start;
            return None;
        };
        // The regex's greedy `[-_\.]?` keeps a trailing separator even without a number after it;
        // nothing later needs it (every later part has its own optional separator).
        self.eat_separator();
        Some((value, self.number().unwrap_or_else(Numeric::zero)))
    }

    /// `-N`: the implicit post-release of `1.0-1`.
    fn implicit_post(&mut self) -> Option<Numeric> {
        if self.peek() == Some(b'-') && self.digits_at(self.at + 1) > 0 {
            self.at += 1;
            return self.number();
        }
        None
    }
}

impl PartialEq for Pep440 {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Pep440 {}

impl Hash for Pep440 {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl Ord for Pep440 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Pep440 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The normalized form (packaging's `str(Version(...))`): `1!2.0rc1.post0.dev3+ubuntu.1`.
impl fmt::Display for Pep440 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.epoch.is_zero() {
            write!(f, "{}!", self.epoch)?;
        }
        for (i, n) in self.release.iter().enumerate() {
            write!(f, "{}{n}", if i == 0 { "" } else { "." })?;
        }
        if let Some((kind, n)) = &self.pre {
            let label = match kind {
                PreKind::Alpha => "a",
                PreKind::Beta => "b",
                PreKind::ReleaseCandidate => "rc",
            };
            write!(f, "{label}{n}")?;
        }
        if let Some(n) = &self.post {
            write!(f, ".post{n}")?;
        }
        if let Some(n) = &self.dev {
            write!(f, ".dev{n}")?;
        }
        for (i, segment) in self.local.iter().enumerate() {
            f.write_str(if i == 0 { "+" } else { "." })?;
            match segment {
                LocalSegment::Alpha(s) => f.write_str(s)?,
                LocalSegment::Number(n) => write!(f, "{n}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Pep440 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pep440({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::laws;
    use proptest::prelude::*;

    fn v(s: &str) -> Pep440 {
        Pep440::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    /// PEP 440, "Summary of permitted suffixes and relative ordering": the example list, in order.
    #[test]
    fn pep_440_ordering_example() {
        laws::assert_ascending(
            &[
                "1.dev0",
                "1.0.dev456",
                "1.0a1",
                "1.0a2.dev456",
                "1.0a12.dev456",
                "1.0a12",
                "1.0b1.dev456",
                "1.0b2",
                "1.0b2.post345.dev456",
                "1.0b2.post345",
                "1.0rc1.dev456",
                "1.0rc1",
                "1.0",
                "1.0+abc.5",
                "1.0+abc.7",
                "1.0+5",
                "1.0.post456.dev34",
                "1.0.post456",
                "1.0.15",
                "1.1.dev1",
            ],
            v,
        );
    }

    #[test]
    fn epochs_and_release_segments() {
        // PEP 440 "Version epochs": 1!1.0 sorts after 2013.10 despite the smaller release number.
        laws::assert_ascending(&["1.0", "1.1", "2013.10", "2014.04", "1!1.0", "1!1.1", "1!2.0"], v);
        // "Final releases": comparing release segments pads the shorter one with zeros.
        assert_eq!(v("1.0"), v("1.0.0"));
        assert_eq!(v("1"), v("1.0.0.0"));
        laws::assert_ascending(&["1.0.0", "1.0.1", "1.1", "1.10"], v);
        assert_eq!(v("1.0").to_string(), "1.0");
        assert_eq!(v("1.0.0").to_string(), "1.0.0");
    }

    /// Local version labels: "compared ... with alphanumeric segments compared lexicographically and
    /// numeric segments compared numerically; numeric segments always compare greater than lexicographic
    /// ones; a longer label with a matching prefix is greater".
    #[test]
    fn local_label_ordering() {
        laws::assert_ascending(
            &[
                "1.0",
                "1.0+a",
                "1.0+a.b",
                "1.0+b",
                "1.0+ubuntu.1",
                "1.0+ubuntu.2",
                "1.0+ubuntu.10",
                "1.0+0",
                "1.0+9",
                "1.0+10",
            ],
            v,
        );
        assert_eq!(v("1.0+01"), v("1.0+1"));
        assert_eq!(v("1.0+01").to_string(), "1.0+1");
        assert_eq!(v("1.0+ABC"), v("1.0+abc"));
        assert!(v("1.0+abc") < v("1.0.post0"));
    }

    /// PEP 440 "Normalization": each spelling on the left normalizes to the right.
    #[test]
    fn pep_440_normalization_examples() {
        for (raw, normal) in [
            ("1.1RC1", "1.1rc1"), // case sensitivity
            ("00", "0"),          // integer normalization
            ("09000", "9000"),
            ("1.0+foo0100", "1.0+foo0100"), // ... but not inside local segments
            ("1.1.a1", "1.1a1"),            // pre-release separators
            ("1.1-a1", "1.1a1"),
            ("1.0a.1", "1.0a1"),
            ("1.1alpha1", "1.1a1"), // pre-release spelling
            ("1.1beta2", "1.1b2"),
            ("1.1c3", "1.1rc3"),
            ("1.1pre4", "1.1rc4"),
            ("1.1preview5", "1.1rc5"),
            ("1.2a", "1.2a0"),          // implicit pre-release number
            ("1.2.post2", "1.2.post2"), // post-release separators
            ("1.2-post2", "1.2.post2"),
            ("1.2post2", "1.2.post2"),
            ("1.2.post-2", "1.2.post2"),
            ("1.0-r4", "1.0.post4"), // post-release spelling
            ("1.0-rev4", "1.0.post4"),
            ("1.2.post", "1.2.post0"), // implicit post-release number
            ("1.0-1", "1.0.post1"),    // implicit post releases
            ("1.2-dev2", "1.2.dev2"),  // development release separators
            ("1.2dev2", "1.2.dev2"),
            ("1.2.dev", "1.2.dev0"),          // implicit development release number
            ("1.0+ubuntu-1", "1.0+ubuntu.1"), // local version segments
            ("1.0+ubuntu_1", "1.0+ubuntu.1"),
            ("v1.0", "1.0"),    // preceding v character
            ("  1.0\n", "1.0"), // leading and trailing whitespace
            ("1!2.0RC1.POST0.DEV3+Ubuntu-1", "1!2.0rc1.post0.dev3+ubuntu.1"),
            ("0!1.0", "1.0"),
        ] {
            assert_eq!(v(raw).to_string(), normal, "{raw:?}");
            assert_eq!(v(raw), v(normal), "{raw:?}");
        }
    }

    #[test]
    fn rejects_what_the_grammar_excludes() {
        for bad in [
            "",
            " ",
            "1.0-",
            "1.0+",
            "1.0+a..b",
            "1.0+a-",
            "1.0+.a",
            "a1.0",
            "1.0.",
            "1..0",
            "1.0a1a1",
            "1.0.post1.post2",
            "1.0.dev1.dev2",
            "1.0dev1a1",
            "1.0 1",
            "!1.0",
            "1!",
            "1.0_+a",
            "1.0+é",
            "vv1.0",
            "1.0post1dev1+",
            "1.0-foo",
        ] {
            assert!(Pep440::parse(bad).is_err(), "{bad:?}");
        }
        // The pattern's optional trailing separator after a label is real: packaging accepts these.
        for (ok, normal) in
            [("1.0a.", "1.0a0"), ("1.0.post-", "1.0.post0"), ("1.0a-.dev", "1.0a0.dev0"), ("1.0-r-", "1.0.post0")]
        {
            assert_eq!(v(ok).to_string(), normal, "{ok:?}");
        }
    }

    /// Spellings PEP 440 allows, so the strategy covers the normalizer as well as the order.
    fn pep440_text() -> impl Strategy<Value = String> {
        let n = || "[0-9]{1,2}";
        let sep = || prop_oneof![Just(""), Just("."), Just("-"), Just("_")];
        let pre = prop::option::of((sep(), prop_oneof!["a", "b", "rc", "c", "alpha", "Beta", "pre"], sep(), n()));
        let post = prop::option::of(prop_oneof![
            n().prop_map(|n| format!("-{n}")),
            (sep(), prop_oneof!["post", "rev", "r"], n()).prop_map(|(s, l, n)| format!("{s}{l}{n}")),
        ]);
        let dev = prop::option::of((sep(), n()).prop_map(|(s, n)| format!("{s}dev{n}")));
        let local = prop::option::of("[a-c0-9]{1,3}([._-][a-c0-9]{1,3}){0,2}");
        (prop::option::of("[0-2]"), prop::collection::vec(n(), 1..4), pre, post, dev, local).prop_map(
            |(epoch, release, pre, post, dev, local)| {
                let mut s = epoch.map(|e| format!("{e}!")).unwrap_or_default();
                s.push_str(&release.join("."));
                if let Some((s1, label, s2, n)) = pre {
                    s.push_str(&format!("{s1}{label}{s2}{n}"));
                }
                s.push_str(&post.unwrap_or_default());
                s.push_str(&dev.unwrap_or_default());
                if let Some(local) = local {
                    s.push_str(&format!("+{local}"));
                }
                s
            },
        )
    }

    proptest! {
        #[test]
        fn never_panics(s in "[ v0-9.!+_a-z-]{0,24}|.{0,24}") {
            let _ = Pep440::parse(&s);
        }

        #[test]
        fn normal_form_is_a_fixed_point(s in pep440_text()) {
            let once = v(&s);
            let normal = once.to_string();
            let twice = v(&normal);
            prop_assert_eq!(&once, &twice);
            prop_assert_eq!(twice.to_string(), normal);
        }

        #[test]
        fn order_laws(a in pep440_text(), b in pep440_text(), c in pep440_text()) {
            laws::check_total_order(&v(&a), &v(&b), &v(&c))?;
        }

        #[test]
        fn trailing_zeros_never_matter(s in pep440_text(), zeros in 1usize..3) {
            // Pad the release segment (after any epoch, before the first suffix) with zeros.
            let prefix = s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '!')).unwrap_or(s.len());
            let release_end = s[..prefix].trim_end_matches('.').len();
            let padded = format!("{}{}{}", &s[..release_end], ".0".repeat(zeros), &s[release_end..]);
            prop_assert_eq!(v(&padded), v(&s));
        }
    }
}
