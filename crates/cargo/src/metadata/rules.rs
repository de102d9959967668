//! The rules a published field must follow for cargo to read the index line made of it. cargo
//! itself checked them before sending, so a refusal here means a client other than cargo, or a
//! hostile one; the rules are crates.io's (`crates_io::models::krate`) where it has them.

/// Longest dependency name or rename, as for crate names.
const MAX_DEP_NAME: usize = 64;
/// Longest feature name or value, target, `links` or `rust_version` accepted: far above real ones.
const MAX_TOKEN: usize = 256;

/// A dependency's name, its rename, or the dependency part of a feature value: ASCII letters,
/// digits, `-` and `_`, starting with a letter or `_` (crates.io's `validate_dependency_name`;
/// unlike a new crate's name, `_` may lead).
pub(crate) fn dependency_name(name: &str) -> Result<(), &'static str> {
    let bytes = name.as_bytes();
    match bytes.first() {
        None => Err("the name is empty"),
        _ if bytes.len() > MAX_DEP_NAME => Err("the name is longer than 64 characters"),
        Some(c) if !c.is_ascii_alphabetic() && *c != b'_' => Err("the name must start with a letter or `_`"),
        _ if !bytes.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_') => {
            Err("the name may only contain letters, digits, `-` and `_`")
        }
        _ => Ok(()),
    }
}

/// A feature's name: a letter, digit or `_`, then letters, digits, `_`, `-`, `+` or `.`
/// (crates.io's `validate_feature_name`, with Unicode alphanumerics standing in for XID).
pub(crate) fn feature_name(name: &str) -> Result<(), &'static str> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return Err("a feature name is empty") };
    if name.len() > MAX_TOKEN {
        return Err("a feature name is longer than 256 bytes");
    }
    if !(first.is_alphanumeric() || first == '_') {
        return Err("a feature name must start with a letter, a digit or `_`");
    }
    if !chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '+' | '.')) {
        return Err("a feature name may only contain letters, digits, `_`, `-`, `+` and `.`");
    }
    Ok(())
}

/// What a feature enables: another feature, `dep:<dependency>`, `<dependency>/<feature>` or
/// `<dependency>?/<feature>` (crates.io's `validate_feature`).
pub(crate) fn feature_value(value: &str) -> Result<(), &'static str> {
    if let Some((dep, feature)) = value.split_once('/') {
        dependency_name(dep.strip_suffix('?').unwrap_or(dep))?;
        feature_name(feature)
    } else if let Some(dep) = value.strip_prefix("dep:") {
        dependency_name(dep)
    } else {
        feature_name(value)
    }
}

/// Whether a feature value uses the syntax cargo 1.60 introduced (`dep:`, `?/`), which older
/// cargo cannot read: such features go to the index's `features2`.
pub(crate) fn is_features2_syntax(value: &str) -> bool {
    value.starts_with("dep:") || value.contains("?/")
}

/// A dependency's `target`: a target name (`x86_64-unknown-linux-gnu`) or a `cfg(...)` expression,
/// as cargo-platform reads them. The cfg expression itself is only checked for balanced
/// parentheses, quotes and printable characters: cargo parsed it before publishing.
pub(crate) fn target(target: &str) -> Result<(), &'static str> {
    if target.is_empty() || target.len() > MAX_TOKEN {
        return Err("a target is between 1 and 256 bytes");
    }
    if let Some(inner) = target.strip_prefix("cfg(").and_then(|t| t.strip_suffix(')')) {
        return cfg_expression(inner);
    }
    if target.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')) {
        Ok(())
    } else {
        Err("a target is a target name or `cfg(...)`")
    }
}

fn cfg_expression(inner: &str) -> Result<(), &'static str> {
    let (mut depth, mut in_string) = (0usize, false);
    for c in inner.chars() {
        match c {
            _ if c.is_control() => return Err("a cfg expression has a control character"),
            '"' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => depth = depth.checked_sub(1).ok_or("unbalanced parentheses in a cfg expression")?,
            _ => {}
        }
    }
    if depth != 0 || in_string || inner.trim().is_empty() {
        return Err("an incomplete cfg expression");
    }
    Ok(())
}

/// `package.links`: the native library's name, printable, without spaces.
pub(crate) fn links(links: &str) -> Result<(), &'static str> {
    if links.is_empty() || links.len() > MAX_TOKEN {
        return Err("`links` is between 1 and 256 bytes");
    }
    if links.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("`links` has spaces or control characters");
    }
    Ok(())
}

/// `package.rust-version`: `1`, `1.70` or `1.70.0`, numbers without leading zeros and without
/// pre-release or build metadata (cargo's `RustVersion`; cargo drops an index line whose
/// `rust_version` does not parse).
pub(crate) fn rust_version(version: &str) -> Result<(), &'static str> {
    let parts: Vec<&str> = version.split('.').collect();
    let number = |p: &&str| {
        !p.is_empty() && p.len() <= 20 && p.bytes().all(|c| c.is_ascii_digit()) && (p.len() == 1 || !p.starts_with('0'))
    };
    if parts.len() <= 3 && parts.iter().all(number) {
        Ok(())
    } else {
        Err("expected a Rust version like `1.70` or `1.70.0`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_follow_crates_io() {
        for ok in ["std", "_x", "1x", "serde-1", "a+b.c", "ünï"] {
            assert_eq!(feature_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "-x", "+x", "a/b", "a b", "dep:x"] {
            assert!(feature_name(bad).is_err(), "{bad}");
        }
        for ok in ["std", "dep:serde", "log?/std", "serde/derive", "_priv/x"] {
            assert_eq!(feature_value(ok), Ok(()), "{ok}");
        }
        for bad in ["dep:", "dep:1x", "?/x", "log?/", "a//b", "log??/std", "x/y/z"] {
            assert!(feature_value(bad).is_err(), "{bad}");
        }
        assert!(is_features2_syntax("dep:x") && is_features2_syntax("a?/b") && !is_features2_syntax("a/b"));
    }

    #[test]
    fn targets_rust_versions_and_links() {
        for ok in
            ["cfg(windows)", "x86_64-unknown-linux-gnu", r#"cfg(all(unix, target_os = "linux"))"#, "cfg(a(\")\"))"]
        {
            assert_eq!(target(ok), Ok(()), "{ok}");
        }
        for bad in ["", "cfg()", "cfg(unix", "cfg(a))", "linux gnu", "cfg(\"x)", "cfg(a\n)"] {
            assert!(target(bad).is_err(), "{bad}");
        }
        for ok in ["1", "1.70", "1.70.0", "2.0.10"] {
            assert_eq!(rust_version(ok), Ok(()), "{ok}");
        }
        for bad in ["", "1.", "1.070", "1.70.0.1", "1.70-beta", "1.70.0+x", "v1.70", "^1.70"] {
            assert!(rust_version(bad).is_err(), "{bad}");
        }
        assert!(links("z").is_ok() && links("a b").is_err() && links("").is_err());
        assert!(dependency_name("_x").is_ok() && dependency_name("1x").is_err() && dependency_name("a.b").is_err());
    }
}
