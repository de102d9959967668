//! What JWS and COSE envelopes have in common once decoded, and the header rules of the Notary
//! Project signature specification that apply to both (content type, `crit`, signing scheme).

use arca_types::Verdict;

/// `cty` / COSE content type of a notation payload.
pub const PAYLOAD_CONTENT_TYPE: &str = "application/vnd.cncf.notary.payload.v1+json";
/// `io.cncf.notary.signingScheme` for X.509 signatures without a signing authority.
pub const SCHEME_X509: &str = "notary.x509";
/// The signing-authority scheme, which needs `authenticSigningTime` support (not implemented).
pub const SCHEME_SIGNING_AUTHORITY: &str = "notary.x509.signingAuthority";

pub(crate) const H_SIGNING_SCHEME: &str = "io.cncf.notary.signingScheme";
pub(crate) const H_SIGNING_TIME: &str = "io.cncf.notary.signingTime";
pub(crate) const H_EXPIRY: &str = "io.cncf.notary.expiry";
pub(crate) const H_AUTHENTIC_SIGNING_TIME: &str = "io.cncf.notary.authenticSigningTime";
const H_PLUGIN: &str = "io.cncf.notary.verificationPlugin";
const H_PLUGIN_MIN_VERSION: &str = "io.cncf.notary.verificationPluginMinVersion";

/// The signature algorithms notation allows (signature specification, "Algorithm Selection").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Ps256,
    Ps384,
    Ps512,
    Es256,
    Es384,
    Es512,
}

impl Alg {
    /// From a JWS `alg`.
    pub fn from_jws(name: &str) -> Option<Self> {
        Some(match name {
            "PS256" => Self::Ps256,
            "PS384" => Self::Ps384,
            "PS512" => Self::Ps512,
            "ES256" => Self::Es256,
            "ES384" => Self::Es384,
            "ES512" => Self::Es512,
            _ => return None,
        })
    }

    /// From a COSE `alg` label value (RFC 9053 / RFC 8230).
    pub fn from_cose(id: i64) -> Option<Self> {
        Some(match id {
            -37 => Self::Ps256,
            -38 => Self::Ps384,
            -39 => Self::Ps512,
            -7 => Self::Es256,
            -35 => Self::Es384,
            -36 => Self::Es512,
            _ => return None,
        })
    }

    pub fn jws_name(self) -> &'static str {
        match self {
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Es512 => "ES512",
        }
    }
}

/// A decoded envelope, whatever its serialisation.
#[derive(Debug, Clone)]
pub(crate) struct Envelope {
    pub alg: Alg,
    pub content_type: String,
    pub signing_scheme: String,
    /// Names listed in `crit` (COSE integer labels as their decimal string).
    pub crit: Vec<String>,
    /// The `io.cncf.notary.*` protected header names present.
    pub notary_headers: Vec<String>,
    pub expiry: Option<i64>,
    pub payload: Vec<u8>,
    /// The exact bytes the signature covers.
    pub signing_input: Vec<u8>,
    /// Raw signature (r‖s for ECDSA).
    pub signature: Vec<u8>,
    /// DER certificates, leaf first.
    pub chain: Vec<Vec<u8>>,
}

/// The spec's header rules shared by both envelope formats.
pub(crate) fn check_headers(env: &Envelope) -> Result<(), Verdict> {
    if env.content_type != PAYLOAD_CONTENT_TYPE {
        return Err(Verdict::invalid(format!("content type {:?} is not {PAYLOAD_CONTENT_TYPE}", env.content_type)));
    }
    match env.signing_scheme.as_str() {
        SCHEME_X509 => {}
        SCHEME_SIGNING_AUTHORITY => {
            return Err(Verdict::unsupported(
                "signing scheme notary.x509.signingAuthority (needs authenticSigningTime and a signingAuthority store)",
            ));
        }
        other => return Err(Verdict::invalid(format!("unknown signing scheme {other:?}"))),
    }
    if !env.notary_headers.iter().any(|h| h == H_SIGNING_TIME) {
        return Err(Verdict::invalid("missing io.cncf.notary.signingTime"));
    }
    if env.notary_headers.iter().any(|h| h == H_PLUGIN) {
        return Err(Verdict::unsupported("the signature requires a notation verification plugin"));
    }
    let known = [H_SIGNING_SCHEME, H_EXPIRY, H_AUTHENTIC_SIGNING_TIME, H_PLUGIN, H_PLUGIN_MIN_VERSION];
    if let Some(unknown) = env.crit.iter().find(|c| !known.contains(&c.as_str())) {
        return Err(Verdict::invalid(format!("unknown critical header {unknown:?}")));
    }
    if let Some(absent) = env.crit.iter().find(|c| !env.notary_headers.contains(c)) {
        return Err(Verdict::invalid(format!("critical header {absent:?} is listed in crit but absent")));
    }
    for required in [H_SIGNING_SCHEME, H_EXPIRY, H_AUTHENTIC_SIGNING_TIME] {
        let present = required == H_SIGNING_SCHEME || env.notary_headers.iter().any(|h| h == required);
        if present && !env.crit.iter().any(|c| c == required) {
            return Err(Verdict::invalid(format!("missing crit entry for {required}")));
        }
    }
    Ok(())
}
