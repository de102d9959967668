#!/usr/bin/env bash
# Fuzzes the management API against its own OpenAPI document with schemathesis (`st run … --checks all`):
# every operation, with data in the server (a generic version with properties, an OCI image), first
# without authentication, then with `--auth` as the administrator. Any finding fails the run.
#
#   bash .ci/schemathesis.sh PATH/TO/arca        # e.g. target/debug/arca (cargo build -p arca-cli)
#
# Installs schemathesis, pinned with everything it pulls in (.ci/schemathesis-requirements.txt), in the
# venv .ci/venv-st (reused while it matches the pins). The runs are reproducible: a fixed seed and a
# bounded number of examples per operation (about a minute each on 2 cores).
#
# Environment:
#   ST_MAX_EXAMPLES  examples per operation and phase (default 40)
#   ST_SEED          the seed (default 20261123)
#   ST_KEEP=1        keep the servers' data directories and logs (printed) instead of deleting them
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

ARCA=${1:?usage: bash .ci/schemathesis.sh PATH/TO/arca}
[ -x "$ARCA" ] || { echo "not an executable: $ARCA" >&2; exit 2; }
ARCA=$(cd "$(dirname "$ARCA")" && pwd)/$(basename "$ARCA")
MAX_EXAMPLES=${ST_MAX_EXAMPLES:-40}
SEED=${ST_SEED:-20261123}
VENV=$ROOT/.ci/venv-st
REQUIREMENTS=$ROOT/.ci/schemathesis-requirements.txt

# --- the fuzzer ----------------------------------------------------------------------------------

install_venv() {
  local stamp=$VENV/.requirements
  if [ -x "$VENV/bin/st" ] && cmp -s "$REQUIREMENTS" "$stamp"; then
    return
  fi
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    [ "$(id -u)" = 0 ] || { echo "python3-venv is missing (apt-get install python3-venv)" >&2; return 1; }
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv
  fi
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" "$stamp"
}
install_venv
echo "schemathesis: $("$VENV/bin/st" --version)"

# --- a server with data --------------------------------------------------------------------------

