//! A minimal, strict DER reader: just enough to walk an X.509 certificate for the fields notation
//! needs that `rustls-webpki` does not expose (subject DN, public key, key usage, basic constraints).
//!
//! Why not `x509-parser`/`x509-cert`: they bring nom/asn1-rs or the `der` stack (a dozen crates) for
//! four fields. `webpki` has already validated the certificate's structure and signatures by the
//! time a verdict depends on these fields; this reader only has to be panic-free and bounded.

/// One TLV: its tag byte and its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub value: &'a [u8],
}

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;
pub(crate) const OID: u8 = 0x06;
pub(crate) const BOOLEAN: u8 = 0x01;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;

/// A cursor over DER bytes. Every read returns `None` on malformed or truncated input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Reads the next TLV (single-byte tags only, definite lengths only, minimal length encoding).
    pub fn next(&mut self) -> Option<Tlv<'a>> {
        let (&tag, rest) = self.rest.split_first()?;
        if tag & 0x1f == 0x1f {
            return None; // multi-byte tags never occur in the structures we read
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let (len_bytes, after) = rest.split_at(n);
            rest = after;
            let len = len_bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if len < 0x80 || len_bytes.first() == Some(&0) {
                return None; // not minimal
            }
            len
        };
        if rest.len() < len {
            return None;
        }
        let (value, rest) = rest.split_at(len);
        self.rest = rest;
        Some(Tlv { tag, value })
    }

    /// Reads the next TLV and requires its tag.
    pub fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        let tlv = self.next()?;
        (tlv.tag == tag).then_some(tlv.value)
    }

    /// Reads the next TLV only if it has `tag`.
    pub fn optional(&mut self, tag: u8) -> Option<&'a [u8]> {
        let mut probe = *self;
        let tlv = probe.next()?;
        if tlv.tag == tag {
            *self = probe;
            Some(tlv.value)
        } else {
            None
        }
    }
}

/// The content of a BIT STRING with no unused bits.
pub(crate) fn bit_string_bytes(value: &[u8]) -> Option<&[u8]> {
    match value.split_first() {
        Some((0, rest)) => Some(rest),
        _ => None,
    }
}

/// Bit length of an unsigned big-endian INTEGER content (leading zero octets ignored).
pub(crate) fn integer_bits(value: &[u8]) -> usize {
    let trimmed: &[u8] = match value.iter().position(|&b| b != 0) {
        Some(i) => value.get(i..).unwrap_or_default(),
        None => &[],
    };
    match trimmed.first() {
        Some(&top) => (trimmed.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
        None => 0,
    }
}

/// Dotted form of an OID's content octets (`2.5.4.3`); `None` if malformed.
pub(crate) fn oid_to_string(value: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    let mut in_arc = false;
    for &b in value {
        if !in_arc && b == 0x80 {
            return None; // non-minimal
        }
        acc = acc.checked_mul(128)?.checked_add(u64::from(b & 0x7f))?;
        in_arc = b & 0x80 != 0;
        if !in_arc {
            arcs.push(acc);
            acc = 0;
        }
    }
    if in_arc || arcs.is_empty() {
        return None;
    }
    let first = arcs.first().copied().unwrap_or(0);
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut out = format!("{a}.{b}");
    for arc in arcs.iter().skip(1) {
        out.push('.');
        out.push_str(&arc.to_string());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lengths_strictly() {
        assert_eq!(Reader::new(&[0x04, 0x01, 0xaa]).next(), Some(Tlv { tag: 4, value: &[0xaa] }));
        assert_eq!(Reader::new(&[0x04, 0x81, 0x01, 0xaa]).next(), None, "non-minimal length");
        assert_eq!(Reader::new(&[0x04, 0x05, 0xaa]).next(), None, "truncated");
        assert_eq!(Reader::new(&[0x04, 0x80]).next(), None, "indefinite length");
    }

    #[test]
    fn formats_oids_and_integers() {
        assert_eq!(oid_to_string(&[0x55, 0x04, 0x03]).as_deref(), Some("2.5.4.3"));
        assert_eq!(
            oid_to_string(&[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03]).as_deref(),
            Some("1.3.6.1.5.5.7.3.3")
        );
        assert_eq!(oid_to_string(&[0x86]), None);
        assert_eq!(integer_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(integer_bits(&[0x01]), 1);
    }
}
