//! Test content: descriptors, a data set ([`TestData`]) and its generators, mirroring
//! upstream `testdata.go` (`genBlob`, `genLayer`, `genConfig`, `genManifest`,
//! `genManifestFull`, `genIndex`, `genIndexFull` and their `genWith*` options).

use crate::digest::{Algorithm, Digest};
use crate::encode::{Rng, base64, gzip_stored, random_bytes, random_text, tar_one_file};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const MT_EXAMPLE_CONF1: &str = "application/vnd.example.oci.conformance.v1";
pub const MT_EXAMPLE_CONF2: &str = "application/vnd.example.oci.conformance.v2";
pub const MT_OCTET_STREAM: &str = "application/octet-stream";
pub const MT_OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const MT_OCI_IMAGE: &str = "application/vnd.oci.image.manifest.v1+json";
pub const MT_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MT_OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
pub const MT_OCI_LAYER_PRE: &str = "application/vnd.oci.image.layer.v1.";
pub const MT_OCI_LAYER_GZ: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const MT_OCI_LAYER_ND: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar";
pub const MT_OCI_LAYER_ND_GZ: &str = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
pub const MT_OCI_EMPTY_JSON: &str = "application/vnd.oci.empty.v1+json";

/// An OS/architecture pair of an index entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
}

impl Platform {
    pub fn new(os: &str, architecture: &str) -> Self {
        Platform { os: os.to_string(), architecture: architecture.to_string() }
    }

    pub fn linux_amd64() -> Self {
        Platform::new("linux", "amd64")
    }

    pub fn linux_arm64() -> Self {
        Platform::new("linux", "arm64")
    }
}

/// An OCI content descriptor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    pub urls: Vec<String>,
    pub annotations: BTreeMap<String, String>,
    pub data: Option<Vec<u8>>,
    pub platform: Option<Platform>,
    /// Empty when absent.
    pub artifact_type: String,
}

impl Descriptor {
    pub fn new(media_type: &str, digest: Digest, size: u64) -> Self {
        Descriptor {
            media_type: media_type.to_string(),
            digest,
            size,
            urls: Vec::new(),
            annotations: BTreeMap::new(),
            data: None,
            platform: None,
            artifact_type: String::new(),
        }
    }

    /// The JSON form (Go's `image.Descriptor` with `omitempty` fields left out).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("mediaType".into(), json!(self.media_type));
        m.insert("digest".into(), json!(self.digest.as_str()));
        m.insert("size".into(), json!(self.size));
        if !self.urls.is_empty() {
            m.insert("urls".into(), json!(self.urls));
        }
        if !self.annotations.is_empty() {
            m.insert("annotations".into(), json!(self.annotations));
        }
        if let Some(data) = &self.data {
            m.insert("data".into(), json!(base64(data)));
        }
        if let Some(p) = &self.platform {
            m.insert("platform".into(), json!({"architecture": p.architecture, "os": p.os}));
        }
        if !self.artifact_type.is_empty() {
            m.insert("artifactType".into(), json!(self.artifact_type));
        }
        Value::Object(m)
    }

    /// Reads the fields the referrers check compares from a JSON descriptor.
    pub fn from_json(v: &Value) -> Option<Self> {
        let mut d = Descriptor::new(
            v.get("mediaType")?.as_str().unwrap_or_default(),
            Digest::from_raw(v.get("digest")?.as_str()?),
            v.get("size")?.as_u64()?,
        );
        d.artifact_type = v.get("artifactType").and_then(Value::as_str).unwrap_or_default().into();
        if let Some(Value::Object(a)) = v.get("annotations") {
            for (k, val) in a {
                d.annotations.insert(k.clone(), val.as_str().unwrap_or_default().to_string());
            }
        }
        Some(d)
    }
}

