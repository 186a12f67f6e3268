#!/usr/bin/env python3
"""Writes fuzz/corpus/jwks/seed-*: JWKS documents (with tokens their keys really signed),
discovery documents and introspection answers (format: see jwks_fuzz.cpp). Needs the Python
`cryptography` package; keys are new on every run.
    python3 fuzz/jwks_seeds.py
"""
import base64
import json
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "jwks")
SEP = "\n---\n"
ISS, AUD = "https://idp.example", "https://mcp.example/mcp"


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def j(v):
    return json.dumps(v, separators=(",", ":"))


def uint(n, size=None):
    return n.to_bytes(size or (n.bit_length() + 7) // 8, "big")


rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ec_key = ec.generate_private_key(ec.SECP256R1())
ed_key = ed25519.Ed25519PrivateKey.generate()
rn = rsa_key.public_key().public_numbers()
en = ec_key.public_key().public_numbers()
RSA_JWK = {"kty": "RSA", "kid": "r1", "alg": "RS256", "use": "sig", "n": b64(uint(rn.n)), "e": b64(uint(rn.e))}
EC_JWK = {"kty": "EC", "kid": "e1", "crv": "P-256", "x": b64(uint(en.x, 32)), "y": b64(uint(en.y, 32))}
ED_JWK = {"kty": "OKP", "kid": "d1", "crv": "Ed25519", "x": b64(ed_key.public_key().public_bytes(
    serialization.Encoding.Raw, serialization.PublicFormat.Raw))}
JWKS = j({"keys": [RSA_JWK, EC_JWK, ED_JWK]})
CLAIMS = {"iss": ISS, "aud": AUD, "sub": "alice", "client_id": "c", "scope": "mcp", "iat": 1700000000,
          "exp": 4102444800}


def token(alg, kid, claims=CLAIMS):
    header = {"alg": alg, "typ": "at+jwt"}
    if kid is not None:
        header["kid"] = kid
    signing_input = (b64(j(header).encode()) + "." + b64(j(claims).encode())).encode()
    if alg == "RS256":
        sig = rsa_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    elif alg == "ES256":
        r, s = decode_dss_signature(ec_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        sig = uint(r, 32) + uint(s, 32)
    else:
        sig = ed_key.sign(signing_input)
    return signing_input.decode() + "." + b64(sig)


def write(name, mode, *parts):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name if name.startswith("regress-") else "seed-" + name), "wb") as f:
        f.write(bytes([mode]) + SEP.join(parts).encode())


def main():
    # Inline keys, with tokens they signed (the harness then alters the signature).
    write("inline-es256", 0, JWKS, token("ES256", "e1"))
    write("inline-rs256", 0, JWKS, token("RS256", "r1"))
    write("inline-eddsa", 0, JWKS, token("EdDSA", "d1"))
    write("inline-lone-key-no-kid", 0, j({"keys": [EC_JWK | {"kid": None}]}), token("ES256", None))
    write("inline-expired", 0, JWKS, token("ES256", "e1", CLAIMS | {"exp": 1000}))
    write("inline-wrong-audience", 0, JWKS, token("ES256", "e1", CLAIMS | {"aud": ["https://other.example"]}))
    write("inline-alg-confusion", 0, JWKS, token("ES256", "r1"))
    # Documents that are partly or wholly unusable.
    write("not-json", 0, '{"keys":[', "")
    write("keys-not-array", 0, j({"keys": {"kty": "EC"}}), "")
    write("use-enc-and-alg-mismatch", 0, j({"keys": [RSA_JWK | {"use": "enc"}, EC_JWK | {"alg": "RS256"}, ED_JWK]}),
          token("EdDSA", "d1"))
    write("short-rsa-modulus", 0, j({"keys": [RSA_JWK | {"n": b64(uint(rn.n)[:128])}]}), "")
    # Found by this target: an RSA key with e = 1 let anyone forge RS256 tokens.
    write("regress-rsa-exponent-one", 0, j({"keys": [RSA_JWK | {"e": "AQ", "alg": "RS256"}]}), "")
    write("ec-wrong-curve", 0, j({"keys": [EC_JWK | {"crv": "P-384"}, EC_JWK | {"x": "AAAA"}]}), "")
    write("ec-point-off-curve", 0, j({"keys": [EC_JWK | {"y": b64(bytes(32))}]}), "")
    write("okp-wrong-size", 0, j({"keys": [ED_JWK | {"x": b64(bytes(31))}, ED_JWK | {"crv": "X25519"}]}), "")
    write("oct-key", 0, j({"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "h1", "alg": "HS256"}]}), "")
    write("duplicate-kids", 0, j({"keys": [EC_JWK | {"kid": "k"}, ED_JWK | {"kid": "k"}]}), token("EdDSA", "k"))
    write("many-keys", 0, j({"keys": [EC_JWK | {"kid": str(i)} for i in range(105)]}), "")
    # Fetched, with the answer's Cache-Control.
    write("fetched-max-age", 1, JWKS, token("ES256", "e1"), "public, max-age=60")
    write("fetched-no-store", 1, JWKS, token("RS256", "r1"), "no-store")
    write("fetched-huge-max-age", 1, JWKS, "", "max-age=99999999999999999999")
    write("fetched-garbage", 1, "<html>", "", "")
    # Discovery: RFC 8414 metadata, then the JWKS it names.
    write("discovery", 2, j({"issuer": ISS, "jwks_uri": ISS + "/keys"}), JWKS, "")
    write("discovery-wrong-issuer", 2, j({"issuer": "https://evil.example", "jwks_uri": ISS + "/keys"}), JWKS,
          j({"issuer": ISS, "jwks_uri": ISS + "/oidc-keys"}))
    write("discovery-no-jwks-uri", 2, j({"issuer": ISS}), JWKS, "")
    # Introspection answers (mode 3; bit 0x20 also checks iss; bits 2..4 pick the status).
    active = {"active": True, "sub": "alice", "aud": AUD, "scope": "mcp", "exp": 4102444800, "client_id": "c"}
    write("introspect-active", 3, j(active), "opaque-token")
    write("introspect-aud-array", 3, j(active | {"aud": ["https://elsewhere.example/mcp", AUD]}), "t2")
    write("introspect-inactive", 3, j({"active": False}), "t")
    write("introspect-active-string", 3, j(active | {"active": "true"}), "t")
    write("introspect-expired", 3, j(active | {"exp": 1000}), "t")
    write("introspect-no-sub", 3, j({k: v for k, v in active.items() if k != "sub"}), "t")
    write("introspect-iss-mismatch", 0x23, j(active | {"iss": "https://evil.example"}), "t")
    write("introspect-not-json", 3, "active=true", "t")
    write("introspect-status-500", 3 | (5 << 2), j(active), "t")


if __name__ == "__main__":
    main()
