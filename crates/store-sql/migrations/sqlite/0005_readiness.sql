-- The row readiness probes write (/readyz), sqlite dialect. Keep in step with the other dialect's 0005.
-- A store that cannot commit (a full disk, a read-only file, a database that was deleted) is not
-- ready; only a real write finds that out.
CREATE TABLE readiness_probe (
    id BIGINT NOT NULL PRIMARY KEY,
    checked_at BIGINT NOT NULL
);
