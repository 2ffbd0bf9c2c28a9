#!/usr/bin/env bash
# check_images.sh OUTDIR -- validate the layouts written by make_images.sh and
# print every ref's digest. Exits non-zero with a message on the first problem.
#
# Debian 12 packages needed: skopeo umoci jq tar gzip coreutils
set -euo pipefail

die() { echo "check_images.sh: FAIL: $*" >&2; exit 1; }
[[ $# -eq 1 ]] || die "usage: $0 OUTDIR"
for tool in skopeo umoci jq tar sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found"
done
OUT=$(cd "$1" && pwd) || die "no such directory: $1"
export LC_ALL=C

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
POLICY=$TMP/policy.json
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$POLICY"

OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
OCI_INDEX=application/vnd.oci.image.index.v1+json
DOCKER_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
DOCKER_LIST=application/vnd.docker.distribution.manifest.list.v2+json

blob() { echo "$1/blobs/sha256/${2#sha256:}"; }

# check_blob LAYOUT DIGEST SIZE: blob exists, has SIZE bytes and that digest.
check_blob() {
  local f
  f=$(blob "$1" "$2")
  [[ -f $f ]] || die "$1: missing blob $2"
  [[ $(stat -c %s "$f") == "$3" ]] || die "$1: blob $2 size $(stat -c %s "$f") != $3"
  [[ sha256:$(sha256sum "$f" | cut -d' ' -f1) == "$2" ]] || die "$1: blob $2 digest mismatch"
}

# walk LAYOUT MEDIATYPE DIGEST SIZE: verify a descriptor and all below it.
walk() {
  local l=$1 mt=$2 dg=$3 sz=$4 f cmt cdg csz
  check_blob "$l" "$dg" "$sz"
  f=$(blob "$l" "$dg")
  case $mt in
    "$OCI_INDEX" | "$DOCKER_LIST")
      [[ $(jq -r '.mediaType // empty' "$f") == "$mt" ]] ||
        die "$l: index $dg: mediaType field does not match descriptor ($mt)"
      while IFS=$'\t' read -r cmt cdg csz; do walk "$l" "$cmt" "$cdg" "$csz"; done < <(
        jq -r '.manifests[] | [.mediaType, .digest, .size] | @tsv' "$f")
      ;;
    "$OCI_MANIFEST" | "$DOCKER_MANIFEST")
      jq -e '.schemaVersion == 2 and (.config.digest | type == "string")' "$f" >/dev/null ||
        die "$l: manifest $dg is malformed"
      while IFS=$'\t' read -r cmt cdg csz; do
        check_blob "$l" "$cdg" "$csz"
        case $cmt in
          *tar+gzip | *tar.gzip)
            tar -tzf "$(blob "$l" "$cdg")" >/dev/null 2>&1 ||
              die "$l: layer $cdg is not a valid tar.gz (GNU tar)";;
        esac
      done < <(jq -r '.config, .layers[], (.subject // empty)
                      | [.mediaType, .digest, .size] | @tsv' "$f")
      ;;
    *) die "$l: unexpected descriptor mediaType $mt";;
  esac
}

# check_layout LAYOUT: oci-layout file, index.json, all reachable blobs.
check_layout() {
  local l=$1 mt dg sz
  [[ -d $l ]] || die "missing layout $l"
  jq -e '.imageLayoutVersion == "1.0.0"' "$l/oci-layout" >/dev/null || die "$l: bad oci-layout"
  jq -e '.schemaVersion == 2 and (.manifests | length > 0)' "$l/index.json" >/dev/null ||
    die "$l: bad index.json"
  while IFS=$'\t' read -r mt dg sz; do walk "$l" "$mt" "$dg" "$sz"; done < <(
    jq -r '.manifests[] | [.mediaType, .digest, .size] | @tsv' "$l/index.json")
}

# ref LAYOUT REF: index.json descriptor for REF.
ref() {
  jq -ce --arg r "$2" \
    '[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $r)]
     | if length == 1 then .[0] else error("ref count \(length)") end' \
    "$1/index.json" 2>/dev/null || die "$1: ref '$2' missing or ambiguous"
}
refdigest() { ref "$1" "$2" | jq -r .digest; }
# doc LAYOUT REF: the JSON document REF points at.
doc() { cat "$(blob "$1" "$(refdigest "$1" "$2")")"; }
expect() { jq -e "$2" >/dev/null || die "$1"; }   # stdin JSON must satisfy $2

# skopeo_raw LAYOUT REF: `skopeo inspect --raw` must return the blob REF names.
skopeo_raw() {
  skopeo --policy "$POLICY" inspect --raw "oci:$1:$2" >"$TMP/raw" ||
    die "skopeo inspect --raw oci:$1:$2 failed"
  cmp -s "$TMP/raw" "$(blob "$1" "$(refdigest "$1" "$2")")" ||
    die "skopeo inspect --raw oci:$1:$2 returned different bytes than the blob"
}

for l in single multi docker multiref artifact nested; do check_layout "$OUT/$l"; done

