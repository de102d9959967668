//! Reading credentials from a request: `Authorization: Basic` (user + password or token) and
//! `Authorization: Bearer` (an API token or a registry JWT), and an arca token with no scheme at all
//! (`Authorization: arca_<id>_<secret>`), which is how cargo sends a registry token. Credentials
//! never leave this module other than to be checked: nothing here logs.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use http::header::AUTHORIZATION;

/// What the client presented.
#[derive(PartialEq, Eq)]
pub enum Credentials {
    None,
    Basic {
        user: String,
        secret: String,
    },
    Bearer(String),
    /// An `Authorization` header we cannot read.
    Malformed,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Basic { user, .. } => write!(f, "Basic({user}, ***)"),
            Self::Bearer(_) => f.write_str("Bearer(***)"),
            Self::Malformed => f.write_str("Malformed"),
        }
    }
}

pub fn parse(headers: &HeaderMap) -> Credentials {
    let Some(value) = headers.get(AUTHORIZATION) else { return Credentials::None };
    let Ok(value) = value.to_str() else { return Credentials::Malformed };
    // cargo sends the token verbatim, without a scheme.
    if value.trim().starts_with(arca_core::auth::secret::TOKEN_PREFIX) && !value.trim().contains(' ') {
        return Credentials::Bearer(value.trim().to_owned());
    }
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value, ""));
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD.decode(rest).ok().and_then(|b| String::from_utf8(b).ok());
        match decoded.as_deref().and_then(|d| d.split_once(':')) {
            Some((user, secret)) => Credentials::Basic { user: user.to_owned(), secret: secret.to_owned() },
            None => Credentials::Malformed,
        }
    } else if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        Credentials::Bearer(rest.to_owned())
    } else {
        Credentials::Malformed
    }
}

/// `Basic` credentials as a header value (for tests and clients).
pub fn basic(user: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{secret}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, value.parse().unwrap());
        h
    }

    #[test]
    fn basic_and_bearer_are_read() {
        assert_eq!(parse(&HeaderMap::new()), Credentials::None);
        assert_eq!(
            parse(&headers(&basic("alice", "pa:ss"))),
            Credentials::Basic { user: "alice".into(), secret: "pa:ss".into() }
        );
        assert_eq!(parse(&headers("Bearer abc.def")), Credentials::Bearer("abc.def".into()));
        assert_eq!(parse(&headers("Basic !!!")), Credentials::Malformed);
        assert_eq!(parse(&headers("Digest x")), Credentials::Malformed);
        assert!(!format!("{:?}", parse(&headers(&basic("alice", "hunter2")))).contains("hunter2"));
    }

    #[test]
    fn a_bare_arca_token_is_a_bearer_token() {
        assert_eq!(parse(&headers("arca_abc_def")), Credentials::Bearer("arca_abc_def".into()));
        assert_eq!(parse(&headers("Bearer arca_abc_def")), Credentials::Bearer("arca_abc_def".into()));
        assert_eq!(parse(&headers("something-else")), Credentials::Malformed);
        assert_eq!(parse(&headers("arca_abc def")), Credentials::Malformed);
    }
}
