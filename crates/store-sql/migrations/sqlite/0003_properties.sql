-- Properties of versions and multi-file generic uploads, SQLite dialect. Keep in step with
-- ../postgres/0003_properties.sql (the schema-equality test compares them).

-- Multi-valued key=value metadata, keyed by manifest digest (a manifest never changes; its properties
-- may). One row per (digest, key, value).
CREATE TABLE properties (
    manifest_digest TEXT    NOT NULL,
    key             TEXT    NOT NULL,
    value           TEXT    NOT NULL,
    PRIMARY KEY (manifest_digest, key, value)
);
CREATE INDEX properties_by_key ON properties (key, value);

-- A multi-file generic upload: files staged for one version, published together by a commit.
CREATE TABLE generic_uploads (
    id         TEXT    NOT NULL PRIMARY KEY,
    repository TEXT    NOT NULL,
    package    TEXT    NOT NULL,
    version    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX generic_uploads_by_updated_at ON generic_uploads (updated_at);

CREATE TABLE generic_upload_files (
    upload_id  TEXT    NOT NULL REFERENCES generic_uploads (id) ON DELETE CASCADE,
    file       TEXT    NOT NULL,
    digest     TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    media_type TEXT    NOT NULL,
    PRIMARY KEY (upload_id, file)
);
