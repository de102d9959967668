//! BlobStore on the local filesystem: temp file, fsync, atomic rename into a content-addressed path.
