-- The owners of a Cargo crate, sqlite dialect. Keep in step with the other dialect's 0014.
-- As on crates.io: a crate's first publish makes its publisher an owner; owners add and remove others
-- (`cargo owner`), and only owners (or the repository's administrators) publish new versions, yank
-- or change owners. `package` is the crate's stored name (its collision key), so every spelling of a
-- crate has one set of owners. A crate with no rows (published before owners were kept) is open to
-- anyone who may publish to the repository. Rows outlive the versions; they go with their repository.
CREATE TABLE crate_owners (
    repository TEXT NOT NULL REFERENCES repositories (name),
    package    TEXT NOT NULL,
    login      TEXT NOT NULL,
    added_at   BIGINT NOT NULL,
    PRIMARY KEY (repository, package, login)
);
