#!/usr/bin/env bash
# Cargo and Maven: arca vs cargo-http-registry 0.1.8 and nginx serving the same files statically (the
# floor), on this machine, in one run. Rows (issue 15: "cargo fetch of a 100-crate dependency set from
# arca vs kellnr (or cargo-http-registry) on the same machine; mvn resolve of a 50-artifact set from arca
# vs nginx serving the same files statically (the floor); index/metadata GET latency at 10 000
# versions. Goal: within 20 % of nginx and ahead of kellnr."):
#
#   cargo:   `cargo fetch` of a consumer depending on all 100 crates of the set (bench/registries.py:
#            3 versions each, a graph with diamonds), a fresh CARGO_HOME and no Cargo.lock every time
#            (cold: resolves, downloads, unpacks), from arca (sparse index), from cargo-http-registry
#            (git index, fetched with the git CLI) and from nginx serving arca's index files and .crate
#            files as static files (a config.json whose dl points at nginx);
#   maven:   `mvn dependency:resolve` (maven-dependency-plugin 3.5.0, Debian's) of a consumer depending
#            on one artifact that pulls the 50-artifact set transitively, into a fresh local repository
#            (a copy of one holding only the plugins, so Maven's own plugins are not what is timed),
#            checksum policy `fail`, from arca and from nginx serving the files arca serves (poms, jars,
#            .sha1, .md5); also the same command with no dependencies (the client's own floor);
#   latency: p50/p99 of sequential GETs on one keep-alive connection: a crate's index file at
#            CARGO_VERSIONS versions (200, and If-None-Match → 304; BIG_GETS GETs each) and at 3
#            versions (GETS GETs), a maven-metadata.xml at MAVEN_VERSIONS versions (200 and 304) and at
#            3 versions; arca vs nginx serving the same bytes (copied from arca).
#
# The many-version crate and artifact are published to arca through its HTTP API, 4 clients (the time
# is reported). arca's cargo publish costs more the more versions the crate has (it re-reads every
# earlier version, bench/RESULTS.md stop 26), so populating 10 000 versions took 31 minutes on the
# 2-core VM; CARGO_VERSIONS=3000 took 2.
#
# Each row runs ROUNDS times, the servers alternating (the order rotates every round); within a round a
# server runs CARGO_RUNS cargo fetches (5) or MVN_RUNS mvn resolves (3) back to back and the round's
# figure is their median; the report gives the median of the rounds and every round.
#
#   bash bench/registries.sh                        # ROUNDS=3 VERSIONS=10000, ~45 min (see below)
#   ROUNDS=1 bash bench/registries.sh               # one round of everything
#   PHASES=latency bash bench/registries.sh         # only the latency rows (also: cargo, maven)
#   ARCA_BIN=/path/to/arca PIN=0 bash bench/registries.sh
#
# cargo-http-registry is built once into PEERS_DIR (default /var/tmp/arca-bench-peers, outside the
# repository) with `cargo install --locked cargo-http-registry@0.1.8`. kellnr is not measured (see
# bench/RESULTS.md). nginx is Debian's (`apt-get install -y nginx`). Maven's plugins come from Debian's
# /usr/share/maven-repo (`apt-get install -y libmaven-dependency-plugin-java`); nothing reaches the
# network. With PIN=1 (default) the servers run on CPU 1 and the clients on CPU 0 (`taskset`). Raw
# results, logs and the machine go to OUT (default /var/tmp/arca-registries-bench-<time>); scratch data
# is removed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-3}
VERSIONS=${VERSIONS:-10000}
CARGO_VERSIONS=${CARGO_VERSIONS:-$VERSIONS}   # the crate's versions (see below: populating 10 000 takes long)
MAVEN_VERSIONS=${MAVEN_VERSIONS:-$VERSIONS}
GETS=${GETS:-500}
BIG_GETS=${BIG_GETS:-100}
PHASES=${PHASES:-cargo maven latency}
PIN=${PIN:-1}
CARGO_RUNS=${CARGO_RUNS:-5}   # cargo fetches per server per round (the round's figure is their median)
MVN_RUNS=${MVN_RUNS:-3}       # mvn resolves per server per round
PEERS_DIR=${PEERS_DIR:-/var/tmp/arca-bench-peers}
OUT=${OUT:-/var/tmp/arca-registries-bench-$(date -u +%Y%m%dT%H%M%S)}
HERE=$PWD
PY=$HERE/bench/registries.py
MVN_DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.5.0:resolve

