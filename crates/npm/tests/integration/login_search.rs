//! Login, whoami, ping, search and error bodies.

use arca_npm::login::{login_ok_body, whoami_body};
use arca_npm::search::MAX_SEARCH_SIZE;
use arca_npm::{CouchUser, SearchHit, SearchQuery, error_body, render_search};
use proptest::prelude::*;
use serde_json::json;

#[test]
fn couch_user_bodies_as_npm_adduser_sends_them() {
    let body = br#"{"_id":"org.couchdb.user:ann","name":"ann","password":"pw","email":"a@x","type":"user","roles":[],"date":"2024-01-01T00:00:00.000Z"}"#;
    let user = CouchUser::parse(body).unwrap();
    assert_eq!((user.name.as_str(), user.password.as_deref()), ("ann", Some("pw")));
    user.check_url_user("org.couchdb.user:ann").unwrap();
    assert!(user.check_url_user("org.couchdb.user:bob").is_err());
    assert!(CouchUser::parse(br#"{"_id":"org.couchdb.user:bob","name":"ann"}"#).is_err());
    assert!(CouchUser::parse(br#"{"name":""}"#).is_err());
    assert_eq!(login_ok_body("ann", "t")["token"], "t");
    assert_eq!(whoami_body("ann"), json!({"username": "ann"}));
    assert_eq!(error_body("no"), json!({"error": "no"}));
}

#[test]
fn search_queries_are_read_and_answered() {
    let q = SearchQuery::parse("text=foo+bar%20baz&size=999&from=20&quality=0.6");
    assert_eq!((q.text.as_str(), q.size, q.from), ("foo bar baz", MAX_SEARCH_SIZE, 20));
    let q = SearchQuery::parse("text=x&size=nope");
    assert_eq!((q.size, q.from), (20, 0));
    let hit = SearchHit {
        name: "@s/p".into(),
        version: "1.0.0".into(),
        description: Some("d".into()),
        keywords: vec!["k".into()],
        date: "2024-01-01T00:00:00.000Z".into(),
        publisher: Some("ann".into()),
        link: None,
    };
    let body = render_search(&[hit], 1, "2024-01-02T00:00:00.000Z");
    assert_eq!(body["total"], 1);
    let package = &body["objects"][0]["package"];
    assert_eq!((package["name"].as_str(), package["scope"].as_str()), (Some("@s/p"), Some("s")));
    assert_eq!(package["publisher"]["username"], "ann");
    assert!(body["objects"][0]["score"]["detail"]["quality"].is_number());
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), q in "\\PC{0,60}") {
        let _ = CouchUser::parse(&bytes);
        let q = SearchQuery::parse(&q);
        prop_assert!(q.size >= 1 && q.size <= MAX_SEARCH_SIZE);
    }
}
