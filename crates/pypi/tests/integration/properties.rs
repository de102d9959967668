//! Property tests: no parser panics on arbitrary input, and what round-trips does.

use crate::{SDIST, SDIST_ZIP, WHEEL, extract, fixture};
use arca_pypi::{
    CoreMetadata, DistFilename, DistKind, ProjectFile, ProjectPage, SimpleFormat, UploadForm, negotiate,
    parse_attestations, render_project,
};
use proptest::prelude::*;

fn printable_ascii(message: &str) -> bool {
    !message.is_empty() && message.bytes().all(|b| (b' '..=b'~').contains(&b))
}

/// PEP 508 names: alphanumeric ends, `-_.` inside (but never `..`, which filenames refuse).
fn project_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]([A-Za-z0-9._-]{0,20}[A-Za-z0-9])?".prop_filter("no '..'", |n| !n.contains(".."))
}

/// Versions in PEP 440's normalized form.
fn version() -> impl Strategy<Value = String> {
    ("[0-9]{1,3}(\\.[0-9]{1,3}){0,3}", prop::option::of("(a|b|rc)[0-9]{1,2}"), prop::option::of("\\.post[0-9]"))
        .prop_map(|(release, pre, post)| format!("{release}{}{}", pre.unwrap_or_default(), post.unwrap_or_default()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn filenames_never_panic_and_errors_are_one_ascii_line(name in "\\PC{0,80}|[a-z0-9._+!-]{0,40}\\.(whl|tar\\.gz|zip)") {
        if let Err(e) = DistFilename::parse(&name) {
            prop_assert!(printable_ascii(&e.to_string()), "{e}");
        }
    }

    #[test]
    fn wheel_filenames_round_trip(name in project_name(), version in version(), build in prop::option::of("[0-9][a-z0-9]{0,3}"), py in "(py3|cp3[0-9]{1,2}|py2\\.py3)", abi in "(none|abi3|cp3[0-9])", plat in "(any|linux_x86_64|win_amd64|manylinux_2_17_aarch64)") {
        let escaped = name.replace('-', "_");
        prop_assume!(!escaped.contains("__"));
        let build_part = build.as_ref().map(|b| format!("-{b}")).unwrap_or_default();
        let filename = format!("{escaped}-{version}{build_part}-{py}-{abi}-{plat}.whl");
        let parsed = DistFilename::parse(&filename).unwrap();
        prop_assert_eq!(&parsed.project, &escaped);
        prop_assert_eq!(&parsed.version, &version);
        prop_assert_eq!(&parsed.build_tag, &build);
        prop_assert_eq!(parsed.pyversion(), py.as_str());
        prop_assert_eq!(parsed.kind, DistKind::Wheel);
        prop_assert_eq!(parsed.normalized, name.to_ascii_lowercase().replace(['_', '.'], "-").split('-').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("-"));
    }

    #[test]
    fn sdist_filenames_round_trip(name in project_name(), version in version(), zip in any::<bool>()) {
        let filename = format!("{name}-{version}.{}", if zip { "zip" } else { "tar.gz" });
        let parsed = DistFilename::parse(&filename).unwrap();
        prop_assert_eq!((parsed.project.as_str(), parsed.version.as_str()), (name.as_str(), version.as_str()));
        prop_assert_eq!(parsed.pyversion(), "source");
    }

    #[test]
    fn metadata_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512), text in "\\PC{0,200}") {
        for input in [&bytes[..], text.as_bytes()] {
            if let Err(e) = CoreMetadata::parse(input) {
                prop_assert!(printable_ascii(&e.to_string()), "{e}");
            }
        }
    }

    #[test]
    fn metadata_fields_round_trip(name in project_name(), version in version(), summary in "[ -~]{0,60}", dists in prop::collection::vec("[a-z]{1,8}( *>= *[0-9])?", 0..4), crlf in any::<bool>()) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut text = format!("Metadata-Version: 2.4{eol}Name: {name}{eol}Version: {version}{eol}Summary: {summary}{eol}");
        for d in &dists {
            text.push_str(&format!("Requires-Dist: {d}{eol}"));
        }
        text.push_str(&format!("{eol}Body: not a header{eol}"));
        let meta = CoreMetadata::parse(text.as_bytes()).unwrap();
        prop_assert_eq!(meta.name, name);
        prop_assert_eq!(meta.version, version);
        prop_assert_eq!(meta.summary.as_deref(), Some(summary.trim()));
        prop_assert_eq!(meta.requires_dist, dists.iter().map(|d| d.trim().to_string()).collect::<Vec<_>>());
    }

    #[test]
    fn archives_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for name in [WHEEL, SDIST, SDIST_ZIP] {
            if let Err(e) = extract(name, &bytes) {
                prop_assert!(printable_ascii(&e.to_string()), "{e}");
            }
        }
    }

    #[test]
    fn damaged_real_archives_never_panic(seed in any::<usize>(), flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
        let name = [WHEEL, SDIST, SDIST_ZIP][seed % 3];
        let mut bytes = fixture(name);
        for (at, value) in flips {
            let n = bytes.len();
            bytes[at % n] ^= value;
        }
        let keep = bytes.len() - cut % (bytes.len() / 4);
        bytes.truncate(keep);
        if let Err(e) = extract(name, &bytes) {
            prop_assert!(printable_ascii(&e.to_string()), "{e}");
        }
    }

    #[test]
    fn upload_forms_never_panic(fields in prop::collection::vec(("(:action|name|version|filetype|pyversion|metadata_version|sha256_digest|md5_digest|protocol_version|[a-z_]{1,12})", "\\PC{0,40}"), 0..16)) {
        match UploadForm::from_fields(fields) {
            Ok(form) => prop_assert_eq!(form.action, "file_upload"),
            Err(e) => prop_assert!(printable_ascii(&e.to_string()), "{e}"),
        }
    }

    #[test]
    fn attestations_never_panic(json in "\\PC{0,200}", nested in "\\[\\{\"version\":1,\"envelope\":\\{\"statement\":\"[A-Za-z0-9+/=]{0,40}\",\"signature\":\"[A-Za-z0-9+/=]{0,8}\"\\},\"verification_material\":\\{\"certificate\":\"QUJD\",\"transparency_entries\":\\[\\{\\}\\]\\}\\}\\]") {
        for input in [&json, &nested] {
            if let Err(e) = parse_attestations(input) {
                prop_assert!(printable_ascii(&e.to_string()), "{e}");
            }
        }
    }

    #[test]
    fn negotiation_never_panics(accept in prop::option::of("\\PC{0,80}|((text|application|\\*)/[a-z.+*0-9]{1,30}(;q=[0-9.]{1,5})?, ?){0,4}"), format in prop::option::of("\\PC{0,40}")) {
        let _ = negotiate(accept.as_deref(), format.as_deref());
    }

    #[test]
    fn rendered_pages_parse_back(filename in "\\PC{0,30}", reason in prop::option::of("\\PC{0,30}"), requires in prop::option::of("\\PC{0,20}"), size in any::<u64>()) {
        let file = ProjectFile { filename: filename.clone(), url: format!("../{filename}"), sha256: "ab".repeat(32), size, yanked: reason.clone(), requires_python: requires.clone(), ..ProjectFile::default() };
        let page = ProjectPage { name: "demo".into(), versions: vec!["1.0".into()], files: vec![file], status: None };
        let json: serde_json::Value = serde_json::from_slice(&render_project(&page, SimpleFormat::Json)).unwrap();
        prop_assert_eq!(json["files"][0]["filename"].as_str(), Some(filename.as_str()));
        prop_assert_eq!(json["files"][0]["size"].as_u64(), Some(size));
        let html = String::from_utf8(render_project(&page, SimpleFormat::Html)).unwrap();
        prop_assert_eq!(html.matches('<').count(), html.matches('>').count());
        prop_assert_eq!(html.matches("<a ").count(), 1);
    }
}
