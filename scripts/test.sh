#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every unit
# and end-to-end test, and ends with "N passed, N failed" (", N skipped").
# Exits non-zero when anything failed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Real programs the end-to-end tests drive, beyond what the build needs:
#   jq                     reads stowage's and skopeo's JSON as a script would
#   umoci skopeo buildah   build real images (tests/images/make_images.sh),
#                          read what stowage writes and write into its store
#   openssl zstd           test image data; zstd-compressed archives
#   nginx apache2 caddy    serve published trees
#   podman docker.io containerd   pull from them (private daemons, vfs)
#   docker-registry        the reference registry, for byte comparisons
#   curl                   raw HTTP checks of status, headers and bodies
scripts/setup.sh jq umoci skopeo buildah openssl zstd nginx apache2 caddy \
  podman docker.io containerd docker-registry curl || exit 1

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
started="$(date +%s)"
bazel test --keep_going //... 2>&1 | tee "$log" | grep -E '^(//|ERROR|FAILED|Executed)'
bazel_rc=${PIPESTATUS[0]}
labels=$(bazel query 'tests(//...)' 2>/dev/null | sort)
/usr/bin/python3 scripts/count_tests.py "$started" "$log" $labels
count_rc=$?
if [ "$bazel_rc" -ne 0 ] && [ "$count_rc" -eq 0 ]; then
  echo "bazel test failed (exit $bazel_rc) although no test case failed" >&2
  exit "$bazel_rc"
fi
exit "$count_rc"
