//! Reading METADATA / PKG-INFO out of real and hostile archives.

use crate::{PKG_INFO, SDIST, SDIST_ZIP, WHEEL, add_file, extract, extract_with, fixture, gzip, tar_gz, zip_of};
use arca_pypi::{CoreMetadata, Limits, PypiError};

fn code(result: Result<Vec<u8>, PypiError>) -> &'static str {
    match result {
        Ok(bytes) => panic!("expected a refusal, got {} bytes", bytes.len()),
        Err(e) => {
            let message = e.to_string();
            assert!(message.bytes().all(|b| (b' '..=b'~').contains(&b)), "{message}");
            e.code()
        }
    }
}

#[test]
fn real_wheel_and_sdists_give_their_metadata() {
    let wheel = extract(WHEEL, &fixture(WHEEL)).unwrap();
    let sdist = extract(SDIST, &fixture(SDIST)).unwrap();
    let sdist_zip = extract(SDIST_ZIP, &fixture(SDIST_ZIP)).unwrap();
    assert!(wheel.starts_with(b"Metadata-Version: 2.4\nName: Arca_Demo\nVersion: 1.0.post1\n"));
    assert!(wheel.ends_with(b"\n\nArca demo\n=========\n\nA demo.\n"), "the description body is kept");
    // setuptools writes the same file into the sdist (and a deeper copy in src/*.egg-info).
    assert_eq!(sdist, wheel);
    assert_eq!(sdist_zip, wheel);
    let meta = CoreMetadata::parse(&wheel).unwrap();
    assert_eq!((meta.name.as_str(), meta.version.as_str()), ("Arca_Demo", "1.0.post1"));
}

#[test]
fn truncated_or_foreign_bytes_are_invalid_archives() {
    for name in [WHEEL, SDIST, SDIST_ZIP] {
        let bytes = fixture(name);
        for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(code(extract(name, &bytes[..cut])), "pypi_invalid_archive", "{name} cut at {cut}");
        }
        assert_eq!(code(extract(name, b"<html>not an archive</html>")), "pypi_invalid_archive");
    }
    // A wheel's bytes uploaded as a .tar.gz, a tar.gz's as a wheel.
    assert_eq!(code(extract(SDIST, &fixture(WHEEL))), "pypi_invalid_archive");
    assert_eq!(code(extract(WHEEL, &fixture(SDIST))), "pypi_invalid_archive");
}

#[test]
fn a_wheel_needs_exactly_one_matching_dist_info() {
    let metadata = b"Metadata-Version: 2.1\nName: other\nVersion: 1.0\n";
    let wrong_project = zip_of(&[("other-1.0.dist-info/METADATA", metadata)]);
    assert_eq!(code(extract(WHEEL, &wrong_project)), "pypi_mismatch");
    let wrong_version = zip_of(&[("arca_demo-1.0.dist-info/METADATA", metadata)]);
    assert_eq!(code(extract(WHEEL, &wrong_version)), "pypi_mismatch");
    let two =
        zip_of(&[("arca_demo-1.0.post1.dist-info/METADATA", metadata), ("evil-1.0.dist-info/METADATA", metadata)]);
    assert_eq!(code(extract(WHEEL, &two)), "pypi_missing_metadata");
    let none = zip_of(&[("arca_demo/__init__.py", b"")]);
    assert_eq!(code(extract(WHEEL, &none)), "pypi_missing_metadata");
    let no_metadata = zip_of(&[("arca_demo-1.0.post1.dist-info/RECORD", b"")]);
    assert_eq!(code(extract(WHEEL, &no_metadata)), "pypi_missing_metadata");
    // Only the top level counts: a nested dist-info (vendored code) is not the wheel's.
    let nested = zip_of(&[("arca_demo/_vendor/x-1.0.dist-info/METADATA", metadata)]);
    assert_eq!(code(extract(WHEEL, &nested)), "pypi_missing_metadata");
}

#[test]
fn the_dist_info_may_spell_the_name_and_version_differently() {
    for dir in ["Arca_Demo-1.0.post1.dist-info", "arca.demo-1.0-1.dist-info", "ARCA_DEMO-1.0.0.post1.dist-info"] {
        let wheel = zip_of(&[(&format!("{dir}/METADATA"), PKG_INFO)]);
        assert_eq!(extract(WHEEL, &wheel).unwrap(), PKG_INFO, "{dir}");
    }
}

#[test]
fn deflate_bombs_and_lying_sizes_are_refused() {
    let bomb = vec![0u8; 4 * 1024 * 1024];
    let wheel = zip_of(&[("arca_demo-1.0.post1.dist-info/METADATA", &bomb)]);
    assert!(wheel.len() < 16 * 1024, "4 MiB of zeros deflate to {} bytes", wheel.len());
    assert_eq!(code(extract(WHEEL, &wheel)), "pypi_archive_limit");
    // The same entry claiming to be 10 bytes in both headers: the read stops past the limit.
    let liar = patch_sizes(wheel, 10);
    assert!(matches!(code(extract(WHEEL, &liar)), "pypi_archive_limit" | "pypi_invalid_archive"));
    let sdist = tar_gz(|tar| add_file(tar, "arca_demo-1.0.post1/PKG-INFO", &bomb));
    assert_eq!(code(extract(SDIST, &sdist)), "pypi_archive_limit");
}

