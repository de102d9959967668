"""Generic files published over HTTP (`/generic/…`, a multi-file upload committed at once) and pulled
back byte-identical with the oras Python SDK through `/v2/`: a generic version is one OCI manifest.

REG   registry under test, host:port, plain HTTP (default 127.0.0.1:5001)
NAME  repository/package (default rel/tools/cli)

Needs the `oras` package (0.2.43): `bash .ci/run` installs it into .ci/venv.
"""

import filecmp
import hashlib
import os
import sys
import tempfile

import oras.client

REG = os.environ.get("REG", "127.0.0.1:5001")
NAME = os.environ.get("NAME", "rel/tools/cli")
VERSION = "1.2.3"
GENERIC = f"http://{REG}/generic/{NAME}/{VERSION}"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def step(msg):
    print("==", msg, flush=True)


def check(cond, msg):
    if not cond:
        print("FAIL:", msg, file=sys.stderr, flush=True)
        sys.exit(1)


client = oras.client.OrasClient(hostname=REG, insecure=True)
session = client.session  # requests.Session


def ok(resp, what, status=(200, 201)):
    check(resp.status_code in status, f"{what}: HTTP {resp.status_code} {resp.text[:500]}")
    return resp


os.chdir(tempfile.mkdtemp())
files = {"tool-linux-amd64": os.urandom(1_000_003), "README.md": b"# cli\n", "empty.txt": b""}
for name, data in files.items():
    with open(name, "wb") as f:
        f.write(data)

step("publish a three-file version atomically over /generic")
upload = ok(session.post(f"{GENERIC}?uploads"), "start upload", (201,)).json()["uploadId"]
for name, data in files.items():
    ok(session.put(f"{GENERIC}/{name}?uploadId={upload}", data=data,
                   headers={"X-Checksum-Sha256": hashlib.sha256(data).hexdigest()}), f"stage {name}", (201,))
check(session.get(f"{GENERIC}/README.md").status_code == 404, "a staged file is visible before the commit")
published = ok(session.post(f"{GENERIC}?uploadId={upload}", headers={"X-Arca-Property": "vcs.revision=0123abc"}),
               "commit", (201,)).json()
check(sorted(f["name"] for f in published["files"]) == sorted(files), f"published files: {published}")

step("the version is one OCI manifest with the generic artifactType")
manifest = client.get_manifest(f"{REG}/{NAME}:{VERSION}")
check(manifest.get("artifactType") == "application/vnd.arca.generic.v1", f"artifactType: {manifest}")
check(manifest["config"]["mediaType"] == "application/vnd.oci.empty.v1+json", "empty config")
titles = sorted(layer["annotations"]["org.opencontainers.image.title"] for layer in manifest["layers"])
check(titles == sorted(files), f"layer titles {titles}")

step("oras pulls every file back byte-identical")
out = tempfile.mkdtemp()
client.pull(target=f"{REG}/{NAME}:{VERSION}", outdir=out)
for name in files:
    check(filecmp.cmp(name, os.path.join(out, name), shallow=False), f"{name} differs after the oras pull")

step("and /generic serves the same bytes")
for name, data in files.items():
    r = ok(session.get(f"{GENERIC}/{name}"), f"GET {name}")
    check(r.content == data, f"{name} differs over /generic")
    check(r.headers.get("X-Checksum-Sha256") == hashlib.sha256(data).hexdigest(), f"{name} checksum header")

print("GENERIC ORAS OK", flush=True)
