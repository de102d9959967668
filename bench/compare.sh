#!/usr/bin/env bash
# arca vs CNCF Distribution 2.8.2 (Debian's docker-registry) on this machine, in one run: zot's zb workload
# on each registry alternately (A B A B …), server CPU per operation and peak RSS from /proc, the 1 GiB
# physical-limit references (dd conv=fsync, nginx sendfile) and metadata scaling. Prints a Markdown
# table with ratios arca/peer and keeps every JSON result in $OUT.
#
# Usage: bash bench/compare.sh            (see bench/README.md)
# Env:   N=100 C=10            zb's -n / -c for the zb tests
#        TESTS=REGEX           only these zb tests (default: all 16 offline zb tests; "none": skip them)
#        UNIQUE_TESTS=REGEX    these zb tests again with new layer bytes every push (arca-bench --unique:
#                              the write path, not the dedup path zb measures); default
#                              '^Push Monolith 1MB$', "none": skip
#        ROUNDS=1              repeat every test; the table shows the median round
#        LARGE_N=2             1 GiB pushes / pulls per registry (0 skips the physical-limit part)
#        META_COUNTS=100,10000 repository and tag counts for metadata scaling (empty skips it)
#        META_ITERS=200        sequential catalog / tag-list requests per measurement
#        PIN=0                 1: servers on CPU 1, client on CPU 0 (taskset)
#        ARCA_SRC=<repo root>  the arca sources to build and measure
#        OUT=<dir>             where results go (default: a new temp dir, printed)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARCA_SRC=${ARCA_SRC:-$ROOT}
N=${N:-100}; C=${C:-10}; ROUNDS=${ROUNDS:-1}; LARGE_N=${LARGE_N:-2}; TESTS=${TESTS:-}
UNIQUE_TESTS=${UNIQUE_TESTS:-'^Push Monolith 1MB$'}
META_COUNTS=${META_COUNTS-100,10000}; META_ITERS=${META_ITERS:-200}; PIN=${PIN:-0}

# --- tools ---------------------------------------------------------------------------------------
missing=()
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

echo "building arca and arca-bench (release) in $ARCA_SRC" >&2
cargo build --release -q -p arca-cli -p arca-bench --manifest-path "$ARCA_SRC/Cargo.toml"
TARGET=$(cd "$ARCA_SRC" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
ARCA=$TARGET/release/arca
BENCH=$TARGET/release/arca-bench

# --- scratch space, servers ----------------------------------------------------------------------
W=$(mktemp -d /var/tmp/arca-compare.XXXXXX); chmod 755 "$W"
OUT=${OUT:-$W/results}; mkdir -p "$OUT"
SERVER_CPU=(); CLIENT_CPU=()
if [ "$PIN" = 1 ]; then SERVER_CPU=(taskset -c 1); CLIENT_CPU=(taskset -c 0); fi
PIDS=()
# Stop the servers and drop their data (GBs: blobs deleted through the API stay until a GC); keep results.
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  find "$W" -mindepth 1 -maxdepth 1 ! -name results -exec rm -rf {} +
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 200); do curl -fs -o /dev/null "$1" && return 0; sleep 0.05; done; echo "no answer from $1" >&2; return 1; }
rss_kib() { awk "/^$2:/ {print \$2}" "/proc/$1/status"; }

start_arca() { # $1 data dir → ARCA_PID, ARCA_URL
  local port; port=$(free_port)
  "${SERVER_CPU[@]}" "$ARCA" serve --listen "127.0.0.1:$port" --data "$1" >"$1.out" 2>"$1.log" &
  ARCA_PID=$!; PIDS+=("$ARCA_PID"); ARCA_URL=http://127.0.0.1:$port
  wait_http "$ARCA_URL/v2/"
}
start_distribution() { # $1 data dir → DIST_PID, DIST_URL
  local port; port=$(free_port); mkdir -p "$1"
  cat >"$1.yml" <<EOF
version: 0.1
log: { level: info, fields: { service: registry } }
storage:
  filesystem: { rootdirectory: $1 }
  delete: { enabled: true }
  cache: { blobdescriptor: inmemory }
http:
  addr: 127.0.0.1:$port
  secret: arca-bench-not-secret
  headers: { X-Content-Type-Options: [nosniff] }
EOF
  "${SERVER_CPU[@]}" docker-registry serve "$1.yml" >"$1.log" 2>&1 &
  DIST_PID=$!; PIDS+=("$DIST_PID"); DIST_URL=http://127.0.0.1:$port
  wait_http "$DIST_URL/v2/"
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git -C "$ARCA_SRC" rev-parse HEAD 2>/dev/null || cat "$ARCA_SRC/COMMIT" 2>/dev/null || echo unknown)"
  echo "machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -r)"
  echo "filesystem: $(df -T "$W" | awk 'NR==2 {print $1, $2}')"
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "settings: N=$N C=$C ROUNDS=$ROUNDS LARGE_N=$LARGE_N META_COUNTS=$META_COUNTS PIN=$PIN"
  echo "peer: $(docker-registry --version 2>&1 | head -1)"
} | tee "$OUT/machine.txt" >&2

start_arca "$W/arca"
start_distribution "$W/dist"
sleep 1
echo "idle RSS: arca $(rss_kib "$ARCA_PID" VmRSS) KiB, distribution $(rss_kib "$DIST_PID" VmRSS) KiB" | tee -a "$OUT/machine.txt" >&2

bench() { # $1 label $2 url $3 pid $4 json, rest: arca-bench run args
  local label=$1 url=$2 pid=$3 json=$4; shift 4
  "${CLIENT_CPU[@]}" "$BENCH" run "$url" --server-pid "$pid" --label "$label" --json "$json" --data-dir "${DATA:-$W/data}" "$@" >/dev/null \
    || echo "WARNING: $label $* had failures (see $json)" >&2
}

