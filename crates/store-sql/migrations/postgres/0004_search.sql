-- Indexes for searching versions, postgres dialect. Keep in step with the ../sqlite/0004_search.sql.

-- The search order: newest first, then repository, package, version; a page is one index range.
CREATE INDEX tags_by_time ON tags (updated_at DESC, repository, package, name);
-- Versions of a manifest, for property and digest filters (which yield manifest digests).
CREATE INDEX tags_by_manifest ON tags (digest);
