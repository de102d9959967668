//! What of a client's version manifest the registry keeps.
//!
//! The registry owns `_id`, `dist`, `deprecated`, `_hasShrinkwrap` and `hasInstallScript` (it
//! derives them from its own state and the tarball), and the fields npm's own tooling writes with a
//! leading underscore are either registry bookkeeping (`_rev`, `_attachments`,
//! `_npmOperationalInternal`) or leaks of a local install (`_resolved`, `_from`, `_where`…). What
//! registry.npmjs.org serves keeps `_nodeVersion` and `_npmVersion` (informative) and sets
//! `_npmUser` itself from the publisher; the readme moves to the top of the packument.

use serde_json::{Map, Value};

/// Underscore fields a client may send and the registry serves back.
const KEPT_UNDERSCORED: [&str; 2] = ["_nodeVersion", "_npmVersion"];

/// Fields the registry derives itself, whatever the client sent.
const REGISTRY_OWNED: [&str; 6] = ["dist", "deprecated", "hasInstallScript", "readme", "readmeFilename", "users"];

/// The manifest to store: registry-owned and underscore fields dropped (except `_nodeVersion` and
/// `_npmVersion`), the readme removed (see [`readme_of`]). A non-object becomes `{}`.
pub fn sanitize_manifest(manifest: &Value) -> Value {
    let Value::Object(m) = manifest else { return Value::Object(Map::new()) };
    let kept = m
        .iter()
        .filter(|(k, _)| {
            let underscored = k.starts_with('_') && !KEPT_UNDERSCORED.contains(&k.as_str());
            !underscored && !REGISTRY_OWNED.contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}

/// The readme a client sent with a version (npm reads README.md into `readme`, or writes
/// "ERROR: No README data found!" when there is none, which is not a readme).
pub fn readme_of(manifest: &Value) -> Option<String> {
    let readme = manifest.get("readme")?.as_str()?;
    (!readme.is_empty() && readme != "ERROR: No README data found!").then(|| readme.to_owned())
}

/// Whether installing runs a script of the package: `preinstall`, `install` or `postinstall`
/// (npm adds `install: node-gyp rebuild` itself when packing a package with a binding.gyp).
pub(super) fn has_install_script(manifest: &Value) -> bool {
    let Some(scripts) = manifest.get("scripts").and_then(Value::as_object) else { return false };
    ["preinstall", "install", "postinstall"].iter().any(|s| scripts.contains_key(*s))
}
