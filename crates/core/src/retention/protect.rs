//! Protections: what the rules decided, overridden so that nothing kept loses what it needs, and
//! nothing left depends on what is deleted.
//!
//! A manifest is *dependent* when it is untagged and has its subject or a parent index among the
//! manifests: its fate follows theirs, whatever the rules said of it. Every other manifest is
//! *independent*: kept when protected or when a rule keeps one of its versions.
//!
//! 1. Kept (a least fixpoint): protected and rule-kept independent manifests, then every child of a
//!    kept index and every referrer of a kept subject, transitively.
//! 2. Deleted: independent manifests not kept (by their rules), then every dependent one not kept
//!    whose subject or a parent index is deleted, transitively.
//! 3. A dependent manifest neither kept nor deleted hangs on a cycle of dependents (content
//!    addressing cannot make one, but input can): it is treated as independent, and both steps run
//!    again.

use super::plan::{Action, Decision, Manifest, Version};
use std::collections::{HashMap, VecDeque};

#[derive(Clone, Copy)]
enum Kept {
    Protected,
    Rule,
    ChildOf(usize),
    RefersTo(usize),
}

#[derive(Clone, Copy)]
enum Deleted {
    Rule,
    WithSubject(usize),
    WithParent(usize),
}

/// Overrides `decisions` (one per version) by the protections; whether each manifest is deleted.
pub(super) fn apply(manifests: &[Manifest<'_>], versions: &[Version<'_>], decisions: &mut [Decision]) -> Vec<bool> {
    let n = manifests.len();
    let index: HashMap<(&str, &str), usize> =
        manifests.iter().enumerate().map(|(i, m)| ((m.item.package.as_str(), m.item.digest.as_str()), i)).collect();
    // Another manifest of the same package, by digest.
    let find = |m: usize, digest: &str| {
        index.get(&(manifests[m].item.package.as_str(), digest)).copied().filter(|&other| other != m)
    };
    let subject: Vec<Option<usize>> =
        (0..n).map(|m| manifests[m].item.subject.as_deref().and_then(|s| find(m, s))).collect();
    let children: Vec<Vec<usize>> = (0..n)
        .map(|m| {
            let mut c: Vec<usize> = manifests[m].item.children.iter().filter_map(|c| find(m, c)).collect();
            c.sort_unstable();
            c.dedup();
            c
        })
        .collect();
    let (mut parents, mut referrers) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    for m in 0..n {
        for &c in &children[m] {
            parents[c].push(m);
        }
        if let Some(s) = subject[m] {
            referrers[s].push(m);
        }
    }
    let mut rule_kept = vec![false; n];
    for (v, version) in versions.iter().enumerate() {
        rule_kept[version.manifest] |= decisions[v].action == Action::Keep;
    }
    let mut independent: Vec<bool> =
        (0..n).map(|m| !manifests[m].tags.is_empty() || (subject[m].is_none() && parents[m].is_empty())).collect();

    let (kept, deleted) = loop {
        let mut kept: Vec<Option<Kept>> = vec![None; n];
        let mut queue = VecDeque::new();
        for m in 0..n {
            kept[m] = if manifests[m].item.protected.is_some() {
                Some(Kept::Protected)
            } else if independent[m] && rule_kept[m] {
                Some(Kept::Rule)
            } else {
                continue;
            };
            queue.push_back(m);
        }
        while let Some(k) = queue.pop_front() {
            let reached = children[k].iter().map(|&c| (c, Kept::ChildOf(k)));
            for (m, why) in reached.chain(referrers[k].iter().map(|&r| (r, Kept::RefersTo(k)))) {
                if kept[m].is_none() {
                    kept[m] = Some(why);
                    queue.push_back(m);
                }
            }
        }

        let mut deleted: Vec<Option<Deleted>> = vec![None; n];
        for m in (0..n).filter(|&m| independent[m] && kept[m].is_none()) {
            deleted[m] = Some(Deleted::Rule);
            queue.push_back(m);
        }
        while let Some(d) = queue.pop_front() {
            let reached = referrers[d].iter().map(|&r| (r, Deleted::WithSubject(d)));
            for (m, why) in reached.chain(children[d].iter().map(|&c| (c, Deleted::WithParent(d)))) {
                if !independent[m] && kept[m].is_none() && deleted[m].is_none() {
                    deleted[m] = Some(why);
                    queue.push_back(m);
                }
            }
        }

        let mut settled = true;
        for m in (0..n).filter(|&m| kept[m].is_none() && deleted[m].is_none()) {
            independent[m] = true;
            settled = false;
        }
        if settled {
            break (kept, deleted);
        }
    };

    let digest = |m: usize| &manifests[m].item.digest;
    for (v, version) in versions.iter().enumerate() {
        let m = version.manifest;
        let overridable = !independent[m] || decisions[v].action == Action::Delete;
        let decision = &mut decisions[v];
        match (kept[m], deleted[m]) {
            (Some(Kept::Protected), _) => {
                let why = manifests[m].item.protected.as_deref().unwrap_or_default();
                *decision = Decision::keep(format!("protected: {why}"));
            }
            (Some(Kept::ChildOf(p)), _) if overridable => {
                *decision = Decision::keep(format!("child of kept index {}", digest(p)));
            }
            (Some(Kept::RefersTo(s)), _) if overridable => {
                *decision = Decision::keep(format!("refers to kept {}", digest(s)));
            }
            (_, Some(Deleted::WithSubject(s))) => {
                *decision = Decision::delete(format!("its subject {} is deleted", digest(s)));
            }
            (_, Some(Deleted::WithParent(p))) => {
                *decision = Decision::delete(format!("child of deleted index {}", digest(p)));
            }
            _ => {}
        }
    }
    deleted.iter().map(Option::is_some).collect()
}
