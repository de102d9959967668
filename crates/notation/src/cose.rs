//! `application/cose`: a tagged COSE_Sign1 (`signature-envelope-cose.md`, RFC 9052 §4.2).
//!
//! `18([protected: bstr .cbor header_map, unprotected: {33: [bstr DER, …], …}, payload: bstr,
//! signature: bstr])`; the signature covers `Sig_structure` built from the protected bytes exactly
//! as received. Notation's times are CBOR tag 1 (epoch seconds).

use arca_types::Verdict;

use crate::cbor::{self, Value};
use crate::envelope::{Alg, Envelope, H_EXPIRY, H_SIGNING_SCHEME};

const COSE_SIGN1_TAG: u64 = 18;
const LABEL_ALG: u64 = 1;
const LABEL_CRIT: u64 = 2;
const LABEL_CONTENT_TYPE: u64 = 3;
const LABEL_X5CHAIN: u64 = 33;

fn invalid(what: &str) -> Verdict {
    Verdict::invalid(format!("malformed COSE envelope: {what}"))
}

/// Decodes a COSE_Sign1 envelope; structural problems are `Invalid`, an unknown alg `Unsupported`.
pub(crate) fn parse(bytes: &[u8]) -> Result<Envelope, Verdict> {
    let Some(Value::Tag(COSE_SIGN1_TAG, body)) = cbor::decode(bytes) else {
        return Err(invalid("not a tagged COSE_Sign1 (CBOR tag 18)"));
    };
    let Value::Array(items) = *body else { return Err(invalid("COSE_Sign1 is not an array")) };
    let [Value::Bytes(protected), unprotected @ Value::Map(_), payload, Value::Bytes(signature)] = items.as_slice()
    else {
        return Err(invalid("COSE_Sign1 must be [bstr, map, bstr, bstr]"));
    };
    let Value::Bytes(payload) = payload else { return Err(invalid("detached payloads are not supported")) };
    let headers = cbor::decode(protected).ok_or_else(|| invalid("protected header is not CBOR"))?;
    let Value::Map(entries) = &headers else { return Err(invalid("protected header is not a map")) };

    let alg_id = headers.get(&Value::Uint(LABEL_ALG)).and_then(Value::as_i64).ok_or_else(|| invalid("no alg"))?;
    let alg = Alg::from_cose(alg_id).ok_or_else(|| Verdict::unsupported(format!("COSE alg {alg_id}")))?;
    let content_type = match headers.get(&Value::Uint(LABEL_CONTENT_TYPE)) {
        Some(Value::Text(t)) => (*t).to_owned(),
        _ => return Err(invalid("content type must be a text string")),
    };
    let signing_scheme = match headers.get(&Value::Text(H_SIGNING_SCHEME)) {
        Some(Value::Text(t)) => (*t).to_owned(),
        _ => return Err(invalid("no io.cncf.notary.signingScheme")),
    };
    let crit = parse_crit(headers.get(&Value::Uint(LABEL_CRIT)))?;
    let expiry = match headers.get(&Value::Text(H_EXPIRY)) {
        None => None,
        Some(v) => Some(epoch_time(v).ok_or_else(|| invalid("expiry must be tag 1 with integer seconds"))?),
    };
    let notary_headers = entries
        .iter()
        .filter_map(|(k, _)| match k {
            Value::Text(t) if t.starts_with("io.cncf.notary.") => Some((*t).to_owned()),
            _ => None,
        })
        .collect();
    Ok(Envelope {
        alg,
        content_type,
        signing_scheme,
        crit,
        notary_headers,
        expiry,
        payload: payload.to_vec(),
        signing_input: cbor::sig_structure(protected, payload),
        signature: signature.to_vec(),
        chain: parse_x5chain(unprotected.get(&Value::Uint(LABEL_X5CHAIN)))?,
    })
}

/// `crit` as names; integer labels become their decimal string (and are then unknown to notation).
fn parse_crit(value: Option<&Value<'_>>) -> Result<Vec<String>, Verdict> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let Value::Array(items) = value else { return Err(invalid("crit must be an array")) };
    items
        .iter()
        .map(|item| match item {
            Value::Text(t) => Ok((*t).to_owned()),
            other => other.as_i64().map(|n| n.to_string()).ok_or_else(|| invalid("crit entry is not a label")),
        })
        .collect()
}

/// `x5chain`: one bstr, or an array of bstr (leaf first).
fn parse_x5chain(value: Option<&Value<'_>>) -> Result<Vec<Vec<u8>>, Verdict> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Bytes(der)) => Ok(vec![der.to_vec()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::Bytes(der) => Ok(der.to_vec()),
                _ => Err(invalid("x5chain entry is not a byte string")),
            })
            .collect(),
        Some(_) => Err(invalid("x5chain must be a byte string or an array of them")),
    }
}

fn epoch_time(value: &Value<'_>) -> Option<i64> {
    match value {
        Value::Tag(1, inner) => inner.as_i64(),
        _ => None,
    }
}
