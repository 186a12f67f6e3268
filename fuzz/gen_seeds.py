#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/seed-*. Idempotent; inputs found while fuzzing
(crash-*, regress-*) live beside them and are not touched.
    python3 fuzz/gen_seeds.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def j(v):
    return json.dumps(v, separators=(",", ":"))


# ---------------------------------------------------------------- jsonrpc
def jsonrpc():
    t = "jsonrpc"
    req = lambda id, m, p=None: {"jsonrpc": "2.0", "id": id, "method": m, **({"params": p} if p is not None else {})}
    init = req(1, "initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                 "clientInfo": {"name": "c", "version": "1"}})
    seeds = {
        "initialize.json": j(init),
        "tools-call.json": j(req(2, "tools/call", {"name": "add", "arguments": {"a": 1, "b": 2}})),
        "ping-string-id.json": j(req("abc", "ping")),
        "id-zero.json": j(req(0, "ping")),
        "id-negative.json": j(req(-9223372036854775808, "ping")),
        "id-uint64-max.json": '{"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"}',
        "id-too-big.json": '{"jsonrpc":"2.0","id":18446744073709551616,"method":"ping"}',
        "id-empty-string.json": j(req("", "ping")),
        "id-null.json": j(req(None, "ping")),
        "id-float.json": '{"jsonrpc":"2.0","id":1.5,"method":"ping"}',
        "id-float-integral.json": '{"jsonrpc":"2.0","id":1.0,"method":"ping"}',
        "id-bool.json": j(req(True, "ping")),
        "id-object.json": j(req({"a": 1}, "ping")),
        "notification.json": j({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        "notification-params-null.json": j({"jsonrpc": "2.0", "method": "n", "params": None}),
        "params-array.json": j(req(3, "tools/list", [1, 2])),
        "params-string.json": j(req(3, "tools/list", "x")),
        "cancelled.json": j({"jsonrpc": "2.0", "method": "notifications/cancelled",
                             "params": {"requestId": 7, "reason": "user"}}),
        "response.json": j({"jsonrpc": "2.0", "id": 1, "result": {"action": "accept", "content": {"n": 1}}}),
        "response-null-result.json": j({"jsonrpc": "2.0", "id": 1, "result": None}),
        "error.json": j({"jsonrpc": "2.0", "id": 1, "error": {"code": -32601, "message": "nope", "data": [1]}}),
        "error-code-double.json": '{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"x"}}',
        "error-code-huge.json": '{"jsonrpc":"2.0","id":1,"error":{"code":4294934695,"message":"x"}}',
        "error-not-object.json": '{"jsonrpc":"2.0","id":1,"error":"bad"}',
        "result-and-error.json": '{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}',
        "missing-version.json": '{"id":1,"method":"ping"}',
        "version-1.json": '{"jsonrpc":"1.0","id":1,"method":"ping"}',
        "version-number.json": '{"jsonrpc":2.0,"id":1,"method":"ping"}',
        "method-empty.json": '{"jsonrpc":"2.0","id":1,"method":""}',
        "method-number.json": '{"jsonrpc":"2.0","id":1,"method":5}',
        "method-unicode.json": j(req(1, "t\u00f6\u00f6ls/\u2603\U0001F600")),
        "duplicate-keys.json": '{"jsonrpc":"2.0","id":1,"id":"x","method":"ping","method":"a"}',
        "batch-mixed.json": j([req(1, "ping"), {"jsonrpc": "2.0", "method": "notifications/initialized"},
                               {"jsonrpc": "2.0", "id": 9, "result": {}}, 5, "x", None]),
        "batch-empty.json": "[]",
        "batch-nested.json": j([[req(1, "ping")]]),
        "batch-duplicate-ids.json": j([req(1, "ping"), req(1, "ping"), req("1", "ping")]),
        "batch-large-ids.json": '[{"jsonrpc":"2.0","id":9223372036854775807,"method":"a"},'
                                '{"jsonrpc":"2.0","id":9223372036854775808,"method":"a"},'
                                '{"jsonrpc":"2.0","id":-1,"method":"a"}]',
        "batch-many.json": j([req(i, "ping") for i in range(100)]),
        "deep-63.json": '{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":' + "[" * 61 + "]" * 61 + "}}",
        "deep-65.json": '{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":' + "[" * 70 + "]" * 70 + "}}",
        "deep-objects.json": '{"jsonrpc":"2.0","id":1,"method":"m","params":' + '{"a":' * 62 + "1" + "}" * 62 + "}",
        "truncated.json": '{"jsonrpc":"2.0","id":1,"meth',
        "trailing-comma.json": '{"jsonrpc":"2.0","id":1,"method":"ping",}',
        "trailing-garbage.json": '{"jsonrpc":"2.0","id":1,"method":"ping"} {}',
        "bom.json": "\ufeff" + j(req(1, "ping")),
        "invalid-utf8.json": b'{"jsonrpc":"2.0","id":1,"method":"p\xff\xfe"}',
        "lone-surrogate.json": '{"jsonrpc":"2.0","id":"\\ud800","method":"\\udc00x"}',
        "escapes.json": '{"jsonrpc":"2.0","id":"\\u0000\\n\\"","method":"\\u002f\\/"}',
        "numbers.json": '{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":1e400,"b":-0,"c":-1e-400,'
                        '"d":123456789012345678901234567890}}',
        "nan.json": '{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":NaN}}',
        "comment.json": '/* c */{"jsonrpc":"2.0","id":1,"method":"ping"}',
        "whitespace.json": " \t\r\n ",
        "empty.json": "",
        "scalar.json": "42",
        "string.json": '"jsonrpc"',
    }
    for k, v in seeds.items():
        write(t, k, v)


# ---------------------------------------------------------------- http_request
GOOD = "host: localhost:8080\ncontent-type: application/json\naccept: application/json, text/event-stream\n"
STATELESS_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}, "sampling": {}, "roots": {}}}


