//! Users, tokens and server secrets: round-trips, audited writes, cascades.

use super::*;
use arca_core::auth::{Action, Permission, Role, Token, User};

fn user(name: &str) -> User {
    User {
        name: name.into(),
        password_hash: Some("$argon2id$fixture".into()),
        grants: vec![Permission::role(Role::Publisher, "dev-*"), Permission::role(Role::Reader, "*")],
        created_at: T0,
    }
}

fn token(id: &str, owner: &str, created_at: Millis) -> Token {
    Token {
        id: id.into(),
        owner: owner.into(),
        description: "ci".into(),
        hash: format!("hash-of-{id}"),
        scopes: vec![Permission::new("dev-*", &[Action::Read, Action::Publish])],
        created_at,
        expires_at: Some(created_at + 1000),
        revoked_at: None,
    }
}

async fn audit_count(store: &dyn MetaStore) -> i64 {
    store.audit_head().await.expect("audit_head").seq
}

pub(super) async fn user_round_trips(store: &dyn MetaStore) {
    assert_eq!(store.count_users().await.expect("count"), 0);
    assert!(store.create_user(&user("alice"), &audit("user.add")).await.expect("create_user"));
    assert!(!store.create_user(&user("alice"), &audit("user.add")).await.expect("again"), "names are unique");
    let service = User { password_hash: None, ..user("ci") };
    assert!(store.create_user(&service, &audit("user.add")).await.expect("create service account"));
    assert_eq!(store.get_user("alice").await.expect("get_user"), Some(user("alice")), "every field round-trips");
    assert_eq!(store.get_user("ci").await.expect("get_user"), Some(service));
    assert_eq!(store.get_user("nobody").await.expect("get_user"), None);
    let names: Vec<String> = store.list_users().await.expect("list").into_iter().map(|u| u.name).collect();
    assert_eq!(names, ["alice", "ci"]);
    assert_eq!(store.count_users().await.expect("count"), 2);
    let changed = User { password_hash: Some("$argon2id$new".into()), grants: vec![], ..user("alice") };
    assert!(store.update_user(&changed, &audit("user.passwd")).await.expect("update"));
    assert_eq!(store.get_user("alice").await.expect("get"), Some(changed));
    assert!(!store.update_user(&user("nobody"), &audit("user.passwd")).await.expect("update absent"));
    assert_eq!(audit_count(store).await, 3, "two creations and one update are audited; nothing else");
}

pub(super) async fn deleting_a_user_deletes_their_tokens(store: &dyn MetaStore) {
    store.create_user(&user("alice"), &audit("user.add")).await.expect("create");
    store.create_user(&user("bob"), &audit("user.add")).await.expect("create");
    store.create_token(&token("t1", "alice", T0), &audit("token.create")).await.expect("token");
    store.create_token(&token("t2", "bob", T0), &audit("token.create")).await.expect("token");
    assert!(store.delete_user("alice", &audit("user.remove")).await.expect("delete_user"));
    assert!(!store.delete_user("alice", &audit("user.remove")).await.expect("again"), "gone already");
    assert_eq!(store.get_user("alice").await.expect("get"), None);
    assert_eq!(store.get_token("t1").await.expect("get_token"), None, "the user's tokens go with them");
    assert!(store.get_token("t2").await.expect("get_token").is_some(), "others' tokens stay");
    assert_eq!(audit_count(store).await, 5);
}

pub(super) async fn token_round_trips_and_revokes_once(store: &dyn MetaStore) {
    store.create_user(&user("alice"), &audit("user.add")).await.expect("create");
    store.create_user(&user("bob"), &audit("user.add")).await.expect("create");
    let t1 = token("t1", "alice", T0);
    store.create_token(&t1, &audit("token.create")).await.expect("create_token");
    store.create_token(&token("t2", "alice", T0 + 5), &audit("token.create")).await.expect("create_token");
    store.create_token(&token("t3", "bob", T0 + 1), &audit("token.create")).await.expect("create_token");
    assert_eq!(store.get_token("t1").await.expect("get_token"), Some(t1.clone()), "every field round-trips");
    let ids = |tokens: Vec<Token>| tokens.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_tokens(Some("alice")).await.expect("list")), ["t2", "t1"], "newest first");
    assert_eq!(ids(store.list_tokens(None).await.expect("list")), ["t2", "t3", "t1"]);
    let dup = store.create_token(&token("t1", "bob", T0), &audit("token.create")).await;
    assert_eq!(dup.expect_err("token ids are unique").kind, ErrorKind::Conflict);
    assert!(store.revoke_token("t1", T0 + 10, &audit("token.revoke")).await.expect("revoke"));
    assert!(!store.revoke_token("t1", T0 + 20, &audit("token.revoke")).await.expect("again"), "revoked once");
    assert!(!store.revoke_token("absent", T0, &audit("token.revoke")).await.expect("absent"));
    let revoked = store.get_token("t1").await.expect("get").expect("still listed");
    assert_eq!(revoked.revoked_at, Some(T0 + 10));
    assert!(!revoked.is_live(T0 + 11));
    assert_eq!(audit_count(store).await, 6, "two users, three tokens, one revocation");
}

pub(super) async fn server_secret_keeps_the_first_value(store: &dyn MetaStore) {
    assert_eq!(store.server_secret("jwt", b"first").await.expect("secret"), b"first");
    assert_eq!(store.server_secret("jwt", b"second").await.expect("secret"), b"first", "stored once");
    assert_eq!(store.server_secret("other", &[0, 255, 7]).await.expect("secret"), [0, 255, 7]);
}