/// Options of the generators (upstream `genOptS`); unset fields take each generator's
/// own default, and options are passed down to nested generators as upstream does.
#[derive(Clone, Debug, Default)]
pub struct Gen {
    pub algo: Option<Algorithm>,
    pub annotations: Option<BTreeMap<String, String>>,
    pub annotation_uniq: bool,
    pub artifact_type: Option<String>,
    pub blob_size: Option<usize>,
    pub uncompressed: bool,
    pub config_bytes: Option<Vec<u8>>,
    pub config_media_type: Option<String>,
    pub descriptor_media_type: Option<String>,
    pub extra_field: bool,
    pub layer_bytes: Option<Vec<u8>>,
    pub layer_count: Option<usize>,
    pub layer_media_type: Option<String>,
    pub platform: Option<Platform>,
    pub platforms: Option<Vec<Platform>>,
    pub set_data: bool,
    pub subject: Option<Descriptor>,
    pub tag: Option<String>,
}

impl Gen {
    pub fn new() -> Self {
        Gen::default()
    }
    pub fn algo(mut self, a: Algorithm) -> Self {
        self.algo = Some(a);
        self
    }
    pub fn annotations(mut self, pairs: &[(&str, &str)]) -> Self {
        let map = self.annotations.get_or_insert_with(BTreeMap::new);
        for (k, v) in pairs {
            map.insert((*k).to_string(), (*v).to_string());
        }
        self
    }
    pub fn annotation_map(mut self, map: BTreeMap<String, String>) -> Self {
        self.annotations.get_or_insert_with(BTreeMap::new).extend(map);
        self
    }
    pub fn annotation_uniq(mut self) -> Self {
        self.annotation_uniq = true;
        self
    }
    pub fn artifact_type(mut self, t: &str) -> Self {
        self.artifact_type = Some(t.to_string());
        self
    }
    pub fn blob_size(mut self, n: usize) -> Self {
        self.blob_size = Some(n);
        self
    }
    pub fn uncompressed(mut self) -> Self {
        self.uncompressed = true;
        self
    }
    pub fn config_bytes(mut self, b: &[u8]) -> Self {
        self.config_bytes = Some(b.to_vec());
        self
    }
    pub fn config_media_type(mut self, t: &str) -> Self {
        self.config_media_type = Some(t.to_string());
        self
    }
    pub fn descriptor_media_type(mut self, t: &str) -> Self {
        self.descriptor_media_type = Some(t.to_string());
        self
    }
    pub fn extra_field(mut self) -> Self {
        self.extra_field = true;
        self
    }
    pub fn layer_bytes(mut self, b: &[u8]) -> Self {
        self.layer_bytes = Some(b.to_vec());
        self
    }
    pub fn layer_count(mut self, n: usize) -> Self {
        self.layer_count = Some(n);
        self
    }
    pub fn layer_media_type(mut self, t: &str) -> Self {
        self.layer_media_type = Some(t.to_string());
        self
    }
    pub fn platform(mut self, p: Platform) -> Self {
        self.platform = Some(p);
        self
    }
    pub fn platforms(mut self, ps: Vec<Platform>) -> Self {
        self.platforms = Some(ps);
        self
    }
    pub fn set_data(mut self) -> Self {
        self.set_data = true;
        self
    }
    pub fn subject(mut self, d: Descriptor) -> Self {
        self.subject = Some(d);
        self
    }
    pub fn tag(mut self, t: &str) -> Self {
        self.tag = Some(t.to_string());
        self
    }
    fn algorithm(&self) -> Algorithm {
        self.algo.unwrap_or(Algorithm::Sha256)
    }
}

/// One data set: its blobs, manifests (in push order), tags and expected referrers
/// (upstream `testData`).
#[derive(Debug, Default)]
pub struct TestData {
    pub name: String,
    pub tags: BTreeMap<String, Digest>,
    pub tag_pushed: BTreeSet<String>,
    pub desc: HashMap<Digest, Descriptor>,
    pub blobs: BTreeMap<Digest, Vec<u8>>,
    pub manifests: HashMap<Digest, Vec<u8>>,
    /// Push order; deletes go in reverse.
    pub man_order: Vec<Digest>,
    pub referrers: BTreeMap<Digest, Vec<Descriptor>>,
    /// Upstream pull option `SkipPullTest`.
    pub skip_pull: BTreeSet<Digest>,
    /// Upstream push option `ExpectBadDigest`.
    pub expect_bad_digest: BTreeSet<Digest>,
    /// Upstream push option `TagParam`: push by digest with `?tag=` for its tags.
    pub tag_param: BTreeSet<Digest>,
}

