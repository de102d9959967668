#!/usr/bin/env python3
"""Helpers of bench/packages.sh (Python 3 standard library only): deterministic package sets for PyPI
and npm, uploads over HTTP (PyPI's legacy form, npm's publish PUT), and metadata GET latencies.

    packages.py pypi-set DIR               wheels of the 50-package set (3 versions each) into DIR
    packages.py pypi-versions DIR NAME N   N versions (1.0.0 … ) of one package, one wheel each
    packages.py npm-set DIR                package directories of the set, for `npm pack`
    packages.py npm-versions DIR NAME N    N versions of one package as ready .tgz files
    packages.py npm-dirs DIR NAME N        N versions of one package as directories, for `npm pack`
    packages.py pypi-upload URL C FILE…    legacy uploads, C at a time; prints files/s
    packages.py npm-publish URL TOKEN C TGZ…   publish PUTs, C at a time; prints versions/s
    packages.py pypi-files DIR FILE…       copy wheels into a pypiserver packages directory
    packages.py verdaccio-files STORAGE NAME N   extend a verdaccio package.json to N versions
    packages.py latency URL ACCEPT N       N sequential GETs on one keep-alive connection; JSON p50/p99
    packages.py report RESULTS.tsv         the Markdown tables (medians of the rounds)

The dependency set: packages 00…49, each at 1.0.0, 1.1.0 and 2.0.0; package i depends on 2i+1, 2i+2
and i+7 (those below 50) with `>=1,<2` / `^1.0.0`, so installing package 00 below 2 pulls all 50, the
resolver has to pick 1.1.0 over 2.0.0 everywhere, and the tree has diamonds (shared dependencies).
"""
import base64, concurrent.futures, gzip, hashlib, http.client, io, json, os, shutil, statistics, sys, tarfile
import threading, time, urllib.parse, zipfile
from benchlib import Pool, run_parallel

SET = 50
SET_VERSIONS = ["1.0.0", "1.1.0", "2.0.0"]
PREFIX = "arca-bench"


def deps(i):
    return sorted({d for d in (2 * i + 1, 2 * i + 2, i + 7) if d < SET})


def name(i):
    return f"{PREFIX}-{i:02d}"


# ---------------------------------------------------------------------------------------------- PyPI

