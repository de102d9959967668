"""oras-py round trip: OCI artifacts with a custom artifactType, pulled back byte-identical, and
referrers (OCI 1.1: `subject`, the `OCI-Subject` header, the referrers API and its artifactType filter).

REG            registry under test, host:port, plain HTTP (default 127.0.0.1:5001)
REPO           artifact name inside the registry (default dev/artifacts/demo)
OCI_REFERRERS  1 (default): require the OCI 1.1 referrers behaviour; 0: only report it (for peers
               such as CNCF Distribution 2.8.2 that predate OCI 1.1)

Needs the `oras` package (0.2.43): `bash .ci/run` installs it into .ci/venv.
"""

import filecmp
import hashlib
import json
import os
import sys
import tempfile

import oras.client
import oras.oci

REG = os.environ.get("REG", "127.0.0.1:5001")
NAME = os.environ.get("REPO", "dev/artifacts/demo")
REQUIRE_REFERRERS = os.environ.get("OCI_REFERRERS", "1") == "1"
REPO = f"{REG}/{NAME}"
BASE = f"http://{REG}/v2/{NAME}"
ARTIFACT_TYPE = "application/vnd.arca.test.bundle.v1"
SIG_TYPE = "application/vnd.arca.test.signature.v1"
SBOM_TYPE = "application/vnd.arca.test.sbom.v1"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"


def step(msg):
    print("==", msg, flush=True)


def check(cond, msg):
    if not cond:
        print("FAIL:", msg, file=sys.stderr, flush=True)
        sys.exit(1)


