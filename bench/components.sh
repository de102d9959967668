#!/usr/bin/env bash
# How fast the component index answers (issue 11, point 5: under 100 ms at 100 000 indexed
# components). VERSIONS images are pushed, each with a CycloneDX SBOM referrer of COMPONENTS components
# (VERSIONS × COMPONENTS rows: 1000 × 100 = 100 000 by default) drawn from a pool of 5 000 npm packages
# with random versions and licenses (lodash in one SBOM of ten, WTFPL on one component of all); then each query below runs ROUNDS
# times, the queries alternating round by round, and the median wall time of each is printed (the
# path each takes is in the table: which index serves it).
#
#   bash bench/components.sh                      # ROUNDS=9 VERSIONS=1000 COMPONENTS=100
#   VERSIONS=2000 bash bench/components.sh
#
# Every SBOM is new bytes (indexed on arrival, as a push does); the timings are of `GET
# /api/v1/components` over HTTP on 127.0.0.1, the answer checked to be non-empty where it must be.
# Scratch data in a temp dir, removed at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-9}
VERSIONS=${VERSIONS:-1000}
COMPONENTS=${COMPONENTS:-100}
if [ -z "${ARCA_BIN:-}" ]; then
  cargo build --release -q -p arca-cli
fi
ARCA=${ARCA_BIN:-target/release/arca}
W=$(mktemp -d /tmp/arca-components-bench.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
ARCA_GC__INTERVAL_SECS=0 "$ARCA" serve --listen "127.0.0.1:$PORT" --data "$W/data" >"$W/server.log" 2>&1 &
PID=$!
for _ in $(seq 100); do curl -sf "$URL/readyz" >/dev/null && break; sleep 0.1; done

python3 - "$URL" "$ROUNDS" "$VERSIONS" "$COMPONENTS" <<'PY'
import hashlib, http.client, json, random, statistics, sys, time
url, rounds, versions, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
conn = http.client.HTTPConnection(url.split("//")[1], timeout=600)
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CDX = "application/vnd.cyclonedx+json"
rng = random.Random(11)

def call(method, path, body=b"", headers=None):
    conn.request(method, path, body, headers or {})
    r = conn.getresponse()
    return r.status, r.read()

def blob(name, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    status, body = call("POST", f"/v2/{name}/blobs/uploads/?digest={digest}", data)
    assert status == 201, (status, body)
    return {"digest": digest, "size": len(data)}

def manifest(name, ref, value):
    data = json.dumps(value).encode()
    ref = ref or "sha256:" + hashlib.sha256(data).hexdigest()
    status, body = call("PUT", f"/v2/{name}/manifests/{ref}", data, {"Content-Type": MANIFEST})
    assert status == 201, (status, body)
    return {"mediaType": MANIFEST, "digest": "sha256:" + hashlib.sha256(data).hexdigest(), "size": len(data)}

pool = [f"pkg{i:04d}" for i in range(5000)]
licenses = ["MIT", "Apache-2.0", "BSD-3-Clause", "ISC", "GPL-3.0-only"]
t0 = time.monotonic()
name = "bench/app"
empty = blob(name, b"{}")
for v in range(versions):
    layer = blob(name, f"layer {v}".encode())
    subject = manifest(name, f"v{v}", {"schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **empty},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", **layer}]})
    names = rng.sample(pool, per - 1) + (["lodash"] if v % 10 == 0 else [rng.choice(pool)])
    components = [{"type": "library", "name": n, "version": f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 30)}",
                   "purl": None, "licenses": [{"license": {"id": rng.choice(licenses)}}]} for n in names]
    if v == versions // 2:
        components[0]["licenses"] = [{"license": {"id": "WTFPL"}}]
    for c in components:
        if c["name"] == "lodash":
            c["version"] = rng.choice(["4.17.20", "4.17.21", "4.16.0"])
        c["purl"] = f"pkg:npm/{c['name']}@{c['version']}"
    sbom = blob(name, json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
                                  "components": components}).encode())
    manifest(name, None, {
        "schemaVersion": 2, "mediaType": MANIFEST, "artifactType": CDX,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", **empty},
        "layers": [{"mediaType": CDX, **sbom}], "subject": subject})
loaded = time.monotonic() - t0

queries = [
    ("purl, any version", "purl=pkg:npm/lodash", "sbom_components_by_purl"),
    ("purl@version", "purl=pkg:npm/lodash@4.17.20", "sbom_components_by_purl"),
    ("name in a range", "name=lodash&range=%3C4.17.21", "sbom_components_by_name, then the npm ordering"),
    ("one-in-100 000 license", "license=WTFPL", "scan of every row's licenses (LIKE)"),
    ("common license", "license=MIT&limit=100", "scan of licenses (LIKE), first 100 by time"),
    ("no match", "purl=pkg:npm/left-pad", "sbom_components_by_purl"),
]
times = {label: [] for label, _, _ in queries}
sizes = {}
for _ in range(rounds):
    for label, query, _ in queries:
        t = time.monotonic()
        status, body = call("GET", f"/api/v1/components?{query}")
        times[label].append((time.monotonic() - t) * 1000)
        assert status == 200, (status, body)
        sizes[label] = len(json.loads(body)["results"])
status, body = call("GET", "/api/v1/components?purl=pkg:npm/lodash&limit=1000")
print(f"{versions} versions x {per} components = {versions * per} indexed components, loaded in {loaded:.0f} s "
      f"({len(json.loads(body)['results'])} versions hold lodash); {rounds} alternating rounds\n")
print("| query | path | results | median ms | max ms |")
print("|---|---|---|---|---|")
for label, query, path in queries:
    print(f"| {label} (`{query}`) | {path} | {sizes[label]} | {statistics.median(times[label]):.1f} | {max(times[label]):.1f} |")
PY
