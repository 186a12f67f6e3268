// Widening schemas: admitting null (3.0 `nullable`) and loosening response schemas.
#include <algorithm>

#include "sources/openapi/schema.hpp"

namespace mcp::openapi::detail {

void make_nullable(json::value& s) {
  if (s.is_bool()) return;
  auto& o = s.as_object();
  if (o.empty()) return;
  if (auto* t = o.if_contains("type")) {
    if (t->is_string()) {
      if (t->get_string() != "null") *t = json::array{t->get_string(), "null"};
    } else if (t->is_array()) {
      auto& a = t->get_array();
      if (std::find(a.begin(), a.end(), json::value("null")) == a.end()) a.emplace_back("null");
    }
    if (auto* e = o.if_contains("enum"); e && e->is_array()) {
      auto& a = e->get_array();
      if (std::find(a.begin(), a.end(), json::value(nullptr)) == a.end()) a.emplace_back(nullptr);
    }
    if (!o.contains("const")) return;
  }
  json::object wrapper;
  for (auto k : {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"}) {
    if (auto it = o.find(k); it != o.end()) {
      wrapper[k] = std::move(it->value());
      o.erase(it);
    }
  }
  json::array any;
  any.emplace_back(std::move(s));
  any.emplace_back(json::object{{"type", "null"}});
  wrapper["anyOf"] = std::move(any);
  s = std::move(wrapper);
}

void loosen_output(json::value& schema, bool root) {
  if (!schema.is_object()) return;
  auto& o = schema.get_object();
  static const char* kDrop[] = {"required",
                                "enum",
                                "const",
                                "format",
                                "pattern",
                                "minLength",
                                "maxLength",
                                "minimum",
                                "maximum",
                                "exclusiveMinimum",
                                "exclusiveMaximum",
                                "multipleOf",
                                "minItems",
                                "maxItems",
                                "uniqueItems",
                                "minProperties",
                                "maxProperties",
                                "unevaluatedProperties",
                                "unevaluatedItems",
                                "dependentRequired",
                                "dependentSchemas",
                                "propertyNames",
                                "contains",
                                "minContains",
                                "maxContains",
                                "not",
                                "if",
                                "then",
                                "else",
                                "contentEncoding",
                                "contentMediaType"};
  for (auto* k : kDrop) o.erase(k);
  if (auto* a = o.if_contains("additionalProperties"); a && a->is_bool()) o.erase("additionalProperties");
  if (auto* one = o.if_contains("oneOf")) {
    json::value branches = std::move(*one);
    o.erase("oneOf");
    if (!o.contains("anyOf")) {
      o["anyOf"] = std::move(branches);
    } else {
      json::array all = o.contains("allOf") ? o["allOf"].as_array() : json::array{};
      all.push_back(json::object{{"anyOf", std::move(branches)}});
      o["allOf"] = std::move(all);
    }
  }
  if (!root && o.contains("type")) make_nullable(schema);
  auto& obj = schema.get_object();  // make_nullable keeps `schema` an object
  for (auto* k : {"properties", "patternProperties", "$defs"})
    if (auto* m = obj.if_contains(k); m && m->is_object())
      for (auto& kv : m->get_object()) loosen_output(kv.value(), false);
  for (auto* k : {"items", "additionalProperties"})
    if (auto* c = obj.if_contains(k)) loosen_output(*c, false);
  for (auto* k : {"allOf", "anyOf", "prefixItems"})
    if (auto* a = obj.if_contains(k); a && a->is_array())
      for (auto& c : a->get_array()) loosen_output(c, false);
  if (auto* items = obj.if_contains("items"); items && items->is_array())
    for (auto& c : items->get_array()) loosen_output(c, false);
}

}  // namespace mcp::openapi::detail
