use super::*;
use proptest::prelude::*;

fn id(ecosystem: Ecosystem, name: &str) -> PackageId {
    PackageId::parse(ecosystem, name).unwrap_or_else(|e| panic!("{ecosystem} {name:?}: {e}"))
}

fn refused(ecosystem: Ecosystem, name: &str) -> bool {
    PackageId::parse(ecosystem, name).is_err()
}

#[test]
fn ecosystem_names_round_trip() {
    for e in Ecosystem::ALL {
        assert_eq!(Ecosystem::parse(e.as_str()), Some(e));
        let de = serde::de::IntoDeserializer::<serde::de::value::Error>::into_deserializer(e.as_str());
        assert_eq!(<Ecosystem as serde::Deserialize>::deserialize(de).ok(), Some(e));
    }
    assert_eq!(Ecosystem::parse("PyPI"), None);
    assert_eq!(Ecosystem::Npm.version_scheme(), VersionScheme::SemVer);
}

/// PEP 503's example: "Friendly-Bar", "friendly.bar" and "FRIENDLY_BAR" are one project.
#[test]
fn pypi_names_normalize_per_pep_503() {
    let key = |n| id(Ecosystem::Pypi, n).normalized().to_owned();
    for name in ["Friendly-Bar", "friendly.bar", "FRIENDLY_BAR", "friendly-bar", "Friendly__-._Bar"] {
        assert_eq!(key(name), "friendly-bar", "{name}");
    }
    assert_eq!(id(Ecosystem::Pypi, "Friendly-Bar"), id(Ecosystem::Pypi, "friendly.bar"));
    assert_eq!(id(Ecosystem::Pypi, "Friendly-Bar").to_string(), "Friendly-Bar");
    assert_eq!(key("a"), "a");
    assert_eq!(key("zope.interface"), "zope-interface");
    assert_eq!(key("Django2"), "django2");
}

/// PEP 508's name grammar: letters, digits, `-_.`, alphanumeric at both ends.
#[test]
fn pypi_names_follow_pep_508() {
    for bad in ["-foo", "foo-", ".foo", "foo_", "foo bar", "foo/bar", "fóo", "foo+bar", "_"] {
        assert!(refused(Ecosystem::Pypi, bad), "{bad:?}");
    }
    assert!(refused(Ecosystem::Pypi, &"a".repeat(MAX_PACKAGE_NAME_LEN + 1)));
}

/// Cases from validate-npm-package-name's test suite, new-package verdicts.
#[test]
fn npm_names_follow_the_new_package_rules() {
    for ok in [
        "some-package",
        "example.com",
        "under_score",
        "period.js",
        "123numeric",
        "@npm/thingy",
        "@types/node",
        "@a/b",
        "events", // a Node core module name, but a long-published package: see rules::npm
    ] {
        assert_eq!(id(Ecosystem::Npm, ok).normalized(), ok);
    }
    for bad in [
        "crazy!",
        "@npm-zors/money!time.js",
        ".start-with-period",
        "_start-with-underscore",
        "contain:colons",
        " leading-space",
        "trailing-space ",
        "s/l/a/s/h/e/s",
        "node_modules",
        "favicon.ico",
        "CAPITAL-LETTERS",
        "@npm-zors/.dotstart",
        "@/name",
        "@scope/",
        "@scope",
        "@scope/a/b",
        "ünicode",
        "tilde~",
        "it's",
    ] {
        assert!(refused(Ecosystem::Npm, bad), "{bad:?}");
    }
    assert!(!refused(Ecosystem::Npm, &"a".repeat(MAX_NPM_NAME_LEN)));
    assert!(refused(Ecosystem::Npm, &"a".repeat(MAX_NPM_NAME_LEN + 1)));
    assert_eq!(id(Ecosystem::Npm, "@types/node").npm_scope(), Some("types"));
    assert_eq!(id(Ecosystem::Npm, "left-pad").npm_scope(), None);
}

