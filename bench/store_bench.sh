#!/usr/bin/env bash
# store_bench.sh: moving a big image in and out of a stowage store, compared
# with skopeo, cp -r and the raw cost of hashing the blobs.
#
# What it measures (whole-process wall time and peak RSS, N counted runs after
# one uncounted warm-up, each run on a fresh destination on the same
# filesystem as the source; min / median / max are printed):
#   import-link   stowage import oci:SRC:big bench/big:v1   (verify + hard link)
#   import-copy   stowage import --copy ...                  (copy + streaming hash)
#   export-link   stowage export bench/big:v1 oci:OUT        (hard links from the store)
#   export-copy   stowage export --copy ...
#   skopeo        skopeo copy --preserve-digests oci:SRC:big oci:DST:big
#   cp-r          cp -r SRC DST
#   cp-r-sync     cp -r SRC DST && sync (durable, as an import must be)
#   bundle-import stowage bundle import of a bundle of the image, new store
#   untar-sync    tar -xf BUNDLE -C DST && sync (bundle-import's floor)
#   cp-al         cp -al SRC DST   (hard-link tree copy: the floor for *-link)
#   sha-1core     openssl dgst -sha256 over every blob, one process
#   sha-allcore   every blob hashed by openssl dgst -sha256, $(nproc) at a time
#                 (xargs -P): the "all-core OpenSSL SHA-256" reference figure
# plus ratios of each median to sha-allcore's and to skopeo's, and pairwise
# ratios (import-link/sha-allcore, skopeo/import-link, export-link/cp-r, ...).
#
# The source image is built once and reused: SIZE MiB (default 1024) split
# into LAYERS (default 8) uncompressed tar layers
# (application/vnd.oci.image.layer.v1.tar), each holding one file of
# incompressible, deterministic data (AES-128-CTR keystream of /dev/zero with a
# per-layer key), plus a config and manifest written with jq and sha256sum;
# ref 'big'. Re-running with the same size and layer count reuses it.
#
# Page cache: dropping caches is not assumed possible (containers), so the
# source (and the store that export reads) is read once with cat before each
# contender: every contender reads from a warm cache and the figures are
# CPU/memcpy/metadata bound, not disk bound. Destinations are removed and
# `sync`ed between runs (outside the timing) so writeback of one run does not
# land in the next. Peak RSS is the largest single process of the command
# (/usr/bin/time %M, which for a pipeline is its biggest member). Wall time is
# taken with $EPOCHREALTIME around /usr/bin/time (about 10 ms of fork/exec
# overhead is included: the floor for a no-op).
#
# Needs (Debian packages): skopeo jq time openssl coreutils tar findutils
#   apt-get install -y skopeo jq time openssl
# and the stowage binary: $STOWAGE, else bazel-bin/cmd/stowage/stowage, else
# /tmp/stowage-bench.
#
# Run:  bench/store_bench.sh [--runs N] [--size-mib N] [--layers N]
#                            [--only REGEX] [--workdir DIR]
#   env: STOWAGE_BENCH_DIR (work dir, default /var/tmp/stowage-bench), STOWAGE
# Disk: the work dir holds the source (SIZE MiB) plus, while running, one
# copy-destination (another SIZE MiB) and a hard-linked store (no extra data).
# The work dir is left in place for reruns; rm -rf it to reclaim the space.
# At the defaults the whole script takes a few minutes on a 2-core machine.
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

if [ -z "${STOWAGE:-}" ]; then
  if [ -x "$here/../bazel-bin/cmd/stowage/stowage" ]; then
    STOWAGE="$here/../bazel-bin/cmd/stowage/stowage"
  else
    STOWAGE=/tmp/stowage-bench
  fi
fi
for tool in "$STOWAGE" skopeo jq openssl sha256sum tar /usr/bin/time; do
  command -v "$tool" >/dev/null || {
    echo "missing: $tool (apt-get install -y skopeo jq time openssl)" >&2; exit 1; }
done
STOWAGE="$(command -v "$STOWAGE")"

ncpu="$(nproc)"
mkdir -p "$workdir"
workdir="$(cd "$workdir" && pwd)"
src="$workdir/src-${size_mib}m-${layers}l"
dst="$workdir/dst"            # every contender's destination, fresh each run
estore="$workdir/export-store" # the store export reads from
bundle="$workdir/big-bundle.tar" # a bundle of the image (bundle-import, untar-sync)
tmp="$workdir/tmp"

# ---------------------------------------------------------------- the image
write_blob() { # FILE -> moves it to $1's layout as blobs/sha256/<digest>, prints digest size
  local layout="$1" f="$2" d s
  d="$(sha256sum "$f" | cut -d' ' -f1)"
  s="$(stat -c %s "$f")"
  mv "$f" "$layout/blobs/sha256/$d"
  echo "sha256:$d $s"
}

