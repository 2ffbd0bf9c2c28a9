#!/usr/bin/env bash
# registry_bench.sh: stowage's docker:// transport (pull, push, sync) against
# the reference registry (Debian's docker-registry, distribution 2.8), compared
# with skopeo doing the same over the same loopback connection. Run by hand,
# never by the tests.
#
# What it measures (whole-process wall time and peak RSS, N counted runs after
# one uncounted warm-up; min / median / max are printed):
#   pull-stowage     stowage import docker://R/bench/big:v1 into a fresh, empty store
#   pull-skopeo      skopeo copy docker://R/bench/big:v1 oci:FRESH:big
#   pull-curl        curl of every blob of the image to files, one after another
#                    over one connection, nothing hashed or synced (one stream:
#                    a reference, not a floor for 4 parallel streams)
#   again-stowage    stowage import of the same image into a store that has
#                    every blob (nothing should be downloaded)
#   again-skopeo     skopeo copy into an oci: layout that has every blob
#   push-stowage     stowage export bench/big:v1 docker://R/bench/push:v1 into a
#                    freshly started, empty registry
#   push-skopeo      skopeo copy --preserve-digests oci:SRC:big to the same
#   push2-stowage    stowage export to a new repository name each run in a
#                    registry that already holds the blobs under bench/big
#   push2-skopeo     skopeo copy to a new repository name each run, the same way
#                    (skopeo's blob-info cache knows where the blobs are: it mounts)
#                    Both tools' caches are warm here, as they would be for anyone
#                    who pulled or pushed before: stowage's blob-locations file
#                    ($XDG_CACHE_HOME/stowage/, default ~/.cache/stowage/) and
#                    skopeo's blob-info cache (/var/lib/containers/cache for root,
#                    else ~/.local/share/containers/cache) are filled by the earlier
#                    runs of this script (and anything else run as this user) and
#                    are never cleared; what stowage's file says about the big
#                    image's blobs at R is printed before and after push2.
#                    stowage keeps one location per blob, the last seen: after
#                    push-* that is bench/push of the push registry, gone by then
#                    (the pull registry serves at the same address), so
#                    push2-stowage's warm-up uploads in full and the counted runs
#                    mount from the previous run's repository.
#   sync-stowage     stowage sync of a repository of TAGS tags (default 1000, one
#                    small image under every tag) into a store that has them all:
#                    nothing changed, so every tag is one check; the request
#                    count it prints is reported
#   sync-skopeo      skopeo list-tags, then one skopeo inspect --raw per tag (what
#                    a shell script checking each tag's digest with skopeo does)
#   sync-curl        curl: GET tags/list, then a HEAD of every tag's manifest,
#                    all in one process over one connection, one after another
# then ratios: pull-stowage/pull-skopeo, pull-stowage/pull-curl,
# again-stowage/again-skopeo, push-stowage/push-skopeo,
# push2-stowage/push2-skopeo, sync-stowage/sync-skopeo, sync-stowage/sync-curl.
#
# The big image is bench/store_bench.sh's: SIZE MiB (default 1024) in LAYERS
# (default 8) uncompressed tar layers of incompressible, deterministic data
# (AES-128-CTR keystream, the same keys, so the same digests) at
# $STOWAGE_BENCH_DIR/src-SIZEm-LAYERSl (default /var/tmp/stowage-bench); it is
# built by running store_bench.sh once when missing, and reused when there.
# skopeo pushes it with --preserve-digests (else it would gzip every layer on
# the way, which stowage never does) and pulls it with the same flag.
#
# The registry: docker-registry serve CONFIG (filesystem storage under the work
# dir, http on 127.0.0.1:PORT, log level error), started by this script and
# killed on exit. Its access log (in the work dir) is read after each warm-up
# run to print what the registry was asked (blob GETs, uploads, mounts, HEADs). Plain HTTP on loopback: stowage uses it by itself
# (and warns); skopeo is given --src-tls-verify=false / --dest-tls-verify=false.
# For push-*, the registry is stopped, its data dir removed and a new one
# started before every run (outside the timing). The registry's own CPU and
# memory are not in the figures (it is not a child of the timed command); its
# data dir is read with cat before each pull, and the source before each push,
# so reads come from a warm page cache. Destinations are removed and `sync`ed
# between runs (outside the timing).
# Wall time is $EPOCHREALTIME around /usr/bin/time (about 10 ms of fork/exec is
# included); peak RSS is /usr/bin/time's %M (the largest single process).
#
# Needs (Debian packages): docker-registry skopeo jq curl time openssl coreutils tar
#   apt-get install -y docker-registry skopeo jq curl time openssl
# and the stowage binary: $STOWAGE, else bazel-bin/cmd/stowage/stowage.
#
# Run:  bench/registry_bench.sh [--runs N] [--size-mib N] [--layers N]
#                               [--tags N] [--port N] [--only REGEX] [--workdir DIR]
#   env: STOWAGE_BENCH_DIR (work dir, default /var/tmp/stowage-bench), STOWAGE
# Disk: besides the source (SIZE MiB), up to about five times SIZE while it runs
# (the pull registry, the push registry, two full destinations for again-*, one
# fresh destination); all but the source are removed at the end.
# About 6 minutes at the defaults on a 2-core machine (sync-skopeo, 1001 skopeo
# processes a run, is 2.5 of them; --tags 200 saves most of that);
# --size-mib 64 --runs 1 --tags 20 checks the script in well under a minute.
set -euo pipefail