/// Adds `"org.<random>": "<random>"` at the top level (upstream `genAddJSONFields`).
fn add_extra_field(v: &mut Value) {
    if let Value::Object(m) = v {
        m.insert(format!("org.{}", random_text()), json!(random_text()));
    }
}

impl TestData {
    pub fn new(name: &str) -> Self {
        TestData { name: name.to_string(), ..TestData::default() }
    }

    /// Registers `bytes` as a blob (upstream `addBlob`).
    pub fn add_blob(&mut self, bytes: &[u8], opts: &Gen) -> Digest {
        let dig = opts.algorithm().digest(bytes);
        self.blobs.insert(dig.clone(), bytes.to_vec());
        let mt = opts.descriptor_media_type.as_deref().unwrap_or(MT_OCTET_STREAM);
        let mut d = Descriptor::new(mt, dig.clone(), bytes.len() as u64);
        if opts.set_data {
            d.data = Some(bytes.to_vec());
        }
        self.desc.insert(dig.clone(), d);
        dig
    }

    /// A random blob, 2048 bytes unless `blob_size` is set (upstream `genBlob`).
    pub fn gen_blob(&mut self, opts: &Gen) -> (Digest, Vec<u8>) {
        let bytes = random_bytes(opts.blob_size.unwrap_or(2048));
        let dig = self.add_blob(&bytes, opts);
        (dig, bytes)
    }

    /// A layer: a tar with one file, gzip'd unless `uncompressed`. Returns the digest of
    /// the layer and of the uncompressed tar (its diff ID) (upstream `genLayer`).
    pub fn gen_layer(&mut self, file_num: usize, opts: &Gen) -> (Digest, Digest) {
        let algo = opts.algorithm();
        let lucky = Rng::new().next_u64() >> 1;
        let file =
            format!("Conformance test file contents for file number {file_num}.\nTodays lucky number is {lucky}\n");
        let tar = tar_one_file(&format!("./conformance-{file_num}.txt"), file.as_bytes());
        let (body, mt) =
            if opts.uncompressed { (tar.clone(), MT_OCI_LAYER) } else { (gzip_stored(&tar), MT_OCI_LAYER_GZ) };
        let dig = algo.digest(&body);
        let diff_id = algo.digest(&tar);
        let mut d = Descriptor::new(mt, dig.clone(), body.len() as u64);
        if opts.set_data {
            d.data = Some(body.clone());
        }
        self.blobs.insert(dig.clone(), body);
        self.desc.insert(dig.clone(), d);
        (dig, diff_id)
    }

    /// An image config for `platform` and `diff_ids` (upstream `genConfig`).
    pub fn gen_config(&mut self, platform: &Platform, diff_ids: &[Digest], opts: &Gen) -> Digest {
        let ids: Vec<&str> = diff_ids.iter().map(Digest::as_str).collect();
        let mut config = json!({
            "author": "OCI Conformance Test",
            "architecture": platform.architecture,
            "os": platform.os,
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": ids},
        });
        if opts.extra_field {
            add_extra_field(&mut config);
        }
        let body = serde_json::to_vec(&config).expect("serializing a config");
        let dig = opts.algorithm().digest(&body);
        let mt = opts.config_media_type.as_deref().unwrap_or(MT_OCI_CONFIG);
        let mut d = Descriptor::new(mt, dig.clone(), body.len() as u64);
        if opts.set_data {
            d.data = Some(body.clone());
        }
        self.blobs.insert(dig.clone(), body);
        self.desc.insert(dig.clone(), d);
        dig
    }

