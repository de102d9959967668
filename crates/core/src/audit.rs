//! The audit log: an append-only, hash-chained record of every write and every refused request.
//!
//! Each entry's hash is `sha256(prev_hash ‖ canonical(entry))`, where the canonical form is the JSON
//! array `[seq, time, actor, client_addr, action, target, outcome, detail]` (serde_json escapes text the
//! same way every time). The store keeps the newest `(seq, hash)` as the *head*, updated in the same
//! transaction as the append, so deleting the newest entries is detected too. [`Verifier`] walks the
//! log in sequence order and names the first entry that does not fit: a modified, deleted, inserted or
//! reordered row.
//!
//! The store appends an entry in the transaction of the change it records: write methods of the
//! ports take a [`NewAuditEntry`]. It is chained by [`seal`] after the current head, inside that
//! transaction or (PostgreSQL, several writers at once) in a batch just after it commits; a read of
//! the log always sees every committed entry chained.

use crate::Result;
use crate::meta::Millis;
use async_trait::async_trait;
use sha2::{Digest as _, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did something, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// A user name, `token:<id>` owner name, `anonymous`, or `system` (start-up, CLI on the database).
    pub name: String,
    /// The client's IP address, when the request came over the network.
    pub addr: Option<String>,
}

impl Actor {
    pub fn anonymous() -> Self {
        Self { name: "anonymous".into(), addr: None }
    }

    /// Changes made by arca itself or by an administrator on the database (the CLI).
    pub fn system() -> Self {
        Self { name: "system".into(), addr: None }
    }

    pub fn new(name: impl Into<String>, addr: Option<String>) -> Self {
        Self { name: name.into(), addr }
    }

    /// An entry by this actor, stamped `time` (the use case's clock).
    pub fn entry(&self, time: Millis, action: &str, target: impl Into<String>, outcome: Outcome) -> NewAuditEntry {
        NewAuditEntry {
            time,
            actor: self.name.clone(),
            client_addr: self.addr.clone(),
            action: action.to_owned(),
            target: target.into(),
            outcome,
            detail: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The change was made.
    Success,
    /// Authorization refused the request.
    Denied,
    /// A login failed (bad credentials, locked out).
    Failed,
}

impl Outcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Success, Self::Denied, Self::Failed].into_iter().find(|o| o.as_str() == s)
    }
}

/// An entry about to be appended (the store assigns its sequence number and hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewAuditEntry {
    pub time: Millis,
    pub actor: String,
    pub client_addr: Option<String>,
    /// `manifest.put`, `tag.delete`, `repository.create`, `user.add`, `token.revoke`, `login`, `request`…
    pub action: String,
    /// What was acted on: `dev/team/app:1.0`, `user alice`, a request path.
    pub target: String,
    pub outcome: Outcome,
    /// Anything else worth keeping (a digest, a reason); never a credential.
    pub detail: Option<String>,
}

impl NewAuditEntry {
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(flatten)]
    pub entry: NewAuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The newest entry's sequence number and hash (`0` and [`GENESIS`] for an empty log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditHead {
    pub seq: i64,
    pub hash: String,
}

impl Default for AuditHead {
    fn default() -> Self {
        Self { seq: 0, hash: GENESIS.to_owned() }
    }
}

/// The canonical text of an entry, as hashed.
pub fn canonical(seq: i64, e: &NewAuditEntry) -> String {
    let fields = (seq, e.time, &e.actor, &e.client_addr, &e.action, &e.target, e.outcome.as_str(), &e.detail);
    serde_json::to_string(&fields).unwrap_or_default()
}

/// `hex(sha256(prev_hash ‖ canonical(seq, entry)))`.
pub fn chain_hash(prev_hash: &str, seq: i64, entry: &NewAuditEntry) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical(seq, entry).as_bytes());
    hex::encode(h.finalize())
}

/// The entry that follows `head`.
pub fn seal(head: &AuditHead, entry: &NewAuditEntry) -> AuditEntry {
    let seq = head.seq + 1;
    AuditEntry { seq, entry: entry.clone(), prev_hash: head.hash.clone(), hash: chain_hash(&head.hash, seq, entry) }
}

/// Where and why the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit log entry {seq}: {reason}")]
pub struct ChainBreak {
    /// The first sequence number that is wrong (or missing).
    pub seq: i64,
    pub reason: String,
}

/// Checks entries fed in sequence order.
#[derive(Debug, Default)]
pub struct Verifier {
    head: AuditHead,
    checked: u64,
}

impl Verifier {
    pub fn feed(&mut self, e: &AuditEntry) -> std::result::Result<(), ChainBreak> {
        let expected = self.head.seq + 1;
        let fail = |seq, reason: &str| Err(ChainBreak { seq, reason: reason.to_owned() });
        if e.seq < expected {
            return fail(e.seq, "out of order or duplicated");
        }
        if e.seq > expected {
            return fail(expected, &format!("missing (the next entry is {})", e.seq));
        }
        if e.prev_hash != self.head.hash {
            return fail(e.seq, "prev_hash does not match the previous entry (deleted, inserted or reordered)");
        }
        if chain_hash(&e.prev_hash, e.seq, &e.entry) != e.hash {
            return fail(e.seq, "content does not match its hash (modified)");
        }
        self.head = AuditHead { seq: e.seq, hash: e.hash.clone() };
        self.checked += 1;
        Ok(())
    }

