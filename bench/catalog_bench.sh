#!/usr/bin/env bash
# catalog_bench.sh: the HTML catalog of `stowage publish` at 10,000 and
# 100,000 repositories: what it costs to generate, how many bytes and files it
# is, and how many bytes a browser downloads for a search.
#
# For each scale N (--repos-list, default "10000 100000") it makes in
# WORKDIR/N/ (cat/ every time, a few seconds; store/ only when its names,
# tag count or generator changed):
#   cat/      bench/make_synthetic_catalog.py --repos N: realistic names
#             (namespaces of very different sizes, names of 1-3 words of a
#             230-word vocabulary such as python, node, api, web, db, tools,
#             plus numbers, so words repeat across thousands of repositories;
#             min(N/100, 150) official library/ images), catalog.json (short
#             descriptions of vocabulary words <= 100 characters, skewed stars,
#             automated badges, READMEs for the official images and 0.5% of the
#             rest, titles of the 20 largest namespaces) and queries.tsv
#   store/    bench/make_synthetic_store.py --repo-names cat/names.txt
#             --tags N*TAGS_PER_REPO (default 3: every repository one tag,
#             the rest at random), then `stowage repo apply cat/catalog.json`
#             (run, and timed once, on every run of this script: it also
#             restores metadata an interrupted run left changed)
#
# What it measures (whole-process wall time from $EPOCHREALTIME around
# /usr/bin/time, peak RSS from its %M, CPU time from its %U + %S; medians
# over the counted runs; page cache warm: the store was just written or
# read). --only matches the names "N-full", "N-same", "N-bytes",
# "N-queries", "N-stars":
#   N-full     RUNS pairs (default 3; RUNS_LARGE, default 1, from
#              LARGE_FROM = 50,000 repositories) of full publishes into a
#              fresh OUTDIR (the old one removed and `sync`ed, untimed):
#              `stowage publish --no-catalog` (row nocat-full) and
#              `stowage publish` (row cat-full), in alternating order; the
#              catalog's cost is cat - nocat, the median of the pairwise
#              differences (row catalog-cost)
#   N-same     re-publish with the catalog, nothing changed; RUNS runs
#   N-bytes    the catalog in OUTDIR/www: files and bytes (apparent sizes,
#              and allocated blocks) of index.html, search.html, r/ (one page
#              per repository), u/ (one per namespace), _catalog/ assets and,
#              separately, the search index _catalog/search/; the largest file
#              of each
#   N-queries  for each query of cat/queries.tsv (1 and 2 characters, common
#              words, a long word, rare words, a number, full repository
#              names, a word with no match, two-word queries), the exact bytes
#              a browser downloads, found as site-templates/search.js finds
#              them: its words are the lowercase runs of [a-z0-9]; the longest
#              (the first on a tie) is looked up by fetching
#              _catalog/search/n/<c>.json for its first character c, then,
#              while the node has "split" and its prefix is shorter than the
#              word, the node one character longer; a query of two or more
#              words is also looked up by its words joined ("acme/api-app":
#              "acmeapiapp"; the index holds every name's words joined, whole
#              and from its last component) the same way, and a node both
#              walks need is fetched once (search.js caches nodes). The sum of
#              the sizes of the nodes of both walks, and how many (a missing
#              node is a 404: 0 bytes counted). "typed": the same for typing
#              the query one character at a time (search.js searches on every
#              keystroke: the union of the nodes of every prefix of the
#              query). Also the worst query possible: the heaviest two
#              root-to-node paths of the whole index together (a shared
#              prefix once), and the largest node. The results, as search.js
#              makes them: the longest word's node's repositories (a leaf's
#              of the words starting with it, a split node's "top") that hold
#              the other words in name or description, then, when the joined
#              walk ends on a leaf, its repositories of the words starting
#              with the words joined that hold every word, each repository
#              once ("answer": how each walk ended, "+j" the joined one).
#              Each query is also run through `stowage search --site OUTDIR
#              --limit 100 --format json` (timed; its first results must
#              equal the emulation's, ranked as search.js ranks: exact name,
#              official, stars, name); for a full repository name, where that
#              repository comes in the results ("NOT FOUND" when it is not
#              among them). Target: < 200 KB per query at 100,000
#              repositories
#   N-stars    one repository's metadata changes, then an incremental publish:
#              `stowage repo set REPO --stars S` (timed as setcmd; REPO is a
#              repository of the largest namespace, S alternates between a
#              star count above every other one, which changes the home
#              page's "most starred" and the search index's "top" lists, and
#              its own count), then `stowage publish` (row stars), INC_RUNS
#              times (default 5) after an untimed publish. Every run lists the
#              files publish replaced (an inode or mtime that changed, found
#              with find before and after, untimed), grouped as home,
#              search.html, r/REPO, u/NAMESPACE, other r/ and u/ pages,
#              search index nodes, v2/ and other files: expected, the
#              repository's page, its namespace's page, the home page (when
#              the home's lists change) and some search index nodes. Should
#              `repo set` fail (before commit 90e59d0 it refused the 69 MB
#              index.json of 300,000 tags), the failure is printed and
#              recorded and the same change is made by `stowage repo apply`
#              of catalog.json with that value changed (timed as
#              setcmd-apply)
#
# Results: a table on stdout and WORKDIR/results.tsv, one row per figure:
#   repos  measurement  value  unit  n  min  max  rss_mib  cpu_s
# times: value the median wall time (s), n the runs, cpu_s the median of
# user + system CPU time (steadier than wall time on a shared machine);
# bytes: value the total, n the files, max the largest file; queries
# ("query <kind>: <text>" and "typed ..."): value the bytes downloaded, n
# the nodes fetched, max the largest of them; "found full name: ...": value
# the rank of that repository in the results, 0 when absent. Per-run publish
# summaries ("W written, L linked, R removed, U unchanged") go to
# WORKDIR/counts.txt, the replaced files of each N-stars run to
# WORKDIR/N/stars-changed-<run>.txt.
#
# Needs: python3, /usr/bin/time (apt-get install -y time), coreutils,
# findutils, timeout. The stowage binary: $STOWAGE, else
# bazel-bin/cmd/stowage/stowage; it is copied to WORKDIR/stowage first, so a
# rebuild during the run changes nothing.
#
# Run:  bench/catalog_bench.sh [--repos-list "10000 100000"] [--runs N]
#                              [--runs-large N] [--large-from N] [--inc-runs N]
#                              [--tags-per-repo N] [--only REGEX]
#                              [--workdir DIR] [--timeout SECONDS] [--rebuild]
#   --only REGEX   run only the measurements whose name matches, e.g.
#                  '^10000-' or 'queries' (the data is built or reused anyway)
#   --timeout S    a timed command (publish, repo set, ...) running longer
#                  than S seconds (default 900) is stopped (SIGINT) and the
#                  script ends, naming it
#   --rebuild      regenerate the synthetic stores even if reusable
#   env: STOWAGE, CATALOG_BENCH_DIR (work dir, default
#        /var/tmp/stowage-catalog-bench)
# Disk: at 100,000 repositories (300,000 tags) the store is about 600,000
# small blobs and each published tree about 1.4 million names (hard links);
# 10,000 is a tenth of that. The work dir is left in place (the stores, the
# catalog's OUTDIR N/out-cat, N/out-nocat, results.tsv); rm -rf it.
# Time (2 cores): 10,000 about 4 minutes with the defaults; 100,000 about
# 15 minutes with one run, each more run another 5-8 (a full publish with
# the catalog takes 3-6 minutes there, one without 1.5).
# Profiling (by hand, on the work dir this leaves):
#   perf record -F 250 -g WORKDIR/stowage publish -q --store WORKDIR/N/store OUT
#   perf report --children --sort sym --stdio -g none
set -euo pipefail

