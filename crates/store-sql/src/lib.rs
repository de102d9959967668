//! MetaStore on SQLite and PostgreSQL through sqlx, with migrations per dialect.
