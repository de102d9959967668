//! Supply-chain metadata (`0010_trust`): trust roots per repository, cached attachment verdicts, the
//! component index of attached SBOMs, OSV advisories and findings.

use crate::db::{col, corrupt, db_err, limit};
use crate::promotions::digest_col;
use crate::search::{Arg, Filter};
use crate::sql::{Row, query};
use crate::{SqlMetaStore, audit};
use arca_core::Result;
use arca_core::audit::NewAuditEntry;
use arca_core::meta::{
    AdvisoryStore, AttachmentIndex, AttachmentVerdict, ComponentHit, ComponentQuery, Finding, IndexedComponent, Millis,
    StoredAdvisory, TrustRoot, TrustRootKind, TrustRootStore,
};
use arca_types::{Digest, RepoName};
use async_trait::async_trait;
use std::collections::BTreeSet;

#[async_trait]
impl TrustRootStore for SqlMetaStore {
    async fn trust_roots(&self, repository: &RepoName) -> Result<Vec<TrustRoot>> {
        let rows = query(
            "SELECT name, kind, material, fingerprint, created_at FROM trust_roots WHERE repository = $1 ORDER BY name",
        )
        .bind(repository.as_str())
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading trust roots"))?;
        rows.iter().map(trust_root_from_row).collect()
    }

    async fn put_trust_root(&self, repository: &RepoName, root: &TrustRoot, entry: &NewAuditEntry) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let done = query(
            "INSERT INTO trust_roots (repository, name, kind, material, fingerprint, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (repository, name) DO UPDATE SET \
             kind = excluded.kind, material = excluded.material, fingerprint = excluded.fingerprint, \
             created_at = excluded.created_at \
             WHERE trust_roots.fingerprint <> excluded.fingerprint OR trust_roots.kind <> excluded.kind",
        )
        .bind(repository.as_str())
        .bind(root.name.as_str())
        .bind(root.kind.as_str())
        .bind(root.material.as_str())
        .bind(root.fingerprint.as_str())
        .bind(root.created_at)
        .execute(&mut tx)
        .await
        .map_err(db_err("storing a trust root"))?;
        audit::commit_audited(tx, done == 1, entry, "storing a trust root").await
    }

    async fn delete_trust_root(&self, repository: &RepoName, name: &str, entry: &NewAuditEntry) -> Result<bool> {
        let mut tx = self.db.write().await?;
        let done = query("DELETE FROM trust_roots WHERE repository = $1 AND name = $2")
            .bind(repository.as_str())
            .bind(name)
            .execute(&mut tx)
            .await
            .map_err(db_err("deleting a trust root"))?;
        audit::commit_audited(tx, done == 1, entry, "deleting a trust root").await
    }
}

fn trust_root_from_row(row: &Row) -> Result<TrustRoot> {
    let kind: String = col(row, 1)?;
    Ok(TrustRoot {
        name: col(row, 0)?,
        kind: TrustRootKind::parse(&kind).ok_or_else(|| corrupt("trust root kind", &kind, "unknown kind"))?,
        material: col(row, 2)?,
        fingerprint: col(row, 3)?,
        created_at: col(row, 4)?,
    })
}

const COMPONENT_COLUMNS: &str = "c.name, c.version, c.purl, c.ecosystem, c.osv_name, c.licenses";

#[async_trait]
impl AttachmentIndex for SqlMetaStore {
    async fn attachment_verdicts(&self, subject: &Digest, roots: &str) -> Result<Vec<AttachmentVerdict>> {
        let rows = query(
            "SELECT attachment, roots, subject, kind, verdict, facts, at FROM attachment_verdicts \
             WHERE subject = $1 AND roots = $2 ORDER BY attachment",
        )
        .bind(subject.as_str())
        .bind(roots)
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading attachment verdicts"))?;
        rows.iter()
            .map(|row| {
                Ok(AttachmentVerdict {
                    attachment: digest_col(row, 0)?,
                    roots: col(row, 1)?,
                    subject: digest_col(row, 2)?,
                    kind: col(row, 3)?,
                    verdict: col(row, 4)?,
                    facts: col(row, 5)?,
                    at: col(row, 6)?,
                })
            })
            .collect()
    }

