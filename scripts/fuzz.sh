#!/usr/bin/env bash
# Builds the libFuzzer targets (//fuzz) with Debian's clang and runs them.
#
# Usage: scripts/fuzz.sh build
#        scripts/fuzz.sh run TARGET [SECONDS] [LIBFUZZER-FLAG...]
#        scripts/fuzz.sh all [SECONDS]          every target, one after another
#
# TARGET is a name such as reference_fuzzer. A run mutates a copy of the
# seed corpus testdata/fuzz/<name>/ in .fuzz/<name>/ (ignored by git), and
# writes crashes there as crash-*; copy each into testdata/fuzz/<name>/ once
# it is fixed. libFuzzer's last lines (executions, cov, ft) go to
# .fuzz/<name>.log, what bench/RESULTS.md records.
#
# Bazel takes the C++ toolchain from CC when it configures it, so the clang
# build lives in its own output base (.fuzz/bazel-clang): the gcc build's
# analysis cache in the usual output base is not thrown away.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="$root/.fuzz"
mkdir -p "$out"

bazel_clang() {
  bazel --output_base="$out/bazel-clang" "$@"
}

build() {
  # Debian's clang, installed if missing (CI replays the corpora with g++
  # and needs no clang).
  command -v clang >/dev/null || scripts/setup.sh clang >&2 || exit 1
  targets=$(bazel_clang query 'kind(cc_binary, //fuzz:*)' 2>/dev/null)
  CC=clang bazel_clang build --repo_env=CC=clang --config=fuzz $targets >&2
}

binary() {
  echo "$(bazel_clang info --config=fuzz bazel-bin 2>/dev/null)/fuzz/$1"
}

run() {
  local target="$1" seconds="${2:-60}"
  shift $(( $# >= 2 ? 2 : 1 ))
  local corpus="$out/${target%_fuzzer}"
  mkdir -p "$corpus"
  cp -n testdata/fuzz/"${target%_fuzzer}"/* "$corpus"/ 2>/dev/null || true
  (cd "$out" && "$(binary "$target")" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$corpus/" "$@" "$corpus") 2>&1 | tee "$out/$target.log" | tail -n 25
}

case "${1:-}" in
  build) build ;;
  run) shift; build; run "$@" ;;
  all)
    build
    for t in $(bazel_clang query 'kind(cc_binary, //fuzz:*)' 2>/dev/null); do
      run "${t#//fuzz:}" "${2:-60}"
    done ;;
  *) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
