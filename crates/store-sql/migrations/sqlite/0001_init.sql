-- arca metadata schema, SQLite dialect. Keep in step with ../postgres/0001_init.sql: the integration
-- test `both_dialects_produce_the_same_schema` compares tables, columns and indexes of the two.
-- Types: INTEGER (i64; timestamps are milliseconds, booleans 0/1), TEXT, BLOB. Every key column is
-- declared NOT NULL explicitly (SQLite would otherwise allow NULL in a non-integer primary key).
-- Text compares byte-wise (BINARY collation), like the COLLATE "C" of the PostgreSQL schema.

CREATE TABLE repositories (
    name         TEXT    NOT NULL PRIMARY KEY,
    format       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    stage        TEXT,
    mutable_tags TEXT    NOT NULL, -- JSON array of glob patterns
    created_at   INTEGER NOT NULL
);

-- The catalog: one row per package holding (or having held) content. `full_name` is
-- `repository || '/' || name`, so catalog paging is one range scan in byte order across repositories.
CREATE TABLE packages (
    repository TEXT    NOT NULL REFERENCES repositories (name),
    name       TEXT    NOT NULL,
    full_name  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (repository, name)
);
CREATE UNIQUE INDEX packages_by_full_name ON packages (full_name);

CREATE TABLE blobs (
    digest     TEXT    NOT NULL PRIMARY KEY,
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

-- Blobs visible in a package (pushed or mounted there).
CREATE TABLE blob_links (
    repository TEXT    NOT NULL,
    package    TEXT    NOT NULL,
    digest     TEXT    NOT NULL REFERENCES blobs (digest),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (repository, package, digest),
    FOREIGN KEY (repository, package) REFERENCES packages (repository, name)
);
CREATE INDEX blob_links_by_digest ON blob_links (digest);

CREATE TABLE manifests (
    repository    TEXT    NOT NULL,
    package       TEXT    NOT NULL,
    digest        TEXT    NOT NULL REFERENCES blobs (digest),
    media_type    TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    artifact_type TEXT,
    subject       TEXT,
    annotations   TEXT, -- JSON object
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (repository, package, digest),
    FOREIGN KEY (repository, package) REFERENCES packages (repository, name)
);
-- Referrers of a subject, already in digest order.
CREATE INDEX manifests_by_subject ON manifests (repository, package, subject, digest);
CREATE INDEX manifests_by_digest ON manifests (digest);

-- What each manifest refers to (config, layers, index children), for garbage collection.
CREATE TABLE manifest_refs (
    repository      TEXT NOT NULL,
    package         TEXT NOT NULL,
    manifest_digest TEXT NOT NULL,
    child_digest    TEXT NOT NULL,
    kind            TEXT NOT NULL,
    PRIMARY KEY (repository, package, manifest_digest, child_digest, kind),
    FOREIGN KEY (repository, package, manifest_digest) REFERENCES manifests (repository, package, digest)
);
CREATE INDEX manifest_refs_by_child ON manifest_refs (child_digest);

CREATE TABLE tags (
    repository TEXT    NOT NULL,
    package    TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    digest     TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (repository, package, name),
    FOREIGN KEY (repository, package, digest) REFERENCES manifests (repository, package, digest)
);
CREATE INDEX tags_by_digest ON tags (repository, package, digest);

CREATE TABLE uploads (
    id         TEXT    NOT NULL PRIMARY KEY,
    repository TEXT    NOT NULL,
    package    TEXT    NOT NULL,
    "offset"   INTEGER NOT NULL,
    hash_state BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX uploads_by_updated_at ON uploads (updated_at);
