//! SPDX 2.2 / 2.3 JSON (`spdx/spdx-spec@support/2.3.1:schemas/spdx-schema.json`).
//!
//! Reads `packages[]`: `name`, `versionInfo`, the `externalRefs[]` entry with
//! `referenceType == "purl"` (its `referenceCategory` is `PACKAGE-MANAGER` from syft and
//! `PACKAGE_MANAGER` from others; we do not look at the category at all), `licenseConcluded`
//! falling back to `licenseDeclared`, and `checksums[]`. Files and snippets are not components.

use crate::json::{array, str_field};
use crate::model::{Collector, RawComponent, is_license_placeholder};
use crate::{Component, SbomError};
use serde_json::Value;

/// `SPDX-2.3` → `2.3`.
pub(crate) fn spec_version(doc: &Value) -> String {
    let v = str_field(doc, "spdxVersion").unwrap_or_default().trim();
    v.strip_prefix("SPDX-").unwrap_or(v).to_owned()
}

pub(crate) fn components(doc: &Value) -> Result<Vec<Component>, SbomError> {
    let mut out = Collector::default();
    for pkg in array(doc, "packages") {
        out.push(package(pkg))?;
    }
    Ok(out.finish())
}

fn package(pkg: &Value) -> RawComponent<'_> {
    let purl = array(pkg, "externalRefs")
        .iter()
        .find(|r| str_field(r, "referenceType").is_some_and(|t| t.eq_ignore_ascii_case("purl")))
        .and_then(|r| str_field(r, "referenceLocator"));
    let license = ["licenseConcluded", "licenseDeclared"]
        .into_iter()
        .filter_map(|key| str_field(pkg, key))
        .find(|l| !is_license_placeholder(l));
    let hashes = array(pkg, "checksums")
        .iter()
        .filter_map(|c| Some((str_field(c, "algorithm")?, str_field(c, "checksumValue")?)))
        .collect();
    RawComponent {
        name: str_field(pkg, "name"),
        version: str_field(pkg, "versionInfo"),
        purl,
        licenses: license.map(str::to_owned).into_iter().collect(),
        hashes,
        ..Default::default()
    }
}
