//! Pull gates: a repository may refuse manifest pulls of artifacts that violate its policy (no SBOM,
//! unsigned, a critical finding), with the reason. Referrers (so signatures and SBOMs can be read and
//! attached) and callers who may publish to the repository (so signers can sign) are exempt; with
//! authentication off nobody is, as nobody is known. Verdicts are cached by (digest, policy,
//! referrers) for a minute, so a busy tag costs one evaluation, and a signature or scan attached since
//! shows within that minute at most.

use super::Registry;
use crate::auth::{Action, Principal};
use crate::meta::{ManifestRecord, Millis};
use crate::promotion::{Gate, Verdict, evaluate, parse_gates};
use crate::{Error, ErrorKind, Result};
use arca_types::OciName;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

/// How long a cached verdict serves pulls.
const VERDICT_TTL_MS: Millis = 60_000;
/// Cached verdicts at most; past it the cache starts over.
const VERDICT_CACHE_ENTRIES: usize = 10_000;

/// Artifact types of SBOM referrers (SPDX, CycloneDX, and cosign's attachment type).
pub(super) const SBOM_TYPES: &[&str] = &[
    "application/spdx+json",
    "text/spdx",
    "application/vnd.cyclonedx+json",
    "application/vnd.cyclonedx+xml",
    "application/vnd.cyclonedx",
    "application/vnd.dev.cosign.artifact.sbom.v1+json",
    "https://spdx.dev/Document",
    "https://cyclonedx.org/bom",
];

/// The SBOM types among referrers' artifact types.
pub(super) fn sboms(referrers: &[ManifestRecord]) -> Vec<String> {
    referrers
        .iter()
        .filter_map(|r| r.artifact_type.as_deref())
        .filter(|t| SBOM_TYPES.contains(t))
        .map(str::to_owned)
        .collect()
}

/// A repository's pull gates from their texts: the gates judged on the artifact itself only.
pub(super) fn parse(texts: &[String]) -> Result<Vec<Gate>> {
    let gates = parse_gates(texts)?;
    if let Some(gate) = gates.iter().find(|g| matches!(g, Gate::Approvals(_) | Gate::Soak(_) | Gate::Cel(_))) {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "pull gate `{gate}`: a pull is judged on the artifact (signed, sbom, provenance, max-severity), \
                 not on approvals, time in a stage or an expression"
            ),
        ));
    }
    Ok(gates)
}

/// A cached verdict's key: the manifest digest and a hash of the policy and the referrers.
type VerdictKey = (String, u64);

/// Verdicts, and when they were made.
type Cached = (Arc<Vec<Verdict>>, Millis);

/// Verdicts by key.
#[derive(Debug, Default)]
pub(super) struct VerdictCache(Mutex<HashMap<VerdictKey, Cached>>);

impl VerdictCache {
    fn get(&self, key: &VerdictKey, now: Millis) -> Option<Arc<Vec<Verdict>>> {
        let entries = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (verdicts, at) = entries.get(key)?;
        (0..VERDICT_TTL_MS).contains(&(now - at)).then(|| verdicts.clone())
    }

    fn put(&self, key: VerdictKey, verdicts: Arc<Vec<Verdict>>, now: Millis) {
        let mut entries = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= VERDICT_CACHE_ENTRIES {
            entries.clear();
        }
        entries.insert(key, (verdicts, now));
    }
}

impl Registry {
    /// Whether `principal` (`None`: authentication is off) may pull the manifest `record` of `name`:
    /// `Denied` naming every failed pull gate and why.
    pub async fn check_pull(
        &self,
        name: &OciName,
        record: &ManifestRecord,
        principal: Option<&Principal>,
    ) -> Result<()> {
        let Some(repo) = self.cached_repository(&name.repository).await? else { return Ok(()) };
        let publisher = principal.is_some_and(|p| p.allows(Action::Publish, name.repository.as_str()));
        if repo.pull_gates.is_empty() || record.subject.is_some() || publisher {
            return Ok(());
        }
        let referrers = self.ports.manifests.referrers(name, &record.digest).await?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        repo.pull_gates.hash(&mut hasher);
        referrers.iter().for_each(|r| r.digest.as_str().hash(&mut hasher));
        let key = (record.digest.to_string(), hasher.finish());
        let now = self.now();
        let verdicts = match self.pull_verdicts.get(&key, now) {
            Some(verdicts) => verdicts,
            None => {
                let gates = parse(&repo.pull_gates)?;
                let facts = self.artifact_facts(name, record, &name.repository).await?;
                let verdicts = Arc::new(evaluate(&gates, &facts));
                self.pull_verdicts.put(key, verdicts.clone(), now);
                verdicts
            }
        };
        let failed: Vec<String> =
            verdicts.iter().filter(|v| !v.passed).map(|v| format!("{}: {}", v.gate, v.reason)).collect();
        if failed.is_empty() {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Denied,
            format!(
                "pull of {name}@{} refused by the pull gates of {}: {}",
                record.digest,
                name.repository,
                failed.join("; ")
            ),
        ))
    }
}
