// Fuzzes the OpenAPI request builder (build_request) with a small fixed spec (path params in
// every style, two variables in one segment, query/header/cookie params, form, JSON and
// multipart bodies, a server variable) and fuzzed tool arguments.
// Input: byte 0 picks the operation, byte 1 how the rest becomes arguments:
//   0  the rest is a JSON object of arguments;
//   1  the rest split at 0x1F: strings given, in order, to the operation's properties;
//   2  the same, each string wrapped in a one-item array (and every other one in a pair);
//   3  the same pieces as an object {piece0: piece1, piece2: piece3, ...} for every property.
// Oracles, when a request is built: the scheme, host and base path are the server's; the path
// has the template's segment count, its literal segments and the literal text around each
// variable, and no empty, "." or ".." segment (also with %2e read as '.'); the query is
// name=value pairs of URL characters; header names are tokens and values carry no control
// character; a form body is name=value pairs. A refusal is always kInvalidParams (the spec is
// valid: only the arguments can be wrong).
#include <boost/url/parse.hpp>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <mcp/sources/openapi/loader.hpp>
#include "sources/openapi/request.hpp"
#include "../tests/openapi/path_check.hpp"  // the path-structure oracle

namespace {

namespace oa = mcp::openapi;
namespace json = mcp::json;

constexpr std::string_view kSpec = R"(openapi: 3.1.0
info: {title: fuzz, version: "1"}
servers:
  - url: https://{region}.api.example.com/v1
    variables: {region: {default: eu, enum: [eu, us]}}
paths:
  /items/{id}/detail:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: q, in: query, schema: {type: string}}
        - {name: tags, in: query, explode: true, schema: {type: array, items: {type: string}}}
        - {name: filter, in: query, style: deepObject, explode: true, schema: {type: object}}
        - {name: opts, in: query, style: form, explode: true, schema: {type: object}}
        - {name: fields, in: query, style: spaceDelimited, explode: false, schema: {type: array}}
        - {name: pipes, in: query, style: pipeDelimited, explode: false, schema: {type: array}}
        - {name: raw, in: query, allowReserved: true, schema: {type: string}}
        - {name: json, in: query, content: {application/json: {schema: {type: object}}}}
        - {name: limit, in: query, schema: {type: integer}}
        - {name: X-Trace, in: header, schema: {type: string}}
        - {name: X-Obj, in: header, explode: true, schema: {type: object}}
        - {name: session, in: cookie, schema: {type: string}}
        - {name: prefs, in: cookie, explode: false, schema: {type: array}}
  /files/{dir}/{name}.json:
    get:
      operationId: getFile
      parameters:
        - {name: dir, in: path, required: true, schema: {type: string}}
        - {name: name, in: path, required: true, schema: {type: string}}
  /styles/{label}/{matrix}/{simple}:
    get:
      operationId: styles
      parameters:
        - {name: label, in: path, required: true, style: label, explode: true, schema: {type: array}}
        - {name: matrix, in: path, required: true, style: matrix, explode: true, schema: {type: object}}
        - {name: simple, in: path, required: true, explode: true, schema: {type: object}}
  /pair/{a}{b}/end:
    get:
      operationId: pair
      parameters:
        - {name: a, in: path, required: true, schema: {type: string}}
        - {name: b, in: path, required: true, schema: {type: string}}
  /forms/{id}:
    post:
      operationId: postForm
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                name: {type: string}
                tags: {type: array, items: {type: string}}
                meta: {type: object}
  /json/{id}:
    put:
      operationId: putJson
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: If-Match, in: header, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                title: {type: string}
                count: {type: integer}
  /upload/{folder}:
    post:
      operationId: upload
      parameters:
        - {name: folder, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                file: {type: string, format: binary}
                note: {type: string}
)";

