#!/usr/bin/env bash
# What promoting a release costs (issue 12, point 11): one `POST /api/v1/promotions` of a 100-artifact
# release (all or nothing, one transaction) into a fresh target repository, for 100 artifacts of
# 1 KiB each ("small") and 100 artifacts of 1 GiB each ("large"), the two alternating round by round;
# the median wall time of each (the bar: under 50 ms, and the same for both sizes).
#
#   bash bench/promotion.sh                 # ROUNDS=5 ARTIFACTS=100 LARGE_MIB=1024 SETTLE=30; prints a Markdown table
#   ROUNDS=9 bash bench/promotion.sh
#
# Each artifact is its own image manifest (a distinct config) in its own package; the small ones have a
# distinct 1 KiB layer each, the large ones all list one LARGE_MIB layer (pushed once: 100 GiB of
# artifacts would not fit a laptop's disk, and promotion never reads a layer's bytes, only its row —
# which is the claim measured). Every round promotes into a new repository, so every promotion copies
# (nothing is "already there"); the answer is checked to say `committed: true` with 100 promotions.
# Scratch data in a temp dir, removed at the end; traffic only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-5}
ARTIFACTS=${ARTIFACTS:-100}
LARGE_MIB=${LARGE_MIB:-1024}
SETTLE=${SETTLE:-30}
if [ -z "${ARCA_BIN:-}" ]; then
  cargo build --release -q -p arca-cli
fi
ARCA=${ARCA_BIN:-target/release/arca}
W=$(mktemp -d /tmp/arca-promotion-bench.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
ARCA_LOG=info,arca_core::registry::promotion=debug ARCA_GC__INTERVAL_SECS=0 "$ARCA" serve --listen "127.0.0.1:$PORT" --data "$W/data" >"$W/server.log" 2>&1 &
PID=$!
for _ in $(seq 100); do curl -sf "$URL/readyz" >/dev/null && break; sleep 0.1; done

python3 - "$URL" "$ROUNDS" "$ARTIFACTS" "$LARGE_MIB" "$ARCA" "$W" "$SETTLE" <<'PY'
import hashlib, http.client, json, os, statistics, subprocess, sys, time
url, rounds, n, large_mib, arca, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
settle = int(sys.argv[7])
host = url.split("//")[1]
conn = http.client.HTTPConnection(host, timeout=600)

def request(method, path, body=b"", headers=None):
    conn.request(method, path, body, headers or {})
    r = conn.getresponse()
    return r.status, r.read(), r.getheader("Location")

def call(method, path, body=b"", headers=None):
    return request(method, path, body, headers)[:2]

def post_json(path, value):
    return call("POST", path, json.dumps(value).encode(), {"Content-Type": "application/json"})

def push_blob(name, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    status, body = call("POST", f"/v2/{name}/blobs/uploads/?digest={digest}", data)
    assert status == 201, (status, body)
    return digest

def push_large(name):
    """One LARGE_MIB layer, streamed in chunks (a PATCH per 64 MiB), new bytes."""
    status, _, location = request("POST", f"/v2/{name}/blobs/uploads/")
    assert status == 202
    h = hashlib.sha256()
    chunk = 64 << 20
    offset = 0
    for i in range(large_mib * (1 << 20) // chunk):
        data = hashlib.sha256(f"large {i}".encode()).digest() * (chunk // 32)
        h.update(data)
        status, _, location = request("PATCH", location, data, {
            "Content-Range": f"{offset}-{offset + len(data) - 1}", "Content-Type": "application/octet-stream"})
        assert status == 202, status
        offset += len(data)
    digest = "sha256:" + h.hexdigest()
    sep = "&" if "?" in location else "?"
    status, body = call("PUT", f"{location}{sep}digest={digest}")
    assert status == 201, (status, body)
    return digest, offset

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
for name in ["dev"]:
    post_json("/api/v1/repositories", {"name": name})

def image(package, layer, size, i):
    config = json.dumps({"artifact": i, "package": package}).encode()
    config_digest = push_blob(f"dev/{package}", config)
    if layer is None:
        data = hashlib.sha256(f"{package} small {i}".encode()).digest() * 32
        layer, size = push_blob(f"dev/{package}", data), len(data)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": size}]}).encode()
    status, body = call("PUT", f"/v2/dev/{package}/manifests/1.0", manifest, {"Content-Type": MANIFEST})
    assert status == 201, (status, body)
    return f"dev/{package}@1.0"

t0 = time.time()
small = [image(f"small-{i}", None, 0, i) for i in range(n)]
large_layer, large_size = push_large("dev/large-0")
# The layer is linked into every large package by a cross-repository mount (no bytes move).
large = []
for i in range(n):
    if i:
        status, _ = call("POST", f"/v2/dev/large-{i}/blobs/uploads/?mount={large_layer}&from=dev/large-0")
        assert status == 201, status
    large.append(image(f"large-{i}", large_layer, large_size, i))
print(f"seeded {n} small and {n} large artifacts in {time.time() - t0:.0f}s", file=sys.stderr)
# The seeding's writes (a GiB) leave the disk slow for a while on a cloud VM: let it settle first.
os.sync()
time.sleep(settle)
# A fresh connection: the server closes one idle that long.
conn.close()
conn = http.client.HTTPConnection(host, timeout=600)

times = {"small": [], "large": []}
for r in range(rounds):
    for kind, artifacts in (("small", small), ("large", large)) if r % 2 == 0 else (("large", large), ("small", small)):
        target = f"prod-{kind}-{r}"
        status, _ = post_json("/api/v1/repositories", {"name": target, "promote_from": ["dev"]})
        assert status == 201, status
        start = time.perf_counter()
        status, body = post_json("/api/v1/promotions", {"release": f"r{r}", "artifacts": artifacts, "to": target})
        elapsed = (time.perf_counter() - start) * 1000
        answer = json.loads(body)
        assert status == 200 and answer["committed"] and len(answer["promotions"]) == n, (status, body[:300])
        assert all(p["committed"] for p in answer["promotions"])
        times[kind].append(elapsed)

print(f"| release of {n} | artifact size | median ms | min ms | max ms | rounds |")
print("|---|---|---|---|---|---|")
for kind, size in (("small", "1 KiB"), ("large", f"{large_mib} MiB")):
    t = times[kind]
    print(f"| {kind} | {size} | {statistics.median(t):.1f} | {min(t):.1f} | {max(t):.1f} | {len(t)} |")

# The server's own account of each release (its debug lines "release prepared" and "promotions committed").
import re
parts = {"prepare_ms": [], "records_ms": [], "transaction_ms": [], "commit_ms": []}
for line in open(f"{work}/server.log"):
    if f"promotions={n}" in line:
        for key, values in parts.items():
            if found := re.search(key + r"=([0-9.]+)", line):
                values.append(float(found.group(1)))
if parts["commit_ms"]:
    print()
    print("| server side, every release | gates judged (prepare) ms | records signed and durable ms | the transaction's writes done ms | commit ms |")
    print("|---|---|---|---|---|")
    print("| median | " + " | ".join(f"{statistics.median(v):.1f}" if v else "-" for v in parts.values()) + " |")
    print("| max | " + " | ".join(f"{max(v):.1f}" if v else "-" for v in parts.values()) + " |")
    print("(records and the transaction's writes run side by side, both timed from the end of prepare;")
    print("the commit follows the later of the two)")
PY
