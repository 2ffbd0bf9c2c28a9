#!/usr/bin/env bash
# The README's main command: installs what is missing, builds stowage and runs
# it on the bundled example data (examples/references.txt), printing each
# reference's result. Exits 0 when stowage ran and reported as it should.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh
bazel build //cmd/stowage >/dev/null 2>&1 || bazel build //cmd/stowage

echo "== stowage validate - < examples/references.txt"
set +e
bazel-bin/cmd/stowage/stowage validate - < examples/references.txt
rc=$?
set -e
# 1 means "some references are invalid", which the examples are meant to show.
if [ "$rc" -gt 1 ]; then
  echo "demo: stowage failed (exit $rc)" >&2
  exit "$rc"
fi
echo
echo "Try your own: bazel-bin/cmd/stowage/stowage validate --help"
