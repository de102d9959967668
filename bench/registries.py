#!/usr/bin/env python3
"""Helpers of bench/registries.sh (Python 3 standard library only): a deterministic 100-crate set and
a 50-artifact Maven set, publishing them over HTTP (Cargo's publish API, Maven PUTs), laying out what
a server serves as static files for nginx, and metadata GET latencies.

    registries.py crate-set DIR                  .crate files + publish metadata of the 100-crate set
    registries.py crate-versions DIR NAME N      N versions of one crate (no dependencies)
    registries.py cargo-publish API C DIR        PUT /api/v1/crates/new for every crate in DIR (in
                                                 DIR/order), C at a time; prints versions/s
    registries.py cargo-consumer DIR             a consumer crate depending on all 100 (registry `bench`)
    registries.py cargo-static INDEX_URL ROOT DL_BASE DIR…
                                                 fetch config-less index files and .crate files from a
                                                 sparse registry into ROOT for nginx (config.json: dl = DL_BASE)
    registries.py maven-set DIR                  poms and jars of the 50-artifact set
    registries.py maven-versions DIR ARTIFACT N  N versions (pom + jar) of one artifact
    registries.py maven-put URL C DIR            PUT every file of DIR (a Maven layout) under URL, C at a time
    registries.py maven-consumer DIR URL         the consumer pom (depends on artifact 00), repository at URL
    registries.py mirror URL ROOT PATH…          GET URL/PATH into ROOT/PATH (the static copy for nginx)
    registries.py latency URL N [revalidate]     N sequential GETs on one keep-alive connection; JSON p50/p99
    registries.py report RESULTS.tsv             the Markdown tables (medians of the rounds)

The crate set: crates arca-bench-000…099, each at 1.0.0, 1.1.0 and 2.0.0; crate i depends on 2i+1,
2i+2 and i+7 (those below 100) with `^1`, so the resolver picks 1.1.0 everywhere and the graph has
diamonds; the consumer depends on every crate (`1`). The Maven set: org.example.bench:a-00…a-49 at
1.0.0, artifact i depending on 2i+1, 2i+2 and i+7 (below 50); the consumer depends on a-00, which pulls
all 50 transitively (poms first, then jars).
"""
import concurrent.futures, gzip, hashlib, http.client, io, json, os, statistics, struct, sys, tarfile
import threading, time, urllib.parse, zipfile
from benchlib import Pool, run_parallel

CRATES = 100
CRATE_VERSIONS = ["1.0.0", "1.1.0", "2.0.0"]
ARTIFACTS = 50
GROUP = "org.example.bench"


def deps(i, n):
    return sorted({d for d in (2 * i + 1, 2 * i + 2, i + 7) if d < n})


def crate_name(i):
    return f"arca-bench-{i:03d}"


# --------------------------------------------------------------------------------------------- Cargo

def crate_file(name, version, dependencies):
    """A `.crate` as `cargo package` lays it out (normalized Cargo.toml, src/lib.rs), deterministic."""
    toml = (f'[package]\nedition = "2021"\nname = "{name}"\nversion = "{version}"\n'
            'description = "arca bench crate"\nlicense = "MIT"\n\n[lib]\npath = "src/lib.rs"\n')
    for d in dependencies:
        toml += f'\n[dependencies.{d}]\nversion = "^1"\n'
    lib = f"pub const VERSION: &str = {json.dumps(version)};\n"
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, text in (("Cargo.toml", toml), ("src/lib.rs", lib)):
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{path}")
            info.size, info.mtime, info.mode = len(data), 499162500, 0o644
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as g:
        g.write(raw.getvalue())
    return out.getvalue()


def publish_metadata(name, version, dependencies):
    return {"name": name, "vers": version, "deps": [
        {"name": d, "version_req": "^1", "features": [], "optional": False, "default_features": True,
         "target": None, "kind": "normal", "registry": None, "explicit_name_in_toml": None} for d in dependencies],
        "features": {}, "authors": [], "description": "arca bench crate", "documentation": None,
        "homepage": None, "readme": None, "readme_file": None, "keywords": [], "categories": [],
        "license": "MIT", "license_file": None, "repository": None, "badges": {}, "links": None,
        "rust_version": None}


