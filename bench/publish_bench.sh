#!/usr/bin/env bash
# publish_bench.sh: `stowage publish` on a large store of small images and on
# a store holding one 1 GiB image: full render, no-op re-render, one tag moved,
# and the disk the rendered tree takes.
#
# What it measures (whole-process wall time from $EPOCHREALTIME around
# /usr/bin/time, peak RSS from its %M; medians over the counted runs):
#   syn-full       publish of the synthetic store (REPOS repositories, TAGS
#                  tags, default 10,000 / 50,000; bench/make_synthetic_store.py)
#                  into a fresh OUTDIR; FULL_RUNS runs (default 3), each into a
#                  new folder (the old one removed and `sync`ed, untimed)
#   syn-same       re-publish into that OUTDIR with nothing changed; RUNS (5)
#   syn-tag        one tag moved, then publish: org0/app0:v1 is pointed
#                  (`stowage tag`, timed separately as syn-tagcmd) alternately
#                  at the images of org0/app0:v2 and org0/app0:v3, RUNS times
#                  after one untimed move+publish; the "W written, L linked,
#                  R removed, U unchanged" counts of every run are printed
#   big-full/-same/-tag/-tagcmd
#                  the same on a store holding one 1 GiB image: the layout
#                  $STOWAGE_BENCH_DIR/src-1024m-8l (ref 'big', 8 x 128 MiB
#                  layers; made by bench/store_bench.sh, which is run with
#                  --size-mib 1024 to build it if missing) is imported with
#                  `stowage import` as bench/big:v1 into a fresh store on the
#                  same filesystem, plus bench/big:v2 (a second image sharing
#                  those layers with its own config) so that the tag
#                  bench/big:latest can move between two images
#   disk           for each store: `du -sb` of the store, of OUTDIR, and of
#                  both together (du counts a hard-linked file once), and the
#                  bytes of unique inodes (find -printf '%i %s' | sort -u) of
#                  the store, of OUTDIR's files and of the two together
# Page cache is warm throughout (the store was just written or imported).
#
# Targets (from the issue): 10k/50k full publish < 10 s; unchanged re-publish
# < 1 s; one-tag change < 0.2 s, writing only the affected files (expected:
# the tag's manifests/<tag> link and OUTDIR/index.json); the tree costs about
# no bytes beyond the store (blobs are hard links, not copies).
#
# Needs: python3, /usr/bin/time (apt-get install -y time), coreutils,
# findutils; to build the 1 GiB source if absent, what store_bench.sh needs.
# The stowage binary: $STOWAGE, else /tmp/stowage-pub-bench, else
# bazel-bin/cmd/stowage/stowage.
#
# Run:  bench/publish_bench.sh [--repos N] [--tags N] [--full-runs N]
#                              [--runs N] [--only REGEX] [--workdir DIR]
#                              [--catalog]
#   --catalog     publish the HTML catalog too (default: --no-catalog, the
#                 pull API alone, which the targets below are about)
#   --only REGEX  run only the measurements whose name matches (e.g. '^syn')
#   env: STOWAGE, STOWAGE_BENCH_DIR (where the 1 GiB source is, default
#        /var/tmp/stowage-bench), PUBLISH_BENCH_DIR (work dir, default
#        /var/tmp/stowage-pub-bench; keep it on the source's filesystem)
# Disk: the synthetic store is about 75 MB of small files (~100k inodes) and
# its tree another ~310k links; the big store only hard links. The work dir
# is left in place (results.tsv, the stores and the last trees); rm -rf it.
# Time: about 10 minutes at 10k/50k on 2 cores (one syn-full run ~ 1 min,
# syn-same/syn-tag ~ 20 s each); --repos 1000 --tags 5000 takes ~1 min.
# Profiling a missed target (by hand, on the work dir this leaves):
#   strace -c -f -o /tmp/st.txt $STOWAGE publish -q --store W/syn-store W/out
#   perf record -F 250 --call-graph dwarf,16384 $STOWAGE publish -q ...
#   perf report --children --sort sym --stdio -g none
#   valgrind --tool=callgrind $STOWAGE publish ... (use --repos 1000 --tags 5000)
set -euo pipefail

