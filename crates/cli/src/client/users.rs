//! `user …`, `token …` and `whoami` against a server (`/api/v1/users`, `/api/v1/tokens`,
//! `/api/v1/whoami`). Passwords travel only in request bodies and are printed only when generated here;
//! a token's text is printed once, when it is created.

use super::http::{Server, query_escape};
use super::{Output, OutputFlag, print_json};
use crate::users::{TokenCommand, UserCommand, read_password};
use reqwest::Method;
use serde_json::{Value, json};

fn texts(value: &Value) -> String {
    value
        .as_array()
        .map_or_else(String::new, |items| items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" "))
}

async fn send_json(server: &Server, method: Method, path: &str, body: &Value, what: &str) -> anyhow::Result<Value> {
    let response = server.send(server.request(method, path).json(body), what).await?;
    Ok(response.json().await.unwrap_or(Value::Null))
}

async fn delete(server: &Server, path: &str, what: &str) -> anyhow::Result<()> {
    server.send(server.request(Method::DELETE, path), what).await?;
    Ok(())
}

/// The password to set: from standard input, or a random one (`true`: print it, once).
fn new_password(from_stdin: bool) -> anyhow::Result<(String, bool)> {
    if from_stdin { Ok((read_password()?, false)) } else { Ok((arca_core::auth::secret::random_hex(16)?, true)) }
}

/// `arca user …` on a server (needs admin on every repository there).
pub async fn user(server: &Server, command: &UserCommand) -> anyhow::Result<()> {
    use UserCommand as C;
    match command {
        C::Add { name, grants, password_stdin, service_account } => {
            // No password: a service account.
            let mut body = json!({ "name": name, "grants": grants });
            let mut generated = None;
            if !service_account {
                let (password, shown) = new_password(*password_stdin)?;
                body["password"] = json!(password);
                generated = shown.then_some(password);
            }
            send_json(server, Method::POST, "/api/v1/users", &body, &format!("adding user {name}")).await?;
            println!("added user {name}");
            if let Some(password) = generated {
                println!("password (shown once): {password}");
            }
        }
        C::Ls { out } => {
            let users = server.get_json("/api/v1/users", "listing users").await?;
            match out.output {
                Output::Json => print_json(&users["users"])?,
                Output::Text => {
                    for u in users["users"].as_array().into_iter().flatten() {
                        let kind = if u["service_account"] == true { "service-account" } else { "user" };
                        println!("{}\t{kind}\t{}", u["name"].as_str().unwrap_or("-"), texts(&u["grants"]));
                    }
                }
            }
        }
        C::Rm { name } => {
            delete(server, &format!("/api/v1/users/{}", query_escape(name)), &format!("removing user {name}")).await?;
            println!("removed user {name} and their tokens");
        }
        C::Passwd { name, password_stdin } => {
            let (password, shown) = new_password(*password_stdin)?;
            let path = format!("/api/v1/users/{}", query_escape(name));
            let body = json!({ "password": password });
            send_json(server, Method::PATCH, &path, &body, &format!("changing the password of {name}")).await?;
            println!("password of {name} changed");
            if shown {
                println!("password (shown once): {password}");
            }
        }
        C::Grant { name, grants } => {
            let path = format!("/api/v1/users/{}", query_escape(name));
            let body = json!({ "grants": grants });
            send_json(server, Method::PATCH, &path, &body, &format!("replacing the grants of {name}")).await?;
            println!("grants of {name} replaced");
        }
    }
    Ok(())
}

/// `arca token …` on a server: one's own tokens, or (an administrator) anyone's with `--user`.
pub async fn token(server: &Server, command: &TokenCommand) -> anyhow::Result<()> {
    use TokenCommand as C;
    match command {
        C::Create { user, scopes, expires_in, description } => {
            let mut body = json!({ "scopes": scopes, "description": description });
            if let Some(expires_in) = expires_in {
                body["expires_in"] = json!(expires_in);
            }
            if let Some(user) = user {
                body["user"] = json!(user);
            }
            let created = send_json(server, Method::POST, "/api/v1/tokens", &body, "creating a token").await?;
            let s = |k: &str| created[k].as_str().unwrap_or("-").to_owned();
            println!("created token {} for {}; it is shown only this once:", s("id"), s("owner"));
            println!("{}", s("token"));
        }
        C::Ls { user, out } => {
            let path = match user {
                Some(user) => format!("/api/v1/tokens?user={}", query_escape(user)),
                None => "/api/v1/tokens".to_owned(),
            };
            let tokens = server.get_json(&path, "listing tokens").await?;
            match out.output {
                Output::Json => print_json(&tokens["tokens"])?,
                Output::Text => {
                    let now = now_millis();
                    for t in tokens["tokens"].as_array().into_iter().flatten() {
                        let state = crate::users::state(t["revoked_at"].as_i64(), t["expires_at"].as_i64(), now);
                        let s = |k: &str| t[k].as_str().unwrap_or("-").to_owned();
                        println!("{}\t{}\t{state}\t{}\t{}", s("id"), s("owner"), texts(&t["scopes"]), s("description"));
                    }
                }
            }
        }
        C::Revoke { id } => {
            delete(server, &format!("/api/v1/tokens/{}", query_escape(id)), &format!("revoking token {id}")).await?;
            println!("revoked token {id}");
        }
    }
    Ok(())
}

/// `arca whoami`: who the saved (or given) credentials are on the server, and what they hold.
pub async fn whoami(server: &Server, out: &OutputFlag) -> anyhow::Result<()> {
    let me = server.get_json("/api/v1/whoami", "whoami").await?;
    match out.output {
        Output::Json => print_json(&me)?,
        Output::Text => {
            println!("{}", me["name"].as_str().unwrap_or("-"));
            println!("grants: {}", texts(&me["grants"]));
            if !me["scopes"].is_null() {
                println!("token scopes: {}", texts(&me["scopes"]));
            }
        }
    }
    Ok(())
}

fn now_millis() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
