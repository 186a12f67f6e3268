// Fuzzes JSON-RPC framing: parse a body, classify it (or each member of a batch), and
// re-serialise what was understood. Oracles (abort on violation):
//  - what we serialise parses back and classifies to the same kind, method, id and payload
//    (non-finite numbers, which JSON cannot carry, read back as null; doubles within an ulp or
//    two, as Boost.JSON 1.81 parses them);
//  - id_key() is injective on the ids of one batch (equal keys <=> equal ids);
//  - an invalid message never yields an id that is not a string or an integer;
//  - messages we build from raw bytes are still JSON (valid_utf8 repairs; it is idempotent and
//    the identity on the UTF-8 the parser accepts).
#include <mcp/jsonrpc/jsonrpc.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <string_view>
#include <vector>

namespace {

namespace json = mcp::json;
namespace rpc = mcp::jsonrpc;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "jsonrpc_fuzz oracle failed: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

bool valid_id(const json::value& id) { return id.is_string() || id.is_int64() || id.is_uint64(); }

// What a value reads as after we wrote it: non-finite numbers (1e400 parses as infinity) are
// written as null, since JSON cannot carry them.
json::value finite(json::value v) {
  if (v.is_double() && !std::isfinite(v.get_double())) return nullptr;
  if (v.is_array())
    for (auto& e : v.get_array()) e = finite(std::move(e));
  if (v.is_object())
    for (auto& [k, e] : v.get_object()) e = finite(std::move(e));
  return v;
}
json::object finite(const json::object& o) { return finite(json::value(o)).get_object(); }

// Equality up to the last bits of doubles: Boost.JSON 1.81 parses long decimal numbers within
// an ulp or two, not correctly rounded, so a double may move slightly through a round trip.
bool same(const json::value& a, const json::value& b) {
  if (a.is_double() && b.is_double()) {
    double x = a.get_double(), y = b.get_double();
    return x == y || std::fabs(x - y) <= 1e-14 * std::max(std::fabs(x), std::fabs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    auto &x = a.get_array(), &y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!same(x[i], y[i])) return false;
    return true;
  }
  if (a.is_object()) {
    auto &x = a.get_object(), &y = b.get_object();
    if (x.size() != y.size()) return false;
    for (auto& [k, v] : x) {
      auto* w = y.if_contains(k);
      if (!w || !same(v, *w)) return false;
    }
    return true;
  }
  return a == b;
}
bool same(const json::object& a, const json::object& b) { return same(json::value(a), json::value(b)); }

rpc::Message reclassify(const std::string& wire) {
  auto v = rpc::parse(wire);
  if (!v) fail("our own output does not parse", wire);
  auto m = rpc::classify(v.value());
  if (!m) fail("our own output does not classify", wire);
  return std::move(m.value());
}

void round_trip(const rpc::Message& m) {
  switch (m.kind) {
    case rpc::Kind::request: {
      auto back = reclassify(rpc::request(m.id, m.method, m.params));
      if (back.kind != rpc::Kind::request || back.method != m.method || back.id != m.id || !same(back.params, finite(m.params)))
        fail("request round trip", rpc::request(m.id, m.method, m.params));
      // Every request gets answered: both answers must be readable by a client.
      auto ok = reclassify(rpc::response(m.id, json::object{{"echo", m.params}}));
      if (ok.kind != rpc::Kind::response || ok.id != m.id) fail("response to request", m.method);
      mcp::Error e{mcp::errc::kMethodNotFound, "Method not found: " + m.method, {}};
      auto err = reclassify(rpc::error_response(m.id, e));
      if (err.kind != rpc::Kind::error || err.id != m.id || err.error.code != e.code || err.error.message != e.message)
        fail("error response to request", m.method);
      break;
    }
    case rpc::Kind::notification: {
      auto back = reclassify(rpc::notification(m.method, m.params));
      if (back.kind != rpc::Kind::notification || back.method != m.method || !same(back.params, finite(m.params)))
        fail("notification round trip", rpc::notification(m.method, m.params));
      break;
    }
    case rpc::Kind::response: {
      auto wire = rpc::response(m.id, m.result);
      auto back = reclassify(wire);
      if (back.kind != rpc::Kind::response || back.id != m.id || !same(back.result, finite(m.result)))
        fail("response round trip", wire);
      break;
    }
    case rpc::Kind::error: {
      auto wire = rpc::error_response(m.id, m.error);
      auto back = reclassify(wire);
      if (back.kind != rpc::Kind::error || back.id != m.id || back.error.code != m.error.code ||
          back.error.message != m.error.message || !same(back.error.data, finite(m.error.data)))
        fail("error round trip", wire);
      break;
    }
  }
}

void one(const json::value& v, std::vector<json::value>& ids) {
  json::value id;
  auto m = rpc::classify(v, &id);
  if (!m) {
    if (!id.is_null() && !valid_id(id)) fail("invalid message reported an invalid id", json::serialize(id));
    // The transport answers an invalid message with this body; it must be well formed.
    auto wire = rpc::error_response(id, m.error());
    auto back = rpc::parse(wire);
    if (!back) fail("error body does not parse", wire);
    return;
  }
  if (m->kind != rpc::Kind::notification) {
    if (!valid_id(m->id)) fail("classified message has an invalid id", json::serialize(m->id));
    ids.push_back(m->id);
  }
  round_trip(m.value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  // Raw bytes in a string we send (a method name here) still make a valid message.
  {
    auto wire = rpc::notification(body.substr(0, 256), {});
    if (!rpc::parse(wire)) fail("message with raw bytes does not parse", wire);
    auto fixed = rpc::valid_utf8(body);
    if (rpc::valid_utf8(fixed) != fixed) fail("valid_utf8 is not idempotent", body);
  }
  auto parsed = rpc::parse(body);
  if (!parsed) {
    if (parsed.error().code != mcp::errc::kParseError) fail("parse error code", body);
    return 0;
  }
  // The parser admits only UTF-8, which valid_utf8 must leave alone.
  if (rpc::valid_utf8(body) != body) fail("valid_utf8 changed well-formed UTF-8", body);
  const json::value& v = parsed.value();
  std::vector<json::value> ids;
  if (v.is_array()) {
    for (auto& item : v.get_array()) one(item, ids);
  } else {
    one(v, ids);
  }
  const std::size_t n = std::min<std::size_t>(ids.size(), 64);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if ((rpc::id_key(ids[i]) == rpc::id_key(ids[j])) != (ids[i] == ids[j]))
        fail("id_key is not injective", json::serialize(ids[i]) + " vs " + json::serialize(ids[j]));
  return 0;
}
