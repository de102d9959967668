//! SPDX 3.0.x / 3.1 JSON-LD (`spdx/spdx-spec:docs/serializations.md`,
//! `examples/jsonld/package_sbom.json`; `spdx/spdx-3-model`).
//!
//! The document is a flat `@graph` of elements. Components are the package elements
//! (`software_Package` and its subclasses `ai_AIPackage`, `dataset_DatasetPackage`). Unlike SPDX 2,
//! licences are not package fields: a `Relationship` with `relationshipType`
//! `hasConcludedLicense` (preferred) or `hasDeclaredLicense` points from the package to a licence
//! element (`simplelicensing_LicenseExpression`, a listed licence IRI, ...). So the graph is read
//! twice: once to index licence elements and relationships, once for packages. The purl is in
//! `software_packageUrl`, or else an `externalIdentifier` of type `packageUrl` (syft's reader
//! uses the same order).

use crate::json::{array, str_field, strings};
use crate::model::{Collector, RawComponent, is_license_placeholder};
use crate::{Component, SbomError};
use serde_json::Value;
use std::collections::HashMap;

pub(crate) fn spec_version(doc: &Value) -> String {
    let from_creation_info = array(doc, "@graph")
        .iter()
        .filter(|e| element_type(e) == Some("CreationInfo"))
        .find_map(|e| str_field(e, "specVersion"));
    if let Some(v) = from_creation_info {
        return v.trim().to_owned();
    }
    // "https://spdx.org/rdf/3.0.1/spdx-context.jsonld" → "3.0.1"
    contexts(doc)
        .into_iter()
        .find_map(|c| c.split("/rdf/").nth(1)?.split('/').next().map(str::to_owned))
        .unwrap_or_default()
}

/// The `@context` value(s) that are strings.
pub(crate) fn contexts(doc: &Value) -> Vec<&str> {
    strings(doc, "@context")
}

pub(crate) fn components(doc: &Value) -> Result<Vec<Component>, SbomError> {
    let graph = array(doc, "@graph");
    let licenses = license_index(graph);
    let mut out = Collector::default();
    for e in graph.iter().filter(|e| is_package(e)) {
        let mut raw = package(e);
        if let Some(found) = element_id(e).and_then(|id| licenses.of(id)) {
            raw.licenses = found;
        }
        out.push(raw)?;
    }
    Ok(out.finish())
}

fn element_type(e: &Value) -> Option<&str> {
    str_field(e, "type").or_else(|| str_field(e, "@type"))
}

fn element_id(e: &Value) -> Option<&str> {
    str_field(e, "spdxId").or_else(|| str_field(e, "@id"))
}

/// `software_Package`, `ai_AIPackage`, `dataset_DatasetPackage`, or a full IRI ending in one.
fn is_package(e: &Value) -> bool {
    element_type(e).and_then(|t| t.rsplit(['/', '_', ':']).next()).is_some_and(|t| t.ends_with("Package"))
}

fn package(e: &Value) -> RawComponent<'_> {
    let purl = str_field(e, "software_packageUrl").or_else(|| {
        array(e, "externalIdentifier")
            .iter()
            .find(|x| str_field(x, "externalIdentifierType") == Some("packageUrl"))
            .and_then(|x| str_field(x, "identifier"))
    });
    let hashes = array(e, "verifiedUsing")
        .iter()
        .filter_map(|h| Some((str_field(h, "algorithm")?, str_field(h, "hashValue")?)))
        .collect();
    // Some producers (and pre-3.0 drafts) put a plain expression on the package.
    let inline = ["software_concludedLicense", "software_declaredLicense"]
        .into_iter()
        .filter_map(|k| str_field(e, k))
        .find(|l| !is_license_placeholder(l));
    RawComponent {
        name: str_field(e, "name"),
        version: str_field(e, "software_packageVersion"),
        purl,
        licenses: inline.map(str::to_owned).into_iter().collect(),
        hashes,
        ..Default::default()
    }
}

/// Licence elements by id, and the concluded/declared licence relationships by package id.
#[derive(Default)]
struct LicenseIndex<'a> {
    expressions: HashMap<&'a str, String>,
    concluded: HashMap<&'a str, Vec<&'a str>>,
    declared: HashMap<&'a str, Vec<&'a str>>,
}

fn license_index(graph: &[Value]) -> LicenseIndex<'_> {
    let mut index = LicenseIndex::default();
    for e in graph {
        let (Some(ty), Some(id)) = (element_type(e), element_id(e)) else { continue };
        if ty.ends_with("Relationship") {
            let target = match str_field(e, "relationshipType") {
                Some("hasConcludedLicense") => &mut index.concluded,
                Some("hasDeclaredLicense") => &mut index.declared,
                _ => continue,
            };
            if let Some(from) = str_field(e, "from") {
                target.entry(from).or_default().extend(strings(e, "to"));
            }
        } else if let Some(text) = license_text(ty, id, e) {
            index.expressions.insert(id, text);
        }
    }
    index
}

/// The licence a licence element stands for, if `ty` is a licence type.
fn license_text(ty: &str, id: &str, e: &Value) -> Option<String> {
    match ty {
        "simplelicensing_LicenseExpression" => str_field(e, "simplelicensing_licenseExpression").map(str::to_owned),
        "expandedlicensing_ListedLicense" | "expandedlicensing_ListedLicenseException" => {
            listed_license_id(id).or_else(|| str_field(e, "name").map(str::to_owned))
        }
        "expandedlicensing_CustomLicense" => str_field(e, "name").or(Some(id)).map(str::to_owned),
        _ => None,
    }
}

/// `https://spdx.org/licenses/MIT` → `MIT`.
fn listed_license_id(iri: &str) -> Option<String> {
    let (_, id) = iri.rsplit_once("/licenses/")?;
    (!id.is_empty()).then(|| id.to_owned())
}

impl LicenseIndex<'_> {
    /// Concluded licences if any are real, else declared ones; `None` when neither says anything.
    fn of(&self, package: &str) -> Option<Vec<String>> {
        [&self.concluded, &self.declared].into_iter().find_map(|rel| {
            let found: Vec<String> = rel.get(package)?.iter().filter_map(|to| self.resolve(to)).collect();
            (!found.is_empty()).then_some(found)
        })
    }

    fn resolve(&self, to: &str) -> Option<String> {
        // NoAssertionLicense / NoneLicense individuals are IRIs that are not licence elements.
        if to.ends_with("NoAssertionLicense") || to.ends_with("NoneLicense") {
            return None;
        }
        let text = self.expressions.get(to).cloned().or_else(|| listed_license_id(to))?;
        (!is_license_placeholder(&text)).then_some(text)
    }
}
