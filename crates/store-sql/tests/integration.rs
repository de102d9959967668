//! SqlMetaStore: the shared MetaStore suite on SQLite and on PostgreSQL (one test per check and
//! database), the schema both dialects migrate to, and what only a SQL store promises.
//!
//! PostgreSQL comes from `ARCA_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`);
//! each test creates a scratch database there and drops it at the end. If the server is unreachable
//! the PostgreSQL tests fail, they do not skip.

#[path = "integration/audit.rs"]
mod audit;
#[path = "integration/faults.rs"]
mod faults;
#[path = "integration/fixtures.rs"]
mod fixtures;
#[path = "integration/jobs.rs"]
mod jobs;
#[path = "integration/schema.rs"]
mod schema;
#[path = "integration/sql.rs"]
mod sql;
#[path = "integration/touch.rs"]
mod touch;

/// One test per MetaStore check on a fresh SQLite file.
mod sqlite {
    macro_rules! suite {
        ($($check:ident),* $(,)?) => { $(
            #[tokio::test]
            async fn $check() {
                crate::fixtures::on_sqlite(arca_store_testkit::meta::check(stringify!($check))).await;
            }
        )* };
    }
    arca_store_testkit::meta_checks!(suite);
}

/// One test per MetaStore check on a scratch PostgreSQL database.
mod postgres {
    macro_rules! suite {
        ($($check:ident),* $(,)?) => { $(
            #[tokio::test]
            async fn $check() {
                crate::fixtures::on_postgres(arca_store_testkit::meta::check(stringify!($check))).await;
            }
        )* };
    }
    arca_store_testkit::meta_checks!(suite);
}
