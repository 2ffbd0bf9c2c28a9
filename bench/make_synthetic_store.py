#!/usr/bin/env python3
"""make_synthetic_store.py: write a large synthetic stowage store, fast.

Writes STORE directly as an OCI image layout (no `stowage import`, which
would verify every blob and rewrite index.json once per image) so that
publish can be benchmarked on tens of thousands of tags:

  * LAYERS shared layer blobs (default 200) of 1-8 KiB of seeded random bytes
    (media type application/vnd.oci.image.layer.v1.tar+gzip; the bytes are
    not really gzip: nothing in publish looks inside a layer);
  * REPOS repositories (default 10,000) named org<N>/app<M> (100 per org),
    or, with --repo-names FILE, the names that FILE lists one a line (then
    REPOS is their number; bench/make_synthetic_catalog.py writes such a
    file);
  * TAGS tags (default 50,000) spread over them: every repository has at
    least one, the rest land on repositories picked at random (so a few
    repositories have many tags), named v1, v2, ...;
  * each tag is its own image: a distinct OCI image manifest
    (application/vnd.oci.image.manifest.v1+json, with the mediaType field)
    with its own small config blob (a label carries the tag, so every digest
    differs) and 1-3 of the shared layers.

Blobs are named by their sha256 and every descriptor carries the true size;
index.json lists one entry per tag (annotation
org.opencontainers.image.ref.name = "<repository>:<tag>") sorted by that name,
as stowage itself writes it; oci-layout is {"imageLayoutVersion":"1.0.0"};
STORE/stowage/tmp exists; files are mode 0644 and folders 0755. The output is
a function of the arguments and --seed only.

Run:  bench/make_synthetic_store.py STORE [--repos N | --repo-names FILE]
                                          [--tags N] [--layers N]
                                          [--seed N] [--force]
STORE must not exist (or be removed first with --force). Python 3 stdlib only.
At the defaults: about 100,200 blobs, 0.9 MB of layers plus ~100k small
JSON files (about 80 MB apparent size), written in roughly 10-20 s.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import sys

MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
REF_ANNOTATION = "org.opencontainers.image.ref.name"


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=False).encode()


class BlobWriter:
    def __init__(self, store):
        self.dir = os.path.join(store, "blobs", "sha256")
        os.makedirs(self.dir, mode=0o755)
        self.count = 0
        self.bytes = 0

    def put(self, data):
        """Writes `data` as a blob; returns (digest, size)."""
        hexd = hashlib.sha256(data).hexdigest()
        path = os.path.join(self.dir, hexd)
        if not os.path.exists(path):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
            os.chmod(path, 0o644)  # whatever the umask
            self.count += 1
            self.bytes += len(data)
        return "sha256:" + hexd, len(data)


def write_file(path, data):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o644)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("store")
    ap.add_argument("--repos", type=int, default=None,
                    help="number of repositories org<N>/app<M> (default 10000)")
    ap.add_argument("--repo-names", metavar="FILE",
                    help="the repository names, one a line (instead of --repos)")
    ap.add_argument("--tags", type=int, default=50000)
    ap.add_argument("--layers", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true",
                    help="remove STORE first if it exists")
    args = ap.parse_args(argv)
    names = None
    if args.repo_names is not None:
        if args.repos is not None:
            ap.error("give --repos or --repo-names, not both")
        with open(args.repo_names) as f:
            names = [line.strip() for line in f if line.strip()]
        if len(set(names)) != len(names):
            ap.error(f"{args.repo_names}: a repository is named twice")
        args.repos = len(names)
    elif args.repos is None:
        args.repos = 10000
    if args.repos < 1 or args.tags < args.repos or args.layers < 3:
        ap.error("need repos >= 1, tags >= repos, layers >= 3")

    store = args.store
    if os.path.lexists(store):
        if not args.force:
            ap.error(f"{store} exists (use --force to replace it)")
        shutil.rmtree(store)
    old_umask = os.umask(0o022)
    os.makedirs(store, mode=0o755)
    os.makedirs(os.path.join(store, "stowage", "tmp"), mode=0o755)
    write_file(os.path.join(store, "oci-layout"),
               b'{"imageLayoutVersion":"1.0.0"}')

    rng = random.Random(args.seed)
    blobs = BlobWriter(store)

    # Shared layers.
    layers = []
    for i in range(args.layers):
        data = rng.randbytes(rng.randint(1024, 8 * 1024))
        digest, size = blobs.put(data)
        layers.append({"mediaType": LAYER_TYPE, "digest": digest, "size": size,
                       "diff_id": "sha256:" + hashlib.sha256(
                           b"diff" + data).hexdigest()})

    # Tags per repository: one each, the rest at random.
    counts = [1] * args.repos
    for _ in range(args.tags - args.repos):
        counts[rng.randrange(args.repos)] += 1

    entries = []
    for r in range(args.repos):
        repo = names[r] if names is not None else f"org{r // 100}/app{r}"
        for t in range(1, counts[r] + 1):
            tag = f"v{t}"
            ref = f"{repo}:{tag}"
            chosen = rng.sample(layers, rng.randint(1, 3))
            config = {
                "created": "2024-01-01T00:00:00Z",
                "architecture": "amd64",
                "os": "linux",
                "config": {
                    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                    "Cmd": ["/app"],
                    "Labels": {"bench.ref": ref,
                               "bench.build": str(rng.getrandbits(64))},
                },
                "rootfs": {"type": "layers",
                           "diff_ids": [l["diff_id"] for l in chosen]},
            }
            cdigest, csize = blobs.put(compact(config))
            manifest = {
                "schemaVersion": 2,
                "mediaType": MANIFEST_TYPE,
                "config": {"mediaType": CONFIG_TYPE, "digest": cdigest,
                           "size": csize},
                "layers": [{"mediaType": l["mediaType"], "digest": l["digest"],
                            "size": l["size"]} for l in chosen],
            }
            mdigest, msize = blobs.put(compact(manifest))
            entries.append({"mediaType": MANIFEST_TYPE, "digest": mdigest,
                            "size": msize,
                            "annotations": {REF_ANNOTATION: ref}})

    entries.sort(key=lambda e: e["annotations"][REF_ANNOTATION])
    index = {"schemaVersion": 2, "mediaType": INDEX_TYPE, "manifests": entries}
    write_file(os.path.join(store, "index.json"), compact(index))
    os.umask(old_umask)
    print(f"{store}: {args.repos} repositories, {len(entries)} tags, "
          f"{blobs.count} blobs ({blobs.bytes} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
