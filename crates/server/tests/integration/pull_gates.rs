//! Pull gates and who may promote, with authentication on: a manifest GET of an artifact failing the
//! repository's pull gates is refused (403, OCI error JSON naming the gate), HEAD and referrers are
//! not, nor are callers who may publish there; promoting needs `promote` on the target.

use crate::auth::{Cred, auth_settings, setup};
use crate::support::{OCI_MANIFEST, sha256};
use arca_server::testing::TestServer;
use serde_json::{Value, json};

struct As<'a> {
    http: reqwest::Client,
    base: String,
    cred: &'a Cred,
}

impl As<'_> {
    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.cred.apply(self.http.request(method, format!("{}{path}", self.base)))
    }

    async fn push_blob(&self, name: &str, bytes: &[u8]) -> String {
        let digest = sha256(bytes);
        let r =
            self.req(reqwest::Method::POST, &format!("/v2/{name}/blobs/uploads/?digest={digest}")).body(bytes.to_vec());
        assert_eq!(r.send().await.unwrap().status(), 201);
        digest
    }

    async fn put_manifest(&self, name: &str, reference: &str, manifest: &str) {
        let r = self.req(reqwest::Method::PUT, &format!("/v2/{name}/manifests/{reference}"));
        let r = r.header("content-type", OCI_MANIFEST).body(manifest.to_owned()).send().await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }

    /// An image tagged `tag`; with `sbom`, an SPDX referrer too. Its digest and the SBOM's.
    async fn image(&self, name: &str, tag: &str, sbom: bool) -> (String, Option<String>) {
        let config = self.push_blob(name, b"{}").await;
        let layer = self.push_blob(name, tag.as_bytes()).await;
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":2}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{layer}","size":{}}}]}}"#,
            tag.len()
        );
        let digest = sha256(manifest.as_bytes());
        self.put_manifest(name, tag, &manifest).await;
        if !sbom {
            return (digest, None);
        }
        let spdx = self.push_blob(name, format!("spdx of {tag}").as_bytes()).await;
        let referrer = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","artifactType":"application/spdx+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{config}","size":2}},"layers":[{{"mediaType":"application/spdx+json","digest":"{spdx}","size":{}}}],"subject":{{"mediaType":"{OCI_MANIFEST}","digest":"{digest}","size":{}}}}}"#,
            format!("spdx of {tag}").len(),
            manifest.len()
        );
        let referrer_digest = sha256(referrer.as_bytes());
        self.put_manifest(name, &referrer_digest, &referrer).await;
        (digest, Some(referrer_digest))
    }

    async fn status(&self, method: reqwest::Method, path: &str) -> (u16, String) {
        let r = self.req(method, path).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self.req(reqwest::Method::POST, path).json(&body).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn pull_gates_refuse_what_fails_them_but_not_referrers_heads_or_publishers() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let (admin, reader, publisher) = (Cred::Password("admin"), Cred::Password("reader"), Cred::Password("publisher"));
    let client = |cred| As { http: reqwest::Client::new(), base: server.url(), cred };
    let (admin, reader, publisher) = (client(&admin), client(&reader), client(&publisher));

    let (status, bad) = admin.post("/api/v1/repositories", json!({"name": "dev", "pull_gates": ["approvals=1"]})).await;
    assert_eq!(status, 400, "approvals judge no pull: {bad}");
    let (status, bad) = admin.post("/api/v1/repositories", json!({"name": "dev", "pull_gates": ["cel=true"]})).await;
    assert_eq!(status, 400, "nor does an expression over a promotion's facts: {bad}");
    let (status, _) = admin.post("/api/v1/repositories", json!({"name": "dev", "pull_gates": ["sbom"]})).await;
    assert_eq!(status, 201);
    let (bare, _) = publisher.image("dev/app", "1.0", false).await;
    let (with_sbom, sbom) = publisher.image("dev/app", "2.0", true).await;

    let (status, body) = reader.status(reqwest::Method::GET, "/v2/dev/app/manifests/1.0").await;
    assert_eq!(status, 403, "{body}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["errors"][0]["code"], "DENIED", "OCI error JSON: {body}");
    let message = error["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("sbom: ") && message.contains(&bare), "names the gate and the digest: {message}");
    assert_eq!(
        reader.status(reqwest::Method::GET, &format!("/v2/dev/app/manifests/{bare}")).await.0,
        403,
        "by digest too"
    );
    assert_eq!(
        reader.status(reqwest::Method::HEAD, "/v2/dev/app/manifests/1.0").await.0,
        200,
        "a HEAD shows the digest"
    );
    assert_eq!(reader.status(reqwest::Method::GET, "/v2/dev/app/manifests/2.0").await.0, 200, "it has an SBOM");
    let sbom = sbom.unwrap();
    assert_eq!(
        reader.status(reqwest::Method::GET, &format!("/v2/dev/app/manifests/{sbom}")).await.0,
        200,
        "a referrer"
    );
    assert_eq!(publisher.status(reqwest::Method::GET, "/v2/dev/app/manifests/1.0").await.0, 200, "publishers sign");

    // Attaching an SBOM opens it at once (the cached verdict was for other referrers).
    let spdx = publisher.push_blob("dev/app", b"late spdx").await;
    let empty = publisher.push_blob("dev/app", b"{}").await;
    let late = format!(
        r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","artifactType":"application/spdx+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{empty}","size":2}},"layers":[{{"mediaType":"application/spdx+json","digest":"{spdx}","size":9}}],"subject":{{"mediaType":"{OCI_MANIFEST}","digest":"{bare}","size":1}}}}"#
    );
    publisher.put_manifest("dev/app", &sha256(late.as_bytes()), &late).await;
    assert_eq!(reader.status(reqwest::Method::GET, "/v2/dev/app/manifests/1.0").await.0, 200);
    let _ = with_sbom;
}

#[tokio::test]
async fn promoting_needs_read_on_the_source_and_promote_on_the_target() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path()).await;
    let server = TestServer::start_in(dir.path(), auth_settings).await;
    let creds = [Cred::Password("admin"), Cred::Password("publisher"), Cred::Password("promoter")];
    let client = |cred| As { http: reqwest::Client::new(), base: server.url(), cred };
    let (admin, publisher, promoter) = (client(&creds[0]), client(&creds[1]), client(&creds[2]));
    assert_eq!(admin.post("/api/v1/repositories", json!({"name": "stage"})).await.0, 201);
    assert_eq!(admin.post("/api/v1/repositories", json!({"name": "dev", "promote_from": ["stage"]})).await.0, 201);
    admin.image("stage/app", "1.0", false).await;
    let promote = json!({"artifact": "stage/app@1.0", "to": "dev"});
    // The promoter has promote on dev but cannot read stage; the publisher cannot promote.
    let (status, answer) = promoter.post("/api/v1/promotions", promote.clone()).await;
    assert_eq!((status, answer["error"]["code"].clone()), (403, json!("denied")), "{answer}");
    assert_eq!(publisher.post("/api/v1/promotions", promote.clone()).await.0, 403);
    let (status, answer) = admin.post("/api/v1/promotions", promote).await;
    assert_eq!(status, 200, "{answer}");
    let (status, _) =
        publisher.post("/api/v1/promotions/rollback", json!({"repository": "dev", "package": "app"})).await;
    assert_eq!(status, 403, "rolling back is promoting");
    // Each refusal the use case made is audited like the enforcement point's, with who and why.
    let (_, audit) = admin.status(reqwest::Method::GET, "/api/v1/audit?outcome=denied&limit=100").await;
    let audit: Value = serde_json::from_str(&audit).unwrap();
    let denied: Vec<&Value> =
        audit["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "request").collect();
    let said = |who: &str, what: &str| {
        denied.iter().any(|e| e["actor"] == who && e["detail"].as_str().is_some_and(|d| d.contains(what)))
    };
    assert!(said("promoter", "may not read in repository stage"), "{audit}");
    assert!(said("publisher", "may not promote in repository dev"), "{audit}");
}
