//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every `/api/v1` route, written by hand.
//!
//! Each path item names the router path serving it in `x-arca-route`; a test checks that these are
//! exactly [`crate::PATHS`], and a snapshot test keeps the document reviewed when it changes.

mod promotion;
mod trust;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(crate) const PATH: &str = "/api/v1/openapi.json";

pub(crate) async fn serve() -> Response {
    let mut response = Json(document()).into_response();
    response.extensions_mut().insert(arca_core::observe::RouteClass("api_openapi"));
    response
}

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn ok(description: &str, body: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": body } } })
}

fn error(description: &str) -> Value {
    ok(description, schema("Error"))
}

/// The errors every operation may answer, plus `extra` (status → description).
fn responses(success: (&str, Value), extra: &[(&str, &str)]) -> Value {
    let mut map = serde_json::Map::new();
    map.insert(success.0.to_owned(), success.1);
    for (status, description) in extra {
        map.insert((*status).to_owned(), error(description));
    }
    map.insert("401".into(), error("no or invalid credentials (with authentication on)"));
    map.insert("403".into(), error("the caller may not do this"));
    map.insert(
        "429".into(),
        error("too many failed logins: retry after `Retry-After` seconds (with authentication on)"),
    );
    map.insert("500".into(), error("internal error"));
    Value::Object(map)
}

fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema })
}

/// One name component, as `arca_types` parses repository and package names (OCI's grammar).
const COMPONENT: &str = r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*";
/// A repository or a package name is at most this long (`arca_types::MAX_NAME_LEN`).
const MAX_NAME_LEN: usize = 255;

/// A repository name: one component.
fn repo_name() -> Value {
    json!({ "type": "string", "pattern": format!("^{COMPONENT}$"), "minLength": 1, "maxLength": MAX_NAME_LEN })
}

/// A package name: components joined by `/`.
fn package_name() -> Value {
    json!({ "type": "string", "pattern": format!("^{COMPONENT}(/{COMPONENT})*$"), "minLength": 1,
            "maxLength": MAX_NAME_LEN })
}

/// A version: an OCI tag.
fn tag() -> Value {
    json!({ "type": "string", "pattern": "^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$", "minLength": 1, "maxLength": 128 })
}

/// An `i64` (epoch milliseconds, sequence numbers).
fn int64() -> Value {
    json!({ "type": "integer", "format": "int64", "minimum": i64::MIN, "maximum": i64::MAX })
}

