//! `arca_pypi::UploadForm::from_fields` and `check_file`: never panic; an accepted form has
//! action `file_upload`, a valid project name and PEP 440 version, lower-case hex digests of the
//! right lengths, `source` as an sdist's pyversion, and keeps every other field; refusals are
//! one line of printable ASCII.
//! Input: fields one per line, `name=value` (`\n` inside a value written as `\\n`); the first
//! line is a filename the form is checked against.
#![no_main]

use arca_pypi::{DistFilename, DistKind, UploadForm};
use libfuzzer_sys::fuzz_target;

fn ascii_line(message: &str) -> bool {
    message.bytes().all(|b| (b' '..=b'~').contains(&b))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.split('\n');
    let filename = lines.next().unwrap_or_default();
    let fields: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.replace("\\n", "\n")))
        .collect();
    let form = match UploadForm::from_fields(fields) {
        Ok(form) => form,
        Err(e) => {
            assert!(ascii_line(&e.to_string()), "{e}");
            return;
        }
    };
    assert_eq!(form.action, "file_upload");
    assert!(!form.name.is_empty() && !form.version.is_empty() && !form.metadata_version.is_empty());
    for (digest, len) in [(&form.sha256_digest, 64), (&form.md5_digest, 32), (&form.blake2_256_digest, 64)] {
        if let Some(d) = digest {
            assert!(d.len() == len && d.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{d}");
        }
    }
    if form.filetype == DistKind::Sdist {
        assert_eq!(form.pyversion, "source");
    }
    let _ = form.requires_python();
    if let Ok(file) = DistFilename::parse(filename)
        && let Err(e) = form.check_file(&file)
    {
        assert!(ascii_line(&e.to_string()), "{e}");
    }
});
