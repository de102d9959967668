//! Query strings (`a=1&b=x%2Fy&flag`), decoded, in order. One parser for every protocol crate.

use std::borrow::Cow;

/// Decoded query parameters, in the order they came.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Never fails: an undecodable component becomes empty, a key without `=` has an empty value.
    pub fn parse(raw: &str) -> Self {
        let decode = |s: &str| -> String {
            let s = s.replace('+', " ");
            percent_encoding::percent_decode_str(&s).decode_utf8().map(Cow::into_owned).unwrap_or_default()
        };
        Self(
            raw.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (decode(k), decode(v)),
                    None => (decode(p), String::new()),
                })
                .collect(),
        )
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<String> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    /// Every value of `key`, in order.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
    }

    /// Whether `key` is present (with or without a value).
    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }
}

#[cfg(test)]
mod tests {
    use super::QueryParams;
    use proptest::prelude::*;

    #[test]
    fn decodes_in_order() {
        let q = QueryParams::parse("tag=a&tag=b%2Fc&uploads&x=1+2&bad=%FF");
        assert_eq!(q.all("tag"), ["a", "b/c"]);
        assert!(q.has("uploads") && !q.has("upload"));
        assert_eq!(q.get("x").as_deref(), Some("1 2"));
        assert_eq!(q.get("bad").as_deref(), Some(""));
        assert_eq!(q.get("missing"), None);
    }

    proptest! {
        #[test]
        fn never_panics(s in ".*") {
            let _ = QueryParams::parse(&s);
        }
    }
}
