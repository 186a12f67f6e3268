// Readers of OpenAPI object fields shared by the loader's walk and its operation builder.
#include "sources/openapi/spec_fields.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace mcp::openapi::detail {

std::string str(const json::object& o, std::string_view key) {
  auto* v = find(o, key);
  if (!v) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64() || v->is_uint64()) return json::serialize(*v);
  if (v->is_double()) {  // version: 1.0 in YAML
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v->get_double());
    std::string t(buf, r.ptr);
    if (t.find_first_of(".e") == std::string::npos) t += ".0";
    return t;
  }
  return {};
}
bool flag(const json::object& o, std::string_view key) {
  auto* v = find(o, key);
  return v && v->is_bool() && v->get_bool();
}
bool is_false(const json::object& o, std::string_view key) {
  auto* v = find(o, key);
  return v && v->is_bool() && !v->get_bool();
}

bool json_media(std::string_view mt) {
  auto m = lower(mt.substr(0, mt.find(';')));
  return m == "application/json" || (m.size() > 5 && m.ends_with("+json")) || m == "text/json";
}

const json::key_value_pair* choose_media(const json::object& content) {
  auto rank = [](std::string_view mt) {
    auto m = lower(mt.substr(0, mt.find(';')));
    if (m == "application/json") return 0;
    if (json_media(m)) return 1;
    if (m == "application/x-www-form-urlencoded") return 2;
    if (m == "multipart/form-data") return 3;
    if (m == "application/octet-stream") return 4;
    if (m.starts_with("text/")) return 5;
    if (m == "*/*") return 6;
    return 7;
  };
  const json::key_value_pair* best = nullptr;
  for (auto& kv : content)
    if (!best || rank(kv.key()) < rank(best->key())) best = &kv;
  return best;
}

bool object_like(const json::object& s) {
  if (!s.contains("properties")) return false;
  if (s.contains("oneOf") || s.contains("anyOf") || s.contains("not") || s.contains("if")) return false;
  auto* t = find(s, "type");
  return !t || (t->is_string() && t->get_string() == "object");
}

std::optional<json::object> merge_all_of(const json::object& s) {
  auto* all = find(s, "allOf");
  if (!all || !all->is_array()) return std::nullopt;
  for (auto& kv : s)
    if (kv.key() != "allOf" && kv.key() != "description" && kv.key() != "title" && kv.key() != "type")
      return std::nullopt;
  json::object props;
  json::array required;
  for (auto& m : all->get_array()) {
    if (!m.is_object()) return std::nullopt;
    const auto& mo = m.get_object();
    json::object sub = mo;
    if (mo.contains("allOf")) {
      auto merged = merge_all_of(mo);
      if (!merged) return std::nullopt;
      sub = std::move(*merged);
    }
    if (!object_like(sub)) return std::nullopt;
    for (auto& p : sub.at("properties").as_object()) props[p.key()] = p.value();
    if (auto* r = find(sub, "required"); r && r->is_array())
      for (auto& x : r->get_array())
        if (std::find(required.begin(), required.end(), x) == required.end()) required.push_back(x);
  }
  json::object out{{"type", "object"}, {"properties", std::move(props)}};
  if (!required.empty()) out["required"] = std::move(required);
  if (auto* d = find(s, "description")) out["description"] = *d;
  return out;
}

std::vector<ServerUrl> read_servers(const json::value* v) {
  std::vector<ServerUrl> out;
  if (!v || !v->is_array()) return out;
  for (auto& s : v->get_array()) {
    if (!s.is_object()) continue;
    ServerUrl u;
    u.url = str(s.get_object(), "url");
    if (auto* vars = find_object(s.get_object(), "variables")) {
      for (auto& kv : *vars) {
        if (!kv.value().is_object()) continue;
        ServerVariable var;
        var.default_value = str(kv.value().get_object(), "default");
        if (auto* e = find(kv.value().get_object(), "enum"); e && e->is_array())
          for (auto& x : e->get_array())
            if (x.is_string()) var.enum_values.emplace_back(x.get_string());
        u.variables.emplace(kv.key(), std::move(var));
      }
    }
    out.push_back(std::move(u));
  }
  return out;
}

std::vector<SecurityRequirement> read_security(const json::value& v) {
  std::vector<SecurityRequirement> out;
  if (!v.is_array()) return out;
  for (auto& alt : v.get_array()) {
    if (!alt.is_object()) continue;
    SecurityRequirement r;
    for (auto& kv : alt.get_object()) {
      std::vector<std::string> scopes;
      if (kv.value().is_array())
        for (auto& x : kv.value().get_array())
          if (x.is_string()) scopes.emplace_back(x.get_string());
      r.emplace(kv.key(), std::move(scopes));
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> path_template_names(std::string_view path) {
  std::vector<std::string> out;
  for (std::size_t i = path.find('{'); i != std::string_view::npos; i = path.find('{', i + 1)) {
    auto j = path.find('}', i);
    if (j == std::string_view::npos) break;
    out.emplace_back(path.substr(i + 1, j - i - 1));
  }
  return out;
}

}  // namespace mcp::openapi::detail
