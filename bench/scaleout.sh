#!/usr/bin/env bash
# Scale-out (issue 16, point 10): zb's "Push Monolith 10MB" (new layer bytes every push: arca-bench
# --unique, the write path) and "Pull 10MB" at c=10, through one node and through three nodes (worker i
# talks to node i mod 3), blobs on the filesystem and on S3 (moto on loopback), metadata on
# PostgreSQL in all four setups. ROUNDS rounds, the four setups alternating within each round; the
# table shows the median round.
#
# Then the audit chain's single head row: 1 MiB unique pushes at c=30 through three nodes while
# pg_stat_activity is sampled every 20 ms; prints the share of samples in which a backend waited
# for a lock, and for which statement (the head row is `UPDATE audit_head …`).
#
# Everything runs on this machine: the nodes, PostgreSQL, moto and the client share its cores, so the
# three-node figures measure coordination costs (shared database and bucket), not added hardware.
#
# Usage: bash bench/scaleout.sh
# Env:   N=100 C=10 ROUNDS=3     arca-bench -n / -c, rounds
#        PHASES="setups audit"   which parts to run
#        ARCA=<binary>           the arca to run (default: this checkout's release build; for A/B runs)
#        ARCA_TEST_POSTGRES      PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/test)
#        OUT=<dir>               where results go (default: a new temp dir, printed)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-100}; C=${C:-10}; ROUNDS=${ROUNDS:-3}; PHASES=${PHASES:-setups audit}
PG=${ARCA_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}

echo "building arca and arca-bench (release)" >&2
cargo build --release -q -p arca-cli -p arca-bench --manifest-path "$ROOT/Cargo.toml"
TARGET=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
ARCA=${ARCA:-$TARGET/release/arca}
BENCH=$TARGET/release/arca-bench

W=$(mktemp -d /var/tmp/arca-scaleout.XXXXXX)
OUT=${OUT:-$W/results}; mkdir -p "$OUT"
PIDS=(); NODE_PIDS=(); DBS=(); SAMPLER=
cleanup() {
  for p in "${NODE_PIDS[@]}" "${PIDS[@]}" $SAMPLER; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  for db in "${DBS[@]}"; do psql "$PG" -X -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
  find "$W" -mindepth 1 -maxdepth 1 ! -name results -exec rm -rf {} +
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 400); do curl -fs -o /dev/null "$1" && return 0; sleep 0.05; done; echo "no answer from $1" >&2; return 1; }

# --- moto, the S3 server ------------------------------------------------------------------------
MOTO=$ROOT/.ci/venv-s3/bin/moto_server
if [ ! -x "$MOTO" ]; then
  python3 -m venv "$W/venv-s3" && "$W/venv-s3/bin/pip" install -q 'moto[server]==5.2.5'
  MOTO=$W/venv-s3/bin/moto_server
fi
S3_PORT=$(free_port)
"$MOTO" -H 127.0.0.1 -p "$S3_PORT" >"$W/moto.log" 2>&1 & PIDS+=($!)
wait_http "http://127.0.0.1:$S3_PORT/"
curl -fs -X PUT "http://127.0.0.1:$S3_PORT/bench" >/dev/null
export AWS_ENDPOINT_URL=http://127.0.0.1:$S3_PORT AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_REGION=us-east-1

# --- one setup: N nodes on a fresh database and storage --------------------------------------------
URLS=
start_nodes() { # $1 name, $2 node count, $3 storage kind (fs|s3)
  local name=$1 count=$2 kind=$3 db storage port
  db="arca_scaleout_${name//-/_}"; DBS+=("$db")
  psql "$PG" -X -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  case $kind in
    fs) storage="file://$W/$name/blobs" ;;
    s3) storage="s3://bench/$name" ;;
  esac
  URLS=; NODE_PIDS=()
  for i in $(seq "$count"); do
    port=$(free_port)
    "$ARCA" serve --listen "127.0.0.1:$port" --data "$W/$name/node$i" --database "${PG%/*}/$db" \
      --storage "$storage" >"$W/$name-node$i.log" 2>&1 & NODE_PIDS+=($!)
    wait_http "http://127.0.0.1:$port/readyz"
    URLS="${URLS:+$URLS,}http://127.0.0.1:$port"
  done
}
stop_nodes() {
  for p in "${NODE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${NODE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  NODE_PIDS=()
}

SETUPS=("1-fs:1:fs" "3-fs:3:fs" "1-s3:1:s3" "3-s3:3:s3")
[[ " $PHASES " == *" setups "* ]] || ROUNDS=0
for round in $(seq "$ROUNDS"); do
  for setup in "${SETUPS[@]}"; do
    IFS=: read -r label count kind <<<"$setup"
    echo "round $round: $label" >&2
    start_nodes "$label-r$round" "$count" "$kind"
    "$BENCH" run "$URLS" -c "$C" -n "$N" -t '^(Push Monolith 10MB|Pull 10MB)$' --unique \
      --label "$label" --json "$OUT/$label-r$round.json" >"$OUT/$label-r$round.txt"
    stop_nodes
  done
