//! The legacy upload form.

use crate::fixture;
use arca_pypi::{DistFilename, DistKind, MAX_FIELDS, UploadForm};

/// The text fields twine 7.0.0 sent for the fixture (`wheel` or `sdist`).
fn twine_fields(kind: &str) -> Vec<(String, String)> {
    let bytes = fixture(&format!("twine-7.0.0-{kind}-fields.json"));
    serde_json::from_slice::<Vec<(String, String)>>(&bytes).unwrap()
}

fn with(mut fields: Vec<(String, String)>, name: &str, value: Option<&str>) -> Vec<(String, String)> {
    fields.retain(|(n, _)| n != name);
    if let Some(value) = value {
        fields.push((name.into(), value.into()));
    }
    fields
}

fn refusal(fields: Vec<(String, String)>) -> (&'static str, String) {
    let e = UploadForm::from_fields(fields).unwrap_err();
    (e.code(), e.to_string())
}

#[test]
fn what_twine_sends_is_accepted() {
    let wheel = UploadForm::from_fields(twine_fields("wheel")).unwrap();
    assert_eq!((wheel.name.as_str(), wheel.version.as_str()), ("Arca-Demo", "1.0.post1"));
    assert_eq!((wheel.filetype, wheel.pyversion.as_str()), (DistKind::Wheel, "py3"));
    assert_eq!(wheel.metadata_version, "2.4");
    assert_eq!(wheel.protocol_version.as_deref(), Some("1"));
    assert_eq!(
        wheel.sha256_digest.as_deref(),
        Some("92fcaa7ebd5f1948c2ed4f8758e6727380602dca6ef4be714b8da417966d57fa")
    );
    assert!(wheel.blake2_256_digest.is_some() && wheel.md5_digest.is_none());
    assert_eq!(wheel.requires_python(), Some(">=3.8"));
    assert_eq!(wheel.fields_named("classifiers").count(), 2);
    assert_eq!(wheel.field("description"), Some("Arca demo\n=========\n\nA demo.\n"));
    wheel.check_file(&DistFilename::parse(crate::WHEEL).unwrap()).unwrap();
    let sdist = UploadForm::from_fields(twine_fields("sdist")).unwrap();
    assert_eq!((sdist.filetype, sdist.pyversion.as_str()), (DistKind::Sdist, "source"));
    sdist.check_file(&DistFilename::parse(crate::SDIST).unwrap()).unwrap();
    sdist.check_file(&DistFilename::parse(crate::SDIST_ZIP).unwrap()).unwrap();
}

#[test]
fn the_action_and_protocol_are_checked() {
    let base = twine_fields("wheel");
    let (code, message) = refusal(with(base.clone(), ":action", None));
    assert_eq!(code, "pypi_unsupported_action");
    assert!(message.contains("missing ':action'"), "{message}");
    assert_eq!(refusal(with(base.clone(), ":action", Some("doc_upload"))).0, "pypi_unsupported_action");
    assert!(refusal(with(base.clone(), "protocol_version", Some("2"))).1.contains("protocol version"));
    UploadForm::from_fields(with(base, "protocol_version", None)).unwrap();
}

#[test]
fn required_fields_and_their_shapes() {
    let base = twine_fields("wheel");
    for (field, value, why) in [
        ("name", None, "name is missing"),
        ("name", Some("not a name!"), "name:"),
        ("version", None, "version is missing"),
        ("version", Some("one"), "version 'one'"),
        ("filetype", Some("bdist_egg"), "unknown filetype 'bdist_egg'"),
        ("filetype", None, "filetype is missing"),
        ("pyversion", None, "needs a pyversion"),
        ("metadata_version", None, "metadata_version is missing"),
        ("sha256_digest", Some("abc"), "sha256_digest must be 64 hexadecimal digits"),
        ("md5_digest", Some(&"z".repeat(32)), "md5_digest must be 32"),
        ("blake2_256_digest", Some(&"0".repeat(63)), "blake2_256_digest must be 64"),
    ] {
        let (code, message) = refusal(with(base.clone(), field, value));
        assert_eq!(code, "pypi_invalid_form", "{field}");
        assert!(message.contains(why), "{field}: {message}");
    }
    let sdist = with(twine_fields("sdist"), "pyversion", Some("py3"));
    assert!(refusal(sdist).1.contains("'source'"));
    let missing = UploadForm::from_fields(with(twine_fields("sdist"), "pyversion", None)).unwrap();
    assert_eq!(missing.pyversion, "source");
}

#[test]
fn digests_are_lower_cased_and_unknown_values_dropped() {
    let upper = "92FCAA7EBD5F1948C2ED4F8758E6727380602DCA6EF4BE714B8DA417966D57FA";
    let mut fields = with(twine_fields("wheel"), "sha256_digest", Some(upper));
    fields.push(("md5_digest".into(), "D41D8CD98F00B204E9800998ECF8427E".into()));
    fields.push(("home_page".into(), " UNKNOWN ".into()));
    let form = UploadForm::from_fields(fields).unwrap();
    assert_eq!(form.sha256_digest.as_deref(), Some(upper.to_ascii_lowercase().as_str()));
    assert_eq!(form.md5_digest.as_deref(), Some("d41d8cd98f00b204e9800998ecf8427e"));
    assert_eq!(form.field("home_page"), None);
    // No digest at all is accepted: the registry hashes the file itself.
    let none = with(with(twine_fields("wheel"), "sha256_digest", None), "blake2_256_digest", None);
    UploadForm::from_fields(none).unwrap();
}

#[test]
fn the_form_is_bounded() {
    let base = twine_fields("wheel");
    let mut many = base.clone();
    many.extend((0..MAX_FIELDS).map(|i| ("classifiers".to_string(), format!("C :: {i}"))));
    assert!(refusal(many).1.contains("more than 1000 fields"));
    let long = with(base.clone(), "summary", Some(&"x".repeat(64 * 1024 + 1)));
    assert!(refusal(long).1.contains("'summary' is longer than 65536 bytes"));
    UploadForm::from_fields(with(base.clone(), "description", Some(&"x".repeat(1024 * 1024)))).unwrap();
    let nul = with(base.clone(), "summary", Some("a\0b"));
    assert!(refusal(nul).1.contains("NUL"));
    let mut twice = base;
    twice.push(("version".into(), "2.0".into()));
    assert!(refusal(twice).1.contains("'version' appears twice"));
}

#[test]
fn the_form_must_agree_with_the_file() {
    let form = UploadForm::from_fields(twine_fields("wheel")).unwrap();
    let mismatch = |name: &str| form.check_file(&DistFilename::parse(name).unwrap()).unwrap_err();
    assert!(mismatch("arca_demo-1.0.post1.tar.gz").to_string().contains("filetype bdist_wheel"));
    assert!(mismatch("other-1.0.post1-py3-none-any.whl").to_string().contains("project name 'Arca-Demo'"));
    let e = mismatch("arca_demo-1.0.post2-py3-none-any.whl");
    assert_eq!(e.code(), "pypi_mismatch");
    assert!(e.to_string().contains("version in filename should be '1.0.post1' not '1.0.post2'"), "{e}");
    form.check_file(&DistFilename::parse("arca.demo-1.0.0.post1-py3-none-any.whl").unwrap()).unwrap();
}
