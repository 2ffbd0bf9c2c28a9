#!/usr/bin/env python3
"""make_synthetic_catalog.py: realistic repository names and catalog metadata.

Writes, into OUTDIR, what bench/catalog_bench.sh needs for a catalog of
REPOS repositories that looks like a public registry's rather than like
org<N>/app<M>:

  names.txt     the repository names, one a line, sorted (give it to
                bench/make_synthetic_store.py --repo-names to build the store)
  catalog.json  their metadata in the form `stowage repo apply` reads
                (lib/catalog/metadata.h): a short description for most, stars,
                badges, a few READMEs, namespace titles
  queries.tsv   search queries chosen from the data: KIND<TAB>QUERY lines

The names:
  * namespaces of very different sizes: NAMESPACES = REPOS/8 candidates
    ranked by a Zipf-like weight (rank^-0.8), each repository drawn from
    them, so a few namespaces hold thousands of repositories at 100,000 and
    most hold one or two; named like organisations (acme, cloudops,
    data-platform) or users (alice42);
  * repository names of 1-3 words from a vocabulary of about 230 words
    (runtimes, databases, servers and generic words: python, node, api, web,
    db, tools, ...) drawn with Zipf-like weights, so that words repeat across
    thousands of repositories, joined by '-', a quarter with a number or
    version (python3, api-v2, web-2024); about 3% one level deeper
    (ns/tools/lint-api);
  * library/: OFFICIAL (default min(REPOS/100, 150)) official repositories
    named as Docker's official images (library/alpine, library/python, ...).

The metadata:
  * short description (92% of the repositories): words of the vocabulary
    (the repository's own words first), fillers and, in 2%, a rare made-up
    word (a product code name) so that rare words exist; at most 100
    characters, as Docker Hub allows;
  * stars: skewed; 40% none, the rest lognormal (median about 3, a tail in
    the thousands); official repositories lognormal around 1,000;
  * automated for about 10%; official for library/;
  * READMEs: every official repository and 0.5% of the others, 1-6 KB of
    Markdown (headings, lists, a table, code blocks);
  * namespace titles and descriptions for the 20 largest namespaces.

The output is a function of the arguments and --seed only (Python's
random.Random). Python 3 stdlib only.

Run:  bench/make_synthetic_catalog.py OUTDIR [--repos N] [--official N]
                                             [--seed N] [--force]
OUTDIR must not exist (or is replaced with --force).
"""

import argparse
import bisect
import itertools
import json
import os
import random
import re
import shutil
import sys

# Most common first: word i is drawn with weight (i + 1) ** -0.9 in names,
# (i + 1) ** -0.7 in descriptions.
VOCABULARY = """
api web app python node service db tools server data go java worker proxy
nginx redis postgres base cli dev test app2 backend frontend cache gateway
auth ml docker alpine debian ubuntu mysql mongo kafka build ci runner agent
admin dashboard client static docs mail search storage metrics logs events
stream batch config deploy infra ops sec scanner monitor grafana prometheus
jenkins elasticsearch kibana rabbitmq memcached haproxy traefik envoy consul
vault etcd zookeeper spark hadoop airflow jupyter notebook tensorflow pytorch
rust ruby php dotnet perl elixir erlang scala kotlin swift haskell clojure
lua deno bun rails django flask fastapi spring express nextjs react vue
angular svelte graphql grpc rest websocket queue scheduler cron etl pipeline
loader exporter collector sidecar operator controller webhook bot chat
notification payment billing invoice order cart catalog inventory shipping
user account profile identity oauth ldap sso keycloak minio s3 backup restore
sync mirror registry artifact package image builder compiler linter formatter
slim full minimal core lite edge stable nightly legacy tiny mini micro nano
cloud aws gcp azure k8s kubernetes helm terraform ansible puppet chef salt
vagrant packer nomad istio linkerd cilium calico coredns dns dhcp vpn
wireguard openvpn ssh ftp sftp smtp imap pop3 ldap2 samba nfs iscsi ceph
gluster zfs btrfs ext4 raid bench load stress chaos fuzz e2e unit integration
smoke canary blue green shadow replica primary secondary leader follower shard
cluster node2 pod mesh lambda function serverless edge2 cdn waf firewall
""".split()