/// crates.io treats `-` and `_` as the same and ignores case when it checks a new name.
#[test]
fn crate_names_collide_on_case_and_dash_underscore() {
    let names = ["foo_bar", "foo-bar", "Foo-Bar", "FOO_BAR"];
    for name in names {
        assert_eq!(id(Ecosystem::Cargo, name), id(Ecosystem::Cargo, "foo_bar"), "{name}");
        assert_eq!(id(Ecosystem::Cargo, name).normalized(), "foo_bar");
    }
    assert_ne!(id(Ecosystem::Cargo, "foobar"), id(Ecosystem::Cargo, "foo_bar"));
    for bad in ["1up", "-foo", "_foo", "foo.bar", "foo bar", "föo", "foo+bar"] {
        assert!(refused(Ecosystem::Cargo, bad), "{bad:?}");
    }
    assert!(!refused(Ecosystem::Cargo, &"a".repeat(MAX_CRATE_NAME_LEN)));
    assert!(matches!(
        PackageId::parse(Ecosystem::Cargo, &"a".repeat(MAX_CRATE_NAME_LEN + 1)),
        Err(PackageIdError::TooLong { max: MAX_CRATE_NAME_LEN, .. })
    ));
}

#[test]
fn maven_names_are_exact_coordinates() {
    let guava = id(Ecosystem::Maven, "com.google.guava:guava");
    assert_eq!(guava.maven_coordinates(), Some(("com.google.guava", "guava")));
    assert_ne!(guava, id(Ecosystem::Maven, "com.google.Guava:guava"));
    assert_eq!(id(Ecosystem::Maven, "org.apache_x-y:A.b-c_D").normalized(), "org.apache_x-y:A.b-c_D");
    for bad in ["guava", ":guava", "com.google:", "a:b:c", "com google:guava", "com/google:guava", "a:b$"] {
        assert!(refused(Ecosystem::Maven, bad), "{bad:?}");
    }
}

/// OCI and generic packages keep the rules of `arca_types::PackageName`.
#[test]
fn oci_and_generic_reuse_package_name_rules() {
    for ecosystem in [Ecosystem::Oci, Ecosystem::Generic] {
        assert_eq!(id(ecosystem, "team/app").normalized(), "team/app");
        for bad in ["Team/app", "team//app", "../x", "a b"] {
            assert!(matches!(PackageId::parse(ecosystem, bad), Err(PackageIdError::Name(_))), "{bad:?}");
        }
    }
    assert_ne!(id(Ecosystem::Oci, "app"), id(Ecosystem::Generic, "app"));
}

#[test]
fn empty_names_are_refused_everywhere() {
    for ecosystem in Ecosystem::ALL {
        assert_eq!(PackageId::parse(ecosystem, ""), Err(PackageIdError::Empty));
    }
}

proptest! {
    #[test]
    fn never_panics(s in ".{0,80}") {
        for ecosystem in Ecosystem::ALL {
            let _ = PackageId::parse(ecosystem, &s);
        }
    }

    /// The key is a valid name with itself as key, and every spelling of it is the same package.
    #[test]
    fn keys_are_fixed_points(s in "[A-Za-z][A-Za-z0-9._-]{0,20}[A-Za-z0-9]") {
        for ecosystem in [Ecosystem::Pypi, Ecosystem::Cargo, Ecosystem::Npm] {
            if let Ok(p) = PackageId::parse(ecosystem, &s) {
                let again = id(ecosystem, p.normalized());
                prop_assert_eq!(again.normalized(), p.normalized());
                prop_assert_eq!(&again, &p);
                prop_assert_eq!(p.as_str(), s.as_str());
            }
        }
    }

    #[test]
    fn pypi_spellings_are_one_project(s in "[a-z0-9]{1,5}([-_.][a-z0-9]{1,5}){0,3}", upper in any::<bool>()) {
        let respelled: String = s
            .chars()
            .map(|c| match c {
                '-' => "_.".to_owned(),
                '_' | '.' => "-".to_owned(),
                c if upper => c.to_ascii_uppercase().to_string(),
                c => c.to_string(),
            })
            .collect();
        prop_assert_eq!(id(Ecosystem::Pypi, &s), id(Ecosystem::Pypi, &respelled));
    }

    #[test]
    fn identity_is_an_equivalence(a in "[A-Za-z][A-Za-z_-]{0,4}", b in "[A-Za-z][A-Za-z_-]{0,4}") {
        for ecosystem in [Ecosystem::Pypi, Ecosystem::Cargo] {
            if let (Ok(x), Ok(y)) = (PackageId::parse(ecosystem, &a), PackageId::parse(ecosystem, &b)) {
                prop_assert_eq!(x == y, x.normalized() == y.normalized());
                prop_assert_eq!(x.cmp(&y), y.cmp(&x).reverse());
                prop_assert_eq!(x == y, x.cmp(&y) == Ordering::Equal);
            }
        }
    }
}
