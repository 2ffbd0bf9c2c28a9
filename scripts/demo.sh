#!/usr/bin/env bash
# The README's main command: installs what is missing, builds stowage and runs
# it on bundled example data:
#   1. validates the references in examples/references.txt;
#   2. builds small real images (tests/images/make_images.sh: umoci, skopeo,
#      buildah, all offline) and imports them into a demo store in .demo/,
#      then lists and inspects it;
#   3. publishes the store as a static registry and serves it with nginx on
#      127.0.0.1 (left running), printing the URL and commands to try.
# Exits 0 when stowage ran and reported as it should.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh jq umoci skopeo buildah openssl nginx libnginx-mod-http-js curl
# The flags scripts/test.sh builds with, so each reuses the other's build.
bazel build --config=werror //cmd/stowage >/dev/null 2>&1 || bazel build --config=werror //cmd/stowage
stowage="$root/bazel-bin/cmd/stowage/stowage"

echo "== stowage validate - < examples/references.txt"
set +e
"$stowage" validate - < examples/references.txt
rc=$?
set -e
# 1 means "some references are invalid", which the examples are meant to show.
if [ "$rc" -gt 1 ]; then
  echo "demo: stowage validate failed (exit $rc)" >&2
  exit "$rc"
fi

demo="$root/.demo"
# A previous demo's nginx, if still running, is stopped before its tree goes.
if [ -f "$demo/site/nginx/run/nginx.pid" ]; then
  nginx -p "$demo/site/nginx" -c "$demo/site/nginx/nginx.conf" -s stop 2>/dev/null || true
fi
rm -rf "$demo"
mkdir -p "$demo"
tests/images/make_images.sh "$demo/images" >/dev/null
export STOWAGE_STORE="$demo/store"
echo
echo "== stowage init && stowage import (real images built with umoci and buildah)"
"$stowage" init
"$stowage" import oci:"$demo/images/single":v1 team/app:v1
"$stowage" import oci:"$demo/images/multi":latest library/multi:1.0
"$stowage" import --all oci:"$demo/images/multiref" team/tools
echo
echo "== stowage ls"
"$stowage" ls
echo
echo "== stowage inspect library/multi:1.0"
"$stowage" inspect library/multi:1.0
echo
echo "== stowage repo set (what the catalog shows)"
"$stowage" repo set library/multi --official --stars 42 \
  --short "A two-platform image (linux/amd64, linux/arm64) built with buildah"
printf '# team/app\n\n| tag | what |\n|---|---|\n| v1 | the first image |\n' |
  "$stowage" repo set team/app --short "A small image built with umoci" --readme - \
    --namespace-title "The team"
# A port for nginx: 8080 unless something already listens there.
port=8080
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
site="$demo/site"
echo
echo "== stowage publish $site --listen 127.0.0.1:$port"
"$stowage" publish "$site" --listen "127.0.0.1:$port"
nginx -p "$site/nginx" -c "$site/nginx/nginx.conf" -g 'daemon on;'
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
echo
echo "== curl http://127.0.0.1:$port/v2/_catalog"
curl -s "http://127.0.0.1:$port/v2/_catalog"; echo
echo
echo "nginx serves the registry at http://127.0.0.1:$port, and its catalog at"
echo "http://127.0.0.1:$port/index.html (stop it with:"
echo "  nginx -p $site/nginx -c $site/nginx/nginx.conf -s stop )"
echo "Try:"
echo "  skopeo copy --src-tls-verify=false docker://127.0.0.1:$port/team/app:v1 oci:/tmp/app:v1"
echo "  skopeo inspect --tls-verify=false docker://127.0.0.1:$port/library/multi:1.0"
echo "  export STOWAGE_STORE=$STOWAGE_STORE; $stowage inspect team/app:v1"
echo "  $stowage search multi --site http://127.0.0.1:$port/"
