-- A package's lifecycle state (PEP 792: active, archived, quarantined, deprecated) and its reason,
-- postgres dialect. Keep in step with the other dialect's 0012. NULL is active: every package until its
-- maintainers say otherwise. The state belongs to the package, not to a version, so it lives on the
-- package's row, which outlives its versions.
ALTER TABLE packages ADD COLUMN status TEXT COLLATE "C";
ALTER TABLE packages ADD COLUMN status_reason TEXT;
