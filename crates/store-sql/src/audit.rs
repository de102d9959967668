//! The audit log: entries appended inside the transaction of the change they record, chained by
//! `arca_core::audit::seal` after the head row.
//!
//! How an entry reaches the chain depends on the database. SQLite has one writer, so each append
//! locks the head and chains the entry in place. On PostgreSQL that lock, held across every write's
//! commit, made all writes of all nodes commit one at a time (`bench/RESULTS.md`, stop 27): there an
//! append only inserts the entry into `audit_pending`, touching no shared row, and [`seal_pending`]
//! moves pending entries into `audit_log` in batches, one head lock per batch, in the order it finds
//! them. It runs after each audited commit (skipping when another sealer holds the head: that one
//! goes on until no entry is pending), before every read of the log (so a reader sees every entry
//! committed before it asked), and as the `audit-sealer` job (entries a node left when it died
//! between its commit and the seal). Until sealed an entry is in the database but not yet in the
//! chain: that window, normally milliseconds, is the only time a row could change unseen.

use crate::SqlMetaStore;
use crate::db::{Db, Dialect, Tx, col, corrupt, db_err, limit};
use crate::sql::{Row, query};
use arca_core::Result;
use arca_core::audit::{AuditEntry, AuditFilter, AuditHead, AuditLog, NewAuditEntry, Outcome, seal};
use async_trait::async_trait;

/// Entries sealed per transaction: 500 rows of 10 parameters is one multi-row insert well inside
/// PostgreSQL's 65 535 parameters.
const SEAL_BATCH: usize = 500;

/// Batches an after-commit seal takes at most, so no write waits on a long backlog (the job and
/// readers seal the rest).
const AFTER_COMMIT_BATCHES: usize = 4;

/// Ends a write that may have changed nothing: when it did not (`changed` false) nothing happened and
/// nothing is audited (the transaction rolls back); otherwise `entry` is appended and it commits.
/// Returns `changed`.
pub(crate) async fn commit_audited(
    mut tx: Tx,
    changed: bool,
    entry: &NewAuditEntry,
    what: &'static str,
) -> Result<bool> {
    if !changed {
        return Ok(false);
    }
    append(&mut tx, entry).await?;
    tx.commit().await.map_err(crate::db::db_err(what))?;
    Ok(true)
}

/// Appends `entry` in the caller's write transaction. Returns the entry's id, unique and increasing
/// in append order: its sequence number on SQLite (chained in place), its pending id on PostgreSQL
/// (chained once the transaction committed).
pub(crate) async fn append(tx: &mut Tx, entry: &NewAuditEntry) -> Result<i64> {
    match tx.dialect() {
        Dialect::Sqlite => chain_in_place(tx, entry).await,
        Dialect::Postgres => {
            let row = query(
                "INSERT INTO audit_pending (time, actor, client_addr, action, target, outcome, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(entry.time)
            .bind(entry.actor.as_str())
            .bind(entry.client_addr.as_deref())
            .bind(entry.action.as_str())
            .bind(entry.target.as_str())
            .bind(entry.outcome.as_str())
            .bind(entry.detail.as_deref())
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err("appending to the audit log"))?;
            tx.seal_audit_after_commit();
            col(&row, 0)
        }
    }
}

/// Chains `entry` after the current head, in the caller's transaction (the head's lock is taken
/// before it is read, in the same statement). Returns its sequence number.
async fn chain_in_place(tx: &mut Tx, entry: &NewAuditEntry) -> Result<i64> {
    let row = query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err("reading the audit head"))?;
    let head = AuditHead { seq: col(&row, 0)?, hash: col(&row, 1)? };
    let sealed = seal(&head, entry);
    insert_sealed(tx, std::slice::from_ref(&sealed)).await?;
    move_head(tx, &sealed).await?;
    Ok(sealed.seq)
}

/// Whether a sealer waits for the head's lock or leaves the work to whoever holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadLock {
    Wait,
    Skip,
}

