-- File names ever published, sqlite dialect. Keep in step with the other dialect's 0011.
-- PyPI never lets a file name be used twice, even after the file or its release is deleted, and npm
-- never lets a version be published again after an unpublish: the claim is a row here, written in the
-- unit of work that publishes the file, so two racing uploads of one name with different bytes end with
-- one winner. Rows outlive the manifests that used them; they go only with their repository.
CREATE TABLE published_files (
    repository   TEXT NOT NULL REFERENCES repositories (name),
    file_name    TEXT NOT NULL,
    package      TEXT NOT NULL,
    digest       TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (repository, file_name)
);
