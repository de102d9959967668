//! BlobStore checks.
