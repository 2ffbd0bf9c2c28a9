#!/usr/bin/env bash
# bundle_bench.sh: stowage bundle create/verify/import of a big image plus a
# few small ones, compared with skopeo's oci-archive: and tar of the same
# layout. Run by hand, never by the tests.
#
# What it measures (whole-process wall time and peak RSS, N counted runs after
# one uncounted warm-up, each on a fresh destination on the same filesystem;
# min / median / max are printed):
#   create-big     stowage bundle create OUT bench/big            (1 image)
#   skopeo-big     skopeo copy --preserve-digests oci:SRC:big oci-archive:OUT:big
#   tar-big        tar -cf OUT -C SRC .                            (the same layout)
#   create-all     stowage bundle create OUT --all                 (big + small ones)
#   tar-all        tar -cf OUT -C STORE oci-layout index.json blobs (the same blobs)
#   create-zstd    stowage bundle create OUT --all --compress zstd
#   create-split   stowage bundle create OUT --all --max-size 300M (numbered parts)
#   verify-all     stowage bundle verify ALL                       (hash everything)
#   import-all     stowage bundle import ALL into an empty store
#   import-again   the same into a store that has every blob (all skipped, by seek)
#   untar-all      tar -xf ALL -C DIR                              (the floor for import)
#   untar-sync     tar -xf ALL -C DIR && sync                      (the same, durable)
#   skopeo-import  skopeo copy oci-archive:BIG:bench/big:v1 oci:DIR:big
# then ratios: create-big/skopeo-big, create-big/tar-big, create-all/tar-all,
# import-all/untar-all, skopeo-import/import-all, verify-all/untar-all.
#
# The big image is bench/store_bench.sh's: SIZE MiB (default 1024) in LAYERS
# (default 8) incompressible layers at $STOWAGE_BENCH_DIR/src-SIZEm-LAYERSl
# (default /var/tmp/stowage-bench); when it is missing this script runs
# store_bench.sh once to build it (and nothing else of it). The small ones are
# tests/images/make_images.sh's six layouts (needs umoci, buildah, skopeo, jq,
# openssl), about 10 MB. Both go into one store (hard links, no extra data).
#
# Page cache: as in store_bench.sh, sources are read with cat before each run,
# so figures are CPU/memcpy bound, not disk bound; destinations are removed and
# `sync`ed between runs, outside the timing.
#
# Needs (Debian packages): skopeo jq time openssl coreutils tar umoci buildah
# and the stowage binary: $STOWAGE, else bazel-bin/cmd/stowage/stowage.
#
# Run:  bench/bundle_bench.sh [--runs N] [--size-mib N] [--layers N]
#                             [--only REGEX] [--workdir DIR]
# Disk: besides the source (SIZE MiB), up to about three times SIZE while it
# runs (the prebuilt bundles and one destination). About 5 minutes at the
# defaults on a 2-core machine; --size-mib 64 --runs 1 checks the script in
# seconds.
set -euo pipefail

runs=5
size_mib=1024
layers=8
only='.'
workdir="${STOWAGE_BENCH_DIR:-/var/tmp/stowage-bench}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --size-mib) size_mib="$2"; shift 2 ;;
    --layers) layers="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --workdir) workdir="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ -z "${STOWAGE:-}" ]; then STOWAGE="$here/../bazel-bin/cmd/stowage/stowage"; fi
for tool in "$STOWAGE" skopeo jq tar /usr/bin/time; do
  command -v "$tool" >/dev/null || {
    echo "missing: $tool (apt-get install -y skopeo jq time)" >&2; exit 1; }
done
STOWAGE="$(command -v "$STOWAGE")"

mkdir -p "$workdir"
workdir="$(cd "$workdir" && pwd)"
src="$workdir/src-${size_mib}m-${layers}l"
small="$workdir/small-images"
store="$workdir/bundle-store"    # big + small, hard-linked
pre="$workdir/bundle-pre"        # bundles made once, read by verify/import
dst="$workdir/dst"               # every contender's destination, fresh each run

# ---------------------------------------------------------------- inputs
if [ ! -d "$src" ]; then
  echo "building $src with store_bench.sh (nothing else of it runs)" >&2
  STOWAGE_BENCH_DIR="$workdir" STOWAGE="$STOWAGE" "$here/store_bench.sh" \
    --size-mib "$size_mib" --layers "$layers" --runs 1 --only '^$' > /dev/null
fi
if [ ! -f "$small/single/oci-layout" ]; then
  bash "$here/../tests/images/make_images.sh" "$small" 2> /dev/null
fi
rm -rf "$store" "$pre"
"$STOWAGE" init "$store" > /dev/null
"$STOWAGE" import -q --store "$store" "oci:$src:big" bench/big:v1
for layout in single multi multiref artifact nested; do
  "$STOWAGE" import -q --all --store "$store" "oci:$small/$layout" "small/$layout"
done
mkdir -p "$pre"
"$STOWAGE" bundle create -q --store "$store" "$pre/all.tar" --all
"$STOWAGE" bundle create -q --store "$store" "$pre/big.tar" bench/big

