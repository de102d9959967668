-- Online garbage collection and retention policies, sqlite dialect. Keep in step with the other
-- dialect's 0008.
--
-- blobs.touched_at: when the blob was last recorded (pushed, mounted, linked, staged). GC takes only
-- blobs untouched for its grace period, so a blob recorded but not yet referenced (a layer pushed
-- before its manifest, a generic file staged before its commit) is safe for that long.
-- blobs.collecting_at: set by a GC sweep that took the blob (in the transaction that found it
-- unreferenced); its file is being deleted and the row goes next. A push of the digest meanwhile is
-- refused as retryable, and a sweep that crashed is finished by the next run.
ALTER TABLE blobs ADD COLUMN touched_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE blobs ADD COLUMN collecting_at INTEGER;
UPDATE blobs SET touched_at = created_at;

-- GC asks whether any staged generic file holds a digest.
CREATE INDEX generic_upload_files_by_digest ON generic_upload_files (digest);

-- A repository's retention policy: its TOML text, verbatim (core::retention parses it).
CREATE TABLE retention_policies (
    repository TEXT NOT NULL PRIMARY KEY REFERENCES repositories (name),
    policy      TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    -- When its schedule last applied it (NULL: never); the next run is the schedule's first time after
    -- this (or after updated_at).
    last_run_at INTEGER
);

-- When each manifest was last pulled (its body read through /v2, or a generic file downloaded), for
-- retention's `keep_pulled_within`. Each node notes pulls in memory and writes them here at most once a
-- minute, so the times are at most that late; they are telemetry, not changes, and are not audited.
CREATE TABLE manifest_pulls (
    repository TEXT NOT NULL,
    package    TEXT NOT NULL,
    digest     TEXT NOT NULL,
    pulled_at  INTEGER NOT NULL,
    PRIMARY KEY (repository, package, digest)
);

-- A repository's byte quota (NULL: none): what it references, each distinct blob once, may not grow
-- past it (checked in the transaction of each write that adds content to it).
ALTER TABLE repositories ADD COLUMN quota_bytes INTEGER;
