#!/usr/bin/env bash
# Shared setup for scripts/demo.sh and scripts/test.sh: installs the Debian
# packages stowage needs (only those missing) and prepares the offline Bazel
# workspace. Idempotent; a second run does nothing but checks.
#
# Usage: scripts/setup.sh [EXTRA-DEBIAN-PACKAGE...]
#
# Packages, and why:
#   bazel-bootstrap      Bazel 4.2.3, the build tool
#   bazel-rules-cc       rules_cc, patched below for Bazel 4.2.3
#   bazel-rules-java     rules_java, which Bazel's own tools load
#   default-jdk-headless the JDK Bazel runs on
#   g++ pkg-config       compiler; pkg-config gives every library's flags
#   libabsl-dev          abseil: Status, StatusOr, strings, str_format
#   libarchive-dev       tar, gzip and zstd archives
#   libssl-dev           OpenSSL's EVP SHA-256
#   libcurl4-openssl-dev libcurl: stowage search --site http(s)://... (lib/http)
#   libjemalloc-dev      the stowage binary's malloc (cmd/stowage/malloc_conf.cc)
#   rapidjson-dev        JSON reading and writing
#   libcli11-dev         the command line (subcommands, --help)
#   libgtest-dev libgmock-dev  unit and end-to-end tests
#   python3              counts test results from Bazel's XML reports
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  bazel-bootstrap bazel-rules-cc bazel-rules-java default-jdk-headless
  g++ pkg-config
  libabsl-dev libarchive-dev libssl-dev libcurl4-openssl-dev libjemalloc-dev rapidjson-dev
  libcli11-dev
  libgtest-dev libgmock-dev
  libcmark-gfm-dev libcmark-gfm-extensions-dev libkainjow-mustache-dev
  python3
)
# Extra packages a caller names as arguments (the tests add real programs).
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  [ -n "$p" ] || continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # Servers (nginx, apache2, dockerd, containerd) are installed, not started:
  # the tests start private instances on 127.0.0.1 and stop them.
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && made_policy=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || {
    [ "$made_policy" = 1 ] && rm -f "$policy"
    exit 1
  }
  [ "$made_policy" = 1 ] && rm -f "$policy"
fi

# Debian's rules_cc 0.0.4 calls use_cpp_toolchain(), which Bazel 4.2.3 lacks.
# Work on a copy in the ignored .deps/ folder; redo it when the package changes.
src=/usr/share/bazel/rules/cc
dst="$root/.deps/rules_cc"
stamp="$(dpkg-query -W -f='${Version}' bazel-rules-cc)"
if [ ! -f "$dst/.stamp" ] || [ "$(cat "$dst/.stamp")" != "$stamp" ]; then
  rm -rf "$dst.tmp" "$dst"
  mkdir -p "$root/.deps"
  cp -r "$src" "$dst.tmp"
  for f in cc/private/rules_impl/compiler_flag.bzl cc/private/rules_impl/cc_flags_supplier.bzl; do
    sed -i -e 's/toolchains = use_cpp_toolchain(),/toolchains = ["@bazel_tools\/\/tools\/cpp:toolchain_type"],/' \
           -e 's/, "use_cpp_toolchain")/)/' "$dst.tmp/$f"
    if grep -q use_cpp_toolchain "$dst.tmp/$f"; then
      echo "setup: could not patch $f of rules_cc $stamp" >&2
      exit 1
    fi
  done
  echo "$stamp" > "$dst.tmp/.stamp"
  mv "$dst.tmp" "$dst"
fi
