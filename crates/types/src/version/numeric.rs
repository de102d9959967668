//! An unbounded non-negative integer kept as its decimal digits.
//!
//! Every scheme here has numbers of any length (PEP 440 is Python `int`, SemVer sets no bound, Maven
//! falls back to `BigInteger`), and an ordering must not fail or wrap on `99999999999999999999`. With
//! leading zeros stripped, comparing by length and then by digits is comparing by value.

use std::cmp::Ordering;
use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Numeric(String);

impl Numeric {
    pub(crate) fn zero() -> Self {
        Self("0".to_owned())
    }

    /// `digits` must be non-empty ASCII digits; leading zeros are dropped (`007` is 7).
    pub(crate) fn from_digits(digits: &str) -> Self {
        debug_assert!(!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()), "{digits:?}");
        let trimmed = digits.trim_start_matches('0');
        Self(if trimmed.is_empty() { "0".to_owned() } else { trimmed.to_owned() })
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0 == "0"
    }
}

impl Ord for Numeric {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.len().cmp(&other.0.len()).then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Numeric {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Length of the run of ASCII digits at the start of `s`.
pub(crate) fn digit_run(s: &[u8]) -> usize {
    s.iter().take_while(|b| b.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn compares_by_value_whatever_the_length() {
        let n = Numeric::from_digits;
        assert!(n("9") < n("10"));
        assert!(n("00010") > n("9"));
        assert_eq!(n("000"), Numeric::zero());
        assert!(n("99999999999999999999") < n("100000000000000000000"));
    }

    proptest! {
        #[test]
        fn agrees_with_u64(a in any::<u64>(), b in any::<u64>(), za in 0usize..3, zb in 0usize..3) {
            let na = Numeric::from_digits(&format!("{}{a}", "0".repeat(za)));
            let nb = Numeric::from_digits(&format!("{}{b}", "0".repeat(zb)));
            prop_assert_eq!(na.cmp(&nb), a.cmp(&b));
            prop_assert_eq!(na.to_string(), a.to_string());
        }
    }
}
