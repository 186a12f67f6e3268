#!/usr/bin/env python3
"""Writes fuzz/corpus/client_parsers/seed-*: SSE streams (byte 0x00, then 8 chunk-size bytes)
and WWW-Authenticate challenges (byte 0x01). Idempotent.
    python3 fuzz/client_parsers_seeds.py
"""
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "client_parsers")
SIZES = bytes([1, 2, 3, 5, 8, 13, 0, 16])

SSE = {
    "sse-message": b"event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n",
    "sse-crlf": b"id: 1\r\ndata: a\r\ndata: b\r\n\r\n",
    "sse-cr-only": b"data: x\rdata: y\r\r",
    "sse-crlf-split": b"data: one\r\n\r\ndata: two\r\n\r\n",
    "sse-comment-keepalive": b": ping\n\n: ping\ndata: z\n\n",
    "sse-retry-and-id": b"retry: 1500\nid: abc\ndata: 1\n\nretry: x\nretry: -5\nid\ndata\n\n",
    "sse-id-with-nul": b"id: a\x00b\ndata: 1\n\n",
    "sse-no-space-after-colon": b"data:tight\nevent:custom\n\n",
    "sse-unterminated": b"data: pending",
    "sse-field-without-colon": b"data\ndata\n\n",
    "sse-utf8-bom": b"\xef\xbb\xbfdata: bom\n\n",
    "sse-many-events": b"".join(b"id: %d\ndata: %d\n\n" % (i, i) for i in range(20)),
}
CHALLENGES = {
    "challenge-rfc9728": 'Bearer resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp", scope="mcp"',
    "challenge-insufficient-scope": 'Bearer error="insufficient_scope", scope="a b", error_description="not permitted"',
    "challenge-plain": 'Bearer realm="mcpbridge", error="invalid_token", error_description="unknown API key"',
    "challenge-escapes": r'Bearer error_description="a \"quoted\" \\ word", realm=x',
    "challenge-unquoted": "Bearer realm=example,error=invalid_token",
    "challenge-upper-keys": 'Bearer Realm="R", SCOPE="s"',
    "challenge-unterminated": 'Bearer realm="open',
    "challenge-no-params": "Bearer",
    "challenge-dpop": 'DPoP algs="ES256", error="use_dpop_nonce"',
    "challenge-empty-values": 'Bearer a="", b=, c',
    "challenge-repeated": 'Bearer scope="a", scope="b"',
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SSE.items():
        with open(os.path.join(OUT, "seed-" + name), "wb") as f:
            f.write(b"\x00" + SIZES + data)
    for name, text in CHALLENGES.items():
        with open(os.path.join(OUT, "seed-" + name), "wb") as f:
            f.write(b"\x01" + text.encode())


if __name__ == "__main__":
    main()