build_source() {
  local part="$src.part" per_bytes i key layer_json='[]' diff_ids='[]'
  per_bytes=$(( size_mib * 1024 * 1024 / layers ))
  rm -rf "$part" "$tmp"
  mkdir -p "$part/blobs/sha256" "$tmp"
  echo "building $src: $layers layers x $(( per_bytes / 1024 / 1024 )) MiB" >&2
  for i in $(seq 1 "$layers"); do
    key="$(printf 'stowage-bench layer %d' "$i" | sha256sum | cut -c1-32)"
    mkdir -p "$tmp/rootfs/layer$i"
    head -c "$per_bytes" /dev/zero |
      openssl enc -aes-128-ctr -K "$key" -iv 00000000000000000000000000000000 \
        > "$tmp/rootfs/layer$i/data.bin"
    chmod 755 "$tmp/rootfs/layer$i"; chmod 644 "$tmp/rootfs/layer$i/data.bin"
    tar --format=gnu --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
      -C "$tmp/rootfs" -cf "$tmp/layer.tar" "layer$i"
    rm -rf "$tmp/rootfs"
    read -r d s < <(write_blob "$part" "$tmp/layer.tar")
    layer_json="$(jq -c --arg d "$d" --argjson s "$s" \
      '. + [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $d, size: $s}]' <<<"$layer_json")"
    diff_ids="$(jq -c --arg d "$d" '. + [$d]' <<<"$diff_ids")"   # uncompressed: diff_id = digest
  done
  jq -cn --argjson ids "$diff_ids" '{architecture: "amd64", os: "linux",
      created: "1970-01-01T00:00:00Z", config: {Cmd: ["/bin/true"]},
      rootfs: {type: "layers", diff_ids: $ids}}' > "$tmp/config.json"
  read -r cd cs < <(write_blob "$part" "$tmp/config.json")
  jq -cn --arg cd "$cd" --argjson cs "$cs" --argjson layers "$layer_json" '{schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
      layers: $layers}' > "$tmp/manifest.json"
  read -r md ms < <(write_blob "$part" "$tmp/manifest.json")
  jq -cn --arg md "$md" --argjson ms "$ms" '{schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md,
                   size: $ms, annotations: {"org.opencontainers.image.ref.name": "big"}}]}' \
    > "$part/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$part/oci-layout"
  rm -rf "$tmp"
  skopeo inspect --raw "oci:$part:big" >/dev/null  # a layout skopeo accepts
  mv "$part" "$src"
}

if [ -d "$src" ]; then
  echo "reusing $src" >&2
else
  build_source
fi

# ---------------------------------------------------------------- timing
warm() { # read the source and the export store into the page cache
  local also=()
  if [ -e "$bundle" ]; then also+=("$bundle"); fi
  find "$src" "$estore" "${also[@]}" -type f -print0 2>/dev/null | xargs -0 cat > /dev/null
}
clean() { rm -rf "$dst"; sync; }
mkdst() { mkdir -p "$dst"; }

results="$workdir/results.tsv"  # name median min max rss_mib cpu_s
: > "$results"

# bench NAME PREP -- CMD...: PREP is a function run before each (untimed).
bench() {
  local name="$1" prep="$2"; shift 3
  [[ "$name" =~ $only ]] || return 0
  local i t0 t1 tf="$workdir/time.out" ef="$workdir/err.out" walls=() rss=0 cpu=()
  for i in $(seq 0 "$runs"); do  # run 0 is the warm-up
    clean; $prep; warm
    t0="$EPOCHREALTIME"
    if ! /usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" > /dev/null 2> "$ef"; then
      echo "FAILED: $name: $*" >&2; cat "$ef" >&2; tail -n 3 "$tf" >&2; exit 1
    fi
    t1="$EPOCHREALTIME"
    if [ "$i" -eq 0 ]; then
      if declare -F "check_${name//-/_}" > /dev/null; then "check_${name//-/_}" || true; fi
      continue
    fi
    read -r _ m u s < <(tail -n 1 "$tf")   # %e has 10 ms resolution
    walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}')"); cpu+=("$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')")
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
    | tee -a "$results" | awk -F'\t' '{printf "  %-12s median %7.3f s  (min %.3f, max %.3f)  rss %7.1f MiB  cpu %6.2f s\n", $1,$2,$3,$4,$5,$6}' >&2
}

# One-off sanity checks after each warm-up run (printed, never fatal).
nlinks() { stat -c %h "$1"; }
first_layer() { jq -r '.manifests[0].digest' "$src/index.json" | cut -d: -f2 |
  xargs -I{} jq -r '.layers[0].digest' "$src/blobs/sha256/{}" | cut -d: -f2; }
