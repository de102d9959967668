-- The SLI history (arca_core::sli), postgres dialect. Keep in step with the other dialect's 0015.
-- One point per (resolution, series, step start); `value_milli` is the value times 1000, rounded (the
-- store has no floating-point columns). The sampler replaces a step's point and deletes old ones.
CREATE TABLE sli_samples (
    resolution  TEXT COLLATE "C" NOT NULL,
    series      TEXT COLLATE "C" NOT NULL,
    at          BIGINT NOT NULL,
    value_milli BIGINT NOT NULL,
    PRIMARY KEY (resolution, series, at)
);
CREATE INDEX sli_samples_by_time ON sli_samples (resolution, at);