def write_crate(out, name, version, dependencies, order):
    base = os.path.join(out, f"{name}-{version}")
    with open(base + ".crate", "wb") as f:
        f.write(crate_file(name, version, dependencies))
    with open(base + ".json", "w") as f:
        json.dump(publish_metadata(name, version, dependencies), f)
    order.append(f"{name}-{version}")


def crate_set(out):
    os.makedirs(out, exist_ok=True)
    order = []
    # dependencies first, so every crate's dependencies exist when it is published
    for i in reversed(range(CRATES)):
        for v in CRATE_VERSIONS:
            write_crate(out, crate_name(i), v, [crate_name(d) for d in deps(i, CRATES)], order)
    with open(os.path.join(out, "order"), "w") as f:
        f.write("\n".join(order) + "\n")


def crate_versions(out, name, n):
    os.makedirs(out, exist_ok=True)
    order = []
    for k in range(n):
        write_crate(out, name, f"1.{k // 1000}.{k % 1000}", [], order)
    with open(os.path.join(out, "order"), "w") as f:
        f.write("\n".join(order) + "\n")


def cargo_publish(api, concurrency, directory):
    pool = Pool(api)
    items = open(os.path.join(directory, "order")).read().split()

    def one(item):
        meta = open(os.path.join(directory, item + ".json"), "rb").read()
        data = open(os.path.join(directory, item + ".crate"), "rb").read()
        body = struct.pack("<I", len(meta)) + meta + struct.pack("<I", len(data)) + data
        status, text, _ = pool.request("PUT", "/api/v1/crates/new", body, {
            "Content-Type": "application/octet-stream", "Authorization": "bench-token"})
        if status != 200 or b'"errors"' in text:
            raise SystemExit(f"publish of {item}: {status} {text[:300]!r}")

    # the set's order puts dependencies first; publish it with C=1 so that none is missing
    wall = run_parallel(concurrency, items, one)
    print(f"{len(items) / wall:.2f}")


def cargo_consumer(out):
    os.makedirs(os.path.join(out, "src"), exist_ok=True)
    toml = '[package]\nname = "bench-consumer"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n'
    toml += "".join(f'{crate_name(i)} = {{ version = "1", registry = "bench" }}\n' for i in range(CRATES))
    with open(os.path.join(out, "Cargo.toml"), "w") as f:
        f.write(toml)
    with open(os.path.join(out, "src", "lib.rs"), "w") as f:
        f.write("")


def index_path(name):
    n = name.lower()
    if len(n) <= 2:
        return f"{len(n)}/{n}"
    if len(n) == 3:
        return f"3/{n[0]}/{n}"
    return f"{n[:2]}/{n[2:4]}/{n}"


def cargo_static(index_url, root, dl_base, names):
    """What a sparse registry serves, as files: ROOT/index/config.json (dl pointing at DL_BASE), the
    index file of each name, and ROOT/crates/<name>/<version>/download for every version listed."""
    index = Pool(index_url)
    os.makedirs(os.path.join(root, "index"), exist_ok=True)
    with open(os.path.join(root, "index", "config.json"), "w") as f:
        json.dump({"dl": dl_base.rstrip("/") + "/{crate}/{version}/download"}, f)
    status, text, _ = index.request("GET", "/config.json")
    dl = Pool(json.loads(text)["dl"])

    def one(name):
        status, body, _ = index.request("GET", "/" + index_path(name))
        if status != 200:
            raise SystemExit(f"index of {name}: {status}")
        path = os.path.join(root, "index", index_path(name))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(body)
        for line in body.decode().splitlines():
            vers = json.loads(line)["vers"]
            status, data, _ = dl.request("GET", f"/{name}/{vers}/download")
            if status != 200:
                raise SystemExit(f"download of {name} {vers}: {status}")
            path = os.path.join(root, "crates", name, vers, "download")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)

    run_parallel(4, names, one)


# --------------------------------------------------------------------------------------------- Maven