    /// An image manifest of `config` and `layers` (upstream `genManifest`).
    pub fn gen_manifest(&mut self, config: &Descriptor, layers: &[Descriptor], opts: &Gen) -> Digest {
        let mut m = Map::new();
        m.insert("schemaVersion".into(), json!(2));
        m.insert("mediaType".into(), json!(MT_OCI_IMAGE));
        if let Some(at) = &opts.artifact_type {
            m.insert("artifactType".into(), json!(at));
        }
        m.insert("config".into(), config.to_json());
        m.insert("layers".into(), Value::Array(layers.iter().map(Descriptor::to_json).collect()));
        if let Some(s) = &opts.subject {
            m.insert("subject".into(), s.to_json());
        }
        let annotations = self.annotations_for(opts);
        if !annotations.is_empty() {
            m.insert("annotations".into(), json!(annotations));
        }
        let mut v = Value::Object(m);
        if opts.extra_field {
            add_extra_field(&mut v);
        }
        let body = serde_json::to_vec(&v).expect("serializing a manifest");
        let artifact_type = opts.artifact_type.clone().unwrap_or_else(|| config.media_type.clone());
        self.add_manifest(body, MT_OCI_IMAGE, artifact_type, annotations, opts)
    }

    /// An image manifest with its layers and config (upstream `genManifestFull`: two
    /// layers and linux/amd64 unless set otherwise).
    pub fn gen_manifest_full(&mut self, opts: &Gen) -> Digest {
        let platform = opts.platform.clone().unwrap_or_else(Platform::linux_amd64);
        let mut layer_digests = Vec::new();
        let mut diff_ids = Vec::new();
        for l in 0..opts.layer_count.unwrap_or(2) {
            match &opts.layer_media_type {
                Some(mt) if !mt.starts_with(MT_OCI_LAYER_PRE) => {
                    let mut lopts = opts.clone();
                    lopts.descriptor_media_type = Some(mt.clone());
                    let dig = match &opts.layer_bytes {
                        Some(bytes) => self.add_blob(bytes, &lopts),
                        None => self.gen_blob(&lopts).0,
                    };
                    layer_digests.push(dig.clone());
                    diff_ids.push(dig);
                }
                _ => {
                    let (dig, diff_id) = self.gen_layer(l, opts);
                    layer_digests.push(dig);
                    diff_ids.push(diff_id);
                }
            }
        }
        let config_digest = match opts.config_media_type.as_deref() {
            None | Some(MT_OCI_CONFIG) => self.gen_config(&platform, &diff_ids, opts),
            Some(mt) => {
                let mut copts = opts.clone();
                copts.descriptor_media_type = Some(mt.to_string());
                let bytes = opts.config_bytes.clone().unwrap_or_default();
                self.add_blob(&bytes, &copts)
            }
        };
        let config = self.desc[&config_digest].clone();
        let layers: Vec<Descriptor> = layer_digests.iter().map(|d| self.desc[d].clone()).collect();
        self.gen_manifest(&config, &layers, opts)
    }

    /// An index of `manifests`, each entry with its platform (upstream `genIndex`).
    pub fn gen_index(&mut self, platforms: &[Option<Platform>], manifests: &[Digest], opts: &Gen) -> Digest {
        assert_eq!(platforms.len(), manifests.len(), "genIndex needs one platform per manifest");
        let entries: Vec<Value> = manifests
            .iter()
            .zip(platforms)
            .map(|(dig, p)| {
                let mut d = self.desc[dig].clone();
                d.platform = p.clone();
                d.to_json()
            })
            .collect();
        let mut m = Map::new();
        m.insert("schemaVersion".into(), json!(2));
        m.insert("mediaType".into(), json!(MT_OCI_INDEX));
        if let Some(at) = &opts.artifact_type {
            m.insert("artifactType".into(), json!(at));
        }
        m.insert("manifests".into(), Value::Array(entries));
        if let Some(s) = &opts.subject {
            m.insert("subject".into(), s.to_json());
        }
        let annotations = self.annotations_for(opts);
        if !annotations.is_empty() {
            m.insert("annotations".into(), json!(annotations));
        }
        let mut v = Value::Object(m);
        if opts.extra_field {
            add_extra_field(&mut v);
        }
        let body = serde_json::to_vec(&v).expect("serializing an index");
        let artifact_type = opts.artifact_type.clone().unwrap_or_default();
        self.add_manifest(body, MT_OCI_INDEX, artifact_type, annotations, opts)
    }