runs=5
size_mib=1024
layers=8
ntags=1000
port=''
only='.'
workdir="${STOWAGE_BENCH_DIR:-/var/tmp/stowage-bench}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --size-mib) size_mib="$2"; shift 2 ;;
    --layers) layers="$2"; shift 2 ;;
    --tags) ntags="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --workdir) workdir="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ -z "${STOWAGE:-}" ]; then STOWAGE="$here/../bazel-bin/cmd/stowage/stowage"; fi
for tool in "$STOWAGE" docker-registry skopeo jq curl openssl sha256sum tar /usr/bin/time; do
  command -v "$tool" >/dev/null || {
    echo "missing: $tool (apt-get install -y docker-registry skopeo jq curl time openssl)" >&2; exit 1; }
done
STOWAGE="$(command -v "$STOWAGE")"

mkdir -p "$workdir"
workdir="$(cd "$workdir" && pwd)"
src="$workdir/src-${size_mib}m-${layers}l"
rb="$workdir/registry-bench"     # everything of this script but the source
small="$rb/small"                # the small image behind every sync tag
estore="$rb/export-store"        # the store push-stowage reads (hard links to src)
dst="$rb/dst"                    # fresh destination of each run
tmp="$rb/tmp"

# ---------------------------------------------------------------- the image
write_blob() { # LAYOUT FILE -> moves FILE to LAYOUT/blobs/sha256/<digest>, prints digest size
  local layout="$1" f="$2" d s
  d="$(sha256sum "$f" | cut -d' ' -f1)"
  s="$(stat -c %s "$f")"
  mv "$f" "$layout/blobs/sha256/$d"
  echo "sha256:$d $s"
}

# write_image LAYOUT REF LAYER_JSON DIFF_IDS: config, manifest, index.json, oci-layout
write_image() {
  local layout="$1" ref="$2" layer_json="$3" diff_ids="$4" cd cs md ms
  jq -cn --argjson ids "$diff_ids" '{architecture: "amd64", os: "linux",
      created: "1970-01-01T00:00:00Z", config: {Cmd: ["/bin/true"]},
      rootfs: {type: "layers", diff_ids: $ids}}' > "$tmp/config.json"
  read -r cd cs < <(write_blob "$layout" "$tmp/config.json")
  jq -cn --arg cd "$cd" --argjson cs "$cs" --argjson layers "$layer_json" '{schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
      layers: $layers}' > "$tmp/manifest.json"
  read -r md ms < <(write_blob "$layout" "$tmp/manifest.json")
  jq -cn --arg md "$md" --argjson ms "$ms" --arg ref "$ref" '{schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $md,
                   size: $ms, annotations: {"org.opencontainers.image.ref.name": $ref}}]}' \
    > "$layout/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
}