# ----------------------------------------------------------------------------------- peers and tools
CHR=$PEERS_DIR/cargo-http-registry/bin/cargo-http-registry
if [ ! -x "$CHR" ]; then
  mkdir -p "$PEERS_DIR"
  CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo install --locked cargo-http-registry@0.1.8 \
    --root "$PEERS_DIR/cargo-http-registry" --target-dir "$PEERS_DIR/chr-target"
fi
command -v nginx >/dev/null || apt-get install -y nginx
[ -d /usr/share/maven-repo/org/apache/maven/plugins/maven-dependency-plugin/3.5.0 ] ||
  apt-get install -y maven libmaven-dependency-plugin-java
if [ -z "${ARCA_BIN:-}" ]; then
  cargo build --release -q -p arca-cli
fi
ARCA=${ARCA_BIN:-${CARGO_TARGET_DIR:-target}/release/arca}
RUST_CARGO=$(rustup which cargo 2>/dev/null || command -v cargo)   # the toolchain's cargo, not rustup's proxy

SRV=() CLI=()
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then SRV=(taskset -c 1) CLI=(taskset -c 0); fi

mkdir -p "$OUT"
W=$(mktemp -d /var/tmp/arca-registries-bench.XXXXXX)
chmod 755 "$W"   # nginx's workers run as nobody
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  cp "$W"/*.log "$OUT"/ 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "not up: $1"; exit 1; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
RES=$OUT/results.tsv
: >"$RES"
note() { printf '%s\n' "$*" | tee -a "$OUT/log.txt"; }
record() {
  [ -n "$4" ] || { echo "no value for $1 ($2, round $3): stopping" >&2; exit 1; }
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RES"
}
median() { [ $# -gt 0 ] && printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
# median_of N CMD…: runs CMD (which prints ms) N times, prints the median; nothing when one run fails
median_of() {
  local n=$1 v=() x
  shift
  for _ in $(seq "$n"); do x=$("$@") && [ -n "$x" ] || return 1; v+=("$x"); done
  median "${v[@]}"
}
has() { [[ " $PHASES " == *" $1 "* ]]; }
# the servers in round R's order: the list rotated by R-1
order() { local r=$1; shift; local a=("$@") n=$#; for i in $(seq 0 $((n - 1))); do echo "${a[$(((i + r - 1) % n))]}"; done; }
# timed CMD…: runs it, output to cmd.log; prints the wall time in ms; a failure stops the run
timed() {
  local t0 t1
  t0=$(date +%s%N)
  if ! "$@" >>"$W/cmd.log" 2>&1; then echo "FAILED: $*" >&2; tail -30 "$W/cmd.log" >&2; exit 1; fi
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "commit: $(git -C "$HERE" rev-parse HEAD)$(git -C "$HERE" diff --quiet HEAD -- crates || echo ' (crates/ modified)')"
  echo "arca: $ARCA"
  echo "machine: $(nproc) vCPUs $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB, kernel $(uname -r)"
  echo "peers: cargo-http-registry $("$CHR" --version 2>/dev/null | awk '{print $NF}'), $(nginx -v 2>&1 | cut -d: -f2 | xargs)"
  echo "clients: $("$RUST_CARGO" --version), git $(git --version | awk '{print $3}'), $(mvn -v 2>/dev/null | head -1 | sed 's/\x1b\[[0-9;]*m//g'), java $(java -version 2>&1 | head -1 | cut -d'"' -f2), python $(python3 --version | cut -d' ' -f2)"
  echo "settings: ROUNDS=$ROUNDS CARGO_VERSIONS=$CARGO_VERSIONS MAVEN_VERSIONS=$MAVEN_VERSIONS GETS=$GETS BIG_GETS=$BIG_GETS PHASES='$PHASES' PIN=$PIN (servers: ${SRV[*]:-unpinned}, clients: ${CLI[*]:-unpinned})"
  echo "load at start: $(load)"
} | tee "$OUT/machine.txt"

# ----------------------------------------------------------------------------------------- servers
PA=$(free_port)
ARCA_GC__INTERVAL_SECS=0 "${SRV[@]}" "$ARCA" serve --listen "127.0.0.1:$PA" --data "$W/arca" >"$W/arca.log" 2>&1 &
PIDS+=($!)
ARCA_PID=$!
wait_for "http://127.0.0.1:$PA/readyz"
curl -fsS -X POST "http://127.0.0.1:$PA/api/v1/repositories" -H 'content-type: application/json' \
  -d '{"name":"rs","format":"cargo"}' >/dev/null
curl -fsS -X POST "http://127.0.0.1:$PA/api/v1/repositories" -H 'content-type: application/json' \
  -d '{"name":"mvn","format":"maven"}' >/dev/null

PC=$(free_port)
"${SRV[@]}" "$CHR" -a "127.0.0.1:$PC" "$W/chr" >"$W/cargo-http-registry.log" 2>&1 &
PIDS+=($!)
CHR_PID=$!
wait_for "http://127.0.0.1:$PC/git/info/refs?service=git-upload-pack"

PN=$(free_port)
mkdir -p "$W/nginx" "$W/static"
cat >"$W/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $W/nginx/nginx.pid;
error_log $W/nginx.log warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $W/nginx/tmp;
  types { application/json json; application/xml xml; }
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$PN;
    root $W/static;
    location / { }
  }
}
EOF
"${SRV[@]}" nginx -e "$W/nginx.log" -p "$W/nginx" -c "$W/nginx/nginx.conf" &
PIDS+=($!)
NGINX_PID=$!
wait_for "http://127.0.0.1:$PN/"

A_INDEX="http://127.0.0.1:$PA/cargo/rs/index/"
A_API="http://127.0.0.1:$PA/cargo/rs"
A_MVN="http://127.0.0.1:$PA/maven/mvn"
N_INDEX="http://127.0.0.1:$PN/cargo/index/"
N_MVN="http://127.0.0.1:$PN/maven"

# --------------------------------------------------------------------------------------------- cargo
declare -A CARGO_INDEX=([arca]="sparse+$A_INDEX" [cargo-http-registry]="http://127.0.0.1:$PC/git" [nginx]="sparse+$N_INDEX")
cargo_fetch() { # server
  local home=$W/cargo-home-$RANDOM d=$W/consumer-$1
  rm -f "$d/Cargo.lock"
  (
    for v in $(env | grep -o '^CARGO_[A-Z_]*' || true); do unset "$v"; done
    unset RUSTFLAGS
    export CARGO_HOME=$home CARGO_TARGET_DIR=$W/consumer-target CARGO_TERM_COLOR=never
    export CARGO_REGISTRIES_BENCH_INDEX=${CARGO_INDEX[$1]} CARGO_NET_GIT_FETCH_WITH_CLI=true
    cd "$d" && "${CLI[@]}" "$RUST_CARGO" fetch -q
  ) || return 1
  local n
  n=$(find "$home/registry/cache" -name '*.crate' | wc -l)
  rm -rf "$home"
  [ "$n" = 100 ] || { echo "cargo fetched $n crates, not 100"; return 1; }
}

if has cargo; then
  note "cargo: generating and publishing the 100-crate set ($(date -u +%T), load $(load))"
  python3 "$PY" crate-set "$W/crates"
  note "  $(grep -c . "$W/crates/order") .crate files"
  record "populate, arca crates/s (1 client)" arca - "$(python3 "$PY" cargo-publish "$A_API" 1 "$W/crates")"
  record "populate, cargo-http-registry crates/s (1 client)" cargo-http-registry - \
    "$(python3 "$PY" cargo-publish "http://127.0.0.1:$PC" 1 "$W/crates")"
  python3 "$PY" cargo-static "$A_INDEX" "$W/static/cargo" "http://127.0.0.1:$PN/cargo/crates" \
    $(sed 's/-[0-9]*\.[0-9]*\.[0-9]*$//' "$W/crates/order" | sort -u)
  note "  nginx: $(find "$W/static/cargo/index" -type f | wc -l) index files, $(find "$W/static/cargo/crates" -type f | wc -l) .crate files (from arca)"
  for s in arca cargo-http-registry nginx; do python3 "$PY" cargo-consumer "$W/consumer-$s"; done
  note "  one untimed fetch each"
  for s in arca cargo-http-registry nginx; do timed cargo_fetch "$s" >/dev/null; done
  for r in $(seq "$ROUNDS"); do
    note "cargo round $r/$ROUNDS ($(date -u +%T), load $(load))"
    record load - "cargo$r" "$(load)"
    for s in $(order "$r" arca cargo-http-registry nginx); do
      record "cargo fetch, 100 crates, cold" "$s" "$r" "$(median_of "$CARGO_RUNS" timed cargo_fetch "$s")"
    done
  done
fi

# --------------------------------------------------------------------------------------------- maven
declare -A MVN_URL=([arca]="$A_MVN" [nginx]="$N_MVN")
cat >"$W/settings.xml" <<EOF
<settings><mirrors><mirror><id>debian</id><mirrorOf>*,!bench</mirrorOf><url>file:///usr/share/maven-repo</url></mirror></mirrors></settings>
EOF
mvn_resolve() { # consumer-dir local-repo-template expected-artifacts
  local repo=$W/m2-run
  rm -rf "$repo"
  cp -a "$2" "$repo"
  local t0 t1
  t0=$(date +%s%N)
  (cd "$1" && HOME=$W MAVEN_OPTS= "${CLI[@]}" mvn -B -q -s "$W/settings.xml" -Dmaven.repo.local="$repo" "$MVN_DEP_PLUGIN") >>"$W/cmd.log" 2>&1 ||
    { tail -30 "$W/cmd.log" >&2; return 1; }
  t1=$(date +%s%N)
  local n
  n=$( (find "$repo/org/example/bench" -name '*.jar' 2>/dev/null || true) | wc -l)
  [ "$n" = "$3" ] || { echo "mvn resolved $n jars, not $3" >&2; return 1; }
  echo $(((t1 - t0) / 1000000))
}

if has maven; then
  note "maven: generating and deploying the 50-artifact set ($(date -u +%T), load $(load))"
  python3 "$PY" maven-set "$W/mvnset"
  record "populate, arca files/s (pom + jar PUTs, 4 clients)" arca - "$(python3 "$PY" maven-put "$A_MVN" 4 "$W/mvnset")"
  python3 "$PY" mirror "$A_MVN" "$W/static/maven" $(python3 "$PY" maven-files "$W/mvnset")
  note "  nginx: $(find "$W/static/maven" -type f | wc -l) files (poms, jars, .sha1, .md5 as arca serves them)"
  mkdir -p "$W/mvn-empty"
  python3 "$PY" maven-consumer "$W/mvn-empty" "$A_MVN"
  sed -i 's#<dependencies>.*</dependencies>#<dependencies></dependencies>#' "$W/mvn-empty/pom.xml"
  for s in arca nginx; do python3 "$PY" maven-consumer "$W/mvn-$s" "${MVN_URL[$s]}"; done
  note "  the plugins' local repository (untimed)"
  mkdir -p "$W/m2-empty"
  mvn_resolve "$W/mvn-empty" "$W/m2-empty" 0 >/dev/null
  cp -a "$W/m2-run" "$W/m2-plugins"
  note "  $(find "$W/m2-plugins" -name '*.jar' | wc -l) plugin jars; one untimed resolve each"
  for s in arca nginx; do mvn_resolve "$W/mvn-$s" "$W/m2-plugins" 50 >/dev/null; done
  for r in $(seq "$ROUNDS"); do
    note "maven round $r/$ROUNDS ($(date -u +%T), load $(load))"
    record load - "maven$r" "$(load)"
    for s in $(order "$r" arca nginx none); do
      if [ "$s" = none ]; then
        record "mvn dependency:resolve, no dependencies (the client alone)" "-" "$r" \
          "$(median_of "$MVN_RUNS" mvn_resolve "$W/mvn-empty" "$W/m2-plugins" 0)"
      else
        record "mvn dependency:resolve, 50 artifacts, cold local repository" "$s" "$r" \
          "$(median_of "$MVN_RUNS" mvn_resolve "$W/mvn-$s" "$W/m2-plugins" 50)"
      fi
    done
  done
  rm -rf "$W/m2-run"
fi

# ------------------------------------------------------------------------------------------- latency
if has latency; then
  note "latency: publishing Maven artifact many ($MAVEN_VERSIONS versions) and few (3) ($(date -u +%T), load $(load))"
  python3 "$PY" maven-versions "$W/many-mvn" many "$MAVEN_VERSIONS"
  python3 "$PY" maven-versions "$W/few-mvn" few 3
  s0=$(date +%s%N)
  rate=$(python3 "$PY" maven-put "$A_MVN" 4 "$W/many-mvn")
  note "  arca: $MAVEN_VERSIONS Maven versions (pom + jar) in $((($(date +%s%N) - s0) / 1000000)) ms ($rate files/s, 4 clients)"
  record "populate, arca Maven files/s (4 clients)" arca - "$rate"
  python3 "$PY" maven-put "$A_MVN" 1 "$W/few-mvn" >/dev/null
  note "  publishing crates arca-bench-many ($CARGO_VERSIONS versions) and arca-bench-few (3) ($(date -u +%T), load $(load))"
  python3 "$PY" crate-versions "$W/many-crates" arca-bench-many "$CARGO_VERSIONS"
  python3 "$PY" crate-versions "$W/few-crates" arca-bench-few 3
  s0=$(date +%s%N)
  rate=$(python3 "$PY" cargo-publish "$A_API" 4 "$W/many-crates")
  note "  arca: $CARGO_VERSIONS crate versions published in $((($(date +%s%N) - s0) / 1000000)) ms ($rate/s, 4 clients)"
  record "populate, arca crate versions/s (4 clients)" arca - "$rate"
  python3 "$PY" cargo-publish "$A_API" 1 "$W/few-crates" >/dev/null
  # the static copies: the index files and metadata as arca serves them, byte for byte
  for n in arca-bench-many arca-bench-few; do
    p=$(python3 -c "import sys; sys.path.insert(0, '$HERE/bench'); import registries; print(registries.index_path('$n'))")
    mkdir -p "$(dirname "$W/static/cargo/index/$p")"
    curl -fsS "${A_INDEX}$p" -o "$W/static/cargo/index/$p"
  done
  python3 "$PY" mirror "$A_MVN" "$W/static/maven" org/example/bench/many/maven-metadata.xml org/example/bench/few/maven-metadata.xml
  P_MANY=$(python3 -c "import sys; sys.path.insert(0, '$HERE/bench'); import registries; print(registries.index_path('arca-bench-many'))")
  P_FEW=$(python3 -c "import sys; sys.path.insert(0, '$HERE/bench'); import registries; print(registries.index_path('arca-bench-few'))")
  declare -A IDX=([arca]="$A_INDEX" [nginx]="$N_INDEX")
  declare -A MVN=([arca]="$A_MVN" [nginx]="$N_MVN")
  lat() { "${CLI[@]}" python3 "$PY" latency "$@"; }
  for r in $(seq "$ROUNDS"); do
    note "latency round $r/$ROUNDS ($(date -u +%T), load $(load))"
    record load - "lat$r" "$(load)"
    for s in $(order "$r" arca nginx); do
      record "index file, $CARGO_VERSIONS versions, GET" "$s" "$r" "$(lat "${IDX[$s]}$P_MANY" "$BIG_GETS")"
      record "index file, $CARGO_VERSIONS versions, If-None-Match → 304" "$s" "$r" "$(lat "${IDX[$s]}$P_MANY" "$BIG_GETS" revalidate)"
      record "index file, 3 versions, GET" "$s" "$r" "$(lat "${IDX[$s]}$P_FEW" "$GETS")"
      record "maven-metadata.xml, $MAVEN_VERSIONS versions, GET" "$s" "$r" "$(lat "${MVN[$s]}/org/example/bench/many/maven-metadata.xml" "$BIG_GETS")"
      record "maven-metadata.xml, $MAVEN_VERSIONS versions, If-None-Match → 304" "$s" "$r" "$(lat "${MVN[$s]}/org/example/bench/many/maven-metadata.xml" "$BIG_GETS" revalidate)"
      record "maven-metadata.xml, 3 versions, GET" "$s" "$r" "$(lat "${MVN[$s]}/org/example/bench/few/maven-metadata.xml" "$GETS")"
    done
  done
fi

echo "load at end: $(load)" | tee -a "$OUT/machine.txt"
rss() { echo $(($(awk '/VmRSS/{print $2}' "/proc/$1/status") / 1024)); }
echo "idle RSS after the run (MiB): arca $(rss "$ARCA_PID"), cargo-http-registry $(rss "$CHR_PID"), nginx master $(rss "$NGINX_PID")" | tee -a "$OUT/machine.txt"
python3 "$PY" report "$RES" | tee "$OUT/report.md"
echo "raw results: $OUT"