# The pull API alone by default: the HTML catalog (issue 5) has its own
# benchmark; --catalog measures publish with it.
publish_args=(--no-catalog)
repos=10000
tags=50000
full_runs=3
runs=5
only='.'
workdir="${PUBLISH_BENCH_DIR:-/var/tmp/stowage-pub-bench}"
bigdir="${STOWAGE_BENCH_DIR:-/var/tmp/stowage-bench}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --repos) repos="$2"; shift 2 ;;
    --tags) tags="$2"; shift 2 ;;
    --full-runs) full_runs="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --workdir) workdir="$2"; shift 2 ;;
    --catalog) publish_args=(); shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ -z "${STOWAGE:-}" ]; then
  if [ -x /tmp/stowage-pub-bench ]; then
    STOWAGE=/tmp/stowage-pub-bench
  else
    STOWAGE="$here/../bazel-bin/cmd/stowage/stowage"
  fi
fi
for tool in "$STOWAGE" python3 /usr/bin/time du find sort awk; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
STOWAGE="$(command -v "$STOWAGE")"
mkdir -p "$workdir"
workdir="$(cd "$workdir" && pwd)"
results="$workdir/results.tsv"   # name median min max rss_mib n
counts="$workdir/counts.txt"     # publish's summary line of every timed run
: > "$results"; : > "$counts"
tf="$workdir/time.out"; of="$workdir/out.txt"; ef="$workdir/err.txt"

# ---------------------------------------------------------------- timing
walls=(); rss=0; last_line=''
# timed CMD...: one timed run; appends to walls/rss, keeps publish's line.
timed() {
  local t0 t1 e m
  t0="$EPOCHREALTIME"
  if ! /usr/bin/time -f '%e %M' -o "$tf" "$@" > "$of" 2> "$ef"; then
    echo "FAILED: $*" >&2; cat "$ef" "$of" >&2; tail -n 3 "$tf" >&2; exit 1
  fi
  t1="$EPOCHREALTIME"
  read -r e m < <(tail -n 1 "$tf")
  walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}')")
  [ "$m" -gt "$rss" ] && rss="$m"
  last_line="$(grep -h -o '[0-9]* written, [0-9]* linked, [0-9]* removed, [0-9]* unchanged' "$of" "$ef" || true)"
  return 0
}
begin() { walls=(); rss=0; }
# report NAME: median/min/max of walls, peak RSS.
report() {
  local name="$1" stats
  stats="$(printf '%s\n' "${walls[@]}" | sort -g | awk '{v[NR]=$1} END {
      med = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
      printf "%.3f\t%.3f\t%.3f\t%d", med, v[1], v[NR], NR }')"
  IFS=$'\t' read -r med mn mx n <<<"$stats"
  printf '%s\t%s\t%s\t%s\t%.1f\t%s\n' "$name" "$med" "$mn" "$mx" \
    "$(awk -v k="$rss" 'BEGIN{print k/1024}')" "$n" >> "$results"
  printf '  %-12s median %8.3f s  (min %.3f, max %.3f, n=%d)  peak rss %7.1f MiB\n' \
    "$name" "$med" "$mn" "$mx" "$n" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" >&2
}
want() { [[ "$1" =~ $only ]]; }
want_any() { local s; for s in full same tag tagcmd disk; do want "$1-$s" && return 0; done; return 1; }

