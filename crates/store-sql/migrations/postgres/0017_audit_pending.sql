-- Audit entries committed with their change but not yet chained (postgres dialect; keep in step with
-- the other). On PostgreSQL concurrent writers append here, touching no shared row, and
-- `arca_store_sql::audit::seal_pending` moves them into `audit_log` in batches under the head's lock
-- (one lock per batch instead of one held across every write's commit: the head row capped writes
-- through several nodes). The id is the entry's until it is sealed (promotions and deployments keep
-- it as theirs), so it starts past every sequence number already used as such an id.
CREATE TABLE audit_pending (
    id          BIGSERIAL NOT NULL PRIMARY KEY,
    time        BIGINT  NOT NULL,
    actor       TEXT COLLATE "C" NOT NULL,
    client_addr TEXT COLLATE "C",
    action      TEXT COLLATE "C" NOT NULL,
    target      TEXT COLLATE "C" NOT NULL,
    outcome     TEXT COLLATE "C" NOT NULL,
    detail      TEXT COLLATE "C"
);
SELECT setval(pg_get_serial_sequence('audit_pending', 'id'), (SELECT seq FROM audit_head WHERE id = 1) + 1, false);