/// A page size: at least 1; larger than 1000 is cut to 1000.
fn limit() -> Value {
    json!({ "type": "integer", "minimum": 1, "maximum": u64::MAX,
            "description": "at most 1000 are returned; a larger limit is cut to 1000" })
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn text() -> Value {
    json!({ "type": "string" })
}

/// A time filter: epoch milliseconds or an RFC 3339 time.
fn time() -> Value {
    json!({ "anyOf": [int64(), { "type": "string", "format": "date-time" }] })
}

/// `limit` and `cursor`, the cursor of the given pattern.
fn paging(cursor_pattern: String) -> [Value; 2] {
    [
        query_param("limit", "page size (default 100, at most 1000)", limit()),
        query_param(
            "cursor",
            "the `next_cursor` of the previous page (opaque; any cursor of this pattern is a position in the order)",
            json!({ "type": "string", "pattern": cursor_pattern }),
        ),
    ]
}

fn repo() -> Value {
    path_param("name", "repository name", repo_name())
}

fn package() -> Value {
    path_param(
        "package",
        "package name; may contain `/` (`team/tool`), sent unescaped. A repository and a package longer than \
         255 characters together name nothing that can exist (not found)",
        package_name(),
    )
}

fn version() -> Value {
    path_param("version", "version (tag)", tag())
}

/// A user name: 1 to 64 of `a-z A-Z 0-9 . _ -`, starting with a letter or digit.
fn user_name() -> Value {
    json!({ "type": "string", "pattern": "^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$" })
}

fn user_param() -> Value {
    path_param("name", "user name", user_name())
}

/// `PATTERN:ROLE` or `PATTERN:ACTION[,ACTION…]`.
fn permission() -> Value {
    let action = "(read|publish|delete|promote|admin)";
    json!({ "type": "string", "pattern": format!("^.+:((reader|publisher|promoter)|{action}(,{action})*)$"),
            "description": "`PATTERN:ROLE` (reader, publisher, promoter, admin) or `PATTERN:ACTION[,ACTION…]` \
                (read, publish, delete, promote, admin) on the repositories the glob PATTERN matches (`*`: all)" })
}

fn body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

fn paths() -> Value {
    let version_route = "/api/v1/repositories/{name}/packages/{*rest}";
    let name_paging = paging(crate::search::name_cursor_pattern());
    let search_paging = paging(crate::search::search_cursor_pattern());
    let mut paths = json!({
        "/api/v1/repositories": {
            "x-arca-route": "/api/v1/repositories",
            "get": {
                "operationId": "listRepositories", "tags": ["repositories"],
                "summary": "List the repositories the caller may read",
                "description": "With authentication on, only the repositories the caller may read (`read` on \
                    them) are listed; the others are silently left out.",
                "responses": responses(("200", ok("the repositories the caller may read, by name",
                    json!({ "type": "object", "required": ["repositories"],
                            "properties": { "repositories": { "type": "array", "items": schema("Repository") } } }))), &[])
            },
            "post": {
                "operationId": "createRepository", "tags": ["repositories"], "summary": "Create a repository",
                "requestBody": body(schema("NewRepository")),
                "responses": responses(("201", ok("created", schema("Repository"))),
                    &[("400", "invalid body or name"),
                      ("409", "a repository of that name exists, or it would promote from itself")])
            }
        },
        "/api/v1/repositories/{name}": {
            "x-arca-route": "/api/v1/repositories/{name}",
            "parameters": [repo()],
            "get": {
                "operationId": "getRepository", "tags": ["repositories"], "summary": "A repository and its policy",
                "description": "With authentication on, a repository the caller may not read (`read` on it) is \
                    answered as not found, as it is absent from the list.",
                "responses": responses(("200", ok("the repository", schema("Repository"))),
                    &[("400", "invalid name"), ("404", "no such repository")])
            },
            "patch": {
                "operationId": "updateRepository", "tags": ["repositories"], "summary": "Change a repository's policy",
                "requestBody": body(schema("PolicyChange")),
                "responses": responses(("200", ok("the repository after the change", schema("Repository"))),
                    &[("400", "invalid name or body"), ("404", "no such repository"),
                      ("409", "the repository would promote from itself")])
            },
            "delete": {
                "operationId": "deleteRepository", "tags": ["repositories"], "summary": "Delete an empty repository",
                "responses": responses(("204", json!({ "description": "deleted" })),
                    &[("400", "invalid name"), ("404", "no such repository"),
                      ("409", "the repository still holds packages")])
            }
        },
        "/api/v1/repositories/{name}/packages": {
            "x-arca-route": "/api/v1/repositories/{name}/packages",
            "get": {
                "operationId": "listPackages", "tags": ["packages"], "summary": "Package names of a repository, sorted",
                "parameters": [repo(), name_paging[0].clone(), name_paging[1].clone()],
                "responses": responses(("200", ok("one page of package names", json!({
                    "type": "object", "required": ["packages", "next_cursor"],
                    "properties": {
                        "packages": { "type": "array", "items": { "type": "object", "required": ["name"],
                            "properties": { "name": text() } } },
                        "next_cursor": { "type": ["string", "null"] } } }))),
                    &[("400", "invalid name, limit or cursor"), ("404", "no such repository")])
            }
        },
        "/api/v1/repositories/{name}/packages/{package}/versions": {
            "x-arca-route": version_route,
            "get": {
                "operationId": "listVersions", "tags": ["versions"], "summary": "Versions of a package, newest first",
                "parameters": [repo(), package(), search_paging[0].clone(), search_paging[1].clone()],
                "responses": responses(("200", ok("one page of versions", json!({
                    "type": "object", "required": ["versions", "next_cursor"],
                    "properties": {
                        "versions": { "type": "array", "items": schema("VersionSummary") },
                        "next_cursor": { "type": ["string", "null"] } } }))),
                    &[("400", "invalid name, limit or cursor"), ("404", "no such repository")])
            }
        },
        "/api/v1/repositories/{name}/packages/{package}/versions/{version}": {
            "x-arca-route": version_route,
            "parameters": [repo(), package(), version()],
            "get": {
                "operationId": "getVersion", "tags": ["versions"],
                "summary": "A generic version: its files, digests, sizes and properties",
                "responses": responses(("200", ok("the version", schema("Version"))),
                    &[("400", "invalid name or version"), ("404", "no such version")])
            },
            "delete": {
                "operationId": "deleteVersion", "tags": ["versions"], "summary": "Delete a version",
                "responses": responses(("204", json!({ "description": "deleted" })),
                    &[("400", "invalid name or version"), ("404", "no such version")])
            }
        },
        "/api/v1/repositories/{name}/packages/{package}/versions/{version}/properties": {
            "x-arca-route": version_route,
            "parameters": [repo(), package(), version()],
            "get": {
                "operationId": "getProperties", "tags": ["properties"], "summary": "A version's properties",
                "responses": responses(("200", ok("the properties", json!({
                    "type": "object", "required": ["digest", "properties"],
                    "properties": { "digest": text(), "properties": schema("Properties") } }))),
                    &[("400", "invalid name or version"), ("404", "no such version")])
            },
            "put": {
                "operationId": "replaceProperties", "tags": ["properties"],
                "summary": "Replace every property (audited)",
                "requestBody": body(schema("PropertyChange")),
                "responses": responses(("200", ok("the properties now", schema("PropertiesBody"))),
                    &[("400", "invalid name, version or body"), ("404", "no such version")])
            },
            "patch": {
                "operationId": "editProperties", "tags": ["properties"],
                "summary": "Replace the named keys only; `null` or `[]` removes a key (audited)",
                "requestBody": body(schema("PropertyChange")),
                "responses": responses(("200", ok("the properties now", schema("PropertiesBody"))),
                    &[("400", "invalid name, version or body"), ("404", "no such version")])
            }
        },
        "/api/v1/repositories/{name}/packages/{package}/status": {
            "x-arca-route": version_route,
            "parameters": [repo(), package()],
            "get": {
                "operationId": "getPackageStatus", "tags": ["versions"],
                "summary": "A package's lifecycle state (PEP 792; `active` unless set)",
                "responses": responses(("200", ok("the state", schema("PackageStatus"))),
                    &[("400", "invalid name"), ("404", "no such package")])
            },
            "put": {
                "operationId": "setPackageStatus", "tags": ["versions"],
                "summary": "Set a package's lifecycle state (audited): `archived` and `quarantined` refuse \
                    uploads, `quarantined` hides a PyPI project's files",
                "requestBody": body(schema("PackageStatusChange")),
                "responses": responses(("200", ok("the state now", schema("PackageStatus"))),
                    &[("400", "invalid name or body"), ("404", "no such package")])
            }
        },
        "/api/v1/search": {
            "x-arca-route": "/api/v1/search",
            "get": {
                "operationId": "search", "tags": ["search"],
                "summary": "Search versions (generic versions and OCI tags) in the repositories the caller may read",
                "description": "Every parameter is optional; they combine with AND. Results are sorted by \
                    (created_at desc, repository, package, version); paging with `cursor` is stable while \
                    versions are added.",
                "parameters": [
                    query_param("repository", "only this repository", repo_name()),
                    query_param("format", "only repositories of this format", schema("Format")),
                    query_param("package", "package name glob (`*` any run of characters, `?` one)", text()),
                    query_param("version", "version glob (`*`, `?`)", text()),
                    { "name": "property", "in": "query", "required": false, "style": "form", "explode": true,
                      "description": "`key=value` the version's properties must hold (repeatable)",
                      "schema": { "type": "array", "items": { "type": "string", "pattern": "^[^=]+=" } } },
                    { "name": "has_property", "in": "query", "required": false, "style": "form", "explode": true,
                      "description": "a key the version must have (repeatable)",
                      "schema": { "type": "array", "items": { "type": "string", "minLength": 1 } } },
                    query_param("digest", "the version's manifest digest, or the digest of any of its files or layers",
                        schema("Digest")),
                    query_param("created_after", "created at or after: RFC 3339 or epoch milliseconds", time()),
                    query_param("created_before", "created before: RFC 3339 or epoch milliseconds", time()),
                    search_paging[0].clone(), search_paging[1].clone()
                ],
                "responses": responses(("200", ok("one page of results", json!({
                    "type": "object", "required": ["results", "next_cursor"],
                    "properties": {
                        "results": { "type": "array", "items": schema("SearchResult") },
                        "next_cursor": { "type": ["string", "null"] } } }))),
                    &[("400", "an invalid parameter (the message names it)")])
            }
        },
        "/api/v1/audit": {
            "x-arca-route": "/api/v1/audit",
            "get": {
                "operationId": "listAudit", "tags": ["audit"], "summary": "The audit log, filtered, in sequence order",
                "parameters": [
                    query_param("actor", "exact actor", text()),
                    query_param("action", "exact action, or a prefix ending in `.`", text()),
                    query_param("target", "target prefix", text()),
                    query_param("outcome", "success, denied or failed",
                        json!({ "type": "string", "enum": ["success", "denied", "failed"] })),
                    query_param("since", "epoch milliseconds, inclusive", int64()),
                    query_param("until", "epoch milliseconds, exclusive", int64()),
                    query_param("after", "entries after this sequence number (the previous `next`)", int64()),
                    query_param("limit", "page size (default 100, at most 1000)", limit())
                ],
                "responses": responses(("200", ok("one page of entries", json!({
                    "type": "object", "required": ["entries", "next"],
                    "properties": {
                        "entries": { "type": "array", "items": schema("AuditEntry") },
                        "next": { "type": ["integer", "null"] } } }))),
                    &[("400", "an invalid parameter")])
            }
        },
        "/api/v1/users": {
            "x-arca-route": crate::users::USERS,
            "get": {
                "operationId": "listUsers", "tags": ["users"], "summary": "Users and service accounts, by name",
                "description": "Needs `admin` on every repository (`*`).",
                "responses": responses(("200", ok("every user", json!({ "type": "object", "required": ["users"],
                    "properties": { "users": { "type": "array", "items": schema("User") } } }))), &[])
            },
            "post": {
                "operationId": "createUser", "tags": ["users"],
                "summary": "Add a user (a password) or a service account (tokens only)",
                "description": "Needs `admin` on every repository (`*`). The password is never echoed (audited).",
                "requestBody": body(schema("NewUser")),
                "responses": responses(("201", ok("created", schema("User"))),
                    &[("400", "invalid body, name, grant or password"), ("409", "a user of that name exists")])
            }
        },
        "/api/v1/users/{name}": {
            "x-arca-route": crate::users::USER,
            "parameters": [user_param()],
            "get": {
                "operationId": "getUser", "tags": ["users"], "summary": "A user and their grants",
                "responses": responses(("200", ok("the user", schema("User"))),
                    &[("400", "invalid name"), ("404", "no such user")])
            },
            "patch": {
                "operationId": "updateUser", "tags": ["users"],
                "summary": "Set a user's password and/or replace their grants (audited)",
                "requestBody": body(schema("UserChange")),
                "responses": responses(("200", ok("the user after the change", schema("User"))),
                    &[("400", "invalid name, body, grant or password"), ("404", "no such user")])
            },
            "delete": {
                "operationId": "deleteUser", "tags": ["users"], "summary": "Remove a user and their tokens (audited)",
                "responses": responses(("204", json!({ "description": "removed" })),
                    &[("400", "invalid name"), ("404", "no such user"), ("409", "the caller's own account")])
            }
        },
        "/api/v1/whoami": {
            "x-arca-route": crate::users::WHOAMI,
            "get": {
                "operationId": "whoami", "tags": ["users"], "summary": "Who the credentials are, and what they hold",
                "description": "Any valid credentials. With authentication off: `anonymous`, who may do everything.",
                "responses": responses(("200", ok("the caller", schema("Whoami"))), &[])
            }
        },
        "/api/v1/tokens": {
            "x-arca-route": crate::tokens::TOKENS,
            "get": {
                "operationId": "listTokens", "tags": ["tokens"], "summary": "API tokens (never their secrets), newest first",
                "description": "The caller's own tokens; an administrator of every repository sees everyone's,                     or one user's with `user`.",
                "parameters": [query_param("user", "the owner (someone else's tokens need admin on `*`)", user_name())],
                "responses": responses(("200", ok("the tokens", json!({ "type": "object", "required": ["tokens"],
                    "properties": { "tokens": { "type": "array", "items": schema("Token") } } }))),
                    &[("400", "an invalid parameter")])
            },
            "post": {
                "operationId": "createToken", "tags": ["tokens"],
                "summary": "Create an API token; its text is in this answer only",
                "description": "For the caller, or with `user` (admin on `*`) for someone else. The scopes must be                     within what the caller holds (a token-authenticated caller: within its own scopes) and                     within the owner's grants.",
                "requestBody": body(schema("NewToken")),
                "responses": responses(("201", ok("created", schema("IssuedToken"))),
                    &[("400", "invalid body, scope or lifetime; a scope beyond the owner's grants"),
                      ("404", "no such user (with authentication off: no `user` named)")])
            }
        },
        "/api/v1/tokens/{id}": {
            "x-arca-route": crate::tokens::TOKEN,
            "parameters": [path_param("id", "the token's id (`arca_<id>_…`)", text())],
            "delete": {
                "operationId": "revokeToken", "tags": ["tokens"], "summary": "Revoke a token (audited)",
                "description": "One's own; an administrator of every repository anyone's.",
                "responses": responses(("204", json!({ "description": "revoked" })),
                    &[("404", "no live token of that id (among the caller's own, unless an administrator)")])
            }
        },
        "/api/v1/openapi.json": {
            "x-arca-route": "/api/v1/openapi.json",
            "get": {
                "operationId": "openapi", "tags": ["meta"], "summary": "This document", "security": [],
                "responses": { "200": ok("the OpenAPI 3.1 document", json!({ "type": "object" })) }
            }
        },
        "/api/v1/info": {
            "x-arca-route": "/api/v1/info",
            "get": {
                "operationId": "info", "tags": ["meta"], "summary": "Server name, version, protocols and formats",
                "security": [],
                "responses": { "200": ok("server information", json!({
                    "type": "object", "required": ["name", "version", "api", "protocols", "formats"],
                    "properties": { "name": text(), "version": text(), "api": text(),
                        "protocols": { "type": "object", "additionalProperties": { "type": "string" } },
                        "formats": { "type": "array", "items": text() } } })) }
            }
        }
    });
    merge(&mut paths, storage_paths());
    merge(&mut paths, promotion::paths());
    merge(&mut paths, trust::paths());
    paths
}

fn schemas() -> Value {
    let properties = json!({ "$ref": "#/components/schemas/Properties" });
    let mut schemas = json!({
        "Error": {
            "type": "object", "required": ["error"],
            "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": {
                "code": { "type": "string", "description": "stable code: invalid_request, name_unknown, \
                    manifest_unknown, conflict, tag_immutable, denied, unauthorized, …" },
                "message": { "type": "string" } } } }
        },
        "Format": { "type": "string", "enum": ["oci", "generic", "pypi", "npm", "cargo", "maven"] },
        "Repository": {
            "type": "object",
            "required": ["name", "format", "kind", "stage", "mutable_tags", "created_at", "quota_bytes", "promote_from", "gates",
                "pull_gates", "allow_unpublish"],
            "properties": {
                "name": text(), "format": schema("Format"),
                "kind": { "type": "string", "enum": ["hosted", "remote", "virtual"] },
                "stage": { "type": ["string", "null"] },
                "mutable_tags": { "type": "array", "items": text() },
                "created_at": { "type": "integer", "description": "epoch milliseconds" },
                "quota_bytes": { "type": ["integer", "null"], "description": "bytes it may hold; `null`: no quota" },
                "promote_from": { "type": "array", "items": text(), "description": "repositories promoting into it" },
                "gates": { "type": "array", "items": text(), "description": "gates of promotions into it" },
                "pull_gates": { "type": "array", "items": text(), "description": "gates of manifest pulls from it" },
                "allow_unpublish": { "type": "boolean", "description": "npm: `npm unpublish` may remove versions" } }
        },
        "Digest": {
            "type": "string", "pattern": "^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$",
            "description": "`sha256:` or `sha512:` and the lowercase hex of the hash"
        },
        "NewRepository": {
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": { "name": repo_name(), "format": schema("Format"),
                "stage": { "type": ["string", "null"] },
                "mutable_tags": { "type": "array", "items": text(), "description": "tag globs that may move" },
                "quota_bytes": { "type": ["integer", "null"], "minimum": 0, "maximum": i64::MAX,
                    "description": "bytes it may hold (each distinct blob once)" },
                "promote_from": { "type": "array", "items": repo_name(), "maxItems": 100,
                    "description": "repositories whose versions may be promoted into it (not itself)" },
                "gates": { "type": "array", "items": promotion::gate(), "maxItems": 100,
                    "description": "gates a promotion into it must pass" },
                "pull_gates": { "type": "array", "items": promotion::pull_gate(), "maxItems": 100,
                    "description": "gates a manifest pull from it must pass (referrers and publishers exempt)" },
                "allow_unpublish": { "type": "boolean",
                    "description": "npm repositories only: `npm unpublish` may remove versions (default: immutable)" } }
        },
        "PolicyChange": {
            "type": "object", "additionalProperties": false,
            "description": "the fields to change; an absent field is left as it is",
            "properties": { "stage": { "type": ["string", "null"], "description": "`null` removes the stage" },
                "mutable_tags": { "type": "array", "items": text(), "description": "`[]` makes every tag immutable" },
                "quota_bytes": { "type": ["integer", "null"], "minimum": 0, "maximum": i64::MAX, "description": "`null` removes the quota" },
                "promote_from": { "type": "array", "items": repo_name(), "maxItems": 100,
                    "description": "replaces the list (`[]`: no promotion into it)" },
                "gates": { "type": "array", "items": promotion::gate(), "maxItems": 100,
                    "description": "replaces the list (`[]`: no gates)" },
                "pull_gates": { "type": "array", "items": promotion::pull_gate(), "maxItems": 100,
                    "description": "replaces the list (`[]`: no pull gates)" },
                "allow_unpublish": { "type": "boolean", "description": "npm repositories only" } }
        },
        "Properties": {
            "type": "object", "description": "each key with its values, sorted",
            "additionalProperties": { "type": "array", "items": text() }
        },
        "PropertiesBody": { "type": "object", "required": ["properties"], "properties": { "properties": properties } },
        "PropertyValue": {
            "type": "string", "maxLength": 4096, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$",
            "description": "printable (no control character), at most 4096 bytes of UTF-8"
        },
        "PackageStatus": {
            "type": "object", "required": ["repository", "package", "status", "reason"],
            "properties": { "repository": text(), "package": text(), "status": schema("Lifecycle"),
                "reason": { "type": ["string", "null"] } }
        },
        "PackageStatusChange": {
            "type": "object", "required": ["status"], "additionalProperties": false,
            "properties": { "status": schema("Lifecycle"),
                "reason": { "type": ["string", "null"], "maxLength": 1024, "description": "one line, shown to clients" } }
        },
        "Lifecycle": { "type": "string", "enum": ["active", "archived", "quarantined", "deprecated"] },
        "PropertyChange": {
            "type": "object", "required": ["properties"], "additionalProperties": false,
            "properties": { "properties": { "type": "object",
                "description": "each key (1 to 128 of `a-z 0-9 . _ -`) with a value, values, or `null` (removes it)",
                "propertyNames": { "type": "string", "pattern": "^[a-z0-9._-]{1,128}$" },
                "additionalProperties": { "oneOf": [ schema("PropertyValue"),
                    { "type": "array", "items": schema("PropertyValue") }, { "type": "null" } ] } } }
        },
        "File": {
            "type": "object", "required": ["name", "digest", "size", "media_type"],
            "properties": { "name": text(), "digest": text(), "size": { "type": "integer" }, "media_type": text() }
        },
        "Version": {
            "type": "object",
            "required": ["repository", "package", "version", "digest", "created", "size", "files", "properties",
                "referrers"],
            "properties": {
                "repository": text(), "package": text(), "version": text(), "digest": text(),
                "created": { "type": ["string", "null"], "description": "RFC 3339" },
                "size": { "type": "integer", "description": "total of the files" },
                "files": { "type": "array", "items": schema("File") }, "properties": properties,
                "referrers": { "type": "array", "description": "signatures, SBOMs, provenance attached to it",
                    "items": { "type": "object", "required": ["digest", "media_type", "artifact_type", "size"],
                        "properties": { "digest": text(), "media_type": text(),
                            "artifact_type": { "type": ["string", "null"] }, "size": { "type": "integer" } } } } }
        },
        "VersionSummary": {
            "type": "object",
            "required": ["version", "digest", "media_type", "artifact_type", "created_at", "properties"],
            "properties": {
                "version": text(), "digest": text(), "media_type": text(),
                "artifact_type": { "type": ["string", "null"] },
                "created_at": { "type": "string", "format": "date-time" }, "properties": properties }
        },
        "SearchResult": {
            "type": "object",
            "required": ["repository", "format", "package", "version", "digest", "media_type", "artifact_type",
                "created_at", "properties"],
            "properties": {
                "repository": text(), "format": schema("Format"), "package": text(), "version": text(),
                "digest": { "type": "string", "description": "the version's manifest digest" },
                "media_type": text(), "artifact_type": { "type": ["string", "null"] },
                "created_at": { "type": "string", "format": "date-time" }, "properties": properties }
        },
        "Permission": permission(),
        "User": {
            "type": "object", "required": ["name", "service_account", "grants", "created_at"],
            "properties": { "name": text(),
                "service_account": { "type": "boolean", "description": "no password: reached through tokens only" },
                "grants": { "type": "array", "items": schema("Permission"),
                    "description": "as `PATTERN:ACTION[,ACTION…]`" },
                "created_at": { "type": "integer", "description": "epoch milliseconds" } }
        },
        "NewUser": {
            "type": "object", "required": ["name"], "additionalProperties": false,
            "properties": { "name": user_name(),
                "password": { "type": "string", "minLength": 8,
                    "description": "absent: a service account, reached only through its tokens" },
                "grants": { "type": "array", "items": schema("Permission") } }
        },
        "UserChange": {
            "type": "object", "additionalProperties": false,
            "description": "the fields to change; an absent field is left as it is",
            "properties": { "password": { "type": "string", "minLength": 8 },
                "grants": { "type": "array", "items": schema("Permission"), "description": "replaces every grant" } }
        },
        "Whoami": {
            "type": "object", "required": ["name", "grants", "scopes"],
            "properties": { "name": text(), "grants": { "type": "array", "items": schema("Permission") },
                "scopes": { "type": ["array", "null"], "items": schema("Permission"),
                    "description": "an API token's scopes (what it may do is within both); `null` otherwise" } }
        },
        "Token": {
            "type": "object",
            "required": ["id", "owner", "description", "scopes", "created_at", "expires_at", "revoked_at"],
            "properties": { "id": text(), "owner": text(), "description": text(),
                "scopes": { "type": "array", "items": schema("Permission") },
                "created_at": { "type": "integer", "description": "epoch milliseconds" },
                "expires_at": { "type": ["integer", "null"], "description": "epoch milliseconds; `null`: never" },
                "revoked_at": { "type": ["integer", "null"], "description": "epoch milliseconds" } }
        },
        "NewToken": {
            "type": "object", "required": ["scopes"], "additionalProperties": false,
            "properties": {
                "scopes": { "type": "array", "minItems": 1, "items": schema("Permission") },
                "description": { "type": "string", "maxLength": 1024, "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$" },
                "expires_in": { "type": ["string", "null"], "pattern": "^[1-9][0-9]{0,7}[smhd]?$",
                    "description": "lifetime: `30d`, `12h`, `15m`, `3600s` (no unit: seconds); absent or `null`: \
                        until revoked" },
                "user": { "allOf": [user_name()], "description": "the owner (default: the caller; someone else needs admin on `*`)" } }
        },
        "IssuedToken": {
            "allOf": [schema("Token"), { "type": "object", "required": ["token"], "properties": {
                "token": { "type": "string", "description": "`arca_<id>_<secret>`: shown this once, stored as a hash" } } }]
        },
        "AuditEntry": {
            "type": "object",
            "required": ["seq", "time", "actor", "client_addr", "action", "target", "outcome", "detail", "prev_hash", "hash"],
            "properties": {
                "seq": { "type": "integer" }, "time": { "type": "integer", "description": "epoch milliseconds" },
                "actor": text(), "client_addr": { "type": ["string", "null"] }, "action": text(), "target": text(),
                "outcome": { "type": "string", "enum": ["success", "denied", "failed"] },
                "detail": { "type": ["string", "null"] }, "prev_hash": text(), "hash": text() }
        }
    });
    merge(&mut schemas, storage_schemas());
    merge(&mut schemas, promotion::schemas());
    merge(&mut schemas, trust::schemas());
    schemas
}