# 1. single
S=$OUT/single
ref "$S" v1 | expect "single:v1 not an OCI manifest" ".mediaType == \"$OCI_MANIFEST\""
doc "$S" v1 | expect "single:v1 must have 2 gzip layers" \
  '(.layers | length) == 2 and all(.layers[]; .mediaType == "application/vnd.oci.image.layer.v1.tar+gzip")'
expect "single:v1 config" \
  '.os == "linux" and .architecture == "amd64" and .created == "2024-01-01T00:00:00Z"
   and .config.Labels["org.example.name"] == "single"' \
  <"$(blob "$S" "$(doc "$S" v1 | jq -r .config.digest)")"
skopeo_raw "$S" v1
umoci stat --image "$S:v1" >/dev/null || die "umoci stat single:v1 failed"

# 2. multi
M=$OUT/multi
ref "$M" latest | expect "multi:latest not an OCI index" ".mediaType == \"$OCI_INDEX\""
doc "$M" latest | expect "multi:latest must list linux/amd64 + linux/arm64, distinct manifests" \
  "[.manifests[].platform | \"\(.os)/\(.architecture)\"] == [\"linux/amd64\", \"linux/arm64\"]
   and ([.manifests[].digest] | unique | length) == 2
   and all(.manifests[]; .mediaType == \"$OCI_MANIFEST\")"
skopeo_raw "$M" latest
for arch in amd64 arm64; do
  got=$(skopeo --policy "$POLICY" --override-os linux --override-arch "$arch" \
          inspect --config "oci:$M:latest" | jq -r .architecture)
  [[ $got == "$arch" ]] || die "multi:latest $arch resolves to a $got image"
done

# 3. docker (skopeo 1.9's oci: reader only accepts OCI media types in
# index.json, so it cannot read this ref back: check it with jq only).
D=$OUT/docker
ref "$D" v1 | expect "docker:v1 not a Docker v2s2 manifest" ".mediaType == \"$DOCKER_MANIFEST\""
doc "$D" v1 | expect "docker:v1 contents not Docker schema 2" \
  ".mediaType == \"$DOCKER_MANIFEST\"
   and .config.mediaType == \"application/vnd.docker.container.image.v1+json\"
   and (.layers | length) == 2
   and all(.layers[]; .mediaType == \"application/vnd.docker.image.rootfs.diff.tar.gzip\")"
[[ "$(doc "$D" v1 | jq -c '[.layers[].digest]')" == "$(doc "$S" v1 | jq -c '[.layers[].digest]')" ]] ||
  die "docker:v1 layers differ from single:v1 layers"

# 4. multiref
R=$OUT/multiref
for r in a b; do
  ref "$R" "$r" | expect "multiref:$r not an OCI manifest" ".mediaType == \"$OCI_MANIFEST\""
  skopeo_raw "$R" "$r"
  umoci stat --image "$R:$r" >/dev/null || die "umoci stat multiref:$r failed"
done
[[ $(refdigest "$R" a) != "$(refdigest "$R" b)" ]] || die "multiref a and b are the same image"
[[ $(jq '.manifests | length' "$R/index.json") == 2 ]] || die "multiref must hold exactly 2 refs"

# 5. artifact
A=$OUT/artifact
skopeo_raw "$A" v1
skopeo_raw "$A" sbom
umoci stat --image "$A:v1" >/dev/null || die "umoci stat artifact:v1 failed"
doc "$A" sbom | expect "artifact:sbom malformed" \
  ".mediaType == \"$OCI_MANIFEST\"
   and .config.mediaType == \"application/vnd.example.sbom.v1+json\"
   and .layers[0].mediaType == \"application/spdx+json\"
   and .subject.digest == \"$(refdigest "$A" v1)\""
expect "artifact SBOM layer is not SPDX JSON" '.spdxVersion == "SPDX-2.3"' \
  <"$(blob "$A" "$(doc "$A" sbom | jq -r '.layers[0].digest')")"

# 6. nested
N=$OUT/nested
ref "$N" nested | expect "nested:nested not an OCI index" ".mediaType == \"$OCI_INDEX\""
doc "$N" nested | expect "nested:nested child must be multi:latest's index" \
  "(.manifests | length) == 1 and .manifests[0].mediaType == \"$OCI_INDEX\"
   and .manifests[0].digest == \"$(refdigest "$M" latest)\""
skopeo_raw "$N" nested

echo "check_images.sh: all layouts OK"
printf '%-9s %-7s %-55s %s\n' LAYOUT REF MEDIATYPE DIGEST
for l in single multi docker multiref artifact nested; do
  jq -r --arg l "$l" '.manifests[] |
    [$l, .annotations["org.opencontainers.image.ref.name"], .mediaType, .digest] | @tsv' \
    "$OUT/$l/index.json"
done | while IFS=$'\t' read -r l r mt dg; do printf '%-9s %-7s %-55s %s\n' "$l" "$r" "$mt" "$dg"; done
