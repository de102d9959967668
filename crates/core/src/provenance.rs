//! Build provenance captured at publish time: which CI system built an artifact, from which source,
//! and the in-toto Statement v1 with an SLSA Provenance v1 predicate that describes it.
//!
//! Detection reads only environment variables each CI system documents (names below); the statement
//! follows `actions/attest-build-provenance` for GitHub Actions and the same shape for the others.

use arca_types::Digest;
use serde_json::{Value, json};

/// The CI systems arca recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiSystem {
    GithubActions,
    GitlabCi,
    Jenkins,
    Buildkite,
    CircleCi,
    AzurePipelines,
    /// Only `CI=true`: some CI, details unknown.
    Generic,
}

/// What a CI job's environment says about the build.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildInfo {
    pub system: Option<CiSystem>,
    /// SLSA `builder.id`.
    pub builder_id: String,
    /// SLSA `buildType`.
    pub build_type: String,
    pub build_id: Option<String>,
    pub build_url: Option<String>,
    pub vcs_url: Option<String>,
    pub vcs_revision: Option<String>,
    /// Branch or ref (`refs/heads/main` or `main`).
    pub vcs_branch: Option<String>,
    /// RFC 3339, when the CI system says.
    pub started: Option<String>,
}

const ARCA_BUILD_TYPE: &str = "https://arca.dev/buildtypes/ci/v1";

