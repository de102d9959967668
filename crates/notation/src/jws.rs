//! `application/jose+json`: the flattened JWS JSON serialisation notation writes
//! (`signature-envelope-jws.md`). The signature covers `b64url(protected) "." b64url(payload)` as
//! they appear in the envelope; ECDSA signatures are raw r‖s.

use arca_types::Verdict;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::envelope::{Alg, Envelope, H_EXPIRY, H_SIGNING_SCHEME};
use crate::time::parse_rfc3339;

#[derive(Deserialize)]
struct RawJws {
    payload: String,
    protected: String,
    header: RawUnprotected,
    signature: String,
}

#[derive(Deserialize)]
struct RawUnprotected {
    #[serde(default)]
    x5c: Vec<String>,
}

fn invalid(what: &str) -> Verdict {
    Verdict::invalid(format!("malformed JWS envelope: {what}"))
}

/// Decodes a JWS envelope; structural problems are `Invalid`, an unknown `alg` is `Unsupported`.
pub(crate) fn parse(bytes: &[u8]) -> Result<Envelope, Verdict> {
    let raw: RawJws = serde_json::from_slice(bytes).map_err(|e| invalid(&e.to_string()))?;
    let protected_json = URL_SAFE_NO_PAD.decode(&raw.protected).map_err(|_| invalid("protected is not base64url"))?;
    let payload = URL_SAFE_NO_PAD.decode(&raw.payload).map_err(|_| invalid("payload is not base64url"))?;
    let signature = URL_SAFE_NO_PAD.decode(&raw.signature).map_err(|_| invalid("signature is not base64url"))?;
    let headers: Map<String, Value> =
        serde_json::from_slice(&protected_json).map_err(|_| invalid("protected header is not a JSON object"))?;
    let text = |name: &str| headers.get(name).and_then(Value::as_str);

    let alg_name = text("alg").ok_or_else(|| invalid("protected header has no alg"))?;
    let alg = Alg::from_jws(alg_name).ok_or_else(|| Verdict::unsupported(format!("JWS alg {alg_name:?}")))?;
    let content_type = text("cty").ok_or_else(|| invalid("protected header has no cty"))?.to_owned();
    let signing_scheme = text(H_SIGNING_SCHEME).ok_or_else(|| invalid("no io.cncf.notary.signingScheme"))?.to_owned();
    let crit = match headers.get("crit") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid("crit must be an array of strings"))?,
        Some(_) => return Err(invalid("crit must be an array of strings")),
    };
    let expiry = match text(H_EXPIRY) {
        Some(s) => Some(parse_rfc3339(s).ok_or_else(|| invalid("expiry is not an RFC 3339 time"))?),
        None if headers.contains_key(H_EXPIRY) => return Err(invalid("expiry is not a string")),
        None => None,
    };
    let notary_headers = headers.keys().filter(|k| k.starts_with("io.cncf.notary.")).cloned().collect();
    let chain = raw
        .header
        .x5c
        .iter()
        .map(|c| STANDARD.decode(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| invalid("x5c entry is not base64"))?;
    let signing_input = format!("{}.{}", raw.protected, raw.payload).into_bytes();
    Ok(Envelope {
        alg,
        content_type,
        signing_scheme,
        crit,
        notary_headers,
        expiry,
        payload,
        signing_input,
        signature,
        chain,
    })
}