def wheel(out, project, version, requires=()):
    """A minimal pure-Python wheel, byte for byte the same on every run."""
    norm = project.replace("-", "_")
    module = norm
    dist_info = f"{norm}-{version}.dist-info"
    metadata = "Metadata-Version: 2.1\nName: {}\nVersion: {}\nSummary: arca bench package\n".format(project, version)
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {
        f"{module}/__init__.py": f"VERSION = {version!r}\n",
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: arca-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    filename = f"{norm}-{version}-py3-none-any.whl"
    path = os.path.join(out, filename)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p, text in files.items():
            info = zipfile.ZipInfo(p, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, text)
    return path


def pypi_set(out):
    os.makedirs(out, exist_ok=True)
    for i in range(SET):
        for v in SET_VERSIONS:
            wheel(out, name(i), v, [f"{name(d)}>=1,<2" for d in deps(i)])


def pypi_versions(out, project, n):
    os.makedirs(out, exist_ok=True)
    for k in range(n):
        wheel(out, project, f"1.{k // 1000}.{k % 1000}")


def multipart(fields, filename, data):
    boundary = "----arcabench" + hashlib.sha1(filename.encode()).hexdigest()
    out = io.BytesIO()
    for k, v in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{filename}"\r\n'
              "Content-Type: application/octet-stream\r\n\r\n".encode())
    out.write(data)
    out.write(f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def wheel_form(path):
    filename = os.path.basename(path)
    data = open(path, "rb").read()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    headers = dict(line.split(": ", 1) for line in meta.splitlines() if ": " in line and not line.startswith("Requires"))
    fields = [(":action", "file_upload"), ("protocol_version", "1"), ("metadata_version", headers["Metadata-Version"]),
              ("name", headers["Name"]), ("version", headers["Version"]), ("filetype", "bdist_wheel"),
              ("pyversion", "py3"), ("summary", headers.get("Summary", "")),
              ("sha256_digest", hashlib.sha256(data).hexdigest())]
    return multipart(fields, filename, data)


def pypi_upload(url, concurrency, files):
    pool = Pool(url)

    def one(path):
        body, ctype = wheel_form(path)
        status, text, _ = pool.request("POST", "/", body, {"Content-Type": ctype, "Authorization": "Basic eDp4"})
        if status not in (200, 201):
            raise SystemExit(f"upload of {path}: {status} {text[:300]!r}")

    wall = run_parallel(concurrency, files, one)
    print(f"{len(files) / wall:.2f}")


def pypi_files(directory, files):
    os.makedirs(directory, exist_ok=True)
    for f in files:
        shutil.copy(f, directory)


# ----------------------------------------------------------------------------------------------- npm

def package_json(pkg, version, dependencies=None):
    return {"name": pkg, "version": version, "description": "arca bench package", "main": "index.js",
            "license": "MIT", "dependencies": dependencies or {}}


def write_dir(out, manifest):
    d = os.path.join(out, f"{manifest['name']}@{manifest['version']}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "package.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    with open(os.path.join(d, "index.js"), "w") as f:
        f.write(f"module.exports = {json.dumps(manifest['name'] + '@' + manifest['version'])};\n")
    return d


def npm_set(out):
    for i in range(SET):
        for v in SET_VERSIONS:
            write_dir(out, package_json(name(i), v, {name(d): "^1.0.0" for d in deps(i)}))


def npm_dirs(out, pkg, n):
    for k in range(n):
        write_dir(out, package_json(pkg, f"1.{k // 1000}.{k % 1000}"))


def tgz(manifest):
    """An npm tarball (`package/…`), deterministic, as `npm pack` lays it out."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, text in (("package/package.json", json.dumps(manifest, indent=2) + "\n"),
                           ("package/index.js", "module.exports = 1;\n")):
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size, info.mtime, info.mode = len(data), 499162500, 0o644
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as g:
        g.write(raw.getvalue())
    return out.getvalue()


def npm_versions(out, pkg, n):
    os.makedirs(out, exist_ok=True)
    for k in range(n):
        manifest = package_json(pkg, f"1.{k // 1000}.{k % 1000}")
        with open(os.path.join(out, f"{pkg}-{manifest['version']}.tgz"), "wb") as f:
            f.write(tgz(manifest))


def publish_body(url, data):
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        manifest = json.load(tar.extractfile("package/package.json"))
    pkg, version = manifest["name"], manifest["version"]
    file = f"{pkg.split('/')[-1]}-{version}.tgz"
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    shasum = hashlib.sha1(data).hexdigest()
    v = dict(manifest, _id=f"{pkg}@{version}", _nodeVersion="20.20.2", _npmVersion="11.19.1",
             dist={"integrity": integrity, "shasum": shasum, "tarball": f"{url.rstrip('/')}/{pkg}/-/{file}"})
    body = {"_id": pkg, "name": pkg, "description": manifest.get("description", ""), "dist-tags": {"latest": version},
            "versions": {version: v}, "access": None,
            "_attachments": {file: {"content_type": "application/octet-stream",
                                    "data": base64.b64encode(data).decode(), "length": len(data)}}}
    return pkg, json.dumps(body).encode()


def npm_publish(url, token, concurrency, files):
    pool = Pool(url)

    def one(path):
        pkg, body = publish_body(url, open(path, "rb").read())
        status, text, _ = pool.request("PUT", "/" + pkg.replace("/", "%2f"), body, {
            "Content-Type": "application/json", "Authorization": f"Bearer {token}", "npm-command": "publish"})
        if status not in (200, 201):
            raise SystemExit(f"publish of {path}: {status} {text[:300]!r}")

    wall = run_parallel(concurrency, files, one)
    print(f"{len(files) / wall:.2f}")


def verdaccio_files(storage, pkg, n):
    """Extends the package.json verdaccio wrote for the first published versions to N versions,
    entry for entry as its publish would have (versions, time, _attachments, dist-tags)."""
    path = os.path.join(storage, pkg, "package.json")
    doc = json.load(open(path))
    template_version = sorted(doc["versions"])[0]
    template = doc["versions"][template_version]
    attach_template = next(iter(doc["_attachments"].values()))
    base_time = doc["time"][template_version]
    for k in range(n):
        version = f"1.{k // 1000}.{k % 1000}"
        if version in doc["versions"]:
            continue
        manifest = package_json(pkg, version)
        data = tgz(manifest)
        file = f"{pkg}-{version}.tgz"
        v = json.loads(json.dumps(template).replace(template_version, version))
        v["dist"]["integrity"] = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        v["dist"]["shasum"] = hashlib.sha1(data).hexdigest()
        if "_integrity" in v:
            v["_integrity"] = v["dist"]["integrity"]
        doc["versions"][version] = v
        doc["time"][version] = base_time
        doc["_attachments"][file] = dict(attach_template, shasum=v["dist"]["shasum"], version=version)
        with open(os.path.join(storage, pkg, file), "wb") as f:
            f.write(data)
    doc["dist-tags"]["latest"] = f"1.{(n - 1) // 1000}.{(n - 1) % 1000}"
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, indent=2)
    os.replace(path + ".tmp", path)


# ------------------------------------------------------------------------------------------- latency

def latency(url, accept, n):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.netloc, timeout=600)
    times, size, ctype = [], 0, ""
    for k in range(n + 3):  # three warm-up GETs, untimed
        t0 = time.perf_counter()
        conn.request("GET", u.path, headers={"Accept": accept, "Accept-Encoding": "identity"})
        r = conn.getresponse()
        body = r.read()
        dt = time.perf_counter() - t0
        if r.status != 200:
            raise SystemExit(f"GET {url}: {r.status} {body[:200]!r}")
        size, ctype = len(body), r.getheader("Content-Type", "")
        if k >= 3:
            times.append(dt * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, int(round(0.99 * len(times) + 0.5)) - 1)]
    print(json.dumps({"p50": statistics.median(times), "p99": p99, "max": times[-1], "bytes": size,
                      "type": ctype.split(";")[0]}))


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

    def section(title, header, kinds):
        if not any(kinds(row) for row in rows):
            return
        print(f"\n### {title}\n")
        print(header)
        print("|" + "|".join("---" if i == 0 else "---:" for i in range(header.count("|") - 1)) + "|")
        for row, servers in rows.items():
            if kinds(row):
                peer = next(s for s in servers if s != "arca")
                yield row, servers["arca"], peer, servers[peer]

    print("load averages (1 min) per round: " + ", ".join(loads))
    lat = lambda r: r.startswith(("simple page", "packument"))
    install = lambda r: not lat(r) and "install" in r
    for row, a, peer, b in section("Installing the 50-package set (wall seconds, median; arca/peer < 1: arca faster)",
                                   "| row | arca s | peer | peer s | arca/peer | arca rounds | peer rounds |",
                                   install):
        a, b = [float(x) / 1000 for x in a], [float(x) / 1000 for x in b]
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"| {row} | **{ma:.2f}** | {peer} | {mb:.2f} | **{ma / mb:.2f}** | "
              f"{' / '.join(f'{x:.2f}' for x in a)} | {' / '.join(f'{x:.2f}' for x in b)} |")
    rate = lambda r: not lat(r) and any(k in r for k in ("twine", "publish", "upload")) and "populate" not in r
    for row, a, peer, b in section("Publishing (versions per second, median; arca/peer > 1: arca faster)",
                                   "| row | arca /s | peer | peer /s | arca/peer | arca rounds | peer rounds |", rate):
        a, b = [float(x) for x in a], [float(x) for x in b]
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"| {row} | **{fmt(ma, 1)}** | {peer} | {fmt(mb, 1)} | **{ma / mb:.2f}** | "
              f"{' / '.join(fmt(x, 1) for x in a)} | {' / '.join(fmt(x, 1) for x in b)} |")
    for row, a, peer, b in section("Metadata GET latency (ms, median over rounds of each round's p50 / p99; arca/peer < 1: arca faster)",
                                   "| row | arca p50 | arca p99 | peer | peer p50 | peer p99 | p50 arca/peer | arca body | peer body | arca p50 rounds | peer p50 rounds |", lat):
        a, b = [json.loads(x) for x in a], [json.loads(x) for x in b]
        m = lambda xs, k: statistics.median(x[k] for x in xs)
        body = lambda xs: f"{xs[-1]['bytes'] / 1024:.0f} KiB {xs[-1]['type']}"
        print(f"| {row} | **{fmt(m(a, 'p50'))}** | {fmt(m(a, 'p99'))} | {peer} | {fmt(m(b, 'p50'))} | {fmt(m(b, 'p99'))} | "
              f"**{m(a, 'p50') / m(b, 'p50'):.{2 if m(a, 'p50') / m(b, 'p50') >= 0.01 else 4}f}** | {body(a)} | {body(b)} | "
              f"{' / '.join(fmt(x['p50']) for x in a)} | {' / '.join(fmt(x['p50']) for x in b)} |")
    for row, servers in rows.items():
        if row.startswith("populate"):
            print(f"\n{row}: " + ", ".join(f"{s} {v[0]}" for s, v in servers.items()))


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "pypi-set":
        pypi_set(args[0])
    elif cmd == "pypi-versions":
        pypi_versions(args[0], args[1], int(args[2]))
    elif cmd == "npm-set":
        npm_set(args[0])
    elif cmd == "npm-dirs":
        npm_dirs(args[0], args[1], int(args[2]))
    elif cmd == "npm-versions":
        npm_versions(args[0], args[1], int(args[2]))
    elif cmd == "pypi-upload":
        pypi_upload(args[0], int(args[1]), args[2:])
    elif cmd == "npm-publish":
        npm_publish(args[0], args[1], int(args[2]), args[3:])
    elif cmd == "pypi-files":
        pypi_files(args[0], args[1:])
    elif cmd == "verdaccio-files":
        verdaccio_files(args[0], args[1], int(args[2]))
    elif cmd == "report":
        report(args[0])
    elif cmd == "latency":
        latency(args[0], args[1], int(args[2]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
