#!/usr/bin/env bash
# make_images.sh OUTDIR -- build small, real OCI image layouts for stowage's
# end-to-end tests, offline, from scratch, reproducibly.
#
# Debian 12 packages needed (nothing else, no network):
#   apt-get install -y umoci skopeo buildah jq openssl coreutils
# (coreutils provides sha256sum/stat/head/touch; openssl generates the
#  deterministic pseudo-random layer data.)
#
# Must run as root (umoci repack records the files' owners; as non-root it would
# need --rootless and the layers would differ). See README.md for the layouts
# and ref names it produces. Does not touch the machine's container storage:
# buildah runs with the vfs driver and a private --root/--runroot in a temp dir.
# The only file written outside OUTDIR and the temp dir is containers/image's
# blob-info cache, /var/lib/containers/cache/blob-info-cache-v1.boltdb (as root
# its path cannot be changed from the skopeo/buildah command lines); harmless.
set -euo pipefail

die() { echo "make_images.sh: error: $*" >&2; exit 1; }
log() { echo "make_images.sh: $*" >&2; }

[[ $# -eq 1 ]] || die "usage: $0 OUTDIR"
for tool in umoci skopeo buildah jq openssl sha256sum; do
  command -v "$tool" >/dev/null 2>&1 ||
    die "'$tool' not found; install: apt-get install -y umoci skopeo buildah jq openssl"
done
[[ $(id -u) -eq 0 ]] || die "must run as root (umoci unpack/repack record file ownership)"

OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# Idempotent: layouts from an earlier run are replaced; anything else in the
# way is an error (never delete what this script did not make).
for d in single multi docker multiref artifact nested; do
  if [[ -e "$OUT/$d" ]]; then
    [[ -f "$OUT/$d/oci-layout" ]] || die "$OUT/$d exists and is not an OCI layout; refusing to replace it"
    rm -rf "${OUT:?}/$d"
  fi
done

export LC_ALL=C TZ=UTC
umask 022

# Fixed time used for every "created" field and every file mtime.
EPOCH=1704067200                 # 2024-01-01T00:00:00Z
CREATED=2024-01-01T00:00:00Z

WORK=$(mktemp -d "${TMPDIR:-/tmp}/stowage-images.XXXXXX")
cleanup() {
  # buildah's vfs storage may contain read-only dirs; make them removable.
  chmod -R u+rwX "$WORK" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# Private, permissive trust policy so skopeo/buildah never depend on
# /etc/containers/policy.json being present.
POLICY=$WORK/policy.json
printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$POLICY"
SKOPEO=(skopeo --policy "$POLICY")
BUILDAH=(buildah --storage-driver vfs --root "$WORK/buildah/root"
         --runroot "$WORK/buildah/runroot")
export REGISTRIES_CONFIG_PATH=$WORK/registries.conf  # no search registries
: >"$REGISTRIES_CONFIG_PATH"

# ---------------------------------------------------------------- rootfs data
# normalize DIR: fixed modes and mtimes for everything below DIR.
normalize() {
  find "$1" -type d -exec chmod 0755 {} +
  find "$1" -type f -exec chmod 0644 {} +
  find "$1" -exec touch -h -d "@$EPOCH" {} +
}

# make_rootfs DIR NAME ARCH: layer-1 content (text files, small dirs).
make_rootfs() {
  local dir=$1 name=$2 arch=$3
  mkdir -p "$dir/etc/stowage" "$dir/usr/share/doc/$name" "$dir/srv/empty"
  printf 'NAME=%s\nARCH=%s\n' "$name" "$arch" >"$dir/etc/os-release"
  printf 'hello from %s (%s)\n' "$name" "$arch" >"$dir/etc/stowage/hello.txt"
  printf 'key=value\nother=1\n' >"$dir/etc/stowage/config.ini"
  printf 'Test image %s for stowage end-to-end tests.\n' "$name" \
    >"$dir/usr/share/doc/$name/README"
  normalize "$dir"
}

# make_random FILE SEED: 1 MiB of deterministic pseudo-random bytes.
make_random() {
  local key
  key=$(printf '%s' "$2" | sha256sum | cut -c1-32)
  head -c 1048576 /dev/zero |
    openssl enc -aes-128-ctr -K "$key" -iv 00000000000000000000000000000000 \
      -nosalt >"$1"
  [[ $(stat -c %s "$1") -eq 1048576 ]] || die "random data generation failed"
}

# build_image LAYOUT TAG NAME ARCH: 2-layer image made with umoci.
build_image() {
  local layout=$1 tag=$2 name=$3 arch=$4
  local src=$WORK/src/$name-$arch
  mkdir -p "$src/rootfs" "$src/data"
  make_rootfs "$src/rootfs" "$name" "$arch"
  make_random "$src/data/random.bin" "$name-$arch"
  normalize "$src/data"

  [[ -d $layout ]] || umoci init --layout "$layout"
  umoci new --image "$layout:$tag"
  umoci config --image "$layout:$tag" \
    --os linux --architecture "$arch" --created "$CREATED" \
    --author "stowage tests" \
    --config.label "org.example.name=$name" \
    --config.label "org.example.arch=$arch" \
    --config.env "PATH=/usr/bin:/bin" \
    --config.cmd /bin/sh \
    --config.workingdir / \
    --history.created "$CREATED" --history.created_by "umoci config ($name)"
  # Layers are made with unpack + repack, NOT `umoci insert`: umoci 0.4.7
  # (Debian 12) insert forgets to close the tar writer, so its layers lack the
  # 1 KiB end-of-archive footer and GNU tar rejects them (umoci#436, #534).
  local bundle=$src/bundle
  umoci unpack --image "$layout:$tag" "$bundle"
  cp -a "$src/rootfs/." "$bundle/rootfs/"
  touch -h -d "@$EPOCH" "$bundle/rootfs"
  umoci repack --image "$layout:$tag" --refresh-bundle \
    --history.created "$CREATED" --history.created_by "rootfs: text files" \
    "$bundle"
  cp -a "$src/data" "$bundle/rootfs/data"
  touch -h -d "@$EPOCH" "$bundle/rootfs"
  umoci repack --image "$layout:$tag" \
    --history.created "$CREATED" --history.created_by "data: 1 MiB random" \
    "$bundle"
  # repack leaves config.created alone, but re-assert it for safety.
  umoci config --image "$layout:$tag" --created "$CREATED" --no-history
  umoci gc --layout "$layout"
}

# blob_put LAYOUT FILE: store FILE as a blob, print its digest.
blob_put() {
  local layout=$1 file=$2 hex
  hex=$(sha256sum "$file" | cut -d' ' -f1)
  mkdir -p "$layout/blobs/sha256"
  cp "$file" "$layout/blobs/sha256/$hex"
  echo "sha256:$hex"
}

# index_add LAYOUT DESCRIPTOR_JSON: append a descriptor to index.json.
index_add() {
  local layout=$1 desc=$2
  jq -c --argjson d "$desc" '.manifests += [$d]' "$layout/index.json" \
    >"$layout/index.json.new"
  mv "$layout/index.json.new" "$layout/index.json"
}

# ref_desc LAYOUT REF: the index.json descriptor for REF.
ref_desc() {
  jq -ce --arg r "$2" \
    '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $r)' \
    "$1/index.json" || die "ref '$2' not found in $1/index.json"
}

# ------------------------------------------------------------- 1. single
log "building single (umoci, linux/amd64, ref v1)"
build_image "$OUT/single" v1 single amd64

# ------------------------------------------------------------- 2. multi
log "building multi (umoci x2 + buildah manifest, ref latest)"
PLAT=$WORK/plat
build_image "$PLAT" amd64 multi amd64
build_image "$PLAT" arm64 multi arm64
LIST=stowage-test-multi-list
"${BUILDAH[@]}" manifest create "$LIST" >/dev/null
"${BUILDAH[@]}" manifest add "$LIST" "oci:$PLAT:amd64" >/dev/null
"${BUILDAH[@]}" manifest add "$LIST" "oci:$PLAT:arm64" >/dev/null
"${BUILDAH[@]}" manifest push --quiet --all --format oci \
  --signature-policy "$POLICY" "$LIST" "oci:$OUT/multi:latest"
"${BUILDAH[@]}" manifest rm "$LIST" >/dev/null

# ------------------------------------------------------------- 3. docker
log "building docker (skopeo --format v2s2, ref v1)"
"${SKOPEO[@]}" copy --quiet --format v2s2 \
  "oci:$OUT/single:v1" "oci:$OUT/docker:v1"

# ------------------------------------------------------------- 4. multiref
log "building multiref (skopeo, refs a and b)"
build_image "$WORK/mr" a multiref-a amd64
build_image "$WORK/mr" b multiref-b amd64
for r in a b; do
  "${SKOPEO[@]}" copy --quiet --preserve-digests \
    "oci:$WORK/mr:$r" "oci:$OUT/multiref:$r"
done

# ------------------------------------------------------------- 5. artifact
log "building artifact (image ref v1 + SBOM artifact ref sbom)"
ART=$OUT/artifact
"${SKOPEO[@]}" copy --quiet --preserve-digests \
  "oci:$OUT/single:v1" "oci:$ART:v1"
subject=$(ref_desc "$ART" v1 | jq -c '{mediaType, digest, size}')
subject_digest=$(jq -r .digest <<<"$subject")

printf '{}' >"$WORK/sbom-config.json"
jq -cj -n --arg s "$subject_digest" '{
  spdxVersion: "SPDX-2.3", dataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
  name: "stowage-test-sbom", documentNamespace: ("https://example.invalid/sbom/" + $s),
  creationInfo: {created: "2024-01-01T00:00:00Z", creators: ["Tool: make_images.sh"]},
  packages: [{SPDXID: "SPDXRef-Package-single", name: "single", versionInfo: "v1",
              downloadLocation: "NOASSERTION"}]
}' >"$WORK/sbom.spdx.json"

cfg_digest=$(blob_put "$ART" "$WORK/sbom-config.json")
sbom_digest=$(blob_put "$ART" "$WORK/sbom.spdx.json")
jq -cj -n \
  --arg cd "$cfg_digest" --argjson cs "$(stat -c %s "$WORK/sbom-config.json")" \
  --arg ld "$sbom_digest" --argjson ls "$(stat -c %s "$WORK/sbom.spdx.json")" \
  --argjson subject "$subject" '{
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: {mediaType: "application/vnd.example.sbom.v1+json", digest: $cd, size: $cs},
  layers: [{mediaType: "application/spdx+json", digest: $ld, size: $ls,
            annotations: {"org.opencontainers.image.title": "sbom.spdx.json"}}],
  subject: $subject,
  annotations: {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"}
}' >"$WORK/sbom-manifest.json"
man_digest=$(blob_put "$ART" "$WORK/sbom-manifest.json")
index_add "$ART" "$(jq -cn --arg d "$man_digest" \
  --argjson s "$(stat -c %s "$WORK/sbom-manifest.json")" '{
  mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
  artifactType: "application/vnd.example.sbom.v1+json",
  annotations: {"org.opencontainers.image.ref.name": "sbom"}}')"

# ------------------------------------------------------------- 6. nested
log "building nested (index -> index -> 2 manifests, ref nested)"
NEST=$OUT/nested
mkdir -p "$NEST"
cp -r "$OUT/multi/blobs" "$NEST/blobs"
cp "$OUT/multi/oci-layout" "$NEST/oci-layout"
inner=$(ref_desc "$OUT/multi" latest | jq -c '{mediaType, digest, size}')
[[ $(jq -r .mediaType <<<"$inner") == application/vnd.oci.image.index.v1+json ]] ||
  die "multi:latest is not an OCI image index: $inner"
jq -cj -n --argjson inner "$inner" '{
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.index.v1+json",
  manifests: [$inner],
  annotations: {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"}
}' >"$WORK/nested-index.json"
outer_digest=$(blob_put "$NEST" "$WORK/nested-index.json")
printf '{"schemaVersion":2,"manifests":[]}' >"$NEST/index.json"
index_add "$NEST" "$(jq -cn --arg d "$outer_digest" \
  --argjson s "$(stat -c %s "$WORK/nested-index.json")" '{
  mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
  annotations: {"org.opencontainers.image.ref.name": "nested"}}')"

# umoci writes blobs and index.json with mode 0600; make everything readable
# so non-root test code can use the layouts (contents/digests are unaffected).
chmod -R a+rX "$OUT"
log "done: $OUT/{single,multi,docker,multiref,artifact,nested}"
