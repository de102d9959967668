//! The OpenAPI document: reviewed as a committed snapshot, and in step with the routes.

use std::collections::BTreeSet;
use std::path::Path;

/// Compares `actual` with the committed file; with `UPDATE_SNAPSHOTS=1`, rewrites it instead of failing.
fn assert_snapshot(file: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(file);
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return;
    }
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        return;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    panic!(
        "{} differs from the document (first at line {}: expected {:?}, got {:?}); \
         review the change and run with UPDATE_SNAPSHOTS=1 to accept it",
        path.display(),
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>"),
    );
}

#[test]
fn document_matches_the_snapshot() {
    let text = serde_json::to_string_pretty(&arca_api::openapi::document()).expect("serializable") + "\n";
    assert_snapshot("openapi.snapshot.json", &text);
}

#[test]
fn document_describes_every_route_and_no_other() {
    let doc = arca_api::openapi::document();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let routes: BTreeSet<&str> =
        paths.values().map(|item| item["x-arca-route"].as_str().expect("every path item names its route")).collect();
    let served: BTreeSet<&str> = arca_api::PATHS.into_iter().collect();
    assert_eq!(routes, served, "documented routes = arca_api::PATHS");
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        let item = item.as_object().expect("path item");
        for (method, op) in item.iter().filter(|(k, _)| !k.starts_with("x-") && *k != "parameters") {
            assert!(op["operationId"].is_string(), "{method} {path} has an operationId");
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has responses");
            // Every `{param}` of the path is declared, on the path item or the operation.
            for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
                let declared = |params: Option<&serde_json::Value>| {
                    params
                        .and_then(|p| p.as_array())
                        .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"))
                };
                assert!(
                    declared(item.get("parameters")) || declared(op.get("parameters")),
                    "{method} {path}: path parameter {name} is declared"
                );
            }
        }
    }
    // Every `$ref` resolves.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap_or_default();
        assert!(doc["components"]["schemas"][name].is_object(), "schema {name} exists");
    }
}
