#!/usr/bin/env bash
# check_bench.sh: `stowage check` of a store of a few GB against the all-core
# hash of the same bytes.
#
# The store (built once, reused while its parameters match):
#   * bench/make_synthetic_store.py with --tags TAGS (default 5000): about
#     twice as many small manifest and config blobs plus shared small layers;
#   * one more image, bench/big:v1, whose layers are LARGE (default
#     "1024 1024 512 512 256 128 128 64 64 32 32 16 16 16 16 8 8 8 8") MiB of
#     incompressible, deterministic data (AES-128-CTR keystream), written as
#     blobs named by their sha256 and added to index.json with jq.
# At the defaults: about 3.9 GB in about 15,000 blobs.
#
# Contenders (whole-process wall time, N counted runs after one warm-up,
# warm page cache: every blob is read once with cat first; min/median/max):
#   check     stowage check -q --store STORE >/dev/null
#   sha-all   cd STORE && find blobs -type f | xargs -P$(nproc) -n 8 sha256sum
#             (the all-core hash baseline)
# then the ratio of the medians check/sha-all (target: at most 1.2).
#
# Needs: python3 jq openssl coreutils findutils, and the stowage binary
# ($STOWAGE, else bazel-bin/cmd/stowage/stowage).
#
# Run:  bench/check_bench.sh [--runs N] [--tags N] [--large "MIB ..."]
#                            [--workdir DIR]
#   env: STOWAGE_BENCH_DIR (default /var/tmp/stowage-check-bench), STOWAGE
# Disk: the store (about 4 GB at the defaults), left for reruns.
set -euo pipefail

runs=5
tags=5000
large="1024 1024 512 512 256 128 128 64 64 32 32 16 16 16 16 8 8 8 8"
workdir="${STOWAGE_BENCH_DIR:-/var/tmp/stowage-check-bench}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --tags) tags="$2"; shift 2 ;;
    --large) large="$2"; shift 2 ;;
    --workdir) workdir="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
STOWAGE="${STOWAGE:-$here/../bazel-bin/cmd/stowage/stowage}"
[ -x "$STOWAGE" ] || { echo "no stowage binary at $STOWAGE (bazel build //cmd/stowage)" >&2; exit 2; }

store="$workdir/store"
stamp="tags=$tags large=$large"

# Moves file $1 into the store as a blob; prints "sha256:<hex> <size>".
add_blob() {
  local d s
  d="$(sha256sum "$1" | cut -d' ' -f1)"
  s="$(stat -c %s "$1")"
  mv "$1" "$store/blobs/sha256/$d"
  echo "sha256:$d $s"
}

build_store() {
  local tmp="$workdir/tmp" i=0 mib d s layers='[]' cd cs md ms
  rm -rf "$store" "$tmp"
  mkdir -p "$workdir" "$tmp"
  echo "building $store ($stamp)" >&2
  python3 "$here/make_synthetic_store.py" "$store" --tags "$tags" \
    --repos $(( tags / 5 > 0 ? tags / 5 : 1 )) >&2
  for mib in $large; do
    i=$(( i + 1 ))
    head -c $(( mib * 1024 * 1024 )) /dev/zero |
      openssl enc -aes-128-ctr -iv 00000000000000000000000000000000 \
        -K "$(printf 'check-bench %d' "$i" | sha256sum | cut -c1-32)" > "$tmp/layer"
    read -r d s < <(add_blob "$tmp/layer")
    layers="$(jq -c --arg d "$d" --argjson s "$s" \
      '. + [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $d, size: $s}]' \
      <<<"$layers")"
  done
  jq -cn --argjson l "$layers" '{architecture: "amd64", os: "linux",
      rootfs: {type: "layers", diff_ids: [$l[].digest]}}' > "$tmp/config"
  read -r cd cs < <(add_blob "$tmp/config")
  jq -cn --arg cd "$cd" --argjson cs "$cs" --argjson l "$layers" '{schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
      layers: $l}' > "$tmp/manifest"
  read -r md ms < <(add_blob "$tmp/manifest")
  jq -c --arg d "$md" --argjson s "$ms" '.manifests += [{
      mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
      annotations: {"org.opencontainers.image.ref.name": "bench/big:v1"}}]
      | .manifests |= sort_by(.annotations["org.opencontainers.image.ref.name"])' \
    "$store/index.json" > "$tmp/index.json"
  mv "$tmp/index.json" "$store/index.json"
  rm -rf "$tmp"
  echo "$stamp" > "$workdir/stamp"
}

[ -f "$workdir/stamp" ] && [ "$(cat "$workdir/stamp")" = "$stamp" ] || build_store
"$STOWAGE" check -q --store "$store" >/dev/null ||
  { echo "stowage check fails on the bench store" >&2; exit 1; }
echo "store: $(find "$store/blobs" -type f | wc -l) blobs, $(du -sb "$store/blobs" | cut -f1) bytes" >&2

# Prints the median of the numbers on stdin.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Times "$@" $runs times after one warm-up; prints "min median max".
time_runs() {
  local i t0 t1 all=()
  for i in $(seq 0 "$runs"); do
    find "$store/blobs" -type f -print0 | xargs -0 cat > /dev/null
    t0=$EPOCHREALTIME
    "$@" > /dev/null
    t1=$EPOCHREALTIME
    [ "$i" -gt 0 ] && all+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')")
  done
  printf '%s\n' "${all[@]}" | sort -n | awk '{a[NR]=$1} END {
      printf "%s %s %s\n", a[1], a[int((NR+1)/2)], a[NR]}'
}

read -r cmin cmed cmax < <(time_runs "$STOWAGE" check -q --store "$store")
read -r smin smed smax < <(time_runs sh -c \
  "cd '$store' && find blobs -type f | xargs -P$(nproc) -n 8 sha256sum")
printf '%-8s median %6.3f s (min %.3f, max %.3f)\n' check "$cmed" "$cmin" "$cmax"
printf '%-8s median %6.3f s (min %.3f, max %.3f)\n' sha-all "$smed" "$smin" "$smax"
awk -v a="$cmed" -v b="$smed" 'BEGIN {printf "check / sha-all: %.2f (target <= 1.2)\n", a / b}'