    async fn put_attachment_verdicts(&self, verdicts: &[AttachmentVerdict]) -> Result<()> {
        if verdicts.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.write().await?;
        for v in verdicts {
            query(
                "INSERT INTO attachment_verdicts (attachment, roots, subject, kind, verdict, facts, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (attachment, roots) DO UPDATE SET \
                 subject = excluded.subject, kind = excluded.kind, verdict = excluded.verdict, \
                 facts = excluded.facts, at = excluded.at",
            )
            .bind(v.attachment.as_str())
            .bind(v.roots.as_str())
            .bind(v.subject.as_str())
            .bind(v.kind.as_str())
            .bind(v.verdict.as_str())
            .bind(v.facts.as_str())
            .bind(v.at)
            .execute(&mut tx)
            .await
            .map_err(db_err("caching attachment verdicts"))?;
        }
        tx.commit().await.map_err(db_err("caching attachment verdicts"))
    }

    async fn sbom_indexed(&self, subject: &Digest, sbom: &Digest) -> Result<bool> {
        let row = query("SELECT 1 FROM sbom_components WHERE subject = $1 AND sbom = $2 LIMIT 1")
            .bind(subject.as_str())
            .bind(sbom.as_str())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading the component index"))?;
        Ok(row.is_some())
    }