/// Seals the entries committed to `audit_pending` (PostgreSQL; nothing is ever pending on SQLite), a
/// batch per transaction, until none is left or after `max_batches`. With [`HeadLock::Wait`] every
/// entry committed before the call is sealed when it returns; with [`HeadLock::Skip`] it returns at
/// once when another sealer holds the head (which then seals this caller's entries too). Returns
/// how many it sealed.
pub(crate) async fn seal_pending(db: &Db, lock: HeadLock, max_batches: usize) -> Result<u64> {
    if db.dialect == Dialect::Sqlite {
        return Ok(0);
    }
    let mut sealed = 0;
    for _ in 0..max_batches {
        let mut tx = db.write().await?;
        let lock_sql = match lock {
            HeadLock::Wait => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
            HeadLock::Skip => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE SKIP LOCKED",
        };
        let Some(row) = query(lock_sql).fetch_optional(&mut tx).await.map_err(db_err("locking the audit head"))? else {
            return Ok(sealed);
        };
        let mut head = AuditHead { seq: col(&row, 0)?, hash: col(&row, 1)? };
        // Taken in the statement's own snapshot, after the lock: every entry committed by then.
        let mut pending = query(format!(
            "DELETE FROM audit_pending WHERE id IN (SELECT id FROM audit_pending ORDER BY id LIMIT {SEAL_BATCH}) \
             RETURNING id, time, actor, client_addr, action, target, outcome, detail"
        ))
        .fetch_all(&mut tx)
        .await
        .map_err(db_err("taking pending audit entries"))?;
        if pending.is_empty() {
            return Ok(sealed);
        }
        pending.sort_by_cached_key(|row| row.get::<i64>(0).unwrap_or_default());
        let full = pending.len() == SEAL_BATCH;
        let mut chained = Vec::with_capacity(pending.len());
        for row in &pending {
            let entry = new_entry_from(row, 1)?;
            let next = seal(&head, &entry);
            head = AuditHead { seq: next.seq, hash: next.hash.clone() };
            chained.push(next);
        }
        insert_sealed(&mut tx, &chained).await?;
        move_head(&mut tx, chained.last().expect("a batch is not empty")).await?;
        tx.commit_durable().await.map_err(db_err("sealing audit entries"))?;
        sealed += chained.len() as u64;
        // Probed after the commit: a writer whose `Skip` found the lock taken committed before that
        // commit, so its entry is seen here and sealed by the next round.
        if !full && !anything_pending(db).await? {
            break;
        }
    }
    Ok(sealed)
}

async fn anything_pending(db: &Db) -> Result<bool> {
    let row = query("SELECT 1 FROM audit_pending LIMIT 1")
        .fetch_optional(&mut db.read().await?)
        .await
        .map_err(db_err("reading pending audit entries"))?;
    Ok(row.is_some())
}

/// After an audited commit on PostgreSQL: seals what is pending unless another sealer is at it. A
/// failure loses nothing (the entries stay pending for the next sealer) and fails no request.
pub(crate) async fn seal_after_commit(db: &Db) {
    if let Err(e) = seal_pending(db, HeadLock::Skip, AFTER_COMMIT_BATCHES).await {
        tracing::warn!(error = %e, "audit: sealing after a commit failed; the entries stay pending");
    }
}

/// Seals everything committed so far (before a read of the log): a cheap probe when nothing waits.
async fn seal_before_read(db: &Db) -> Result<()> {
    if db.dialect == Dialect::Sqlite {
        return Ok(());
    }
    if anything_pending(db).await? {
        seal_pending(db, HeadLock::Wait, usize::MAX).await?;
    }
    Ok(())
}

