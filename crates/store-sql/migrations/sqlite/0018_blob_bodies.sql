-- The bytes of small blobs kept with their row instead of in a file of their own (sqlite dialect; keep
-- in step with the other): a manifest's body is written in the transaction that records it, so a
-- manifest push creates no file and waits for no file or directory sync. Deleted with the blob's row.
CREATE TABLE blob_bodies (
    digest TEXT NOT NULL PRIMARY KEY REFERENCES blobs (digest) ON DELETE CASCADE,
    body   BLOB NOT NULL
);
