//! The UI's URLs, parsed once into an [`Endpoint`] (pure), and what each needs of the caller.
//!
//! `/ui/repositories/<repo>/packages/<package…>[/versions/<version>]`: a package may contain `/`, so
//! the path after `packages/` is read from its end. Each segment is percent-decoded on its own (so
//! `%2F` never makes a separator) and the names are checked as the registry checks them; the needs
//! come from those decoded names, never from the raw path.

use arca_core::auth::{Action, Need};
use arca_http::Access;
use arca_types::{OciName, PackageName, Reference, RepoName, Tag};
use http::Method;

/// What a request to `/ui` addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `GET /ui`: to `/ui/`.
    Home,
    /// `GET /ui/`: the repositories and a search box.
    Repositories,
    Repository(RepoName),
    Package(OciName),
    /// A version by tag, or any manifest of the package by digest (a referrer, an index child).
    Version(OciName, Reference),
    /// `GET /ui/search?…` (the API's search parameters).
    Search,
    /// `GET /ui/audit?…` (the API's audit filters).
    Audit,
    Dashboard,
    /// `GET /ui/favicon.svg`: the icon every page links to.
    Favicon,
    /// `GET /ui/login`: the sign-in form.
    LoginForm,
    /// `POST /ui/login`.
    Login,
    /// `POST /ui/logout`.
    Logout,
    /// `/ui/promote/<repo>/<package…>/<version>[?to=<target>]`: the dry run's gate checklist (GET), the
    /// promotion (POST).
    Promote(OciName, Tag, Step),
    /// `/ui/approve/<repo>/<package…>/<version>[?to=<target>]`: the caller's approval.
    Approve(OciName, Tag, Step),
    /// `/ui/properties/<repo>/<package…>/<version>[?key=&value=&remove=]`: one property key changed.
    Properties(OciName, Tag, Step),
    /// `/ui/yank/<repo>/<package…>/<version>[?undo=1]`: the format's yank (PyPI, Cargo) or
    /// deprecation (npm), or its undoing.
    Yank(OciName, Tag, Step),
    /// `GET /ui/history/<repo>/<package…>`: promotions there, and what runs where.
    History(OciName),
    /// `GET /ui/retention/<repo>`: what the retention policy would delete now.
    Retention(RepoName),
    /// `GET /ui/storage`: bytes per repository, by age.
    Storage,
    /// `/ui/tokens`: the caller's own API tokens (GET), a new one (POST).
    Tokens(Step),
    /// `/ui/tokens/revoke[?id=]`: revoking one of them.
    RevokeToken(Step),
}

/// Every action is two requests: a `GET` shows what will happen, a `POST` (with the CSRF token) does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Confirm,
    Commit,
}

/// Why a request names no endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    NotFound,
    /// A name the registry would refuse (answered like an unknown one).
    BadName(String),
    /// The path exists; the method is not one of `allow`.
    MethodNotAllowed(&'static str),
}

/// Parses a request line (pure; the query is read by the page that needs it).
pub fn parse(method: &Method, path: &str, _query: Option<&str>) -> Result<Endpoint, RouteError> {
    let Some(rest) = path.strip_prefix("/ui") else { return Err(RouteError::NotFound) };
    let reading = matches!(*method, Method::GET | Method::HEAD);
    let page = |endpoint: Endpoint| if reading { Ok(endpoint) } else { Err(RouteError::MethodNotAllowed("GET, HEAD")) };
    match rest {
        "" => page(Endpoint::Home),
        "/" => page(Endpoint::Repositories),
        "/search" => page(Endpoint::Search),
        "/audit" => page(Endpoint::Audit),
        "/dashboard" => page(Endpoint::Dashboard),
        "/favicon.svg" => page(Endpoint::Favicon),
        "/login" if *method == Method::POST => Ok(Endpoint::Login),
        "/login" => page(Endpoint::LoginForm).map_err(|_| RouteError::MethodNotAllowed("GET, HEAD, POST")),
        "/logout" if *method == Method::POST => Ok(Endpoint::Logout),
        "/logout" => Err(RouteError::MethodNotAllowed("POST")),
        "/storage" => page(Endpoint::Storage),
        "/tokens" => step(method).map(Endpoint::Tokens),
        "/tokens/revoke" => step(method).map(Endpoint::RevokeToken),
        _ if rest.starts_with("/repositories/") => page(browse(&rest["/repositories/".len()..])?),
        _ => action(method, rest),
    }
}