repos_list="10000 100000"
tags_per_repo=3
runs=3
runs_large=1
large_from=50000
inc_runs=5
only='.'
timeout_s=900
rebuild=0
seed=1
workdir="${CATALOG_BENCH_DIR:-/var/tmp/stowage-catalog-bench}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --repos-list) repos_list="$2"; shift 2 ;;
    --tags-per-repo) tags_per_repo="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --runs-large) runs_large="$2"; shift 2 ;;
    --large-from) large_from="$2"; shift 2 ;;
    --inc-runs) inc_runs="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --workdir) workdir="$2"; shift 2 ;;
    --timeout) timeout_s="$2"; shift 2 ;;
    --rebuild) rebuild=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done

STOWAGE="${STOWAGE:-$here/../bazel-bin/cmd/stowage/stowage}"
for tool in "$STOWAGE" python3 /usr/bin/time timeout find sort awk sync; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
mkdir -p "$workdir"
workdir="$(cd "$workdir" && pwd)"
cp -f "$(command -v "$STOWAGE")" "$workdir/stowage.new"
mv -f "$workdir/stowage.new" "$workdir/stowage"
bin="$workdir/stowage"
results="$workdir/results.tsv"
counts="$workdir/counts.txt"
: > "$results"; : > "$counts"
tf="$workdir/time.out"; of="$workdir/out.txt"; ef="$workdir/err.txt"

