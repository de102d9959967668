//! Artifactory's matrix parameters: `;key=value` pairs after any segment of a request path, as in
//! a deployment URL `https://host/maven/libs;vcs.revision=3f1c2ab;build.id=42` that Maven extends
//! with each file's path. They are properties of what is deployed; the layout path is what remains.

use crate::error::{MavenError, quote};
use percent_encoding::percent_decode_str;

/// Most matrix parameters one path may carry.
pub const MAX_MATRIX_PARAMS: usize = 64;

/// `raw` (percent-encoded) without its matrix parameters, and the parameters, decoded, in order.
/// A value with commas is several values (Artifactory's multi-valued properties); a key without
/// `=` has the empty value. An empty key, invalid UTF-8 or more than [`MAX_MATRIX_PARAMS`] is refused.
pub fn split_matrix_params(raw: &str) -> Result<(String, Vec<(String, String)>), MavenError> {
    if !raw.contains(';') {
        return Ok((raw.to_owned(), Vec::new()));
    }
    let mut path = Vec::new();
    let mut params = Vec::new();
    for segment in raw.split('/') {
        let mut parts = segment.split(';');
        path.push(parts.next().unwrap_or_default());
        for param in parts.filter(|p| !p.is_empty()) {
            let (key, values) = param.split_once('=').unwrap_or((param, ""));
            let key = decode(key)?;
            if key.is_empty() {
                return Err(MavenError::invalid(format!("matrix parameter {} has no key", quote(param))));
            }
            for value in values.split(',') {
                params.push((key.clone(), decode(value)?));
                if params.len() > MAX_MATRIX_PARAMS {
                    return Err(MavenError::too_large(format!(
                        "a path carries at most {MAX_MATRIX_PARAMS} matrix parameters"
                    )));
                }
            }
        }
    }
    Ok((path.join("/"), params))
}

fn decode(raw: &str) -> Result<String, MavenError> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| MavenError::invalid(format!("matrix parameter {} is not UTF-8 once decoded", quote(raw))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn parameters_come_off_any_segment() {
        let (path, params) =
            split_matrix_params("g/a;x=1/1.0/a-1.0.jar;vcs.revision=3f1c;build.id=4%2C2;flag").unwrap();
        assert_eq!(path, "g/a/1.0/a-1.0.jar");
        assert_eq!(params, pairs(&[("x", "1"), ("vcs.revision", "3f1c"), ("build.id", "4,2"), ("flag", "")]));
        assert_eq!(split_matrix_params("g/a/1/a-1.pom").unwrap(), ("g/a/1/a-1.pom".to_owned(), vec![]));
    }

    #[test]
    fn commas_make_several_values() {
        let (_, params) = split_matrix_params("a;os=linux,darwin").unwrap();
        assert_eq!(params, pairs(&[("os", "linux"), ("os", "darwin")]));
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(split_matrix_params("a;=v/b").is_err());
        assert!(split_matrix_params("a;k=%FF").is_err());
        let many = format!("a{}", ";k=v".repeat(MAX_MATRIX_PARAMS + 1));
        assert!(split_matrix_params(&many).is_err());
    }

    proptest! {
        #[test]
        fn the_path_keeps_its_segments(path in "[a-z0-9;=,%/.-]{0,60}") {
            if let Ok((stripped, params)) = split_matrix_params(&path) {
                prop_assert!(!stripped.contains(';'));
                prop_assert_eq!(stripped.split('/').count(), path.split('/').count());
                prop_assert!(params.len() <= MAX_MATRIX_PARAMS);
            }
        }
    }
}
