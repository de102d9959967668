//! The SLI history (`0015_sli_samples`, `arca_core::sli::SliStore`): one row per point; values kept as
//! thousandths in a BIGINT.

use crate::SqlMetaStore;
use crate::db::{col, db_err};
use crate::sql::query;
use arca_core::Result;
use arca_core::meta::Millis;
use arca_core::sli::{Resolution, SliPoint, SliStore};
use async_trait::async_trait;

#[async_trait]
impl SliStore for SqlMetaStore {
    async fn record_sli(&self, resolution: Resolution, at: Millis, values: &[(String, f64)]) -> Result<()> {
        let mut tx = self.db.write().await?;
        for (series, value) in values {
            query(
                "INSERT INTO sli_samples (resolution, series, at, value_milli) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (resolution, series, at) DO UPDATE SET value_milli = excluded.value_milli",
            )
            .bind(resolution.as_str())
            .bind(series.as_str())
            .bind(at)
            .bind((value * 1000.0).round() as i64)
            .execute(&mut tx)
            .await
            .map_err(db_err("recording an SLI sample"))?;
        }
        tx.commit().await.map_err(db_err("recording SLI samples"))?;
        Ok(())
    }

    async fn sli_points(&self, resolution: Resolution, since: Millis) -> Result<Vec<SliPoint>> {
        let rows = query(
            "SELECT series, at, value_milli FROM sli_samples WHERE resolution = $1 AND at >= $2 \
             ORDER BY series, at",
        )
        .bind(resolution.as_str())
        .bind(since)
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(db_err("reading the SLI history"))?;
        rows.iter()
            .map(|row| {
                let milli: i64 = col(row, 2)?;
                Ok(SliPoint { series: col(row, 0)?, at: col(row, 1)?, value: milli as f64 / 1000.0 })
            })
            .collect()
    }

    async fn prune_sli(&self, resolution: Resolution, before: Millis) -> Result<u64> {
        let statement =
            query("DELETE FROM sli_samples WHERE resolution = $1 AND at < $2").bind(resolution.as_str()).bind(before);
        self.db.execute_write(statement).await.map_err(db_err("pruning the SLI history"))
    }
}
