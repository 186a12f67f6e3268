#include <mcp/jsonrpc/jsonrpc.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

namespace mcp::jsonrpc {
namespace {

bool valid_id(const json::value& id) { return id.is_string() || id.is_int64() || id.is_uint64(); }

// find() for a const or a mutable object (the pointer's constness follows the object's).
const json::value* find_mut(const json::object& o, std::string_view k) { return find(o, k); }
json::value* find_mut(json::object& o, std::string_view k) {
  auto it = o.find(k);
  return it == o.end() ? nullptr : &it->value();
}

Error invalid(std::string message) { return Error{errc::kInvalidRequest, std::move(message), {}}; }

// Length of the well-formed UTF-8 sequence at s[i], or 0 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
size_t utf8_sequence(std::string_view s, size_t i) {
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n <= 1) return n;
  if (i + n > s.size()) return 0;
  std::uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  return cp >= kMin[n] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF) ? n : 0;
}

bool well_formed_utf8(std::string_view s) {
  for (size_t i = 0, n; i < s.size(); i += n) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {  // ASCII, nearly every byte we send
      n = 1;
      continue;
    }
    if ((n = utf8_sequence(s, i)) == 0) return false;
  }
  return true;
}

// Serialises `v` at the end of `out`, without a temporary string.
template <class T>
void serialize_into(std::string& out, const T& v) {
  thread_local json::serializer sr;  // reset() keeps its stack: no allocation per message
  sr.reset(&v);
  while (!sr.done()) {
    size_t used = out.size();
    out.resize(std::max<size_t>(out.capacity(), used + 256));
    auto written = sr.read(out.data() + used, out.size() - used);
    out.resize(used + written.size());
  }
}

// Our messages must be JSON whatever the values hold:
//  - Boost.JSON 1.81 writes non-finite doubles as Infinity, -Infinity and NaN, which are not
//    JSON: a number that overflowed when parsed (1e400, echoed back) or a handler's arithmetic
//    would make the whole message unreadable. They are written as null, as JSON.stringify does;
//    only a text that may hold one is rebuilt.
//  - strings may hold bytes that are not UTF-8 (a percent-decoded URI variable, a header value,
//    an upstream's text), and JSON text must be UTF-8 (RFC 8259 §8.1). They are repaired in the
//    text, which is safe: only string contents can hold bytes >= 0x80.
// The text is appended to `out` (the message being built), and only its own part is checked.
template <class T>
void append_text(std::string& out, const T& v) {
  const size_t start = out.size();
  serialize_into(out, v);
  std::string_view text(out.data() + start, out.size() - start);
  if (text.find("Infinity") != std::string_view::npos || text.find("NaN") != std::string_view::npos) {
    json::value copy(v);
    std::vector<json::value*> todo{&copy};
    while (!todo.empty()) {
      json::value* x = todo.back();
      todo.pop_back();
      if (x->is_double() && !std::isfinite(x->get_double())) {
        *x = nullptr;
      } else if (x->is_array()) {
        for (auto& e : x->get_array()) todo.push_back(&e);
      } else if (x->is_object()) {
        for (auto& [k, e] : x->get_object()) todo.push_back(&e);
      }
    }
    out.resize(start);
    serialize_into(out, copy);
    text = std::string_view(out.data() + start, out.size() - start);
  }
  if (!well_formed_utf8(text)) {
    std::string repaired = valid_utf8(text);
    out.resize(start);
    out += repaired;
  }
}

template <class T>
std::string to_text(const T& v) {
  std::string s;
  append_text(s, v);
  return s;
}

// A request id as JSON: integers (nearly every id) without a serializer.
void append_id(std::string& out, const json::value& id) {
  char digits[24];
  if (id.is_int64() || id.is_uint64()) {
    auto [end, ec] = id.is_int64() ? std::to_chars(digits, digits + sizeof digits, id.get_int64())
                                   : std::to_chars(digits, digits + sizeof digits, id.get_uint64());
    out.append(digits, end);
    return;
  }
  serialize_into(out, id);
}

}  // namespace

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (size_t n = utf8_sequence(s, i)) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  return out;
}

Result<json::value> parse(std::string_view body) { return parse(body, {}); }

Result<json::value> parse(std::string_view body, json::storage_ptr storage) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 64;  // deep nesting is an attack, not a message
  json::value v = json::parse(body, ec, std::move(storage), opts);
  if (ec) return Error{errc::kParseError, "Parse error: " + ec.message(), {}};
  return v;
}