/// Detects the CI system from `env` (a lookup such as `|k| std::env::var(k).ok()`); `None` outside CI.
pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> Option<BuildInfo> {
    let get = |k: &str| env(k).filter(|v| !v.is_empty());
    let is = |k: &str| get(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if is("GITHUB_ACTIONS") {
        Some(github(&get))
    } else if is("GITLAB_CI") {
        Some(gitlab(&get))
    } else if is("BUILDKITE") {
        Some(buildkite(&get))
    } else if is("CIRCLECI") {
        Some(circleci(&get))
    } else if is("TF_BUILD") {
        Some(azure(&get))
    } else if get("JENKINS_URL").is_some() {
        Some(jenkins(&get))
    } else if is("CI") {
        Some(BuildInfo {
            system: Some(CiSystem::Generic),
            builder_id: "https://arca.dev/builders/generic-ci".into(),
            build_type: ARCA_BUILD_TYPE.into(),
            ..BuildInfo::default()
        })
    } else {
        None
    }
}

type Get<'a> = dyn Fn(&str) -> Option<String> + 'a;

fn github(get: &Get) -> BuildInfo {
    let server = get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
    let repo = get("GITHUB_REPOSITORY");
    let run = get("GITHUB_RUN_ID");
    let attempt = get("GITHUB_RUN_ATTEMPT").unwrap_or_else(|| "1".into());
    BuildInfo {
        system: Some(CiSystem::GithubActions),
        builder_id: get("GITHUB_WORKFLOW_REF")
            .map_or_else(|| format!("{server}/actions/runner"), |w| format!("{server}/{w}")),
        build_type: "https://actions.github.io/buildtypes/workflow/v1".into(),
        build_url: repo
            .as_ref()
            .zip(run.as_ref())
            .map(|(r, id)| format!("{server}/{r}/actions/runs/{id}/attempts/{attempt}")),
        build_id: run,
        vcs_url: repo.map(|r| format!("{server}/{r}")),
        vcs_revision: get("GITHUB_SHA"),
        vcs_branch: get("GITHUB_REF"),
        started: None,
    }
}

fn gitlab(get: &Get) -> BuildInfo {
    let server = get("CI_SERVER_URL").unwrap_or_else(|| "https://gitlab.com".into());
    BuildInfo {
        system: Some(CiSystem::GitlabCi),
        builder_id: get("CI_RUNNER_ID")
            .map_or_else(|| format!("{server}/gitlab-runner"), |id| format!("{server}/-/runners/{id}")),
        build_type: "https://gitlab.com/gitlab-org/gitlab-runner/-/blob/main/PROVENANCE.md".into(),
        build_id: get("CI_JOB_ID"),
        build_url: get("CI_JOB_URL"),
        vcs_url: get("CI_PROJECT_URL"),
        vcs_revision: get("CI_COMMIT_SHA"),
        vcs_branch: get("CI_COMMIT_REF_NAME"),
        started: get("CI_JOB_STARTED_AT"),
    }
}

fn jenkins(get: &Get) -> BuildInfo {
    BuildInfo {
        system: Some(CiSystem::Jenkins),
        builder_id: get("JENKINS_URL").unwrap_or_default(),
        build_type: ARCA_BUILD_TYPE.into(),
        build_id: get("BUILD_TAG").or_else(|| get("BUILD_NUMBER")),
        build_url: get("BUILD_URL"),
        vcs_url: get("GIT_URL"),
        vcs_revision: get("GIT_COMMIT"),
        vcs_branch: get("GIT_BRANCH").or_else(|| get("BRANCH_NAME")),
        started: None,
    }
}

fn buildkite(get: &Get) -> BuildInfo {
    let org = get("BUILDKITE_ORGANIZATION_SLUG").unwrap_or_default();
    BuildInfo {
        system: Some(CiSystem::Buildkite),
        builder_id: format!("https://buildkite.com/{org}/agents/{}", get("BUILDKITE_AGENT_ID").unwrap_or_default()),
        build_type: ARCA_BUILD_TYPE.into(),
        build_id: get("BUILDKITE_BUILD_ID"),
        build_url: get("BUILDKITE_BUILD_URL"),
        vcs_url: get("BUILDKITE_REPO"),
        vcs_revision: get("BUILDKITE_COMMIT"),
        vcs_branch: get("BUILDKITE_BRANCH"),
        started: None,
    }
}

fn circleci(get: &Get) -> BuildInfo {
    BuildInfo {
        system: Some(CiSystem::CircleCi),
        builder_id: "https://circleci.com".into(),
        build_type: ARCA_BUILD_TYPE.into(),
        build_id: get("CIRCLE_WORKFLOW_JOB_ID").or_else(|| get("CIRCLE_BUILD_NUM")),
        build_url: get("CIRCLE_BUILD_URL"),
        vcs_url: get("CIRCLE_REPOSITORY_URL"),
        vcs_revision: get("CIRCLE_SHA1"),
        vcs_branch: get("CIRCLE_BRANCH").or_else(|| get("CIRCLE_TAG")),
        started: None,
    }
}

fn azure(get: &Get) -> BuildInfo {
    let collection =
        get("SYSTEM_COLLECTIONURI").or_else(|| get("SYSTEM_TEAMFOUNDATIONCOLLECTIONURI")).unwrap_or_default();
    let project = get("SYSTEM_TEAMPROJECT").unwrap_or_default();
    let build = get("BUILD_BUILDID");
    BuildInfo {
        system: Some(CiSystem::AzurePipelines),
        builder_id: format!("{collection}{project}"),
        build_type: ARCA_BUILD_TYPE.into(),
        build_url: build.as_ref().map(|id| format!("{collection}{project}/_build/results?buildId={id}")),
        build_id: build,
        vcs_url: get("BUILD_REPOSITORY_URI"),
        vcs_revision: get("BUILD_SOURCEVERSION"),
        vcs_branch: get("BUILD_SOURCEBRANCH"),
        started: None,
    }
}

impl BuildInfo {
    /// The reserved build properties this information fills.
    pub fn properties(&self) -> Vec<(&'static str, String)> {
        let fields = [
            ("vcs.revision", &self.vcs_revision),
            ("vcs.url", &self.vcs_url),
            ("vcs.branch", &self.vcs_branch),
            ("build.id", &self.build_id),
            ("build.url", &self.build_url),
            ("build.started", &self.started),
        ];
        let mut out: Vec<_> = fields.into_iter().filter_map(|(k, v)| v.clone().map(|v| (k, v))).collect();
        out.push(("build.builder", self.builder_id.clone()));
        out
    }

    /// An in-toto Statement v1 whose subject is `subject` (a version's manifest) and whose predicate is
    /// SLSA Provenance v1 — the format cosign attest and slsa-verifier read.
    pub fn slsa_statement(&self, subject_name: &str, subject: &Digest, finished: Option<&str>) -> Value {
        let mut dependencies = Vec::new();
        if let Some(url) = &self.vcs_url {
            let reference = self.vcs_branch.as_deref().map(|b| format!("@{b}")).unwrap_or_default();
            let mut dep = json!({ "uri": format!("git+{url}{reference}") });
            if let Some(rev) = &self.vcs_revision {
                dep["digest"] = json!({ "gitCommit": rev });
            }
            dependencies.push(dep);
        }
        let mut metadata = serde_json::Map::new();
        if let Some(id) = self.build_url.as_ref().or(self.build_id.as_ref()) {
            metadata.insert("invocationId".into(), id.clone().into());
        }
        if let Some(t) = &self.started {
            metadata.insert("startedOn".into(), t.clone().into());
        }
        if let Some(t) = finished {
            metadata.insert("finishedOn".into(), t.into());
        }
        json!({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{ "name": subject_name, "digest": { subject.algorithm().as_str(): subject.hex() } }],
            "predicateType": "https://slsa.dev/provenance/v1",
            "predicate": {
                "buildDefinition": {
                    "buildType": self.build_type,
                    "externalParameters": { "source": self.vcs_url, "ref": self.vcs_branch },
                    "internalParameters": {},
                    "resolvedDependencies": dependencies,
                },
                "runDetails": { "builder": { "id": self.builder_id }, "metadata": metadata },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn detect_in(vars: &[(&str, &str)]) -> Option<BuildInfo> {
        let env: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        detect(&|k| env.get(k).cloned())
    }

    #[test]
    fn outside_ci_nothing_is_detected() {
        assert_eq!(detect_in(&[("HOME", "/root")]), None);
        assert_eq!(detect_in(&[("CI", "false")]), None);
    }

    #[test]
    fn github_actions() {
        let b = detect_in(&[
            ("CI", "true"),
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "acme/app"),
            ("GITHUB_SHA", "0123abcd"),
            ("GITHUB_REF", "refs/heads/main"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_WORKFLOW_REF", "acme/app/.github/workflows/ci.yml@refs/heads/main"),
        ])
        .unwrap();
        assert_eq!(b.system, Some(CiSystem::GithubActions));
        assert_eq!(b.builder_id, "https://github.com/acme/app/.github/workflows/ci.yml@refs/heads/main");
        assert_eq!(b.build_url.as_deref(), Some("https://github.com/acme/app/actions/runs/42/attempts/2"));
        assert_eq!(b.vcs_url.as_deref(), Some("https://github.com/acme/app"));
        assert_eq!(b.vcs_revision.as_deref(), Some("0123abcd"));
    }

    #[test]
    fn gitlab_ci() {
        let b = detect_in(&[
            ("CI", "true"),
            ("GITLAB_CI", "true"),
            ("CI_SERVER_URL", "https://gitlab.example"),
            ("CI_RUNNER_ID", "7"),
            ("CI_JOB_ID", "99"),
            ("CI_JOB_URL", "https://gitlab.example/acme/app/-/jobs/99"),
            ("CI_PROJECT_URL", "https://gitlab.example/acme/app"),
            ("CI_COMMIT_SHA", "cafe"),
            ("CI_COMMIT_REF_NAME", "main"),
            ("CI_JOB_STARTED_AT", "2026-11-23T10:00:00Z"),
        ])
        .unwrap();
        assert_eq!(b.system, Some(CiSystem::GitlabCi));
        assert_eq!(b.builder_id, "https://gitlab.example/-/runners/7");
        assert_eq!(
            (b.build_id.as_deref(), b.vcs_revision.as_deref(), b.started.as_deref()),
            (Some("99"), Some("cafe"), Some("2026-11-23T10:00:00Z"))
        );
    }

    #[test]
    fn jenkins() {
        let b = detect_in(&[
            ("JENKINS_URL", "https://ci.acme/"),
            ("BUILD_URL", "https://ci.acme/job/app/5/"),
            ("BUILD_TAG", "jenkins-app-5"),
            ("GIT_URL", "https://git.acme/app.git"),
            ("GIT_COMMIT", "beef"),
            ("GIT_BRANCH", "origin/main"),
        ])
        .unwrap();
        assert_eq!((b.system, b.builder_id.as_str()), (Some(CiSystem::Jenkins), "https://ci.acme/"));
        assert_eq!((b.build_id.as_deref(), b.vcs_branch.as_deref()), (Some("jenkins-app-5"), Some("origin/main")));
    }

    #[test]
    fn buildkite() {
        let b = detect_in(&[
            ("CI", "true"),
            ("BUILDKITE", "true"),
            ("BUILDKITE_ORGANIZATION_SLUG", "acme"),
            ("BUILDKITE_AGENT_ID", "a1"),
            ("BUILDKITE_BUILD_ID", "b-1"),
            ("BUILDKITE_BUILD_URL", "https://buildkite.com/acme/app/builds/1"),
            ("BUILDKITE_REPO", "git@github.com:acme/app.git"),
            ("BUILDKITE_COMMIT", "f00d"),
            ("BUILDKITE_BRANCH", "main"),
        ])
        .unwrap();
        assert_eq!(
            (b.system, b.builder_id.as_str()),
            (Some(CiSystem::Buildkite), "https://buildkite.com/acme/agents/a1")
        );
        assert_eq!(b.vcs_revision.as_deref(), Some("f00d"));
    }

    #[test]
    fn circleci() {
        let b = detect_in(&[
            ("CI", "true"),
            ("CIRCLECI", "true"),
            ("CIRCLE_BUILD_NUM", "12"),
            ("CIRCLE_BUILD_URL", "https://circleci.com/gh/acme/app/12"),
            ("CIRCLE_REPOSITORY_URL", "git@github.com:acme/app.git"),
            ("CIRCLE_SHA1", "abba"),
            ("CIRCLE_BRANCH", "dev"),
        ])
        .unwrap();
        assert_eq!(
            (b.system, b.build_id.as_deref(), b.vcs_branch.as_deref()),
            (Some(CiSystem::CircleCi), Some("12"), Some("dev"))
        );
    }

    #[test]
    fn azure_pipelines() {
        let b = detect_in(&[
            ("TF_BUILD", "True"),
            ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/acme/"),
            ("SYSTEM_TEAMPROJECT", "app"),
            ("BUILD_BUILDID", "314"),
            ("BUILD_REPOSITORY_URI", "https://dev.azure.com/acme/app/_git/app"),
            ("BUILD_SOURCEVERSION", "d00d"),
            ("BUILD_SOURCEBRANCH", "refs/heads/main"),
        ])
        .unwrap();
        assert_eq!(b.system, Some(CiSystem::AzurePipelines));
        assert_eq!(b.build_url.as_deref(), Some("https://dev.azure.com/acme/app/_build/results?buildId=314"));
        assert_eq!(b.vcs_revision.as_deref(), Some("d00d"));
    }

    #[test]
    fn generic_ci() {
        let b = detect_in(&[("CI", "true")]).unwrap();
        assert_eq!(b.system, Some(CiSystem::Generic));
        assert_eq!(b.properties(), vec![("build.builder", "https://arca.dev/builders/generic-ci".to_owned())]);
    }

    #[test]
    fn statement_is_in_toto_v1_with_slsa_v1() {
        let b = detect_in(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "acme/app"),
            ("GITHUB_SHA", "0123abcd"),
            ("GITHUB_REF", "refs/heads/main"),
            ("GITHUB_RUN_ID", "42"),
        ])
        .unwrap();
        let subject = Digest::parse(&format!("sha256:{}", "a".repeat(64))).unwrap();
        let s = b.slsa_statement("dev/app@1.0", &subject, Some("2026-11-23T10:05:00Z"));
        assert_eq!(s["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(s["predicateType"], "https://slsa.dev/provenance/v1");
        assert_eq!(s["subject"][0]["digest"]["sha256"], "a".repeat(64));
        let p = &s["predicate"];
        assert_eq!(p["buildDefinition"]["buildType"], "https://actions.github.io/buildtypes/workflow/v1");
        assert_eq!(
            p["buildDefinition"]["resolvedDependencies"][0]["uri"],
            "git+https://github.com/acme/app@refs/heads/main"
        );
        assert_eq!(p["buildDefinition"]["resolvedDependencies"][0]["digest"]["gitCommit"], "0123abcd");
        assert_eq!(p["runDetails"]["builder"]["id"], "https://github.com/actions/runner");
        assert_eq!(
            p["runDetails"]["metadata"]["invocationId"],
            "https://github.com/acme/app/actions/runs/42/attempts/1"
        );
        assert_eq!(p["runDetails"]["metadata"]["finishedOn"], "2026-11-23T10:05:00Z");
    }
}