    async fn put_components(&self, subject: &Digest, sbom: &Digest, components: &[IndexedComponent]) -> Result<()> {
        let mut tx = self.db.write().await?;
        query("DELETE FROM sbom_components WHERE subject = $1 AND sbom = $2")
            .bind(subject.as_str())
            .bind(sbom.as_str())
            .execute(&mut tx)
            .await
            .map_err(db_err("indexing components"))?;
        // An SBOM without components still gets a row (seq -1, no name), so it counts as indexed.
        let marker = IndexedComponent {
            name: String::new(),
            version: None,
            purl: None,
            ecosystem: None,
            osv_name: None,
            licenses: Vec::new(),
        };
        let rows = std::iter::once((-1_i64, &marker)).chain((0_i64..).zip(components));
        for (seq, c) in rows {
            query(
                "INSERT INTO sbom_components (subject, sbom, seq, name, version, purl, ecosystem, osv_name, licenses) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(subject.as_str())
            .bind(sbom.as_str())
            .bind(seq)
            .bind(c.name.as_str())
            .bind(c.version.as_deref())
            .bind(c.purl.as_deref())
            .bind(c.ecosystem.as_deref())
            .bind(c.osv_name.as_deref())
            .bind(licenses_text(&c.licenses))
            .execute(&mut tx)
            .await
            .map_err(db_err("indexing components"))?;
        }
        tx.commit().await.map_err(db_err("indexing components"))
    }

    async fn forget_sboms_except(&self, subject: &Digest, keep: &[Digest]) -> Result<u64> {
        let mut tx = self.db.write().await?;
        let (f, where_) = other_sboms(subject, keep);
        let count = f.bind(format!("SELECT COUNT(DISTINCT sbom) FROM sbom_components {where_}"));
        let row = count.fetch_one(&mut tx).await.map_err(db_err("forgetting components"))?;
        let sboms: i64 = col(&row, 0)?;
        if sboms > 0 {
            let (f, where_) = other_sboms(subject, keep);
            let delete = f.bind(format!("DELETE FROM sbom_components {where_}"));
            delete.execute(&mut tx).await.map_err(db_err("forgetting components"))?;
        }
        tx.commit().await.map_err(db_err("forgetting components"))?;
        Ok(crate::db::to_u64(sboms))
    }

    async fn forget_orphans(&self) -> Result<u64> {
        let mut tx = self.db.write().await?;
        let mut forgotten = 0;
        for sql in [
            "DELETE FROM sbom_components WHERE subject NOT IN (SELECT digest FROM manifests)",
            "DELETE FROM findings WHERE subject NOT IN (SELECT digest FROM manifests)",
            "DELETE FROM attachment_verdicts WHERE subject NOT IN (SELECT digest FROM manifests) \
             OR attachment NOT IN (SELECT digest FROM manifests)",
        ] {
            forgotten += query(sql).execute(&mut tx).await.map_err(db_err("forgetting orphaned trust facts"))?;
        }
        tx.commit().await.map_err(db_err("forgetting orphaned trust facts"))?;
        Ok(forgotten)
    }

    async fn has_sbom(&self, subject: &Digest) -> Result<bool> {
        let row = query("SELECT 1 FROM sbom_components WHERE subject = $1 LIMIT 1")
            .bind(subject.as_str())
            .fetch_optional(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading the component index"))?;
        Ok(row.is_some())
    }

    async fn components(&self, subject: &Digest) -> Result<Vec<IndexedComponent>> {
        let rows = query(format!(
            "SELECT DISTINCT {COMPONENT_COLUMNS} FROM sbom_components c WHERE c.subject = $1 AND c.seq >= 0 \
             ORDER BY c.name, c.version"
        ))
        .bind(subject.as_str())
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading components"))?;
        rows.iter().map(|row| component_from_row(row, 0)).collect()
    }

    async fn find_components(&self, q: &ComponentQuery) -> Result<Vec<ComponentHit>> {
        let mut f = Filter::default();
        f.clauses.push("c.seq >= 0".to_owned());
        let exact = [("c.purl", &q.purl), ("c.version", &q.version), ("c.name", &q.name)];
        for (column, value) in exact {
            if let Some(value) = value {
                let p = f.text(value);
                f.clauses.push(format!("{column} = {p}"));
            }
        }
        if let Some(license) = &q.license {
            let p = f.text(&format!("%|{}|%", license.replace(['%', '_', '|'], "")));
            f.clauses.push(format!("c.licenses LIKE {p}"));
        }
        if let Some(repos) = &q.repositories {
            let list: Vec<String> = repos.iter().map(|r| f.text(r)).collect();
            let list = if list.is_empty() { "NULL".to_owned() } else { list.join(", ") };
            f.clauses.push(format!("t.repository IN ({list})"));
        }
        let where_ = f.where_clause();
        let n = f.arg(Arg::Int(limit(q.limit)));
        let sql = format!(
            "SELECT DISTINCT t.repository, r.stage, t.package, t.name, t.digest, t.updated_at, {COMPONENT_COLUMNS} \
             FROM sbom_components c JOIN tags t ON t.digest = c.subject \
             JOIN repositories r ON r.name = t.repository \
             {where_} ORDER BY t.updated_at DESC, t.repository, t.package, t.name LIMIT {n}"
        );
        let mut tx = self.db.read_tx().await?;
        let rows = f.bind(sql).fetch_all(&mut tx).await.map_err(db_err("searching components"))?;
        rows.iter()
            .map(|row| {
                Ok(ComponentHit {
                    repository: col(row, 0)?,
                    stage: col(row, 1)?,
                    package: col(row, 2)?,
                    version: col(row, 3)?,
                    digest: digest_col(row, 4)?,
                    component: component_from_row(row, 6)?,
                })
            })
            .collect()
    }

    async fn components_of_package(&self, ecosystem: &str, name: &str) -> Result<Vec<(Digest, IndexedComponent)>> {
        let rows = query(format!(
            "SELECT DISTINCT c.subject, {COMPONENT_COLUMNS} FROM sbom_components c \
             WHERE (c.ecosystem = $1 OR c.ecosystem LIKE $2) AND c.osv_name = $3 ORDER BY c.subject"
        ))
        .bind(ecosystem)
        .bind(format!("{}:%", ecosystem.replace(['%', '_'], "")))
        .bind(name)
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading components"))?;
        rows.iter().map(|row| Ok((digest_col(row, 0)?, component_from_row(row, 1)?))).collect()
    }
}

/// The rows of `subject`'s SBOMs other than `keep`: the filter and its WHERE clause.
fn other_sboms(subject: &Digest, keep: &[Digest]) -> (Filter, String) {
    let mut f = Filter::default();
    let p = f.text(subject.as_str());
    f.clauses.push(format!("subject = {p}"));
    if !keep.is_empty() {
        let list: Vec<String> = keep.iter().map(|d| f.text(d.as_str())).collect();
        f.clauses.push(format!("sbom NOT IN ({})", list.join(", ")));
    }
    let where_ = f.where_clause();
    (f, where_)
}

/// `|MIT|Apache-2.0|`: every license between bars, so `LIKE '%|MIT|%'` finds one exactly.
fn licenses_text(licenses: &[String]) -> String {
    if licenses.is_empty() {
        return String::new();
    }
    let cleaned: Vec<String> = licenses.iter().map(|l| l.replace('|', "")).collect();
    format!("|{}|", cleaned.join("|"))
}

fn component_from_row(row: &Row, at: usize) -> Result<IndexedComponent> {
    let licenses: String = col(row, at + 5)?;
    Ok(IndexedComponent {
        name: col(row, at)?,
        version: col(row, at + 1)?,
        purl: col(row, at + 2)?,
        ecosystem: col(row, at + 3)?,
        osv_name: col(row, at + 4)?,
        licenses: licenses.split('|').filter(|l| !l.is_empty()).map(str::to_owned).collect(),
    })
}

const FINDING_COLUMNS: &str = "subject, advisory, package, installed, fixed, severity, score, found_at";

#[async_trait]
impl AdvisoryStore for SqlMetaStore {
    async fn put_advisories(&self, advisories: &[StoredAdvisory], at: Millis) -> Result<usize> {
        let mut tx = self.db.write().await?;
        let mut changed = 0;
        for a in advisories {
            let done = query(
                "INSERT INTO advisories (id, modified, record, evaluated, imported_at) VALUES ($1, $2, $3, 0, $4) \
                 ON CONFLICT (id) DO UPDATE SET modified = excluded.modified, record = excluded.record, \
                 evaluated = 0, imported_at = excluded.imported_at \
                 WHERE advisories.modified < excluded.modified",
            )
            .bind(a.id.as_str())
            .bind(a.modified.as_str())
            .bind(a.record.as_str())
            .bind(at)
            .execute(&mut tx)
            .await
            .map_err(db_err("storing advisories"))?;
            if done == 0 {
                continue;
            }
            changed += 1;
            query("DELETE FROM advisory_packages WHERE advisory = $1")
                .bind(a.id.as_str())
                .execute(&mut tx)
                .await
                .map_err(db_err("storing advisories"))?;
            let packages: BTreeSet<&(String, String)> = a.packages.iter().collect();
            for (ecosystem, name) in packages {
                query("INSERT INTO advisory_packages (ecosystem, name, advisory) VALUES ($1, $2, $3)")
                    .bind(ecosystem.as_str())
                    .bind(name.as_str())
                    .bind(a.id.as_str())
                    .execute(&mut tx)
                    .await
                    .map_err(db_err("storing advisories"))?;
            }
        }
        tx.commit().await.map_err(db_err("storing advisories"))?;
        Ok(changed)
    }

    async fn advisories_for(&self, ecosystem: &str, name: &str) -> Result<Vec<String>> {
        let rows = query(
            "SELECT a.record FROM advisory_packages p JOIN advisories a ON a.id = p.advisory \
             WHERE p.ecosystem = $1 AND p.name = $2 ORDER BY a.id",
        )
        .bind(ecosystem)
        .bind(name)
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading advisories"))?;
        rows.iter().map(|row| col(row, 0)).collect()
    }

    async fn advisories_to_evaluate(&self, max: usize) -> Result<Vec<(String, String)>> {
        let rows = query("SELECT id, record FROM advisories WHERE evaluated = 0 ORDER BY id LIMIT $1")
            .bind(limit(max))
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(db_err("reading advisories"))?;
        rows.iter().map(|row| Ok((col(row, 0)?, col(row, 1)?))).collect()
    }

    async fn settle_advisory(&self, advisory: &str, findings: &[Finding]) -> Result<Vec<Finding>> {
        let mut tx = self.db.write().await?;
        let new = swap_findings(&mut tx, "advisory", advisory, findings).await?;
        query("UPDATE advisories SET evaluated = 1 WHERE id = $1")
            .bind(advisory)
            .execute(&mut tx)
            .await
            .map_err(db_err("recording findings"))?;
        tx.commit().await.map_err(db_err("recording findings"))?;
        Ok(new)
    }

    async fn replace_findings(&self, subject: &Digest, findings: &[Finding]) -> Result<Vec<Finding>> {
        let mut tx = self.db.write().await?;
        let new = swap_findings(&mut tx, "subject", subject.as_str(), findings).await?;
        tx.commit().await.map_err(db_err("recording findings"))?;
        Ok(new)
    }

    async fn findings(&self, subject: &Digest) -> Result<Vec<Finding>> {
        let rows =
            query(format!("SELECT {FINDING_COLUMNS} FROM findings WHERE subject = $1 ORDER BY advisory, package"))
                .bind(subject.as_str())
                .fetch_all(&mut self.db.read().await?)
                .await
                .map_err(db_err("reading findings"))?;
        rows.iter().map(finding_from_row).collect()
    }

    async fn advisory_count(&self) -> Result<u64> {
        let row = query("SELECT COUNT(*) FROM advisories")
            .fetch_one(&mut self.db.read().await?)
            .await
            .map_err(db_err("counting advisories"))?;
        let n: i64 = col(&row, 0)?;
        Ok(crate::db::to_u64(n))
    }
}

/// Replaces the findings whose `column` (`subject` or `advisory`, fixed text) is `value` with
/// `findings`, in `tx`; the ones that are new.
async fn swap_findings(
    tx: &mut crate::db::Tx,
    column: &'static str,
    value: &str,
    findings: &[Finding],
) -> Result<Vec<Finding>> {
    let before = query(format!("SELECT {FINDING_COLUMNS} FROM findings WHERE {column} = $1"))
        .bind(value)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err("reading findings"))?;
    let before: Vec<Finding> = before.iter().map(finding_from_row).collect::<Result<_>>()?;
    query(format!("DELETE FROM findings WHERE {column} = $1"))
        .bind(value)
        .execute(&mut *tx)
        .await
        .map_err(db_err("recording findings"))?;
    insert_findings(tx, findings, &before).await
}

/// Inserts findings (keeping the `found_at` of any that was there before); the ones that are new.
async fn insert_findings(tx: &mut crate::db::Tx, findings: &[Finding], before: &[Finding]) -> Result<Vec<Finding>> {
    let key = |f: &Finding| (f.subject.clone(), f.advisory.clone(), f.package.clone(), f.installed.clone());
    let known: std::collections::BTreeMap<_, i64> = before.iter().map(|f| (key(f), f.found_at)).collect();
    let mut seen = BTreeSet::new();
    let mut new = Vec::new();
    for f in findings {
        if !seen.insert(key(f)) {
            continue;
        }
        let found_at = known.get(&key(f)).copied().unwrap_or(f.found_at);
        query(format!("INSERT INTO findings ({FINDING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
            .bind(f.subject.as_str())
            .bind(f.advisory.as_str())
            .bind(f.package.as_str())
            .bind(f.installed.as_str())
            .bind(f.fixed.as_deref())
            .bind(f.severity.as_str())
            .bind(f.score.as_deref())
            .bind(found_at)
            .execute(&mut *tx)
            .await
            .map_err(db_err("recording findings"))?;
        if !known.contains_key(&key(f)) {
            new.push(f.clone());
        }
    }
    Ok(new)
}

fn finding_from_row(row: &Row) -> Result<Finding> {
    Ok(Finding {
        subject: digest_col(row, 0)?,
        advisory: col(row, 1)?,
        package: col(row, 2)?,
        installed: col(row, 3)?,
        fixed: col(row, 4)?,
        severity: col(row, 5)?,
        score: col(row, 6)?,
        found_at: col(row, 7)?,
    })
}
