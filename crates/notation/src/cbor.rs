//! A small, strict, bounded CBOR reader and the one encoder COSE needs (`Sig_structure`).
//!
//! Why not `ciborium`/`minicbor`: COSE_Sign1 needs integers, byte/text strings, arrays, maps, tags
//! and a few simple values — about 150 lines. Owning them lets us be strict where it matters for
//! signatures (definite lengths only, no trailing bytes, nesting depth capped, lengths checked
//! against the remaining input before any allocation).

/// Deepest nesting accepted; COSE_Sign1 headers need 4.
const MAX_DEPTH: usize = 16;
/// Most entries in one map: header maps have a handful, and duplicate-key checks are quadratic.
const MAX_MAP_ENTRIES: usize = 64;
/// Most items in one array (`x5chain`, `crit`).
const MAX_ARRAY_ITEMS: usize = 1024;

/// A decoded CBOR item borrowing strings from the input.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Uint(u64),
    /// A negative integer `-1 - n`, stored as `n`.
    Nint(u64),
    Bytes(&'a [u8]),
    Text(&'a str),
    Array(Vec<Value<'a>>),
    Map(Vec<(Value<'a>, Value<'a>)>),
    Tag(u64, Box<Value<'a>>),
    /// false, true, null, undefined and other simple values.
    Simple(u8),
    /// Floats are kept as raw bits; COSE headers notation uses never contain them.
    Float(u64),
}

impl<'a> Value<'a> {
    /// The value as a signed integer, if it is one that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Uint(n) => i64::try_from(n).ok(),
            Value::Nint(n) => i64::try_from(n).ok().map(|n| -1 - n),
            _ => None,
        }
    }

    /// Looks up a map entry by key.
    pub fn get(&self, key: &Value<'_>) -> Option<&Value<'a>> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Decodes exactly one item spanning all of `bytes`.
pub(crate) fn decode(bytes: &[u8]) -> Option<Value<'_>> {
    let mut d = Decoder { rest: bytes };
    let v = d.item(0)?;
    d.rest.is_empty().then_some(v)
}

struct Decoder<'a> {
    rest: &'a [u8],
}

impl<'a> Decoder<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(head)
    }

    /// Reads the initial byte's argument: `(major type, additional info, argument)`.
    fn head(&mut self) -> Option<(u8, u8, u64)> {
        let &[initial] = self.take(1)? else { return None };
        let (major, info) = (initial >> 5, initial & 0x1f);
        let arg = match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.take(1)?.first().copied()?),
            25 => u64::from(u16::from_be_bytes(self.take(2)?.try_into().ok()?)),
            26 => u64::from(u32::from_be_bytes(self.take(4)?.try_into().ok()?)),
            27 => u64::from_be_bytes(self.take(8)?.try_into().ok()?),
            _ => return None, // reserved, or indefinite length (31)
        };
        Some((major, info, arg))
    }

    fn len(&self, arg: u64) -> Option<usize> {
        // Every element takes at least one byte, so a count beyond the input is malformed.
        usize::try_from(arg).ok().filter(|&n| n <= self.rest.len())
    }

    fn item(&mut self, depth: usize) -> Option<Value<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let (major, info, arg) = self.head()?;
        Some(match major {
            0 => Value::Uint(arg),
            1 => Value::Nint(arg),
            2 => Value::Bytes(self.take(self.len(arg)?)?),
            3 => Value::Text(std::str::from_utf8(self.take(self.len(arg)?)?).ok()?),
            4 => {
                let n = self.len(arg).filter(|&n| n <= MAX_ARRAY_ITEMS)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.item(depth + 1)?);
                }
                Value::Array(items)
            }
            5 => {
                let n = self.len(arg).filter(|&n| n <= MAX_MAP_ENTRIES)?;
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    let k = self.item(depth + 1)?;
                    let v = self.item(depth + 1)?;
                    if entries.iter().any(|(k2, _)| *k2 == k) {
                        return None; // duplicate keys make header lookups ambiguous
                    }
                    entries.push((k, v));
                }
                Value::Map(entries)
            }
            6 => Value::Tag(arg, Box::new(self.item(depth + 1)?)),
            _ if info >= 25 => Value::Float(arg),
            _ => Value::Simple(u8::try_from(arg).ok()?),
        })
    }
}

/// Appends a CBOR head (major type + argument) in its shortest form.
pub(crate) fn push_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let m = major << 5;
    match arg {
        0..=23 => out.push(m | arg as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, arg as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(arg as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend_from_slice(&(arg as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&arg.to_be_bytes());
        }
    }
}

/// `Sig_structure = ["Signature1", body_protected, external_aad = h'', payload]` (RFC 9052 §4.4).
pub(crate) fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(protected.len() + payload.len() + 32);
    push_head(&mut out, 4, 4);
    push_head(&mut out, 3, 10);
    out.extend_from_slice(b"Signature1");
    push_head(&mut out, 2, protected.len() as u64);
    out.extend_from_slice(protected);
    push_head(&mut out, 2, 0);
    push_head(&mut out, 2, payload.len() as u64);
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_cose_shapes() {
        // 18([h'A10126', {}, h'', h'00'])
        let bytes = [0xd2, 0x84, 0x43, 0xa1, 0x01, 0x26, 0xa0, 0x40, 0x41, 0x00];
        let Some(Value::Tag(18, inner)) = decode(&bytes) else { panic!("not a tag") };
        let Value::Array(items) = *inner else { panic!("not an array") };
        assert_eq!(items[0], Value::Bytes(&[0xa1, 0x01, 0x26]));
        let protected = decode(&[0xa1, 0x01, 0x26]).unwrap();
        assert_eq!(protected.get(&Value::Uint(1)).and_then(Value::as_i64), Some(-7));
    }

    #[test]
    fn rejects_what_a_signature_reader_must_not_guess() {
        assert_eq!(decode(&[0x9f, 0x01, 0xff]), None, "indefinite length");
        assert_eq!(decode(&[0x01, 0x01]), None, "trailing bytes");
        assert_eq!(decode(&[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), None, "huge count");
        assert_eq!(decode(&[0xa2, 0x01, 0x01, 0x01, 0x02]), None, "duplicate map key");
        assert_eq!(decode(&[0x81; 40]), None, "too deep");
        let mut big_map = vec![0xb8, 65];
        for i in 0..65u8 {
            big_map.extend([0x18, i, 0x00]);
        }
        assert_eq!(decode(&big_map), None, "too many map entries");
    }

    #[test]
    fn encodes_heads_minimally() {
        let mut out = Vec::new();
        push_head(&mut out, 2, 24);
        push_head(&mut out, 2, 256);
        assert_eq!(out, [0x58, 24, 0x59, 1, 0]);
    }
}
