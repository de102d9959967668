//! Just enough ASN.1 DER to read a SubjectPublicKeyInfo, unwrap a private key and find a
//! certificate's subjectAltName — and to write the few fixed structures we emit.
//!
//! Why not a full ASN.1 crate: everything here is a handful of fixed shapes, the input is untrusted
//! and fuzzed, and a reader that only knows definite lengths and refuses anything odd is easier to
//! trust than a general one. Every function returns `None` on malformed input; nothing panics.

/// DER tags this crate reads or writes.
pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;

/// One tag-length-value read from the front of a buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
}

/// Reads one TLV from the front of `input`; returns it and the rest. Definite lengths only, at most
/// four length bytes, no high tag numbers.
pub(crate) fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (bytes, tail) = rest.split_at(n);
        rest = tail;
        bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    if rest.len() < len {
        return None;
    }
    let (value, rest) = rest.split_at(len);
    Some((Tlv { tag, value }, rest))
}

/// Reads one TLV that must carry `tag`.
pub(crate) fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (tlv, rest) = read(input)?;
    (tlv.tag == tag).then_some((tlv.value, rest))
}

/// The whole of `input` must be exactly one TLV with `tag`; returns its value.
pub(crate) fn exactly(input: &[u8], tag: u8) -> Option<&[u8]> {
    let (value, rest) = expect(input, tag)?;
    rest.is_empty().then_some(value)
}

/// Encodes one TLV (definite length).
pub(crate) fn write(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value);
    out
}

/// Concatenates already-encoded TLVs into a SEQUENCE.
pub(crate) fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    write(SEQUENCE, &parts.concat())
}

/// The SubjectAltName extension's OID (2.5.29.17), DER value bytes.
const SAN_OID: &[u8] = &[0x55, 0x1d, 0x11];

/// The first e-mail, URI or DNS name in an X.509 certificate's subjectAltName, if the certificate
/// is shaped as RFC 5280 says. Used only to name a keyless signer; never to trust one.
pub(crate) fn certificate_san(cert_der: &[u8]) -> Option<String> {
    let cert = exactly(cert_der, SEQUENCE)?;
    let (tbs, _) = expect(cert, SEQUENCE)?;
    let mut fields = tbs;
    while !fields.is_empty() {
        let (tlv, rest) = read(fields)?;
        fields = rest;
        // extensions [3] EXPLICIT
        if tlv.tag == 0xa3 {
            return san_from_extensions(exactly(tlv.value, SEQUENCE)?);
        }
    }
    None
}

fn san_from_extensions(mut exts: &[u8]) -> Option<String> {
    while !exts.is_empty() {
        let (ext, rest) = expect(exts, SEQUENCE)?;
        exts = rest;
        let (oid, mut body) = expect(ext, OID)?;
        if oid != SAN_OID {
            continue;
        }
        // optional `critical BOOLEAN`
        if let Some((tlv, rest)) = read(body)
            && tlv.tag == 0x01
        {
            body = rest;
        }
        let names = exactly(exactly(body, OCTET_STRING)?, SEQUENCE)?;
        return first_general_name(names);
    }
    None
}

fn first_general_name(mut names: &[u8]) -> Option<String> {
    while !names.is_empty() {
        let (tlv, rest) = read(names)?;
        names = rest;
        // rfc822Name [1], dNSName [2], uniformResourceIdentifier [6] (all IA5String, implicit)
        if matches!(tlv.tag, 0x81 | 0x82 | 0x86) {
            return std::str::from_utf8(tlv.value).ok().map(str::to_owned);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 70_000] {
            let value = vec![7u8; len];
            let encoded = write(OCTET_STRING, &value);
            let (tlv, rest) = read(&encoded).unwrap();
            assert_eq!((tlv.tag, tlv.value.len(), rest.len()), (OCTET_STRING, len, 0));
        }
    }

    #[test]
    fn malformed_input_is_refused() {
        for bad in [&[][..], &[0x30], &[0x30, 0x05, 1], &[0x30, 0x85, 0, 0, 0, 0, 1], &[0x1f, 0]] {
            assert!(read(bad).is_none(), "{bad:?}");
        }
        assert!(certificate_san(&[0x30, 0x00]).is_none());
    }
}
