#!/usr/bin/env python3
"""Writes the seed corpora of the OpenAPI fuzz targets (openapi_request, openapi_spec,
openapi_response, upstream_headers) as fuzz/corpus/<target>/seed-*. Idempotent; regress-*
inputs beside them are not touched.
    python3 fuzz/gen_openapi_seeds.py
"""
import gzip
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def j(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


# ------------------------------------------------------------ openapi_request
# Byte 0: the operation (getItem, getFile, styles, pair, postForm, putJson, upload in the
# loader's order), byte 1: the mode (0 JSON, 1 strings, 2 arrays, 3 objects; see the fuzzer).
def openapi_request():
    t = "openapi_request"
    ops = {"getItem": 0, "getFile": 1, "styles": 2, "pair": 3, "postForm": 4, "putJson": 5, "upload": 6}
    seeds = {
        "item-all-params": ("getItem", 0, {"id": "a b", "q": "a&b=c#d", "tags": ["x", "y z"], "filter": {"a": "b", "c[d]": "e"},
                                           "opts": {"color": "red"}, "fields": ["a", "b"], "pipes": ["c", "d"],
                                           "raw": "/a?b:c@d!$'()*,;", "json": {"k": [1, "2"]}, "limit": 5,
                                           "X-Trace": "t\tv", "X-Obj": {"a": "1"}, "session": "s; x=1",
                                           "prefs": ["a", "b"]}),
        "item-dotdot": ("getItem", 0, {"id": ".."}),
        "item-dot": ("getItem", 0, {"id": "."}),
        "item-empty": ("getItem", 0, {"id": ""}),
        "item-slash": ("getItem", 0, {"id": "../admin"}),
        "item-pct-dots": ("getItem", 0, {"id": "%2e%2e"}),
        "item-query-fragment": ("getItem", 0, {"id": "?x=1#f"}),
        "item-backslash": ("getItem", 0, {"id": "a\\b"}),
        "item-crlf-header": ("getItem", 0, {"id": "1", "X-Trace": "a\r\nInjected: 1"}),
        "item-ctl-header": ("getItem", 0, {"id": "1", "X-Trace": "a\u0001b\u007f"}),
        "item-opts-collide": ("getItem", 0, {"id": "1", "opts": {"limit": "9", "LIMIT": "8"}}),
        "item-unicode": ("getItem", 0, {"id": "h\u00e9llo \U0001F431", "q": "\u2603"}),
        "item-array-dotdot": ("getItem", 0, {"id": [".."]}),
        "item-object-empty": ("getItem", 0, {"id": {}}),
        "file-dotdot": ("getFile", 0, {"dir": "..", "name": "x"}),
        "file-name-empty": ("getFile", 0, {"dir": "a", "name": ""}),
        "file-name-dots": ("getFile", 0, {"dir": "a", "name": ".."}),
        "styles-label-empty": ("styles", 0, {"label": ["", ""], "matrix": {"a": "."}, "simple": {"k": "v"}}),
        "styles-label-one": ("styles", 0, {"label": [""], "matrix": {}, "simple": {}}),
        "styles-good": ("styles", 0, {"label": ["a", "b"], "matrix": {"x": "1", "y": "2"}, "simple": {"k": "v"}}),
        "pair-dots": ("pair", 0, {"a": ".", "b": "."}),
        "pair-empty-dotdot": ("pair", 0, {"a": "", "b": ".."}),
        "pair-numbers": ("pair", 0, {"a": 1, "b": 2.5}),
        "form-body": ("postForm", 0, {"id": 1, "name": "a b&c=d+e", "tags": ["x", "y"], "meta": {"k": "v w"}}),
        "json-body": ("putJson", 0, {"id": "x", "If-Match": "\"etag\"", "title": "t", "count": 1}),
        "json-ifmatch-crlf": ("putJson", 0, {"id": "x", "If-Match": "\"e\"\r\nX: y"}),
        "upload-file": ("upload", 0, {"folder": "f", "file": "aGVsbG8=", "note": "n"}),
        "upload-not-base64": ("upload", 0, {"folder": "f", "file": "not base64!"}),
    }
    for name, (op, mode, args) in seeds.items():
        write(t, name, bytes([ops[op], mode]) + j(args).encode())
    sep = "\x1f"
    write(t, "strings-dotdot", bytes([0, 1]) + sep.join(["..", "a", "b"]).encode())
    write(t, "strings-pair", bytes([3, 1]) + sep.join([".", "."]).encode())
    write(t, "strings-long", bytes([1, 1]) + ("x" * 3000 + sep + "y/z").encode())
    write(t, "arrays-empty", bytes([2, 2]) + sep.join(["", ".."]).encode())
    write(t, "objects-kv", bytes([2, 3]) + sep.join(["..", ".", "/", "?", "#", "%"]).encode())
    write(t, "objects-form", bytes([4, 3]) + sep.join(["k", "v", "a b", "c&d"]).encode())


# ------------------------------------------------------------ openapi_spec
def openapi_spec():
    t = "openapi_spec"
    with open(os.path.join(HERE, "..", "tests", "openapi", "fixtures", "petstore.yaml"), "rb") as f:
        petstore = f.read()
    write(t, "petstore.yaml", petstore)
    write(t, "petstore.yaml.gz", gzip.compress(petstore, mtime=0))
    v31 = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
           "servers": [{"url": "https://{region}.example.com/{base}",
                        "variables": {"region": {"default": "eu", "enum": ["eu", "us"]}, "base": {"default": "v1"}}}],
           "paths": {"/items/{id}": {
               "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
               "get": {"operationId": "getItem", "parameters": [
                   {"name": "filter", "in": "query", "style": "deepObject", "explode": True,
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}}},
                   {"name": "X-Id", "in": "header", "schema": {"type": ["string", "null"]}}],
                   "responses": {"200": {"description": "ok", "content": {"application/json": {
                       "schema": {"$ref": "#/components/schemas/Item"}}}}}},
               "put": {"requestBody": {"required": True, "content": {"application/json": {
                   "schema": {"$ref": "#/components/schemas/Item"}}}}, "responses": {"204": {"description": "ok"}}}}},
           "components": {"schemas": {"Item": {"type": "object", "required": ["name"], "properties": {
               "name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
               "kind": {"oneOf": [{"const": "a"}, {"const": "b"}]}}}}}}
    write(t, "v31-recursive.json", j(v31))
    swagger = {"swagger": "2.0", "info": {"title": "s", "version": "1"}, "host": "api.example.com", "basePath": "/v2",
               "schemes": ["https"], "paths": {"/pets/{petId}": {"post": {
                   "consumes": ["application/x-www-form-urlencoded"], "parameters": [
                       {"name": "petId", "in": "path", "required": True, "type": "integer"},
                       {"name": "name", "in": "formData", "type": "string"},
                       {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"},
                        "collectionFormat": "pipes"}],
                   "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"}}}}}},
               "definitions": {"Pet": {"type": "object", "properties": {"id": {"type": "integer", "format": "int64"}}}}}
    write(t, "swagger2-form.json", j(swagger))
    write(t, "v30-nullable.yaml", """openapi: 3.0.3
info: {title: n, version: '1'}
paths:
  /a:
    post:
      operationId: a very long operation id that must be shortened to fit the tool name limit of the loader
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                file: {type: string, format: binary}
                meta: {type: object, nullable: true, example: {a: 1}}
            encoding: {meta: {contentType: application/json}}
      responses: {'200': {description: ok}}
    get:
      x-mcp: false
      responses: {'200': {description: ok}}
""")
    write(t, "yaml-alias-bomb.yaml", """openapi: 3.0.0
info: {title: b, version: '1'}
x-a: &a [x, x, x, x, x, x, x, x, x, x]
x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
x-e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
x-f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
x-g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
paths: {}
""")
    write(t, "yaml-merge-keys.yaml", """openapi: 3.0.0
info: {title: m, version: '1'}
x-common: &common
  responses: {'200': {description: ok}}
paths:
  /m:
    get:
      <<: *common
      operationId: merged
    delete:
      <<: [*common]
""")
    write(t, "deep-json.json", "[" * 600 + "]" * 600)
    write(t, "deep-yaml-flow.yaml", "a: " + "[" * 400 + "]" * 400)
    write(t, "deep-yaml-block.yaml", "".join("  " * i + "k:\n" for i in range(300)))
    write(t, "ref-cycle.json", j({"openapi": "3.0.0", "info": {"title": "c", "version": "1"}, "paths": {"/c": {"get": {
        "parameters": [{"$ref": "#/components/parameters/P"}], "responses": {"200": {"description": "ok"}}}}},
        "components": {"parameters": {"P": {"$ref": "#/components/parameters/Q"}, "Q": {"$ref": "#/components/parameters/P"}}}}))
    write(t, "ref-unresolved.yaml", """openapi: 3.0.0
info: {title: u, version: '1'}
paths:
  /u:
    get:
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Nope'}}}}}
  /ext:
    get:
      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: 'other.yaml#/X'}}}}}
""")
    write(t, "ref-fanout.json", j({"openapi": "3.1.0", "info": {"title": "f", "version": "1"}, "paths": {"/f": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/$defs/L5"}}}},
        "responses": {"200": {"description": "ok"}}}}},
        "$defs": dict([("L0", {"type": "string"})] + [("L%d" % i, {"type": "object", "properties": {
            "a": {"$ref": "#/$defs/L%d" % (i - 1)}, "b": {"$ref": "#/$defs/L%d" % (i - 1)}}}) for i in range(1, 6)])}))
    write(t, "names-collide.yaml", """openapi: 3.0.0
info: {title: n, version: '1'}
paths:
  /x/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    post:
      operationId: dup
      parameters: [{name: id, in: header, schema: {type: string}}, {name: id, in: query, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: {type: object, properties: {id: {type: string}, body: {type: string}}}}}}
      responses: {'200': {description: ok}}
  /y:
    get: {operationId: dup, responses: {'200': {description: ok}}}
  "/z\\u00e9/{undeclared}":
    get: {operationId: "h\\u00e9 llo/\\u2603", responses: {'200': {description: ok}}}
""")
    write(t, "not-openapi.yaml", "just: a mapping\nlist: [1, 2]\n")
    write(t, "invalid-yaml.yaml", "openapi: 3.0.0\ninfo: {title: [unclosed\n")
    write(t, "empty", "")
    write(t, "scalar.json", "42")


