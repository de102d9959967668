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
    ("storage report", "/ui/storage"),
    ("dashboard", "/ui/dashboard"),
    ("API: the repository's packages", "/api/v1/repositories/bench/packages"),
]
# The first request of each page is its own column: pages that start background work (the storage
# report) are slow on that one if they wait for it, which a median hides.
print("| page | first ms | median ms | p99 ms | bytes |")
print("|---|---:|---:|---:|---:|")
for label, path in pages:
    samples, size = [], 0
    for _ in range(iters):
        t0 = time.perf_counter()
        status, body, _ = pool.request("GET", path)
        samples.append((time.perf_counter() - t0) * 1000)
        assert status == 200, (path, status, body[:200])
        size = len(body)
    first = samples[0]
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"| {label} `{path}` | {first:.1f} | {statistics.median(samples):.1f} | {p99:.1f} | {size} |")

# What a storage report does to the other requests (bench/RESULTS.md, stop 28). A report reads every
# blob's record; on SQLite its statements run in place on the thread that awaits them. `GET
# /api/v1/storage` makes one on the request's runtime worker: alone, then two at once (both workers
# of a 2-core node), while `/readyz` is probed every 20 ms. Then the UI's way (`refresh_storage_report`:
# one at a time, on a blocking thread), started by a repository page once the last report is stale.
import threading


def probed(work):
    """Runs `work` on threads; returns how long it took and the slowest /readyz meanwhile (ms)."""
    probe, worst, done = Pool(url), [0.0], threading.Event()

    def loop():
        while not done.is_set():
            t0 = time.perf_counter()
            assert probe.request("GET", "/readyz")[0] == 200
            worst[0] = max(worst[0], (time.perf_counter() - t0) * 1000)
            time.sleep(0.02)

    t = threading.Thread(target=loop)
    t.start()
    t0 = time.perf_counter()
    work()
    took = (time.perf_counter() - t0) * 1000
    done.set()
    t.join()
    return took, worst[0]


def reports(n):
    def work():
        threads = [threading.Thread(target=lambda: Pool(url).request("GET", "/api/v1/storage")) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return work


slowest_view = [0.0]


def ui_views():
    views = Pool(url)
    for _ in range(20):
        t0 = time.perf_counter()
        assert views.request("GET", "/ui/repositories/bench")[0] == 200
        slowest_view[0] = max(slowest_view[0], (time.perf_counter() - t0) * 1000)
        time.sleep(0.05)
    time.sleep(3)  # the background report finishes meanwhile


print("\n| storage report | took ms | slowest /readyz meanwhile ms |")
print("|---|---:|---:|")
for label, work in [("one `GET /api/v1/storage` (on a worker)", reports(1)),
                    ("two at once (both workers)", reports(2))]:
    took, worst = probed(work)
    print(f"| {label} | {took:.0f} | {worst:.1f} |")
time.sleep(61)  # the last report is now stale: the next repository page starts a new one
took, worst = probed(ui_views)
print(f"| 20 repository pages 50 ms apart, the first starting a background report (slowest page "
      f"{slowest_view[0]:.1f} ms) | {took:.0f} (4000 of it sleeping) | {worst:.1f} |")
