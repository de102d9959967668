-- Job leases, sqlite dialect. Keep in step with the other dialect's 0006.
-- One row per job: who holds it until when, and when it is due next. A node claims a job with one
-- conditional UPDATE (free and due), so of several nodes exactly one runs it per period; a node that
-- dies stops renewing, and its lease lapses.
CREATE TABLE job_leases (
    name TEXT NOT NULL PRIMARY KEY,
    holder TEXT NOT NULL,
    lease_until BIGINT NOT NULL,
    due_at BIGINT NOT NULL
);
