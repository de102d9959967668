//! Upload ids that carry what they were issued for (package, time, hash algorithm) under a MAC, so an
//! upload needs no metadata row until it holds data: a monolithic POST + PUT writes one row in all,
//! and any node sharing the key can continue any upload.

use crate::auth::secret::ct_eq;
use arca_types::OciName;
use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// What a valid id says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Minted {
    pub created_at: i64,
    pub sha512: bool,
}

/// `<uuid>-<created ms, hex>-<0|1 sha512>-<mac>`: only `[0-9a-f-]`, as blob stores require of ids.
pub(super) fn mint(key: &[u8], name: &OciName, sha512: bool, now: i64) -> String {
    let body = format!("{}-{now:x}-{}", uuid::Uuid::new_v4().simple(), u8::from(sha512));
    let mac = mac(key, name, &body);
    format!("{body}-{mac}")
}

/// The id's claims, if it was minted with `key` for `name`.
pub(super) fn verify(key: &[u8], name: &OciName, id: &str) -> Option<Minted> {
    let (body, mac_text) = id.rsplit_once('-')?;
    if !ct_eq(mac(key, name, body).as_bytes(), mac_text.as_bytes()) {
        return None;
    }
    let mut parts = body.split('-');
    let (_uuid, created, flag) = (parts.next()?, parts.next()?, parts.next()?);
    let created_at = i64::from_str_radix(created, 16).ok()?;
    Some(Minted { created_at, sha512: flag == "1" })
}

fn mac(key: &[u8], name: &OciName, body: &str) -> String {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    m.update(name.to_string().as_bytes());
    m.update(b"\n");
    m.update(body.as_bytes());
    hex::encode(&m.finalize().into_bytes()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_verify_only_for_their_key_and_name() {
        let name = OciName::parse("dev/app").unwrap();
        let id = mint(b"key", &name, true, 1_700_000_000_000);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'));
        assert_eq!(verify(b"key", &name, &id), Some(Minted { created_at: 1_700_000_000_000, sha512: true }));
        assert_eq!(verify(b"other key", &name, &id), None);
        assert_eq!(verify(b"key", &OciName::parse("dev/other").unwrap(), &id), None);
        // Change the MAC's last digit (to another one: it may already be a 0).
        let last = if id.ends_with('0') { '1' } else { '0' };
        let forged = format!("{}{last}", &id[..id.len() - 1]);
        assert_ne!(forged, id);
        assert_eq!(verify(b"key", &name, &forged), None);
        assert_eq!(verify(b"key", &name, "plain-uuid"), None);
        assert_eq!(verify(b"key", &name, ""), None);
    }
}
