//! The promotion routes of the OpenAPI document: promotions and releases, approvals, rollback,
//! history, where, deployments.

use super::{COMPONENT, int64, limit, ok, package_name, repo_name, responses, schema, tag, text};
use serde_json::{Value, json};

/// `<repo>/<package>@<tag|digest>`.
fn artifact() -> Value {
    json!({ "type": "string", "maxLength": 400,
        "pattern": format!("^{COMPONENT}(/{COMPONENT})+@([a-zA-Z0-9_][a-zA-Z0-9._-]{{0,127}}|sha256:[a-f0-9]{{64}}|sha512:[a-f0-9]{{128}})$"),
        "description": "`<repository>/<package>@<version|digest>`" })
}

/// The gates judged on the artifact itself (promotion and pull gates alike).
fn artifact_gates() -> String {
    let glob = "[!-~]{1,100}";
    let no_comma = "[!-+\\x2d-~]{1,100}";
    format!("signed(={glob})?|sbom|provenance(={no_comma}(,{no_comma})?)?|max-severity=(critical|high|medium|low)")
}

/// A gate, as `core::promotion::Gate` parses it (the allowlist form of `max-severity` is not in the
/// pattern).
pub(super) fn gate() -> Value {
    json!({ "type": "string", "maxLength": 300,
        "pattern": format!("^({}|approvals=([1-9][0-9]?|100)|soak=[0-9]{{1,4}}[smhd]|cel=.+)$", artifact_gates()),
        "description": "signed[=<key glob>], sbom, provenance[=<builder glob>[,<source glob>]], \
            max-severity=<critical|high|medium|low>[;allow=<id>[@<expiry>],…], approvals=<n>, soak=<duration>, \
            cel=<CEL expression over the promotion's facts> (see docs/cel.md; compiled when configured)" })
}

/// A pull gate: one judged on the artifact itself.
pub(super) fn pull_gate() -> Value {
    json!({ "type": "string", "maxLength": 300, "pattern": format!("^({})$", artifact_gates()),
        "description": "signed[=<key glob>], sbom, provenance[=…], max-severity=<…>" })
}

fn required_query(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": true, "description": description, "schema": schema })
}

fn json_body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

pub(super) fn paths() -> Value {
    let single = json!({ "type": "object", "required": ["artifact", "to"], "additionalProperties": false,
        "properties": { "artifact": artifact(), "to": repo_name(), "dry_run": { "type": "boolean" } } });
    let release = json!({ "type": "object", "required": ["release", "artifacts", "to"], "additionalProperties": false,
        "properties": { "release": { "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$" },
            "artifacts": { "type": "array", "items": artifact(), "minItems": 1, "maxItems": 1000 },
            "to": repo_name(), "dry_run": { "type": "boolean" } } });
    json!({
        "/api/v1/promotions": {
            "x-arca-route": crate::promotions::PROMOTIONS,
            "get": {
                "operationId": "promotionHistory", "tags": ["promotion"],
                "summary": "A package's promotions and rollbacks in a repository, newest first",
                "parameters": [
                    required_query("repository", "the repository", repo_name()),
                    required_query("package", "the package", package_name()),
                    { "name": "limit", "in": "query", "required": false, "description": "at most this many (default 100)",
                      "schema": limit() } ],
                "responses": responses(("200", ok("the history", schema("PromotionHistory"))),
                    &[("400", "invalid parameters"), ("404", "no such repository")])
            },
            "post": {
                "operationId": "promote", "tags": ["promotion"],
                "summary": "Promote a version, or a release (all or nothing), after the target's gates pass (audited)",
                "description": "Needs `read` on the source and `promote` on the target, which must list the source \
                    in `promote_from`. The answer is the checklist: every gate with its verdict and reason. With \
                    `dry_run` nothing is committed.",
                "requestBody": json_body(json!({ "oneOf": [single, release] })),
                "responses": responses(("200", ok("every gate passed: promoted (or the dry run passed)",
                    json!({ "oneOf": [schema("Checklist"), schema("ReleaseOutcome")] }))),
                    &[("400", "an invalid body, or no promotion path from the source to the target"),
                      ("404", "no such repository or version"),
                      ("409", "the target's tag points at another digest and is immutable"),
                      ("422", "a gate failed: the checklist with an `error` naming the failed gates")])
            }
        },
        "/api/v1/promotions/rollback": {
            "x-arca-route": crate::promotions::ROLLBACK,
            "post": {
                "operationId": "rollback", "tags": ["promotion"],
                "summary": "Make an earlier promoted digest current again (audited)",
                "description": "Needs `promote` on the repository. `tag`, if given, moves too (it must be mutable).",
                "requestBody": json_body(json!({ "type": "object", "required": ["repository", "package"],
                    "additionalProperties": false,
                    "properties": { "repository": repo_name(), "package": package_name(), "tag": tag(),
                        "to": { "anyOf": [ { "const": "previous" }, schema("Digest") ],
                            "description": "`previous` (default) or a digest promoted into it before" } } })),
                "responses": responses(("200", ok("the rollback as recorded", schema("HistoryEntry"))),
                    &[("400", "an invalid body"), ("404", "no such repository, or nothing promoted to roll back to"),
                      ("409", "no previous digest, or the tag is immutable")])
            }
        },
        "/api/v1/promotions/approvals": {
            "x-arca-route": crate::promotions::APPROVALS,
            "post": {
                "operationId": "approvePromotion", "tags": ["promotion"],
                "summary": "Approve a version's promotion into a repository (audited)",
                "description": "Needs `promote` on the target. Counts toward its `approvals=<n>` gate.",
                "requestBody": json_body(json!({ "type": "object", "required": ["artifact", "to"],
                    "additionalProperties": false, "properties": { "artifact": artifact(), "to": repo_name() } })),
                "responses": responses(("200", ok("the approvals so far", json!({ "type": "object",
                    "required": ["artifact", "to", "approvals"],
                    "properties": { "artifact": text(), "to": text(), "approvals": { "type": "array", "items": {
                        "type": "object", "required": ["principal", "at"],
                        "properties": { "principal": text(), "at": int64() } } } } }))),
                    &[("400", "an invalid body, or no promotion path"), ("404", "no such repository or version")])
            }
        },
        "/api/v1/promotions/where": {
            "x-arca-route": crate::promotions::WHERE,
            "get": {
                "operationId": "whereIs", "tags": ["promotion"],
                "summary": "What is current for a package in each stage and each environment",
                "parameters": [required_query("package", "the package name (in every repository)", package_name())],
                "responses": responses(("200", ok("stages in promotion order, environments", schema("Where"))),
                    &[("400", "invalid parameters")])
            }
        },
        "/api/v1/promotions/key": {
            "x-arca-route": crate::promotions::KEY,
            "get": {
                "operationId": "promotionKey", "tags": ["promotion"], "security": [],
                "summary": "The public key promotion records (DSSE envelopes of in-toto statements) are signed with",
                "responses": responses(("200", ok("the key", json!({ "type": "object",
                    "required": ["keyid", "algorithm", "public_key_pem", "predicate_type", "release_predicate_type",
                        "artifact_type"],
                    "properties": { "keyid": text(), "algorithm": { "const": "ed25519" }, "public_key_pem": text(),
                        "predicate_type": text(), "release_predicate_type": text(), "artifact_type": text() } }))),
                    &[("404", "this server signs no promotion records")])
            }
        },
        "/api/v1/deployments": {
            "x-arca-route": crate::promotions::DEPLOYMENTS,
            "get": {
                "operationId": "listDeployments", "tags": ["promotion"],
                "summary": "The newest deployment of a package to each environment",
                "parameters": [required_query("package", "the package name (in every repository)", package_name())],
                "responses": responses(("200", ok("deployments", json!({ "type": "object",
                    "required": ["package", "deployments"], "properties": { "package": text(),
                        "deployments": { "type": "array", "items": schema("Deployment") } } }))),
                    &[("400", "invalid parameters")])
            },
            "post": {
                "operationId": "recordDeployment", "tags": ["promotion"],
                "summary": "Record that a version runs in an environment now (audited)",
                "description": "For CD systems; needs `promote` on the artifact's repository.",
                "requestBody": json_body(json!({ "type": "object", "required": ["environment", "artifact"],
                    "additionalProperties": false, "properties": {
                        "environment": { "type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$" },
                        "artifact": artifact() } })),
                "responses": responses(("201", ok("the deployment as recorded", schema("Deployment"))),
                    &[("400", "an invalid body"), ("404", "no such repository or version")])
            }
        },
    })
}

