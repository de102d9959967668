//! Job leases (`arca_core::jobs::JobClaims`): one conditional UPDATE decides who runs a job, so on
//! PostgreSQL concurrent claims from several nodes serialise on the row and at most one matches.

use crate::SqlMetaStore;
use crate::db::db_err;
use crate::sql::query;
use arca_core::Result;
use arca_core::jobs::JobClaims;
use arca_core::meta::Millis;
use async_trait::async_trait;

#[async_trait]
impl JobClaims for SqlMetaStore {
    async fn claim_job(
        &self,
        job: &str,
        holder: &str,
        now: Millis,
        lease_until: Millis,
        next_due: Millis,
        force: bool,
    ) -> Result<bool> {
        let mut tx = self.db.write().await?;
        query(
            "INSERT INTO job_leases (name, holder, lease_until, due_at) VALUES ($1, '', 0, 0) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(job)
        .execute(&mut tx)
        .await
        .map_err(db_err("creating a job lease"))?;
        // Forced (a manual run now): free is enough; scheduled: free and due.
        let condition = if force { "" } else { " AND due_at <= $5" };
        let claim = format!(
            "UPDATE job_leases SET holder = $1, lease_until = $2, due_at = $3 \
             WHERE name = $4 AND lease_until <= $5{condition}"
        );
        let claimed = query(claim)
            .bind(holder)
            .bind(lease_until)
            .bind(next_due)
            .bind(job)
            .bind(now)
            .execute(&mut tx)
            .await
            .map_err(db_err("claiming a job"))?
            == 1;
        tx.commit().await.map_err(db_err("claiming a job"))?;
        Ok(claimed)
    }

    async fn renew_job(&self, job: &str, holder: &str, lease_until: Millis) -> Result<bool> {
        let statement = query("UPDATE job_leases SET lease_until = $1 WHERE name = $2 AND holder = $3")
            .bind(lease_until)
            .bind(job)
            .bind(holder);
        let done = self.db.execute_write(statement).await.map_err(db_err("renewing a job lease"))?;
        Ok(done == 1)
    }

    async fn release_job(&self, job: &str, holder: &str) -> Result<()> {
        let statement =
            query("UPDATE job_leases SET lease_until = 0 WHERE name = $1 AND holder = $2").bind(job).bind(holder);
        self.db.execute_write(statement).await.map_err(db_err("releasing a job lease"))?;
        Ok(())
    }
}