# suite PREFIX STORE OUT TAG TARGET_A TARGET_B
suite() {
  local p="$1" store="$2" out="$3" tag="$4" ta="$5" tb="$6" i target
  if want "$p-full"; then
    begin
    for i in $(seq 1 "$full_runs"); do
      rm -rf "$out"; sync
      timed "$STOWAGE" publish "${publish_args[@]}" --store "$store" "$out"
      echo "    $p-full run $i: $last_line" >> "$counts"
    done
    report "$p-full"
    echo "    counts: $last_line" >&2
  fi
  if want "$p-same" || want "$p-tag"; then
    [ -f "$out/index.json" ] || "$STOWAGE" publish -q "${publish_args[@]}" --store "$store" "$out"
  fi
  if want "$p-same"; then
    begin
    for i in $(seq 1 "$runs"); do
      timed "$STOWAGE" publish "${publish_args[@]}" --store "$store" "$out"
      echo "    $p-same run $i: $last_line" >> "$counts"
    done
    report "$p-same"
    echo "    counts: $last_line" >&2
  fi
  if want "$p-tag"; then
    # Untimed first move (off the tag's own image, which would be removed).
    "$STOWAGE" tag --store "$store" "$tb" "$tag" > /dev/null
    "$STOWAGE" publish -q "${publish_args[@]}" --store "$store" "$out"
    local tagwalls=() tagrss=0 pubwalls=()
    for i in $(seq 1 "$runs"); do
      if [ $(( i % 2 )) -eq 1 ]; then target="$ta"; else target="$tb"; fi
      begin; timed "$STOWAGE" tag --store "$store" "$target" "$tag"
      tagwalls+=("${walls[0]}"); [ "$rss" -gt "$tagrss" ] && tagrss="$rss"
      begin; timed "$STOWAGE" publish "${publish_args[@]}" --store "$store" "$out"
      pubwalls+=("${walls[0]}"); [ "$rss" -gt "${pubrss:-0}" ] && pubrss="$rss"
      echo "    $p-tag run $i ($tag -> $target): $last_line" | tee -a "$counts" >&2
    done
    walls=("${pubwalls[@]}"); rss="$pubrss"; report "$p-tag"; unset pubrss
    walls=("${tagwalls[@]}"); rss="$tagrss"; report "$p-tagcmd"
  fi
}

# disk NAME STORE OUT
disk() {
  local name="$1" store="$2" out="$3"
  [ -f "$out/index.json" ] || return 0
  local ds dout both ui_s ui_o ui_b nf_o
  ds="$(du -sb "$store" | cut -f1)"
  dout="$(du -sb "$out" | cut -f1)"
  both="$(du -sb "$store" "$out" | awk '{s+=$1} END {print s}')"
  uinode() { find "$@" -type f -printf '%i %s\n' | sort -u | awk '{s+=$2; n++} END {printf "%d %d\n", s, n}'; }
  read -r ui_s _ < <(uinode "$store")
  read -r ui_o nf_o < <(uinode "$out")
  read -r ui_b _ < <(uinode "$store" "$out")
  local files_o; files_o="$(find "$out" -type f | wc -l)"
  printf '%s\tstore_du %s\tout_du %s\tboth_du %s\tstore_inode_bytes %s\tout_inode_bytes %s (%s inodes, %s names)\tboth_inode_bytes %s\textra_over_store %s\n' \
    "$name" "$ds" "$dout" "$both" "$ui_s" "$ui_o" "$nf_o" "$files_o" "$ui_b" "$(( ui_b - ui_s ))" \
    | tee -a "$workdir/disk.tsv" | tr '\t' '\n' | sed '2,$s/^/    /' >&2
}

echo "stowage: $STOWAGE ($("$STOWAGE" --version 2>&1 | head -n 1)); $(nproc) cores; work dir $workdir" >&2
: > "$workdir/disk.tsv"

# ---------------------------------------------------------------- synthetic
if want_any syn; then
  syn="$workdir/syn-store"; synout="$workdir/syn-out"
  t0="$EPOCHREALTIME"
  python3 "$here/make_synthetic_store.py" "$syn" --repos "$repos" --tags "$tags" --force
  echo "  generated in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}') s" >&2
  echo "synthetic store: $repos repositories, $tags tags" >&2
  suite syn "$syn" "$synout" org0/app0:v1 org0/app0:v2 org0/app0:v3
  if want "syn-disk"; then disk syn-disk "$syn" "$synout"; fi
fi