pub(super) fn schemas() -> Value {
    let verdicts = json!({ "type": "array", "items": schema("Verdict") });
    let nullable = json!({ "type": ["string", "null"] });
    json!({
        "Verdict": { "type": "object", "required": ["gate", "passed", "reason"],
            "properties": { "gate": text(), "passed": { "type": "boolean" }, "reason": text() } },
        "Checklist": { "type": "object",
            "required": ["artifact", "source", "target", "version", "digest", "passed", "dry_run", "committed",
                "unchanged", "id", "verdicts", "approvers"],
            "properties": { "artifact": text(), "source": text(), "target": text(), "version": nullable,
                "digest": text(), "passed": { "type": "boolean" }, "dry_run": { "type": "boolean" },
                "committed": { "type": "boolean" }, "unchanged": { "type": "boolean" },
                "id": { "type": ["integer", "null"] }, "verdicts": verdicts,
                "approvers": { "type": "array", "items": text() } } },
        "ReleaseOutcome": { "type": "object",
            "required": ["release", "target", "passed", "dry_run", "committed", "promotions"],
            "properties": { "release": text(), "target": text(), "passed": { "type": "boolean" },
                "dry_run": { "type": "boolean" }, "committed": { "type": "boolean" },
                "promotions": { "type": "array", "items": schema("Checklist") } } },
        "HistoryEntry": { "type": "object",
            "required": ["id", "kind", "release", "source", "target", "version", "digest", "previous", "actor", "at",
                "verdicts", "approvers"],
            "properties": { "id": { "type": "integer" }, "kind": { "type": "string", "enum": ["promote", "rollback"] },
                "release": nullable, "source": nullable, "target": text(), "version": nullable, "digest": text(),
                "previous": nullable, "actor": text(), "at": int64(), "verdicts": verdicts,
                "approvers": { "type": "array", "items": text() } } },
        "PromotionHistory": { "type": "object", "required": ["repository", "package", "history"],
            "properties": { "repository": text(), "package": text(),
                "history": { "type": "array", "items": schema("HistoryEntry") } } },
        "Deployment": { "type": "object",
            "required": ["id", "environment", "repository", "package", "digest", "actor", "at"],
            "properties": { "id": { "type": "integer" }, "environment": text(), "repository": text(),
                "package": text(), "digest": text(), "actor": text(), "at": int64() } },
        "Where": { "type": "object", "required": ["package", "stages", "environments"],
            "properties": { "package": text(),
                "stages": { "type": "array", "items": { "type": "object",
                    "required": ["repository", "stage", "digest", "version", "since", "from", "kind"],
                    "properties": { "repository": text(), "stage": nullable, "digest": text(), "version": nullable,
                        "since": int64(), "from": nullable,
                        "kind": { "type": "string", "enum": ["promote", "rollback"] } } } },
                "environments": { "type": "array", "items": schema("Deployment") } } },
    })
}