/// `GET`/`HEAD` confirm, `POST` commits.
fn step(method: &Method) -> Result<Step, RouteError> {
    match *method {
        Method::GET | Method::HEAD => Ok(Step::Confirm),
        Method::POST => Ok(Step::Commit),
        _ => Err(RouteError::MethodNotAllowed("GET, HEAD, POST")),
    }
}

/// `/<action>/<repo>/<package…>[/<version>]`: the actions on a version and the pages of a package or
/// a repository that are not part of the browsing paths.
fn action(method: &Method, rest: &str) -> Result<Endpoint, RouteError> {
    let (verb, target) = rest.trim_start_matches('/').split_once('/').ok_or(RouteError::NotFound)?;
    let target = target.strip_suffix('/').unwrap_or(target);
    let reading = matches!(*method, Method::GET | Method::HEAD);
    let read_only =
        |endpoint: Endpoint| if reading { Ok(endpoint) } else { Err(RouteError::MethodNotAllowed("GET, HEAD")) };
    match verb {
        "retention" => read_only(Endpoint::Retention(repo_name(target)?)),
        "history" => {
            let (repo, package) = target.split_once('/').ok_or(RouteError::NotFound)?;
            read_only(Endpoint::History(oci_name(repo, package)?))
        }
        "promote" | "approve" | "properties" | "yank" => {
            let (repo, rest) = target.split_once('/').ok_or(RouteError::NotFound)?;
            let (package, version) = rest.rsplit_once('/').ok_or(RouteError::NotFound)?;
            let name = oci_name(repo, package)?;
            let version = decode(version)?;
            let version = Tag::parse(&version).map_err(|_| RouteError::BadName(version))?;
            let step = step(method)?;
            Ok(match verb {
                "promote" => Endpoint::Promote(name, version, step),
                "approve" => Endpoint::Approve(name, version, step),
                "yank" => Endpoint::Yank(name, version, step),
                _ => Endpoint::Properties(name, version, step),
            })
        }
        _ => Err(RouteError::NotFound),
    }
}

fn repo_name(raw: &str) -> Result<RepoName, RouteError> {
    if raw.contains('/') {
        return Err(RouteError::NotFound);
    }
    let repo = decode(raw)?;
    RepoName::parse(&repo).map_err(|_| RouteError::BadName(repo))
}

fn oci_name(repo: &str, package: &str) -> Result<OciName, RouteError> {
    let repo = repo_name(repo)?;
    let package = decode(package)?;
    let package = PackageName::parse(&package).map_err(|_| RouteError::BadName(package))?;
    Ok(OciName::new(repo, package))
}

/// `<repo>`, `<repo>/packages/<package…>` or `<repo>/packages/<package…>/versions/<version>`.
fn browse(rest: &str) -> Result<Endpoint, RouteError> {
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (repo, package) = match rest.split_once("/packages/") {
        Some((repo, package)) => (repo, Some(package)),
        None => (rest, None),
    };
    if repo.contains('/') {
        return Err(RouteError::NotFound);
    }
    let repo = decode(repo)?;
    let repo = RepoName::parse(&repo).map_err(|_| RouteError::BadName(repo))?;
    let Some(package) = package else { return Ok(Endpoint::Repository(repo)) };
    let (package, version) = match package.rsplit_once("/versions/") {
        Some((package, version)) if !version.contains('/') => (package, Some(version)),
        _ => (package, None),
    };
    let package = decode(package)?;
    let package = PackageName::parse(&package).map_err(|_| RouteError::BadName(package))?;
    let name = OciName::new(repo, package);
    match version {
        None => Ok(Endpoint::Package(name)),
        Some(version) => {
            let version = decode(version)?;
            let version = Reference::parse(&version).map_err(|_| RouteError::BadName(version))?;
            Ok(Endpoint::Version(name, version))
        }
    }
}