layer="$(first_layer)"
check_import_link() { echo "    check: layer link count $(nlinks "$dst/blobs/sha256/$layer") (source + export store: $(nlinks "$src/blobs/sha256/$layer"); equal = hard-linked)" >&2; }
check_import_copy() { echo "    check: layer link count $(nlinks "$dst/blobs/sha256/$layer") (1 = copied)" >&2; }
check_export_link() { echo "    check: layer link count $(nlinks "$dst/blobs/sha256/$layer") (>1 = hard-linked); skopeo reads it: $(skopeo inspect --raw "oci:$dst:v1" >/dev/null && echo yes || echo NO)" >&2; }
check_export_copy() { echo "    check: layer link count $(nlinks "$dst/blobs/sha256/$layer") (1 = copied); same bytes: $(cmp -s "$dst/blobs/sha256/$layer" "$src/blobs/sha256/$layer" && echo yes || echo NO)" >&2; }
check_skopeo() { echo "    check: skopeo kept the manifest digest: $([ "$(jq -r '.manifests[0].digest' "$dst/index.json")" = "$(jq -r '.manifests[0].digest' "$src/index.json")" ] && echo yes || echo NO)" >&2; }

init_store() { "$STOWAGE" init "$dst" > /dev/null; }
none() { :; }

echo "stowage: $STOWAGE ($("$STOWAGE" --version))" >&2
echo "source:  $src ($(du -sh "$src" | cut -f1), $(ls "$src/blobs/sha256" | wc -l) blobs); $runs runs + 1 warm-up; $ncpu cores" >&2

# The store that export reads from: imported once (hard-linked, no extra data).
rm -rf "$estore"
"$STOWAGE" init "$estore" > /dev/null
"$STOWAGE" import -q --store "$estore" "oci:$src:big" bench/big:v1

bench import-link init_store -- "$STOWAGE" import -q --store "$dst" "oci:$src:big" bench/big:v1
bench import-copy init_store -- "$STOWAGE" import -q --copy --store "$dst" "oci:$src:big" bench/big:v1
bench export-link none -- "$STOWAGE" export -q --store "$estore" bench/big:v1 "oci:$dst"
bench export-copy none -- "$STOWAGE" export -q --copy --store "$estore" bench/big:v1 "oci:$dst"
bench skopeo      none -- skopeo copy -q --preserve-digests "oci:$src:big" "oci:$dst:big"
bench cp-r        none -- cp -r "$src" "$dst"
# Durable, as a store import is: the copy, then sync (what import --copy does
# with one syncfs before it names the blobs).
bench cp-r-sync   none -- sh -c 'cp -r "$1" "$2" && sync' sh "$src" "$dst"
bench cp-al       none -- cp -al "$src" "$dst"
# A bundle of the image, made once, for bundle import and its floor.
"$STOWAGE" bundle create -q --store "$estore" "$bundle" bench/big
bench bundle-import init_store -- "$STOWAGE" bundle import -q --store "$dst" "$bundle"
bench untar-sync  mkdst -- sh -c 'tar -xf "$1" -C "$2" && sync' sh "$bundle" "$dst"
rm -f "$bundle"
bench sha-1core   none -- bash -c 'exec openssl dgst -sha256 "$1"/blobs/sha256/*' _ "$src"
bench sha-allcore none -- bash -c 'find "$1/blobs/sha256" -type f -print0 | xargs -0 -P "$2" -n 1 openssl dgst -sha256' _ "$src" "$ncpu"
rm -rf "$estore"

# ---------------------------------------------------------------- report
echo
printf '%-12s %9s %9s %9s %9s %8s %9s %9s\n' contender 'median s' 'min s' 'max s' 'rss MiB' 'cpu s' '/sha-all' '/skopeo'
awk -F'\t' '{n[NR]=$1; l[NR]=$0; m[$1]=$2} END {
  for (i = 1; i <= NR; i++) {
    split(l[i], f, "\t")
    r1 = ("sha-allcore" in m) ? sprintf("%.2f", f[2] / m["sha-allcore"]) : "-"
    r2 = ("skopeo" in m) ? sprintf("%.2f", f[2] / m["skopeo"]) : "-"
    printf "%-12s %9.3f %9.3f %9.3f %9.1f %8.2f %9s %9s\n", f[1], f[2], f[3], f[4], f[5], f[6], r1, r2
  }
  print ""
  np = split("import-link/sha-allcore import-copy/cp-r-sync bundle-import/untar-sync export-link/sha-allcore export-copy/cp-r-sync skopeo/import-link skopeo/import-copy import-copy/cp-r export-link/cp-al", p, " ")
  for (i = 1; i <= np; i++) {
    split(p[i], ab, "/")
    if ((ab[1] in m) && (ab[2] in m) && m[ab[2]] > 0)
      printf "ratio %-24s %7.2f  (%.3f s / %.3f s)\n", p[i], m[ab[1]] / m[ab[2]], m[ab[1]], m[ab[2]]
  }
}' "$results"
echo
echo "disk: work dir $(du -sh "$workdir" | cut -f1) ($workdir; source $(du -sh "$src" | cut -f1)), free $(df -h --output=avail "$workdir" | tail -n 1 | tr -d ' ')"
echo "results (tsv: name median min max rss_mib cpu_s): $results"
