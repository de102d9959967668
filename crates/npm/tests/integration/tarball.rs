//! Tarball inspection on archives built by hand: what npm packs, other top directories, pax long
//! names, and hostile archives (path traversal, bombs, oversized headers).

use crate::support::{entry, gzip, header, pax_path, tgz};
use arca_npm::{NpmError, TarballLimits, inspect_tarball};
use proptest::prelude::*;

const PKG: &[u8] = br#"{"name":"p","version":"1.0.0"}"#;

fn inspect(bytes: &[u8]) -> Result<arca_npm::TarballInfo, NpmError> {
    inspect_tarball(bytes, &TarballLimits::default())
}

#[test]
fn counts_files_and_reads_package_json() {
    let t = tgz(&[
        entry("package/", b"", b'5'),
        entry("package/package.json", PKG, b'0'),
        entry("package/lib/index.js", b"module.exports = 1;\n", b'0'),
        entry("package/npm-shrinkwrap.json", b"{}", b'0'),
        entry("package/link", b"", b'2'),
    ]);
    let info = inspect(&t).unwrap();
    assert_eq!(info.package_json["name"], "p");
    assert_eq!((info.file_count, info.unpacked_size), (3, (PKG.len() + 20 + 2) as u64));
    assert!(info.has_shrinkwrap);
}

#[test]
fn the_first_top_directory_is_the_package_whatever_its_name() {
    let t = tgz(&[entry("node/package.json", PKG, b'0'), entry("other/package.json", b"{}", b'0')]);
    assert_eq!(inspect(&t).unwrap().package_json["version"], "1.0.0");
    let t = tgz(&[entry("./package/package.json", PKG, 0)]);
    assert_eq!(inspect(&t).unwrap().file_count, 1);
}

#[test]
fn pax_long_paths_are_followed() {
    let long = format!("package/{}/x.js", "d".repeat(150));
    let t = tgz(&[
        pax_path(&long),
        entry("ignored", b"x", b'0'),
        pax_path("package/package.json"),
        entry("short", PKG, b'0'),
    ]);
    let info = inspect(&t).unwrap();
    assert_eq!((info.file_count, info.package_json["name"].as_str()), (2, Some("p")));
}

#[test]
fn hostile_archives_are_refused() {
    for path in ["../etc/passwd", "package/../../x", "/abs/package.json", "package\\..\\..\\x", "C:/x"] {
        let t = tgz(&[entry("package/package.json", PKG, b'0'), entry(path, b"x", b'0')]);
        assert!(matches!(inspect(&t), Err(NpmError::UnsafePath(_))), "{path}");
    }
    assert_eq!(inspect(&tgz(&[entry("package/index.js", b"", b'0')])), Err(NpmError::MissingPackageJson));
    let two = tgz(&[entry("package/package.json", PKG, b'0'), entry("package/package.json", PKG, b'0')]);
    assert!(matches!(inspect(&two), Err(NpmError::InvalidPackageJson(_))));
    let not_json = tgz(&[entry("package/package.json", b"{", b'0')]);
    assert!(matches!(inspect(&not_json), Err(NpmError::InvalidPackageJson(_))));
    assert!(matches!(inspect(b"not gzip at all"), Err(NpmError::InvalidTarball(_))));

    // A GNU long name declaring 1 GiB: refused from its header, nothing read.
    let mut bomb = header("././@LongLink", 1 << 30, b'L').to_vec();
    bomb.extend_from_slice(&[0u8; 4096]);
    assert_eq!(inspect(&gzip(&bomb)), Err(NpmError::TarballTooLarge("extended header")));

    let limits = TarballLimits { max_package_json: 10, max_entries: 2, max_unpacked: 100 };
    let many = tgz(&[entry("p/a", b"", b'0'), entry("p/b", b"", b'0'), entry("p/c", b"", b'0')]);
    assert_eq!(inspect_tarball(&many[..], &limits), Err(NpmError::TarballTooLarge("number of entries")));
    let big = tgz(&[entry("p/a", &[7u8; 101], b'0')]);
    assert_eq!(inspect_tarball(&big[..], &limits), Err(NpmError::TarballTooLarge("unpacked size")));
    let pkg = tgz(&[entry("p/package.json", PKG, b'0')]);
    assert!(matches!(inspect_tarball(&pkg[..], &limits), Err(NpmError::InvalidPackageJson(_))));
}

#[test]
fn corrupt_headers_and_truncation_are_refused() {
    let mut bad_sum = entry("package/package.json", PKG, b'0');
    bad_sum[0] ^= 1;
    assert!(matches!(inspect(&tgz(&[bad_sum])), Err(NpmError::InvalidTarball(_))));
    let mut cut = entry("package/package.json", PKG, b'0');
    cut.truncate(520);
    assert!(matches!(inspect(&gzip(&cut)), Err(NpmError::InvalidTarball(_))));
    let good = tgz(&[entry("package/package.json", PKG, b'0')]);
    assert!(inspect(&good[..good.len() - 4]).is_err(), "a cut gzip trailer is noticed");
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_archives(tar in proptest::collection::vec(any::<u8>(), 0..3000), flip in any::<usize>()) {
        let _ = inspect(&gzip(&tar));
        let mut t = tgz(&[entry("package/package.json", PKG, b'0'), tar.clone()]);
        let at = flip % t.len();
        t[at] ^= 0x55;
        let _ = inspect(&t);
    }

    #[test]
    fn never_panics_on_arbitrary_headers(mut block in proptest::collection::vec(any::<u8>(), 512), flag in any::<u8>()) {
        block[156] = flag;
        block[148..156].copy_from_slice(b"        ");
        let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
        block[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        block.extend_from_slice(&[0u8; 2048]);
        let _ = inspect(&gzip(&block));
    }
}
