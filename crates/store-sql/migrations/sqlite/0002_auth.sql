-- Users, tokens, server secrets and the hash-chained audit log, SQLite dialect. Keep in step with
-- ../postgres/0002_auth.sql (the schema-equality test compares them).

CREATE TABLE users (
    name          TEXT    NOT NULL PRIMARY KEY,
    password_hash TEXT,             -- argon2id PHC string; NULL for service accounts
    grants        TEXT    NOT NULL, -- JSON array of {pattern, actions}
    created_at    INTEGER NOT NULL
);

CREATE TABLE tokens (
    id          TEXT    NOT NULL PRIMARY KEY,
    owner       TEXT    NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    description TEXT    NOT NULL,
    hash        TEXT    NOT NULL, -- hex SHA-256 of the token text; the text itself is never stored
    scopes      TEXT    NOT NULL, -- JSON array of {pattern, actions}
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER
);
CREATE INDEX tokens_by_owner ON tokens (owner);

CREATE TABLE server_secrets (
    name       TEXT    NOT NULL PRIMARY KEY,
    value      BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);

-- hash = sha256(prev_hash || canonical entry); see arca_core::audit.
CREATE TABLE audit_log (
    seq         BIGINT  NOT NULL PRIMARY KEY, -- BIGINT, not INTEGER: no rowid alias, an index like PostgreSQL's
    time        INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    client_addr TEXT,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    detail      TEXT,
    prev_hash   TEXT    NOT NULL,
    hash        TEXT    NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (time);

-- The newest entry, updated with every append (one row): deleting the newest entries is detected.
CREATE TABLE audit_head (
    id   BIGINT  NOT NULL PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
