-- arca metadata schema, PostgreSQL dialect. Keep in step with ../sqlite/0001_init.sql: the integration
-- test `both_dialects_produce_the_same_schema` compares tables, columns and indexes of the two.
-- Types: BIGINT (i64; timestamps are milliseconds, booleans 0/1), TEXT, BYTEA. Every text column uses
-- COLLATE "C" so ordering and paging are byte-wise whatever the database's locale, as in SQLite.

CREATE TABLE repositories (
    name         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    format       TEXT COLLATE "C" NOT NULL,
    kind         TEXT COLLATE "C" NOT NULL,
    stage        TEXT COLLATE "C",
    mutable_tags TEXT COLLATE "C" NOT NULL, -- JSON array of glob patterns
    created_at   BIGINT NOT NULL
);

-- The catalog: one row per package holding (or having held) content. `full_name` is
-- `repository || '/' || name`, so catalog paging is one range scan in byte order across repositories.
CREATE TABLE packages (
    repository TEXT COLLATE "C" NOT NULL REFERENCES repositories (name),
    name       TEXT COLLATE "C" NOT NULL,
    full_name  TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (repository, name)
);
CREATE UNIQUE INDEX packages_by_full_name ON packages (full_name);

CREATE TABLE blobs (
    digest     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    size       BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Blobs visible in a package (pushed or mounted there).
CREATE TABLE blob_links (
    repository TEXT COLLATE "C" NOT NULL,
    package    TEXT COLLATE "C" NOT NULL,
    digest     TEXT COLLATE "C" NOT NULL REFERENCES blobs (digest),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (repository, package, digest),
    FOREIGN KEY (repository, package) REFERENCES packages (repository, name)
);
CREATE INDEX blob_links_by_digest ON blob_links (digest);

CREATE TABLE manifests (
    repository    TEXT COLLATE "C" NOT NULL,
    package       TEXT COLLATE "C" NOT NULL,
    digest        TEXT COLLATE "C" NOT NULL REFERENCES blobs (digest),
    media_type    TEXT COLLATE "C" NOT NULL,
    size          BIGINT NOT NULL,
    artifact_type TEXT COLLATE "C",
    subject       TEXT COLLATE "C",
    annotations   TEXT COLLATE "C", -- JSON object
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (repository, package, digest),
    FOREIGN KEY (repository, package) REFERENCES packages (repository, name)
);
-- Referrers of a subject, already in digest order.
CREATE INDEX manifests_by_subject ON manifests (repository, package, subject, digest);
CREATE INDEX manifests_by_digest ON manifests (digest);

-- What each manifest refers to (config, layers, index children), for garbage collection.
CREATE TABLE manifest_refs (
    repository      TEXT COLLATE "C" NOT NULL,
    package         TEXT COLLATE "C" NOT NULL,
    manifest_digest TEXT COLLATE "C" NOT NULL,
    child_digest    TEXT COLLATE "C" NOT NULL,
    kind            TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (repository, package, manifest_digest, child_digest, kind),
    FOREIGN KEY (repository, package, manifest_digest) REFERENCES manifests (repository, package, digest)
);
CREATE INDEX manifest_refs_by_child ON manifest_refs (child_digest);

CREATE TABLE tags (
    repository TEXT COLLATE "C" NOT NULL,
    package    TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    digest     TEXT COLLATE "C" NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (repository, package, name),
    FOREIGN KEY (repository, package, digest) REFERENCES manifests (repository, package, digest)
);
CREATE INDEX tags_by_digest ON tags (repository, package, digest);

CREATE TABLE uploads (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    repository TEXT COLLATE "C" NOT NULL,
    package    TEXT COLLATE "C" NOT NULL,
    "offset"   BIGINT NOT NULL,
    hash_state BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX uploads_by_updated_at ON uploads (updated_at);