WORK=$(mktemp -d /tmp/arca-st.XXXXXX)
PID=
stop_server() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=
  fi
}
cleanup() {
  stop_server
  if [ "${ST_KEEP:-}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

CURL=(curl -sS --fail-with-body --max-time 30)

# start_server NAME [serve flags…]: starts arca on a free port with its own data; sets BASE and PID.
start_server() {
  local name=$1
  shift
  local port
  port=$(free_port)
  BASE=http://127.0.0.1:$port
  mkdir -p "$WORK/$name"
  # Generous login back-off limits: the fuzzer sends wrong credentials on purpose (ignored_auth), and
  # must not lock the administrator out for the rest of the run.
  ARCA_AUTH__MAX_FAILED_LOGINS_PER_USER=1000000 ARCA_AUTH__MAX_FAILED_LOGINS_PER_ADDRESS=1000000 \
    "$ARCA" serve --listen "127.0.0.1:$port" --data "$WORK/$name/data" "$@" >"$WORK/$name/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do
    "${CURL[@]}" -o /dev/null "$BASE/readyz" 2>/dev/null && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "arca did not start:" >&2
  cat "$WORK/$name/server.log" >&2
  return 1
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# seed AUTH_ARGS…: a generic repository with a version carrying properties, a second version published
# as a multi-file upload, and an OCI repository holding an image with two tags.
seed() {
  local files=$WORK/files
  mkdir -p "$files"
  printf 'tool v1\n' >"$files/tool-linux-amd64"
  printf 'docs\n' >"$files/README.txt"
  "${CURL[@]}" "$@" -o /dev/null -X POST "$BASE/api/v1/repositories" -H 'Content-Type: application/json' \
    -d '{"name": "rel", "format": "generic", "mutable_tags": []}'
  "${CURL[@]}" "$@" -o /dev/null -T "$files/tool-linux-amd64" \
    "$BASE/generic/rel/team/tool/1.0.0/tool-linux-amd64" \
    -H "X-Checksum-Sha256: $(sha256 "$files/tool-linux-amd64")" \
    -H 'X-Arca-Property: vcs.revision=0123abc' -H 'X-Arca-Property: env=dev' -H 'X-Arca-Property: env=qa'
  local v2=$BASE/generic/rel/team/tool/2.0.0 id
  id=$("${CURL[@]}" "$@" -X POST "$v2?uploads" | sed 's/.*"uploadId":"\([^"]*\)".*/\1/')
  "${CURL[@]}" "$@" -o /dev/null -T "$files/tool-linux-amd64" "$v2/tool-linux-amd64?uploadId=$id"
  "${CURL[@]}" "$@" -o /dev/null -T "$files/README.txt" "$v2/README.txt?uploadId=$id"
  "${CURL[@]}" "$@" -o /dev/null -X POST "$v2?uploadId=$id" -H 'X-Arca-Property: build.id=42'
  "${CURL[@]}" "$@" -o /dev/null -X PATCH "$BASE/api/v1/repositories/rel/packages/team/tool/versions/1.0.0/properties" \
    -H 'Content-Type: application/json' -d '{"properties": {"qa.passed": "yes"}}'

  "${CURL[@]}" "$@" -o /dev/null -X POST "$BASE/api/v1/repositories" -H 'Content-Type: application/json' \
    -d '{"name": "dev", "format": "oci", "stage": "dev", "mutable_tags": ["latest"]}'
  printf '{}' >"$files/config.json"
  printf 'layer bytes\n' >"$files/layer.bin"
  local config layer blob
  config=sha256:$(sha256 "$files/config.json")
  layer=sha256:$(sha256 "$files/layer.bin")
  for blob in config.json:$config layer.bin:$layer; do
    "${CURL[@]}" "$@" -o /dev/null -X POST "$BASE/v2/dev/team/app/blobs/uploads/?digest=${blob#*:}" \
      -H 'Content-Type: application/octet-stream' --data-binary "@$files/${blob%%:*}"
  done
  cat >"$files/manifest.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"$config","size":$(stat -c %s "$files/config.json")},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"$layer","size":$(stat -c %s "$files/layer.bin")}]}
EOF
  local tag
  for tag in 1.0 latest; do
    "${CURL[@]}" "$@" -o /dev/null -X PUT "$BASE/v2/dev/team/app/manifests/$tag" \
      -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "@$files/manifest.json"
  done
  # Sanity: the data is there.
  "${CURL[@]}" "$@" "$BASE/api/v1/search?property=env=dev" | grep -q '"version":"1.0.0"'
  "${CURL[@]}" "$@" "$BASE/api/v1/search?repository=dev" | grep -q '"version":"latest"'
}

# --- the runs ------------------------------------------------------------------------------------

RC=0
# Two checks are off for a few operations, for a reason the schema cannot express:
# - a retention policy is TOML in a text/plain body, a trust root's material is a PEM key or
#   certificate or a notation trust policy, a component search needs one of purl, name or license and
#   a purl has a grammar of its own, and so has the expression of a repository's `cel=` gate (compiled
#   when the repository is created or changed): JSON Schema cannot say which strings are valid, so a
#   random one the schema allows is rightly refused (400, naming the error);
# - a repository's retention policy always exists (`"policy": null` until one is set, so that a new
#   repository's policy is found), and DELETE resets it: it is still there after a DELETE.
# Every other check stays on, for these operations too.
cat >"$WORK/schemathesis.toml" <<'TOML'
[[operations]]
include-path = "/api/v1/repositories/{name}/retention"
include-method = "PUT"
checks.positive_data_acceptance.enabled = false

[[operations]]
include-path = "/api/v1/repositories/{name}/trust-roots/{root}"
include-method = "PUT"
checks.positive_data_acceptance.enabled = false

[[operations]]
include-path = "/api/v1/components"
checks.positive_data_acceptance.enabled = false

[[operations]]
include-path = "/api/v1/repositories"
include-method = "POST"
checks.positive_data_acceptance.enabled = false

[[operations]]
include-path = "/api/v1/repositories/{name}"
include-method = "PATCH"
checks.positive_data_acceptance.enabled = false

[[operations]]
include-path = "/api/v1/repositories/{name}/retention"
checks.use_after_free.enabled = false
TOML
# fuzz NAME ST_ARGS…: runs schemathesis against $BASE; a finding (or an error) fails the script.
fuzz() {
  local name=$1
  shift
  echo "::: schemathesis: $name (seed $SEED, at most $MAX_EXAMPLES examples per operation)"
  local t0=$SECONDS rc=0
  # Every check is on by default (the configuration file turns one off for one operation; `--checks
  # all` on the command line would override it).
  (cd "$WORK" && "$VENV/bin/st" run "$BASE/api/v1/openapi.json" \
    --seed "$SEED" --max-examples "$MAX_EXAMPLES" --workers 1 --generation-database none \
    --no-color --request-timeout 30 "$@") || rc=$?
  echo "::: schemathesis: $name: exit $rc in $((SECONDS - t0))s"
  if [ $rc != 0 ]; then
    RC=1
    echo "server log (last 20 lines):"
    tail -n 20 "$WORK/$name/server.log"
  fi
}

start_server noauth
seed
fuzz noauth
stop_server

PASSWORD=st-$(python3 -c 'import secrets; print(secrets.token_hex(12))')
ARCA_ADMIN_PASSWORD=$PASSWORD start_server auth --auth
seed -u "admin:$PASSWORD"
# The fuzzer acts as the administrator through an API token: a password login costs an argon2 hash per
# request, which would make this run several times slower.
TOKEN=$("$ARCA" token create --data "$WORK/auth/data" --user admin --scope '*:admin' | grep -o 'arca_[A-Za-z0-9_]*' | head -n1)
[ -n "$TOKEN" ] || { echo "no API token for the fuzzer" >&2; exit 1; }
"${CURL[@]}" -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/repositories"
fuzz auth -H "Authorization: Bearer $TOKEN"
stop_server

if [ $RC = 0 ]; then echo "schemathesis: no finding, with and without authentication"; fi
exit $RC