async fn insert_sealed(tx: &mut Tx, entries: &[AuditEntry]) -> Result<()> {
    let rows: Vec<String> = (0..entries.len())
        .map(|i| {
            let p: Vec<String> = (1..=10).map(|k| format!("${}", i * 10 + k)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    let mut insert = query(format!(
        "INSERT INTO audit_log (seq, time, actor, client_addr, action, target, outcome, detail, prev_hash, hash) \
         VALUES {}",
        rows.join(", ")
    ));
    for sealed in entries {
        let e = &sealed.entry;
        insert = insert
            .bind(sealed.seq)
            .bind(e.time)
            .bind(e.actor.as_str())
            .bind(e.client_addr.as_deref())
            .bind(e.action.as_str())
            .bind(e.target.as_str())
            .bind(e.outcome.as_str())
            .bind(e.detail.as_deref())
            .bind(sealed.prev_hash.as_str())
            .bind(sealed.hash.as_str());
    }
    insert.execute(&mut *tx).await.map_err(db_err("appending to the audit log"))?;
    Ok(())
}

async fn move_head(tx: &mut Tx, newest: &AuditEntry) -> Result<()> {
    query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(newest.seq)
        .bind(newest.hash.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err("moving the audit head"))?;
    Ok(())
}

#[async_trait]
impl AuditLog for SqlMetaStore {
    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<()> {
        let mut tx = self.db.write().await?;
        append(&mut tx, entry).await?;
        tx.commit().await.map_err(db_err("appending to the audit log"))
    }

    async fn seal_audit(&self) -> Result<u64> {
        seal_pending(&self.db, HeadLock::Wait, usize::MAX).await
    }

    async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let (action, action_prefix) = match filter.action.as_deref() {
            Some(a) if a.ends_with('.') => (None, Some(format!("{a}%"))),
            other => (other, None),
        };
        seal_before_read(&self.db).await?;
        let target_prefix = filter.target_prefix.as_ref().map(|t| format!("{}%", escape_like(t)));
        let rows = query(
            "SELECT seq, time, actor, client_addr, action, target, outcome, detail, prev_hash, hash FROM audit_log \
             WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR action = $2) AND ($3 IS NULL OR action LIKE $3) \
             AND ($4 IS NULL OR target LIKE $4 ESCAPE '\\') AND ($5 IS NULL OR outcome = $5) \
             AND ($6 IS NULL OR time >= $6) AND ($7 IS NULL OR time < $7) AND seq > $8 \
             ORDER BY seq LIMIT $9",
        )
        .bind(filter.actor.as_deref())
        .bind(action)
        .bind(action_prefix.as_deref())
        .bind(target_prefix.as_deref())
        .bind(filter.outcome.map(Outcome::as_str))
        .bind(filter.since)
        .bind(filter.until)
        .bind(filter.after_seq.unwrap_or(0))
        .bind(limit(filter.limit))
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading the audit log"))?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn audit_head(&self) -> Result<AuditHead> {
        seal_before_read(&self.db).await?;
        let row = query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading the audit head"))?;
        match row {
            Some(row) => Ok(AuditHead { seq: col(&row, 0)?, hash: col(&row, 1)? }),
            None => Ok(AuditHead::default()),
        }
    }
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn entry_from_row(row: &Row) -> Result<AuditEntry> {
    Ok(AuditEntry { seq: col(row, 0)?, entry: new_entry_from(row, 1)?, prev_hash: col(row, 8)?, hash: col(row, 9)? })
}

/// The entry's seven fields, from column `at` on (`time, actor, client_addr, action, target, outcome,
/// detail`: `audit_log` and `audit_pending` list them alike).
fn new_entry_from(row: &Row, at: usize) -> Result<NewAuditEntry> {
    let outcome: String = col(row, at + 5)?;
    Ok(NewAuditEntry {
        time: col(row, at)?,
        actor: col(row, at + 1)?,
        client_addr: col(row, at + 2)?,
        action: col(row, at + 3)?,
        target: col(row, at + 4)?,
        outcome: Outcome::parse(&outcome).ok_or_else(|| corrupt("audit outcome", &outcome, "unknown outcome"))?,
        detail: col(row, at + 6)?,
    })
}