# ------------------------------------------------------------ openapi_response
def openapi_response():
    t = "openapi_response"

    def resp(status, headers, body, flags=0):
        head = bytes([(status - 100) >> 8, (status - 100) & 0xFF, flags])
        lines = "".join(f"{k}: {v}\n" for k, v in headers) + "\n"
        b = body if isinstance(body, bytes) else body.encode("utf-8")
        return head + lines.encode("utf-8", "surrogateescape") + b

    write(t, "200-json-object", resp(200, [("Content-Type", "application/json")], '{"id":7,"name":"x"}'))
    write(t, "200-json-array-wrapped", resp(200, [("Content-Type", "application/json; charset=utf-8")], "[1,2]", 1))
    write(t, "200-json-invalid", resp(200, [("Content-Type", "application/json")], '{"id":'))
    write(t, "200-untyped-json", resp(200, [], '{"a":"\\u00e9"}'))
    write(t, "200-text", resp(200, [("Content-Type", "text/plain")], "h\u00e9llo"))
    write(t, "200-text-invalid-utf8", resp(200, [("Content-Type", "text/plain")], b"a\xff\xfe"))
    write(t, "200-text-surrogate", resp(200, [("Content-Type", "text/plain")], b"a\xed\xa0\x80b"))
    write(t, "200-text-overlong", resp(200, [("Content-Type", "text/plain")], b"\xc0\xaf"))
    write(t, "200-image", resp(200, [("Content-Type", "image/png")], b"\x89PNG\r\n\x1a\n"))
    write(t, "200-audio", resp(200, [("Content-Type", "audio/wav")], b"RIFF"))
    write(t, "200-binary", resp(200, [("Content-Type", "application/octet-stream")], b"\x00\x01\x02", 2))
    write(t, "204-location", resp(204, [("Location", "/things/8?token=abc")], ""))
    write(t, "301-location", resp(301, [("Location", "https://other.example/x?key=k")], ""))
    write(t, "404-json", resp(404, [("Content-Type", "application/problem+json")], '{"title":"not found"}', 2))
    write(t, "429-retry-seconds", resp(429, [("Retry-After", "120")], "slow down"))
    write(t, "503-retry-2263", resp(503, [("Retry-After", "Thu, 01 Jan 2263 00:00:00 GMT")], ""))
    write(t, "503-retry-invalid-utf8", resp(503, [("Retry-After", "\udcff\udcfe")], ""))
    write(t, "500-html-long", resp(500, [("Content-Type", "text/html")], "<p>" + "\u00e9" * 5000 + "</p>"))
    write(t, "500-binary", resp(500, [("Content-Type", "application/zip")], b"PK\x03\x04"))
    write(t, "500-ctype-invalid-utf8", resp(500, [("Content-Type", "\udcc3x/\udcff")], b"\x00\x01"))
    write(t, "200-cache-control", resp(200, [("Cache-Control", "max-age=9300000000000000, \udcff")], "{}"))
    write(t, "100-continue", resp(100, [], ""))


