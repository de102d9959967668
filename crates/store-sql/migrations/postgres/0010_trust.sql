-- Supply-chain trust, postgres dialect. Keep in step with the other dialect's 0010.
--
-- Trust roots a repository verifies attachments against: cosign public keys (PEM), notation CA
-- certificates (PEM) and at most one notation trust policy (JSON) per repository.
CREATE TABLE trust_roots (
    repository  TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL, -- cosign-key | notation-ca | notation-policy
    material    TEXT COLLATE "C" NOT NULL,
    fingerprint TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (repository, name)
);

-- What verifying an attachment (a referrer, or a cosign `sha256-….sig|att|sbom` tag) found, cached per
-- set of trust roots (`roots`: a hash of the set; a new set means new rows). Keyed by digests only: a
-- promoted artifact carries its verdicts with it. `facts` is JSON: provenance, predicate type, SBOM kind.
CREATE TABLE attachment_verdicts (
    attachment TEXT COLLATE "C" NOT NULL,
    roots      TEXT COLLATE "C" NOT NULL,
    subject    TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    verdict    TEXT COLLATE "C" NOT NULL, -- JSON: arca_types::Verdict
    facts      TEXT COLLATE "C" NOT NULL, -- JSON object
    at         BIGINT NOT NULL,
    PRIMARY KEY (attachment, roots)
);
CREATE INDEX attachment_verdicts_by_subject ON attachment_verdicts (subject, roots);

-- The components of the SBOMs attached to an artifact (its manifest digest), one row per component and
-- SBOM. `purl` is without its version; `ecosystem`/`osv_name` name the package as OSV does, when known.
-- `licenses` is `|`-delimited (`|MIT|Apache-2.0|`) so one LIKE finds a license.
CREATE TABLE sbom_components (
    subject    TEXT COLLATE "C" NOT NULL,
    sbom       TEXT COLLATE "C" NOT NULL,
    seq        BIGINT NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    version    TEXT COLLATE "C",
    purl       TEXT COLLATE "C",
    ecosystem  TEXT COLLATE "C",
    osv_name   TEXT COLLATE "C",
    licenses   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (subject, sbom, seq)
);
CREATE INDEX sbom_components_by_purl ON sbom_components (purl);
CREATE INDEX sbom_components_by_name ON sbom_components (name);
CREATE INDEX sbom_components_by_package ON sbom_components (ecosystem, osv_name);

-- OSV advisories as imported (the record's JSON), and the packages each names (`ecosystem` is the base,
-- before any `:suffix`). `evaluated` is 0 until the advisories job has matched it against stored
-- components (retroactive findings).
CREATE TABLE advisories (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    modified   TEXT COLLATE "C" NOT NULL,
    record     TEXT COLLATE "C" NOT NULL,
    evaluated  BIGINT NOT NULL,
    imported_at BIGINT NOT NULL
);
CREATE INDEX advisories_to_evaluate ON advisories (evaluated, id);
CREATE TABLE advisory_packages (
    ecosystem TEXT COLLATE "C" NOT NULL,
    name      TEXT COLLATE "C" NOT NULL,
    advisory  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (ecosystem, name, advisory)
);
CREATE INDEX advisory_packages_by_advisory ON advisory_packages (advisory);

-- What matching found: an artifact (manifest digest) holds a component an advisory affects.
CREATE TABLE findings (
    subject   TEXT COLLATE "C" NOT NULL,
    advisory  TEXT COLLATE "C" NOT NULL,
    package   TEXT COLLATE "C" NOT NULL,
    installed TEXT COLLATE "C" NOT NULL,
    fixed     TEXT COLLATE "C",
    severity  TEXT COLLATE "C" NOT NULL,
    score     TEXT COLLATE "C",
    found_at  BIGINT NOT NULL,
    PRIMARY KEY (subject, advisory, package, installed)
);
CREATE INDEX findings_by_advisory ON findings (advisory);
