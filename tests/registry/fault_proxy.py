#!/usr/bin/python3
"""A test-only HTTP proxy in front of a registry that injects faults.

  fault_proxy.py LISTEN_PORT UPSTREAM_PORT RULES_FILE LOG_FILE

Forwards every request to 127.0.0.1:UPSTREAM_PORT unchanged (the Host
header too, so the registry's Location headers name the proxy) and
answers with what came back, except where a rule of RULES_FILE matches.
RULES_FILE is JSON, read again whenever it changes (the counts restart):

  [{"match": "GET /v2/team/app/blobs/", "times": 1, "action": "cut", "bytes": 65536},
   {"match": "GET /v2/.*/manifests/", "times": 2, "action": "status", "status": 503}]

"match" is a regular expression searched in "METHOD PATH"; "times" how
many matching requests the rule takes (default: every one). Actions:
  cut      send the headers and the first "bytes" bytes of the body, then
           drop the connection
  status   answer "status" with a registry error body; for 429 with
           Retry-After: 1 and Docker Hub's RateLimit-* headers
  corrupt  flip one byte of the body (same size, another digest)
  digest   answer a wrong Docker-Content-Digest header
  schema1  answer a Docker schema 1 manifest
Every request is logged to LOG_FILE as "METHOD PATH RANGE -> STATUS ACTION".
"""

import http.client
import http.server
import json
import os
import re
import sys
import threading

SCHEMA1 = json.dumps({"schemaVersion": 1, "name": "team/app", "tag": "v1",
                      "architecture": "amd64", "fsLayers": [], "history": []}).encode()


class Rules:
    def __init__(self, path):
        self.path = path
        self.mtime = None
        self.rules = []
        self.used = []
        self.lock = threading.Lock()

    def take(self, line):
        """The first rule that matches `line` and has uses left, or None."""
        with self.lock:
            try:
                mtime = os.stat(self.path).st_mtime_ns
            except FileNotFoundError:
                mtime = None
            if mtime != self.mtime:
                self.mtime = mtime
                self.rules = json.load(open(self.path)) if mtime is not None else []
                self.used = [0] * len(self.rules)
            for i, rule in enumerate(self.rules):
                if re.search(rule["match"], line) and (
                        "times" not in rule or self.used[i] < rule["times"]):
                    self.used[i] += 1
                    return rule
        return None


def main():
    listen, upstream, rules_path, log_path = sys.argv[1:5]
    rules = Rules(rules_path)
    log_lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def log(self, status, action):
            with log_lock, open(log_path, "a") as f:
                f.write("%s %s %s -> %s %s\n" % (self.command, self.path,
                                                 self.headers.get("Range", "-"), status, action))

        def fail(self, rule):
            status = rule["status"]
            body = json.dumps({"errors": [{"code": "INJECTED", "message": "fault proxy"}]}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if status == 429:
                self.send_header("Retry-After", "1")
                self.send_header("RateLimit-Limit", "100;w=21600")
                self.send_header("RateLimit-Remaining", "0;w=21600")
            self.end_headers()
            self.wfile.write(body)
            self.log(status, "status")

        def forward(self):
            rule = rules.take("%s %s" % (self.command, self.path))
            if rule is not None and rule["action"] == "status":
                return self.fail(rule)
            length = int(self.headers.get("Content-Length", "0") or "0")
            body = self.rfile.read(length) if length else None
            conn = http.client.HTTPConnection("127.0.0.1", int(upstream), timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            conn.request(self.command, self.path, body=body, headers=headers)
            res = conn.getresponse()
            data = res.read()
            action = rule["action"] if rule is not None else "-"
            out_headers = [(k, v) for k, v in res.getheaders()
                           if k.lower() not in ("connection", "transfer-encoding", "content-length")]
            if action == "corrupt" and data:
                data = data[:len(data) // 2] + bytes([data[len(data) // 2] ^ 0x01]) + \
                    data[len(data) // 2 + 1:]
            if action == "digest":
                out_headers = [(k, v) for k, v in out_headers
                               if k.lower() != "docker-content-digest"]
                out_headers.append(("Docker-Content-Digest", "sha256:" + "0" * 64))
            if action == "schema1":
                data = SCHEMA1
                out_headers = [(k, v) for k, v in out_headers
                               if k.lower() not in ("content-type", "docker-content-digest")]
                out_headers.append(
                    ("Content-Type", "application/vnd.docker.distribution.manifest.v1+prettyjws"))
            self.send_response(res.status)
            for k, v in out_headers:
                self.send_header(k, v)
            # A HEAD answer's length is the body's it stands for.
            length = res.getheader("Content-Length", "0") if self.command == "HEAD" else len(data)
            self.send_header("Content-Length", str(length))
            if action == "cut":
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                if action == "cut":
                    self.wfile.write(data[:rule.get("bytes", 1024)])
                    self.wfile.flush()
                    self.close_connection = True
                    self.log(res.status, "cut")
                    return
                self.wfile.write(data)
            self.log(res.status, action)

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = forward

    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(listen)), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