/// Percent-decodes each `/`-separated segment on its own; a decoded `/` is refused.
fn decode(raw: &str) -> Result<String, RouteError> {
    let mut out = Vec::new();
    for segment in raw.split('/') {
        let text = percent_encoding::percent_decode_str(segment).decode_utf8().map_err(|_| RouteError::NotFound)?;
        if text.contains('/') {
            return Err(RouteError::BadName(text.into_owned()));
        }
        out.push(text.into_owned());
    }
    Ok(out.join("/"))
}

/// What each endpoint needs. Pages show only what the caller may read: a repository's pages need
/// `read` on it (refused with 403, as the API's listings are); the lists are filtered by the page.
/// `anonymous_reads`: the server opens some repositories to anonymous readers (`auth.anonymous_read`),
/// so the pages that list what the caller may read (repositories, search) are open to anyone, as the
/// API's search is; without it they need a sign-in first (an anonymous visitor is sent to the form).
pub fn needs(parsed: &Result<Endpoint, RouteError>, anonymous_reads: bool) -> Access {
    let endpoint = match parsed {
        Ok(endpoint) => endpoint,
        // A request that names no page still needs credentials before it learns so.
        Err(_) => return Access::Needs(vec![Need::Authenticated]),
    };
    match endpoint {
        // Signing in checks the password itself; the form is for everyone.
        Endpoint::LoginForm | Endpoint::Login => Access::Public,
        // Anyone may end a session (the CSRF token is still checked).
        Endpoint::Logout => Access::Needs(Vec::new()),
        Endpoint::Home | Endpoint::Repositories | Endpoint::Search if anonymous_reads => Access::Needs(Vec::new()),
        // The node's own counters say nothing any repository's readers may know: signed in.
        Endpoint::Home | Endpoint::Repositories | Endpoint::Search | Endpoint::Dashboard => {
            Access::Needs(vec![Need::Authenticated])
        }
        // Its icon, on every page (the sign-in form too).
        Endpoint::Favicon => Access::Public,
        // As the API's audit log: an administrator of every repository.
        Endpoint::Audit => Access::Needs(vec![Need::Everywhere(Action::Admin)]),
        Endpoint::Repository(repo) => Access::Needs(vec![Need::on(Action::Read, repo.as_str())]),
        Endpoint::Package(name) | Endpoint::Version(name, _) | Endpoint::History(name) => {
            Access::Needs(vec![Need::on(Action::Read, name.repository.as_str())])
        }
        // As the API's retention plan: read on the repository; the storage report: an administrator.
        Endpoint::Retention(repo) => Access::Needs(vec![Need::on(Action::Read, repo.as_str())]),
        Endpoint::Storage => Access::Needs(vec![Need::Everywhere(Action::Admin)]),
        // As the API's promotions: the source is read here; the use case checks read on the source and
        // promote on the target (named in the query or the form) and audits a refusal. Signed in, even
        // where anonymous visitors may read: an action is someone's.
        Endpoint::Promote(name, ..) | Endpoint::Approve(name, ..) => {
            Access::Needs(vec![Need::Authenticated, Need::on(Action::Read, name.repository.as_str())])
        }
        // As the API's `PATCH …/properties` (a PyPI yank too), `cargo yank` and `npm deprecate`: publish
        // on the repository, to see the form as to post it; a crate's owners are checked by the use case.
        Endpoint::Properties(name, ..) | Endpoint::Yank(name, ..) => {
            Access::Needs(vec![Need::on(Action::Publish, name.repository.as_str())])
        }
        // As `/api/v1/tokens`: credentials; the handler keeps to the caller's own tokens.
        Endpoint::Tokens(_) | Endpoint::RevokeToken(_) => Access::Needs(vec![Need::Authenticated]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> Result<Endpoint, RouteError> {
        parse(&Method::GET, path, None)
    }

    #[test]
    fn pages_are_parsed() {
        assert_eq!(get("/ui"), Ok(Endpoint::Home));
        assert_eq!(get("/ui/"), Ok(Endpoint::Repositories));
        assert_eq!(get("/ui/search"), Ok(Endpoint::Search));
        assert_eq!(get("/ui/audit"), Ok(Endpoint::Audit));
        assert_eq!(get("/ui/dashboard"), Ok(Endpoint::Dashboard));
        assert_eq!(get("/ui/login"), Ok(Endpoint::LoginForm));
        assert_eq!(parse(&Method::POST, "/ui/login", None), Ok(Endpoint::Login));
        assert_eq!(parse(&Method::POST, "/ui/logout", None), Ok(Endpoint::Logout));
        assert_eq!(get("/ui/repositories/dev"), Ok(Endpoint::Repository(RepoName::parse("dev").unwrap())));
        let name = OciName::new(RepoName::parse("dev").unwrap(), PackageName::parse("team/app").unwrap());
        assert_eq!(get("/ui/repositories/dev/packages/team/app"), Ok(Endpoint::Package(name.clone())));
        assert_eq!(
            get("/ui/repositories/dev/packages/team/app/versions/1.0"),
            Ok(Endpoint::Version(name, Reference::Tag(Tag::parse("1.0").unwrap())))
        );
        let odd = get("/ui/repositories/dev/packages/versions/versions/versions").unwrap();
        assert!(
            matches!(odd, Endpoint::Version(ref n, ref v) if n.package.as_str() == "versions" && v.to_string() == "versions")
        );
    }

    #[test]
    fn actions_and_reports_are_parsed() {
        let name = OciName::new(RepoName::parse("dev").unwrap(), PackageName::parse("team/app").unwrap());
        let v = Tag::parse("1.0").unwrap();
        let post = |path: &str| parse(&Method::POST, path, None);
        assert_eq!(get("/ui/promote/dev/team/app/1.0"), Ok(Endpoint::Promote(name.clone(), v.clone(), Step::Confirm)));
        assert_eq!(post("/ui/promote/dev/team/app/1.0"), Ok(Endpoint::Promote(name.clone(), v.clone(), Step::Commit)));
        assert_eq!(post("/ui/approve/dev/team/app/1.0"), Ok(Endpoint::Approve(name.clone(), v.clone(), Step::Commit)));
        assert_eq!(get("/ui/properties/dev/team/app/1.0"), Ok(Endpoint::Properties(name.clone(), v, Step::Confirm)));
        assert_eq!(
            post("/ui/yank/dev/team/app/1.0"),
            Ok(Endpoint::Yank(name.clone(), Tag::parse("1.0").unwrap(), Step::Commit))
        );
        assert_eq!(get("/ui/history/dev/team/app"), Ok(Endpoint::History(name)));
        assert_eq!(get("/ui/retention/dev"), Ok(Endpoint::Retention(RepoName::parse("dev").unwrap())));
        assert_eq!(get("/ui/storage"), Ok(Endpoint::Storage));
        assert_eq!(post("/ui/tokens"), Ok(Endpoint::Tokens(Step::Commit)));
        assert_eq!(get("/ui/tokens/revoke"), Ok(Endpoint::RevokeToken(Step::Confirm)));
    }

    #[test]
    fn bad_names_and_methods_are_refused() {
        assert_eq!(get("/ui/nothing"), Err(RouteError::NotFound));
        assert_eq!(get("/ui/promote/dev"), Err(RouteError::NotFound));
        assert_eq!(get("/ui/history/dev"), Err(RouteError::NotFound));
        assert_eq!(parse(&Method::POST, "/ui/history/dev/app", None), Err(RouteError::MethodNotAllowed("GET, HEAD")));
        assert_eq!(parse(&Method::DELETE, "/ui/tokens", None), Err(RouteError::MethodNotAllowed("GET, HEAD, POST")));
        assert!(matches!(get("/ui/promote/dev/app/a%2Fb"), Err(RouteError::BadName(_))));
        assert_eq!(get("/ui/repositories/%3Cscript%3E"), Err(RouteError::BadName("<script>".into())));
        assert!(matches!(get("/ui/repositories/dev/packages/a%2Fb"), Err(RouteError::BadName(_))), "no %2F separator");
        assert!(matches!(get("/ui/repositories/dev/packages/Up"), Err(RouteError::BadName(_))));
        assert_eq!(get("/ui/repositories/a/b"), Err(RouteError::NotFound));
        assert_eq!(parse(&Method::POST, "/ui/", None), Err(RouteError::MethodNotAllowed("GET, HEAD")));
        assert_eq!(get("/ui/logout"), Err(RouteError::MethodNotAllowed("POST")));
        assert_eq!(parse(&Method::DELETE, "/ui/login", None), Err(RouteError::MethodNotAllowed("GET, HEAD, POST")));
    }

    #[test]
    fn every_endpoint_has_a_rule_from_the_decoded_name() {
        for path in [
            "/ui",
            "/ui/",
            "/ui/search",
            "/ui/audit",
            "/ui/dashboard",
            "/ui/favicon.svg",
            "/ui/login",
            "/ui/repositories/dev",
            "/ui/repositories/dev/packages/app",
            "/ui/repositories/dev/packages/app/versions/1",
            "/ui/nothing",
            "/ui/promote/dev/app/1",
            "/ui/approve/dev/app/1",
            "/ui/properties/dev/app/1",
            "/ui/yank/dev/app/1",
            "/ui/history/dev/app",
            "/ui/retention/dev",
            "/ui/storage",
            "/ui/tokens",
            "/ui/tokens/revoke",
        ] {
            for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
                assert_ne!(needs(&parse(&method, path, None), false), Access::Unruled, "{method} {path}");
            }
        }
        let read_dev = Access::Needs(vec![Need::on(Action::Read, "dev-a")]);
        assert_eq!(needs(&get("/ui/repositories/dev-%61"), false), read_dev, "decoded before the need is stated");
        assert_eq!(needs(&get("/ui/repositories/dev-a/packages/x/versions/1"), false), read_dev);
        assert_eq!(needs(&get("/ui/audit"), false), Access::Needs(vec![Need::Everywhere(Action::Admin)]));
        assert_eq!(needs(&get("/ui/login"), false), Access::Public);
        let publish_dev = Access::Needs(vec![Need::on(Action::Publish, "dev-a")]);
        assert_eq!(needs(&parse(&Method::POST, "/ui/properties/dev-%61/x/1", None), false), publish_dev);
        assert_eq!(needs(&get("/ui/yank/dev-%61/x/1"), false), publish_dev);
        let signed_in_read_dev = Access::Needs(vec![Need::Authenticated, Need::on(Action::Read, "dev-a")]);
        assert_eq!(needs(&parse(&Method::POST, "/ui/promote/dev-%61/x/1", None), false), signed_in_read_dev);
        assert_eq!(needs(&get("/ui/storage"), false), Access::Needs(vec![Need::Everywhere(Action::Admin)]));
        assert_eq!(needs(&get("/ui/"), false), Access::Needs(vec![Need::Authenticated]));
        assert_eq!(needs(&get("/ui/nothing"), false), Access::Needs(vec![Need::Authenticated]));
        assert_eq!(needs(&get("/ui/favicon.svg"), false), Access::Public);
    }

    #[test]
    fn anonymous_readers_may_list_and_search_when_the_server_opens_repositories() {
        let open = |path: &str| needs(&get(path), true);
        assert_eq!(open("/ui/"), Access::Needs(Vec::new()));
        assert_eq!(open("/ui/search"), Access::Needs(Vec::new()));
        assert_eq!(open("/ui/repositories/dev"), Access::Needs(vec![Need::on(Action::Read, "dev")]));
        assert_eq!(open("/ui/dashboard"), Access::Needs(vec![Need::Authenticated]));
        assert_eq!(open("/ui/tokens"), Access::Needs(vec![Need::Authenticated]));
        let publish = Access::Needs(vec![Need::on(Action::Publish, "dev")]);
        assert_eq!(needs(&parse(&Method::POST, "/ui/properties/dev/x/1", None), true), publish);
        let signed_in = Access::Needs(vec![Need::Authenticated, Need::on(Action::Read, "dev")]);
        assert_eq!(open("/ui/promote/dev/x/1"), signed_in, "actions need a sign-in");
    }
}