def pom(artifact, version, dependencies=(), extra="", group=GROUP):
    deps_xml = "".join(f"<dependency><groupId>{GROUP}</groupId><artifactId>{d}</artifactId>"
                       f"<version>1.0.0</version></dependency>" for d in dependencies)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">'
            f"<modelVersion>4.0.0</modelVersion><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
            f"<version>{version}</version><packaging>jar</packaging>{extra}"
            f"<dependencies>{deps_xml}</dependencies></project>\n")


def jar(artifact, version):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path, text in (("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nCreated-By: arca-bench\n\n"),
                           (f"org/example/bench/{artifact}.txt", f"{artifact} {version}\n" + "x" * 2048)):
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)
    return out.getvalue()


def maven_artifact(out, artifact, version, dependencies=()):
    d = os.path.join(out, *GROUP.split("."), artifact, version)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"{artifact}-{version}.pom"), "w") as f:
        f.write(pom(artifact, version, dependencies))
    with open(os.path.join(d, f"{artifact}-{version}.jar"), "wb") as f:
        f.write(jar(artifact, version))


def maven_set(out):
    for i in range(ARTIFACTS):
        maven_artifact(out, f"a-{i:02d}", "1.0.0", [f"a-{d:02d}" for d in deps(i, ARTIFACTS)])


def maven_versions(out, artifact, n):
    for k in range(n):
        maven_artifact(out, artifact, f"1.{k // 1000}.{k % 1000}")


def maven_put(url, concurrency, directory):
    pool = Pool(url)
    files = sorted(os.path.relpath(os.path.join(d, f), directory) for d, _, fs in os.walk(directory) for f in fs)

    def one(rel):
        data = open(os.path.join(directory, rel), "rb").read()
        status, text, _ = pool.request("PUT", "/" + rel, data, {"Content-Type": "application/octet-stream"})
        if status not in (200, 201, 204):
            raise SystemExit(f"PUT {rel}: {status} {text[:300]!r}")

    wall = run_parallel(concurrency, files, one)
    print(f"{len(files) / wall:.2f}")


def maven_consumer(out, url):
    os.makedirs(out, exist_ok=True)
    repos = (f"<repositories><repository><id>bench</id><url>{url}</url>"
             "<releases><checksumPolicy>fail</checksumPolicy></releases>"
             "<snapshots><enabled>false</enabled></snapshots></repository></repositories>")
    text = pom("bench-consumer", "1.0.0", ["a-00"], repos, group="org.example.consumer")
    with open(os.path.join(out, "pom.xml"), "w") as f:
        f.write(text)


def maven_files(directory):
    """The paths a consumer GETs for the set (poms, jars and their .sha1/.md5), relative."""
    out = []
    for d, _, fs in os.walk(directory):
        for f in fs:
            rel = os.path.relpath(os.path.join(d, f), directory)
            out += [rel, rel + ".sha1", rel + ".md5"]
    return sorted(out)


def mirror(url, root, paths):
    pool = Pool(url)

    def one(rel):
        status, data, _ = pool.request("GET", "/" + rel)
        if status != 200:
            raise SystemExit(f"GET {url}/{rel}: {status}")
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    run_parallel(4, paths, one)


# ------------------------------------------------------------------------------------------- latency

