#!/usr/bin/env bash
# What an online GC sweep costs the traffic it runs beside (issue 13, point 4): zb's "Push Monolith
# 1MB" and "Pull 1MB" at c=10 against one arca, once while nothing else runs ("idle") and once while a
# sweep deletes SEED unreferenced blobs ("sweeping"); p99 latency and rps per path, medians of the
# rounds, the two modes alternating in order. The bar: p99 while sweeping within +20 % of idle.
#
#   bash bench/gc.sh                      # ROUNDS=3 SEED=100000 N=300 C=10; prints a Markdown table
#   ROUNDS=5 SEED=20000 bash bench/gc.sh
#
# Every mode of every round runs on its own new server and data directory (nothing carries over from
# the mode before: a database that had taken and lost 100 000 rows made later runs slower whatever
# their mode). It first pushes SEED small distinct blobs that no manifest uses (the sweep's work;
# seeded for both modes, so both measure the same database size), then runs the mode. In "sweeping" the
# sweep (`arca gc run --grace 1s`, two seconds after seeding) starts just before the workload; the table says how long it took and
# how many blobs it deleted, so a sweep that ended before the workload did is visible (raise SEED).
# The scheduled GC is off (`gc.interval_secs = 0`). Builds arca and arca-bench in release mode (or uses
# ARCA_BIN / BENCH_BIN). Scratch data in a temp dir, removed at the end; traffic only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-3}
SEED=${SEED:-100000}
N=${N:-300}
C=${C:-10}
if [ -z "${ARCA_BIN:-}" ] || [ -z "${BENCH_BIN:-}" ]; then
  cargo build --release -q -p arca-cli -p arca-bench
fi
ARCA=${ARCA_BIN:-target/release/arca}
BENCH=${BENCH_BIN:-target/release/arca-bench}
W=$(mktemp -d /tmp/arca-gc-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT"
PID=

start_server() { # a new server on a new data directory
  rm -rf "$W/data"
  ARCA_GC__INTERVAL_SECS=0 "$ARCA" serve --listen "127.0.0.1:$PORT" --data "$W/data" >>"$W/server.log" 2>&1 &
  PID=$!; PIDS+=("$PID")
  for _ in $(seq 100); do curl -sf "$URL/readyz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start; see $W/server.log" >&2; exit 1
}

stop_server() {
  kill "$PID"; wait "$PID" 2>/dev/null || true
}

seed() { # $1 round: pushes SEED distinct small blobs, used by nothing, from 8 threads
  python3 - "$URL" "$SEED" "$1" <<'PY'
import hashlib, http.client, sys, threading
url, n, round_ = sys.argv[1], int(sys.argv[2]), sys.argv[3]
host = url.split("//")[1]
def push(start):
    conn = http.client.HTTPConnection(host, timeout=60)
    for i in range(start, n, 8):
        body = f"gc bench round {round_} blob {i}".encode()
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        conn.request("POST", f"/v2/gcbench/seed/blobs/uploads/?digest={digest}", body)
        r = conn.getresponse(); r.read()
        if r.status != 201:
            sys.exit(f"seeding: {r.status}")
threads = [threading.Thread(target=push, args=(t,)) for t in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
PY
}

workload() { # $1 label $2 round
  "$BENCH" run "$URL" --server-pid "$PID" --label "$1" --json "$W/$1-$2.json" -c "$C" -n "$N" \
    -t '^(Push Monolith 1MB|Pull 1MB)$' >/dev/null
}

for round in $(seq "$ROUNDS"); do
  order=(idle sweeping)
  [ $((round % 2)) = 0 ] && order=(sweeping idle)
  for mode in "${order[@]}"; do
    echo "round $round: seeding $SEED blobs, then $mode" >&2
    start_server
    seed "$round-$mode"
    # Both modes start from the same state: the seeding's writeback flushed, then a pause (which is
    # also the sweep's grace: the seeds, pushed before it, go; the workload's layers, pushed a moment
    # before their manifests, stay). Without it, push p99 varied 2x between modes for this alone.
    sync
    sleep 2
    if [ "$mode" = sweeping ]; then
      t0=$(date +%s.%N)
      "$ARCA" --server "$URL" gc run --grace 1s --output json >"$W/sweep-$round.json" &
      SWEEP=$!
      workload sweeping "$round"
      t1=$(date +%s.%N)
      wait "$SWEEP"
      t2=$(date +%s.%N)
      python3 -c "import json,sys; d=json.load(open('$W/sweep-$round.json')); d['workload_s']=$t1-$t0; d['sweep_s']=$t2-$t0; json.dump(d, open('$W/sweep-$round.json','w'))"
    else
      workload idle "$round"
    fi
    stop_server
  done
done

python3 - "$W" "$ROUNDS" "$SEED" <<'PY'
import json, statistics, sys, pathlib
w, rounds, seed = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def tests(mode, r):
    return {t["name"]: t for t in json.loads((w / f"{mode}-{r}.json").read_text())["tests"]}
names = sorted(tests("idle", 1))
print(f"| path | mode | rps (median of {rounds}) | p50 ms | p99 ms | p99 vs idle | errors |")
print("|---|---|---|---|---|---|---|")
for name in names:
    rows = {}
    for mode in ("idle", "sweeping"):
        runs = [tests(mode, r)[name] for r in range(1, rounds + 1)]
        rows[mode] = (statistics.median(t["rps"] for t in runs), statistics.median(t["latency_ms"]["p50"] for t in runs),
                      statistics.median(t["latency_ms"]["p99"] for t in runs), sum(t["errors"] for t in runs))
    for mode, (rps, p50, p99, errors) in rows.items():
        vs = "—" if mode == "idle" else f"{p99 / rows['idle'][2] - 1:+.0%}"
        print(f"| {name} | {mode} | {rps:.0f} | {p50:.1f} | {p99:.1f} | {vs} | {errors} |")
print()
print("| path | round | order | idle p99 ms | sweeping p99 ms | sweeping vs idle |")
print("|---|---|---|---|---|---|")
for name in names:
    for r in range(1, rounds + 1):
        idle, sweeping = tests("idle", r)[name]["latency_ms"]["p99"], tests("sweeping", r)[name]["latency_ms"]["p99"]
        order = "idle first" if r % 2 else "sweeping first"
        print(f"| {name} | {r} | {order} | {idle:.1f} | {sweeping:.1f} | {sweeping / idle - 1:+.0%} |")
sweeps = [json.loads((w / f"sweep-{r}.json").read_text()) for r in range(1, rounds + 1)]
print()
deleted = ", ".join(str(s["blobs"]) for s in sweeps)
took = ", ".join("%.1f" % s["sweep_s"] for s in sweeps)
beside = ", ".join("%.1f" % s["workload_s"] for s in sweeps)
print(f"Sweeps: {deleted} blobs deleted (of {seed} seeded each round) in {took} s; "
      f"the workload ran {beside} s beside them.")
PY
