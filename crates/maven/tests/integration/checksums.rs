//! Checksum files as clients write them, and the response headers.

use crate::fixture;
use arca_maven::{ChecksumAlgorithm, ChecksumHasher, ErrorKind, parse_checksum_file};

const SHA1: &str = "d28fb90764b580f4b6362c8ca21aaeeb56391381";

#[test]
fn checksum_file_spellings_clients_write() {
    let sha1 = ChecksumAlgorithm::Sha1;
    for body in [
        SHA1.to_owned(),
        format!("{SHA1}\n"),
        format!("{SHA1}\r\n"),
        SHA1.to_uppercase(),
        format!("{SHA1}  tb-demo-0.1.0.pom\n"),
        format!("{SHA1} *tb-demo-0.1.0.pom"),
        format!("SHA1 (tb-demo-0.1.0.pom) = {SHA1}"),
        format!("tb-demo-0.1.0.pom: = {SHA1}"),
        format!("\n\n   {SHA1}   \n"),
    ] {
        assert_eq!(parse_checksum_file(sha1, body.as_bytes()).unwrap(), SHA1, "{body:?}");
    }
}

#[test]
fn checksum_files_that_are_no_checksum() {
    let sha1 = ChecksumAlgorithm::Sha1;
    for body in [
        String::new(),
        "\n \n".to_owned(),
        SHA1[..39].to_owned(),
        format!("{SHA1}0"),
        format!("{SHA1}\ttb-demo.pom"),
        format!("g{}", &SHA1[1..]),
        "d41d8cd98f00b204e9800998ecf8427e".to_owned(),
        format!("tb-demo-0.1.0.pom: {SHA1}"),
        format!("\u{feff}{SHA1}"),
    ] {
        let e = parse_checksum_file(sha1, body.as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{body:?}");
    }
    assert_eq!(parse_checksum_file(sha1, &[b'a'; 5000]).unwrap_err().kind(), ErrorKind::TooLarge);
    assert_eq!(parse_checksum_file(sha1, b"\xff\xfe").unwrap_err().kind(), ErrorKind::Invalid);
}

#[test]
fn verify_against_the_bytes() {
    let pom = fixture("deploy/bodies/001_tb-demo-0.1.0.pom");
    let sums = ChecksumHasher::of(&pom);
    assert_eq!(sums.sha1, SHA1);
    sums.verify(ChecksumAlgorithm::Sha1, format!("{}\n", SHA1.to_uppercase()).as_bytes()).unwrap();
    let e = sums.verify(ChecksumAlgorithm::Md5, &SHA1.as_bytes()[..32]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Mismatch);
    assert_eq!(sums.size, pom.len() as u64);
}

#[test]
fn response_headers() {
    let sums = ChecksumHasher::of(b"");
    let headers = sums.headers();
    assert_eq!(headers[0], ("X-Checksum-Md5", "d41d8cd98f00b204e9800998ecf8427e"));
    assert_eq!(headers[1], ("X-Checksum-Sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"));
    assert_eq!(headers[2].0, "X-Checksum-Sha256");
    assert_eq!(headers[3].1.len(), 128);
}
