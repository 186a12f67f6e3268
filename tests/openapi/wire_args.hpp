#pragma once
// Deterministic tool arguments generated from a tool's input schema (JSON Schema 2020-12 as
// the loader serves it): every required property and about two thirds of the optional ones,
// values per type/format/enum/const, strings full of characters that must be percent-encoded.
// Patterns are not honoured (the request builder does not read them).
#include <algorithm>
#include <cstdint>
#include <mcp/core/encoding.hpp>
#include <mcp/core/json.hpp>
#include <string>

namespace wire_test {

namespace json = mcp::json;

inline std::uint64_t fnv(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Scalars put on the wire. No '.', ' ' or '|' in the item text: they are the label and the
// space/pipe-delimited styles' separators, which RFC 6570 / OpenAPI leave unencoded or
// ambiguous, so no client could be told apart by them.
inline constexpr std::string_view kText = "v a/b?c#d&e=f+g%h;i,j[k]@m:n\xC3\xA9";
inline constexpr std::string_view kItemText = "i/1?2#3&4=5+6%7;8,9[k]@:\xC3\xA9";
inline constexpr std::string_view kKeyText = "k/1 &=";
inline const std::string kBinary = std::string("\x00\x01 bin/+=\xFF\xFE", 11);

class ArgGen {
 public:
  explicit ArgGen(const json::object& root) : root_(root) {}

  json::object args(std::string_view seed) {
    auto v = value(root_, std::string(seed), 0, false);
    return v.is_object() ? v.get_object() : json::object{};
  }

 private:
  json::value root_;  // the input schema, which holds the $defs

  // Follows local $refs ("#/$defs/X") against the root; bounded.
  const json::object* deref(const json::object* s) const {
    for (int i = 0; s && i < 16; ++i) {
      auto* r = s->if_contains("$ref");
      if (!r || !r->is_string()) return s;
      std::string_view ref = r->get_string();
      if (!ref.starts_with("#")) return s;
      boost::system::error_code ec;
      auto* t = root_.find_pointer(ref.substr(1), ec);
      if (!t || !t->is_object()) return s;
      s = &t->get_object();
    }
    return s;
  }

  // allOf merged, the first non-null oneOf/anyOf branch taken.
  json::object flatten(const json::object& in, int depth) const {
    const json::object* s = deref(&in);
    if (!s) return {};
    json::object out = *s;
    out.erase("$ref");
    if (depth > 8) return out;
    for (auto* key : {"oneOf", "anyOf"}) {
      auto* alts = out.if_contains(key);
      if (!alts || !alts->is_array()) continue;
      json::array a = alts->get_array();
      out.erase(key);
      for (auto& b : a) {
        if (!b.is_object()) continue;
        auto f = flatten(b.get_object(), depth + 1);
        if (auto* t = f.if_contains("type"); t && t->is_string() && t->get_string() == "null") continue;
        for (auto& [k, v] : f)
          if (!out.contains(k)) out[k] = v;
        break;
      }
    }
    if (auto* all = out.if_contains("allOf"); all && all->is_array()) {
      json::array a = all->get_array();
      out.erase("allOf");
      for (auto& b : a) {
        if (!b.is_object()) continue;
        auto f = flatten(b.get_object(), depth + 1);
        for (auto& [k, v] : f) {
          if (k == "properties" && v.is_object() && out.contains("properties")) {
            for (auto& [pk, pv] : v.get_object()) out["properties"].as_object()[pk] = pv;
          } else if (k == "required" && v.is_array() && out.contains("required")) {
            for (auto& r : v.get_array()) out["required"].as_array().push_back(r);
          } else if (!out.contains(k)) {
            out[k] = v;
          }
        }
      }
    }
    return out;
  }

  static std::string type_of(const json::object& s) {
    if (auto* t = s.if_contains("type")) {
      if (t->is_string()) return std::string(t->get_string());
      if (t->is_array())
        for (auto& x : t->get_array())
          if (x.is_string() && x.get_string() != "null") return std::string(x.get_string());
    }
    if (s.contains("properties") || s.contains("additionalProperties")) return "object";
    if (s.contains("items")) return "array";
    return "string";
  }

  static double num(const json::value& v) { return v.is_number() ? v.to_number<double>() : 0; }

  json::value value(const json::value& schema, std::string seed, int depth, bool item) {
    if (!schema.is_object()) return json::value(std::string(kText));
    auto s = flatten(schema.get_object(), 0);
    auto h = fnv(seed);
    if (auto* c = s.if_contains("const")) return *c;
    if (auto* e = s.if_contains("enum"); e && e->is_array() && !e->get_array().empty()) {
      std::vector<json::value> choices;
      for (auto& x : e->get_array())
        if (!x.is_null()) choices.push_back(x);
      if (!choices.empty()) return choices[h % choices.size()];
    }
    std::string type = type_of(s);
    if (type == "integer") {
      std::int64_t v = 7 + static_cast<std::int64_t>(h % 5);
      if (auto* m = s.if_contains("minimum"); m && v < num(*m)) v = static_cast<std::int64_t>(std::ceil(num(*m)));
      if (auto* m = s.if_contains("exclusiveMinimum"); m && m->is_number() && v <= num(*m))
        v = static_cast<std::int64_t>(std::floor(num(*m))) + 1;
      if (auto* m = s.if_contains("maximum"); m && v > num(*m)) v = static_cast<std::int64_t>(std::floor(num(*m)));
      if (auto* m = s.if_contains("exclusiveMaximum"); m && m->is_number() && v >= num(*m))
        v = static_cast<std::int64_t>(std::ceil(num(*m))) - 1;
      return v;
    }
    if (type == "number") {
      double v = 2.5;
      if (auto* m = s.if_contains("minimum"); m && v < num(*m)) v = num(*m);
      if (auto* m = s.if_contains("maximum"); m && v > num(*m)) v = num(*m);
      return v;
    }
    if (type == "boolean") return (h & 1) == 0;
    if (type == "null") return nullptr;
    if (type == "array") {
      std::size_t n = 2;
      if (auto* m = s.if_contains("minItems"); m && m->is_number()) n = std::max<std::size_t>(n, num(*m));
      if (auto* m = s.if_contains("maxItems"); m && m->is_number()) n = std::min<std::size_t>(n, num(*m));
      n = std::min<std::size_t>(n, 4);
      json::array a;
      json::value items = s.contains("items") ? s.at("items") : json::value(json::object{});
      for (std::size_t i = 0; i < n && depth < 6; ++i) {
        auto x = value(items, seed + "[" + std::to_string(i) + "]", depth + 1, true);
        if (std::find(a.begin(), a.end(), x) != a.end()) continue;  // uniqueItems, enums
        a.push_back(std::move(x));
      }
      return a;
    }
    if (type == "object") return object(s, seed, depth);
    // Strings.
    auto fmt = s.if_contains("format");
    std::string f = fmt && fmt->is_string() ? std::string(fmt->get_string()) : "";
    bool b64 = f == "binary" || f == "byte" || s.contains("contentEncoding") ||
               (s.contains("contentMediaType") && !s.contains("contentSchema"));
    std::string out;
    if (b64) out = mcp::base64_encode(kBinary);
    else if (f == "date-time") out = "2024-01-02T03:04:05Z";
    else if (f == "date") out = "2024-01-02";
    else if (f == "uuid") out = "123e4567-e89b-12d3-a456-426614174000";
    else if (f == "email") out = "a+b@example.com";
    else if (f == "uri" || f == "url") out = "https://example.com/a b?c=d&e";
    else out = std::string(item ? kItemText : kText) + std::to_string(h % 100);
    if (auto* m = s.if_contains("maxLength"); m && m->is_number() && !b64 && out.size() > num(*m)) {
      std::size_t cut = static_cast<std::size_t>(num(*m));
      while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 chars
      out.resize(cut);
    }
    if (auto* m = s.if_contains("minLength"); m && m->is_number())
      while (out.size() < num(*m)) out += "x";
    return json::value(out);
  }

  json::value object(const json::object& s, const std::string& seed, int depth) {
    json::object o;
    std::vector<std::string> required;
    if (auto* r = s.if_contains("required"); r && r->is_array())
      for (auto& x : r->get_array())
        if (x.is_string()) required.emplace_back(x.get_string());
    auto* props = s.if_contains("properties");
    if (props && props->is_object()) {
      for (auto& [k, v] : props->get_object()) {
        bool req = std::find(required.begin(), required.end(), std::string(k)) != required.end();
        if (!req && (depth >= 3 || fnv(seed + "/" + std::string(k)) % 3 == 0)) continue;
        if (depth >= 6) continue;  // a required cycle (a → b → a) ends here
        if (!req && k == "idempotency_key") continue;  // a gateway argument, sent as a header
        o[k] = value(v, seed + "/" + std::string(k), depth + 1, false);
      }
    }
    // dependentRequired (an optional body's required properties): a chosen property brings them.
    if (auto* d = s.if_contains("dependentRequired"); d && d->is_object() && props && props->is_object())
      for (auto& [k, need] : d->get_object())
        if (o.contains(k) && need.is_array())
          for (auto& n : need.get_array())
            if (auto* ps = props->get_object().if_contains(n.get_string()); ps && !o.contains(n.get_string()))
              o[n.get_string()] = value(*ps, seed + "/" + std::string(n.get_string()), depth + 1, false);
    auto* extra = s.if_contains("additionalProperties");
    bool open = !extra || !(extra->is_bool() && !extra->get_bool());
    if ((!props || props->get_object().empty()) && open && depth > 0 && depth < 4) {
      json::value v = extra && extra->is_object() ? *extra : json::value(json::object{{"type", "string"}});
      o[kKeyText] = value(v, seed + "/*", depth + 1, true);
    }
    // An argument that is an object is never empty: in a path it would leave its segment
    // empty, which the builder refuses (the request would name another path).
    if (o.empty() && depth == 1 && props && props->is_object() && !props->get_object().empty()) {
      auto& [k, v] = *props->get_object().begin();
      o[k] = value(v, seed + "/" + std::string(k), depth + 1, false);
    }
    return o;
  }
};

}  // namespace wire_test
