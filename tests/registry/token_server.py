#!/usr/bin/python3
"""A test-only token service for the reference registry's bearer-token auth.

  token_server.py DIR PORT USER PASSWORD REFRESH_TOKEN

Writes DIR/key.pem and DIR/cert.pem (an ECDSA P-256 key and its
self-signed certificate, the registry's rootcertbundle), then answers on
127.0.0.1:PORT as Docker's token specification describes:

  GET  /token?service=S&scope=repository:NAME:ACTIONS  (HTTP Basic USER:PASSWORD,
       or none for an anonymous token with no access)
  POST /token  grant_type=refresh_token&refresh_token=REFRESH_TOKEN&service=S&scope=...
       (the OAuth2 form, for identity tokens)

Tokens are ES256 JWTs with the certificate in their x5c header and the
access asked for. Every request is appended to DIR/requests.log as
"METHOD SCOPE USER", so a test can count token requests.
"""

import base64
import datetime
import http.server
import json
import os
import sys
import time
import urllib.parse
import uuid

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ISSUER = "stowage-test-issuer"


def make_key(directory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stowage test token issuer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .sign(key, hashes.SHA256()))
    with open(os.path.join(directory, "key.pem"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(os.path.join(directory, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    return key, base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def access_for(scopes, user):
    """Every action asked for, for a known user; nothing for anonymous."""
    access = []
    for scope in scopes:
        parts = scope.split(":")
        if len(parts) == 3 and parts[0] == "repository" and user:
            access.append({"type": "repository", "name": parts[1],
                           "actions": [a for a in parts[2].split(",") if a]})
    return access


def main():
    directory, port, user, password, refresh = sys.argv[1:6]
    key, x5c = make_key(directory)
    log_path = os.path.join(directory, "requests.log")

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def token(self, service, scopes, who, field):
            now = int(time.time())
            claims = {"iss": ISSUER, "sub": who, "aud": service, "iat": now, "nbf": now - 10,
                      "exp": now + 300, "jti": str(uuid.uuid4()),
                      "access": access_for(scopes, who)}
            token = jwt.encode(claims, key, algorithm="ES256", headers={"x5c": [x5c]})
            with open(log_path, "a") as f:
                f.write("%s %s %s\n" % (self.command, " ".join(scopes) or "-", who or "-"))
            self.answer(200, {field: token, "expires_in": 300})

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            query = urllib.parse.parse_qs(url.query)
            who = ""
            header = self.headers.get("Authorization", "")
            if header.startswith("Basic "):
                given = base64.b64decode(header[6:]).decode(errors="replace")
                if given != "%s:%s" % (user, password):
                    return self.answer(401, {"errors": [{"code": "UNAUTHORIZED"}]})
                who = user
            self.token(query.get("service", [""])[0], query.get("scope", []), who, "token")

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            if (form.get("grant_type") != ["refresh_token"] or
                    form.get("refresh_token") != [refresh]):
                return self.answer(401, {"error": "invalid_grant"})
            scopes = form.get("scope", [""])[0].split(" ") if form.get("scope") else []
            self.token(form.get("service", [""])[0], scopes, user, "access_token")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
