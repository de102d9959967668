//! The supply-chain routes of the OpenAPI document: trust roots, a version's attachments, components
//! and findings, the component search, advisories and coverage.

use super::{body, int64, limit, ok, package, query_param, repo, repo_name, responses, schema, text};
use serde_json::{Value, json};

/// A version by tag or by digest.
fn reference() -> Value {
    super::path_param(
        "version",
        "version (tag) or manifest digest",
        json!({ "type": "string", "maxLength": 200,
            "pattern": "^([a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}|sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$" }),
    )
}

fn root_name() -> Value {
    super::path_param(
        "root",
        "trust root name",
        json!({ "type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$" }),
    )
}

fn nullable() -> Value {
    json!({ "type": ["string", "null"] })
}

/// One view of a version: the head fields every view has, and its own list.
fn version_view(key: &str, items: Value, extra: Value) -> Value {
    let mut properties = json!({ "repository": text(), "package": text(), "reference": text(), "digest": text(),
        key: { "type": "array", "items": items } });
    let mut required = vec![json!("repository"), json!("package"), json!("reference"), json!("digest"), json!(key)];
    for (k, v) in extra.as_object().into_iter().flatten() {
        properties[k] = v.clone();
        required.push(json!(k));
    }
    json!({ "type": "object", "required": required, "properties": properties })
}

fn version_get(id: &str, summary: &str, answer: Value) -> Value {
    json!({
        "x-arca-route": "/api/v1/repositories/{name}/packages/{*rest}",
        "parameters": [repo(), package(), reference()],
        "get": { "operationId": id, "tags": ["trust"], "summary": summary,
            "responses": responses(("200", ok("the view", answer)),
                &[("400", "invalid name or version"), ("404", "no such repository or version")]) }
    })
}

pub(super) fn paths() -> Value {
    let base = "/api/v1/repositories/{name}/packages/{package}/versions/{version}";
    let scanned = json!({ "scanned": { "type": "boolean" } });
    let attachments = version_view(
        "attachments",
        schema("Attachment"),
        json!({
        "signed_by": { "type": "array", "items": text() },
        "provenance": { "type": "array", "items": schema("Provenance") } }),
    );
    let mut paths = json!({
        "/api/v1/repositories/{name}/trust-roots": {
            "x-arca-route": crate::trust::TRUST_ROOTS,
            "parameters": [repo()],
            "get": { "operationId": "listTrustRoots", "tags": ["trust"],
                "summary": "The keys, certificates and notation trust policy the repository verifies attachments against",
                "responses": responses(("200", ok("the trust roots", json!({ "type": "object", "required": ["trust_roots"],
                    "properties": { "trust_roots": { "type": "array", "items": schema("TrustRoot") } } }))),
                    &[("400", "invalid name"), ("404", "no such repository")]) }
        },
        "/api/v1/repositories/{name}/trust-roots/{root}": {
            "x-arca-route": crate::trust::TRUST_ROOT,
            "parameters": [repo(), root_name()],
            "get": { "operationId": "getTrustRoot", "tags": ["trust"], "summary": "One trust root",
                "responses": responses(("200", ok("the trust root", schema("TrustRoot"))),
                    &[("400", "invalid name"), ("404", "no such repository or trust root")]) },
            "put": { "operationId": "putTrustRoot", "tags": ["trust"],
                "summary": "Add or replace a trust root (audited): a cosign public key, a notation CA certificate, or \
                    the repository's one notation trust policy",
                "requestBody": body(json!({ "type": "object", "required": ["kind", "material"], "additionalProperties": false,
                    "properties": { "kind": { "type": "string", "enum": ["cosign-key", "notation-ca", "notation-policy"] },
                        "material": { "type": "string", "description": "PEM (keys, certificates) or JSON (trustpolicy.json)" } } })),
                "responses": responses(("200", ok("the trust root as stored", schema("TrustRoot"))),
                    &[("400", "invalid name, or material that does not parse"), ("404", "no such repository"),
                      ("409", "the repository has a notation trust policy under another name")]) },
            "delete": { "operationId": "deleteTrustRoot", "tags": ["trust"], "summary": "Remove a trust root (audited)",
                "responses": responses(("204", json!({ "description": "removed" })),
                    &[("400", "invalid name"), ("404", "no such trust root")]) }
        },
        "/api/v1/components": {
            "x-arca-route": crate::trust::COMPONENTS,
            "get": { "operationId": "findComponents", "tags": ["trust"],
                "summary": "Versions whose SBOMs list a component (in the repositories the caller may read), newest first",
                "parameters": [
                    query_param("purl", "a package URL; with `@version`, that version only", json!({ "type": "string", "maxLength": 1000 })),
                    query_param("name", "the component's name", json!({ "type": "string", "maxLength": 1000 })),
                    query_param("license", "an SPDX license id or expression as the SBOM gives it", json!({ "type": "string", "maxLength": 200 })),
                    query_param("range", "comparisons joined by commas (`>=1.0,<2.0`), by the component's ecosystem ordering",
                        json!({ "type": "string", "maxLength": 200 })),
                    query_param("limit", "at most this many (default 100)", limit())],
                "responses": responses(("200", ok("the versions", json!({ "type": "object", "required": ["results"],
                    "properties": { "results": { "type": "array", "items": schema("ComponentHit") } } }))),
                    &[("400", "no purl, name or license; an invalid purl, range or limit")]) }
        },
        "/api/v1/advisories": {
            "x-arca-route": crate::trust::ADVISORIES,
            "get": { "operationId": "countAdvisories", "tags": ["trust"], "summary": "How many OSV advisories are stored",
                "responses": responses(("200", ok("the count", json!({ "type": "object", "required": ["advisories"],
                    "properties": { "advisories": int64() } }))), &[]) },
            "post": { "operationId": "importAdvisories", "tags": ["trust"],
                "summary": "Store OSV advisories (at most 1000 per request) and match them against stored components (audited)",
                "requestBody": body(json!({ "type": "array", "maxItems": 1000, "items": { "type": "object" } })),
                "responses": responses(("200", ok("what was stored", json!({ "type": "object",
                    "required": ["received", "stored", "rejected", "evaluated"],
                    "properties": { "received": int64(), "stored": int64(),
                        "rejected": { "type": "array", "items": text() }, "evaluated": { "type": ["integer", "null"] } } }))),
                    &[("400", "not a JSON array, or more than 1000 records")]) }
        },
        "/api/v1/coverage": {
            "x-arca-route": crate::trust::COVERAGE,
            "get": { "operationId": "coverage", "tags": ["trust"],
                "summary": "Per repository: versions signed by a trusted key, with SBOM, with verified provenance, free of critical and high findings",
                "responses": responses(("200", ok("coverage", json!({ "type": "object", "required": ["repositories"],
                    "properties": { "repositories": { "type": "array", "items": schema("Coverage") } } }))), &[]) }
        },
    });
    let views = [
        ("attachments", "getAttachments", "A version's signatures, attestations and SBOMs, each verified", attachments),
        (
            "components",
            "getComponents",
            "The components of a version's SBOMs",
            version_view("components", schema("Component"), scanned.clone()),
        ),
        (
            "vulnerabilities",
            "getVulnerabilities",
            "A version's findings, worst first",
            version_view("findings", schema("Finding"), scanned),
        ),
    ];
    for (suffix, id, summary, answer) in views {
        paths[format!("{base}/{suffix}")] = version_get(id, summary, answer);
    }
    paths
}

