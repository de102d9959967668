//! Where a crate's index file lives under the index root, and the root's `config.json`.
//!
//! cargo lower-cases the name and requests `1/<n>`, `2/<n>`, `3/<first char>/<n>` or
//! `<c0c1>/<c2c3>/<n>` (cargo-util's `make_dep_path`). It keeps `-` and `_` as written in the
//! manifest that depends on the crate, so `ar/ca/arca-demo` and `ar/ca/arca_demo` are requests for
//! two spellings; crates.io serves a file only under the spelling the crate was published with.

use crate::CargoError;
use crate::error::quote;
use crate::metadata::parse_crate_name;
use arca_types::PackageId;
use serde_json::json;

/// The index file's path for `name`, relative to the index root, lower-cased.
pub fn index_path(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    // Characters rather than bytes, so that a name nobody validated cannot split a character;
    // the same thing for the ASCII of crate names.
    let part = |from: usize, to: usize| n.chars().skip(from).take(to - from).collect::<String>();
    match n.chars().count() {
        0 => String::new(),
        1 => format!("1/{n}"),
        2 => format!("2/{n}"),
        3 => format!("3/{}/{n}", part(0, 1)),
        _ => format!("{}/{}/{n}", part(0, 2), part(2, 4)),
    }
}

/// The crate a requested index path (relative to the index root, no leading `/`) stands for: its
/// last segment, which must be a valid crate name in lower case and sit under the prefix
/// [`index_path`] gives it. The name is as requested; look it up by [`PackageId::normalized`],
/// then serve the file only if the stored name, lower-cased, is this one.
pub fn parse_index_path(path: &str) -> Result<PackageId, CargoError> {
    let invalid = || CargoError::InvalidIndexPath(quote(path));
    let name = path.rsplit('/').next().unwrap_or_default();
    if name.bytes().any(|c| c.is_ascii_uppercase()) {
        return Err(invalid());
    }
    let id = parse_crate_name(name).map_err(|_| invalid())?;
    if index_path(name) != path {
        return Err(invalid());
    }
    Ok(id)
}

/// The index root's `config.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexConfig {
    /// Where `.crate` files are downloaded from: a URL template with `{crate}`, `{version}`,
    /// `{prefix}`, `{lowerprefix}` or `{sha256-checksum}` markers, or a base to which cargo
    /// appends `/{crate}/{version}/download` when it has none.
    pub dl: String,
    /// The web API's base URL, without a trailing `/` (cargo appends `/api/v1/...`). Without it
    /// cargo cannot publish, yank or manage owners.
    pub api: Option<String>,
    /// Whether cargo must send its token on index and download requests too.
    pub auth_required: bool,
}

impl IndexConfig {
    pub fn to_json(&self) -> String {
        let mut doc = json!({ "dl": self.dl });
        if let Some(api) = &self.api {
            doc["api"] = json!(api.trim_end_matches('/'));
        }
        doc["auth-required"] = json!(self.auth_required);
        doc.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_by_length() {
        for (name, path) in [
            ("a", "1/a"),
            ("AB", "2/ab"),
            ("abc", "3/a/abc"),
            ("Arca-Min", "ar/ca/arca-min"),
            ("arca_demo", "ar/ca/arca_demo"),
            ("serde", "se/rd/serde"),
        ] {
            assert_eq!(index_path(name), path);
            assert_eq!(parse_index_path(path).unwrap().as_str(), name.to_ascii_lowercase());
        }
    }

    #[test]
    fn other_paths_are_refused() {
        for bad in [
            "",
            "a",
            "1/ab",
            "2/a",
            "3/b/abc",
            "3/abc",
            "ab/cd/abce",
            "ab/cd/ab",
            "ar/ca/Arca",
            "AR/CA/arca",
            "/ar/ca/arca",
            "ar/ca/arca/",
            "1/1",
            "ar/ca/ar ca",
            "ar/ca/../arca",
            "ab/cd/abcd/x",
            "config.json",
        ] {
            assert!(parse_index_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn config_json() {
        let config = IndexConfig {
            dl: "https://r.example/cargo/main/api/v1/crates".to_owned(),
            api: Some("https://r.example/cargo/main/".to_owned()),
            auth_required: true,
        };
        assert_eq!(
            config.to_json(),
            r#"{"api":"https://r.example/cargo/main","auth-required":true,"dl":"https://r.example/cargo/main/api/v1/crates"}"#
        );
    }
}