# One small image (a 4 KiB layer): what each of the sync repository's tags is.
build_small() {
  local d s
  rm -rf "$small" "$tmp"
  mkdir -p "$small/blobs/sha256" "$tmp/rootfs"
  head -c 4096 /dev/urandom > "$tmp/rootfs/data.bin"
  tar --format=gnu --mtime=@0 --owner=0 --group=0 -C "$tmp/rootfs" -cf "$tmp/layer.tar" data.bin
  read -r d s < <(write_blob "$small" "$tmp/layer.tar")
  write_image "$small" small \
    "$(jq -cn --arg d "$d" --argjson s "$s" '[{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $d, size: $s}]')" \
    "$(jq -cn --arg d "$d" '[$d]')"
  rm -rf "$tmp"
}

# ---------------------------------------------------------------- the registry
reg_pid=''
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -z "$port" ]; then
  for port in $(seq 5301 5399) ''; do port_free "$port" && break; done
  [ -n "$port" ] || { echo "no free port in 5301-5399 (give --port)" >&2; exit 1; }
fi
R="127.0.0.1:$port"

start_registry() { # DATADIR
  local data="$1" i
  mkdir -p "$data"
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
    "$data" "$R" > "$rb/registry.yml"
  docker-registry serve "$rb/registry.yml" >> "$rb/registry.log" 2>&1 &
  reg_pid=$!
  for i in $(seq 1 100); do
    curl -sf -o /dev/null "http://$R/v2/" && return 0
    kill -0 "$reg_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the registry did not start (see $rb/registry.log)" >&2; exit 1
}
stop_registry() {
  if [ -n "$reg_pid" ]; then kill "$reg_pid" 2>/dev/null || true; wait "$reg_pid" 2>/dev/null || true; fi
  reg_pid=''
}
cleanup() { stop_registry; rm -rf "$rb"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- inputs
if [ -d "$src" ]; then
  echo "reusing $src" >&2
else
  echo "building $src with store_bench.sh (nothing else of it runs)" >&2
  STOWAGE_BENCH_DIR="$workdir" STOWAGE="$STOWAGE" "$here/store_bench.sh" \
    --size-mib "$size_mib" --layers "$layers" --runs 1 --only '^$' > /dev/null
fi
rm -rf "$rb"
mkdir -p "$rb"
build_small
src_manifest="$(jq -r '.manifests[0].digest' "$src/index.json")"
small_manifest="$(jq -r '.manifests[0].digest' "$small/index.json")"
SK=(skopeo copy -q --preserve-digests)
TV=(--src-tls-verify=false --dest-tls-verify=false)

# The pull registry: the big image as bench/big:v1, the small one under TAGS tags of bench/many.
start_registry "$rb/reg-pull"
"${SK[@]}" "${TV[@]}" "oci:$src:big" "docker://$R/bench/big:v1"
"${SK[@]}" "${TV[@]}" "oci:$small:small" "docker://$R/bench/many:t0"
mt=application/vnd.oci.image.manifest.v1+json
curl -sf -H "Accept: $mt" -o "$rb/small-manifest.json" "http://$R/v2/bench/many/manifests/t0"
for i in $(seq 1 $(( ntags - 1 ))); do  # the same manifest under another tag: no blob moves
  curl -sf -X PUT -H "Content-Type: $mt" --data-binary "@$rb/small-manifest.json" \
    -o /dev/null "http://$R/v2/bench/many/manifests/t$i"
done
echo "{\"registries\": {\"$R\": {\"images\": [{\"repository\": \"bench/many\"}]}}}" > "$rb/sync.json"

# The store push-stowage reads from (hard links to the source, no extra data).
"$STOWAGE" init "$estore" > /dev/null
"$STOWAGE" import -q --store "$estore" "oci:$src:big" bench/big:v1

# ---------------------------------------------------------------- timing
warm_pull() { find "$rb/reg-pull" -type f -print0 | xargs -0 cat > /dev/null; }
warm_src() { find "$src" -type f -print0 | xargs -0 cat > /dev/null; }
clean() { rm -rf "$dst"; sync; }
summary="$workdir/registry-results.tsv"
: > "$summary"

# bench NAME PREP WARM -- CMD...: PREP runs before each run (untimed), then
# WARM; @RUN@ in an argument becomes the run's number (0 is the warm-up).
bench() {
  local name="$1" prep="$2" warm="$3"; shift 4
  [[ "$name" =~ $only ]] || return 0
  local i a t0 t1 tf="$rb/time.out" ef="$rb/err-$name.out" walls=() rss=0 cpu=() cmd
  for i in $(seq 0 "$runs"); do  # run 0 is the warm-up
    clean; $prep; $warm
    cmd=(); for a in "$@"; do cmd+=("${a//@RUN@/$i}"); done
    reg_lines="$(wc -l < "$rb/registry.log")"
    t0="$EPOCHREALTIME"
    if ! /usr/bin/time -f '%e %M %U %S' -o "$tf" "${cmd[@]}" > /dev/null 2> "$ef"; then
      echo "FAILED: $name: ${cmd[*]}" >&2; cat "$ef" >&2; tail -n 3 "$tf" >&2; exit 1
    fi
    t1="$EPOCHREALTIME"
    if [ "$i" -eq 0 ]; then
      if declare -F "check_${name//-/_}" > /dev/null; then "check_${name//-/_}" || true; fi
      continue
    fi
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
    | tee -a "$summary" | awk -F'\t' '{printf "  %-14s median %7.3f s  (min %.3f, max %.3f)  rss %7.1f MiB  cpu %6.2f s\n", $1,$2,$3,$4,$5,$6}' >&2
}

none() { :; }
fresh_store() { "$STOWAGE" init "$dst" > /dev/null; }
fresh_registry() { stop_registry; rm -rf "$rb/reg-push"; start_registry "$rb/reg-push"; }
pull_registry() { stop_registry; start_registry "$rb/reg-pull"; }

# One-off sanity checks after each warm-up run (printed, never fatal).
reg_lines=0
asked() { # what the registry logged since the run started, by kind
  tail -n +"$(( reg_lines + 1 ))" "$rb/registry.log" | grep -ao '"[A-Z]* /v2/[^" ]*' | awk '
    { m = substr($1, 2); p = $2
      if (p ~ /\/blobs\/uploads\//) k = (p ~ /mount=/) ? "blob-mount" : "blob-upload"
      else if (p ~ /\/blobs\//) k = "blob"; else if (p ~ /\/manifests\//) k = "manifest"
      else if (p ~ /\/tags\/list/) k = "tags/list"; else k = "ping"
      c[m " " k]++; n++ }
    END { printf "%d requests:", n; for (x in c) printf " %s %d,", x, c[x]; print "" }' | sed 's/,$//'
}
digest_of() { skopeo inspect --raw "$@" | sha256sum | sed 's/^/sha256:/; s/ .*//'; }
same() { [ "$1" = "$2" ] && echo "yes" || echo "NO ($1)"; }
check_pull_stowage() { echo "    check: $(asked); manifest digest kept: $(same "$(digest_of "oci:$dst:bench/big:v1")" "$src_manifest")" >&2; }
check_pull_skopeo() { echo "    check: $(asked); manifest digest kept: $(same "$(digest_of "oci:$dst:big")" "$src_manifest")" >&2; }
check_again_stowage() { echo "    check: $(asked)" >&2; }
check_again_skopeo() { echo "    check: $(asked)" >&2; }
check_push_stowage() { echo "    check: $(asked); pushed manifest digest: $(same "$(digest_of --tls-verify=false "docker://$R/bench/push:v1")" "$src_manifest")" >&2; }
check_push_skopeo() { echo "    check: $(asked); pushed manifest digest: $(same "$(digest_of --tls-verify=false "docker://$R/bench/push:v1")" "$src_manifest")" >&2; }
check_push2_stowage() { echo "    check: $(asked)" >&2; }
check_push2_skopeo() { echo "    check: $(asked)" >&2; }
check_sync_stowage() { echo "    check: stowage: $(tail -n 1 "$rb/err-sync-stowage.out"); the registry logged $(asked)" >&2; }
# stowage's blob-locations file: where it last saw each of the big image's blobs at R.
locations="${XDG_CACHE_HOME:-}"; [[ "$locations" == /* ]] || locations="$HOME/.cache"
locations="$locations/stowage/blob-locations"
big_blobs="$(jq -r '.config.digest, .layers[].digest' "$src/blobs/sha256/${src_manifest#sha256:}")"
known_blobs() {
  if [ ! -f "$locations" ]; then echo "$locations: none" >&2; return 0; fi
  echo "  $locations ($(wc -l < "$locations") lines): the big image's $(wc -l <<<"$big_blobs") blobs at $R last seen in:" \
    "$(awk -v h="$R" 'NR == FNR { want[$1] = 1; next } $1 == h && ($2 in want) { at[$2] = $3 }
        END { for (d in want) c[(d in at) ? at[d] : "(nowhere)"]++
              for (r in c) printf " %s x%d,", r, c[r] }' - "$locations" <<<"$big_blobs" | sed 's/,$//')" >&2
}
check_sync_skopeo() { echo "    check: skopeo saw $(grep -c . "$dst.sk" || true) tags, digests: $(sort -u "$dst.sk" | tr '\n' ' ')" >&2; }

echo "stowage:  $STOWAGE ($("$STOWAGE" --version))" >&2
echo "source:   $src ($(du -sh "$src" | cut -f1), $(ls "$src/blobs/sha256" | wc -l) blobs); registry $R ($(docker-registry --version | awk '{print $NF}')); $runs runs + 1 warm-up; $(nproc) cores" >&2

# -- pull
again_store="$rb/again-store"; again_oci="$rb/again-oci"
S=(--store "$dst")
bench pull-stowage fresh_store warm_pull -- "$STOWAGE" import -q "${S[@]}" "docker://$R/bench/big:v1"
bench pull-skopeo  none warm_pull -- "${SK[@]}" --src-tls-verify=false "docker://$R/bench/big:v1" "oci:$dst:big"
blob_urls=()
for d in $(jq -r '.manifests[0].digest' "$src/index.json" | cut -d: -f2 |
           xargs -I{} jq -r '.config.digest, .layers[].digest' "$src/blobs/sha256/{}"); do
  blob_urls+=(-o "$dst/${d#sha256:}" "http://$R/v2/bench/big/blobs/$d")
done
mkdst() { mkdir -p "$dst"; }
bench pull-curl    mkdst warm_pull -- curl -sfL "${blob_urls[@]}"
if [[ again-stowage =~ $only ]]; then
  "$STOWAGE" init "$again_store" > /dev/null
  "$STOWAGE" import -q --store "$again_store" "docker://$R/bench/big:v1" 2> /dev/null
fi
if [[ again-skopeo =~ $only ]]; then
  "${SK[@]}" --src-tls-verify=false "docker://$R/bench/big:v1" "oci:$again_oci:big"
fi
bench again-stowage none warm_pull -- "$STOWAGE" import -q --store "$again_store" "docker://$R/bench/big:v1"
bench again-skopeo  none warm_pull -- "${SK[@]}" --src-tls-verify=false "docker://$R/bench/big:v1" "oci:$again_oci:big"
rm -rf "$again_store" "$again_oci"

# -- sync, nothing changed
if [[ sync-stowage =~ $only ]]; then
  "$STOWAGE" init "$rb/sync-store" > /dev/null
  "$STOWAGE" sync -q --store "$rb/sync-store" "$rb/sync.json"
fi
bench sync-stowage none none -- "$STOWAGE" sync --store "$rb/sync-store" "$rb/sync.json"
bench sync-skopeo  none none -- bash -c '
  for t in $(skopeo list-tags --tls-verify=false "docker://$1" | jq -r ".Tags[]"); do
    skopeo inspect --raw --tls-verify=false "docker://$1:$t" | sha256sum | cut -d" " -f1
  done > "$2.sk"' _ "$R/bench/many" "$dst"
head_urls=(-o /dev/null "http://$R/v2/bench/many/tags/list" --next -sf -I -H "Accept: $mt")
for i in $(seq 0 $(( ntags - 1 ))); do
  head_urls+=(-o /dev/null "http://$R/v2/bench/many/manifests/t$i")
done
bench sync-curl    none none -- curl -sf "${head_urls[@]}"
rm -f "$dst.sk"

# -- push (fresh registry per run for push-*; one registry, fresh repository for push2-*)
bench push-stowage fresh_registry warm_src -- "$STOWAGE" export -q --store "$estore" bench/big:v1 "docker://$R/bench/push:v1"
bench push-skopeo  fresh_registry warm_src -- "${SK[@]}" --dest-tls-verify=false "oci:$src:big" "docker://$R/bench/push:v1"
rm -rf "$rb/reg-push"
if [[ push2 =~ $only ]]; then pull_registry; echo "before push2:" >&2; known_blobs; fi
bench push2-stowage none warm_src -- "$STOWAGE" export -q --store "$estore" bench/big:v1 "docker://$R/bench/st@RUN@:v1"
bench push2-skopeo  none warm_src -- "${SK[@]}" --dest-tls-verify=false "oci:$src:big" "docker://$R/bench/sk@RUN@:v1"
if [[ push2 =~ $only ]]; then echo "after push2:" >&2; known_blobs; fi
if [ -f "$rb/err-sync-stowage.out" ]; then
  echo "sync-stowage said: $(tail -n 1 "$rb/err-sync-stowage.out")" >&2
fi
grep -h . "$rb"/err-*.out 2>/dev/null | sort | uniq -c | sed 's/^/  stderr of the last runs: /' >&2 || true
stop_registry

# ---------------------------------------------------------------- report
echo
printf '%-14s %9s %9s %9s %9s %8s\n' contender 'median s' 'min s' 'max s' 'rss MiB' 'cpu s'
awk -F'\t' '{m[$1]=$2; printf "%-14s %9.3f %9.3f %9.3f %9.1f %8.2f\n", $1, $2, $3, $4, $5, $6}
  END {
    print ""
    np = split("pull-stowage/pull-skopeo pull-stowage/pull-curl again-stowage/again-skopeo push-stowage/push-skopeo push2-stowage/push2-skopeo sync-stowage/sync-skopeo sync-stowage/sync-curl", p, " ")
    for (i = 1; i <= np; i++) {
      split(p[i], ab, "/")
      if ((ab[1] in m) && (ab[2] in m) && m[ab[2]] > 0)
        printf "ratio %-28s %7.2f  (%.3f s / %.3f s)\n", p[i], m[ab[1]] / m[ab[2]], m[ab[1]], m[ab[2]]
    }
  }' "$summary"
echo
echo "results (tsv: name median min max rss_mib cpu_s): $summary"
