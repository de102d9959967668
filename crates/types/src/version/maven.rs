//! Maven versions, ordered as Maven 3.9's `ComparableVersion` (maven-artifact) orders them.
//!
//! Parsing is a port of `ComparableVersion.parseVersion` (3.9.x, including MNG-7644, "treat `.X` as
//! `-X`"): the lowercased text splits into items at `.`, `-` and every letter/digit transition; a `-`,
//! or a transition, opens a nested list; numbers lose leading zeros; `a1`/`b1`/`m1` mean
//! alpha/beta/milestone; `cr` is `rc`; `ga`, `final` and `release` are the empty qualifier. Each list is
//! then normalized by dropping null items (`0`, the empty qualifier, empty lists) from its end,
//! looking past non-null sub-lists. `1.0` is `1`, `1.0-alpha` is `1-alpha`, `1ga` is `1`.
//!
//! The items at one position order as `alpha < beta < milestone < rc < snapshot < "" < sp < unknown
//! qualifiers (lexically)`, any qualifier below a sub-list, any sub-list below a number, and numbers by
//! value; a missing item (the shorter version ran out) counts as the empty qualifier against a
//! qualifier, as `0` against a number, and against a sub-list as whatever decides that sub-list against
//! nothing. So `1-alpha < 1-SNAPSHOT < 1 = 1.0 < 1-sp < 1-abc < 1-1 < 1.0.1 < 1.1`.
//!
//! Maven's own comparison is not transitive on some strings, because a missing item equals `0` yet
//! `0` beats every qualifier and sub-list, and a sub-list beats every qualifier whichever side of
//! release either falls. Maven has `1.0.0.RC-1 < 1 < 1-1 < 1.0.0.RC-1` (the first step reads the
//! zeros as missing, the last ranks `0` above the sub-list `-1`). An `Ord` must break such cycles;
//! here every position orders as one line:
//!
//! `qualifiers below release < sub-lists below "missing" < missing = "" = 0-before-a-qualifier
//!  < sp and unknown qualifiers < sub-lists above "missing" < numbers`
//!
//! where a `0` that normalization kept because a qualifier below release follows it in its list
//! (`1.0.0.RC-1`, `1.0.alpha.1`) counts as missing, and every other `0` is a number (`1.0.1 > 1-1`,
//! as in Maven). So `1.0.0.RC-1 < 1 < 1-1`, which is what the spelling means. Results differ from
//! Maven's only where Maven is cyclic: a sub-list against a qualifier on the other side of release,
//! or a `0` or a `ga` against a qualifier or sub-list in the middle of a dotted run (`1.sp.1`,
//! `1.ga.1`, `1-0-milestone`). Every vector of Maven's `ComparableVersionTest` holds unchanged. Two smaller
//! differences: digits are ASCII only (Maven 3.9 also splits on other Unicode digits), and numbers
//! compare by value (Maven ranks an all-zero run of ten or more digits, a `long`, above every `int`).