/// Rewrites the uncompressed size of every entry (local and central headers) to `size`.
fn patch_sizes(mut zip: Vec<u8>, size: u32) -> Vec<u8> {
    let patch = |zip: &mut Vec<u8>, signature: &[u8], offset: usize| {
        let starts: Vec<usize> = zip.windows(4).enumerate().filter(|(_, w)| *w == signature).map(|(i, _)| i).collect();
        for start in starts {
            zip[start + offset..start + offset + 4].copy_from_slice(&size.to_le_bytes());
        }
    };
    patch(&mut zip, b"PK\x03\x04", 22);
    patch(&mut zip, b"PK\x01\x02", 24);
    zip
}

#[test]
fn entry_counts_and_scanned_bytes_are_bounded() {
    let limits = Limits { max_archive_entries: 3, ..Limits::default() };
    assert_eq!(code(extract_with(SDIST, &fixture(SDIST), &limits)), "pypi_archive_limit");
    assert_eq!(code(extract_with(WHEEL, &fixture(WHEEL), &limits)), "pypi_archive_limit");
    assert_eq!(code(extract_with(SDIST_ZIP, &fixture(SDIST_ZIP), &limits)), "pypi_archive_limit");
    let limits = Limits { max_scanned_bytes: 8 * 1024, ..Limits::default() };
    assert_eq!(code(extract_with(SDIST, &fixture(SDIST), &limits)), "pypi_archive_limit");
    let limits = Limits { max_metadata_bytes: 100, ..Limits::default() };
    assert_eq!(code(extract_with(WHEEL, &fixture(WHEEL), &limits)), "pypi_archive_limit");
    assert_eq!(code(extract_with(SDIST, &fixture(SDIST), &limits)), "pypi_archive_limit");
}

#[test]
fn sdist_pkg_info_must_be_a_file_one_directory_deep() {
    let symlink = tar_gz(|tar| {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        tar.append_link(&mut header, "arca_demo-1.0.post1/PKG-INFO", "/etc/passwd").unwrap();
    });
    assert_eq!(code(extract(SDIST, &symlink)), "pypi_invalid_archive");
    let hardlink = tar_gz(|tar| {
        add_file(tar, "arca_demo-1.0.post1/setup.cfg", PKG_INFO);
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Link);
        header.set_size(0);
        tar.append_link(&mut header, "arca_demo-1.0.post1/PKG-INFO", "arca_demo-1.0.post1/setup.cfg").unwrap();
    });
    assert_eq!(code(extract(SDIST, &hardlink)), "pypi_invalid_archive");
    let deep = tar_gz(|tar| add_file(tar, "arca_demo-1.0.post1/src/arca_demo.egg-info/PKG-INFO", PKG_INFO));
    assert_eq!(code(extract(SDIST, &deep)), "pypi_missing_metadata");
    let top = tar_gz(|tar| add_file(tar, "PKG-INFO", PKG_INFO));
    assert_eq!(code(extract(SDIST, &top)), "pypi_missing_metadata");
    let twice = tar_gz(|tar| {
        add_file(tar, "arca_demo-1.0.post1/PKG-INFO", PKG_INFO);
        add_file(tar, "arca_demo-1.0.post1/PKG-INFO", b"Name: evil\n");
    });
    assert_eq!(code(extract(SDIST, &twice)), "pypi_missing_metadata");
    let zip_two = zip_of(&[("a-1.0/PKG-INFO", PKG_INFO), ("b-1.0/PKG-INFO", PKG_INFO)]);
    assert_eq!(code(extract(SDIST_ZIP, &zip_two)), "pypi_missing_metadata");
}

#[test]
fn long_names_and_pax_paths_are_followed() {
    let dir = format!("arca_demo-1.0.post1{}", "x".repeat(150));
    let long = tar_gz(|tar| add_file(tar, &format!("{dir}/PKG-INFO"), PKG_INFO));
    assert_eq!(extract(SDIST, &long).unwrap(), PKG_INFO);
    let pax = tar_gz(|tar| {
        tar.append_pax_extensions([("path", &b"arca_demo-1.0.post1/PKG-INFO"[..])]).unwrap();
        add_file(tar, "something-else", PKG_INFO);
    });
    assert_eq!(extract(SDIST, &pax).unwrap(), PKG_INFO);
    // A PAX path that moves PKG-INFO two levels deep hides it.
    let hidden = tar_gz(|tar| {
        tar.append_pax_extensions([("path", &b"a/b/PKG-INFO"[..])]).unwrap();
        add_file(tar, "arca_demo-1.0.post1/PKG-INFO", PKG_INFO);
    });
    assert_eq!(code(extract(SDIST, &hidden)), "pypi_missing_metadata");
    let huge = vec![b'a'; 100 * 1024];
    let oversized = tar_gz(|tar| {
        tar.append_pax_extensions([("comment", &huge[..])]).unwrap();
        add_file(tar, "arca_demo-1.0.post1/PKG-INFO", PKG_INFO);
    });
    assert_eq!(code(extract(SDIST, &oversized)), "pypi_archive_limit");
}

#[test]
fn corrupt_gzip_trailers_and_plain_tars_are_refused() {
    let mut bytes = fixture(SDIST);
    let n = bytes.len();
    bytes[n - 8] ^= 0xff; // CRC-32 of the decompressed data
    assert_eq!(code(extract(SDIST, &bytes)), "pypi_invalid_archive");
    let mut plain = tar::Builder::new(Vec::new());
    crate::add_file(&mut plain, "arca_demo-1.0.post1/PKG-INFO", PKG_INFO);
    assert_eq!(code(extract(SDIST, &plain.into_inner().unwrap())), "pypi_invalid_archive");
    // Gzip of something that is not a tar.
    assert_eq!(code(extract(SDIST, &gzip(&[7u8; 4096]))), "pypi_invalid_archive");
}
