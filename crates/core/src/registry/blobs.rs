//! Reading and deleting blobs as a package sees them.

use super::Registry;
use crate::blob::ByteStream;
use crate::{Error, ErrorKind, Result};
use arca_types::{ByteRange, Digest, OciName, RangeSpec};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub digest: Digest,
    pub size: u64,
}

/// A blob being read: whole, or one range of it.
pub struct BlobRead {
    /// Size of the whole blob.
    pub size: u64,
    /// The range served, if one was asked for.
    pub range: Option<ByteRange>,
    pub stream: ByteStream,
}

fn unknown_blob(name: &OciName, digest: &Digest) -> Error {
    Error::new(ErrorKind::BlobUnknown, format!("blob {digest} is unknown to {name}"))
}

impl Registry {
    /// Size of a blob visible in `name` (one indexed lookup, no storage access).
    pub async fn stat_blob(&self, name: &OciName, digest: &Digest) -> Result<u64> {
        self.meta.linked_blob_size(name, digest).await?.ok_or_else(|| unknown_blob(name, digest))
    }

    pub async fn get_blob(&self, name: &OciName, digest: &Digest, range: Option<RangeSpec>) -> Result<BlobRead> {
        let size = self.stat_blob(name, digest).await?;
        let range = range.map(|r| r.resolve(size)).transpose().map_err(|_| {
            Error::new(ErrorKind::RangeNotSatisfiable, format!("range is outside the blob's {size} bytes"))
        })?;
        match self.blobs.get(digest, range).await? {
            Some(content) => Ok(BlobRead { size: content.size, range, stream: content.stream }),
            None => {
                tracing::error!(%digest, "blob is recorded but missing from the blob store");
                Err(unknown_blob(name, digest))
            }
        }
    }

    pub async fn delete_blob(&self, name: &OciName, digest: &Digest, actor: &crate::audit::Actor) -> Result<()> {
        let audit = actor.entry("blob.delete", format!("{name}@{digest}"), crate::audit::Outcome::Success);
        if self.meta.unlink_blob(name, digest, &audit).await? { Ok(()) } else { Err(unknown_blob(name, digest)) }
    }
}