const oa::Spec& spec() {
  static const oa::Spec s = [] {
    auto r = oa::load_bytes(kSpec);
    if (!r || r->operations.size() != 7) {
      std::fprintf(stderr, "openapi_request_fuzz: the fixed spec does not load: %s\n",
                   r ? "wrong operation count" : r.error().message.c_str());
      std::abort();
    }
    return std::move(*r);
  }();
  return s;
}

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "openapi_request_fuzz oracle failed: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

bool url_char(char c) {  // unreserved, sub-delims, ':', '@', '/', '?', '%'
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("-._~!$&'()*+,;=:@/?%").find(c) != std::string_view::npos;
}

void check_pairs(std::string_view s, const char* what) {
  if (s.empty()) return;
  for (auto pair : split(s, '&')) {
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || pair.find('=', eq + 1) != std::string_view::npos) fail(what, s);
    for (std::size_t i = 0; i < pair.size(); ++i) {
      if (!url_char(pair[i])) fail(what, s);
      if (pair[i] == '%' && (i + 2 >= pair.size() || !std::isxdigit(static_cast<unsigned char>(pair[i + 1])) ||
                             !std::isxdigit(static_cast<unsigned char>(pair[i + 2]))))
        fail(what, s);
    }
  }
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos)
      return false;
  return true;
}

void check(const oa::Operation& op, const mcp::net::ClientRequest& r) {
  auto u = boost::urls::parse_absolute_uri(r.url);
  if (!u) fail("the URL does not parse", r.url);
  if (u->scheme() != "https" || u->encoded_host() != "eu.api.example.com" || u->has_port() || u->has_userinfo() ||
      u->has_fragment())
    fail("the scheme, host or authority changed", r.url);
  std::string_view path = u->encoded_path();
  if (path.substr(0, 3) != "/v1") fail("the base path changed", r.url);
  if (auto wrong = mcp::test::path_violation(op.path, path.substr(3)); !wrong.empty()) fail(wrong.c_str(), r.url);
  if (u->has_query()) check_pairs(u->encoded_query(), "malformed query");
  for (auto& [k, v] : r.headers) {
    if (!is_token(k)) fail("header name", k);
    for (char c : v) {
      auto b = static_cast<unsigned char>(c);
      if ((b < 0x20 && b != '\t') || b == 0x7f) fail("control character in a header value", v);
    }
  }
  if (mcp::net::find_header(r.headers, "content-type") == "application/x-www-form-urlencoded")
    check_pairs(r.body, "malformed form body");
}

// The operation's properties, in the input schema's order.
std::vector<std::string> properties(const oa::Operation& op) {
  std::vector<std::string> out;
  if (auto* p = op.input_schema.if_contains("properties"); p && p->is_object())
    for (auto& kv : p->get_object()) out.emplace_back(kv.key());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  auto& ops = spec().operations;
  const oa::Operation& op = ops[data[0] % ops.size()];
  int mode = data[1] % 4;
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  json::object args;
  if (mode == 0) {
    boost::system::error_code ec;
    json::parse_options po;
    po.max_depth = 32;
    auto v = json::parse(rest, ec, {}, po);
    if (ec || !v.is_object()) return 0;
    args = std::move(v.get_object());
  } else {
    auto pieces = split(rest, '\x1f');
    auto props = properties(op);
    for (std::size_t i = 0; i < props.size(); ++i) {
      json::string s(pieces[i % pieces.size()]);
      if (mode == 1) {
        args[props[i]] = s;
      } else if (mode == 2) {
        args[props[i]] = i % 2 ? json::array{s} : json::array{s, json::string(pieces[(i + 1) % pieces.size()])};
      } else {
        json::object o;
        for (std::size_t k = 0; k + 1 < pieces.size() && k < 16; k += 2) o[pieces[k]] = json::string(pieces[k + 1]);
        args[props[i]] = std::move(o);
      }
    }
  }
  auto r = oa::build_request(op, args, {});
  if (!r) {
    if (r.error().code != mcp::errc::kInvalidParams) fail("a refusal that is not kInvalidParams", r.error().message);
    return 0;
  }
  check(op, *r);
  return 0;
}
