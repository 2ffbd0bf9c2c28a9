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
#   nginx apache2 caddy    serve published trees (libnginx-mod-http-js: njs,
#                          for nginx's paginated tag lists)
#   podman docker.io containerd   pull from them (private daemons, vfs)
#   docker-registry        the reference registry, for byte comparisons and the
#                          docker:// tests (plain, TLS + htpasswd, token auth)
#   apache2-utils          htpasswd, for the registry's Basic auth
#   python3-jwt python3-cryptography   the registry tests' token service
#                          (tests/registry/token_server.py); /usr/bin/python3
#                          also runs their fault-injecting proxy
#   curl                   raw HTTP checks of status, headers and bodies
#   awscli                 runs the generated S3 upload plan
#   chromium               browses the HTML catalog (headless)
scripts/setup.sh jq umoci skopeo buildah openssl zstd nginx libnginx-mod-http-js apache2 caddy \
  podman docker.io containerd docker-registry apache2-utils python3-jwt python3-cryptography \
  curl awscli chromium || exit 1

# The S3 emulator (s3rver) the S3 test uploads to comes from the npm
# registry, pinned by tests/s3/package-lock.json.
if ! command -v npm >/dev/null 2>&1; then
  scripts/setup.sh nodejs npm || exit 1
fi
if [ ! -x tests/s3/node_modules/.bin/s3rver ] ||
   [ tests/s3/package-lock.json -nt tests/s3/node_modules/.package-lock.json ]; then
  (cd tests/s3 && npm ci --no-audit --no-fund --loglevel=error) || exit 1
fi
export STOWAGE_S3RVER="$root/tests/s3/node_modules/.bin/s3rver"

# playwright-core drives Debian's chromium for the catalog browser test,
# pinned by tests/browser/package-lock.json. It downloads no browser of its
# own (the variable makes sure of it).
if [ ! -f tests/browser/node_modules/playwright-core/package.json ] ||
   [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) || exit 1
fi
export STOWAGE_BROWSER_NODE_MODULES="$root/tests/browser/node_modules"

# Two runs, counted together: every test with warnings as errors, then the
# unit tests and the fuzz targets' corpus replays again under AddressSanitizer
# + UBSan (--config=asan; its own output folder, so neither run rebuilds the
# other's). Each run's cases are counted under its name, then summed.
log="$(mktemp)"
asan_log="$(mktemp)"
trap 'rm -f "$log" "$asan_log"' EXIT
started="$(date +%s)"
bazel test --config=werror --keep_going //... 2>&1 | tee "$log" | grep -E '^(//|ERROR|FAILED|Executed)'
bazel_rc=${PIPESTATUS[0]}
testlogs="$(readlink -f bazel-testlogs)"
labels=$(bazel query 'tests(//...)' 2>/dev/null | sort)

asan_started="$(date +%s)"
asan_scope='//lib/... + //fuzz/...'
echo "AddressSanitizer + UBSan: bazel test --config=asan $asan_scope"
# --symlink_prefix=/: bazel-bin and bazel-testlogs keep pointing at the
# plain build (bazel-bin/cmd/stowage/stowage is the binary users run).
bazel test --config=werror --config=asan --symlink_prefix=/ --keep_going -- //lib/... //fuzz/... 2>&1 |
  tee "$asan_log" | grep -E '^(//|ERROR|FAILED|Executed)'
asan_rc=${PIPESTATUS[0]}
asan_testlogs="$(bazel info --config=werror --config=asan bazel-testlogs 2>/dev/null)"
asan_labels=$(bazel query "tests($asan_scope)" 2>/dev/null | sort)
echo "asan run: $(( $(date +%s) - asan_started )) s"

/usr/bin/python3 scripts/count_tests.py \
  --run plain "$started" "$log" "$testlogs" $labels \
  --run asan "$asan_started" "$asan_log" "$asan_testlogs" $asan_labels
count_rc=$?
if [ "$count_rc" -eq 0 ]; then
  for rc in "$bazel_rc" "$asan_rc"; do
    if [ "$rc" -ne 0 ]; then
      echo "bazel test failed (exit $rc) although no test case failed" >&2
      exit "$rc"
    fi
  done
fi
exit "$count_rc"