namespace {
// A monotonic resource with its first block inline: one allocation (with the shared control
// block) under glibc's tcache size, enough for a typical request; larger bodies chain blocks.
class RequestArena final : public json::memory_resource {
  void* do_allocate(std::size_t n, std::size_t align) override { return mono_.allocate(n, align); }
  void do_deallocate(void*, std::size_t, std::size_t) override {}
  bool do_is_equal(const json::memory_resource& other) const noexcept override { return this == &other; }

  alignas(std::max_align_t) unsigned char first_[768];
  json::monotonic_resource mono_{first_, sizeof first_};
};
}  // namespace

json::storage_ptr request_arena() { return json::make_shared_resource<RequestArena>(); }

namespace {

// One body for both overloads: V is `const json::value` (params and result are copied) or
// `json::value` (they are moved out: the caller's document is discarded after classifying).
template <class V>
Result<Message> classify_impl(V& v, json::value* id_out) {
  if (!v.is_object()) return invalid("Invalid Request: a message must be a JSON object");
  auto& o = v.get_object();
  auto* idv = find(o, "id");
  if (idv && valid_id(*idv) && id_out) *id_out = *idv;
  auto ver = find_string(o, "jsonrpc");
  if (!ver || *ver != "2.0") return invalid("Invalid Request: jsonrpc must be \"2.0\"");

  Message m;
  auto* method = find(o, "method");
  if (method) {
    if (!method->is_string() || method->get_string().empty())
      return invalid("Invalid Request: method must be a non-empty string");
    m.method = std::string(method->get_string());
    if (auto* p = find_mut(o, "params")) {
      if (p->is_object()) {
        if constexpr (std::is_const_v<V>) {
          m.params = p->get_object();
        } else {  // adopt the body's storage: move-assigning across storages would copy
          std::destroy_at(&m.params);
          std::construct_at(&m.params, std::move(p->get_object()));
        }
      } else if (!p->is_null()) {
        return Error{errc::kInvalidParams, "Invalid params: params must be an object", {}};
      }
    }
    if (!idv) {
      m.kind = Kind::notification;
      return m;
    }
    if (!valid_id(*idv)) return invalid("Invalid Request: id must be a string or an integer");
    m.kind = Kind::request;
    m.id = *idv;
    return m;
  }
  // A response or an error from the client (to one of our requests).
  if (!idv || !valid_id(*idv)) return invalid("Invalid Request: missing method or id");
  m.id = *idv;
  if (auto* r = find_mut(o, "result")) {
    m.kind = Kind::response;
    m.result = std::move(*r);
    return m;
  }
  if (auto* e = find_object(o, "error")) {
    m.kind = Kind::error;
    auto* code = find(*e, "code");
    m.error.code = code && code->is_int64() ? static_cast<int>(code->get_int64()) : errc::kInternalError;
    m.error.message = std::string(find_string(*e, "message").value_or(""));
    if (auto* d = find(*e, "data")) m.error.data = *d;
    return m;
  }
  return invalid("Invalid Request: a response needs result or error");
}

}  // namespace

Result<Message> classify(const json::value& v, json::value* id_out) { return classify_impl(v, id_out); }
Result<Message> classify(json::value&& v, json::value* id_out) { return classify_impl(v, id_out); }

std::string id_key(const json::value& id) {
  if (id.is_string()) return "s:" + std::string(id.get_string());
  std::string key = "n:";
  append_id(key, id);
  return key;
}

namespace {
// A response, {"jsonrpc":"2.0","id":<id><member><body>}: `member` is `,"result":` or `,"error":`.
template <class T>
std::string response_of(const json::value& id, std::string_view member, const T& body) {
  std::string s;
  s.reserve(256);
  s = R"({"jsonrpc":"2.0","id":)";
  append_id(s, id);
  s += member;
  append_text(s, body);
  s += '}';
  return s;
}
}  // namespace

std::string response(const json::value& id, const json::value& result) {
  return response_of(id, R"(,"result":)", result);
}
std::string response(const json::value& id, const json::object& result) {
  return response_of(id, R"(,"result":)", result);
}

std::string error_response(const json::value& id, const Error& e) {
  return response_of(id, R"(,"error":)", e.to_json());
}

std::string notification(std::string_view method, const json::object& params) {
  json::object o{{"jsonrpc", "2.0"}, {"method", method}};
  if (!params.empty()) o["params"] = params;
  return to_text(o);
}

std::string request(const json::value& id, std::string_view method, const json::object& params) {
  json::object o{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
  return to_text(o);
}

}  // namespace mcp::jsonrpc
