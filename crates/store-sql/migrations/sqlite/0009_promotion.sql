-- Promotion through stages, sqlite dialect. Keep in step with the other dialect's 0009.
--
-- repositories.promote_from: JSON array of the repositories a version may be promoted from into this one
-- (the edges of the promotion path end here); repositories.gates: JSON array of the gates a promotion
-- into this one must pass, in their canonical text (core::promotion::Gate).
ALTER TABLE repositories ADD COLUMN promote_from TEXT NOT NULL DEFAULT '[]';
ALTER TABLE repositories ADD COLUMN gates TEXT NOT NULL DEFAULT '[]';
-- repositories.pull_gates: gates a manifest pull from the repository must pass (same texts).
ALTER TABLE repositories ADD COLUMN pull_gates TEXT NOT NULL DEFAULT '[]';

-- Every promotion and rollback into a repository's package, as its history. `id` is the sequence number
-- of the audit entry recorded with it (in the same transaction), so ids grow with time and each points at
-- its audit entry. `source` is NULL for a rollback; `previous` is the digest that was current before.
CREATE TABLE promotions (
    id         BIGINT  NOT NULL PRIMARY KEY, -- BIGINT, not INTEGER: no rowid alias, an index like PostgreSQL's
    kind       TEXT    NOT NULL,
    release    TEXT,
    source     TEXT,
    repository TEXT    NOT NULL,
    package    TEXT    NOT NULL,
    version    TEXT,
    digest     TEXT    NOT NULL,
    previous   TEXT,
    actor      TEXT    NOT NULL,
    verdicts   TEXT    NOT NULL, -- JSON array of {gate, passed, reason}
    approvers  TEXT    NOT NULL, -- JSON array of principal names
    at         INTEGER NOT NULL
);
CREATE INDEX promotions_by_package ON promotions (repository, package, id);
CREATE INDEX promotions_by_name ON promotions (package, id);
CREATE INDEX promotions_by_source ON promotions (source, package, digest);

-- Approvals of a digest's promotion into a repository, one per principal.
CREATE TABLE approvals (
    repository TEXT    NOT NULL,
    package    TEXT    NOT NULL,
    digest     TEXT    NOT NULL,
    principal  TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (repository, package, digest, principal)
);

-- What CD systems report as deployed: digest X of a repository's package running in environment E
-- since `at`. `id` is the audit entry's sequence number, as for promotions.
CREATE TABLE deployments (
    id          BIGINT  NOT NULL PRIMARY KEY,
    environment TEXT    NOT NULL,
    repository  TEXT    NOT NULL,
    package     TEXT    NOT NULL,
    digest      TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX deployments_by_package ON deployments (package, environment, id);
CREATE INDEX deployments_by_digest ON deployments (repository, package, digest);
