//! The JSON serialization (PEP 691, with PEP 700's `versions`, `size` and `upload-time`, PEP
//! 714's `core-metadata`, PEP 740's `provenance` and PEP 792's `project-status`).

use super::{API_VERSION, ProjectList, ProjectPage};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
struct Meta {
    #[serde(rename = "api-version")]
    api_version: &'static str,
}

const META: Meta = Meta { api_version: API_VERSION };

#[derive(Serialize)]
struct Index<'a> {
    meta: Meta,
    projects: Vec<Name<'a>>,
}

#[derive(Serialize)]
struct Name<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Project<'a> {
    meta: Meta,
    name: &'a str,
    versions: &'a [String],
    files: Vec<File<'a>>,
    #[serde(rename = "project-status", skip_serializing_if = "Option::is_none")]
    project_status: Option<Status<'a>>,
}

#[derive(Serialize)]
struct Status<'a> {
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

#[derive(Serialize)]
struct File<'a> {
    filename: &'a str,
    url: &'a str,
    hashes: BTreeMap<&'static str, &'a str>,
    #[serde(rename = "requires-python")]
    requires_python: Option<&'a str>,
    size: u64,
    #[serde(rename = "upload-time", skip_serializing_if = "Option::is_none")]
    upload_time: Option<&'a str>,
    yanked: Flag<'a>,
    #[serde(rename = "core-metadata")]
    core_metadata: Metadata<'a>,
    #[serde(rename = "dist-info-metadata")]
    dist_info_metadata: Metadata<'a>,
    #[serde(rename = "gpg-sig", skip_serializing_if = "Option::is_none")]
    gpg_sig: Option<bool>,
    provenance: Option<&'a str>,
}

/// `false`, `true`, or a reason (PEP 691: a yank reason is a non-empty string).
#[derive(Serialize)]
#[serde(untagged)]
enum Flag<'a> {
    Bool(bool),
    Reason(&'a str),
}

/// `false` or `{"sha256": …}`.
#[derive(Serialize)]
#[serde(untagged)]
enum Metadata<'a> {
    Absent(bool),
    Hashes { sha256: &'a str },
}

pub(super) fn project(page: &ProjectPage) -> Vec<u8> {
    let files = page
        .files
        .iter()
        .map(|f| {
            let metadata = || {
                f.core_metadata_sha256.as_deref().map_or(Metadata::Absent(false), |sha256| Metadata::Hashes { sha256 })
            };
            File {
                filename: &f.filename,
                url: &f.url,
                hashes: if f.sha256.is_empty() {
                    BTreeMap::new()
                } else {
                    BTreeMap::from([("sha256", f.sha256.as_str())])
                },
                requires_python: f.requires_python.as_deref().filter(|r| !r.is_empty()),
                size: f.size,
                upload_time: Some(f.upload_time.as_str()).filter(|t| !t.is_empty()),
                yanked: match f.yanked.as_deref() {
                    None => Flag::Bool(false),
                    Some("") => Flag::Bool(true),
                    Some(reason) => Flag::Reason(reason),
                },
                core_metadata: metadata(),
                dist_info_metadata: metadata(),
                gpg_sig: f.gpg_sig,
                provenance: f.provenance_url.as_deref(),
            }
        })
        .collect();
    let project_status = page.status.as_ref().map(|s| Status { status: &s.status, reason: s.reason.as_deref() });
    to_vec(&Project { meta: META, name: &page.name, versions: &page.versions, files, project_status })
}

pub(super) fn index(list: &ProjectList) -> Vec<u8> {
    to_vec(&Index { meta: META, projects: list.projects.iter().map(|name| Name { name }).collect() })
}

fn to_vec(value: &impl Serialize) -> Vec<u8> {
    // Serializing these structs cannot fail: every map key is a string.
    serde_json::to_vec(value).unwrap_or_default()
}