def http_request():
    t = "http_request"

    def flags(a, b=0):
        return bytes([a, b])

    def post(body, extra="", headers=GOOD):
        return "POST /mcp\n" + headers + extra + "\n" + (body if isinstance(body, str) else j(body))

    def rpc(id, method, params=None):
        m = {"jsonrpc": "2.0", "method": method}
        if id is not None:
            m["id"] = id
        if params is not None:
            m["params"] = params
        return m

    def call(id, name, args=None):
        return rpc(id, "tools/call", {"name": name, **({"arguments": args} if args is not None else {})})

    def stateless(id, method, params=None, name=None):
        p = dict(params or {})
        p["_meta"] = dict(STATELESS_META)
        extra = "mcp-protocol-version: 2026-07-28\nmcp-method: %s\n" % method
        if name is not None:
            extra += "mcp-name: %s\n" % name
        return post(rpc(id, method, p), extra)

    sep = "\n---\n"
    S = flags  # shorthand
    init = rpc(1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                 "clientInfo": {"name": "c", "version": "1"}})
    seeds = {
        # No session prepared: the fuzzed input initializes itself.
        "initialize-in-input": S(0) + post(init).encode(),
        "initialize-then-list": S(0x04) + (post(init) + sep + post(rpc(2, "tools/list"))).encode(),
        "no-content-type": S(0x07) + post(rpc(2, "ping"), headers="host: localhost\naccept: */*\n").encode(),
        "content-type-params": S(0x07) + post(rpc(2, "ping"), headers="host: localhost\ncontent-type: Application/JSON; charset=utf-8\naccept: application/*, text/*\n").encode(),
        "no-accept": S(0x07) + post(rpc(2, "ping"), headers="host: localhost\ncontent-type: application/json\n").encode(),
        "accept-json-only": S(0x07) + post(rpc(2, "ping"), headers="host: localhost\ncontent-type: application/json\naccept: application/json\n").encode(),
        "bad-host": S(0x07) + post(rpc(2, "ping"), headers="host: evil.example\ncontent-type: application/json\naccept: */*\n").encode(),
        "bad-origin": S(0x07) + post(rpc(2, "ping"), "origin: http://evil.example\n").encode(),
        "loopback-origin": S(0x07) + post(rpc(2, "ping"), "origin: http://127.0.0.1:3000\n").encode(),
        "allowed-origin": S(0x87) + post(rpc(2, "ping"), "origin: https://APP.example.com\n", headers=GOOD.replace("localhost:8080", "mcp.example.com")).encode(),
        "origin-no-scheme": S(0x87) + post(rpc(2, "ping"), "origin: mcp.example.com\n").encode(),
        "ipv6-host": S(0x07) + post(rpc(2, "ping"), headers="host: [::1]:8080\ncontent-type: application/json\naccept: */*\n").encode(),
        "bad-version-header": S(0x07) + post(rpc(2, "ping"), "mcp-protocol-version: 2024-01-01\n").encode(),
        "old-version-header": S(0x07) + post(rpc(2, "ping"), "mcp-protocol-version: 2024-11-05\n").encode(),
        "no-session": S(0x03) + post(rpc(2, "ping")).encode(),
        "unknown-session": S(0x03) + post(rpc(2, "ping"), "mcp-session-id: nope\n").encode(),
        "put": S(0x07) + b"PUT /mcp\n" + GOOD.encode() + b"\n{}",
        "options": S(0x07) + b"OPTIONS\nhost: localhost\n\n",
        "parse-error": S(0x07) + post('{"jsonrpc":').encode(),
        "empty-batch": S(0x07) + post("[]").encode(),
        "invalid-message": S(0x07) + post('{"jsonrpc":"2.0","id":{"x":1},"method":5}').encode(),
        "ping": S(0x07) + post(rpc(2, "ping")).encode(),
        "tools-list-pages": S(0x07) + (post(rpc(2, "tools/list")) + sep + post(rpc(3, "tools/list", {"cursor": "bzM"})) + sep + post(rpc(4, "tools/list", {"cursor": "!!"}))).encode(),
        "echo": S(0x07) + post(call(2, "echo", {"text": "hi\u2603"})).encode(),
        "echo-bad-args": S(0x07) + post(call(2, "echo", {"text": 5})).encode(),
        "echo-args-not-object": S(0x07) + post(call(2, "echo", [1])).encode(),
        "unknown-tool": S(0x07) + post(call(2, "nope", {})).encode(),
        "add-overflow-output": S(0x07) + post(call(2, "add", {"a": 1e300, "b": 1e300})).encode(),
        "search-pattern": S(0x07) + post(call(2, "search", {"q": "hello world", "limit": 5, "mode": "fast", "tags": ["a", "b"]})).encode(),
        "search-invalid": S(0x07) + post(call(2, "search", {"q": "UPPER", "limit": 0, "extra": 1, "tags": ["a", "a"]})).encode(),
        "mirror-non-finite": S(0x07) + post('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"mirror","arguments":{"big":1e400,"small":-1e400,"n":[1.5,-0]}}}').encode(),
        "error-data-non-finite": S(0x07) + post('{"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"x","n":1e999}}').encode(),
        "throw": S(0x07) + post(call(2, "throw")).encode(),
        "progress-sse": S(0x07) + post(call(2, "progress")).encode(),
        "progress-token": S(0x27) + post(rpc(2, "tools/call", {"name": "progress", "_meta": {"progressToken": "p1"}})).encode(),
        "always-sse": S(0x0f) + post(call(2, "echo", {"text": "x"})).encode(),
        "elicit-answer": S(0x67) + (post(call(2, "ask")) + sep + post({"jsonrpc": "2.0", "id": 1, "result": {"action": "accept", "content": {"name": "n"}}}) ).encode(),
        "elicit-error-answer": S(0x47) + (post(call(2, "ask")) + sep + post({"jsonrpc": "2.0", "id": 1, "error": {"code": -1, "message": "no"}})).encode(),
        "elicit-no-capability": S(0x07) + post(call(2, "ask")).encode(),
        "elicit-not-initialized": S(0x45) + post(call(2, "ask")).encode(),
        "sample-roots": S(0x47) + (post(call(2, "sample")) + sep + post({"jsonrpc": "2.0", "id": 1, "result": {"role": "assistant", "content": {"type": "text", "text": "x"}}}) + sep + post({"jsonrpc": "2.0", "id": 2, "result": {"roots": []}})).encode(),
        "reconnect-resume": S(0x27) + (post(call(2, "reconnect")) + sep + "GET /mcp\nhost: localhost\naccept: text/event-stream\nlast-event-id: 1-1\n\n").encode(),
        "get-stream-twice": S(0x27) + ("GET /mcp\nhost: localhost\naccept: text/event-stream\n\n" + sep + "GET /mcp\nhost: localhost\naccept: text/event-stream\n\n").encode(),
        "get-no-accept": S(0x07) + b"GET /mcp\nhost: localhost\n\n",
        "get-last-event-ids": S(0x27) + ("GET\nhost: localhost\naccept: text/event-stream\nlast-event-id: 0-1\n" + sep + "GET\nhost: localhost\naccept: text/event-stream\nlast-event-id: 99999999999999999999-1\n" + sep + "GET\nhost: localhost\naccept: text/event-stream\nlast-event-id: -\n" + sep + "GET\nhost: localhost\naccept: text/event-stream\nlast-event-id: 0-0\n").encode(),
        "delete-then-post": S(0x07) + ("DELETE /mcp\nhost: localhost\n\n" + sep + post(rpc(2, "ping")) + sep + "DELETE /mcp\nhost: localhost\n\n").encode(),
        "batch-2025-03-26": S(0x07) + post([rpc(2, "ping"), rpc(3, "tools/list"), rpc(None, "notifications/progress", {"progressToken": 1, "progress": 1}), {"jsonrpc": "2.0", "id": 77, "result": {}}]).encode(),
        "batch-2025-11-25": S(0x27) + post([rpc(2, "ping"), rpc(3, "tools/list")]).encode(),
        "batch-with-initialize": S(0x00) + post([init, rpc(2, "ping")]).encode(),
        "batch-invalid-member": S(0x07) + post([rpc(2, "ping"), 5]).encode(),
        "batch-cancel": S(0x07) + post([call(5, "slow", {"ms": 3}), rpc(None, "notifications/cancelled", {"requestId": 5})]).encode(),
        "batch-duplicate-ids": S(0x07) + post([call(5, "slow", {"ms": 1}), call(5, "slow", {"ms": 2}), rpc("5", "ping")]).encode(),
        "notifications-only": S(0x07) + post([rpc(None, "notifications/initialized"), rpc(None, "notifications/roots/list_changed")]).encode(),
        "reinitialize": S(0x07) + post(init).encode(),
        "initialize-no-version": S(0x00) + post(rpc(1, "initialize", {})).encode(),
        "initialize-params-array": S(0x00) + post(rpc(1, "initialize", [1])).encode(),
        "too-many-sessions": S(0x80) + (post(init, headers=GOOD) + sep + post(init) + sep + post(init)).encode(),
        "logging": S(0x07) + (post(rpc(2, "logging/setLevel", {"level": "error"})) + sep + post(rpc(3, "logging/setLevel", {"level": "loud"}))).encode(),
        "resources": S(0x07) + (post(rpc(2, "resources/list")) + sep + post(rpc(3, "resources/read", {"uri": "file:///readme"})) + sep + post(rpc(4, "resources/read", {"uri": "file:///docs/a%20b"})) + sep + post(rpc(5, "resources/read", {"uri": "search://host?q=x&page=2#f"})) + sep + post(rpc(6, "resources/read", {"uri": "repo://o/r/deep/path"})) + sep + post(rpc(7, "resources/templates/list"))).encode(),
        "resources-missing": S(0x07) + post(rpc(2, "resources/read", {"uri": "file:///nope/x"})).encode(),
        "subscribe": S(0x07) + (post(rpc(2, "resources/subscribe", {"uri": "file:///docs/x"})) + sep + post(rpc(3, "resources/subscribe", {"uri": "zzz"})) + sep + post(rpc(4, "resources/unsubscribe", {"uri": "file:///docs/x"}))).encode(),
        "prompts": S(0x07) + (post(rpc(2, "prompts/list")) + sep + post(rpc(3, "prompts/get", {"name": "greet", "arguments": {"name": "Ann"}})) + sep + post(rpc(4, "prompts/get", {"name": "greet"})) + sep + post(rpc(5, "prompts/get", {"name": "greet", "arguments": {"name": 1}}))).encode(),
        "completion": S(0x07) + (post(rpc(2, "completion/complete", {"ref": {"type": "ref/prompt", "name": "greet"}, "argument": {"name": "name", "value": "a"}})) + sep + post(rpc(3, "completion/complete", {"ref": {"type": "ref/resource", "uri": "file:///docs/{name}"}, "argument": {"name": "name", "value": ""}, "context": {"arguments": {"x": "y"}}}))).encode(),
        "unknown-method": S(0x07) + post(rpc(2, "does/not/exist")).encode(),
        # The stateless wire (2026-07-28).
        "stateless-discover": S(0x00) + stateless(1, "server/discover").encode(),
        "stateless-echo": S(0x00) + stateless(1, "tools/call", {"name": "echo", "arguments": {"text": "x"}}, "echo").encode(),
        "stateless-name-b64": S(0x00) + stateless(1, "tools/call", {"name": "echo", "arguments": {"text": "x"}}, "=?base64?ZWNobw==?=").encode(),
        "stateless-name-mismatch": S(0x00) + stateless(1, "tools/call", {"name": "echo", "arguments": {"text": "x"}}, "add").encode(),
        "stateless-no-method-header": S(0x00) + post(rpc(1, "tools/list", {"_meta": STATELESS_META}), "mcp-protocol-version: 2026-07-28\n").encode(),
        "stateless-version-mismatch": S(0x00) + post(rpc(1, "tools/list", {"_meta": STATELESS_META}), "mcp-protocol-version: 2025-06-18\nmcp-method: tools/list\n").encode(),
        "stateless-no-meta": S(0x00) + post(rpc(1, "tools/list"), "mcp-protocol-version: 2026-07-28\nmcp-method: tools/list\n").encode(),
        "stateless-ask-roundtrip": S(0x00) + (stateless(1, "tools/call", {"name": "ask"}, "ask") + sep + stateless(2, "tools/call", {"name": "ask", "requestState": "$STATE", "inputResponses": {"input_1": {"action": "accept", "content": {"name": "n"}}}}, "ask")).encode(),
        "stateless-bad-state": S(0x00) + stateless(1, "tools/call", {"name": "ask", "requestState": "AAAA"}, "ask").encode(),
        "stateless-expired-state": S(0x00, 0x02) + (stateless(1, "tools/call", {"name": "ask"}, "ask") + sep + stateless(2, "tools/call", {"name": "ask", "requestState": "$STATE"}, "ask")).encode(),
        "stateless-state-other-tool": S(0x00) + (stateless(1, "tools/call", {"name": "ask"}, "ask") + sep + stateless(2, "tools/call", {"name": "sample", "requestState": "$STATE"}, "sample")).encode(),
        "stateless-listen": S(0x00) + stateless(1, "subscriptions/listen", {"notifications": {"resources/updated": ["file:///readme"]}}).encode(),
        "stateless-notification": S(0x00) + post(rpc(None, "notifications/x", {"_meta": STATELESS_META}), "mcp-protocol-version: 2026-07-28\nmcp-method: notifications/x\n").encode(),
        "stateless-batch": S(0x00) + post([rpc(1, "ping", {"_meta": STATELESS_META})], "mcp-protocol-version: 2026-07-28\n").encode(),
        "stateless-response": S(0x00) + post({"jsonrpc": "2.0", "id": 1, "result": {}}, "mcp-protocol-version: 2026-07-28\n").encode(),
        "stateless-loglevel": S(0x00) + stateless(1, "tools/call", {"name": "progress", "_meta": {}}, "progress").replace('"_meta":{}', '"_meta":{"io.modelcontextprotocol/logLevel":"debug","progressToken":1}').encode(),
        "stateless-only-get": S(0x00, 0x01) + b"GET /mcp\nhost: localhost\naccept: text/event-stream\n\n",
        "stateless-only-session-post": S(0x00, 0x01) + post(init).encode(),
        "stateless-unknown-version": S(0x00) + post(rpc(1, "ping"), "mcp-protocol-version: 2099-01-01\n").encode(),
    }
    seeds.update(http_request_long(S, post, rpc, call, stateless, init, sep))
    for k, v in seeds.items():
        write(t, k, v)