# ---------------------------------------------------------------- timing
walls=(); cpus=(); rss=0; last_line=''
# timed CMD...: one timed run; appends to walls/cpus/rss, keeps publish's
# line.
timed() {
  local t0 t1 e m u k rc=0
  t0="$EPOCHREALTIME"
  /usr/bin/time -f '%e %M %U %S' -o "$tf" timeout --signal=INT "$timeout_s" "$@" > "$of" 2> "$ef" || rc=$?
  t1="$EPOCHREALTIME"
  if [ "$rc" -ne 0 ]; then
    [ "$rc" -eq 124 ] && echo "TIMEOUT after $timeout_s s: $*" >&2
    echo "FAILED (exit $rc): $*" >&2; tail -n 5 "$ef" "$of" >&2; tail -n 3 "$tf" >&2; exit 1
  fi
  read -r e m u k < <(tail -n 1 "$tf")
  walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b-a}')")
  cpus+=("$(awk -v a="$u" -v b="$k" 'BEGIN{printf "%.2f", a+b}')")
  [ "$m" -gt "$rss" ] && rss="$m"
  last_line="$(grep -h -o '[0-9]* written, [0-9]* linked, [0-9]* removed, [0-9]* unchanged\|nothing changed' "$of" "$ef" || true)"
  return 0
}
begin() { walls=(); cpus=(); rss=0; }
# row REPOS NAME VALUE UNIT N MIN MAX RSS [CPU]: one line of results.tsv.
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "${9:--}" >> "$results"; }
# median VALUES...: the median, "-" for none.
median() {
  [ $# -gt 0 ] || { echo -; return; }
  printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {
      printf "%.3f", (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'
}
# report REPOS NAME: median/min/max of walls, peak RSS, median CPU time.
report() {
  local n_repos="$1" name="$2" med mn mx n mib cpu
  med="$(median "${walls[@]}")"
  mn="$(printf '%s\n' "${walls[@]}" | sort -g | awk 'NR == 1 {printf "%.3f", $1}')"
  mx="$(printf '%s\n' "${walls[@]}" | sort -g | awk '{v = $1} END {printf "%.3f", v}')"
  n="${#walls[@]}"
  cpu="$(median "${cpus[@]}")"
  mib="$(awk -v k="$rss" 'BEGIN{if (k > 0) printf "%.1f", k/1024; else print "-"}')"
  row "$n_repos" "$name" "$med" s "$n" "$mn" "$mx" "$mib" "$cpu"
  printf '  %-14s median %8.3f s  (min %.3f, max %.3f, n=%d)  cpu %8s s  peak rss %7s MiB\n' \
    "$name" "$med" "$mn" "$mx" "$n" "$cpu" "$mib" >&2
}
want() { [[ "$1" =~ $only ]]; }
want_any() { local m; for m in full same bytes queries stars; do want "$1-$m" && return 0; done; return 1; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}'; }
fresh_out() { rm -rf "$1"; sync; }

echo "stowage: $bin (copy of $(command -v "$STOWAGE"), $("$bin" --version 2>&1 | head -n 1)); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); work dir $workdir" >&2

# ---------------------------------------------------------------- data
# prepare N DIR: the catalog files (made again every time: a few seconds)
# and the store for N repositories in DIR, reused when its names and
# parameters are the same; then the catalog applied.
prepare() {
  local n="$1" dir="$2" stamp t0
  mkdir -p "$dir"
  python3 "$here/make_synthetic_catalog.py" "$dir/cat" --repos "$n" --seed "$seed" --force
  stamp="tags=$(( n * tags_per_repo )) seed=$seed $(cat "$here/make_synthetic_store.py" "$dir/cat/names.txt" | cksum)"
  if [ "$rebuild" = 1 ] || [ "$(cat "$dir/stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$dir/store/index.json" ]; then
    echo "building the $n-repository store in $dir" >&2
    rm -rf "$dir/store" "$dir/out-cat" "$dir/out-nocat" "$dir/stamp"
    t0="$EPOCHREALTIME"
    python3 "$here/make_synthetic_store.py" "$dir/store" --repo-names "$dir/cat/names.txt" \
      --tags "$(( n * tags_per_repo ))" --seed "$seed"
    echo "$stamp" > "$dir/stamp"
    echo "  generated in $(since "$t0") s" >&2
  else
    echo "reusing the $n-repository store in $dir" >&2
  fi
  begin; timed "$bin" repo apply --store "$dir/store" "$dir/cat/catalog.json"
  echo "  repo apply: $(cat "$of")" >&2
  report "$n" apply
}

# ---------------------------------------------------------------- bytes
catalog_bytes() {
  local n="$1" www="$2"
  python3 - "$www" "$n" "$results" <<'EOF'
import os, sys
www, n, results = sys.argv[1], sys.argv[2], sys.argv[3]
groups = [("home index.html", ["index.html"]), ("search.html", ["search.html"]),
          ("r/ repository pages", ["r"]), ("u/ namespace pages", ["u"]),
          ("_catalog/ assets", ["_catalog/stowage.css", "_catalog/search.js"]),
          ("_catalog/search/ index", ["_catalog/search"])]
def files(rel):
    p = os.path.join(www, rel)
    if os.path.isfile(p):
        st = os.stat(p); yield rel, st.st_size, st.st_blocks * 512; return
    for root, _, names in os.walk(p):
        for name in names:
            st = os.stat(os.path.join(root, name))
            yield os.path.relpath(os.path.join(root, name), www), st.st_size, st.st_blocks * 512
rows, tot = [], [0, 0, 0, "", 0]
for label, rels in groups:
    count = size = alloc = big = 0; bigname = ""
    for rel in rels:
        for path, s, a in files(rel):
            count += 1; size += s; alloc += a
            if s > big: big, bigname = s, path
    rows.append((label, count, size, alloc, big, bigname))
    tot[0] += count; tot[1] += size; tot[2] += alloc
    if big > tot[4]: tot[3], tot[4] = bigname, big
rows.append(("catalog total", tot[0], tot[1], tot[2], tot[4], tot[3]))
with open(results, "a") as out:
    for label, count, size, alloc, big, bigname in rows:
        out.write(f"{n}\tbytes {label}\t{size}\tB\t{count}\t-\t{big}\t-\t-\n")
        out.write(f"{n}\tallocated {label}\t{alloc}\tB\t{count}\t-\t-\t-\t-\n")
        print(f"  {label:24s} {count:8d} files {size:13,d} B ({alloc:13,d} B allocated)"
              f"  largest {big:10,d} B {bigname}", file=sys.stderr)
EOF
}

# ---------------------------------------------------------------- queries
queries() {
  local n="$1" out="$2" qfile="$3"
  python3 - "$out/www" "$n" "$results" "$qfile" "$bin" "$out" <<'EOF'
import json, os, re, subprocess, sys, time, zlib
www, n, results, qfile, binary, outdir = sys.argv[1:7]
base = os.path.join(www, "_catalog", "search", "n")
sizes, nodes = {}, {}
for name in os.listdir(base):
    sizes[name[:-5]] = os.path.getsize(os.path.join(base, name))

def node(prefix):
    if prefix not in nodes:
        path = os.path.join(base, prefix + ".json")
        nodes[prefix] = json.load(open(path)) if os.path.exists(path) else None
    return nodes[prefix]

def words(text):
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]

def lookup(word):
    """search.js's lookup(): the nodes fetched, the node that answers."""
    prefix, path = word[0], []
    while True:
        path.append(prefix)
        nd = node(prefix)
        if nd and nd.get("split") and len(prefix) < len(word):
            prefix = word[:len(prefix) + 1]
            continue
        return path, nd

def longest(ws):
    best = ws[0]
    for w in ws[1:]:
        if len(w) > len(best): best = w
    return best

def candidates(nd, word):
    """search.js's candidates(): a leaf's repositories of the words that
    start with `word`, a split node's "top"."""
    if nd is None: return []
    if "words" not in nd: return nd["top"]
    seen, out = set(), []
    for t, idx in nd["words"].items():
        if not t.startswith(word): continue
        for i in idx:
            if i not in seen: seen.add(i); out.append(nd["repos"][i])
    return out

def search(query):
    """search.js's search(): the nodes fetched (both walks, each node once,
    as its cache fetches them), how the walks ended, the ranked results."""
    q = query.strip()
    ws = words(q)
    if not ws: return [], None, []
    lw = longest(ws); others = [w for w in ws if w != lw]
    path, nd = lookup(lw)
    seen, cands = set(), []
    def add(nd, word, must):
        for r in candidates(nd, word):
            text = (r[0] + " " + r[1]).lower()
            if r[0] in seen or not all(w in text for w in must): continue
            seen.add(r[0]); cands.append(r)
    add(nd, lw, others)
    kind = "404" if nd is None else ("split top" if "words" not in nd else "leaf")
    if len(ws) > 1:
        # The words joined, looked up too; used only when it ends on a leaf.
        joined = "".join(ws)
        jpath, jnd = lookup(joined)
        path = path + [p for p in jpath if p not in path]
        if jnd is not None and not jnd.get("split"): add(jnd, joined, ws)
        kind += " +j " + ("404" if jnd is None else "split" if jnd.get("split") else "leaf")
    ql = q.lower()
    def exact(r): return r[0] == ql or r[0].split("/")[-1] == ql or r[0] == "library/" + ql
    cands.sort(key=lambda r: (not exact(r), not (r[3] & 1), -r[2], r[0].encode()))
    return path, kind, cands

def cost(prefixes):
    ps = [p for p in prefixes if p in sizes]
    return sum(sizes[p] for p in ps), len(prefixes), max([sizes[p] for p in ps] or [0])

def gz(prefixes):
    return sum(len(zlib.compress(open(os.path.join(base, p + ".json"), "rb").read(), 6))
               for p in prefixes if p in sizes)

rows = []
print(f"  {'query':42s} {'bytes':>9s} {'nodes':>5s} {'gzip':>8s} {'typed B':>9s} {'answer':18s} {'matches':>7s} {'search s':>8s}  check",
      file=sys.stderr)
worst_query = (0, "")
mismatches = 0
for line in open(qfile):
    kind, q = line.rstrip("\n").split("\t")
    path, answer, cands = search(q)
    b, k, big = cost(path)
    typed = set()
    for i in range(1, len(q) + 1):
        p, _, _ = search(q[:i]); typed.update(p)
    tb, tk, tbig = cost(sorted(typed))
    t0 = time.monotonic()
    r = subprocess.run([binary, "search", "--site", outdir, "--limit", "100", "--format", "json",
                        "--no-trunc", q], capture_output=True, text=True)
    secs = time.monotonic() - t0
    got = [json.loads(l)["Name"] for l in r.stdout.splitlines() if l.strip()]
    want = [c[0] for c in cands[:100]]
    check = "ok" if r.returncode == 0 and got == want else \
        f"DIFFERS (exit {r.returncode}; stowage {got[:3]}... vs emulation {want[:3]}...)"
    label = f"{kind}: {q}"
    mismatches += check != "ok"
    if kind.startswith("full name"):
        rank = next((i + 1 for i, c in enumerate(cands) if c[0] == q), 0)
        check += f"; the repository itself: {f'result {rank}' if rank else 'NOT FOUND'}"
        rows.append(f"{n}\tfound {label}\t{rank}\trank\t-\t-\t-\t-\t-")
    print(f"  {label:42s} {b:9,d} {k:5d} {gz(path):8,d} {tb:9,d} {answer:18s} {len(cands):7d} {secs:8.3f}  {check}",
          file=sys.stderr)
    rows.append(f"{n}\tquery {label}\t{b}\tB\t{k}\t-\t{big}\t-\t-")
    rows.append(f"{n}\ttyped {label}\t{tb}\tB\t{tk}\t-\t{tbig}\t-\t-")
    rows.append(f"{n}\tsearch --site {label}\t{secs:.3f}\ts\t1\t-\t-\t-\t-")
    worst_query = max(worst_query, (b, label), (tb, "typed " + label))

# The worst query possible: its two walks (longest word, words joined) end
# at the two nodes whose root-to-node paths weigh most together (a shared
# prefix counted once; the same node twice is one path). Every node is
# reached through its prefixes, and two paths share the path of their ends'
# common prefix: the heaviest pair is, under some node (or under none: two
# roots, sharing nothing), the two heaviest paths through two different
# children of it, that node's own path counted once.
pw = {p: sum(sizes.get(p[:i], 0) for i in range(1, len(p) + 1)) for p in sizes}
best = {p: (pw[p], p) for p in sizes}   # the heaviest path ending under p
for p in sorted(sizes, key=lambda p: (-len(p), p)):
    if len(p) > 1 and p[:-1] in best: best[p[:-1]] = max(best[p[:-1]], best[p])
under = {}
for p in sizes:
    if len(p) == 1 or p[:-1] in sizes: under.setdefault(p[:-1], []).append(best[p])
wends = [max(best.values())[1]]
wtotal = max(best.values())[0]
for parent, paths in sorted(under.items()):
    if len(paths) < 2: continue
    (wa, ea), (wb2, eb) = sorted(paths, reverse=True)[:2]
    if wa + wb2 - pw.get(parent, 0) > wtotal: wtotal, wends = wa + wb2 - pw.get(parent, 0), [ea, eb]
wpath = sorted({e[:i] for e in wends for i in range(1, len(e) + 1)})
wb, wk, wbig = cost(wpath)
worst = ".json + n/".join(wends)   # n/{worst}.json names them all
largest = max(sizes, key=lambda p: (sizes[p], p))
splits = sum(1 for p in sizes if b'"split"' in open(os.path.join(base, p + ".json"), "rb").read(64))
print(f"  index: {len(sizes)} nodes ({splits} split), {sum(sizes.values()):,d} B; largest node "
      f"n/{largest}.json {sizes[largest]:,d} B; deepest prefix {max(len(p) for p in sizes)} characters",
      file=sys.stderr)
print(f"  worst possible query: walks ending at n/{worst}.json: {wb:,d} B in {wk} nodes "
      f"({gz(wpath):,d} B gzipped); worst query above: {worst_query[0]:,d} B ({worst_query[1]})",
      file=sys.stderr)
rows.append(f"{n}\tsearch --site results differing from the emulation\t{mismatches}\tqueries\t-\t-\t-\t-\t-")
rows.append(f"{n}\tquery max of the set\t{worst_query[0]}\tB\t-\t-\t-\t-\t-")
rows.append(f"{n}\tquery worst possible (n/{worst}.json)\t{wb}\tB\t{wk}\t-\t{wbig}\t-\t-")
rows.append(f"{n}\tlargest index node (n/{largest}.json)\t{sizes[largest]}\tB\t1\t-\t{sizes[largest]}\t-\t-")
with open(results, "a") as out:
    out.write("".join(r + "\n" for r in rows))
EOF
}

# ---------------------------------------------------------------- stars
# snapshot WWWROOT FILE: "inode mtime path" of every file and link.
snapshot() { (cd "$1" && find . \( -type f -o -type l \) -printf '%i %T@ %P\n' | sort -k3) > "$2"; }
# changed BEFORE AFTER REPO NS: the replaced, added and removed files, grouped.
changed() {
  python3 - "$@" <<'EOF'
import sys
before, after, repo, ns = sys.argv[1:5]
def load(p):
    d = {}
    for line in open(p):
        i, t, path = line.rstrip("\n").split(" ", 2)
        d[path] = (i, t)
    return d
b, a = load(before), load(after)
paths = sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))
def group(p):
    if p == "www/index.html": return "home"
    if p == "www/search.html": return "search.html"
    if p == f"www/r/{repo}/index.html": return f"r/{repo}"
    if p == f"www/u/{ns}/index.html": return f"u/{ns}"
    if p.startswith("www/r/") or p.startswith("www/u/"): return "other r/ u/ pages"
    if p.startswith("www/_catalog/search/"): return "search index nodes"
    if p.startswith("www/v2/"): return "v2/"
    return "state file, other"
g = {}
for p in paths:
    how = "added" if p not in b else "removed" if p not in a else "replaced"
    g.setdefault(group(p), []).append(f"{how} {p}")
print("; ".join(f"{k} {len(v)}" for k, v in sorted(g.items())) or "nothing")
with open(sys.argv[5], "w") as f:
    for k, v in sorted(g.items()):
        f.write(f"# {k}: {len(v)}\n" + "".join(x + "\n" for x in v))
EOF
}

stars() {
  local n="$1" dir="$2" out="$3" repo ns orig high i target
  read -r repo ns orig high < <(python3 - "$dir/cat/catalog.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))["repositories"]
sizes = {}
for name in c: sizes[name.split("/")[0]] = sizes.get(name.split("/")[0], 0) + 1
ns = max((s, n) for n, s in sizes.items() if n != "library")[1]
mine = sorted(n for n, m in c.items() if n.startswith(ns + "/") and m.get("stars", 0) > 0)
repo = mine[len(mine) // 2]
top = max(m.get("stars", 0) for m in c.values())
print(repo, ns, c[repo]["stars"], top + 1)
EOF
)
  echo "  repository $repo (namespace $ns): stars $orig <-> $high" >&2
  # `repo set` reads the store's index.json; should it fail, the same change
  # is made by `repo apply` of catalog.json with that one value changed.
  local how=set setname=setcmd
  if ! "$bin" repo set --store "$dir/store" "$repo" --stars "$orig" > "$of" 2> "$ef"; then
    echo "  FAILED: stowage repo set --store $dir/store $repo --stars $orig: $(cat "$ef")" | tee -a "$counts" >&2
    echo "  instead: stowage repo apply of cat/catalog.json with $repo's stars changed (row setcmd-apply)" >&2
    how=apply; setname=setcmd-apply
    row "$n" "repo set FAILED: $(tr '\t\n' '  ' < "$ef")" 1 exit - - - -
    for target in "$orig" "$high"; do
      python3 - "$dir/cat/catalog.json" "$repo" "$target" "$dir/catalog-stars-$target.json" <<'EOF2'
import json, sys
c = json.load(open(sys.argv[1]))
c["repositories"][sys.argv[2]]["stars"] = int(sys.argv[3])
json.dump(c, open(sys.argv[4], "w"), indent=1, sort_keys=True)
EOF2
    done
  fi
  "$bin" publish -q --store "$dir/store" "$out"   # untimed: OUTDIR as the store
  local setwalls=() setcpus=() setrss=0 pubwalls=() pubcpus=() pubrss=0
  for i in $(seq 1 "$inc_runs"); do
    if [ $(( i % 2 )) -eq 1 ]; then target="$high"; else target="$orig"; fi
    begin
    if [ "$how" = set ]; then
      timed "$bin" repo set --store "$dir/store" "$repo" --stars "$target"
    else
      timed "$bin" repo apply --store "$dir/store" "$dir/catalog-stars-$target.json"
    fi
    setwalls+=("${walls[0]}"); setcpus+=("${cpus[0]}"); [ "$rss" -gt "$setrss" ] && setrss="$rss"
    snapshot "$out" "$dir/snap-before"
    begin; timed "$bin" publish --store "$dir/store" "$out"
    pubwalls+=("${walls[0]}"); pubcpus+=("${cpus[0]}"); [ "$rss" -gt "$pubrss" ] && pubrss="$rss"
    snapshot "$out" "$dir/snap-after"
    echo "    $n-stars run $i (stars $target): ${walls[0]} s, $last_line; replaced: $(changed "$dir/snap-before" "$dir/snap-after" "$repo" "$ns" "$dir/stars-changed-$i.txt")" \
      | tee -a "$counts" >&2
  done
  walls=("${pubwalls[@]}"); cpus=("${pubcpus[@]}"); rss="$pubrss"; report "$n" stars
  walls=("${setwalls[@]}"); cpus=("${setcpus[@]}"); rss="$setrss"; report "$n" "$setname"
  rm -f "$dir/snap-before" "$dir/snap-after"
  # Back to the applied metadata, and OUTDIR with it.
  "$bin" repo apply --store "$dir/store" "$dir/cat/catalog.json" > /dev/null
  "$bin" publish -q --store "$dir/store" "$out"
}

# ---------------------------------------------------------------- scales
for n in $repos_list; do
  want_any "$n" || continue
  dir="$workdir/$n"; cat_out="$dir/out-cat"; nocat_out="$dir/out-nocat"
  echo "== $n repositories" >&2
  prepare "$n" "$dir"
  r="$runs"; [ "$n" -ge "$large_from" ] && r="$runs_large"
  if want "$n-full"; then
    catw=(); nocatw=(); diffs=(); catc=(); nocatc=(); cdiffs=(); catrss=0; nocatrss=0
    for i in $(seq 1 "$r"); do
      for which in $( [ $(( i % 2 )) -eq 1 ] && echo "nocat cat" || echo "cat nocat" ); do
        if [ "$which" = cat ]; then
          fresh_out "$cat_out"; begin; timed "$bin" publish --store "$dir/store" "$cat_out"
          catw+=("${walls[0]}"); catc+=("${cpus[0]}"); [ "$rss" -gt "$catrss" ] && catrss="$rss"
        else
          fresh_out "$nocat_out"; begin; timed "$bin" publish --no-catalog --store "$dir/store" "$nocat_out"
          nocatw+=("${walls[0]}"); nocatc+=("${cpus[0]}"); [ "$rss" -gt "$nocatrss" ] && nocatrss="$rss"
        fi
        echo "    $n-full run $i $which: ${walls[0]} s (cpu ${cpus[0]} s), peak $(( rss / 1024 )) MiB, $last_line" | tee -a "$counts" >&2
      done
      diffs+=("$(awk -v a="${catw[-1]}" -v b="${nocatw[-1]}" 'BEGIN{printf "%.4f", a-b}')")
      cdiffs+=("$(awk -v a="${catc[-1]}" -v b="${nocatc[-1]}" 'BEGIN{printf "%.2f", a-b}')")
    done
    walls=("${nocatw[@]}"); cpus=("${nocatc[@]}"); rss="$nocatrss"; report "$n" nocat-full
    walls=("${catw[@]}"); cpus=("${catc[@]}"); rss="$catrss"; report "$n" cat-full
    walls=("${diffs[@]}"); cpus=("${cdiffs[@]}"); rss=0; report "$n" catalog-cost
  fi
  if want "$n-same" || want "$n-bytes" || want "$n-queries" || want "$n-stars"; then
    # Untimed: OUTDIR as the store and its applied metadata are.
    [ -f "$cat_out/stowage-publish.state" ] || fresh_out "$cat_out"
    "$bin" publish -q --store "$dir/store" "$cat_out"
  fi
  if want "$n-same"; then
    begin
    for i in $(seq 1 "$runs"); do timed "$bin" publish --store "$dir/store" "$cat_out"; done
    echo "    $n-same: $last_line" >> "$counts"
    report "$n" cat-same
  fi
  if want "$n-bytes"; then
    echo "  catalog files in $cat_out/www:" >&2
    catalog_bytes "$n" "$cat_out/www"
  fi
  if want "$n-queries"; then
    echo "  search queries against $cat_out:" >&2
    queries "$n" "$cat_out" "$dir/cat/queries.tsv"
  fi
  if want "$n-stars"; then
    echo "  one repository's stars changed, then publish:" >&2
    stars "$n" "$dir" "$cat_out"
  fi
done

# ---------------------------------------------------------------- report
echo
echo "times (s; catalog-cost = cat-full - nocat-full, pair by pair):"
printf '%-8s %-16s %10s %10s %10s %3s %9s %9s\n' repos measurement 'median s' 'min s' 'max s' n 'cpu s' 'rss MiB'
awk -F'\t' '$4 == "s" && $2 !~ /^search --site/ {printf "%-8s %-16s %10.3f %10.3f %10.3f %3d %9s %9s\n", $1, $2, $3, $6, $7, $5, $9, $8}' "$results"
echo
echo "catalog files (apparent bytes; largest file):"
awk -F'\t' '$2 ~ /^bytes / {sub(/^bytes /, "", $2); printf "%-8s %-24s %8d files %14d B  largest %10d B\n", $1, $2, $5, $3, $7}' "$results"
echo
echo "search: bytes downloaded per query (typed: the query typed one key at a time):"
printf '%-8s %-46s %10s %5s %10s %5s %8s\n' repos query 'bytes' nodes 'typed B' nodes 'search s'
awk -F'\t' '
  $2 ~ /^query / { k = substr($2, 7); order[++n] = $1 "\t" k; qb[$1 "\t" k] = $3; qn[$1 "\t" k] = $5 }
  $2 ~ /^typed / { k = substr($2, 7); tb[$1 "\t" k] = $3; tn[$1 "\t" k] = $5 }
  $2 ~ /^search --site / { k = substr($2, 15); ss[$1 "\t" k] = $3 }
  END { for (i = 1; i <= n; i++) { split(order[i], p, "\t")
          printf "%-8s %-46s %10d %5s %10s %5s %8s\n", p[1], p[2], qb[order[i]], qn[order[i]],
                 tb[order[i]], tn[order[i]], ss[order[i]] } }' "$results"
echo
awk -F'\t' '
  $2 == "query max of the set" || $2 ~ /^query worst possible/ {
    printf "target search query < 200 KB at %s repositories: %-38s %8.1f KB  %s\n", $1, $2, $3/1000,
           ($3 < 200000 ? "MET" : "MISSED") }' "$results"
echo
awk -F'\t' '$2 ~ /FAILED/ {printf "%s: %s\n", $1, $2}' "$results"
awk -F'\t' '$2 ~ /^search --site results differing/ {printf "%s: stowage search --site results differing from the emulation: %d queries\n", $1, $3}' "$results"
echo
awk -F'\t' '$2 ~ /^found / {sub(/^found /, "", $2); printf "%s: search for the %s: %s\n", $1, $2, ($3 > 0 ? "found, result " $3 : "NOT FOUND")}' "$results"
echo
echo "incremental publish after 'stowage repo set --stars' (files replaced per run):"
grep -- '-stars run' "$counts" || true
echo "results: $results, $counts"
