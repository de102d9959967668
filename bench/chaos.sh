#!/usr/bin/env bash
# Fault suite: turns "arca survives crashes" into figures (issue 10, points 12, 13, 15).
#
#   bash bench/chaos.sh [--seed N] [MODE] [chaos.py options]
#
# Modes (one per run; the default is the kill mode):
#   (none)        N client threads push OCI images (monolithic POST ?digest=, POST + PUT, chunked PATCH)
#                 and generic versions (multi-file upload + commit, single PUT) while the server is
#                 SIGKILLed --kills times at seeded random moments and restarted on the same data dir.
#                 After every restart: every acknowledged push is pulled back and digest-checked, unacked
#                 pushes are whole or absent, every listed tag resolves with all its blobs, every blob row
#                 has its file, the staging area holds nothing but live sessions, `arca audit verify`.
#   --disk-full   the data dir on a 64 MiB tmpfs (or a loop-mounted ext4 image), filled mid-run with a
#                 filler file: pushes must fail cleanly (5xx + error body), then the filler is deleted and
#                 pushes must succeed again without a restart (else the mode fails); then a kill and every
#                 check. Needs root.
#   --postgres    metadata on a private PostgreSQL (initdb in a temp dir, a free port, never the shared
#                 one on 5432), restarted with `pg_ctl restart -m immediate` on every other event; arca
#                 is SIGKILLed on the others. Needs root (runs PostgreSQL as user postgres).
#   --flood       against a running server with --auth: slow-header, slow-body and idle connections
#                 (~1,100), a login storm (wrong passwords, unknown users) and 1,000 concurrent pulls of a
#                 blob, while a well-behaved client measures p50/p99 and errors; server peak RSS per phase.
#                 The server gets the usual soft open-file limit of 1024 (--server-nofile N, 0 = inherit).
#   --quick       CI: 2 kills + a small flood, ~1-2 min; exits 1 when an invariant is broken.
#   --all         kill, disk-full, postgres and flood one after the other (the full run of RESULTS.md).
#
# Common options (passed to bench/chaos.py; `python3 bench/chaos.py --help` lists them all):
#   --seed N (default 1)  --clients N (6)  --kills K (8)  --min-interval/--max-interval S (1/5 s of
#   pushing before each kill)  --json FILE (the whole report)  --workdir DIR (temp dirs, default $TMPDIR)
#   --keep (keep data and logs of a passing run; a failing run always keeps them)
#   --inject (self-test: corrupt one acknowledged blob file and delete another before the last check;
#   the run must then fail)
#
# The binary: ARCA_BIN (default target/release/arca; built with cargo when missing and the path is
# target/release/arca or target/debug/arca). Exit status: 0 when every invariant held, 1 otherwise.
# Output: progress on stderr, a Markdown table and one `CHAOS_JSON {...}` line on stdout.
# Every wait and loop is bounded; all traffic goes to 127.0.0.1. Examples:
#
#   bash bench/chaos.sh --seed 7 --kills 8                 # the kill mode
#   ARCA_BIN=target/debug/arca bash bench/chaos.sh --quick # what CI runs
#   bash bench/chaos.sh --disk-full ; bash bench/chaos.sh --postgres ; bash bench/chaos.sh --flood
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=kill
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --disk-full) MODE=disk-full ;;
    --postgres) MODE=postgres ;;
    --flood) MODE=flood ;;
    --quick) MODE=quick ;;
    --all) MODE=all ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) ARGS+=("$1") ;;
  esac
  shift
done

ARCA_BIN=${ARCA_BIN:-target/release/arca}
if [ ! -x "$ARCA_BIN" ]; then
  case "$ARCA_BIN" in
    target/release/arca|./target/release/arca) cargo build --release -p arca-cli >&2 ;;
    target/debug/arca|./target/debug/arca) cargo build -p arca-cli >&2 ;;
    *) echo "chaos.sh: ARCA_BIN=$ARCA_BIN is not an executable" >&2; exit 2 ;;
  esac
fi
ARCA_BIN=$(readlink -f "$ARCA_BIN")
command -v python3 >/dev/null || { echo "chaos.sh: needs python3" >&2; exit 2; }
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

PY=(python3 bench/chaos.py)

# --disk-full: a small filesystem, unmounted whatever happens
SMALL_FS=
SMALL_IMG=
cleanup() {
  if [ -n "$SMALL_FS" ]; then
    umount "$SMALL_FS" 2>/dev/null || umount -l "$SMALL_FS" 2>/dev/null || true
    rmdir "$SMALL_FS" 2>/dev/null || true
  fi
  [ -n "$SMALL_IMG" ] && rm -f "$SMALL_IMG"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mount_small_fs() {
  [ "$(id -u)" = 0 ] || { echo "chaos.sh --disk-full: needs root (mount)" >&2; exit 2; }
  SMALL_FS=$(mktemp -d "${TMPDIR:-/tmp}/arca-chaos-smallfs-XXXXXX")
  if mount -t tmpfs -o size=64m,mode=0755 tmpfs "$SMALL_FS" 2>/dev/null; then
    export CHAOS_SMALL_FS_KIND="tmpfs 64 MiB"
  else
    SMALL_IMG=$(mktemp "${TMPDIR:-/tmp}/arca-chaos-ext4-XXXXXX.img")
    truncate -s 64M "$SMALL_IMG"
    mkfs.ext4 -q -F "$SMALL_IMG"
    mount -o loop "$SMALL_IMG" "$SMALL_FS"
    export CHAOS_SMALL_FS_KIND="loop ext4 64 MiB"
  fi
  export CHAOS_SMALL_FS="$SMALL_FS"
  echo "chaos.sh: small filesystem ($CHAOS_SMALL_FS_KIND) at $SMALL_FS" >&2
}

run() { "${PY[@]}" "$1" --binary "$ARCA_BIN" "${@:2}"; }

case "$MODE" in
  kill|postgres|flood) run "$MODE" "${ARGS[@]}" ;;
  disk-full) mount_small_fs; run disk-full "${ARGS[@]}" ;;
  quick)
    run quick --clients 4 --kills 2 --min-interval 1 --max-interval 3 --tail 2 \
      --phase-secs 3 --slow-secs 4 --slow-conns 100 --slow-body-conns 40 --idle-conns 300 \
      --storm-workers 6 --pulls 100 "${ARGS[@]}" ;;
  all)
    rc=0
    run kill "${ARGS[@]}" || rc=1
    mount_small_fs; run disk-full "${ARGS[@]}" || rc=1; cleanup; SMALL_FS=; SMALL_IMG=
    run postgres "${ARGS[@]}" || rc=1
    run flood "${ARGS[@]}" || rc=1
    exit $rc ;;
esac