def http_request_long(S, post, rpc, call, stateless, init, sep):
    """Longer inputs: several requests with real bodies, API-key authentication ($KEY alice,
    $KEY2 bob with echo only, $KEY3 revoked), the protected-resource metadata, session shares
    and the batch cap (see the flags in http_request_fuzz.cpp)."""
    alice = "authorization: Bearer $KEY\n"
    bob = "authorization: Bearer $KEY2\n"
    text = "The quick brown fox jumps over the lazy dog, " * 12
    get_wk = lambda path, host="localhost:8080": "GET %s\nhost: %s\n\n" % (path, host)
    init03 = rpc(1, "initialize", {"protocolVersion": "2025-03-26", "capabilities": {"roots": {"listChanged": True}},
                                   "clientInfo": {"name": "long-client", "version": "1.2.3"}})
    return {
        "auth-api-key-session": S(0x07, 0x04) + sep.join([
            post(rpc(2, "tools/list"), alice),
            post(call(3, "echo", {"text": text}), alice),
            post(call(4, "add", {"a": 1.5, "b": -2}), alice),
            post(rpc(5, "resources/read", {"uri": "file:///docs/guide"}), "x-api-key: $KEY\n"),
            post(call(6, "echo", {"text": "not mine"}), bob),
            post(rpc(7, "ping"), "authorization: Bearer $KEY3\n"),
        ]).encode(),
        "auth-well-known": S(0x00, 0x04) + sep.join([
            get_wk("/.well-known/oauth-protected-resource"),
            get_wk("/.well-known/oauth-protected-resource/mcp", "mcp.example.com:8443"),
            "POST /.well-known/oauth-protected-resource/mcp\nhost: localhost\ncontent-type: application/json\n\n{}",
            get_wk("/.well-known/oauth-authorization-server"),
            post(init, "host: [::1]:8080\n", headers="content-type: application/json\naccept: */*\n"),
            post(rpc(2, "ping"), "authorization: Basic dXNlcjpwYXNz\n"),
        ]).encode(),
        "auth-configured-resource": S(0x05, 0x0c) + sep.join([
            get_wk("/.well-known/oauth-protected-resource/mcp"),
            get_wk("/.well-known/oauth-protected-resource"),
            post(rpc(2, "tools/list"), "authorization: Bearer mcpb_unknown\n"),
            post(call(3, "echo", {"text": text}), alice),
        ]).encode(),
        "auth-forbidden-tool": S(0x04, 0x04) + sep.join([
            post(init, bob),
            post(rpc(None, "notifications/initialized"), bob),
            post(call(2, "add", {"a": 1, "b": 2}), bob),
            post(call(3, "echo", {"text": text}), bob),
            post(rpc(4, "tools/list"), bob),
            "DELETE /mcp\nhost: localhost\n" + bob + "\n",
        ]).encode(),
        "auth-stateless": S(0x00, 0x04) + sep.join([
            stateless(1, "tools/call", {"name": "echo", "arguments": {"text": text}}, "echo").replace("POST /mcp\n", "POST /mcp\n" + alice, 1),
            stateless(2, "tools/call", {"name": "add", "arguments": {"a": 1, "b": 2}}, "add").replace("POST /mcp\n", "POST /mcp\n" + bob, 1),
            stateless(3, "server/discover"),
        ]).encode(),
        "session-share-evict": S(0x00, 0x10) + sep.join([
            post(init, "x-fuzz-remote: 10.0.0.1\n"),
            "GET /mcp\nhost: localhost\naccept: text/event-stream\nmcp-session-id: $SESSION\nx-fuzz-remote: 10.0.0.1\n\n",
            post(init, "x-fuzz-remote: 10.0.0.1\n"),
            post(init, "x-fuzz-remote: 10.0.0.2\n"),
            post(call(2, "echo", {"text": text}), "mcp-session-id: $SESSION\nx-fuzz-remote: 10.0.0.2\n"),
            post(init, "x-fuzz-remote: 10.0.0.2\n"),
        ]).encode(),
        "batch-over-max": S(0x07, 0x20) + sep.join([
            post([rpc(2, "ping"), call(3, "echo", {"text": "a,b,[c],{d}"})]),
            post([rpc(4, "ping"), rpc(5, "ping"), rpc(6, "ping")]),
            post([rpc(10 + i, "ping") for i in range(40)]),
        ]).encode(),
        "batch-long": S(0x07) + sep.join([
            post([rpc(10 + i, "ping") for i in range(30)] + [call(99, "echo", {"text": text})]),
            post([rpc(200 + i, "tools/list") for i in range(12)]),
        ]).encode(),
        "long-mixed": S(0x67) + sep.join([
            post(call(2, "mirror", {"nested": {"list": list(range(40)), "text": text, "flags": [True, False, None]}})),
            post(call(3, "progress", {"_meta": {"progressToken": "tok"}})),
            post(rpc(4, "resources/read", {"uri": "repo://owner/repo/" + "/".join("seg%d" % i for i in range(20))})),
            post(rpc(5, "prompts/get", {"name": "greet", "arguments": {"name": text[:200]}})),
            post(call(6, "ask")),
            post({"jsonrpc": "2.0", "id": 1, "result": {"action": "accept", "content": {"name": text[:100]}}}),
        ]).encode(),
    }


