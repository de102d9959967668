-- Closed upload ids, postgres dialect. Keep in step with the other dialect's 0007.
-- An upload id carries its session until data arrives (see core::registry::upload_id), so a completed
-- or cancelled id is remembered here for as long as it could still be presented: every node refuses
-- it, not only the one that closed it. Rows older than the upload expiry are reaped with the uploads.
CREATE TABLE closed_uploads (
    id        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    closed_at BIGINT NOT NULL
);
CREATE INDEX closed_uploads_by_time ON closed_uploads (closed_at);