    /// After the last entry: the log must end where the stored head says. Returns the entries checked.
    pub fn finish(self, stored: &AuditHead) -> std::result::Result<u64, ChainBreak> {
        if stored.seq > self.head.seq {
            return Err(ChainBreak {
                seq: self.head.seq + 1,
                reason: format!("missing (the log should end at {})", stored.seq),
            });
        }
        if stored.seq < self.head.seq {
            return Err(ChainBreak {
                seq: stored.seq + 1,
                reason: format!("beyond the recorded head ({})", stored.seq),
            });
        }
        if stored.hash != self.head.hash {
            return Err(ChainBreak { seq: stored.seq, reason: "does not match the recorded head (rewritten)".into() });
        }
        Ok(self.checked)
    }
}

/// Which entries to list: all given fields must match; ordered by sequence number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// Exact action, or a prefix ending in `.` (`manifest.`).
    pub action: Option<String>,
    /// Targets starting with this.
    pub target_prefix: Option<String>,
    pub outcome: Option<Outcome>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
    /// Entries with a greater sequence number (paging).
    pub after_seq: Option<i64>,
    pub limit: usize,
}

/// The audit log port.
#[async_trait]
pub trait AuditLog: Send + Sync + 'static {
    /// Appends an entry on its own (a refused request, a failed login).
    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<()>;
    /// Chains every entry committed but not yet chained (a store may chain after the commit, in
    /// batches, so that concurrent writers do not queue on the head); the number chained. Reads of the
    /// log do this themselves; the `audit-sealer` job calls it for entries a crashed node left.
    async fn seal_audit(&self) -> Result<u64>;
    async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>>;
    async fn audit_head(&self) -> Result<AuditHead>;
}

/// Verifies the whole log, paging through it; returns the number of entries checked.
pub async fn verify(log: &dyn AuditLog) -> Result<std::result::Result<u64, ChainBreak>> {
    let head = log.audit_head().await?;
    let mut verifier = Verifier::default();
    let mut filter = AuditFilter { limit: 1000, ..AuditFilter::default() };
    loop {
        let page = log.list_audit(&filter).await?;
        for e in &page {
            if let Err(b) = verifier.feed(e) {
                return Ok(Err(b));
            }
        }
        match page.last() {
            Some(last) if page.len() == filter.limit => filter.after_seq = Some(last.seq),
            _ => break,
        }
    }
    Ok(verifier.finish(&head))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut head = AuditHead::default();
        (0..n)
            .map(|i| {
                let e = Actor::new("alice", Some("10.0.0.1".into())).entry(
                    1_700_000_000_000 + i as Millis,
                    "manifest.put",
                    format!("dev/app:{i}"),
                    Outcome::Success,
                );
                let sealed = seal(&head, &e);
                head = AuditHead { seq: sealed.seq, hash: sealed.hash.clone() };
                sealed
            })
            .collect()
    }

    fn check(entries: &[AuditEntry], head: &AuditHead) -> std::result::Result<u64, ChainBreak> {
        let mut v = Verifier::default();
        for e in entries {
            v.feed(e)?;
        }
        v.finish(head)
    }

    fn head_of(entries: &[AuditEntry]) -> AuditHead {
        entries.last().map(|e| AuditHead { seq: e.seq, hash: e.hash.clone() }).unwrap_or_default()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let entries = chain(5);
        assert_eq!(check(&entries, &head_of(&entries)), Ok(5));
        assert_eq!(check(&[], &AuditHead::default()), Ok(0));
    }

    #[test]
    fn modification_deletion_insertion_and_reordering_name_the_first_bad_entry() {
        let entries = chain(5);
        let head = head_of(&entries);
        let mut modified = entries.clone();
        modified[2].entry.target = "dev/app:evil".into();
        assert_eq!(check(&modified, &head).unwrap_err().seq, 3);
        let mut deleted = entries.clone();
        deleted.remove(1);
        assert_eq!(check(&deleted, &head).unwrap_err().seq, 2);
        let mut reordered = entries.clone();
        reordered.swap(1, 2);
        assert_eq!(check(&reordered, &head).unwrap_err().seq, 2);
        let mut renumbered = entries.clone();
        renumbered.swap(1, 2);
        (renumbered[1].seq, renumbered[2].seq) = (2, 3);
        assert_eq!(check(&renumbered, &head).unwrap_err().seq, 2);
        let mut appended = entries.clone();
        appended.push(seal(&head, &Actor::system().entry(0, "x", "y", Outcome::Success)));
        assert_eq!(check(&appended, &head).unwrap_err().seq, 6, "an entry beyond the head");
        let truncated = &entries[..4];
        assert_eq!(check(truncated, &head).unwrap_err().seq, 5);
    }

    #[test]
    fn the_canonical_form_is_unambiguous() {
        let a = Actor::new("a,b", None).entry(0, "x", "y", Outcome::Success);
        let b = Actor::new("a", None).entry(0, "b,x", "y", Outcome::Success);
        assert_ne!(canonical(1, &a), canonical(1, &NewAuditEntry { time: a.time, ..b }));
    }
}
