-- Whether a repository lets its format's client remove published versions (npm unpublish), postgres
-- dialect. Keep in step with the other dialect's 0013. 0: versions are immutable, the default of
-- every repository; 1: allowed (a boolean as 0/1, as everywhere in this schema).
ALTER TABLE repositories ADD COLUMN allow_unpublish BIGINT NOT NULL DEFAULT 0;