# ---------------------------------------------------------------- timing
warm() { find "$src" "$store" "$pre" -type f -print0 | xargs -0 cat > /dev/null; }
clean() { rm -rf "$dst"; sync; }
results="$workdir/bundle-results.tsv"  # name median min max rss_mib cpu_s
: > "$results"

# bench NAME PREP -- CMD...: PREP is a function run before each (untimed).
bench() {
  local name="$1" prep="$2"; shift 3
  [[ "$name" =~ $only ]] || return 0
  local i t0 t1 tf="$workdir/time.out" ef="$workdir/err.out" walls=() rss=0 cpu=()
  for i in $(seq 0 "$runs"); do  # run 0 is the warm-up
    clean; mkdir -p "$dst"; $prep; warm
    t0="$EPOCHREALTIME"
    if ! /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" > /dev/null 2> "$ef"; then
      echo "FAILED: $name: $*" >&2; cat "$ef" >&2; tail -n 3 "$tf" >&2; exit 1
    fi
    t1="$EPOCHREALTIME"
    [ "$i" -eq 0 ] && continue
    read -r _ m u s < <(tail -n 1 "$tf")
    walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}')")
    cpu+=("$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')")
    [ "$m" -gt "$rss" ] && rss="$m"
  done
  clean
  local stats cpum
  stats="$(printf '%s\n' "${walls[@]}" | sort -g | awk '{v[NR]=$1} END {
      med = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
      printf "%.3f\t%.3f\t%.3f", med, v[1], v[NR] }')"
  cpum="$(printf '%s\n' "${cpu[@]}" | sort -g | awk '{v[NR]=$1} END {
      printf "%.2f", (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }')"
  printf '%s\t%s\t%.1f\t%s\n' "$name" "$stats" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$cpum" \
    | tee -a "$results" | awk -F'\t' '{printf "  %-13s median %7.3f s  (min %.3f, max %.3f)  rss %7.1f MiB  cpu %6.2f s\n", $1,$2,$3,$4,$5,$6}' >&2
}

none() { :; }
empty_store() { "$STOWAGE" init "$dst/store" > /dev/null; }
full_store() { empty_store; "$STOWAGE" bundle import -q --store "$dst/store" "$pre/all.tar"; }

echo "stowage: $STOWAGE ($("$STOWAGE" --version))" >&2
echo "store:   $store: $("$STOWAGE" ls --store "$store" | tail -n +2 | wc -l) repositories, $(du -shL "$store/blobs" | cut -f1); bundle $(du -h "$pre/all.tar" | cut -f1); $runs runs + 1 warm-up; $(nproc) cores" >&2

S=(--store "$store")
bench create-big    none -- "$STOWAGE" bundle create -q "${S[@]}" "$dst/b.tar" bench/big
bench skopeo-big    none -- skopeo copy -q --preserve-digests "oci:$src:big" "oci-archive:$dst/s.tar:big"
bench tar-big       none -- tar -cf "$dst/t.tar" -C "$src" .
bench create-all    none -- "$STOWAGE" bundle create -q "${S[@]}" "$dst/b.tar" --all
bench tar-all       none -- tar -cf "$dst/t.tar" -C "$store" oci-layout index.json blobs
bench create-zstd   none -- "$STOWAGE" bundle create -q "${S[@]}" "$dst/b.tar" --all --compress zstd
bench create-split  none -- "$STOWAGE" bundle create -q "${S[@]}" "$dst/b.tar" --all --max-size 300M
bench verify-all    none -- "$STOWAGE" bundle verify -q "$pre/all.tar"
bench import-all    empty_store -- "$STOWAGE" bundle import -q --store "$dst/store" "$pre/all.tar"
bench import-again  full_store  -- "$STOWAGE" bundle import -q --store "$dst/store" "$pre/all.tar"
bench untar-all     none -- tar -xf "$pre/all.tar" -C "$dst"
# Durable, as a bundle import is (one syncfs before its blobs are named).
bench untar-sync    none -- sh -c 'tar -xf "$1" -C "$2" && sync' sh "$pre/all.tar" "$dst"
bench skopeo-import none -- skopeo copy -q --preserve-digests "oci-archive:$pre/big.tar:bench/big:v1" "oci:$dst/l:big"
rm -rf "$store" "$pre" "$dst"

# ---------------------------------------------------------------- report
echo
printf '%-13s %9s %9s %9s %9s %8s\n' contender 'median s' 'min s' 'max s' 'rss MiB' 'cpu s'
awk -F'\t' '{m[$1]=$2; printf "%-13s %9.3f %9.3f %9.3f %9.1f %8.2f\n", $1, $2, $3, $4, $5, $6}
  END {
    print ""
    split("create-big/skopeo-big create-big/tar-big create-all/tar-all import-all/untar-all skopeo-import/import-all verify-all/untar-all import-again/import-all import-all/untar-sync", p, " ")
    for (i = 1; i <= 8; i++) {
      split(p[i], ab, "/")
      if ((ab[1] in m) && (ab[2] in m) && m[ab[2]] > 0)
        printf "ratio %-26s %7.2f  (%.3f s / %.3f s)\n", p[i], m[ab[1]] / m[ab[2]], m[ab[1]], m[ab[2]]
    }
  }' "$results"
echo
echo "results (tsv: name median min max rss_mib cpu_s): $results"