# --- zb tests, alternating -----------------------------------------------------------------------
# Each entry: a test name, then " unique" when it runs with new layer bytes every push.
mapfile -t LIST < <(if [ -n "$TESTS" ]; then "$BENCH" list -t "$TESTS"; else "$BENCH" list; fi)
[ "$TESTS" = none ] && LIST=()
if [ "$UNIQUE_TESTS" != none ]; then
  mapfile -t ULIST < <("$BENCH" list -t "$UNIQUE_TESTS")
  for t in "${ULIST[@]}"; do LIST+=("$t unique"); done
fi
for round in $(seq "$ROUNDS"); do
  for i in "${!LIST[@]}"; do
    t=${LIST[$i]}; extra=()
    if [[ "$t" == *" unique" ]]; then t=${t% unique}; extra=(--unique); fi
    slug=$(echo "$t${extra[*]:+ unique}" | tr -c 'A-Za-z0-9\n' '_')
    order=(arca distribution); (( (round + i) % 2 == 0 )) && order=(distribution arca)
    for reg in "${order[@]}"; do
      if [ "$reg" = arca ]; then url=$ARCA_URL pid=$ARCA_PID; else url=$DIST_URL pid=$DIST_PID; fi
      echo "round $round: $t ${extra[*]} on $reg" >&2
      bench "$reg" "$url" "$pid" "$OUT/$reg-$slug-$round.json" -c "$C" -n "$N" -t "^$t\$" "${extra[@]}"
    done
  done
done
echo "RSS after the zb tests (VmHWM = peak since start, reset per test): arca $(rss_kib "$ARCA_PID" VmRSS) KiB, distribution $(rss_kib "$DIST_PID" VmRSS) KiB" | tee -a "$OUT/machine.txt" >&2

# --- physical limits: 1 GiB push vs dd conv=fsync, 1 GiB pull vs nginx sendfile --------------------
DD_ARG=()
if [ "$LARGE_N" -gt 0 ]; then
  DD_S=0
  for round in $(seq "$LARGE_N"); do
    # New bytes every round: a registry that already holds a blob need not write it again (arca only
    # hashes and checks it), and these references measure writing.
    export DATA=$W/data-1g-$round
    rm -f "$W/blob1g"; "$BENCH" gen --size $((1 << 30)) --data-dir "$DATA" "$W/blob1g" >/dev/null
    for t in "Push Monolith 1GB" "Pull 1GB"; do
      slug=$(echo "$t" | tr -c 'A-Za-z0-9\n' '_')
      echo "1 GiB: $t (round $round)" >&2
      sync  # nobody pays for another's writeback (Distribution does not fsync)
      bench arca "$ARCA_URL" "$ARCA_PID" "$OUT/arca-$slug-$round.json" -c 1 -n 1 -t "^$t\$"
      sync
      bench distribution "$DIST_URL" "$DIST_PID" "$OUT/distribution-$slug-$round.json" -c 1 -n 1 -t "^$t\$"
    done
    # dd: the same bytes (from the page cache) written to the registries' filesystem, fsync'd.
    cat "$W/blob1g" >/dev/null; sync
    t0=$(date +%s.%N)
    dd if="$W/blob1g" of="$W/dd.out" bs=1M conv=fsync status=none
    t1=$(date +%s.%N); rm -f "$W/dd.out"
    DD_S=$(python3 -c "print($DD_S + $t1 - $t0)")
  done
  unset DATA
  DD=$(python3 -c "print(round(1024 * $LARGE_N / $DD_S, 1))")
  echo "dd conv=fsync: $DD MiB/s" | tee -a "$OUT/machine.txt" >&2
  DD_ARG=(--dd-mib-s "$DD")
  # nginx: sendfile from the same disk.
  mkdir -p "$W/nginx/www" "$W/nginx/logs" "$W/nginx/tmp"; chmod -R 755 "$W/nginx"; ln "$W/blob1g" "$W/nginx/www/blob1g"
  chmod 644 "$W/blob1g"; NPORT=$(free_port)
  cat >"$W/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $W/nginx/nginx.pid;
daemon off;
error_log $W/nginx/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  sendfile on; tcp_nopush on;
  client_body_temp_path $W/nginx/tmp;
  server { listen 127.0.0.1:$NPORT; root $W/nginx/www; }
}
EOF
  "${SERVER_CPU[@]}" "$NGINX" -p "$W/nginx" -c "$W/nginx/nginx.conf" & PIDS+=("$!")
  wait_http "http://127.0.0.1:$NPORT/blob1g" || true
  "${CLIENT_CPU[@]}" "$BENCH" fetch "http://127.0.0.1:$NPORT/blob1g" -n "$LARGE_N" --label nginx --name "GET 1GB" --json "$OUT/nginx-GET_1GB.json" >/dev/null
fi

# --- metadata scaling, on fresh servers ------------------------------------------------------------
if [ -n "$META_COUNTS" ]; then
  stop "$ARCA_PID"; stop "$DIST_PID"
  start_arca "$W/arca-meta"; start_distribution "$W/dist-meta"
  for reg in arca distribution; do
    if [ "$reg" = arca ]; then url=$ARCA_URL; else url=$DIST_URL; fi
    echo "metadata scaling on $reg ($META_COUNTS)" >&2
    "${CLIENT_CPU[@]}" "$BENCH" meta "$url" --counts "$META_COUNTS" --iters "$META_ITERS" --label "$reg" --json "$OUT/meta-$reg.json" >&2
  done
fi

echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
"$BENCH" report "$OUT"/*.json "${DD_ARG[@]}" | tee "$OUT/table.md"
echo "results in $OUT" >&2