def latency(url, n, revalidate=False):
    """N sequential GETs of URL on one keep-alive connection (after 3 unmeasured). With `revalidate`,
    every GET carries the ETag the first answer gave (If-None-Match) and must be a 304."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.netloc, timeout=600)
    headers = {"Accept-Encoding": "identity", "Accept": "text/plain, */*"}
    conn.request("GET", u.path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit(f"GET {url}: {r.status} {body[:200]!r}")
    size, etag = len(body), r.getheader("ETag")
    expect = 200
    if revalidate:
        if not etag:
            raise SystemExit(f"GET {url}: no ETag")
        headers["If-None-Match"], expect = etag, 304
    times = []
    for k in range(n + 3):
        t0 = time.perf_counter()
        conn.request("GET", u.path, headers=headers)
        r = conn.getresponse()
        got = r.read()
        dt = time.perf_counter() - t0
        if r.status != expect:
            raise SystemExit(f"GET {url}: {r.status}, expected {expect} {got[:200]!r}")
        if k >= 3:
            times.append(dt * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, int(round(0.99 * len(times) + 0.5)) - 1)]
    print(json.dumps({"p50": statistics.median(times), "p99": p99, "max": times[-1], "bytes": size,
                      "status": expect}))


# -------------------------------------------------------------------------------------------- report

def report(path):
    rows, loads = {}, []
    for line in open(path):
        row, server, rnd, value = line.rstrip("\n").split("\t")
        if row == "load":
            loads.append(f"{rnd}: {value.split()[0]}")
            continue
        rows.setdefault(row, {}).setdefault(server, []).append(value)

    def fmt(x, digits=2):
        return f"{x:.{digits}f}" if x < 100 else f"{x:.0f}"

    print("load averages (1 min) per round: " + ", ".join(loads))
    timed = [r for r in rows if r.startswith(("cargo fetch", "mvn "))]
    if timed:
        print("\n### Clients (wall seconds, median of the rounds; ratio < 1: arca faster)\n")
        print("| row | server | median s | rounds | arca / this |")
        print("|---|---|---:|---:|---:|")
        for row in timed:
            arca = rows[row].get("arca")
            a = statistics.median(float(x) / 1000 for x in arca) if arca else None
            for s, vals in rows[row].items():
                v = [float(x) / 1000 for x in vals]
                m = statistics.median(v)
                ratio = "" if s == "arca" or a is None else f"**{a / m:.2f}**"
                print(f"| {row} | {s} | {m:.2f} | {' / '.join(f'{x:.2f}' for x in v)} | {ratio} |")
    lat = [r for r in rows if r.startswith(("index file", "maven-metadata"))]
    if lat:
        print("\n### Metadata GET latency (ms; median over rounds of each round's p50 / p99; arca/nginx)\n")
        print("| row | arca p50 | arca p99 | nginx p50 | nginx p99 | p50 arca/nginx | body | arca p50 rounds | nginx p50 rounds |")
        print("|---|---:|---:|---:|---:|---:|---|---:|---:|")
        for row in lat:
            a, b = [json.loads(x) for x in rows[row]["arca"]], [json.loads(x) for x in rows[row]["nginx"]]
            m = lambda xs, k: statistics.median(x[k] for x in xs)
            print(f"| {row} | **{fmt(m(a, 'p50'))}** | {fmt(m(a, 'p99'))} | {fmt(m(b, 'p50'))} | {fmt(m(b, 'p99'))} | "
                  f"**{m(a, 'p50') / m(b, 'p50'):.2f}** | {a[-1]['bytes'] / 1024:.0f} KiB, {a[-1]['status']} | "
                  f"{' / '.join(fmt(x['p50']) for x in a)} | {' / '.join(fmt(x['p50']) for x in b)} |")
    for row, servers in rows.items():
        if row.startswith("populate"):
            print(f"\n{row}: " + ", ".join(f"{s} {v[0]}" for s, v in servers.items()))


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "crate-set":
        crate_set(args[0])
    elif cmd == "crate-versions":
        crate_versions(args[0], args[1], int(args[2]))
    elif cmd == "cargo-publish":
        cargo_publish(args[0], int(args[1]), args[2])
    elif cmd == "cargo-consumer":
        cargo_consumer(args[0])
    elif cmd == "cargo-static":
        cargo_static(args[0], args[1], args[2], args[3:])
    elif cmd == "maven-set":
        maven_set(args[0])
    elif cmd == "maven-versions":
        maven_versions(args[0], args[1], int(args[2]))
    elif cmd == "maven-put":
        maven_put(args[0], int(args[1]), args[2])
    elif cmd == "maven-consumer":
        maven_consumer(args[0], args[1])
    elif cmd == "maven-files":
        print("\n".join(maven_files(args[0])))
    elif cmd == "mirror":
        mirror(args[0], args[1], args[2:])
    elif cmd == "latency":
        latency(args[0], int(args[1]), len(args) > 2 and args[2] == "revalidate")
    elif cmd == "report":
        report(args[0])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
