"""The web UI at scale (issue 17, point 5): one package with VERSIONS versions (tags of small
images), then each main page requested ITERS times one after another; prints the median and p99 time
of a request on loopback (client included: an upper bound of the server's time) and the size of each
page. Usage: python3 bench/ui.py URL [VERSIONS] [ITERS]. Standard library only."""
import hashlib, json, statistics, sys, time
from benchlib import Pool, run_parallel

url = sys.argv[1]
versions = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
iters = int(sys.argv[3]) if len(sys.argv) > 3 else 50
pool = Pool(url)
MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def sha256(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def push_blob(name, b):
    status, body, _ = pool.request("POST", f"/v2/{name}/blobs/uploads/?digest={sha256(b)}", b)
    assert status == 201, (status, body)
    return sha256(b)


config = push_blob("bench/app", b"{}")


def push_version(i):
    layer = f"layer {i}".encode()
    digest = push_blob("bench/app", layer)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 2},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": len(layer)}],
    }).encode()
    status, body, _ = pool.request("PUT", f"/v2/bench/app/manifests/{i}.0.0", manifest, {"content-type": MANIFEST})
    assert status == 201, (status, body)


t = run_parallel(8, range(versions), push_version)
print(f"populated {versions} versions of bench/app in {t:.0f} s", file=sys.stderr)

pages = [
    ("repositories", "/ui/"),
    ("repository", "/ui/repositories/bench"),
    ("package (100 000 versions, first page)", "/ui/repositories/bench/packages/app"),
    ("version", f"/ui/repositories/bench/packages/app/versions/{versions // 2}.0.0"),
    ("search by package", "/ui/search?package=app"),
    ("search by version", f"/ui/search?version={versions // 2}.0.0"),
    ("retention plan", "/ui/retention/bench"),
    ("dashboard", "/ui/dashboard"),
]
print("| page | median ms | p99 ms | bytes |")
print("|---|---:|---:|---:|")
for label, path in pages:
    samples, size = [], 0
    for _ in range(iters):
        t0 = time.perf_counter()
        status, body, _ = pool.request("GET", path)
        samples.append((time.perf_counter() - t0) * 1000)
        assert status == 200, (path, status, body[:200])
        size = len(body)
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"| {label} `{path}` | {statistics.median(samples):.1f} | {p99:.1f} | {size} |")
