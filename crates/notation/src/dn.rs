//! X.509 distinguished names as notation's `trustedIdentities` use them: `C=US, ST=WA, O=Acme`.
//!
//! Comparison follows notation-go (`pkix.IsSubsetDN`): a trusted identity matches a signing
//! certificate when every attribute it names is present in the certificate's subject with the same
//! value, in any order. The spec allows "a full and partial list" of the subject's attributes, so
//! `C=US, ST=WA, O=Acme` matches `C=US, ST=WA, O=Acme, CN=Builder`.

use std::fmt;

/// A distinguished name as an ordered list of `(type, value)` attributes (types upper-cased).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dn {
    attrs: Vec<(String, String)>,
}

/// Why a DN string is not usable as a trusted identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnError {
    #[error("malformed RDN {0:?} (expected TYPE=value)")]
    Malformed(String),
    #[error("dangling escape at the end of the DN")]
    DanglingEscape,
    #[error("attribute {0} appears more than once")]
    Duplicate(String),
    #[error("a trusted identity must name C, ST and O; {0} is missing")]
    MissingMandatory(&'static str),
}

impl Dn {
    pub(crate) fn from_attributes(attrs: Vec<(String, String)>) -> Self {
        Self { attrs: attrs.into_iter().map(|(k, v)| (normalize_type(&k), v)).collect() }
    }

    /// Parses `C=US, ST=WA, O=Acme\, Inc.` (RFC 4514-like escapes `\,` `\;` `\\` `\ `).
    pub fn parse(s: &str) -> Result<Self, DnError> {
        let mut attrs = Vec::new();
        for rdn in split_unescaped(s)? {
            let (key, value) = rdn.split_once('=').ok_or_else(|| DnError::Malformed(rdn.clone()))?;
            let key = key.trim();
            let value = unescape(value.trim_start());
            if key.is_empty() || value.is_empty() {
                return Err(DnError::Malformed(rdn));
            }
            attrs.push((normalize_type(key), value));
        }
        if attrs.is_empty() {
            return Err(DnError::Malformed(s.to_owned()));
        }
        Ok(Self { attrs })
    }

    /// Parses a DN for `trustedIdentities`: C, ST and O are required and no type may repeat.
    pub fn parse_identity(s: &str) -> Result<Self, DnError> {
        let dn = Self::parse(s)?;
        for (i, (k, _)) in dn.attrs.iter().enumerate() {
            if dn.attrs.iter().skip(i + 1).any(|(k2, _)| k2 == k) {
                return Err(DnError::Duplicate(k.clone()));
            }
        }
        for required in ["C", "ST", "O"] {
            if !dn.attrs.iter().any(|(k, _)| k == required) {
                return Err(DnError::MissingMandatory(required));
            }
        }
        Ok(dn)
    }

    /// True when every attribute of `self` is in `other` with the same value (order-independent).
    pub fn is_subset_of(&self, other: &Dn) -> bool {
        self.attrs.iter().all(|a| other.attrs.contains(a))
    }

    pub fn attributes(&self) -> &[(String, String)] {
        &self.attrs
    }
}

impl fmt::Display for Dn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (k, v)) in self.attrs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k}={}", escape(v))?;
        }
        Ok(())
    }
}

fn normalize_type(key: &str) -> String {
    match key.to_ascii_uppercase().as_str() {
        "S" => "ST".to_owned(),
        "E" | "EMAILADDRESS" => "emailAddress".to_owned(),
        other => other.to_owned(),
    }
}

/// Splits on unescaped `,`, keeping escapes in the parts (so `unescape` sees them).
fn split_unescaped(s: &str) -> Result<Vec<String>, DnError> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.next().ok_or(DnError::DanglingEscape)?;
                current.push('\\');
                current.push(next);
            }
            ',' => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    Ok(parts)
}

/// Removes escapes; trailing unescaped spaces are dropped, escaped ones kept.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut keep = 0; // length of `out` that must survive trimming
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
                keep = out.len();
            }
        } else {
            out.push(c);
            if c != ' ' {
                keep = out.len();
            }
        }
    }
    out.truncate(keep);
    out
}

fn escape(v: &str) -> String {
    let mut out = String::new();
    let last = v.chars().count().saturating_sub(1);
    for (i, c) in v.chars().enumerate() {
        if matches!(c, ',' | ';' | '\\') || (c == ' ' && (i == 0 || i == last)) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_escapes_and_compares_as_a_set() {
        let dn = Dn::parse(r"C=US, ST=WA, O=Acme\, Inc., CN=\ lead ").unwrap();
        assert_eq!(dn.attributes()[2], ("O".to_owned(), "Acme, Inc.".to_owned()));
        assert_eq!(dn.attributes()[3], ("CN".to_owned(), " lead".to_owned()));
        let reordered = Dn::parse(r"CN=\ lead, O=Acme\, Inc., ST=WA, C=US").unwrap();
        assert!(dn.is_subset_of(&reordered) && reordered.is_subset_of(&dn));
        assert_eq!(Dn::parse(&dn.to_string()).unwrap(), dn);
    }

    #[test]
    fn identities_need_c_st_o_once() {
        assert_eq!(Dn::parse_identity("C=US, O=Acme"), Err(DnError::MissingMandatory("ST")));
        assert_eq!(Dn::parse_identity("C=US, S=WA, O=A, O=B"), Err(DnError::Duplicate("O".into())));
        assert!(Dn::parse_identity("c=US, s=WA, o=A").is_ok());
        assert!(Dn::parse("C=US, junk").is_err());
        assert!(Dn::parse("C=US\\").is_err());
    }
}
