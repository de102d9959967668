//! Distribution filenames.

use arca_pypi::{ArchiveFormat, DistFilename, DistKind};

fn parsed(name: &str) -> DistFilename {
    DistFilename::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn refused(name: &str) -> (&'static str, String) {
    match DistFilename::parse(name) {
        Ok(f) => panic!("{name} parsed as {f:?}"),
        Err(e) => (e.code(), e.to_string()),
    }
}

#[test]
fn wheels_parse_as_packaging_parses_them() {
    let w = parsed("Arca_Demo-1.0.post1-py3-none-any.whl");
    assert_eq!(
        (w.project.as_str(), w.normalized.as_str(), w.version.as_str()),
        ("Arca_Demo", "arca-demo", "1.0.post1")
    );
    assert_eq!((w.kind, w.archive), (DistKind::Wheel, ArchiveFormat::Zip));
    assert_eq!(w.python_tag.as_deref(), Some("py3"));
    assert_eq!(w.pyversion(), "py3");
    let w = parsed("numpy-2.1.0-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    assert_eq!(w.build_tag.as_deref(), Some("1"));
    assert_eq!(w.abi_tag.as_deref(), Some("cp312"));
    assert_eq!(w.platform_tag.as_deref(), Some("manylinux_2_17_x86_64.manylinux2014_x86_64"));
    assert_eq!(parsed("six-1.16.0-py2.py3-none-any.whl").pyversion(), "py2.py3");
    assert_eq!(parsed("zope.interface-7.0-cp39-cp39-win_amd64.whl").normalized, "zope-interface");
    assert_eq!(parsed("torch-2.4.0+cu118-cp311-cp311-linux_x86_64.whl").version, "2.4.0+cu118");
    assert_eq!(parsed("demo-1!2.0rc1-py3-none-any.whl").normalized_version(), "1!2.0rc1");
}

#[test]
fn sdists_take_the_version_after_the_last_dash() {
    let s = parsed("arca_demo-1.0.post1.tar.gz");
    assert_eq!((s.kind, s.archive, s.python_tag.as_deref()), (DistKind::Sdist, ArchiveFormat::TarGz, None));
    assert_eq!(s.pyversion(), "source");
    let legacy = parsed("python-dateutil-2.8.2.tar.gz");
    assert_eq!((legacy.project.as_str(), legacy.version.as_str()), ("python-dateutil", "2.8.2"));
    let zip = parsed("Django-1.4.zip");
    assert_eq!((zip.normalized.as_str(), zip.archive), ("django", ArchiveFormat::Zip));
    assert_eq!(parsed("foo-1.0rc1.tar.gz").normalized_version(), "1.0rc1");
    assert_eq!(parsed("Foo-1.0-1.tar.gz").project, "Foo-1.0", "packaging splits at the last dash too");
}

#[test]
fn path_tricks_and_odd_characters_are_refused() {
    for name in [
        "",
        "../foo-1.0.tar.gz",
        "dir/foo-1.0.tar.gz",
        "dir\\foo-1.0.tar.gz",
        ".foo-1.0.tar.gz",
        "foo-1.0..tar.gz",
        "foo-1.0\0.tar.gz",
        "foo-1.0\n.tar.gz",
        "foo- 1.0.tar.gz",
        "foo-1.0\u{202e}.tar.gz",
        "fóo-1.0.tar.gz",
    ] {
        assert_eq!(refused(name).0, "pypi_invalid_filename", "{name:?}");
    }
    let long = format!("{}-1.0.tar.gz", "a".repeat(250));
    assert!(refused(&long).1.contains("longer than 255 bytes"));
}

#[test]
fn malformed_wheels_and_sdists_say_why() {
    let cases = [
        ("foo-py3-none-any.whl", "version"),
        ("foo-1.0-none-any.whl", "{name}-{version}"),
        ("foo-1.0-x-py3-none-any.whl", "build tag"),
        ("foo__bar-1.0-py3-none-any.whl", "'__'"),
        ("foo-bar-1.0-py3-none-any.whl", "version"),
        ("foo-1.0-py3-none-an$y.whl", "wheel tags"),
        ("foo-1.0-cp3.11-none-any.whl", "wheel tags"),
        ("foo-1.0-py3.-none-any.whl", "wheel tags"),
        ("foo-1.0-3py-none-any.whl", "wheel tags"),
        ("foo-1.0-py3-none-.any.whl", "wheel tags"),
        ("-1.0-py3-none-any.whl", "project name"),
        ("foo.tar.gz", "{name}-{version}"),
        ("foo-notaversion.tar.gz", "version"),
        ("-1.0.tar.gz", "project name"),
        ("foo_-1.0.tar.gz", "project name"),
    ];
    for (name, why) in cases {
        let (code, message) = refused(name);
        assert_eq!(code, "pypi_invalid_filename", "{name}");
        assert!(message.contains(why), "{name}: {message}");
    }
}

#[test]
fn retired_extensions_are_refused_with_the_reason() {
    for (name, why) in [
        ("foo-1.0-py2.7.egg", "PEP 715"),
        ("foo-1.0.win32.exe", "PEP 527"),
        ("foo-1.0.tar.bz2", ".tar.gz"),
        ("foo-1.0.tgz", ".tar.gz"),
        ("foo-1.0.TAR.GZ", "lower case"),
        ("foo-1.0.rpm", "PEP 527"),
        ("foo-1.0.txt", ".whl, .tar.gz or .zip"),
    ] {
        let (code, message) = refused(name);
        assert_eq!(code, "pypi_unsupported_extension", "{name}");
        assert!(message.contains(why), "{name}: {message}");
    }
}

#[test]
fn the_same_distribution_may_be_spelled_differently() {
    let a = parsed("Arca.Demo-1.0.post1-py3-none-any.whl");
    assert!(a.same_distribution(&parsed("arca_demo-1.0.0.post1-py3-none-any.whl")));
    assert!(!a.same_distribution(&parsed("arca_demo-1.0.post1-py2-none-any.whl")));
    assert!(!a.same_distribution(&parsed("arca_demo-1.0.post1.tar.gz")));
    assert!(!parsed("a-1.0.tar.gz").same_distribution(&parsed("a-1.0.zip")));
}
