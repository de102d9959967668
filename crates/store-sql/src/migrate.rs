//! Schema migrations, one SQL file per version and dialect, applied in order at connect.
//!
//! Applied versions are recorded in `schema_migrations`. All pending migrations run in one transaction
//! (SQLite and PostgreSQL both have transactional DDL), so a failed migration leaves the schema as it
//! was; on PostgreSQL an advisory lock serializes nodes that start at the same time.

use crate::db::{Db, Dialect, db_err};
use crate::sql::query;
use arca_core::{Error, ErrorKind, Result};

/// A schema version: its number (strictly increasing), a name, and its SQL per dialect.
struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "auth",
        sqlite: include_str!("../migrations/sqlite/0002_auth.sql"),
        postgres: include_str!("../migrations/postgres/0002_auth.sql"),
    },
    Migration {
        version: 3,
        name: "properties",
        sqlite: include_str!("../migrations/sqlite/0003_properties.sql"),
        postgres: include_str!("../migrations/postgres/0003_properties.sql"),
    },
    Migration {
        version: 4,
        name: "search",
        sqlite: include_str!("../migrations/sqlite/0004_search.sql"),
        postgres: include_str!("../migrations/postgres/0004_search.sql"),
    },
    Migration {
        version: 5,
        name: "readiness",
        sqlite: include_str!("../migrations/sqlite/0005_readiness.sql"),
        postgres: include_str!("../migrations/postgres/0005_readiness.sql"),
    },
    Migration {
        version: 6,
        name: "jobs",
        sqlite: include_str!("../migrations/sqlite/0006_jobs.sql"),
        postgres: include_str!("../migrations/postgres/0006_jobs.sql"),
    },
    Migration {
        version: 7,
        name: "closed_uploads",
        sqlite: include_str!("../migrations/sqlite/0007_closed_uploads.sql"),
        postgres: include_str!("../migrations/postgres/0007_closed_uploads.sql"),
    },
    Migration {
        version: 8,
        name: "gc",
        sqlite: include_str!("../migrations/sqlite/0008_gc.sql"),
        postgres: include_str!("../migrations/postgres/0008_gc.sql"),
    },
    Migration {
        version: 9,
        name: "promotion",
        sqlite: include_str!("../migrations/sqlite/0009_promotion.sql"),
        postgres: include_str!("../migrations/postgres/0009_promotion.sql"),
    },
    Migration {
        version: 10,
        name: "trust",
        sqlite: include_str!("../migrations/sqlite/0010_trust.sql"),
        postgres: include_str!("../migrations/postgres/0010_trust.sql"),
    },
    Migration {
        version: 11,
        name: "published_files",
        sqlite: include_str!("../migrations/sqlite/0011_published_files.sql"),
        postgres: include_str!("../migrations/postgres/0011_published_files.sql"),
    },
    Migration {
        version: 12,
        name: "package_status",
        sqlite: include_str!("../migrations/sqlite/0012_package_status.sql"),
        postgres: include_str!("../migrations/postgres/0012_package_status.sql"),
    },
    Migration {
        version: 13,
        name: "allow_unpublish",
        sqlite: include_str!("../migrations/sqlite/0013_allow_unpublish.sql"),
        postgres: include_str!("../migrations/postgres/0013_allow_unpublish.sql"),
    },
    Migration {
        version: 14,
        name: "crate_owners",
        sqlite: include_str!("../migrations/sqlite/0014_crate_owners.sql"),
        postgres: include_str!("../migrations/postgres/0014_crate_owners.sql"),
    },
    Migration {
        version: 15,
        name: "sli_samples",
        sqlite: include_str!("../migrations/sqlite/0015_sli_samples.sql"),
        postgres: include_str!("../migrations/postgres/0015_sli_samples.sql"),
    },
    Migration {
        version: 16,
        name: "package_versions",
        sqlite: include_str!("../migrations/sqlite/0016_package_versions.sql"),
        postgres: include_str!("../migrations/postgres/0016_package_versions.sql"),
    },
    Migration {
        version: 17,
        name: "audit_pending",
        sqlite: include_str!("../migrations/sqlite/0017_audit_pending.sql"),
        postgres: include_str!("../migrations/postgres/0017_audit_pending.sql"),
    },
    Migration {
        version: 18,
        name: "blob_bodies",
        sqlite: include_str!("../migrations/sqlite/0018_blob_bodies.sql"),
        postgres: include_str!("../migrations/postgres/0018_blob_bodies.sql"),
    },
];

/// Any 64-bit number, the same in every arca: the advisory lock that serializes migrations.
const POSTGRES_MIGRATION_LOCK: &str = "SELECT pg_advisory_xact_lock(7305982735473311297)";

const CREATE_SCHEMA_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (\
     version BIGINT NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

impl Migration {
    fn sql(&self, dialect: Dialect) -> &'static str {
        match dialect {
            Dialect::Sqlite => self.sqlite,
            Dialect::Postgres => self.postgres,
        }
    }
}

/// The newest schema version this build knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the schema up to [`latest`]; returns the versions applied.
pub async fn run(db: &Db) -> Result<Vec<i64>> {
    let mut tx = db.write().await?;
    if db.dialect == Dialect::Postgres {
        query(POSTGRES_MIGRATION_LOCK).execute(&mut tx).await.map_err(db_err("locking migrations"))?;
    }
    query(CREATE_SCHEMA_MIGRATIONS).execute(&mut tx).await.map_err(db_err("creating schema_migrations"))?;
    let current: i64 = query("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations")
        .fetch_one(&mut tx)
        .await
        .and_then(|row| row.get(0))
        .map_err(db_err("reading the schema version"))?;
    let pending = pending(current)?;
    for m in pending {
        tracing::info!(version = m.version, name = m.name, "applying metadata schema migration");
        crate::sql::batch(&mut tx, m.sql(db.dialect)).await.map_err(db_err("applying a schema migration"))?;
        query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(m.version)
            .bind(m.name)
            .bind(arca_core::now_millis())
            .execute(&mut tx)
            .await
            .map_err(db_err("recording a schema migration"))?;
    }
    tx.commit().await.map_err(db_err("committing schema migrations"))?;
    Ok(pending.iter().map(|m| m.version).collect())
}

/// The migrations after `current`; an error if the database is newer than this build.
fn pending(current: i64) -> Result<&'static [Migration]> {
    if current > latest() {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "the metadata database is at schema version {current}, newer than this arca knows ({}): upgrade arca",
                latest()
            ),
        ));
    }
    Ok(&MIGRATIONS[MIGRATIONS.partition_point(|m| m.version <= current)..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_strictly_increase_from_one() {
        assert_eq!(MIGRATIONS[0].version, 1);
        for pair in MIGRATIONS.windows(2) {
            assert_eq!(pair[1].version, pair[0].version + 1, "{} follows {}", pair[1].name, pair[0].name);
        }
    }

    #[test]
    fn every_migration_exists_in_both_dialects() {
        for m in MIGRATIONS {
            assert!(m.sqlite.contains("CREATE") || m.sqlite.contains("ALTER"), "sqlite {} is empty", m.name);
            assert!(m.postgres.contains("CREATE") || m.postgres.contains("ALTER"), "postgres {} is empty", m.name);
        }
    }

    #[test]
    fn only_newer_migrations_are_pending() {
        assert_eq!(pending(0).unwrap().len(), MIGRATIONS.len());
        assert!(pending(latest()).unwrap().is_empty());
        let err = pending(latest() + 1).err().expect("a newer database is refused");
        assert_eq!(err.kind, ErrorKind::Unsupported);
    }
}
