-- Audit entries committed but not yet chained (sqlite dialect; keep in step with the other). SQLite
-- has one writer, which chains each entry in place, so this stays empty here; on PostgreSQL it is
-- where concurrent writers append (see the other dialect).
CREATE TABLE audit_pending (
    id          BIGINT  NOT NULL PRIMARY KEY, -- never generated here: nothing is pending on SQLite
    time        INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    client_addr TEXT,
    action      TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    detail      TEXT
);