pub(super) fn schemas() -> Value {
    let strings = json!({ "type": "array", "items": text() });
    json!({
        "TrustRoot": { "type": "object", "required": ["name", "kind", "fingerprint", "material", "created"],
            "properties": { "name": text(), "kind": text(), "fingerprint": text(), "material": text(), "created": text() } },
        "Attachment": { "type": "object", "required": ["digest", "kind", "verdict", "explanation", "facts"],
            "properties": { "digest": text(),
                "kind": { "type": "string", "enum": ["cosign-signature", "cosign-attestation", "sigstore-bundle",
                    "sigstore-attestation", "notation", "sbom", "other"] },
                "verdict": { "type": "string", "enum": ["valid", "invalid", "untrusted_key", "unsupported",
                    "keyless_not_verifiable"] },
                "signer": text(), "reason": text(), "identity": nullable(), "explanation": text(),
                "facts": { "type": "object" } } },
        "Provenance": { "type": "object", "required": ["slsa_version", "builder_id", "build_type"],
            "properties": { "slsa_version": text(), "builder_id": text(), "build_type": text(),
                "source_repository": nullable(), "source_ref": nullable(), "commit": nullable(),
                "entry_point": nullable(), "invocation_id": nullable(), "started_on": nullable(),
                "finished_on": nullable() } },
        "Component": { "type": "object", "required": ["name", "version", "purl", "ecosystem", "osv_name", "licenses"],
            "properties": { "name": text(), "version": nullable(), "purl": nullable(), "ecosystem": nullable(),
                "osv_name": nullable(), "licenses": strings } },
        "ComponentHit": { "type": "object", "required": ["repository", "stage", "package", "version", "digest", "component"],
            "properties": { "repository": text(), "stage": nullable(), "package": text(), "version": text(),
                "digest": text(), "component": schema("Component") } },
        "Finding": { "type": "object", "required": ["advisory", "package", "installed", "fixed", "severity", "score", "found"],
            "properties": { "advisory": text(), "package": text(), "installed": text(), "fixed": nullable(),
                "severity": { "type": "string", "enum": ["critical", "high", "medium", "low", "none", "unknown"] },
                "score": nullable(), "found": text() } },
        "Coverage": { "type": "object",
            "required": ["repository", "versions", "signed", "with_sbom", "with_provenance", "free_of_high"],
            "properties": { "repository": repo_name(), "versions": int64(), "signed": int64(), "with_sbom": int64(),
                "with_provenance": int64(), "free_of_high": int64() } },
    })
}
