#!/usr/bin/env bash
# The web UI at scale and its weight (issue 17, point 5): a release arca on SQLite in a temp dir, its
# idle RSS with and without the UI having served pages, then one package with VERSIONS versions and
# each main page timed (bench/ui.py). The binary's share is measured by building without the UI:
# BASE=<commit before the UI> compares stripped sizes (optional; a second release build).
#
# Usage: bash bench/ui.sh            Env: VERSIONS=100000 ITERS=50 BASE=<commit>
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSIONS=${VERSIONS:-100000}; ITERS=${ITERS:-50}
cargo build --release -q -p arca-cli --manifest-path "$ROOT/Cargo.toml"
TARGET=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
W=$(mktemp -d /var/tmp/arca-ui.XXXXXX)
trap 'kill $PID 2>/dev/null || true; rm -rf "$W"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$TARGET/release/arca" serve --data "$W/data" --listen "127.0.0.1:$PORT" >"$W/serve.log" 2>&1 & PID=$!
for _ in $(seq 200); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/readyz" && break; sleep 0.05; done
rss() { awk '/^VmRSS:/ {printf "%.1f MiB", $2/1024}' "/proc/$PID/status"; }
sleep 1; echo "idle RSS after start: $(rss)"
for p in / /dashboard /login; do curl -fs -o /dev/null "http://127.0.0.1:$PORT/ui$p"; done
sleep 1; echo "idle RSS after serving three UI pages: $(rss)"
strip -o "$W/arca.stripped" "$TARGET/release/arca"
echo "stripped binary: $(stat -c %s "$W/arca.stripped") bytes"
if [ -n "${BASE:-}" ]; then
  git -C "$ROOT" worktree add -q "$W/base" "$BASE"
  CARGO_TARGET_DIR="$W/base-target" cargo build --release -q -p arca-cli --manifest-path "$W/base/Cargo.toml"
  strip -o "$W/base.stripped" "$W/base-target/release/arca"
  echo "stripped binary at $BASE: $(stat -c %s "$W/base.stripped") bytes"
  git -C "$ROOT" worktree remove --force "$W/base"
fi
python3 "$ROOT/bench/ui.py" "http://127.0.0.1:$PORT" "$VERSIONS" "$ITERS"
echo "RSS after the page timings: $(rss)"
