//! Read commands (`ls`, `info`, `search`), `repo …` against a server, and `login`/`logout`.

use super::credentials::{Credentials, Login, normalize};
use super::http::{Server, query_escape};
use super::reference::{VersionRef, parse_location, parse_property};
use super::{ClientFlags, Failure, Output, print_json};
use reqwest::Method;
use serde_json::{Value, json};

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    arca ls releases            # the packages of a repository\n  \
    arca ls releases/tool       # the versions of a package\n  \
    arca ls releases/tool --output json\n\n\
    Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 denied or unauthenticated, 5 verification failed.")]
pub struct LsArgs {
    #[command(flatten)]
    pub out: super::OutputFlag,
    /// <repo>[/<package>]
    pub location: String,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    arca info releases/tool@1.4.0\n  \
    arca info releases/tool@1.4.0 --output json | jq .properties\n\n\
    Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 denied or unauthenticated, 5 verification failed.")]
pub struct InfoArgs {
    #[command(flatten)]
    pub out: super::OutputFlag,
    /// <repo>/<package>@<version|sha256:…>
    pub reference: String,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    arca search --property vcs.revision=3f1c2ab\n  \
    arca search --repository releases --package 'tool*' --version '1.*' --has-property build.id\n  \
    arca search --digest sha256:…   # the version, or the version containing that file\n\n\
    Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 denied or unauthenticated, 5 verification failed.")]
pub struct SearchArgs {
    #[command(flatten)]
    pub out: super::OutputFlag,
    #[arg(long)]
    pub repository: Option<String>,
    /// oci, generic, …
    #[arg(long)]
    pub format: Option<String>,
    /// Package name glob (`*`, `?`).
    #[arg(long)]
    pub package: Option<String>,
    /// Version glob.
    #[arg(long)]
    pub version: Option<String>,
    /// key=value that must be set (repeatable: all must match).
    #[arg(long = "property")]
    pub properties: Vec<String>,
    /// A key that must be set (repeatable).
    #[arg(long = "has-property")]
    pub has_properties: Vec<String>,
    /// The digest of a version or of any of its files.
    #[arg(long)]
    pub digest: Option<String>,
    /// Only versions created at or after this time (RFC 3339).
    #[arg(long)]
    pub created_after: Option<String>,
    /// Only versions created before this time (RFC 3339).
    #[arg(long)]
    pub created_before: Option<String>,
    /// At most this many results.
    #[arg(long)]
    pub limit: Option<u32>,
    /// Continue after a previous page (its next_cursor).
    #[arg(long)]
    pub cursor: Option<String>,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
    arca login http://arca.internal:8080 --username alice --password-stdin < password.txt\n  \
    echo \"$ARCA_TOKEN\" | arca login http://arca.internal:8080 --token-stdin\n  \
    arca login https://arca.internal:8443 --ca-cert ca.pem --token-stdin < token.txt\n\n\
    Credentials are checked against the server, then saved in $XDG_CONFIG_HOME/arca/credentials.toml \
    (or ~/.config/arca/…) with mode 0600; that server becomes the default. A --ca-cert given here is \
    remembered for the server.\n\n\
    Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 denied or unauthenticated, 5 verification failed.")]
pub struct LoginArgs {
    /// The server URL (http://host:port or https://host:port).
    pub url: String,
    #[arg(long, short = 'u')]
    pub username: Option<String>,
    /// Read the password from standard input.
    #[arg(long, conflicts_with = "token_stdin")]
    pub password_stdin: bool,
    /// Read an API token from standard input.
    #[arg(long)]
    pub token_stdin: bool,
}

fn read_stdin_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

pub async fn login(args: &LoginArgs, flags: &ClientFlags) -> anyhow::Result<()> {
    let url = normalize(&args.url);
    let mut login = if args.token_stdin {
        Login { token: Some(read_stdin_line()?), ..Login::default() }
    } else if let Some(user) = &args.username {
        if !args.password_stdin {
            return Err(Failure::usage("--username needs --password-stdin (the password is never a flag)"));
        }
        Login { username: Some(user.clone()), password: Some(read_stdin_line()?), ..Login::default() }
    } else if args.password_stdin {
        return Err(Failure::usage("--password-stdin needs --username"));
    } else {
        Login::default()
    };
    // Saved absolute: later commands may run from anywhere.
    login.ca_cert = flags.ca_cert.as_deref().map(std::path::absolute).transpose()?;
    let server = Server::new(&url, Some(login.clone()), login.ca_cert.as_deref())?;
    server.get_json("/api/v1/repositories", &format!("logging in to {url}")).await?;
    let mut saved = Credentials::load()?;
    saved.servers.insert(url.clone(), login);
    saved.default = Some(url.clone());
    saved.save()?;
    println!("logged in to {url}");
    Ok(())
}

pub fn logout(flags: &ClientFlags) -> anyhow::Result<()> {
    let mut saved = Credentials::load()?;
    let Some(url) = saved.server(flags.server.as_deref()) else {
        println!("not logged in");
        return Ok(());
    };
    saved.servers.remove(&url);
    if saved.default.as_deref() == Some(url.as_str()) {
        saved.default = saved.servers.keys().next().cloned();
    }
    saved.save()?;
    println!("logged out of {url}");
    Ok(())
}

/// The JSON list under the first of `keys` (or the value itself when it is a list).
fn list_of(value: &Value, keys: &[&str]) -> Vec<Value> {
    if let Some(a) = value.as_array() {
        return a.clone();
    }
    keys.iter().find_map(|k| value[*k].as_array().cloned()).unwrap_or_default()
}

fn name_of(item: &Value, keys: &[&str]) -> String {
    if let Some(s) = item.as_str() {
        return s.to_owned();
    }
    keys.iter().find_map(|k| item[*k].as_str()).unwrap_or_default().to_owned()
}

/// Every item of a paginated management API list (`{"<key>": […], "next_cursor": …}`).
async fn all_pages(server: &Server, path: &str, key: &str, what: &str) -> anyhow::Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(c) => format!("{path}?cursor={}", query_escape(c)),
            None => path.to_owned(),
        };
        let page = server.get_json(&page_path, what).await?;
        items.extend(list_of(&page, &[key]));
        match page["next_cursor"].as_str() {
            Some(next) if !next.is_empty() && cursor.as_deref() != Some(next) => cursor = Some(next.to_owned()),
            _ => return Ok(items),
        }
    }
}

