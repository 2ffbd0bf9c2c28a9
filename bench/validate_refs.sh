#!/usr/bin/env bash
# Writes N references (default 1,000,000), one per line, to FILE: a mix of
# official, namespaced, hosted and digest references, with every 100th one
# invalid. Usage: bench/validate_refs.sh FILE [N]
# Then time: bazel-bin/cmd/stowage/stowage validate -q - < FILE
set -euo pipefail
out="$1"
n="${2:-1000000}"
awk -v n="$n" 'BEGIN {
  hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  for (i = 0; i < n; i++) {
    k = i % 5;
    if (i % 100 == 99)      printf "Team%d/App:%d\n", i, i;
    else if (k == 0)        printf "ubuntu%d:22.04\n", i;
    else if (k == 1)        printf "myorg%d/service-%d_api:v1.%d.0\n", i % 97, i, i;
    else if (k == 2)        printf "registry.example.com:5000/team%d/app%d@sha256:%s\n", i % 89, i, hex;
    else if (k == 3)        printf "localhost/platform/api%d:rc-%d\n", i, i;
    else                    printf "docker.io/library/busybox%d:1.36\n", i;
  }
}' > "$out"