# ------------------------------------------------------------ upstream_headers
def upstream_headers():
    t = "upstream_headers"
    values = {
        "max-age-huge": "max-age=9300000000000000",
        "max-age-negative": "max-age=-5",
        "max-age-quoted": 'max-age="30"',
        "max-age-empty": "max-age=",
        "max-age-public": "public, max-age=60",
        "s-maxage": "s-maxage=5, max-age=7",
        "no-store": "no-store",
        "no-cache-max-age": "no-cache, max-age=5",
        "retry-date-2263": "Thu, 01 Jan 2263 00:00:00 GMT",
        "retry-date-9999": "Fri, 31 Dec 9999 23:59:59 GMT",
        "retry-date-1994": "Sun, 06 Nov 1994 08:49:37 GMT",
        "retry-date-1900": "Mon, 01 Jan 1900 00:00:00 GMT",
        "retry-seconds": "120",
        "retry-seconds-huge": "99999999999999999999999",
        "retry-seconds-year": "31536001",
        "retry-negative": "-1",
        "retry-spaces": "  42  ",
        "empty": "",
    }
    for k, v in values.items():
        write(t, k, v)


def main():
    openapi_request()
    openapi_spec()
    openapi_response()
    upstream_headers()
    for tgt in ("openapi_request", "openapi_spec", "openapi_response", "upstream_headers"):
        n = len([f for f in os.listdir(os.path.join(HERE, "corpus", tgt)) if f.startswith("seed-")])
        print(f"{tgt}: {n} seeds")


if __name__ == "__main__":
    sys.exit(main())