/// Adds the entries of the object `more` to the object `into`.
fn merge(into: &mut Value, more: Value) {
    if let (Some(into), Value::Object(more)) = (into.as_object_mut(), more) {
        into.extend(more);
    }
}

/// Garbage collection and retention.
fn storage_paths() -> Value {
    json!({
        "/api/v1/gc": {
            "x-arca-route": crate::gc::PATH,
            "post": {
                "operationId": "runGc", "tags": ["gc"], "summary": "Garbage-collect unreferenced blobs now (audited)",
                "description": "Needs `admin` on every repository (`*`). Deletes blobs no manifest refers to and \
                    nothing touched within the grace period, online; one sweep at a time across nodes.",
                "requestBody": { "required": false, "content": { "application/json": { "schema": {
                    "type": "object", "additionalProperties": false,
                    "properties": { "grace": { "type": ["string", "null"], "pattern": "^[0-9]{1,12}[smhdw]$",
                        "description": "blobs touched this recently stay (default: the server's `gc.grace_secs`)" } } } } } },
                "responses": responses(("200", ok("what the sweep deleted", schema("GcReport"))),
                    &[("400", "an invalid body"), ("409", "a sweep is running already")])
            }
        },
        "/api/v1/storage": {
            "x-arca-route": crate::gc::STORAGE,
            "get": {
                "operationId": "storageReport", "tags": ["gc"],
                "summary": "Bytes by repository and by age, and what GC and the retention policies would free",
                "description": "Needs `admin` on every repository (`*`). A blob counts once in every repository that \
                    references it.",
                "responses": responses(("200", ok("the report", schema("StorageReport"))), &[])
            }
        },
        "/api/v1/repositories/{name}/retention": {
            "x-arca-route": crate::retention::POLICY,
            "parameters": [repo()],
            "get": {
                "operationId": "getRetentionPolicy", "tags": ["retention"], "summary": "The repository's retention policy",
                "responses": responses(("200", ok("the policy (`policy` is `null` when there is none)",
                    schema("RetentionPolicy"))), &[("400", "an invalid repository name"), ("404", "no such repository")])
            },
            "put": {
                "operationId": "setRetentionPolicy", "tags": ["retention"],
                "summary": "Set the retention policy from its TOML text (audited)",
                "description": "Rules in order (`[[rule]]` with `select` and `keep_last`, `delete_after`, \
                    `keep_pulled_within` or `keep`), an optional cron `schedule`; see the README. Needs `admin` on the repository.",
                "requestBody": { "required": true, "content": { "text/plain": { "schema": { "type": "string", "minLength": 1 } } } },
                "responses": responses(("200", ok("the policy as stored", schema("RetentionPolicy"))),
                    &[("400", "not a valid policy (the rule and what is wrong), or an invalid name"),
                      ("404", "no such repository")])
            },
            "delete": {
                "operationId": "deleteRetentionPolicy", "tags": ["retention"], "summary": "Remove the retention policy (audited)",
                "responses": responses(("204", json!({ "description": "removed (or there was none)" })),
                    &[("400", "an invalid repository name"), ("404", "no such repository")])
            }
        },
        "/api/v1/repositories/{name}/retention/plan": {
            "x-arca-route": crate::retention::PLAN,
            "parameters": [repo()],
            "get": {
                "operationId": "planRetention", "tags": ["retention"],
                "summary": "Dry run: every version, deleted or kept, why, and the bytes it frees",
                "responses": responses(("200", ok("the plan (empty without a policy)", schema("RetentionPlan"))),
                    &[("400", "an invalid repository name"), ("404", "no such repository")])
            }
        },
        "/api/v1/repositories/{name}/retention/apply": {
            "x-arca-route": crate::retention::APPLY,
            "parameters": [repo()],
            "post": {
                "operationId": "applyRetention", "tags": ["retention"],
                "summary": "Execute the plan now and sweep the blobs it freed (audited)",
                "responses": responses(("200", ok("what was done (nothing without a policy)", schema("RetentionApplied"))),
                    &[("400", "an invalid repository name"), ("404", "no such repository")])
            }
        },
    })
}

