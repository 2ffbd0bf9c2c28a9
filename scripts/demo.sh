#!/usr/bin/env bash
# The README's main command: installs what is missing, builds stowage and runs
# it on bundled example data:
#   1. validates the references in examples/references.txt;
#   2. builds small real images (tests/images/make_images.sh: umoci, skopeo,
#      buildah, all offline) and imports them into a demo store in .demo/,
#      then lists and inspects it.
# Exits 0 when stowage ran and reported as it should.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh jq umoci skopeo buildah openssl
bazel build //cmd/stowage >/dev/null 2>&1 || bazel build //cmd/stowage
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
echo "The demo store is $STOWAGE_STORE; try:"
echo "  export STOWAGE_STORE=$STOWAGE_STORE"
echo "  $stowage inspect team/app:v1"
echo "  skopeo inspect oci:$STOWAGE_STORE:team/app:v1"
echo "  $stowage export team/app:v1 oci-archive:/tmp/app.tar"
