//! Named trust stores: the certificates of `{NOTATION_CONFIG}/truststore/x509/{type}/{name}/*`, handed
//! over as bytes (arca reads no files here). A trust policy names stores as `ca:<name>`.

use std::collections::BTreeMap;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::policy::{StoreRef, is_store_name};
use crate::x509;

/// Why certificates could not be added to a trust store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("invalid trust store name {0:?} (expected ca:<name>, signingAuthority:<name> or tsa:<name>)")]
    Name(String),
    #[error("invalid PEM: {0}")]
    Pem(String),
    #[error("no certificate found")]
    Empty,
    #[error("certificate {0} is not a valid X.509 certificate")]
    NotACertificate(usize),
}

impl StoreError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Name(_) => "store_name",
            Self::Pem(_) => "store_pem",
            Self::Empty => "store_empty",
            Self::NotACertificate(_) => "store_certificate",
        }
    }
}

/// Named sets of trusted certificates (roots or intermediates), DER-encoded.
#[derive(Debug, Clone, Default)]
pub struct TrustStores {
    stores: BTreeMap<StoreRef, Vec<CertificateDer<'static>>>,
}

impl TrustStores {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the certificates of one file (PEM with one or more `CERTIFICATE` blocks, or one DER
    /// certificate) to the store `kind:name` (`ca:acme`). Returns how many were added.
    pub fn add(&mut self, kind_and_name: &str, pem_or_der: &[u8]) -> Result<usize, StoreError> {
        let store = parse_store_ref(kind_and_name)?;
        let certs = parse_certificates(pem_or_der)?;
        let n = certs.len();
        self.stores.entry(store).or_default().extend(certs);
        Ok(n)
    }

    /// The certificates of a store (empty if there is no such store).
    pub fn certificates(&self, store: &StoreRef) -> &[CertificateDer<'static>] {
        self.stores.get(store).map(Vec::as_slice).unwrap_or_default()
    }
}

fn parse_store_ref(s: &str) -> Result<StoreRef, StoreError> {
    let bad = || StoreError::Name(s.to_owned());
    let (kind, name) = s.split_once(':').ok_or_else(bad)?;
    if !is_store_name(name) {
        return Err(bad());
    }
    match kind {
        "ca" => Ok(StoreRef::Ca(name.to_owned())),
        "signingAuthority" => Ok(StoreRef::SigningAuthority(name.to_owned())),
        "tsa" => Ok(StoreRef::Tsa(name.to_owned())),
        _ => Err(bad()),
    }
}

/// PEM (any number of `CERTIFICATE` blocks; other blocks are ignored) or a single DER certificate.
pub(crate) fn parse_certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, StoreError> {
    let is_pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
    let certs = if is_pem {
        CertificateDer::pem_slice_iter(bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Pem(e.to_string()))?
    } else {
        vec![CertificateDer::from(bytes.to_vec())]
    };
    if certs.is_empty() {
        return Err(StoreError::Empty);
    }
    for (i, cert) in certs.iter().enumerate() {
        if x509::parse(cert).is_none() || webpki::anchor_from_trusted_cert(cert).is_err() {
            return Err(StoreError::NotACertificate(i));
        }
    }
    Ok(certs)
}
