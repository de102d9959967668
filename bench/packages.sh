#!/usr/bin/env bash
# Python and npm packages: arca vs pypiserver 2.4.2 (waitress, watchdog cache) and Verdaccio 6.8.0, on
# this machine, in one run. Rows (issue text: "install a 50-package dependency set with pip and with npm
# … cold and warm; publish rate; metadata GET latency at 10 000 versions of one package"):
#
#   1. install the 50-package set (bench/packages.py: 3 versions each, a tree with diamonds):
#      pip (cold: --no-cache-dir; warm: a populated --cache-dir), uv pip (cold: --no-cache; warm),
#      npm (cold: an empty --cache; warm: a populated one); always a fresh target / no node_modules and
#      no lockfile, so every run resolves;
#   2. publish rate: twine upload of RATE_N new versions (one command), npm publish of RATE_N new
#      versions (one command each), and the server alone: RAW_N sequential uploads / publish PUTs from
#      one keep-alive Python client;
#   3. metadata GET latency (p50/p99 of BIG_GETS sequential GETs, one keep-alive connection) of a package
#      with VERSIONS versions, and (GETS GETs) of a 3-version package of the set.
#
# Each row runs ROUNDS times, arca and the peer alternating (A B, then B A, …); the report is the median.
#
#   bash bench/packages.sh                                 # ROUNDS=3 VERSIONS=10000, ~45-50 min
#   ROUNDS=1 VERSIONS=1000 GETS=50 RATE_N=5 RAW_N=50 bash bench/packages.sh      # quick look, ~5 min
#   PHASES=latency bash bench/packages.sh                  # only row 3 (also: install, publish)
#   ARCA_BIN=/path/to/arca bash bench/packages.sh
#
# The peers and the client tools are installed once into PEERS_DIR (default /var/tmp/arca-bench-peers,
# outside the repository) from PyPI and the npm registry: a venv with pypiserver 2.4.2 + waitress 3.0.2
# + watchdog (pypiserver's cached-dir backend), a venv with pip 25.3, twine 7.0.0 and uv 0.13.9, and
# verdaccio 6.8.0 with the `overrides` entry of ../shared/reference/test-bench.md §1.3. All three
# servers run without authentication for reads (arca: loopback default; pypiserver `-a . -P .`;
# verdaccio: `access: $all`, publish by a user created through its API). Raw results, logs and the
# machine go to OUT (default /var/tmp/arca-packages-bench-<time>); scratch data is removed.
#
# The VERSIONS-version package is published to arca through its HTTP API (4 concurrent clients; the
# time is reported). The peers get theirs written to storage as their own publish writes it (the wheel
# files into pypiserver's directory; verdaccio's package.json extended from the one it wrote for the
# first version, plus the tarballs), because verdaccio rewrites the whole package.json on every publish.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-3}
VERSIONS=${VERSIONS:-10000}
GETS=${GETS:-200}
BIG_GETS=${BIG_GETS:-20}
PHASES=${PHASES:-install publish latency}
RATE_N=${RATE_N:-20}
RAW_N=${RAW_N:-200}
PEERS_DIR=${PEERS_DIR:-/var/tmp/arca-bench-peers}
OUT=${OUT:-/var/tmp/arca-packages-bench-$(date -u +%Y%m%dT%H%M%S)}
HERE=$PWD
PY=$HERE/bench/packages.py

# ----------------------------------------------------------------------------------- peers and tools
SV=$PEERS_DIR/server-venv CV=$PEERS_DIR/client-venv VD=$PEERS_DIR/verdaccio
mkdir -p "$PEERS_DIR"
if [ ! -x "$SV/bin/pypi-server" ]; then
  python3 -m venv "$SV"
  PIP_FIND_LINKS= "$SV/bin/pip" install -q 'pypiserver[cache]==2.4.2' passlib==1.7.4 waitress==3.0.2
fi
if [ ! -x "$CV/bin/uv" ] || [ ! -x "$CV/bin/twine" ]; then
  python3 -m venv "$CV"
  PIP_FIND_LINKS= "$CV/bin/pip" install -q pip==25.3
  PIP_FIND_LINKS= "$CV/bin/pip" install -q twine==7.0.0 uv==0.13.9
fi
if [ ! -x "$VD/node_modules/.bin/verdaccio" ]; then
  mkdir -p "$VD"
  cat >"$VD/package.json" <<'EOF'
{ "name": "arca-bench-verdaccio-peer", "private": true,
  "dependencies": { "verdaccio": "6.8.0" },
  "overrides": { "node-fetch": "2.7.0" } }