# ---------------------------------------------------------------- json_schema
def json_schema():
    t = "json_schema"
    pairs = {
        "type-string": ({"type": "string"}, "abc"),
        "type-array": ({"type": ["string", "null"]}, None),
        "type-integer-double": ({"type": "integer"}, 2.0),
        "type-integer-bad": ({"type": "integer"}, 2.5),
        "type-unknown": ({"type": "widget"}, 1),
        "object": ({"type": "object", "properties": {"a": {"type": "number", "minimum": 0, "maximum": 10},
                                                     "b": {"type": "string", "minLength": 2, "maxLength": 4}},
                    "required": ["a"], "additionalProperties": False}, {"a": 5, "b": "xyz"}),
        "object-extra": ({"type": "object", "additionalProperties": False}, {"x~/y": 1}),
        "additional-schema": ({"additionalProperties": {"type": "integer"}}, {"a": 1, "b": "x"}),
        "required-missing": ({"required": ["a", 1, "b"]}, {"b": 1}),
        "min-max-properties": ({"minProperties": 1, "maxProperties": 1.5}, {"a": 1, "b": 2}),
        "dependent-required": ({"dependentRequired": {"a": ["b", 3]}}, {"a": 1}),
        "pattern": ({"type": "string", "pattern": "^[a-z]+$"}, "abc"),
        "pattern-invalid": ({"pattern": "(unclosed["}, "x"),
        "pattern-backref": ({"pattern": "(a)\\1"}, "aa"),
        "pattern-lookahead": ({"pattern": "^(?=a)a.*$"}, "abc"),
        "pattern-redos": ({"pattern": "^(a+)+$"}, "a" * 24 + "b"),
        "pattern-long-input": ({"pattern": "(a|b)*c"}, "ab" * 2000),
        "pattern-properties": ({"patternProperties": {"^x-": {"type": "string"}, "[": {}}, "additionalProperties": False},
                               {"x-a": "s", "y": 1}),
        "enum": ({"enum": [1, "a", None, {"k": [1]}]}, {"k": [1.0]}),
        "enum-not-array": ({"enum": "a"}, "a"),
        "const": ({"const": 1}, 1.0),
        "multiple-of": ({"multipleOf": 0.1}, 0.3),
        "multiple-of-tiny": ({"multipleOf": 1e-308}, 1e308),
        "multiple-of-zero": ({"multipleOf": 0}, 5),
        "exclusive": ({"exclusiveMinimum": 0, "exclusiveMaximum": 1}, 1),
        "huge-numbers": ({"minimum": -1e308, "maximum": 1.8e308}, 18446744073709551615),
        "array": ({"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3, "uniqueItems": True},
                  [1, 2, 2]),
        "prefix-items": ({"prefixItems": [{"type": "string"}, {"type": "number"}], "items": False}, ["a", 1, True]),
        "items-tuple": ({"items": [{"type": "string"}, {"const": 2}]}, ["a", 3]),
        "unique-many": ({"uniqueItems": True}, list(range(300))),
        "allof-anyof-oneof": ({"allOf": [{"type": "number"}], "anyOf": [{"minimum": 5}, {"maximum": 1}],
                               "oneOf": [{"type": "integer"}, {"multipleOf": 2}]}, 6),
        "not": ({"not": {"type": "string"}}, "s"),
        "if-then-else": ({"if": {"type": "string"}, "then": {"minLength": 3}, "else": {"type": "number"}}, "ab"),
        "ref-defs": ({"$defs": {"pos": {"type": "integer", "minimum": 1}}, "properties": {"n": {"$ref": "#/$defs/pos"}}},
                     {"n": 0}),
        "ref-definitions-escaped": ({"definitions": {"a/b": {"type": "string"}, "c~d": {"type": "number"}},
                                     "anyOf": [{"$ref": "#/definitions/a~1b"}, {"$ref": "#/definitions/c~0d"}]}, 1),
        "ref-percent": ({"$defs": {"a b": {"const": 1}}, "$ref": "#/$defs/a%20b"}, 1),
        "ref-percent-truncated": ({"$ref": "#/%2"}, 1),
        "ref-anchor": ({"$defs": {"x": {"$anchor": "here", "type": "null"}}, "$ref": "#here"}, None),
        "ref-remote": ({"$ref": "https://example.com/schema.json"}, 1),
        "ref-root-recursive": ({"type": "object", "properties": {"child": {"$ref": "#"}}},
                               {"child": {"child": {"child": {}}}}),
        "ref-self-loop": ({"$ref": "#"}, 1),
        "ref-exponential": ({"anyOf": [{"$ref": "#"}, {"$ref": "#"}, {"$ref": "#"}], "type": "string"}, 1),
        "deep-schema": ({"items": {"items": {"items": {"items": {"items": {"type": "string"}}}}}}, [[[[[1]]]]]),
        "bool-true": (True, {"anything": [1]}),
        "bool-false": (False, 1),
        "bool-subschemas": ({"properties": {"a": False, "b": True}}, {"a": 1}),
        "unicode-length": ({"minLength": 3, "maxLength": 3}, "\u00e9\u2603\U0001F600"),
        "not-object-schema": ([1, 2], "x"),
    }
    for k, (s, i) in pairs.items():
        write(t, k + ".json", j(s) + " " + j(i))
    write(t, "non-json-instance.json", '{"type":"string","maxLength":2} not json at all')
    write(t, "deep-instance.json", '{"items":{"type":"array"}} ' + "[" * 63 + "]" * 63)


# ---------------------------------------------------------------- uri_template
def uri_template():
    t = "uri_template"
    pairs = {
        "simple": ("file:///docs/{name}", "file:///docs/readme"),
        "simple-encoded": ("file:///docs/{name}", "file:///docs/a%20b%2Fc"),
        "simple-slash": ("file:///docs/{name}", "file:///docs/a/b"),
        "simple-empty": ("file:///docs/{name}", "file:///docs/"),
        "two-vars": ("repo://{owner}/{repo}", "repo://o/r"),
        "adjacent": ("x://{a}{b}", "x://12"),
        "reserved": ("{+base}/index", "http://h/p/index"),
        "fragment": ("page{#section}", "page#top/x"),
        "path": ("repo://{owner}{/path}", "repo://o/a"),
        "path-missing": ("repo://{owner}{/path}", "repo://o"),
        "query": ("search://host{?q,page}", "search://host?q=a%20b&page=2"),
        "query-fragment": ("search://host{?q}", "search://host?q=x#frag"),
        "query-continue": ("s://h?fixed=1{&q}", "s://h?fixed=1&q=2"),
        "query-no-eq": ("s://h{?q}", "s://h?q&x=&=y"),
        "multi-names": ("m://{x,y,z}", "m://1,2,3,4"),
        "explode-prefix": ("m://{list*}/{name:3}", "m://a,b/abc"),
        "label-op": ("m://{.dom}", "m://.example"),
        "param-op": ("m://{;p}", "m://;p=1"),
        "unclosed": ("file:///{name", "file:///{name"),
        "empty-expr": ("a{}b", "ab"),
        "nested-braces": ("a{{x}}b", "a{1}b"),
        "only-expr": ("{x}", "anything"),
        "only-literal": ("literal", "literal"),
        "bad-pct": ("f://{name}", "f://%zz%"),
        "pct-nul": ("f://{name}", "f://a%00b"),
        "utf8": ("f://{name}", "f://\u00e9\u2603"),
        "empty-template": ("", ""),
        "no-uri": ("{a}", None),
        "suffix-literal": ("x://{id}.json", "x://12.json"),
        "suffix-repeated": ("x://{id}/v/{rev}/v", "x://1/v/2/v"),
        "many-exprs": ("{a}{b}{c}{d}{e}{f}{g}{h}", "abcdefgh"),
    }
    for k, (tm, u) in pairs.items():
        write(t, k, tm if u is None else tm + "\n" + u)


# ---------------------------------------------------------------- jwt
def jwt():
    import base64
    t = "jwt"
    b = lambda v: base64.urlsafe_b64encode(v.encode() if isinstance(v, str) else v).rstrip(b"=").decode()
    hdr = b(j({"alg": "ES256", "typ": "at+jwt", "kid": "k1"}))
    pay = b(j({"iss": "https://as.example", "sub": "alice", "aud": "https://as.example/mcp",
               "client_id": "c_1", "scope": "mcp", "exp": 4102444800, "iat": 1700000000, "jti": "j1"}))
    sig = b(bytes(64))
    write(t, "jws-es256", "\x00" + hdr + "." + pay + "." + sig)
    write(t, "jws-none", "\x00" + b(j({"alg": "none"})) + "." + pay + ".")
    write(t, "jws-two-parts", "\x00" + hdr + "." + pay)
    write(t, "jws-not-json", "\x00" + b("{\"alg\":") + "." + pay + "." + sig)
    write(t, "verify-es256", "\x01" + hdr + "." + pay + "." + sig)
    write(t, "verify-garbage", "\x01mcpr_notajwt")
    write(t, "form-basic", "\x02grant_type=authorization_code&code=abc&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb")
    write(t, "form-plus-pct", "\x02a=x+y%21&b=&c")
    write(t, "form-repeated", "\x02a=1&a=2")
    write(t, "form-bad-pct", "\x02a=%2")
    write(t, "url-loopback", "\x03http://[::1]:8080/cb?x=1")
    write(t, "url-https", "\x03https://app.example/cb")
    write(t, "url-userinfo", "\x03https://u:p@app.example/cb#f")
    write(t, "url-bad-bracket", "\x03http://[::1/cb")


def main():
    jwt()
    jsonrpc()
    http_request()
    json_schema()
    uri_template()
    for tgt in ("jsonrpc", "http_request", "json_schema", "uri_template", "jwt"):
        n = len([f for f in os.listdir(os.path.join(HERE, "corpus", tgt)) if f.startswith("seed-")])
        print(f"{tgt}: {n} seeds")


if __name__ == "__main__":
    sys.exit(main())
