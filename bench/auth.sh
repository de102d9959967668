#!/usr/bin/env bash
# What authentication costs on the push path: zb's "Push Monolith 1MB" at c=10 against one arca with
# --auth, every request authenticated with HTTP Basic + the user's PASSWORD, with Basic + an API
# TOKEN as the password, and against an arca WITHOUT auth; rounds alternate the order, medians are
# reported. A password is verified with argon2 once and then recognised by a keyed hash (see README,
# Back-off), so the password row should be within 15 % of the no-auth row.
#
#   bash bench/auth.sh                # ROUNDS=5 N=300 C=10; prints a Markdown table
#   ROUNDS=3 N=200 bash bench/auth.sh
#
# Builds arca and arca-bench in release mode (or uses ARCA_BIN / BENCH_BIN). Scratch data in a temp
# dir, removed at the end; traffic only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS=${ROUNDS:-5}
N=${N:-300}
C=${C:-10}
if [ -z "${ARCA_BIN:-}" ] || [ -z "${BENCH_BIN:-}" ]; then
  cargo build --release -q -p arca-cli -p arca-bench
fi
ARCA=${ARCA_BIN:-target/release/arca}
BENCH=${BENCH_BIN:-target/release/arca-bench}
W=$(mktemp -d /tmp/arca-auth-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ready() { for _ in $(seq 100); do curl -sf "$1/readyz" >/dev/null && return 0; sleep 0.1; done; echo "$1 not ready" >&2; return 1; }

PASSWORD=bench-password-0123456789
AUTH_PORT=$(free_port); OPEN_PORT=$(free_port)
ARCA_ADMIN_PASSWORD=$PASSWORD ARCA_AUTH__MAX_FAILED_LOGINS_PER_USER=1000000 \
  "$ARCA" serve --auth --listen "127.0.0.1:$AUTH_PORT" --data "$W/auth" >"$W/auth.log" 2>&1 &
AUTH_PID=$!; PIDS+=("$AUTH_PID")
"$ARCA" serve --listen "127.0.0.1:$OPEN_PORT" --data "$W/open" >"$W/open.log" 2>&1 &
OPEN_PID=$!; PIDS+=("$OPEN_PID")
wait_ready "http://127.0.0.1:$AUTH_PORT"; wait_ready "http://127.0.0.1:$OPEN_PORT"
TOKEN=$("$ARCA" token create --data "$W/auth" --user admin --scope '*:admin' --description bench 2>/dev/null | grep -o 'arca_[0-9a-f_]*' | head -n1)
[ -n "$TOKEN" ] || { echo "could not create a token" >&2; exit 1; }

run() { # $1 label $2 url $3 pid $4 json, env ARCA_BENCH_BASIC set by the caller
  "$BENCH" run "$2" --server-pid "$3" --label "$1" --json "$4" -c "$C" -n "$N" -t '^Push Monolith 1MB$' >/dev/null
}
for round in $(seq "$ROUNDS"); do
  order=(password token none)
  case $((round % 3)) in 1) order=(token none password) ;; 2) order=(none password token) ;; esac
  for mode in "${order[@]}"; do
    echo "round $round: $mode" >&2
    case $mode in
      password) ARCA_BENCH_BASIC="admin:$PASSWORD" run password "http://127.0.0.1:$AUTH_PORT" "$AUTH_PID" "$W/password-$round.json" ;;
      token) ARCA_BENCH_BASIC="bench:$TOKEN" run token "http://127.0.0.1:$AUTH_PORT" "$AUTH_PID" "$W/token-$round.json" ;;
      none) run none "http://127.0.0.1:$OPEN_PORT" "$OPEN_PID" "$W/none-$round.json" ;;
    esac
  done
done

python3 - "$W" "$ROUNDS" <<'PY'
import json, statistics, sys, pathlib
w, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
def results(mode):
    out = []
    for r in range(1, rounds + 1):
        data = json.loads((w / f"{mode}-{r}.json").read_text())
        t = data["tests"][0]
        cpu = (t.get("server") or {}).get("cpu_ms_per_op")
        out.append((t["rps"], cpu, t["errors"], t["latency_ms"]["p50"], t["latency_ms"]["p99"]))
    return out
rows = {m: results(m) for m in ("none", "token", "password")}
base = statistics.median(r[0] for r in rows["none"])
print("| auth | rps (median of %d) | rounds | vs no auth | server CPU ms/push | p50 ms | p99 ms | errors |" % rounds)
print("|---|---|---|---|---|---|---|---|")
for mode, label in (("none", "none"), ("token", "Basic, API token as password"), ("password", "Basic, user password")):
    rps = [r[0] for r in rows[mode]]
    med = statistics.median(rps)
    cpu = [r[1] for r in rows[mode] if r[1] is not None]
    cpu = f"{statistics.median(cpu):.2f}" if cpu else "-"
    print(f"| {label} | {med:.0f} | {', '.join(f'{x:.0f}' for x in rps)} | {med / base:.2f} | {cpu} | "
          f"{statistics.median(r[3] for r in rows[mode]):.1f} | {statistics.median(r[4] for r in rows[mode]):.1f} | "
          f"{sum(r[2] for r in rows[mode])} |")
PY