FILLERS = ("for with and the a on of in based image container running "
           "small fast secure simple").split()

# Organisation-like namespace names for the largest namespaces.
ORGS = """acme initech globex umbrella hooli cyberdyne soylent wayne stark
wonka tyrell aperture oscorp vandelay massive dunder gringotts monarch
cloudops dataplatform platform devops sre infra-team ml-research payments
mobile security-team webteam analytics observability bigcorp""".split()

FIRST = """alice bob carol dave erin frank grace heidi ivan judy mallory oscar
peggy rupert sybil trent victor walter xena yusuf zoe ana ben chen dmitri
elena farid gita hiro ines jamal kofi lena marco nadia omar priya quinn
rosa sven tara uma vik wen ximena yara zane""".split()

# library/: names of Docker official images, most popular first.
OFFICIAL = """alpine nginx ubuntu python node busybox redis postgres mysql httpd
debian golang mongo memcached traefik mariadb rabbitmq openjdk docker registry
elasticsearch hello-world wordpress centos php consul haproxy ruby kibana
logstash influxdb vault sonarqube telegraf jenkins tomcat amazonlinux maven
gradle rust nextcloud eclipse-temurin cassandra bash zookeeper fedora
couchdb neo4j solr ghost drupal joomla composer perl erlang elixir haskell
clojure groovy julia r-base swift dart kong nats percona chronograf
kapacitor buildpack-deps oraclelinux rockylinux almalinux photon clearlinux
archlinux gcc ibmjava sapmachine amazoncorretto pypy jruby openresty caddy
varnish tomee jetty flink storm spark zipkin mongo-express adminer phpmyadmin
postfixadmin matomo mediawiki redmine odoo friendica xwiki backdrop silverstripe
convertigo geonetwork nuxeo plone rocket-chat znc irssi eggdrop teamspeak
satosa unit lightstreamer emqx eclipse-mosquitto orientdb arangodb rethinkdb
couchbase aerospike crate monetdb yourls bonita api-firewall krakend
spiped varnish-cache traefik-plugins hylang rakudo-star fsharp mono
gazebo ros open-liberty websphere-liberty liquibase flyway nginx-unit
tomcat-native haxe neurodebian sl clefos kibana-oss logstash-oss
elasticsearch-oss swipl""".split()

SYLLABLES = "ka zor vek lu mi tra nox qui bel dra fen gor hal ix jun kel mor pax".split()


def zipf_cumulative(n, s):
    total, cum = 0.0, []
    for i in range(n):
        total += (i + 1) ** -s
        cum.append(total)
    return cum


def draw(rng, items, cum):
    return items[bisect.bisect_left(cum, rng.random() * cum[-1])]


