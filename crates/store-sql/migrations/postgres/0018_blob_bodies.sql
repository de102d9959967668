-- The bytes of small blobs kept with their row instead of in a file of their own (postgres dialect;
-- keep in step with the other): a manifest's body is written in the transaction that records it, so
-- a manifest push writes no object to the blob store. Deleted with the blob's row.
CREATE TABLE blob_bodies (
    digest TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES blobs (digest) ON DELETE CASCADE,
    body   BYTEA NOT NULL
);
