-- Users, tokens, server secrets and the hash-chained audit log, PostgreSQL dialect. Keep in step with
-- ../sqlite/0002_auth.sql (the schema-equality test compares them).

CREATE TABLE users (
    name          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    password_hash TEXT COLLATE "C",             -- argon2id PHC string; NULL for service accounts
    grants        TEXT COLLATE "C" NOT NULL, -- JSON array of {pattern, actions}
    created_at    BIGINT  NOT NULL
);

CREATE TABLE tokens (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    owner       TEXT COLLATE "C" NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    description TEXT COLLATE "C" NOT NULL,
    hash        TEXT COLLATE "C" NOT NULL, -- hex SHA-256 of the token text; the text itself is never stored
    scopes      TEXT COLLATE "C" NOT NULL, -- JSON array of {pattern, actions}
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT ,
    revoked_at  BIGINT 
);
CREATE INDEX tokens_by_owner ON tokens (owner);

CREATE TABLE server_secrets (
    name       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    value      BYTEA   NOT NULL,
    created_at BIGINT  NOT NULL
);

-- hash = sha256(prev_hash || canonical entry); see arca_core::audit.
CREATE TABLE audit_log (
    seq         BIGINT  NOT NULL PRIMARY KEY,
    time        BIGINT  NOT NULL,
    actor       TEXT COLLATE "C" NOT NULL,
    client_addr TEXT COLLATE "C",
    action      TEXT COLLATE "C" NOT NULL,
    target      TEXT COLLATE "C" NOT NULL,
    outcome     TEXT COLLATE "C" NOT NULL,
    detail      TEXT COLLATE "C",
    prev_hash   TEXT COLLATE "C" NOT NULL,
    hash        TEXT COLLATE "C" NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (time);

-- The newest entry, updated with every append (one row): deleting the newest entries is detected.
CREATE TABLE audit_head (
    id   BIGINT  NOT NULL PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT COLLATE "C" NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