# ---------------------------------------------------------------- 1 GiB image
if want_any big; then
  src="$bigdir/src-1024m-8l"
  if [ ! -f "$src/index.json" ]; then
    echo "building $src with bench/store_bench.sh --size-mib 1024" >&2
    STOWAGE_BENCH_DIR="$bigdir" "$here/store_bench.sh" --size-mib 1024 --runs 1 --only '^$' > /dev/null
  fi
  [ "$(stat -c %d "$src")" = "$(stat -c %d "$workdir")" ] ||
    echo "warning: $src is on another filesystem than $workdir: import copies" >&2
  big="$workdir/big-store"; bigout="$workdir/big-out"; big2="$workdir/big2-layout"
  rm -rf "$big" "$bigout" "$big2"
  "$STOWAGE" init "$big" > /dev/null
  t0="$EPOCHREALTIME"
  "$STOWAGE" import -q --store "$big" "oci:$src:big" bench/big:v1
  echo "  imported in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.2f", b-a}') s" >&2
  # A second image: the same layers, its own config (so its own manifest).
  python3 - "$src" "$big2" <<'EOF'
import hashlib, json, os, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(dst, "blobs", "sha256"))
def blob(d): return os.path.join(src, "blobs", "sha256", d.split(":")[1])
idx = json.load(open(os.path.join(src, "index.json")))
m = json.load(open(blob(idx["manifests"][0]["digest"])))
cfg = json.load(open(blob(m["config"]["digest"])))
cfg.setdefault("config", {})["Labels"] = {"bench.variant": "2"}
def put(data):
    h = hashlib.sha256(data).hexdigest()
    with open(os.path.join(dst, "blobs", "sha256", h), "wb") as f: f.write(data)
    return "sha256:" + h, len(data)
cd, cs = put(json.dumps(cfg, separators=(",", ":")).encode())
m["config"]["digest"], m["config"]["size"] = cd, cs
for l in m["layers"]:
    os.link(blob(l["digest"]), os.path.join(dst, "blobs", "sha256", l["digest"].split(":")[1]))
md, ms = put(json.dumps(m, separators=(",", ":")).encode())
json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
           "manifests": [{"mediaType": m["mediaType"], "digest": md, "size": ms,
                          "annotations": {"org.opencontainers.image.ref.name": "big2"}}]},
          open(os.path.join(dst, "index.json"), "w"))
open(os.path.join(dst, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
EOF
  "$STOWAGE" import -q --store "$big" "oci:$big2:big2" bench/big:v2
  "$STOWAGE" tag --store "$big" bench/big:v1 bench/big:latest > /dev/null
  rm -rf "$big2"
  echo "big store: $(du -sh "$big" | cut -f1), tags v1, v2 (same layers), latest" >&2
  suite big "$big" "$bigout" bench/big:latest bench/big:v1 bench/big:v2
  if want "big-disk"; then disk big-disk "$big" "$bigout"; fi
fi

# ---------------------------------------------------------------- report
echo
printf '%-12s %10s %10s %10s %9s %3s\n' measurement 'median s' 'min s' 'max s' 'rss MiB' n
awk -F'\t' '{printf "%-12s %10.3f %10.3f %10.3f %9.1f %3d\n", $1, $2, $3, $4, $5, $6}' "$results"
echo
echo "publish counts per timed run:"; cat "$counts"
echo
echo "disk (bytes):"; cat "$workdir/disk.tsv"
echo
awk -F'\t' -v rt="$repos/$tags" '
  $1 == "syn-full" { printf "target full publish %s < 10 s:   %.3f s  %s\n", rt, $2, ($2 < 10 ? "MET" : "MISSED") }
  $1 == "syn-same" { printf "target unchanged re-publish < 1 s:    %.3f s  %s\n", $2, ($2 < 1 ? "MET" : "MISSED") }
  $1 == "syn-tag"  { printf "target one-tag change < 0.2 s:        %.3f s  %s\n", $2, ($2 < 0.2 ? "MET" : "MISSED") }
  $1 == "big-same" { printf "  (1 GiB store) unchanged re-publish: %.3f s  %s\n", $2, ($2 < 1 ? "MET" : "MISSED") }
  $1 == "big-tag"  { printf "  (1 GiB store) one-tag change:       %.3f s  %s\n", $2, ($2 < 0.2 ? "MET" : "MISSED") }
' "$results"
echo "results: $results, $workdir/disk.tsv, $counts"
