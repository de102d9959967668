//! Both dialects migrate to the same schema: the same tables, the same columns (name, type, null or
//! not, in order) and the same indexes (columns in order, unique or not).

use crate::fixtures::{PgScratch, SqliteFile, postgres_store, sqlite_store};
use sqlx::{Connection, Row};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// `name type [not null]`, in column order.
    columns: Vec<String>,
    /// `[unique] (a, b)`; primary keys and unique constraints show as unique indexes.
    indexes: BTreeSet<String>,
}

type Schema = BTreeMap<String, Table>;

/// Column types as the store uses them, whatever each dialect calls them.
fn normalize_type(declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" => "int64".to_owned(),
        "text" => "text".to_owned(),
        "blob" | "bytea" => "bytes".to_owned(),
        other => format!("unexpected type {other}"),
    }
}

fn column(name: &str, declared: &str, not_null: bool) -> String {
    format!("{name} {}{}", normalize_type(declared), if not_null { " not null" } else { "" })
}

fn index(columns: &str, unique: bool) -> String {
    format!("{}({columns})", if unique { "unique " } else { "" })
}

async fn sqlite_schema(url: &str) -> Schema {
    let mut conn = crate::fixtures::raw_connection(url).await;
    let tables: Vec<String> =
        sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .fetch_all(&mut conn)
            .await
            .expect("list tables")
            .iter()
            .map(|row| row.get(0))
            .collect();
    let mut schema = Schema::new();
    for name in tables {
        let mut table = Table::default();
        let columns = sqlx::query("SELECT name, type, \"notnull\" FROM pragma_table_info($1) ORDER BY cid")
            .bind(&name)
            .fetch_all(&mut conn)
            .await
            .expect("table columns");
        for row in columns {
            table.columns.push(column(row.get(0), row.get(1), row.get::<i64, _>(2) != 0));
        }
        let indexes = sqlx::query("SELECT name, \"unique\" FROM pragma_index_list($1)")
            .bind(&name)
            .fetch_all(&mut conn)
            .await
            .expect("table indexes");
        for row in indexes {
            let index_name: String = row.get(0);
            let columns: Vec<String> = sqlx::query("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(&index_name)
                .fetch_all(&mut conn)
                .await
                .expect("index columns")
                .iter()
                .map(|row| row.get(0))
                .collect();
            table.indexes.insert(index(&columns.join(", "), row.get::<i64, _>(1) != 0));
        }
        schema.insert(name, table);
    }
    let _ = conn.close().await;
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    let mut conn = crate::fixtures::raw_connection(url).await;
    let columns = sqlx::query(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text \
         FROM information_schema.columns c JOIN information_schema.tables t \
         ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(&mut conn)
    .await
    .expect("list columns");
    let mut schema = Schema::new();
    for row in columns {
        let table = schema.entry(row.get(0)).or_default();
        table.columns.push(column(row.get(1), row.get(2), row.get::<String, _>(3) == "NO"));
    }
    // pg_indexes only has the CREATE INDEX text; the catalogs give the columns in order.
    let indexes = sqlx::query(
        "SELECT t.relname::text, CAST(i.indisunique AS INTEGER), \
         string_agg(a.attname::text, ', ' ORDER BY k.ord) \
         FROM pg_index i \
         JOIN pg_class t ON t.oid = i.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         WHERE n.nspname = current_schema() \
         GROUP BY i.indexrelid, t.relname, i.indisunique",
    )
    .fetch_all(&mut conn)
    .await
    .expect("list indexes");
    for row in indexes {
        let table = schema.entry(row.get(0)).or_default();
        table.indexes.insert(index(row.get(2), row.get::<i64, _>(1) != 0));
    }
    let _ = conn.close().await;
    schema
}

#[tokio::test]
async fn both_dialects_produce_the_same_schema() {
    let file = SqliteFile::new();
    sqlite_store(&file).await.close().await;
    let pg = PgScratch::create().await;
    postgres_store(&pg).await.close().await;

    let sqlite = sqlite_schema(&file.url).await;
    let postgres = postgres_schema(&pg.url).await;
    pg.drop().await;

    for expected in ["repositories", "packages", "blobs", "blob_links", "manifests", "manifest_refs", "tags", "uploads"]
    {
        assert!(sqlite.contains_key(expected), "SQLite has table {expected}: {sqlite:#?}");
    }
    assert!(
        sqlite["tags"].indexes.contains("unique (repository, package, name)"),
        "a tag is found by one unique index: {:#?}",
        sqlite["tags"]
    );
    assert!(sqlite["packages"].indexes.contains("unique (full_name)"), "the catalog pages on full_name");
    assert!(sqlite["manifests"].indexes.contains("(repository, package, subject, digest)"), "referrers are indexed");
    assert!(
        sqlite.values().flat_map(|t| &t.columns).all(|c| !c.contains("unexpected")),
        "only int64, text and bytes columns: {sqlite:#?}"
    );

    let tables = |s: &Schema| s.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables(&sqlite), tables(&postgres), "the same tables");
    for (name, table) in &sqlite {
        assert_eq!(table.columns, postgres[name].columns, "the same columns in {name}");
        assert_eq!(table.indexes, postgres[name].indexes, "the same indexes on {name}");
    }
}