fn storage_schemas() -> Value {
    json!({
        "GcReport": {
            "type": "object", "required": ["blobs", "bytes", "resumed", "cancelled"],
            "properties": {
                "blobs": { "type": "integer", "description": "blobs deleted" },
                "bytes": { "type": "integer", "description": "their bytes" },
                "resumed": { "type": "integer", "description": "of those, taken by an interrupted earlier sweep" },
                "cancelled": { "type": "boolean", "description": "stopped early (shutdown): the next sweep goes on" } }
        },
        "StorageReport": {
            "type": "object",
            "required": ["generated_at", "blobs", "bytes", "unreferenced_blobs", "unreferenced_bytes", "repositories"],
            "properties": {
                "generated_at": { "type": "integer" }, "blobs": { "type": "integer" }, "bytes": { "type": "integer" },
                "unreferenced_blobs": { "type": "integer" }, "unreferenced_bytes": { "type": "integer" },
                "repositories": { "type": "array", "items": { "type": "object",
                    "required": ["repository", "blobs", "bytes", "bytes_by_age", "retention_would_free", "quota_bytes"],
                    "properties": { "repository": text(), "blobs": { "type": "integer" }, "bytes": { "type": "integer" },
                        "bytes_by_age": { "type": "object", "additionalProperties": { "type": "integer" } },
                        "retention_would_free": { "type": ["integer", "null"] },
                        "quota_bytes": { "type": ["integer", "null"] } } } } }
        },
        "RetentionPolicy": {
            "type": "object", "required": ["repository", "policy", "updated_at", "last_run_at"],
            "properties": { "repository": text(),
                "policy": { "type": ["string", "null"], "description": "the TOML text; `null`: none (every version is kept)" },
                "updated_at": { "type": ["integer", "null"] }, "last_run_at": { "type": ["integer", "null"] } }
        },
        "RetentionPlan": {
            "type": "object", "required": ["items", "bytes_freed"],
            "properties": {
                "items": { "type": "array", "items": { "type": "object",
                    "required": ["package", "version", "digest", "action", "reason", "bytes"],
                    "properties": { "package": text(), "version": { "type": ["string", "null"] }, "digest": text(),
                        "action": { "type": "string", "enum": ["delete", "keep"] }, "reason": text(),
                        "bytes": { "type": "integer" } } } },
                "bytes_freed": { "type": "integer" } }
        },
        "RetentionApplied": {
            "allOf": [schema("RetentionPlan"), { "type": "object", "required": ["tags_deleted", "manifests_deleted", "gc"],
                "properties": { "tags_deleted": { "type": "integer" }, "manifests_deleted": { "type": "integer" },
                    "gc": schema("GcReport") } }]
        },
    })
}

/// The whole document.
pub fn document() -> Value {
    let tags = [
        "repositories",
        "packages",
        "versions",
        "properties",
        "search",
        "audit",
        "users",
        "tokens",
        "retention",
        "promotion",
        "trust",
        "gc",
        "meta",
    ]
    .map(|name| json!({ "name": name }));
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "arca management API",
            "version": "v1",
            "description": "Repositories, packages, versions, properties, search, the audit log, users and \
                API tokens of an arca registry. Errors are `{\"error\": {\"code\", \"message\"}}` with a stable code."
        },
        "servers": [{ "url": "/" }],
        "security": [{ "basic": [] }, { "bearer": [] }, {}],
        "tags": tags,
        "paths": paths(),
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "basic": { "type": "http", "scheme": "basic", "description": "user + password, or any user + API token" },
                "bearer": { "type": "http", "scheme": "bearer", "description": "an API token (`arca_…`)" }
            }
        }
    })
}