    /// An index of one full image per platform (upstream `genIndexFull`: linux/amd64 and
    /// linux/arm64 unless set otherwise). The options reach every child image too.
    pub fn gen_index_full(&mut self, opts: &Gen) -> Digest {
        let platforms =
            opts.platforms.clone().unwrap_or_else(|| vec![Platform::linux_amd64(), Platform::linux_arm64()]);
        let mut images = Vec::new();
        for p in &platforms {
            let mut iopts = opts.clone();
            iopts.platform = Some(p.clone());
            images.push(self.gen_manifest_full(&iopts));
        }
        let platforms: Vec<Option<Platform>> = platforms.into_iter().map(Some).collect();
        self.gen_index(&platforms, &images, opts)
    }

    fn annotations_for(&self, opts: &Gen) -> BTreeMap<String, String> {
        let mut annotations = opts.annotations.clone().unwrap_or_default();
        if opts.annotation_uniq {
            annotations.insert(format!("org.example.{}", random_text()), random_text());
        }
        annotations
    }

    fn add_manifest(
        &mut self,
        body: Vec<u8>,
        media_type: &str,
        artifact_type: String,
        annotations: BTreeMap<String, String>,
        opts: &Gen,
    ) -> Digest {
        let dig = opts.algorithm().digest(&body);
        let size = body.len() as u64;
        let mut d = Descriptor::new(media_type, dig.clone(), size);
        if opts.set_data {
            d.data = Some(body.clone());
        }
        self.desc.insert(dig.clone(), d);
        self.manifests.insert(dig.clone(), body);
        self.man_order.push(dig.clone());
        if let Some(subject) = &opts.subject {
            let mut r = Descriptor::new(media_type, dig.clone(), size);
            r.artifact_type = artifact_type;
            r.annotations = annotations;
            self.referrers.entry(subject.digest.clone()).or_default().push(r);
        }
        if let Some(tag) = &opts.tag {
            self.tags.insert(tag.clone(), dig.clone());
        }
        dig
    }
}

/// The `mediaType` of a manifest body, defaulting to the OCI image manifest (upstream
/// `detectMediaType`).
pub fn detect_media_type(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("mediaType").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| MT_OCI_IMAGE.to_string())
}

/// The `subject` digest of a manifest body, if any (upstream `detectSubject`).
pub fn detect_subject(body: &[u8]) -> Option<Digest> {
    let v: Value = serde_json::from_slice(body).ok()?;
    Some(Digest::from_raw(v.get("subject")?.get("digest")?.as_str()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_full_passes_options_to_children() {
        let mut td = TestData::new("t");
        let subject = Descriptor::new(MT_OCI_IMAGE, Algorithm::Sha256.digest(b"x"), 1);
        td.gen_index_full(&Gen::new().subject(subject.clone()).tag("t").artifact_type(MT_EXAMPLE_CONF1));
        // two child images and the index all refer to the subject
        assert_eq!(td.referrers[&subject.digest].len(), 3);
        assert_eq!(td.man_order.len(), 3);
        assert_eq!(td.tags["t"], td.man_order[2]);
    }

    #[test]
    fn artifact_without_layers_dedups_the_empty_json_blob() {
        let mut td = TestData::new("t");
        td.gen_manifest_full(
            &Gen::new()
                .config_media_type(MT_OCI_EMPTY_JSON)
                .config_bytes(b"{}")
                .layer_count(1)
                .layer_bytes(b"{}")
                .layer_media_type(MT_OCI_EMPTY_JSON),
        );
        assert_eq!(td.blobs.len(), 1);
        let m: Value = serde_json::from_slice(td.manifests.values().next().unwrap()).unwrap();
        assert_eq!(m["layers"][0]["digest"], m["config"]["digest"]);
    }

    #[test]
    fn sha512_reaches_every_digest() {
        let mut td = TestData::new("t");
        let dig = td.gen_index_full(&Gen::new().algo(Algorithm::Sha512));
        assert_eq!(dig.algorithm(), Algorithm::Sha512);
        assert!(td.blobs.keys().all(|d| d.algorithm() == Algorithm::Sha512));
    }
}
