//! Documents parsed from content-addressed bytes, kept by digest: a package version's manifest, an
//! npm version's `package.json`. What a digest names never changes, so an entry is never stale, on
//! this node or any other; the cache only bounds memory. It exists because a page listing every
//! version of a package (an npm packument, a PyPI project page) would otherwise open and parse a
//! file per version on every GET: 10 000 versions took 1.5–3 s, spent on hand-offs, not bytes.

use arca_types::Digest;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

/// Parsed documents by digest, the oldest dropped first once their cost passes the budget.
#[derive(Debug)]
pub(super) struct ContentCache<T> {
    entries: Mutex<Entries<T>>,
    budget: usize,
}

#[derive(Debug)]
struct Entries<T> {
    by_digest: HashMap<Digest, (Arc<T>, usize)>,
    oldest_first: VecDeque<Digest>,
    cost: usize,
}

impl<T> ContentCache<T> {
    /// A cache holding entries whose costs add up to at most `budget` (roughly bytes).
    pub(super) fn new(budget: usize) -> Self {
        let entries = Entries { by_digest: HashMap::new(), oldest_first: VecDeque::new(), cost: 0 };
        Self { entries: Mutex::new(entries), budget }
    }

    pub(super) fn get(&self, digest: &Digest) -> Option<Arc<T>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.by_digest.get(digest).map(|(value, _)| value.clone())
    }

    /// Keeps `value` for `digest` unless it alone is over the budget.
    pub(super) fn put(&self, digest: &Digest, value: Arc<T>, cost: usize) {
        if cost > self.budget {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.by_digest.contains_key(digest) {
            return;
        }
        while entries.cost + cost > self.budget {
            let Some(oldest) = entries.oldest_first.pop_front() else { break };
            if let Some((_, freed)) = entries.by_digest.remove(&oldest) {
                entries.cost -= freed;
            }
        }
        entries.by_digest.insert(digest.clone(), (value, cost));
        entries.oldest_first.push_back(digest.clone());
        entries.cost += cost;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arca_types::DigestAlgorithm;

    fn digest(n: u32) -> Digest {
        crate::hasher::digest_of(DigestAlgorithm::Sha256, &n.to_be_bytes())
    }

    #[test]
    fn the_oldest_entries_go_first_and_the_budget_holds() {
        let cache = ContentCache::new(10);
        for n in 0..5 {
            cache.put(&digest(n), Arc::new(n), 3);
        }
        assert_eq!(cache.get(&digest(0)), None);
        assert_eq!(cache.get(&digest(1)), None);
        assert_eq!(cache.get(&digest(4)).as_deref(), Some(&4));
        assert_eq!(cache.get(&digest(2)).as_deref(), Some(&2));
        let entries = cache.entries.lock().unwrap();
        assert!(entries.cost <= 10);
        assert_eq!(entries.by_digest.len(), entries.oldest_first.len());
    }

    #[test]
    fn an_entry_over_the_budget_is_not_kept_and_a_repeat_costs_nothing() {
        let cache = ContentCache::new(10);
        cache.put(&digest(1), Arc::new(1), 11);
        assert_eq!(cache.get(&digest(1)), None);
        cache.put(&digest(2), Arc::new(2), 6);
        cache.put(&digest(2), Arc::new(2), 6);
        assert_eq!(cache.entries.lock().unwrap().cost, 6);
    }
}