use super::numeric::Numeric;
use super::{MAX_VERSION_LEN, VersionError};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A Maven version: the text as given (what `Display` prints, as Maven's `toString`) and its items.
/// Equality is the order's (`1.0 == 1 == 1-ga`).
#[derive(Clone)]
pub struct MavenVersion {
    text: String,
    items: Vec<Item>,
}

#[derive(Debug, Clone)]
enum Item {
    Number(Numeric),
    /// A `0` whose list goes on, past any other nulls, with a qualifier below release (`1.0.0.RC-1`);
    /// see the module docs for why it compares as a missing item would.
    ZeroBeforePreRelease,
    /// After aliasing: `alpha`, `beta`, `milestone`, `rc`, `snapshot`, `` (release), `sp`, or unknown.
    Qualifier(String),
    /// A sub-list, with how it compares to a missing item, worked out once after normalization.
    List(Vec<Item>, Ordering),
}

/// Maven's `QUALIFIERS`, lowest first. `ga`, `final` and `release` are aliased to "" when parsed.
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE: usize = 5;

const SCHEME: &str = "Maven";

impl MavenVersion {
    /// Maven gives every string an order; arca refuses only what cannot be a version in a path or a
    /// listing: the empty string, more than [`MAX_VERSION_LEN`] bytes, whitespace and control characters.
    pub fn parse(s: &str) -> Result<Self, VersionError> {
        if s.is_empty() {
            return Err(VersionError::Empty);
        }
        if s.len() > MAX_VERSION_LEN {
            return Err(VersionError::TooLong);
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(VersionError::Invalid {
                scheme: SCHEME,
                reason: "whitespace and control characters are not allowed",
            });
        }
        Ok(Self { text: s.to_owned(), items: parse_items(&s.to_lowercase()) })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Maven's canonical form (`ComparableVersion.getCanonical`): `1.0-ALPHA1` is `1-alpha-1`.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        write_canonical(&self.items, &mut out);
        out
    }

    /// A version with a qualifier below release anywhere (`1.0-SNAPSHOT`, `2.0-rc-1`, `1.0-alpha-1-sp`).
    pub fn is_prerelease(&self) -> bool {
        fn below_release(items: &[Item]) -> bool {
            items.iter().any(|item| match item {
                Item::Qualifier(q) => matches!(qualifier_rank(q), QualifierRank::Known(i) if i < RELEASE),
                Item::List(items, _) => below_release(items),
                Item::Number(_) | Item::ZeroBeforePreRelease => false,
            })
        }
        below_release(&self.items)
    }
}

/// `ComparableVersion.parseVersion` (3.9.x). `stack` holds the open lists, innermost last; a list is
/// always the last item of its parent, so it is attached when closed.
fn parse_items(version: &str) -> Vec<Item> {
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0;
    for (i, c) in version.char_indices() {
        if c == '.' || c == '-' {
            let item = if i == start { Item::Number(Numeric::zero()) } else { item(is_digit, &version[start..i]) };
            push(&mut stack, item);
            start = i + 1;
            if c == '-' {
                stack.push(Vec::new());
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                // Letters then digits (`rc1`): the letters are a qualifier followed by a digit, in a
                // list of their own (MNG-7644: `1.0.0.RC1` is `1.0.0-RC1`), the digits in another.
                if !top_is_empty(&stack) {
                    stack.push(Vec::new());
                }
                push(&mut stack, qualifier(&version[start..i], true));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                push(&mut stack, item(true, &version[start..i]));
                start = i;
                stack.push(Vec::new());
            }
            is_digit = false;
        }
    }
    if version.len() > start {
        // A trailing qualifier after a `.` is a sub-list too (`2.0.a` is `2-a`).
        if !is_digit && !top_is_empty(&stack) {
            stack.push(Vec::new());
        }
        push(&mut stack, item(is_digit, &version[start..]));
    }
    // Close the lists innermost first, as Maven normalizes them (its stack pops in the same order).
    // Each was opened as the last item of the list below it, and nothing was added to that one since.
    let mut child = None;
    while let Some(mut list) = stack.pop() {
        list.extend(child.take());
        normalize(&mut list);
        mark_zeros_before_prereleases(&mut list);
        if stack.is_empty() {
            return list;
        }
        let vs_missing = cmp_lists(&list, &[]);
        child = Some(Item::List(list, vs_missing));
    }
    Vec::new()
}

/// Adds to the innermost open list (there always is one while parsing).
fn push(stack: &mut [Vec<Item>], item: Item) {
    if let Some(list) = stack.last_mut() {
        list.push(item);
    }
}

fn top_is_empty(stack: &[Vec<Item>]) -> bool {
    stack.last().is_none_or(Vec::is_empty)
}

fn item(is_digit: bool, text: &str) -> Item {
    if is_digit { Item::Number(Numeric::from_digits(text)) } else { qualifier(text, false) }
}

fn qualifier(text: &str, followed_by_digit: bool) -> Item {
    let text = match text {
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Qualifier(text.to_owned())
}

/// Drops null items from the end, stepping over non-null sub-lists (so `1.0-1` is `1-1`).
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        let null = match &list[i] {
            Item::Number(n) => n.is_zero(),
            Item::ZeroBeforePreRelease => true,
            Item::Qualifier(q) => q.is_empty(),
            Item::List(items, _) => items.is_empty(),
        };
        if null {
            list.remove(i);
        } else if !matches!(list[i], Item::List(..)) {
            break;
        }
    }
}

