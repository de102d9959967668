//! The audit log: entries appended inside the transaction of the change they record, chained by
//! `arca_core::audit::seal` on the head row, which every append locks first (so appends serialize,
//! on SQLite through its single writer, on PostgreSQL through the row lock).

use crate::SqlMetaStore;
use crate::db::{Tx, col, corrupt, db_err, limit};
use crate::sql::{Row, query};
use arca_core::Result;
use arca_core::audit::{AuditEntry, AuditFilter, AuditHead, AuditLog, NewAuditEntry, Outcome, seal};
use async_trait::async_trait;

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

/// Appends `entry` after the current head, in the caller's write transaction.
pub(crate) async fn append(tx: &mut Tx, entry: &NewAuditEntry) -> Result<AuditEntry> {
    // Writing the head row takes its lock before it is read (in the same statement).
    let row = query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err("reading the audit head"))?;
    let head = AuditHead { seq: col(&row, 0)?, hash: col(&row, 1)? };
    let sealed = seal(&head, entry);
    let e = &sealed.entry;
    query(
        "INSERT INTO audit_log (seq, time, actor, client_addr, action, target, outcome, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(sealed.seq)
    .bind(e.time)
    .bind(e.actor.as_str())
    .bind(e.client_addr.as_deref())
    .bind(e.action.as_str())
    .bind(e.target.as_str())
    .bind(e.outcome.as_str())
    .bind(e.detail.as_deref())
    .bind(sealed.prev_hash.as_str())
    .bind(sealed.hash.as_str())
    .execute(&mut *tx)
    .await
    .map_err(db_err("appending to the audit log"))?;
    query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(sealed.seq)
        .bind(sealed.hash.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db_err("moving the audit head"))?;
    Ok(sealed)
}

#[async_trait]
impl AuditLog for SqlMetaStore {
    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry> {
        let mut tx = self.db.write().await?;
        let sealed = append(&mut tx, entry).await?;
        tx.commit().await.map_err(db_err("appending to the audit log"))?;
        Ok(sealed)
    }

    async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let (action, action_prefix) = match filter.action.as_deref() {
            Some(a) if a.ends_with('.') => (None, Some(format!("{a}%"))),
            other => (other, None),
        };
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
    let outcome: String = col(row, 6)?;
    Ok(AuditEntry {
        seq: col(row, 0)?,
        entry: NewAuditEntry {
            time: col(row, 1)?,
            actor: col(row, 2)?,
            client_addr: col(row, 3)?,
            action: col(row, 4)?,
            target: col(row, 5)?,
            outcome: Outcome::parse(&outcome).ok_or_else(|| corrupt("audit outcome", &outcome, "unknown outcome"))?,
            detail: col(row, 7)?,
        },
        prev_hash: col(row, 8)?,
        hash: col(row, 9)?,
    })
}
