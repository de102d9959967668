//! `arca_pypi::DistFilename::parse`: never panics; what it accepts is a safe single filename
//! (at most 255 bytes, no separators, `..`, control characters or whitespace) whose parts agree:
//! the normalized name is PEP 503's of the project, the version parses as PEP 440, sdists have
//! no wheel tags and wheels all three, parsing is stable and a name is its own distribution.
//! Refusals are one line of printable ASCII.
//! Input: the string.
#![no_main]

use arca_pypi::{DistFilename, DistKind};
use arca_types::{Ecosystem, PackageId, Pep440};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(name) = std::str::from_utf8(data) else { return };
    let file = match DistFilename::parse(name) {
        Ok(file) => file,
        Err(e) => {
            assert!(e.to_string().bytes().all(|b| (b' '..=b'~').contains(&b)), "{e}");
            return;
        }
    };
    assert!(name.len() <= 255 && !name.contains(['/', '\\']) && !name.contains("..") && !name.starts_with('.'));
    assert!(!name.chars().any(|c| c.is_control() || c.is_whitespace()));
    assert_eq!(file.filename, name);
    let id = PackageId::parse(Ecosystem::Pypi, &file.project).expect("the project is a valid name");
    assert_eq!(id.normalized(), file.normalized);
    assert!(Pep440::parse(&file.version).is_ok());
    let tags = [&file.python_tag, &file.abi_tag, &file.platform_tag];
    match file.kind {
        DistKind::Wheel => assert!(tags.iter().all(|t| t.is_some()) && file.pyversion() != "source"),
        DistKind::Sdist => assert!(tags.iter().all(|t| t.is_none()) && file.build_tag.is_none() && file.pyversion() == "source"),
    }
    assert_eq!(DistFilename::parse(name).as_ref(), Ok(&file));
    assert!(file.same_distribution(&file));
});
