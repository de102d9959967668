//! Three `arca serve` processes on one PostgreSQL database and one S3 bucket (issue 16, points 4 and
//! 5): the chunks of one push go to different nodes and skopeo pulls the image from the third; a
//! moved tag is seen by every node at once; two nodes racing for one immutable tag end with one
//! winner; an upload closed on one node is refused by all; and a node killed with SIGKILL in the
//! middle of a chunk leaves an upload the client finishes on another node.

use crate::harness::{Registry, header, http, require_tool};
use arca_server::testing::{S3_BUCKET as BUCKET, s3_endpoint};
use sha2::Digest as _;
use std::io::Write;
use std::process::Command;

const MIB: usize = 1024 * 1024;
const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

fn postgres_admin_url() -> String {
    std::env::var("ARCA_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn psql(url: &str, sql: &str) {
    let out = Command::new("psql").args([url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]).output();
    let out = out.unwrap_or_else(|e| panic!("psql (installed by .ci/run): {e}"));
    assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A fresh PostgreSQL database, dropped when the test ends.
struct Database {
    url: String,
    name: String,
}

impl Database {
    fn create() -> Self {
        let admin = postgres_admin_url();
        let name = format!("arca_scaleout_{}", std::process::id());
        psql(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        psql(&admin, &format!("CREATE DATABASE {name}"));
        let (base, _) = admin.rsplit_once('/').expect("a database URL");
        Self { url: format!("{base}/{name}"), name }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .args([
                &postgres_admin_url(),
                "-X",
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

/// Nodes on one database and one bucket prefix, credentials from the AWS variables.
fn node(db: &Database, prefix: &str) -> Registry {
    let endpoint = s3_endpoint();
    let storage = format!("s3://{BUCKET}/{prefix}");
    Registry::serve_env(&["--database", &db.url, "--storage", &storage], &s3_env(&endpoint))
}

/// The AWS SDKs' variables for the test server (arca reads them for `s3://` storage).
fn s3_env(endpoint: &str) -> [(&'static str, &str); 4] {
    [
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
    ]
}

fn create_bucket() {
    let host = s3_endpoint().trim_start_matches("http://").to_owned();
    let (status, _, _) = http(&host, "PUT", &format!("/{BUCKET}"), &[], b"");
    assert!(status == 200 || status == 409, "creating the bucket on {host}: {status}");
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(37).wrapping_add(seed) ^ (i >> 12) as u8).collect()
}

/// `POST` an upload on `node`; its location.
fn start_upload(node: &Registry) -> String {
    let (status, head, _) = http(node.host(), "POST", "/v2/dev/app/blobs/uploads/", &[], b"");
    assert_eq!(status, 202, "{}", node.log_tail());
    header(&head, "location").expect("location").to_owned()
}

/// `PATCH` a chunk at `offset`; the next location.
fn patch(node: &Registry, location: &str, offset: usize, chunk: &[u8]) -> String {
    let range = format!("{offset}-{}", offset + chunk.len() - 1);
    let (status, head, body) = http(node.host(), "PATCH", location, &[("content-range", &range)], chunk);
    assert_eq!(status, 202, "chunk at {offset}: {}\n{}", String::from_utf8_lossy(&body), node.log_tail());
    header(&head, "location").expect("location").to_owned()
}

fn finish(node: &Registry, location: &str, digest: &str) {
    let sep = if location.contains('?') { '&' } else { '?' };
    let (status, _, body) = http(node.host(), "PUT", &format!("{location}{sep}digest={digest}"), &[], b"");
    assert_eq!(status, 201, "{}\n{}", String::from_utf8_lossy(&body), node.log_tail());
}

fn push_blob(node: &Registry, content: &[u8]) -> String {
    let digest = sha256(content);
    let (status, _, body) =
        http(node.host(), "POST", &format!("/v2/dev/app/blobs/uploads/?digest={digest}"), &[], content);
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    digest
}

fn manifest(config: &str, layer: &str, size: usize) -> String {
    format!(
        r#"{{"schemaVersion":2,"mediaType":"{MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{layer}","size":{size}}}]}}"#
    )
}

fn put_manifest(node: &Registry, tag: &str, manifest: &str) -> (u16, String) {
    let (status, _, body) = http(
        node.host(),
        "PUT",
        &format!("/v2/dev/app/manifests/{tag}"),
        &[("content-type", MANIFEST)],
        manifest.as_bytes(),
    );
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn get_manifest(node: &Registry, tag: &str) -> String {
    let (status, _, body) =
        http(node.host(), "GET", &format!("/v2/dev/app/manifests/{tag}"), &[("accept", MANIFEST)], b"");
    assert_eq!(status, 200);
    String::from_utf8(body).unwrap()
}

#[test]
fn three_serve_processes_on_postgresql_and_s3_act_as_one_registry() {
    require_tool("skopeo");
    require_tool("psql");
    create_bucket();
    let db = Database::create();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let prefix = format!("scaleout-{}-{nanos}", std::process::id());
    let mut nodes = [node(&db, &prefix), node(&db, &prefix), node(&db, &prefix)];

    // One push whose chunks (3, 6 and 4 MiB: S3 parts cut across them) alternate between two nodes.
    let layer = pattern(13 * MIB, 1);
    let digest = sha256(&layer);
    let mut location = start_upload(&nodes[0]);
    let mut offset = 0;
    for (i, size) in [3 * MIB, 6 * MIB, 4 * MIB].into_iter().enumerate() {
        location = patch(&nodes[(i + 1) % 2], &location, offset, &layer[offset..offset + size]);
        offset += size;
    }
    finish(&nodes[1], &location, &digest);
    let config = push_blob(&nodes[0], b"{}");
    let image = manifest(&config, &digest, layer.len());
    assert_eq!(put_manifest(&nodes[0], "1.0", &image).0, 201);

    // skopeo pulls it from the third node, checking every digest.
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("pulled");
    let src = format!("docker://{}/dev/app:1.0", nodes[2].host());
    let mut skopeo = Command::new("skopeo");
    skopeo
        .env("HOME", dir.path())
        .args(["copy", "--src-tls-verify=false", &src])
        .arg(format!("dir:{}", dest.display()));
    nodes[2].run("skopeo copy from the third node", &mut skopeo);
    let pulled = std::fs::read(dest.join(digest.trim_start_matches("sha256:"))).unwrap();
    assert!(pulled == layer, "the layer came back byte for byte");

    // A moved tag is seen by every node at once.
    for (i, writer) in nodes.iter().enumerate() {
        let layer = push_blob(writer, format!("latest {i}").as_bytes());
        let moved = manifest(&config, &layer, format!("latest {i}").len());
        assert_eq!(put_manifest(writer, "latest", &moved).0, 201);
        for reader in &nodes {
            assert_eq!(get_manifest(reader, "latest"), moved, "node {i} moved latest; every node sees it");
        }
    }

    // Two nodes race for one immutable tag with different content: one winner, one clear refusal.
    for round in 0..3 {
        let tag = format!("2.{round}");
        let candidates: Vec<String> = (0..2)
            .map(|n| {
                let layer = push_blob(&nodes[n], format!("race {round} {n}").as_bytes());
                manifest(&config, &layer, format!("race {round} {n}").len())
            })
            .collect();
        let answers: Vec<(u16, String)> = std::thread::scope(|s| {
            let racers: Vec<_> = (0..2)
                .map(|n| {
                    s.spawn({
                        let (node, m, tag) = (&nodes[n], &candidates[n], &tag);
                        move || put_manifest(node, tag, m)
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
        let winner = match statuses.as_slice() {
            [201, 409] => 0,
            [409, 201] => 1,
            other => panic!("one winner and one refusal, not {other:?}"),
        };
        let refusal = &answers[1 - winner].1;
        assert!(refusal.contains("DENIED") && refusal.contains("immutable"), "{refusal}");
        assert_eq!(get_manifest(&nodes[2], &tag), candidates[winner]);
    }

    // An upload closed on one node is refused by every node.
    let closed = start_upload(&nodes[0]);
    let (status, _, _) = http(nodes[0].host(), "DELETE", &closed, &[], b"");
    assert_eq!(status, 204);
    for node in &nodes {
        let (status, _, body) = http(node.host(), "PATCH", &closed, &[("content-range", "0-3")], b"more");
        assert_eq!(status, 404, "a cancelled upload is refused everywhere");
        assert!(String::from_utf8_lossy(&body).contains("BLOB_UPLOAD_UNKNOWN"));
    }

    // A node killed with SIGKILL while a chunk streams in: the client asks another node where the
    // upload stands and finishes it there.
    let blob = pattern(9 * MIB, 2);
    let location = start_upload(&nodes[2]);
    let location = patch(&nodes[2], &location, 0, &blob[..3 * MIB]);
    let mut cut = std::net::TcpStream::connect(nodes[2].host()).unwrap();
    let head = format!(
        "PATCH {location} HTTP/1.1\r\nHost: {}\r\nContent-Range: {}-{}\r\nContent-Length: {}\r\n\r\n",
        nodes[2].host(),
        3 * MIB,
        9 * MIB - 1,
        6 * MIB
    );
    cut.write_all(head.as_bytes()).unwrap();
    cut.write_all(&blob[3 * MIB..5 * MIB]).unwrap();
    nodes[2].kill();
    drop(cut);
    let (status, head, _) = http(nodes[0].host(), "GET", &location, &[], b"");
    assert_eq!(status, 204, "another node knows the upload");
    let range = header(&head, "range").expect("range").to_owned();
    let acknowledged: usize = range.trim_start_matches("0-").parse::<usize>().unwrap() + 1;
    assert_eq!(acknowledged, 3 * MIB, "the chunk cut by the kill is not counted");
    let location = patch(&nodes[0], &location, acknowledged, &blob[acknowledged..]);
    finish(&nodes[1], &location, &sha256(&blob));
    let (status, _, body) = http(nodes[1].host(), "GET", &format!("/v2/dev/app/blobs/{}", sha256(&blob)), &[], b"");
    assert!(status == 200 && body == blob, "the resumed upload pulls whole");

    // `arca fsck` checks the same registry on PostgreSQL and S3 while two nodes serve it.
    let storage = format!("s3://{BUCKET}/{prefix}");
    let mut fsck = crate::harness::arca();
    fsck.args(["fsck", "--database", &db.url, "--storage", &storage]).envs(s3_env(&s3_endpoint()));
    let report = nodes[0].run("arca fsck on PostgreSQL and S3", &mut fsck);
    assert!(report.contains("blobs"), "{report}");

    // Every node appended audit entries without a shared lock (PostgreSQL chains them in batches):
    // the chain holds them all and verifies, including what the killed node committed.
    let mut verify = crate::harness::arca();
    verify.args(["audit", "verify", "--database", &db.url]);
    let verified = nodes[0].run("arca audit verify on PostgreSQL", &mut verify);
    assert!(verified.contains("hash chain verified"), "{verified}");
    let mut pending = std::process::Command::new("psql");
    pending.args([db.url.as_str(), "-X", "-q", "-t", "-A", "-c", "SELECT COUNT(*) FROM audit_pending"]);
    assert_eq!(nodes[0].run("counting pending audit entries", &mut pending).trim(), "0", "nothing left unchained");
}

/// The laptop setup with blobs in a bucket: `arca serve --storage s3://…` on the default SQLite
/// database in a data directory that does not exist yet.
#[test]
fn one_node_on_sqlite_keeps_its_blobs_in_a_bucket() {
    create_bucket();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let storage = format!("s3://{BUCKET}/laptop-{}-{nanos}", std::process::id());
    let endpoint = s3_endpoint();
    let node = Registry::serve_env(&["--storage", &storage], &s3_env(&endpoint));
    let file = pattern(6 * MIB, 3);
    let (status, _, _) = http(node.host(), "PUT", "/generic/tools/cli/1.0/cli.bin", &[], &file);
    assert_eq!(status, 201, "{}", node.log_tail());
    let (status, _, body) = http(node.host(), "GET", "/generic/tools/cli/1.0/cli.bin", &[], b"");
    assert!(status == 200 && body == file, "read back from the bucket");
    let (status, _, _) = http(node.host(), "GET", "/readyz", &[], b"");
    assert_eq!(status, 200);
}