pub async fn ls(server: &Server, args: &LsArgs) -> anyhow::Result<()> {
    let output = args.out.output;
    let (repo, package) = parse_location(&args.location)?;
    let (api, keys, fallback) = match &package {
        None => (format!("/api/v1/repositories/{repo}/packages"), ["packages", "name", "package"], None),
        Some(p) => (
            format!("/api/v1/repositories/{repo}/packages/{p}/versions"),
            ["versions", "version", "name"],
            Some(format!("/v2/{repo}/{p}/tags/list")),
        ),
    };
    let items: Vec<Value> = match all_pages(server, &api, keys[0], &args.location).await {
        Ok(items) => items,
        Err(e) if super::exit_code(&e) == Failure::NOT_FOUND => match &fallback {
            // The management API has no listing here: the OCI tag list has the versions.
            Some(path) => {
                let tags = server.get_json(path, &args.location).await?;
                list_of(&tags, &["tags"])
            }
            None => {
                // Fall back to the catalog, filtered to the repository.
                let catalog = server.get_json("/v2/_catalog?n=10000", &args.location).await.map_err(|_| e)?;
                let prefix = format!("{repo}/");
                list_of(&catalog, &["repositories"])
                    .into_iter()
                    .filter_map(|n| n.as_str().and_then(|n| n.strip_prefix(&prefix)).map(|p| json!(p)))
                    .collect()
            }
        },
        Err(e) => return Err(e),
    };
    match output {
        Output::Json => print_json(&Value::Array(items))?,
        Output::Text => {
            for item in &items {
                match (item["digest"].as_str(), item["created_at"].as_str()) {
                    (Some(digest), created) => {
                        println!("{}\t{digest}\t{}", name_of(item, &keys[1..]), created.unwrap_or("-"));
                    }
                    _ => println!("{}", name_of(item, &keys[1..])),
                }
            }
        }
    }
    Ok(())
}

