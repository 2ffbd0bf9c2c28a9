#!/usr/bin/env python3
"""Writes the two small `docker save` fixtures of this folder, byte for byte
the same on every run (fixed mtimes, owners and gzip header; zstd -19 from
Debian 12's zstd 1.5.4).

  classic.tar   the layout of `docker save` before Docker 25: one folder per
                layer (<id>/layer.tar, <id>/json, <id>/VERSION), configs as
                <hex>.json, manifest.json and repositories. Two images:
                  @0  RepoTags ["busybox:latest", "example.com:5000/team/tool:1.0"],
                      layers [one, two]
                  @1  RepoTags null (named only in `repositories`, as
                      team/app:v2), layers [one, three]; its first layer
                      folder holds layer.tar as a symbolic link to
                      ../<@0's first layer>/layer.tar, as docker save links
                      a layer it has already written.
  docker25.tar  the layout of `docker save` from Docker 25 on: an OCI image
                layout (oci-layout, index.json, blobs/sha256/) whose
                manifest.json names blobs/sha256/<hex> paths. One image,
                RepoTags ["team/app:v1"], layers [one (plain tar),
                two (gzip), three (zstd)], as the containerd image store
                keeps layers compressed as they were pulled.

Run from anywhere: python3 testdata/docker-archive/make_fixtures.py
"""

import gzip
import hashlib
import io
import json
import os
import subprocess
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))


def tar_bytes(entries):
    """A tar (GNU format, no padding beyond the end blocks) of (name, data)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if data is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                t.addfile(info)
            elif isinstance(data, tuple):  # ("symlink", target)
                info.type = tarfile.SYMTYPE
                info.linkname = data[1]
                info.mode = 0o777
                t.addfile(info)
            else:
                info.mode = 0o644
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    # tarfile pads to a 10240-byte record; keep the two end blocks only, so
    # the fixtures stay tiny (tar readers need no more).
    body = raw.rstrip(b"\0")  # every member ends in a non-zero byte
    size = (len(body) + 511) // 512 * 512 + 1024
    return raw[:size]


def sha(data):
    return hashlib.sha256(data).hexdigest()


def jdump(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=False).encode()


LAYER_ONE = tar_bytes([("hello.txt", b"hello from layer one\n")])
LAYER_TWO = tar_bytes([("data/", None), ("data/two.txt", b"layer two\n")])
LAYER_THREE = tar_bytes([("three.txt", b"layer three\n")])


def config(name, diff_ids):
    return jdump({
        "architecture": "amd64",
        "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/usr/bin:/bin"],
                   "Labels": {"org.example.name": name}},
        "created": "2024-01-01T00:00:00Z",
        "history": [{"created": "2024-01-01T00:00:00Z",
                     "created_by": "make_fixtures.py layer %d" % i}
                    for i in range(len(diff_ids))],
        "os": "linux",
        "rootfs": {"type": "layers",
                   "diff_ids": ["sha256:" + d for d in diff_ids]},
    })


def v1_json(layer_id, parent):
    doc = {"id": layer_id, "created": "2024-01-01T00:00:00Z",
           "container_config": {"Cmd": None}, "os": "linux"}
    if parent:
        doc["parent"] = parent
    return jdump(doc)


def classic():
    one, two, three = sha(LAYER_ONE), sha(LAYER_TWO), sha(LAYER_THREE)
    cfg_a = config("busybox", [one, two])
    cfg_b = config("app", [one, three])
    # v1 layer ids: any unique hex will do for docker load; these follow
    # the chain of diff ids so they are stable.
    a1 = sha(b"a1 " + one.encode())
    a2 = sha(b"a2 " + two.encode())
    b1 = sha(b"b1 " + one.encode())
    b2 = sha(b"b2 " + three.encode())
    manifest = [
        {"Config": sha(cfg_a) + ".json",
         "RepoTags": ["busybox:latest", "example.com:5000/team/tool:1.0"],
         "Layers": [a1 + "/layer.tar", a2 + "/layer.tar"]},
        {"Config": sha(cfg_b) + ".json", "RepoTags": None,
         "Layers": [b1 + "/layer.tar", b2 + "/layer.tar"]},
    ]
    repositories = {"busybox": {"latest": a2},
                    "example.com:5000/team/tool": {"1.0": a2},
                    "team/app": {"v2": b2}}
    entries = [
        (sha(cfg_a) + ".json", cfg_a),
        (sha(cfg_b) + ".json", cfg_b),
    ]
    for layer_id, parent, data in [(a1, None, LAYER_ONE), (a2, a1, LAYER_TWO),
                                   (b1, None, ("symlink", "../%s/layer.tar" % a1)),
                                   (b2, b1, LAYER_THREE)]:
        entries += [(layer_id + "/", None),
                    (layer_id + "/VERSION", b"1.0"),
                    (layer_id + "/json", v1_json(layer_id, parent)),
                    (layer_id + "/layer.tar", data)]
    entries += [("manifest.json", jdump(manifest)),
                ("repositories", jdump(repositories))]
    return tar_bytes(entries)


def docker25():
    two_gz = gzip.compress(LAYER_TWO, compresslevel=9, mtime=0)
    three_zst = subprocess.run(["zstd", "-19", "-q", "-c", "--no-check"],
                               input=LAYER_THREE, capture_output=True,
                               check=True).stdout
    diff_ids = [sha(LAYER_ONE), sha(LAYER_TWO), sha(LAYER_THREE)]
    cfg = config("app", diff_ids)
    blobs = {sha(cfg): cfg, sha(LAYER_ONE): LAYER_ONE, sha(two_gz): two_gz,
             sha(three_zst): three_zst}
    layers = [("application/vnd.oci.image.layer.v1.tar", LAYER_ONE),
              ("application/vnd.oci.image.layer.v1.tar+gzip", two_gz),
              ("application/vnd.oci.image.layer.v1.tar+zstd", three_zst)]
    oci_manifest = jdump({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "sha256:" + sha(cfg), "size": len(cfg)},
        "layers": [{"mediaType": t, "digest": "sha256:" + sha(d),
                    "size": len(d)} for t, d in layers],
    })
    blobs[sha(oci_manifest)] = oci_manifest
    index = jdump({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:" + sha(oci_manifest),
            "size": len(oci_manifest),
            "annotations": {
                "io.containerd.image.name": "docker.io/team/app:v1",
                "org.opencontainers.image.ref.name": "v1"}}],
    })
    manifest = [{"Config": "blobs/sha256/" + sha(cfg),
                 "RepoTags": ["team/app:v1"],
                 "Layers": ["blobs/sha256/" + sha(d) for _, d in layers]}]
    entries = [("blobs/", None), ("blobs/sha256/", None)]
    entries += [("blobs/sha256/" + h, blobs[h]) for h in sorted(blobs)]
    entries += [("index.json", index),
                ("manifest.json", jdump(manifest)),
                ("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
                ("repositories",
                 jdump({"team/app": {"v1": sha(LAYER_THREE)}}))]
    return tar_bytes(entries)


def main():
    for name, data in [("classic.tar", classic()), ("docker25.tar", docker25())]:
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(data)
        print("%s %d bytes sha256:%s" % (name, len(data), sha(data)))


if __name__ == "__main__":
    main()