done

# --- the audit head under three nodes -------------------------------------------------------------
if [[ " $PHASES " == *" audit "* ]]; then
echo "audit head: 1 MiB unique pushes at c=30 through three nodes, pg_stat_activity sampled" >&2
start_nodes "audit" 3 fs
SAMPLES=$OUT/audit-samples.txt; : >"$SAMPLES"
(
  while :; do
    psql "${PG%/*}/arca_scaleout_audit" -X -q -t -A -F '|' -c \
      "SELECT now(), count(*) FILTER (WHERE wait_event_type = 'Lock'),
              count(*) FILTER (WHERE wait_event_type = 'Lock' AND query LIKE '%audit_head%'),
              count(*) FILTER (WHERE state = 'active')
       FROM pg_stat_activity WHERE datname = 'arca_scaleout_audit' AND pid <> pg_backend_pid()" >>"$SAMPLES" 2>/dev/null || true
    psql "${PG%/*}/arca_scaleout_audit" -X -q -t -A -F '|' -c \
      "SELECT count(*), regexp_replace(left(query, 70), '\s+', ' ', 'g') FROM pg_stat_activity
       WHERE datname = 'arca_scaleout_audit' AND wait_event_type = 'Lock' GROUP BY 2" >>"$OUT/audit-waits.txt" 2>/dev/null || true
    sleep 0.02
  done
) & SAMPLER=$!
"$BENCH" run "$URLS" -c 30 -n 600 -t '^Push Monolith 1MB$' --unique --label audit --json "$OUT/audit.json" >"$OUT/audit.txt"
kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=
stop_nodes
fi

python3 - "$OUT" "${ROUNDS_DONE:-$ROUNDS}" <<'PY'
import json, statistics, sys, pathlib
out, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
setups = ["1-fs", "3-fs", "1-s3", "3-s3"]
names = {"1-fs": "1 node, filesystem", "3-fs": "3 nodes, filesystem", "1-s3": "1 node, S3 (moto)", "3-s3": "3 nodes, S3 (moto)"}
tests = ["Push Monolith 10MB", "Pull 10MB"]
def result(setup, r, test):
    data = json.loads((out / f"{setup}-r{r}.json").read_text())
    return next(t for t in data["tests"] if t["name"].startswith(test))
if rounds:
    print(f"| setup | test | RPS (median of {rounds}; rounds) | MiB/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
for test in tests if rounds else []:
    for setup in setups:
        runs = [result(setup, r, test) for r in range(1, rounds + 1)]
        by_rps = sorted(runs, key=lambda t: t["rps"])
        med = by_rps[len(by_rps) // 2]
        rps = ", ".join(f"{t['rps']:.1f}" for t in runs)
        errors = sum(t["errors"] for t in runs)
        print(f"| {names[setup]} | {test} | {med['rps']:.1f} ({rps}) | {med['mib_s']:.0f} | {med['latency_ms']['p50']:.1f} | {med['latency_ms']['p99']:.1f} | {errors} |")
if not (out / "audit.json").exists():
    sys.exit(0)
audit = json.loads((out / "audit.json").read_text())["tests"][0]
samples = [l.split("|") for l in (out / "audit-samples.txt").read_text().splitlines() if l.count("|") == 3]
busy = [s for s in samples if int(s[3]) > 0]
lock = sum(1 for s in busy if int(s[1]) > 0)
head = sum(1 for s in busy if int(s[2]) > 0)
waiting = sum(int(s[1]) for s in busy)
print()
print(f"Audit head, 3 nodes, Push Monolith 1MB --unique c=30 n=600: {audit['rps']:.1f} pushes/s, p99 {audit['latency_ms']['p99']:.1f} ms, {audit['errors']} errors.")
if busy:
    print(f"pg_stat_activity: {len(busy)} samples with an active backend; a backend waiting on a lock in {lock} "
          f"({100*lock/len(busy):.0f} %), on the audit head in {head} ({100*head/len(busy):.0f} %); "
          f"{waiting/len(busy):.2f} backends waiting on a lock per sample on average.")
waits = {}
for line in (out / "audit-waits.txt").read_text().splitlines() if (out / "audit-waits.txt").exists() else []:
    count, _, query = line.partition("|")
    if count.isdigit():
        waits[query] = waits.get(query, 0) + int(count)
for query, count in sorted(waits.items(), key=lambda kv: -kv[1])[:5]:
    print(f"  waiting on a lock, summed over samples: {count:5d}  {query}")
PY
echo "results in $OUT" >&2
