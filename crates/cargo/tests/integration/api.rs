//! The web API's bodies, exactly as crates-io (inside cargo 1.95) reads them, and the requests it
//! sends: owners bodies captured from `cargo owner`, search query strings from `cargo search`.

use crate::fixture;
use arca_cargo::{
    CargoError, Owner, PublishWarnings, SearchHit, SearchQuery, error_body, ok_body, owners_body, owners_ok_body,
    parse_owners_request, publish_ok_body, search_body,
};

#[test]
fn bodies_are_spelled_as_cargo_reads_them() {
    assert_eq!(error_body("crate `x` is not yours").to_string(), r#"{"errors":[{"detail":"crate `x` is not yours"}]}"#);
    assert_eq!(
        publish_ok_body(&PublishWarnings::default()).to_string(),
        r#"{"warnings":{"invalid_badges":[],"invalid_categories":[],"other":[]}}"#
    );
    let warned = PublishWarnings { other: vec!["no license".to_owned()], ..Default::default() };
    assert_eq!(publish_ok_body(&warned)["warnings"]["other"][0], "no license");
    assert_eq!(ok_body().to_string(), r#"{"ok":true}"#);
    let owners = [
        Owner { id: 1, login: "alice".to_owned(), name: Some("Alice".to_owned()) },
        Owner { id: 2, login: "bob".to_owned(), name: None },
    ];
    assert_eq!(
        owners_body(&owners).to_string(),
        r#"{"users":[{"id":1,"login":"alice","name":"Alice"},{"id":2,"login":"bob","name":null}]}"#
    );
    assert_eq!(
        owners_ok_body("user alice has been invited").to_string(),
        r#"{"msg":"user alice has been invited","ok":true}"#
    );
    let hits = [SearchHit { name: "arca-base".to_owned(), max_version: "1.2.0".to_owned(), description: None }];
    assert_eq!(
        search_body(&hits, 1).to_string(),
        r#"{"crates":[{"description":null,"max_version":"1.2.0","name":"arca-base"}],"meta":{"total":1}}"#
    );
    assert_eq!(search_body(&[], u64::MAX)["meta"]["total"], u32::MAX, "cargo reads a u32");
}

#[test]
fn owners_requests_as_cargo_sends_them() {
    // `cargo owner --add alice,bob` sends one string; `--remove bob` another.
    assert_eq!(parse_owners_request(&fixture("owners-add.json")).unwrap(), ["alice", "bob"]);
    assert_eq!(parse_owners_request(&fixture("owners-remove.json")).unwrap(), ["bob"]);
    assert_eq!(parse_owners_request(br#"{"users":["a"," b ,a","c"]}"#).unwrap(), ["a", "b", "c"]);
    for bad in
        [&br#"{"users":[]}"#[..], br#"{"users":[","]}"#, br#"{"users":"a"}"#, b"{}", b"", br#"{"users":["a b"]}"#]
    {
        assert!(
            matches!(parse_owners_request(bad), Err(CargoError::InvalidRequest(_))),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    let many = format!(r#"{{"users":["{}"]}}"#, (0..101).map(|i| format!("u{i}")).collect::<Vec<_>>().join(","));
    assert!(parse_owners_request(many.as_bytes()).is_err());
}

#[test]
fn search_queries_as_cargo_sends_them() {
    // `cargo search 'arca base' --limit 5`
    let q = SearchQuery::parse("q=arca%20base&per_page=5");
    assert_eq!((q.q.as_str(), q.per_page, q.page, q.offset()), ("arca base", 5, 1, 0));
    let q = SearchQuery::parse("q=x&per_page=1000&page=3");
    assert_eq!((q.per_page, q.page, q.offset()), (100, 3, 200));
    let q = SearchQuery::parse("per_page=0&page=0");
    assert_eq!((q.q.as_str(), q.per_page, q.page), ("", 1, 1));
    let q = SearchQuery::parse("q=a+b&per_page=x");
    assert_eq!((q.q.as_str(), q.per_page), ("a b", 10));
    assert_eq!(SearchQuery::parse(&format!("q={}", "y".repeat(1000))).q.len(), 256);
}
