#!/usr/bin/env python3
"""Writes fuzz/corpus/oauth_endpoints/seed-*: request sequences against the authorization server
(format and placeholders: see oauth_endpoints_fuzz.cpp). Idempotent.
    python3 fuzz/oauth_endpoints_seeds.py
"""
import json
import os
from urllib.parse import urlencode

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "oauth_endpoints")
SEP = "\n===\n"
FORM = "content-type: application/x-www-form-urlencoded"
JSON = "content-type: application/json"
REDIRECT = "http://127.0.0.1:7777/cb"


def rec(method, target, headers=(), body=""):
    return method + " " + target + "\n" + "".join(h + "\n" for h in headers) + "\n" + body


def q(d):
    # Placeholders stay literal so the harness can substitute them.
    return urlencode(d, safe="{}")


def authorize(client="{PUBLIC}", redirect=REDIRECT, **extra):
    params = {"response_type": "code", "client_id": client, "redirect_uri": redirect,
              "code_challenge": "{CHALLENGE}", "code_challenge_method": "S256", "state": "st"}
    params.update(extra)
    return rec("GET", "/authorize?" + q(params))


def consent(client="{PUBLIC}", redirect=REDIRECT, password="{PASSWORD}", action="approve", cookie=True):
    form = {"response_type": "code", "client_id": client, "redirect_uri": redirect, "code_challenge": "{CHALLENGE}",
            "code_challenge_method": "S256", "scope": "mcp", "resource": "https://as.example/mcp", "state": "st",
            "csrf_token": "{CSRF}", "username": "alice", "password": password, "action": action}
    return rec("POST", "/authorize", [FORM] + (["cookie: {CSRFCOOKIE}"] if cookie else []), q(form))


def token(form, headers=()):
    return rec("POST", "/token", [FORM] + list(headers), q(form))


def exchange(client="{PUBLIC}", verifier="{VERIFIER}"):
    return token({"grant_type": "authorization_code", "code": "{CODE}", "client_id": client,
                  "redirect_uri": REDIRECT, "code_verifier": verifier})


REFRESH = token({"grant_type": "refresh_token", "refresh_token": "{REFRESH}", "client_id": "{PUBLIC}"})


def register(doc):
    return rec("POST", "/register", [JSON], json.dumps(doc, separators=(",", ":")))


SEEDS = {
    "register-public": [register({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none",
                                  "client_name": "T"})],
    "register-confidential-cc": [
        register({"redirect_uris": ["https://app.example/cb"], "token_endpoint_auth_method": "client_secret_post",
                  "grant_types": ["client_credentials"], "scope": "mcp"}),
        token({"grant_type": "client_credentials", "client_id": "{CLIENT}", "client_secret": "{CLIENTSECRET}"})],
    "register-bad-metadata": [register({"redirect_uris": ["javascript:alert(1)"]}),
                              register({"redirect_uris": [REDIRECT], "grant_types": ["password"]}),
                              register({"redirect_uris": [REDIRECT], "response_types": ["token"]}),
                              register({"redirect_uris": [REDIRECT], "scope": "root"}),
                              rec("POST", "/register", [JSON], "[1,2")],
    "register-loopback-spellings": [register({"redirect_uris": [u]}) for u in (
        "http://localhost:1/cb", "http://[::1]:2/cb", "http://127.1/cb", "http://0x7f.0.0.1/cb",
        "http://127.0.0.1.nip.io/cb", "http://[::ffff:127.0.0.1]/cb")],
    "authorize-page": [authorize()],
    "authorize-errors": [authorize(response_type="token"), authorize(code_challenge_method="plain"),
                         authorize(redirect="http://127.0.0.1:7777/other"), authorize(client="nope"),
                         authorize(resource="https://elsewhere/mcp"), authorize(scope="root")],
    "full-flow": [authorize(), consent(), exchange(), REFRESH,
                  rec("POST", "/revoke", [FORM], q({"token": "{ACCESS}", "client_id": "{PUBLIC}"}))],
    "full-flow-wrong-verifier": [authorize(), consent(), exchange(verifier="x" * 43), exchange()],
    "code-replay": [authorize(), consent(), exchange(), exchange()],
    "refresh-reuse": [authorize(), consent(), exchange(), REFRESH,
                      token({"grant_type": "refresh_token", "refresh_token": "{OLDREFRESH}", "client_id": "{PUBLIC}"}),
                      REFRESH],
    "consent-no-csrf": [authorize(), consent(cookie=False)],
    "consent-wrong-password": [authorize(), consent(password="guess")],
    "consent-deny": [authorize(), consent(action="deny")],
    "session-remembered": [authorize(), consent(), rec("GET", "/authorize?" + q({
        "response_type": "code", "client_id": "{PUBLIC}", "redirect_uri": "http://127.0.0.1:9999/cb",
        "code_challenge": "{CHALLENGE}", "code_challenge_method": "S256"}), ["cookie: {SESSION}"]), exchange()],
    "basic-client-credentials": [token({"grant_type": "client_credentials", "scope": "mcp admin"}, ["authorization: {BASIC}"]),
                                 token({"grant_type": "client_credentials"}, ["authorization: Basic !!!"]),
                                 token({"grant_type": "client_credentials", "client_id": "{CONF}",
                                        "client_secret": "wrong"})],
    "token-malformed": [rec("POST", "/token", [JSON], "{}"), rec("POST", "/token", [FORM], "a=1&a=2"),
                        rec("GET", "/token"), token({"grant_type": "authorization_code", "code": "nope",
                                                     "client_id": "{PUBLIC}"})],
    "client-metadata-document": [
        rec("DOC", "https://app.example/c.json", (), json.dumps({
            "client_id": "https://app.example/c.json", "client_name": "<zz>", "redirect_uris": [REDIRECT]})),
        authorize(client="https://app.example/c.json"), consent(client="https://app.example/c.json"),
        exchange(client="https://app.example/c.json")],
    "client-metadata-private": [authorize(client="https://10.0.0.1/c.json"),
                                authorize(client="https://0x7f.1/c.json")],
    "metadata-and-preflight": [rec("GET", "/.well-known/oauth-authorization-server"), rec("GET", "/jwks"),
                               rec("POST", "/jwks"), rec("OPTIONS", "/token", ["origin: https://x.example"]),
                               rec("GET", "/.well-known/openid-configuration")],
    "xss-in-state": [authorize(state="<zz onload=x>", scope="mcp")],
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, records in SEEDS.items():
        with open(os.path.join(OUT, "seed-" + name), "w") as f:
            f.write(SEP.join(records))
    # The defect this target was written with (issue 20, item 8): a plain-http redirect URI on a
    # DNS name starting with "127." was registered.
    with open(os.path.join(OUT, "regress-http-127-prefix-redirect"), "w") as f:
        f.write(register({"redirect_uris": ["http://127.evil.example/cb"], "token_endpoint_auth_method": "none"}))


if __name__ == "__main__":
    main()
