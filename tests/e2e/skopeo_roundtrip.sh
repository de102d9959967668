#!/usr/bin/env bash
# OCI round trip with a real client: umoci builds a two-layer image offline, skopeo pushes it, inspects
# it, lists tags, copies it back (identical blobs), re-pushes it (idempotent), copies it to another
# package (cross-repository mount), converts it to Docker schema 2 and deletes that copy.
#
# REG  = registry under test, host:port, plain HTTP (default 127.0.0.1:5001).
# REPO = name prefix inside the registry (default dev/team): images go to $REG/$REPO/app.
# Needs: umoci, skopeo, busybox-static (`bash .ci/run` installs them).
set -euo pipefail
REG=${REG:-127.0.0.1:5001}
REPO=${REPO:-dev/team}
IMG="docker://$REG/$REPO/app"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
step() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
sk() { timeout 120 skopeo "$@"; }

step "build a two-layer OCI image layout with umoci (offline)"
umoci init --layout layout
umoci new --image layout:v1
umoci unpack --rootless --image layout:v1 bundle >/dev/null
mkdir -p bundle/rootfs/bin
cp "$(command -v busybox)" bundle/rootfs/bin/busybox
umoci repack --image layout:v1 bundle                       # layer 1: busybox
# a repack diffs against the image the bundle was unpacked from: unpack again for a second layer
umoci unpack --rootless --image layout:v1 bundle2 >/dev/null
echo "hello from arca e2e $(date +%s%N)" > bundle2/rootfs/hello.txt
head -c 300000 /dev/urandom > bundle2/rootfs/random.bin
umoci repack --image layout:v1 bundle2                      # layer 2: two more files
# repack rewrites the config from the bundle, so config edits come last
umoci config --image layout:v1 --tag v1 --config.entrypoint /bin/busybox \
  --config.cmd cat --config.cmd /hello.txt --architecture amd64 --os linux
umoci gc --layout layout
layers=$(umoci stat --image layout:v1 --json | python3 -c 'import json,sys; print(sum(1 for h in json.load(sys.stdin)["history"] if not h.get("empty_layer")))')
[ "$layers" -ge 2 ] || fail "expected at least 2 layers, got $layers"

step "push (OCI manifest)"
sk copy --dest-tls-verify=false --digestfile push1.digest oci:layout:v1 "$IMG:v1"

step "inspect"
sk inspect --tls-verify=false "$IMG:v1" > inspect.json
python3 - "$layers" <<'PY'
import json, sys
i = json.load(open("inspect.json"))
assert len(i["Layers"]) == int(sys.argv[1]), i["Layers"]
assert i["Architecture"] == "amd64" and i["Os"] == "linux", i
PY
sk inspect --raw --tls-verify=false "$IMG:v1" > raw.json
python3 -c 'import json; m = json.load(open("raw.json")); assert m["schemaVersion"] == 2 and len(m["layers"]) >= 2, m'
sk inspect --config --raw --tls-verify=false "$IMG:v1" > config.json
python3 -c 'import json; c = json.load(open("config.json")); assert c["config"]["Entrypoint"] == ["/bin/busybox"], c'

step "list tags"
sk list-tags --tls-verify=false "$IMG" > tags.json
python3 -c 'import json; t = json.load(open("tags.json"))["Tags"]; assert "v1" in t, t'

step "copy back to a new OCI layout: identical blobs"
sk copy --src-tls-verify=false "$IMG:v1" oci:back:v1
diff <(ls layout/blobs/sha256 | sort) <(ls back/blobs/sha256 | sort) || fail "blobs differ after a round trip"
for b in back/blobs/sha256/*; do
  [ "$(sha256sum "$b" | cut -d' ' -f1)" = "$(basename "$b")" ] || fail "blob $b does not match its digest"
done

step "re-push: idempotent, same manifest digest, no blob uploaded again"
sk --debug copy --dest-tls-verify=false --digestfile push2.digest oci:layout:v1 "$IMG:v1" > repush.log 2>&1 \
  || { cat repush.log >&2; fail "re-push"; }
if grep -E 'msg="(POST|PATCH|PUT) [^"]*/blobs/uploads' repush.log; then fail "re-push uploaded a blob again"; fi
[ "$(cat push1.digest)" = "$(cat push2.digest)" ] || fail "re-push changed the digest: $(cat push1.digest) vs $(cat push2.digest)"
by_digest=$(sk inspect --raw --tls-verify=false "$IMG@$(cat push1.digest)" | sha256sum | cut -d' ' -f1)
[ "sha256:$by_digest" = "$(cat push1.digest)" ] || fail "manifest by digest does not hash to its digest"

step "copy to another package (cross-repository mount)"
sk --debug copy --src-tls-verify=false --dest-tls-verify=false --digestfile other.digest \
  "$IMG:v1" "docker://$REG/$REPO/other:v1" > mount.log 2>&1 || { cat mount.log >&2; fail "cross-repo copy"; }
[ "$(cat other.digest)" = "$(cat push1.digest)" ] || fail "cross-repo copy changed the manifest digest"
# skopeo mounts layers (it uploads the small config blob anyway)
mounted=$(grep -c 'mount OK' mount.log || true)
[ "$mounted" -ge "$layers" ] || { grep -E 'msg="(HEAD|POST|PATCH|PUT) |mount' mount.log >&2; fail "$mounted of $layers layers mounted"; }
sk inspect --tls-verify=false "docker://$REG/$REPO/other:v1" >/dev/null

step "copy as Docker schema 2 (v2s2)"
sk copy --src-tls-verify=false --dest-tls-verify=false --format v2s2 "$IMG:v1" "$IMG:v2s2"
sk inspect --raw --tls-verify=false "$IMG:v2s2" > v2s2.json
python3 -c '
import json; m = json.load(open("v2s2.json"))
assert m["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json", m
assert all(l["mediaType"] == "application/vnd.docker.image.rootfs.diff.tar.gzip" for l in m["layers"]), m'
sk copy --src-tls-verify=false "$IMG:v2s2" oci:back2:v2s2

step "delete the v2s2 manifest"
sk delete --tls-verify=false "$IMG:v2s2"
if sk inspect --raw --tls-verify=false "$IMG:v2s2" >/dev/null 2>&1; then fail "v2s2 still there after delete"; fi
sk inspect --raw --tls-verify=false "$IMG:v1" >/dev/null || fail "delete of v2s2 removed v1"

echo "SKOPEO ROUND TRIP OK"
