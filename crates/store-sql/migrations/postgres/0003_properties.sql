-- Properties of versions and multi-file generic uploads, PostgreSQL dialect. Keep in step with
-- ../sqlite/0003_properties.sql (the schema-equality test compares them).

-- Multi-valued key=value metadata, keyed by manifest digest (a manifest never changes; its properties
-- may). One row per (digest, key, value).
CREATE TABLE properties (
    manifest_digest TEXT COLLATE "C" NOT NULL,
    key             TEXT COLLATE "C" NOT NULL,
    value           TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (manifest_digest, key, value)
);
CREATE INDEX properties_by_key ON properties (key, value);

-- A multi-file generic upload: files staged for one version, published together by a commit.
CREATE TABLE generic_uploads (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    repository TEXT COLLATE "C" NOT NULL,
    package    TEXT COLLATE "C" NOT NULL,
    version    TEXT COLLATE "C" NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE INDEX generic_uploads_by_updated_at ON generic_uploads (updated_at);

CREATE TABLE generic_upload_files (
    upload_id  TEXT COLLATE "C" NOT NULL REFERENCES generic_uploads (id) ON DELETE CASCADE,
    file       TEXT COLLATE "C" NOT NULL,
    digest     TEXT COLLATE "C" NOT NULL,
    size       BIGINT  NOT NULL,
    media_type TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (upload_id, file)
);