EOF
  (cd "$VD" && npm_config_userconfig=/dev/null npm install --no-audit --no-fund --registry https://registry.npmjs.org/)
fi
if [ -z "${ARCA_BIN:-}" ]; then
  cargo build --release -q -p arca-cli
fi
ARCA=${ARCA_BIN:-${CARGO_TARGET_DIR:-target}/release/arca}

mkdir -p "$OUT"
W=$(mktemp -d /var/tmp/arca-packages-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  cp "$W"/*.log "$OUT"/ 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 300); do curl -sf "$1" >/dev/null && return 0; sleep 0.1; done; echo "not up: $1"; exit 1; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
RES=$OUT/results.tsv
: >"$RES"
note() { printf '%s\n' "$*" | tee -a "$OUT/log.txt"; }
# row server round value [extra]
record() {
  [ -n "$4" ] || { echo "no value for $1 ($2, round $3): stopping" >&2; exit 1; }
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RES"
}

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "commit: $(git -C "$HERE" rev-parse HEAD)$(git -C "$HERE" diff --quiet HEAD -- crates || echo ' (crates/ modified)')"
  echo "arca: $ARCA"
  echo "machine: $(nproc) vCPUs $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB, kernel $(uname -r)"
  echo "peers: pypiserver $("$SV/bin/pip" show pypiserver 2>/dev/null | awk '/^Version/{print $2}') (waitress $("$SV/bin/pip" show waitress 2>/dev/null | awk '/^Version/{print $2}'), watchdog $("$SV/bin/pip" show watchdog 2>/dev/null | awk '/^Version/{print $2}')), verdaccio $(node -p "require('$VD/node_modules/verdaccio/package.json').version")"
  echo "clients: pip $("$CV/bin/pip" --version | cut -d' ' -f2), uv $("$CV/bin/uv" --version | cut -d' ' -f2), twine $("$CV/bin/pip" show twine 2>/dev/null | awk '/^Version/{print $2}'), npm $(npm --version), node $(node --version), python $(python3 --version | cut -d' ' -f2)"
  echo "settings: ROUNDS=$ROUNDS VERSIONS=$VERSIONS GETS=$GETS BIG_GETS=$BIG_GETS RATE_N=$RATE_N RAW_N=$RAW_N PHASES='$PHASES'"
  echo "load at start: $(load)"
} | tee "$OUT/machine.txt"

# ----------------------------------------------------------------------------------------- servers
PA=$(free_port)
ARCA_GC__INTERVAL_SECS=0 "$ARCA" serve --listen "127.0.0.1:$PA" --data "$W/arca" >"$W/arca.log" 2>&1 &
PIDS+=($!)
ARCA_PID=$!
wait_for "http://127.0.0.1:$PA/readyz"
for f in pypi npm; do
  curl -fsS -X POST "http://127.0.0.1:$PA/api/v1/repositories" -H 'content-type: application/json' \
    -d "{\"name\":\"$f\",\"format\":\"$f\"}" >/dev/null
done

PP=$(free_port)
mkdir -p "$W/pypiserver"
"$SV/bin/pypi-server" run -i 127.0.0.1 -p "$PP" -a . -P . --disable-fallback --hash-algo sha256 \
  "$W/pypiserver" >"$W/pypiserver.log" 2>&1 &
PIDS+=($!)
PYPI_PID=$!
wait_for "http://127.0.0.1:$PP/health"

PV=$(free_port)
mkdir -p "$W/verdaccio"
cat >"$W/verdaccio/config.yaml" <<EOF
storage: $W/verdaccio/storage
auth:
  htpasswd: { file: $W/verdaccio/htpasswd, max_users: 100 }
uplinks: {}
packages:
  '@*/*': { access: \$all, publish: \$authenticated, unpublish: \$authenticated }
  '**':   { access: \$all, publish: \$authenticated, unpublish: \$authenticated }
listen: 127.0.0.1:$PV
log: { type: stdout, format: pretty, level: warn }
web: { enable: false }
EOF
start_verdaccio() {
  "$VD/node_modules/.bin/verdaccio" --config "$W/verdaccio/config.yaml" --listen "127.0.0.1:$PV" >>"$W/verdaccio.log" 2>&1 &
  PIDS+=($!)
  VERDACCIO_PID=$!
  wait_for "http://127.0.0.1:$PV/-/ping"
}
start_verdaccio
TOKEN=$(curl -fsS -X PUT -H 'Content-Type: application/json' \
  -d '{"name":"bench","password":"bench-secret-pw","email":"bench@example.invalid","type":"user"}' \
  "http://127.0.0.1:$PV/-/user/org.couchdb.user:bench" | python3 -c 'import sys, json; print(json.load(sys.stdin)["token"])')

# the index / registry / upload URLs of each server, by name
declare -A SIMPLE=([arca]="http://127.0.0.1:$PA/pypi/pypi/simple/" [pypiserver]="http://127.0.0.1:$PP/simple/")
declare -A LEGACY=([arca]="http://127.0.0.1:$PA/pypi/pypi/legacy/" [pypiserver]="http://127.0.0.1:$PP/")
declare -A REG=([arca]="http://127.0.0.1:$PA/npm/npm/" [verdaccio]="http://127.0.0.1:$PV/")
declare -A NPMTOKEN=([arca]=x [verdaccio]="$TOKEN")
export npm_config_userconfig=$W/npmrc   # nothing from ~/.npmrc
printf '//127.0.0.1:%s/npm/npm/:_authToken=x\n//127.0.0.1:%s/:_authToken=%s\nfund=false\naudit=false\nupdate-notifier=false\n' \
  "$PA" "$PV" "$TOKEN" >"$W/npmrc"
export PIP_FIND_LINKS= PIP_DISABLE_PIP_VERSION_CHECK=1 UV_NO_CONFIG=1
has() { [[ " $PHASES " == *" $1 "* ]]; }
order() { if [ $(($1 % 2)) = 1 ]; then echo "arca $2"; else echo "$2 arca"; fi; }

# timed CMD…: runs it, output to cmd.log; prints the wall time in ms; a failure stops the run
timed() {
  local t0 t1
  t0=$(date +%s%N)
  if ! "$@" >>"$W/cmd.log" 2>&1; then echo "FAILED: $*" >&2; tail -30 "$W/cmd.log" >&2; exit 1; fi
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}

# ------------------------------------------------------------------------------------ package sets
note "generating the sets ($(date -u +%T))"
python3 "$PY" pypi-set "$W/pyset"
mkdir -p "$W/npmdirs" "$W/npmset" "$W/npmrate"
python3 "$PY" npm-set "$W/npmdirs/set"
for r in $(seq "$ROUNDS"); do
  for s in arca peer; do
    python3 "$PY" pypi-versions "$W/pyrate/$r-$s" "arca-bench-twine-$r" "$RATE_N"
    python3 "$PY" pypi-versions "$W/pyraw/$r-$s" "arca-bench-raw-$r" "$RAW_N"
    python3 "$PY" npm-versions "$W/npmraw/$r-$s" "arca-bench-raw-$r" "$RAW_N"
  done
  python3 "$PY" npm-dirs "$W/npmdirs/rate-$r" "arca-bench-publish-$r" "$RATE_N"
done
(cd "$W/npmdirs" && npm pack --silent --pack-destination "$W/npmset" ./set/* >/dev/null)
for r in $(seq "$ROUNDS"); do
  mkdir -p "$W/npmrate/$r"
  (cd "$W/npmdirs" && npm pack --silent --pack-destination "$W/npmrate/$r" ./rate-$r/* >/dev/null)
done
note "sets: $(ls "$W/pyset" | wc -l) wheels, $(ls "$W/npmset" | wc -l) npm tarballs (npm pack)"

note "publishing the sets (4 concurrent clients, untimed)"
for s in arca pypiserver; do python3 "$PY" pypi-upload "${LEGACY[$s]}" 4 "$W"/pyset/*.whl >/dev/null; done
for s in arca verdaccio; do python3 "$PY" npm-publish "${REG[$s]}" "${NPMTOKEN[$s]}" 4 "$W"/npmset/*.tgz >/dev/null; done

pip_install() { # server cache(-|dir)
  local t=$W/target-$RANDOM cache=(--no-cache-dir)
  [ "$2" != - ] && cache=(--cache-dir "$2")
  "$CV/bin/python" -m pip install -q "${cache[@]}" --index-url "${SIMPLE[$1]}" --target "$t" 'arca-bench-00<2'
  local n
  n=$(ls -d "$t"/arca_bench_*.dist-info | wc -l)
  rm -rf "$t"
  [ "$n" = 50 ] || { echo "pip installed $n packages, not 50"; return 1; }
}
uv_install() {
  local t=$W/target-$RANDOM cache=(--no-cache)
  [ "$2" != - ] && cache=(--cache-dir "$2")
  "$CV/bin/uv" pip install -q "${cache[@]}" --python "$CV/bin/python" --index-url "${SIMPLE[$1]}" --target "$t" 'arca-bench-00<2'
  local n
  n=$(ls -d "$t"/arca_bench_*.dist-info | wc -l)
  rm -rf "$t"
  [ "$n" = 50 ] || { echo "uv installed $n packages, not 50"; return 1; }
}
npm_install() {
  local d=$W/consumer-$1 cache=$2
  mkdir -p "$d"
  echo '{"name":"consumer","version":"1.0.0","private":true,"dependencies":{"arca-bench-00":"^1.0.0"}}' >"$d/package.json"
  rm -rf "$d/node_modules" "$d/package-lock.json"
  if [ "$cache" = - ]; then cache=$W/npmcache-empty-$RANDOM; fi
  (cd "$d" && npm install --no-audit --no-fund --loglevel=error --cache "$cache" --registry "${REG[$1]}")
  local n
  n=$(ls -d "$d"/node_modules/arca-bench-* | wc -l)
  rm -rf "$d/node_modules" "$W"/npmcache-empty-*
  [ "$n" = 50 ] || { echo "npm installed $n packages, not 50"; return 1; }
}

has install && note "populating the warm caches (one untimed install each)"
has install && for s in arca pypiserver; do
  timed pip_install "$s" "$W/pipcache-$s" >/dev/null
  timed uv_install "$s" "$W/uvcache-$s" >/dev/null
done
has install && for s in arca verdaccio; do timed npm_install "$s" "$W/npmcache-$s" >/dev/null; done

# ------------------------------------------------------------------------------------------ rounds
has install || has publish && for r in $(seq "$ROUNDS"); do
  note "round $r/$ROUNDS ($(date -u +%T), load $(load))"
  record load - "$r" "$(load)"
  has install && for s in $(order "$r" pypiserver); do
    record "pip install, cold" "$s" "$r" "$(timed pip_install "$s" -)"
    record "pip install, warm" "$s" "$r" "$(timed pip_install "$s" "$W/pipcache-$s")"
    record "uv pip install, cold" "$s" "$r" "$(timed uv_install "$s" -)"
    record "uv pip install, warm" "$s" "$r" "$(timed uv_install "$s" "$W/uvcache-$s")"
  done
  has install && for s in $(order "$r" verdaccio); do
    record "npm install, cold" "$s" "$r" "$(timed npm_install "$s" -)"
    record "npm install, warm" "$s" "$r" "$(timed npm_install "$s" "$W/npmcache-$s")"
  done
  has publish && for s in $(order "$r" pypiserver); do
    k=$([ "$s" = arca ] && echo arca || echo peer)
    ms=$(timed "$CV/bin/twine" upload --non-interactive --disable-progress-bar --repository-url "${LEGACY[$s]}" \
      -u x -p x "$W/pyrate/$r-$k"/*.whl)
    record "twine upload" "$s" "$r" "$(python3 -c "print(round($RATE_N / ($ms / 1000), 2))")"
    record "upload, 1 client" "$s" "$r" "$(python3 "$PY" pypi-upload "${LEGACY[$s]}" 1 "$W/pyraw/$r-$k"/*.whl)"
  done
  has publish && for s in $(order "$r" verdaccio); do
    k=$([ "$s" = arca ] && echo arca || echo peer)
    publish_all() { for f in $(ls "$W/npmrate/$r"/*.tgz | sort -V); do npm publish --loglevel=error --cache "$W/npmcache-publish" --registry "${REG[$s]}" "$f" || return 1; done; }
    ms=$(timed publish_all)
    record "npm publish" "$s" "$r" "$(python3 -c "print(round($RATE_N / ($ms / 1000), 2))")"
    record "publish PUT, 1 client" "$s" "$r" "$(python3 "$PY" npm-publish "${REG[$s]}" "${NPMTOKEN[$s]}" 1 "$W/npmraw/$r-$k"/*.tgz)"
  done
done
record load - end "$(load)"
has latency || { python3 "$PY" report "$RES" | tee "$OUT/report.md"; exit 0; }

# ------------------------------------------------------------------- a package of VERSIONS versions
note "populating arca-bench-many with $VERSIONS versions ($(date -u +%T), load $(load))"
python3 "$PY" pypi-versions "$W/many-py" arca-bench-many "$VERSIONS"
python3 "$PY" npm-versions "$W/many-npm" arca-bench-many "$VERSIONS"
s0=$(date +%s%N)
rate=$(python3 "$PY" pypi-upload "${LEGACY[arca]}" 4 "$W"/many-py/*.whl)
note "arca: $VERSIONS wheels uploaded in $((($(date +%s%N) - s0) / 1000000)) ms ($rate/s, 4 clients)"
record "populate, wheels/s" arca - "$rate"
s0=$(date +%s%N)
rate=$(python3 "$PY" npm-publish "${REG[arca]}" x 4 "$W"/many-npm/*.tgz)
note "arca: $VERSIONS npm versions published in $((($(date +%s%N) - s0) / 1000000)) ms ($rate/s, 4 clients)"
record "populate, npm versions/s" arca - "$rate"
python3 "$PY" pypi-files "$W/pypiserver" "$W"/many-py/*.whl
python3 "$PY" npm-publish "${REG[verdaccio]}" "$TOKEN" 1 "$W/many-npm/arca-bench-many-1.0.0.tgz" >/dev/null
kill "$VERDACCIO_PID"; wait "$VERDACCIO_PID" 2>/dev/null || true
python3 "$PY" verdaccio-files "$W/verdaccio/storage" arca-bench-many "$VERSIONS"
start_verdaccio
curl -fsS "http://127.0.0.1:$PP/simple/arca-bench-many/" -o /dev/null   # pypiserver's watchdog has seen the files

PIP_ACCEPT='application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01'
NPM_ACCEPT='application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*'
declare -A BASE=([arca-pypi]="http://127.0.0.1:$PA/pypi/pypi/simple/" [pypiserver]="http://127.0.0.1:$PP/simple/"
  [arca-npm]="http://127.0.0.1:$PA/npm/npm/" [verdaccio]="http://127.0.0.1:$PV/")
for r in $(seq "$ROUNDS"); do
  note "latency round $r/$ROUNDS ($(date -u +%T), load $(load))"
  record load - "lat$r" "$(load)"
  for s in $(order "$r" pypiserver); do
    b=${BASE[$([ "$s" = arca ] && echo arca-pypi || echo pypiserver)]}
    record "simple page, $VERSIONS versions, pip's Accept" "$s" "$r" "$(python3 "$PY" latency "${b}arca-bench-many/" "$PIP_ACCEPT" "$BIG_GETS")"
    record "simple page, $VERSIONS versions, text/html" "$s" "$r" "$(python3 "$PY" latency "${b}arca-bench-many/" "text/html" "$BIG_GETS")"
    record "simple page, 3 versions, pip's Accept" "$s" "$r" "$(python3 "$PY" latency "${b}arca-bench-00/" "$PIP_ACCEPT" "$GETS")"
  done
  for s in $(order "$r" verdaccio); do
    b=${BASE[$([ "$s" = arca ] && echo arca-npm || echo verdaccio)]}
    record "packument, $VERSIONS versions, npm install's Accept" "$s" "$r" "$(python3 "$PY" latency "${b}arca-bench-many" "$NPM_ACCEPT" "$BIG_GETS")"
    record "packument, $VERSIONS versions, application/json" "$s" "$r" "$(python3 "$PY" latency "${b}arca-bench-many" "application/json" "$BIG_GETS")"
    record "packument, 3 versions, npm install's Accept" "$s" "$r" "$(python3 "$PY" latency "${b}arca-bench-00" "$NPM_ACCEPT" "$GETS")"
  done
done
record load - latend "$(load)"
echo "load at end: $(load)" | tee -a "$OUT/machine.txt"
echo "idle RSS after the run (MiB): arca $(($(awk '/VmRSS/{print $2}' /proc/$ARCA_PID/status) / 1024)), pypiserver $(($(awk '/VmRSS/{print $2}' /proc/$PYPI_PID/status) / 1024)), verdaccio $(($(awk '/VmRSS/{print $2}' /proc/$VERDACCIO_PID/status) / 1024))" | tee -a "$OUT/machine.txt"

python3 "$PY" report "$RES" | tee "$OUT/report.md"
echo "raw results: $OUT"
