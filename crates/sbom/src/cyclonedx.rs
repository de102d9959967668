//! CycloneDX 1.x JSON (`CycloneDX/specification:schema/bom-1.{4,5,6,7}.schema.json`).
//!
//! Walks `metadata.component` (the subject, e.g. the image) and `components[]`, depth first,
//! including nested `components` (an application's bundled libraries, an image's layers'
//! packages). Licences are the schema's `licenseChoice`: a list of `{license: {id | name}}` or a
//! single `[{expression}]`; both shapes (and a mix, which some producers write) are read.
//! No `specVersion` is rejected: syft writes 1.7 by default, and the fields read here have not
//! changed since 1.2.

use crate::json::{array, str_field};
use crate::model::{Collector, RawComponent};
use crate::{Component, SbomError};
use serde_json::Value;

pub(crate) fn spec_version(doc: &Value) -> String {
    str_field(doc, "specVersion").unwrap_or_default().trim().to_owned()
}

pub(crate) fn components(doc: &Value) -> Result<Vec<Component>, SbomError> {
    let mut out = Collector::default();
    // An explicit stack: depth is bounded by serde_json's recursion limit anyway, but this keeps
    // the walk iterative.
    let mut stack: Vec<&Value> = array(doc, "components").iter().rev().collect();
    if let Some(subject) = doc.get("metadata").and_then(|m| m.get("component")) {
        stack.push(subject);
    }
    while let Some(c) = stack.pop() {
        out.push(component(c))?;
        stack.extend(array(c, "components").iter().rev());
    }
    Ok(out.finish())
}

fn component(c: &Value) -> RawComponent<'_> {
    let hashes =
        array(c, "hashes").iter().filter_map(|h| Some((str_field(h, "alg")?, str_field(h, "content")?))).collect();
    RawComponent {
        name: str_field(c, "name"),
        version: str_field(c, "version"),
        purl: str_field(c, "purl"),
        licenses: licenses(c),
        hashes,
        ..Default::default()
    }
    .with_group(str_field(c, "group"))
}

fn licenses(c: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for choice in array(c, "licenses") {
        if let Some(expr) = str_field(choice, "expression") {
            out.push(expr.to_owned());
        } else if let Some(l) = choice.get("license")
            && let Some(id) = str_field(l, "id").or_else(|| str_field(l, "name"))
        {
            out.push(id.to_owned());
        }
    }
    out
}

impl RawComponent<'_> {
    /// Prefixes the CycloneDX `group`: `@scope/name` for npm scopes, `group:name` otherwise.
    fn with_group(mut self, group: Option<&str>) -> Self {
        if let (Some(group), Some(name)) = (group.map(str::trim).filter(|g| !g.is_empty()), self.name) {
            let sep = if group.starts_with('@') { '/' } else { ':' };
            let name = name.trim();
            if !name.is_empty() && !name.starts_with(&format!("{group}{sep}")) {
                self.joined_name = Some(format!("{group}{sep}{name}"));
            }
        }
        self
    }
}