def tokens(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def namespace_names(rng, count):
    """`count` unique namespace names, largest namespace first."""
    out, seen = [], {"library"}
    for name in ORGS:
        if len(out) < count:
            out.append(name)
            seen.add(name)
    while len(out) < count:
        kind = rng.random()
        if kind < 0.5:
            name = f"{rng.choice(FIRST)}{rng.randint(1, 9999)}"
        elif kind < 0.8:
            name = f"{rng.choice(VOCABULARY[:60])}-{rng.choice(['team', 'labs', 'io', 'hq', 'dev', 'org'])}"
        else:
            name = f"{rng.choice(FIRST)}{rng.choice(VOCABULARY[:80])}"
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def repo_base(rng, cum):
    words = []
    for _ in range(rng.choices((1, 2, 3), weights=(35, 50, 15))[0]):
        w = draw(rng, VOCABULARY, cum)
        if w not in words:
            words.append(w)
    name = "-".join(words)
    r = rng.random()
    if r < 0.08:
        name += str(rng.randint(2, 24))              # python3, node18
    elif r < 0.16:
        name += f"-v{rng.randint(1, 5)}"             # api-v2
    elif r < 0.25:
        name += f"-{rng.randint(1, 2025)}"           # web-2024
    return name


def description(rng, name, cum, rare_words):
    # Flatter than names' (cum is drawn with rank^-0.7): descriptions use more
    # of the vocabulary.
    own = [w for w in tokens(name.split("/")[-1]) if not w.isdigit()]
    words = own[:]
    for _ in range(rng.randint(2, 9)):
        words.append(draw(rng, VOCABULARY, cum) if rng.random() < 0.6 else rng.choice(FILLERS))
    if rng.random() < 0.02:
        words.insert(rng.randint(0, len(words)), rng.choice(rare_words))
    text = " ".join(words)
    text = text[0].upper() + text[1:]
    while len(text) > 100:
        text = text.rsplit(" ", 1)[0]
    return text


def readme(rng, name, desc, cum):
    title = name.split("/")[-1]
    parts = [f"# {title}\n\n{desc or title}.\n\n## Quick start\n\n"
             f"```sh\ndocker pull {name}:latest\ndocker run --rm -it {name}:latest\n```\n"]
    for _ in range(rng.randint(1, 5)):
        heading = " ".join(draw(rng, VOCABULARY, cum) for _ in range(2)).capitalize()
        para = " ".join(draw(rng, VOCABULARY, cum) if rng.random() < 0.5 else rng.choice(FILLERS)
                        for _ in range(rng.randint(30, 120)))
        items = "".join(f"- `{draw(rng, VOCABULARY, cum)}`: {rng.choice(FILLERS)} "
                        f"{draw(rng, VOCABULARY, cum)}\n" for _ in range(rng.randint(2, 6)))
        parts.append(f"\n## {heading}\n\n{para.capitalize()}.\n\n{items}")
    parts.append("\n| Tag | Base |\n|---|---|\n| latest | debian |\n| alpine | alpine |\n")
    return "".join(parts)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--repos", type=int, default=10000)
    ap.add_argument("--official", type=int, default=None,
                    help="library/ repositories (default min(REPOS/100, 150))")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="replace OUTDIR")
    args = ap.parse_args(argv)
    official_count = args.official if args.official is not None else min(args.repos // 100, 150)
    if args.repos < 1 or not 0 <= official_count <= min(args.repos, len(OFFICIAL)):
        ap.error(f"need repos >= 1 and 0 <= official <= min(repos, {len(OFFICIAL)})")
    if os.path.lexists(args.outdir):
        if not args.force:
            ap.error(f"{args.outdir} exists (use --force to replace it)")
        shutil.rmtree(args.outdir)
    os.makedirs(args.outdir)

    rng = random.Random(args.seed)
    cum = zipf_cumulative(len(VOCABULARY), 0.9)
    desc_cum = zipf_cumulative(len(VOCABULARY), 0.7)
    rare_words = sorted({"".join(rng.choice(SYLLABLES) for _ in range(3)) for _ in range(400)}
                        - set(VOCABULARY))

    names = {f"library/{w}" for w in OFFICIAL[:official_count]}

    n_ns = max(1, (args.repos - official_count) // 8)
    namespaces = namespace_names(rng, n_ns)
    ns_cum = zipf_cumulative(n_ns, 0.8)
    while len(names) < args.repos:
        ns = draw(rng, namespaces, ns_cum)
        base = repo_base(rng, cum)
        if rng.random() < 0.03:
            base = f"{draw(rng, VOCABULARY, cum)}/{base}"
        name = f"{ns}/{base}"
        if name in names:
            name = f"{name}-{rng.randint(2, 99)}"
        names.add(name)
    names = sorted(names)

    repositories = {}
    for name in names:
        meta = {}
        official = name.startswith("library/")
        if official or rng.random() < 0.92:
            meta["short"] = description(rng, name, desc_cum, rare_words)
        if official:
            meta["official"] = True
            meta["stars"] = min(int(rng.lognormvariate(7.0, 1.2)), 2**31 - 1)
        elif rng.random() < 0.6:
            meta["stars"] = int(rng.lognormvariate(1.0, 1.6))
        if not official and rng.random() < 0.1:
            meta["automated"] = True
        if official or rng.random() < 0.005:
            meta["readme"] = readme(rng, name, meta.get("short", ""), cum)
        if meta:
            repositories[name] = meta

    sizes = {}
    for name in names:
        sizes[name.split("/")[0]] = sizes.get(name.split("/")[0], 0) + 1
    largest = sorted(sizes, key=lambda n: (-sizes[n], n))[:20]
    ns_meta = {n: {"title": n.replace("-", " ").title(),
                   "description": f"Images of {n}: {sizes[n]} repositories"} for n in largest}
    if "library" in sizes:
        ns_meta["library"] = {"title": "Official Images",
                              "description": "Curated images maintained by the registry"}

    with open(os.path.join(args.outdir, "names.txt"), "w") as f:
        f.write("".join(n + "\n" for n in names))
    with open(os.path.join(args.outdir, "catalog.json"), "w") as f:
        json.dump({"namespaces": ns_meta, "repositories": repositories}, f,
                  indent=1, sort_keys=True)
        f.write("\n")

    # Queries, from what the index will hold: a word's repositories are those
    # whose name or description has it (SearchWords in lib/site/site.cc).
    count = {}
    for name in names:
        for w in set(tokens(name) + tokens(repositories.get(name, {}).get("short", ""))):
            count[w] = count.get(w, 0) + 1
    by_count = sorted(count, key=lambda w: (-count[w], w))
    common = [w for w in by_count if not w.isdigit() and len(w) > 2][:10]
    rare1 = sorted((w for w in count if count[w] == 1 and len(w) >= 6 and not w.isdigit()),
                   key=lambda w: (w not in rare_words, w))
    rare5 = sorted(w for w in count if 2 <= count[w] <= 9 and len(w) >= 5 and not w.isdigit())
    longest = max((w for w in VOCABULARY if w in count), key=lambda w: (len(w), count[w]))
    plain = [n for n in names if not n.startswith("library/") and n.count("/") == 1
             and "-" in n]
    deep = [n for n in names if n.count("/") == 2]
    # A name made of common words only, the least starred such: its longest
    # word's index node is split where the catalog is large.
    top10 = set(common[:10]) | {"python", "node", "api", "web"}
    commonly_named = sorted((n for n in plain if set(tokens(n.split("/", 1)[1])) <= top10),
                            key=lambda n: (repositories.get(n, {}).get("stars", 0), n))
    nomatch = "qxzvjk"
    assert nomatch not in count
    queries = [
        ("1 char", "p"), ("1 char", "s"), ("1 char", "z"),
        ("2 chars", "py"), ("2 chars", "re"),
        ("common word", common[0]), ("common word", common[1]), ("common word", common[2]),
        ("common word", "python"), ("long word", longest),
        ("rare word (1 repo)", rare1[0] if rare1 else nomatch),
        ("rare word (2-9 repos)", rare5[len(rare5) // 2] if rare5 else nomatch),
        ("number", "2"),
        ("full name", plain[len(plain) // 2] if plain else names[0]),
        ("full name", deep[len(deep) // 2] if deep else names[-1]),
        ("full name", "library/python" if "library/python" in names else names[0]),
        ("full name, common words", commonly_named[0] if commonly_named else names[0]),
        ("no match", nomatch),
        ("two words", f"{common[0]} {common[1]}"),
        ("two words", "python web"),
        ("two words", f"{rare5[len(rare5) // 2] if rare5 else nomatch} {common[0]}"),
    ]
    with open(os.path.join(args.outdir, "queries.tsv"), "w") as f:
        f.write("".join(f"{k}\t{q}\n" for k, q in queries))

    readmes = sum(1 for m in repositories.values() if "readme" in m)
    print(f"{args.outdir}: {len(names)} repositories in {len(sizes)} namespaces "
          f"(largest {largest[0]}: {sizes[largest[0]]}), {official_count} official, "
          f"{sum(1 for m in repositories.values() if 'short' in m)} descriptions, "
          f"{readmes} READMEs, {len(count)} distinct words "
          f"(most common: {', '.join(f'{w} {count[w]}' for w in by_count[:5])})",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
