#!/usr/bin/env bash
# Flat memory while a large blob goes through: pushes (monolithic and streamed PATCH) and pulls a blob of
# SIZE bytes through a release build of arca and reports the server's RSS before and its peak after.
# Usage: bash bench/memory.sh [SIZE, default 2G]   (needs curl; builds arca in release mode)
set -euo pipefail
SIZE=${1:-2G}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release -q -p arca-cli --manifest-path "$ROOT/Cargo.toml"
W=$(mktemp -d); trap 'kill $PID 2>/dev/null || true; rm -rf "$W"' EXIT
head -c 4096 /dev/urandom > "$W/blob"; truncate -s "$SIZE" "$W/blob"
DIGEST=sha256:$(sha256sum "$W/blob" | cut -d' ' -f1)
"$ROOT/target/release/arca" serve --listen 127.0.0.1:0 --data "$W/data" > "$W/out" 2> "$W/err" & PID=$!
for _ in $(seq 100); do grep -q listening "$W/out" && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' "$W/out")
rss() { awk "/^$1:/ {print \$2}" /proc/$PID/status; }
echo "idle RSS: $(rss VmRSS) KiB"
t0=$(date +%s.%N)
curl -fsS -o /dev/null -X POST -T "$W/blob" -H 'Content-Type: application/octet-stream' "$URL/v2/bench/mono/blobs/uploads?digest=$DIGEST"
t1=$(date +%s.%N); echo "monolithic push of $SIZE: $(echo "$t1 - $t0" | bc) s, peak RSS so far $(rss VmHWM) KiB"
LOC=$(curl -fsS -D - -o /dev/null -X POST "$URL/v2/bench/chunked/blobs/uploads/" | awk 'tolower($1)=="location:" {print $2}' | tr -d '\r')
curl -fsS -o /dev/null -X PATCH -T "$W/blob" -H 'Content-Type: application/octet-stream' "$URL$LOC"
curl -fsS -o /dev/null -X PUT "$URL$LOC?digest=$DIGEST"
t2=$(date +%s.%N); echo "streamed PATCH push of $SIZE: $(echo "$t2 - $t1" | bc) s, peak RSS so far $(rss VmHWM) KiB"
GOT=$(curl -fsS "$URL/v2/bench/mono/blobs/$DIGEST" | sha256sum | cut -d' ' -f1)
t3=$(date +%s.%N); echo "pull of $SIZE: $(echo "$t3 - $t2" | bc) s, peak RSS $(rss VmHWM) KiB"
[ "sha256:$GOT" = "$DIGEST" ] || { echo "pulled content differs"; exit 1; }
echo "idle RSS after: $(rss VmRSS) KiB"