fn mark_zeros_before_prereleases(list: &mut [Item]) {
    let mut prerelease_follows = false;
    for item in list.iter_mut().rev() {
        match item {
            Item::Number(n) if n.is_zero() => {
                if prerelease_follows {
                    *item = Item::ZeroBeforePreRelease;
                }
            }
            Item::Qualifier(q) if q.is_empty() => {}
            Item::Qualifier(q) => {
                prerelease_follows = matches!(qualifier_rank(q), QualifierRank::Known(i) if i < RELEASE);
            }
            Item::Number(_) | Item::List(..) | Item::ZeroBeforePreRelease => prerelease_follows = false,
        }
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum QualifierRank<'a> {
    Known(usize),
    Unknown(&'a str),
}

fn qualifier_rank(q: &str) -> QualifierRank<'_> {
    QUALIFIERS.iter().position(|known| *known == q).map_or(QualifierRank::Unknown(q), QualifierRank::Known)
}

/// The rank of an item (or of a missing one, `None`) at one position: the linear order described in
/// the module docs. Items of equal rank are then compared among themselves.
fn rank(item: Option<&Item>) -> u8 {
    match item {
        Some(Item::Qualifier(q)) => match qualifier_rank(q) {
            QualifierRank::Known(i) if i < RELEASE => 0,
            QualifierRank::Known(RELEASE) => 2,
            _ => 3,
        },
        Some(Item::List(_, Ordering::Less)) => 1,
        None | Some(Item::ZeroBeforePreRelease | Item::List(_, Ordering::Equal)) => 2,
        Some(Item::List(_, Ordering::Greater)) => 4,
        Some(Item::Number(_)) => 5,
    }
}

fn cmp_items(a: Option<&Item>, b: Option<&Item>) -> Ordering {
    rank(a).cmp(&rank(b)).then_with(|| match (a, b) {
        (Some(Item::Number(x)), Some(Item::Number(y))) => x.cmp(y),
        (Some(Item::Qualifier(x)), Some(Item::Qualifier(y))) => qualifier_rank(x).cmp(&qualifier_rank(y)),
        (Some(Item::List(x, _)), Some(Item::List(y, _))) => cmp_lists(x, y),
        // Equal ranks of different kinds are all "same as missing" (rank 2).
        _ => Ordering::Equal,
    })
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    (0..a.len().max(b.len())).map(|i| cmp_items(a.get(i), b.get(i))).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
}

fn write_canonical(items: &[Item], out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(if matches!(item, Item::List(..)) { '-' } else { '.' });
        }
        match item {
            Item::Number(n) => out.push_str(&n.to_string()),
            Item::ZeroBeforePreRelease => out.push('0'),
            Item::Qualifier(q) => out.push_str(q),
            Item::List(items, _) => write_canonical(items, out),
        }
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}

/// Hashes what the order looks at: rank by rank, and within a rank the value, except for items that
/// count as missing (rank 2), which are all equal. Normalization leaves no such item at the end of a
/// list, so equal versions have the same shape and hash alike.
impl Hash for MavenVersion {
    fn hash<H: Hasher>(&self, state: &mut H) {
        fn hash_items<H: Hasher>(items: &[Item], state: &mut H) {
            for item in items {
                let rank = rank(Some(item));
                rank.hash(state);
                match item {
                    _ if rank == 2 => {}
                    Item::Number(n) => n.hash(state),
                    Item::Qualifier(q) => q.hash(state),
                    Item::List(items, _) => hash_items(items, state),
                    Item::ZeroBeforePreRelease => {}
                }
            }
            u8::MAX.hash(state);
        }
        hash_items(&self.items, state);
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for MavenVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for MavenVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MavenVersion({:?} = {})", self.text, self.canonical())
    }
}

#[cfg(test)]
#[path = "maven_tests.rs"]
mod tests;