pub async fn info(server: &Server, args: &InfoArgs) -> anyhow::Result<()> {
    let output = args.out.output;
    let r = VersionRef::parse(&args.reference)?;
    let name = r.name();
    let manifest: Value =
        serde_json::from_slice(&server.manifest(&name.to_string(), &r.reference.to_string(), &args.reference).await?)?;
    let mut info = if r.is_digest() {
        let files: Vec<Value> = list_of(&manifest, &["layers"])
            .iter()
            .map(|l| {
                json!({ "name": l["annotations"]["org.opencontainers.image.title"], "digest": l["digest"],
                    "size": l["size"], "media_type": l["mediaType"] })
            })
            .collect();
        let size: u64 = files.iter().filter_map(|f| f["size"].as_u64()).sum();
        let mut info = json!({ "repository": r.repo, "package": r.package, "digest": r.reference, "size": size,
            "files": files, "properties": {} });
        // The version(s) and properties of this manifest, when the search API knows them.
        let path = format!(
            "/api/v1/search?repository={}&digest={}&limit=100",
            query_escape(&r.repo),
            query_escape(&r.reference)
        );
        if let Ok(page) = server.get_json(&path, "search").await {
            let hits: Vec<Value> = list_of(&page, &["results"])
                .into_iter()
                .filter(|h| h["package"] == r.package.as_str() && h["digest"] == r.reference.as_str())
                .collect();
            if let Some(hit) = hits.first() {
                info["properties"] = hit["properties"].clone();
                info["versions"] = json!(hits.iter().map(|h| h["version"].clone()).collect::<Vec<_>>());
            }
        }
        info
    } else {
        let path = format!("/api/v1/repositories/{}/packages/{}/versions/{}", r.repo, r.package, r.reference);
        server.get_json(&path, &args.reference).await?
    };
    let digest = info["digest"].as_str().unwrap_or_default().to_owned();
    let referrers = server.get_json(&format!("/v2/{name}/referrers/{digest}"), "referrers").await?;
    info["artifact_type"] = manifest["artifactType"].clone();
    info["referrers"] = json!(list_of(&referrers, &["manifests"]));
    match output {
        Output::Json => print_json(&info)?,
        Output::Text => {
            println!("{}@{}", name, info["version"].as_str().unwrap_or(&r.reference));
            println!("digest:   {digest}");
            println!("size:     {}", info["size"]);
            println!("files:");
            for f in list_of(&info, &["files"]) {
                println!(
                    "  {}\t{}\t{}",
                    f["digest"].as_str().unwrap_or(""),
                    f["size"],
                    f["name"].as_str().unwrap_or("")
                );
            }
            println!("properties:");
            if let Some(props) = info["properties"].as_object() {
                for (k, values) in props {
                    for v in list_of(values, &[]) {
                        println!("  {k}={}", v.as_str().unwrap_or(""));
                    }
                }
            }
            println!("referrers:");
            for m in list_of(&info, &["referrers"]) {
                println!("  {}\t{}", m["digest"].as_str().unwrap_or(""), m["artifactType"].as_str().unwrap_or("-"));
            }
        }
    }
    Ok(())
}

/// A hit's provenance for the text output: its `vcs.*` and `build.*` properties as `key=value`
/// separated by spaces (the fourth column), or `-`.
fn provenance_of(properties: &serde_json::Value) -> String {
    let Some(map) = properties.as_object() else { return "-".to_owned() };
    let pairs: Vec<String> = map
        .iter()
        .filter(|(k, _)| k.starts_with("vcs.") || k.starts_with("build."))
        .flat_map(|(k, values)| {
            let values = values.as_array().cloned().unwrap_or_default();
            values.into_iter().map(move |v| format!("{k}={}", v.as_str().unwrap_or_default()))
        })
        .collect();
    if pairs.is_empty() { "-".to_owned() } else { pairs.join(" ") }
}

