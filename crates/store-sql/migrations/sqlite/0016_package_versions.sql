-- A package's versions newest first (sqlite dialect; keep in step with the other): the versions listing
-- (`GET /api/v1/…/versions`, the UI's package page) filters on one repository and package, whose
-- tags this index holds in the listing's order, so a page is one index range even at 100 000
-- versions (without it the planner took every tag of the package and sorted them).
CREATE INDEX tags_by_package_time ON tags (repository, package, updated_at DESC, name);