def sha256(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def ok(resp, what, status=(200, 201, 202)):
    check(resp.status_code in status, f"{what}: HTTP {resp.status_code} {resp.text[:500]}")
    return resp


client = oras.client.OrasClient(hostname=REG, insecure=True)  # insecure=True: plain http
os.chdir(tempfile.mkdtemp())  # oras-py wants files relative to the cwd
with open("payload.bin", "wb") as f:
    f.write(os.urandom(300_000))
with open("readme.txt", "w") as f:
    f.write("hello artifact\n")
with open("empty.json", "w") as f:
    f.write("{}")
EMPTY = {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(b"{}"), "size": 2,
         "data": "e30="}


def push_artifact(tag, artifact_type, files, subject=None, annotations=None):
    """Low-level push: blobs, then an OCI 1.1 manifest with `artifactType` (oras-py 0.2.43's push()
    has no artifact_type parameter). Returns (response, manifest bytes as sent)."""
    container = client.get_container(f"{REPO}:{tag}")
    layers = []
    for path, media_type in files:
        layer = oras.oci.NewLayer(path, media_type=media_type)
        layer["annotations"] = {"org.opencontainers.image.title": path}
        ok(client.upload_blob(path, container, layer), f"upload blob {path}")
        layers.append(layer)
    ok(client.upload_blob("empty.json", container, {k: v for k, v in EMPTY.items() if k != "data"}),
       "upload empty config")
    manifest = {"schemaVersion": 2, "mediaType": MANIFEST, "artifactType": artifact_type,
                "config": EMPTY, "layers": layers}
    if subject:
        manifest["subject"] = subject
    if annotations:
        manifest["annotations"] = annotations
    resp = ok(client.upload_manifest(manifest, container), f"push manifest {tag}", (201,))
    # requests serialises json= with json.dumps defaults; the digest header must match those bytes
    sent = resp.request.body
    sent = sent.encode() if isinstance(sent, str) else sent
    check(resp.headers.get("Docker-Content-Digest") == sha256(sent),
          f"Docker-Content-Digest {resp.headers.get('Docker-Content-Digest')} != {sha256(sent)}")
    return resp, sent


step("push an artifact with a custom artifactType")
_, v1_bytes = push_artifact("v1", ARTIFACT_TYPE, [("payload.bin", "application/vnd.arca.test.payload"),
                                                  ("readme.txt", "text/plain")],
                            annotations={"org.opencontainers.image.description": "arca e2e artifact"})
v1 = {"mediaType": MANIFEST, "digest": sha256(v1_bytes), "size": len(v1_bytes)}

step("get the manifest back byte-identical, by tag and by digest")
for ref in ("v1", v1["digest"]):
    r = ok(client.do_request(f"{BASE}/manifests/{ref}", "GET", headers={"Accept": MANIFEST}), f"GET manifest {ref}")
    check(r.content == v1_bytes, f"manifest {ref} differs from what was pushed")
    check(r.headers.get("Content-Type", "").startswith(MANIFEST), f"Content-Type {r.headers.get('Content-Type')}")
check(client.get_manifest(f"{REPO}:v1").get("artifactType") == ARTIFACT_TYPE, "artifactType lost")

step("pull the files back byte-identical")
out = tempfile.mkdtemp()
client.pull(target=f"{REPO}:v1", outdir=out)
for name in ("payload.bin", "readme.txt"):
    check(filecmp.cmp(name, os.path.join(out, name), shallow=False), f"{name} differs after pull")

step("high-level push (config media type convention, chunked upload) and pull")
with open("config.json", "w") as f:
    json.dump({"tool": "arca-e2e"}, f)
ok(client.push(target=f"{REPO}:classic", files=["payload.bin:application/vnd.arca.test.payload"],
               manifest_config=f"config.json:{ARTIFACT_TYPE}+json", do_chunked=True, chunk_size=65536),
   "oras push", (201,))
out2 = tempfile.mkdtemp()
client.pull(target=f"{REPO}:classic", outdir=out2)
check(filecmp.cmp("payload.bin", os.path.join(out2, "payload.bin"), shallow=False), "classic pull differs")
tags = client.get_tags(REPO)
check({"v1", "classic"} <= set(tags), f"tags {tags}")

step("attach two referrers (signature, SBOM) to v1")
with open("sig.txt", "w") as f:
    f.write("not really a signature\n")
with open("sbom.json", "w") as f:
    json.dump({"spdxVersion": "SPDX-2.3"}, f)
r_sig, sig_bytes = push_artifact("sig", SIG_TYPE, [("sig.txt", "application/vnd.arca.test.sig")], subject=v1)
r_sbom, sbom_bytes = push_artifact("sbom", SBOM_TYPE, [("sbom.json", "application/spdx+json")], subject=v1)
sig_digest, sbom_digest = sha256(sig_bytes), sha256(sbom_bytes)

problems = []


def expect(cond, msg):
    if not cond:
        problems.append(msg)


for name, resp in (("sig", r_sig), ("sbom", r_sbom)):
    expect(resp.headers.get("OCI-Subject") == v1["digest"],
           f"{name} push: OCI-Subject header {resp.headers.get('OCI-Subject')!r}, want {v1['digest']}")

step("referrers API")
rr = client.do_request(f"{BASE}/referrers/{v1['digest']}", "GET", headers={"Accept": INDEX})
if rr.status_code != 200:
    expect(False, f"GET referrers: HTTP {rr.status_code}")
else:
    idx = rr.json()
    expect(rr.headers.get("Content-Type", "").startswith(INDEX), f"referrers Content-Type {rr.headers.get('Content-Type')}")
    expect(idx.get("schemaVersion") == 2 and idx.get("mediaType") == INDEX, f"referrers is not an index: {idx}")
    found = {m["digest"]: m for m in idx.get("manifests", [])}
    expect(set(found) == {sig_digest, sbom_digest}, f"referrers {sorted(found)}, want {sorted([sig_digest, sbom_digest])}")
    if sig_digest in found:
        expect(found[sig_digest].get("artifactType") == SIG_TYPE, f"referrer descriptor {found[sig_digest]}")
        expect(found[sig_digest].get("size") == len(sig_bytes), f"referrer size {found[sig_digest]}")

    step("referrers API with ?artifactType= filter")
    rf = client.do_request(f"{BASE}/referrers/{v1['digest']}?artifactType={SIG_TYPE}", "GET", headers={"Accept": INDEX})
    expect(rf.status_code == 200, f"filtered referrers: HTTP {rf.status_code}")
    if rf.status_code == 200:
        got = [m["digest"] for m in rf.json().get("manifests", [])]
        expect(got == [sig_digest], f"filtered referrers {got}, want [{sig_digest}]")
        expect("artifactType" in rf.headers.get("OCI-Filters-Applied", ""),
               f"OCI-Filters-Applied {rf.headers.get('OCI-Filters-Applied')!r}")

    step("referrers of a manifest without any: an empty index, not 404")
    sig_ref = client.do_request(f"{BASE}/referrers/{sig_digest}", "GET", headers={"Accept": INDEX})
    expect(sig_ref.status_code == 200 and sig_ref.json().get("manifests") == [],
           f"referrers of the signature: HTTP {sig_ref.status_code} {sig_ref.text[:200]}")

for p in problems:
    print(("FAIL: " if REQUIRE_REFERRERS else "not supported by this registry: ") + p, file=sys.stderr)
if problems and REQUIRE_REFERRERS:
    sys.exit(1)
print("ORAS ROUND TRIP OK")