pub async fn search(server: &Server, args: &SearchArgs) -> anyhow::Result<()> {
    let output = args.out.output;
    let mut query: Vec<(&str, String)> = Vec::new();
    let singles = [
        ("repository", &args.repository),
        ("format", &args.format),
        ("package", &args.package),
        ("version", &args.version),
        ("digest", &args.digest),
        ("created_after", &args.created_after),
        ("created_before", &args.created_before),
        ("cursor", &args.cursor),
    ];
    for (k, v) in singles {
        if let Some(v) = v {
            query.push((k, v.clone()));
        }
    }
    for p in &args.properties {
        parse_property(p)?;
        query.push(("property", p.clone()));
    }
    for k in &args.has_properties {
        query.push(("has_property", k.clone()));
    }
    if let Some(limit) = args.limit {
        query.push(("limit", limit.to_string()));
    }
    let qs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", query_escape(v))).collect();
    let path = if qs.is_empty() { "/api/v1/search".to_owned() } else { format!("/api/v1/search?{}", qs.join("&")) };
    let page = server.get_json(&path, "search").await?;
    match output {
        Output::Json => print_json(&page)?,
        Output::Text => {
            for r in list_of(&page, &["results"]) {
                let s = |k: &str| r[k].as_str().unwrap_or("-").to_owned();
                println!(
                    "{}/{}@{}\t{}\t{}\t{}",
                    s("repository"),
                    s("package"),
                    s("version"),
                    s("digest"),
                    s("created_at"),
                    provenance_of(&r["properties"])
                );
            }
            if let Some(next) = page["next_cursor"].as_str() {
                println!("more: --cursor {next}");
            }
        }
    }
    Ok(())
}

/// `arca repo create|ls|rm` against a server.
pub async fn repo(server: &Server, command: &crate::repo::RepoCommand) -> anyhow::Result<()> {
    use crate::repo::RepoCommand as C;
    match command {
        C::Create { name, format, policy } => {
            let crate::repo::PolicyFlags { mutable_tags, stage, quota_bytes, promotion, allow_unpublish } = policy;
            let body = json!({
                "name": name, "format": format, "mutable_tags": mutable_tags, "stage": stage, "quota_bytes": quota_bytes,
                "promote_from": promotion.promote_from, "gates": promotion.gates, "pull_gates": promotion.pull_gates,
                "allow_unpublish": allow_unpublish.unwrap_or(false),
            });
            let rb = server.request(Method::POST, "/api/v1/repositories").json(&body);
            server.send(rb, &format!("creating repository {name}")).await?;
            println!("created repository {name} ({format})");
        }
        C::Update { name, policy, no_gates, no_pull_gates } => {
            let crate::repo::PolicyFlags { mutable_tags, stage, quota_bytes, promotion, allow_unpublish } = policy;
            let mut body = serde_json::Map::new();
            if let Some(allow) = allow_unpublish {
                body.insert("allow_unpublish".into(), json!(allow));
            }
            if !mutable_tags.is_empty() {
                body.insert("mutable_tags".into(), json!(mutable_tags));
            }
            if let Some(stage) = stage {
                body.insert("stage".into(), json!(stage));
            }
            if let Some(quota) = quota_bytes {
                body.insert("quota_bytes".into(), json!(quota));
            }
            if !promotion.promote_from.is_empty() {
                body.insert("promote_from".into(), json!(promotion.promote_from));
            }
            if *no_gates || !promotion.gates.is_empty() {
                body.insert("gates".into(), json!(promotion.gates));
            }
            if *no_pull_gates || !promotion.pull_gates.is_empty() {
                body.insert("pull_gates".into(), json!(promotion.pull_gates));
            }
            let rb = server.request(Method::PATCH, &format!("/api/v1/repositories/{name}")).json(&body);
            server.send(rb, &format!("updating repository {name}")).await?;
            println!("updated repository {name}");
        }
        C::Ls { out } => {
            let repos = server.get_json("/api/v1/repositories", "listing repositories").await?;
            match out.output {
                Output::Json => print_json(&repos)?,
                Output::Text => {
                    for r in list_of(&repos, &["repositories"]) {
                        let s = |k: &str| r[k].as_str().unwrap_or("-").to_owned();
                        let tags: Vec<String> =
                            list_of(&r["mutable_tags"], &[]).iter().map(|t| name_of(t, &[])).collect();
                        println!(
                            "{}\t{}\t{}\tstage={}\tmutable_tags={}",
                            s("name"),
                            s("format"),
                            s("kind"),
                            s("stage"),
                            tags.join(",")
                        );
                    }
                }
            }
        }
        C::Rm { name } => {
            let rb = server.request(Method::DELETE, &format!("/api/v1/repositories/{name}"));
            server.send(rb, &format!("deleting repository {name}")).await?;
            println!("deleted repository {name}");
        }
    }
    Ok(())
}
