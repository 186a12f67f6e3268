// Converting one OpenAPI schema object to JSON Schema 2020-12, keyword by keyword; $defs and the
// reference graph are schema_refs.cpp, null admission and output loosening schema_loosen.cpp.
#include "sources/openapi/schema.hpp"

#include <algorithm>
#include <cmath>
#include <regex>

namespace mcp::openapi::detail {
namespace {

enum class Kind {
  schema_map,
  schema,
  items,
  schema_array,
  string,
  pattern,
  number,
  exclusive,
  count,
  boolean,
  any,
  enumeration,
  examples,
  example,
  required,
  type,
  dependent_required,
  nullable,
  discriminator,
  additional,
  drop
};

Kind kind_of(std::string_view k) {
  static const std::unordered_map<std::string_view, Kind> kinds = {{"properties", Kind::schema_map},
                                                                   {"patternProperties", Kind::schema_map},
                                                                   {"dependentSchemas", Kind::schema_map},
                                                                   {"additionalProperties", Kind::additional},
                                                                   {"items", Kind::items},
                                                                   {"not", Kind::schema},
                                                                   {"if", Kind::schema},
                                                                   {"then", Kind::schema},
                                                                   {"else", Kind::schema},
                                                                   {"propertyNames", Kind::schema},
                                                                   {"contains", Kind::schema},
                                                                   {"unevaluatedItems", Kind::schema},
                                                                   {"unevaluatedProperties", Kind::schema},
                                                                   {"contentSchema", Kind::schema},
                                                                   {"allOf", Kind::schema_array},
                                                                   {"anyOf", Kind::schema_array},
                                                                   {"oneOf", Kind::schema_array},
                                                                   {"prefixItems", Kind::schema_array},
                                                                   {"title", Kind::string},
                                                                   {"description", Kind::string},
                                                                   {"format", Kind::string},
                                                                   {"contentMediaType", Kind::string},
                                                                   {"contentEncoding", Kind::string},
                                                                   {"pattern", Kind::pattern},
                                                                   {"multipleOf", Kind::number},
                                                                   {"maximum", Kind::number},
                                                                   {"minimum", Kind::number},
                                                                   {"exclusiveMaximum", Kind::exclusive},
                                                                   {"exclusiveMinimum", Kind::exclusive},
                                                                   {"maxLength", Kind::count},
                                                                   {"minLength", Kind::count},
                                                                   {"maxItems", Kind::count},
                                                                   {"minItems", Kind::count},
                                                                   {"maxProperties", Kind::count},
                                                                   {"minProperties", Kind::count},
                                                                   {"maxContains", Kind::count},
                                                                   {"minContains", Kind::count},
                                                                   {"uniqueItems", Kind::boolean},
                                                                   {"readOnly", Kind::boolean},
                                                                   {"writeOnly", Kind::boolean},
                                                                   {"deprecated", Kind::boolean},
                                                                   {"const", Kind::any},
                                                                   {"default", Kind::any},
                                                                   {"enum", Kind::enumeration},
                                                                   {"examples", Kind::examples},
                                                                   {"example", Kind::example},
                                                                   {"required", Kind::required},
                                                                   {"type", Kind::type},
                                                                   {"dependentRequired", Kind::dependent_required},
                                                                   {"nullable", Kind::nullable},
                                                                   {"x-nullable", Kind::nullable},
                                                                   {"discriminator", Kind::discriminator}};
  auto it = kinds.find(k);
  return it == kinds.end() ? Kind::drop : it->second;
}

// Keywords that only JSON Schema 2019-09/2020-12 know; compat mode leaves them out.
bool modern_only(std::string_view k) {
  return k == "dependentSchemas" || k == "dependentRequired" || k == "unevaluatedItems" ||
         k == "unevaluatedProperties" || k == "contentSchema" || k == "maxContains" || k == "minContains" ||
         k == "prefixItems";
}

bool valid_type_name(std::string_view t) {
  return t == "object" || t == "array" || t == "string" || t == "number" || t == "integer" || t == "boolean" ||
         t == "null";
}

std::optional<std::int64_t> as_count(const json::value& v) {
  auto d = as_number(v);
  if (!d || *d < 0 || std::floor(*d) != *d || *d > 9e15) return std::nullopt;
  return static_cast<std::int64_t>(*d);
}

bool flag(const json::value& v, std::string_view key) {
  if (!v.is_object()) return false;
  auto* f = v.get_object().if_contains(key);
  return f && f->is_bool() && f->get_bool();
}

}  // namespace

SchemaConverter::SchemaConverter(DocumentSet& docs, Dialect dialect, SchemaOptions options)
    : docs_(docs), dialect_(dialect), options_(options) {}

// Called as nodes are produced (a cached subtree is counted before it is copied), so that a
// conversion stops as soon as it is over a limit rather than after building.
void SchemaConverter::count(Scope& scope, std::size_t n) {
  if (scope.total() + n > options_.max_nodes) throw SchemaTooLarge(too_large());
  if (produced_ + n > options_.max_total_nodes)
    throw SchemaBudgetSpent("the spec's schemas are larger than " + std::to_string(options_.max_total_nodes) +
                            " nodes in all once $refs are inlined (max_total_schema_nodes)");
  scope.nodes += n;
  scope.total() += n;
  produced_ += n;
}

std::string SchemaConverter::too_large() const {
  return "schema larger than " + std::to_string(options_.max_nodes) + " nodes once $refs are inlined";
}

json::value SchemaConverter::convert(const json::value& v, const std::string& base, Scope& scope) {
  // Sized first when $refs are to be inlined: one that does not fit costs nothing to refuse.
  if (!scope.refs_as_defs && scope.total() + size_of(v, base, 0) > options_.max_nodes) throw SchemaTooLarge(too_large());
  return node(v, base, scope, 0);
}

json::value SchemaConverter::node(const json::value& v, const std::string& base, Scope& scope, int depth) {
  if (depth > kMaxSchemaDepth) throw LoadError("schema nested too deeply");
  count(scope, 1);
  // Boolean subschemas as objects: the TypeScript SDK's tools/list parser wants every property
  // schema to be an object, and older validators read only objects. `false` admits nothing.
  if (v.is_bool()) return v.get_bool() ? json::object{} : json::object{{"not", json::object{}}};
  if (!v.is_object()) return json::object{};  // not a schema: accept anything rather than fail
  const auto& o = v.get_object();
  if (auto ref = find_string(o, "$ref")) return ref_node(o, *ref, base, scope, depth);
  return object_node(o, base, scope, depth);
}

json::value SchemaConverter::ref_node(const json::object& o, std::string_view ref, const std::string& base,
                                      Scope& scope, int depth) {
  auto t = docs_.resolve(base, ref);
  json::value out;
  bool recursive = is_recursive(t.canonical);
  if (!options_.compat && (recursive || scope.refs_as_defs)) {
    scope.defs.add(t.canonical);
    out = json::object{{"$ref", "#/$defs/" + def_name(t.canonical)}};
  } else if (recursive) {  // compat: expand a bounded number of times, then cut
    int& n = compat_stack_[t.canonical];
    if (n >= options_.compat_recursion_depth) {
      json::object stub;
      if (t.value->is_object())
        if (auto ty = find_string(t.value->get_object(), "type"); ty && valid_type_name(*ty)) stub["type"] = *ty;
      stub["description"] = pointer_leaf(t.canonical) + " (recursive: deeper levels not expanded)";
      out = std::move(stub);
    } else {
      ++n;
      ++recursive_expansions_;
      try {
        out = node(*t.value, t.doc, scope, depth + 1);
      } catch (...) {
        --n;
        throw;
      }
      --n;
    }
  } else {
    out = inline_ref(t, scope, depth);
  }
  if (o.size() == 1) return out;
  // Siblings of $ref: 3.1 applies them; 3.0 ignores them by the letter of the spec, but
  // description, nullable and friends beside a $ref are common and clearly meant.
  json::object rest;
  bool nullable = false;
  for (auto& kv : o) {
    if (kv.key() == "$ref") continue;
    if (kv.key() == "nullable" || kv.key() == "x-nullable") {
      nullable = nullable || (kv.value().is_bool() && kv.value().get_bool());
      continue;
    }
    rest.emplace(kv.key(), kv.value());
  }
  json::value sib = rest.empty() ? json::value(json::object{}) : object_node(rest, base, scope, depth + 1);
  if (sib.is_object() && !sib.get_object().empty()) {
    static const std::set<std::string_view> annotations = {"title",    "description", "default",   "examples",
                                                           "readOnly", "writeOnly",   "deprecated"};
    bool only_annotations = true;
    for (auto& kv : sib.get_object()) only_annotations = only_annotations && annotations.count(kv.key());
    if (only_annotations && out.is_object()) {
      for (auto& kv : sib.get_object()) out.get_object()[kv.key()] = kv.value();
    } else if (dialect_ == Dialect::oas31) {
      out = json::object{{"allOf", json::array{std::move(out), std::move(sib)}}};
    } else if (out.is_object()) {
      for (auto& kv : sib.get_object())
        if (annotations.count(kv.key())) out.get_object()[kv.key()] = kv.value();
    }
  }
  if (nullable && dialect_ != Dialect::oas31) make_nullable(out);
  return out;
}

json::value SchemaConverter::inline_ref(const DocumentSet::Target& t, Scope& scope, int depth) {
  // Sized first: a target whose expansion is over the limit (exponential in the depth of a
  // $ref DAG, say) is refused before any of it is built or copied from the cache.
  if (scope.total() + inline_size(t, 0) > options_.max_nodes) throw SchemaTooLarge(too_large());
  std::string key = (scope.dir == Direction::request ? "q" : "s") + t.canonical;
  if (auto it = inline_cache_.find(key); it != inline_cache_.end()) {
    count(scope, it->second.nodes);
    for (auto& d : it->second.defs) scope.defs.add(d);
    return it->second.schema;
  }
  if (!in_progress_.insert(key).second) throw LoadError("circular $ref chain through " + t.canonical);
  Scope inner = scope.nested();
  long before = recursive_expansions_;
  json::value out;
  try {
    out = node(*t.value, t.doc, inner, depth + 1);
  } catch (...) {
    in_progress_.erase(key);
    throw;
  }
  in_progress_.erase(key);
  scope.nodes += inner.nodes;  // the tool's total has them already
  for (auto& d : inner.defs.order) scope.defs.add(d);
  // Compat-mode expansions of recursive refs depend on the path taken: not reusable.
  if (recursive_expansions_ == before)
    inline_cache_.emplace(key, Cached{out, std::move(inner.defs.order), inner.nodes});
  return out;
}

json::value SchemaConverter::object_node(const json::object& o, const std::string& base, Scope& scope, int depth) {
  const bool compat = options_.compat;
  const bool legacy = dialect_ != Dialect::oas31;
  json::object out;
  bool nullable = false;
  std::optional<json::value> example;
  const json::object* discriminator = nullptr;
  std::set<std::string> dropped_props;  // readOnly in requests, writeOnly in responses

  for (auto& kv : o) {
    std::string_view k = kv.key();
    const json::value& v = kv.value();
    Kind kind = kind_of(k);
    if (kind == Kind::drop) continue;  // x-*, xml, externalDocs, $id, $schema, $defs, unknowns
    if (compat && modern_only(k) && k != "prefixItems") continue;
    switch (kind) {
      case Kind::schema_map: {
        if (!v.is_object()) break;
        json::object m;
        for (auto& p : v.get_object()) {
          json::value child = node(p.value(), base, scope, depth + 1);
          // A property whose schema is `false` can never be present (often a misplaced
          // `additionalProperties: false`): it is left out, like a readOnly one in a request.
          bool never = p.value().is_bool() && !p.value().get_bool();
          if (k == "properties" && (never || (scope.dir == Direction::request && flag(child, "readOnly")) ||
                                    (scope.dir == Direction::response && flag(child, "writeOnly")))) {
            dropped_props.insert(std::string(p.key()));
            continue;
          }
          if (k == "patternProperties" && !pattern_ok(p.key())) continue;
          m.emplace(p.key(), std::move(child));
        }
        out.emplace(k, std::move(m));
        break;
      }
      case Kind::additional:
        if (v.is_bool()) {
          if (!(compat && !v.get_bool())) out.emplace(k, v);
        } else if (v.is_object()) {
          out.emplace(k, node(v, base, scope, depth + 1));
        }
        break;
      case Kind::schema:
        if (v.is_object() || v.is_bool()) out.emplace(k, node(v, base, scope, depth + 1));
        break;
      case Kind::items:
        if (v.is_array()) {  // draft-4 tuple form
          json::array a;
          for (auto& x : v.get_array()) a.push_back(node(x, base, scope, depth + 1));
          out.emplace(compat ? "items" : "prefixItems", std::move(a));
        } else if (v.is_object() || v.is_bool()) {
          if (compat && o.contains("prefixItems")) break;  // draft-7 cannot say both
          out.emplace("items", node(v, base, scope, depth + 1));
        }
        break;
      case Kind::schema_array: {
        if (!v.is_array() || v.get_array().empty()) break;
        json::array a;
        for (auto& x : v.get_array()) a.push_back(node(x, base, scope, depth + 1));
        if (k == "prefixItems" && compat) {
          out["items"] = std::move(a);
        } else {
          out.emplace(k, std::move(a));
        }
        break;
      }
      case Kind::string:
        if (v.is_string()) out.emplace(k, v);
        break;
      case Kind::pattern:
        if (v.is_string() && pattern_ok(v.get_string())) out.emplace(k, v);
        break;
      case Kind::number:
        if (auto d = as_number(v); d && (k != "multipleOf" || *d > 0)) out.emplace(k, v);
        break;
      case Kind::exclusive:
        if (v.is_number())
          out.emplace(k, v);
        else if (v.is_bool() && v.get_bool()) {  // draft-4: modifies maximum/minimum
          const char* bound = k == "exclusiveMaximum" ? "maximum" : "minimum";
          if (auto* b = o.if_contains(bound); b && b->is_number()) out[k] = *b;
        }
        break;
      case Kind::count:
        if (auto n = as_count(v)) out.emplace(k, *n);
        break;
      case Kind::boolean:
        if (v.is_bool()) out.emplace(k, v);
        break;
      case Kind::any:
        out.emplace(k, v);
        break;
      case Kind::enumeration:
        if (v.is_array() && !v.get_array().empty()) out.emplace(k, v);
        break;
      case Kind::examples:
        if (v.is_array()) out.emplace(k, v);
        break;
      case Kind::example:
        example = v;
        break;
      case Kind::required:
        if (v.is_array()) {
          json::array r;
          std::set<std::string_view> seen;
          for (auto& x : v.get_array())
            if (x.is_string() && seen.insert(x.get_string()).second) r.push_back(x);
          out.emplace(k, std::move(r));
        }
        break;
      case Kind::type:
        if (v.is_string()) {
          std::string_view t = v.get_string();
          if (t == "file") {
            out.emplace("type", "string");
            if (!o.contains("format")) out.emplace("format", "binary");
          } else if (valid_type_name(t)) {
            out.emplace("type", v);
          }
        } else if (v.is_array()) {
          json::array ts;
          for (auto& x : v.get_array()) {
            if (!x.is_string()) continue;
            json::string t = x.get_string() == "file" ? json::string("string") : x.get_string();
            if (valid_type_name(t) && std::find(ts.begin(), ts.end(), json::value(t)) == ts.end()) ts.emplace_back(t);
          }
          if (!ts.empty()) out.emplace("type", std::move(ts));
        }
        break;
      case Kind::dependent_required:
        if (v.is_object()) {
          json::object m;
          for (auto& p : v.get_object()) {
            if (!p.value().is_array()) continue;
            json::array r;
            for (auto& x : p.value().get_array())
              if (x.is_string() && std::find(r.begin(), r.end(), x) == r.end()) r.push_back(x);
            m.emplace(p.key(), std::move(r));
          }
          out.emplace(k, std::move(m));
        }
        break;
      case Kind::nullable:
        nullable = nullable || (v.is_bool() && v.get_bool());
        break;
      case Kind::discriminator:
        if (v.is_object()) discriminator = &v.get_object();
        break;
      case Kind::drop:
        break;
    }
  }
  // Draft-4 boolean exclusive bounds replace the plain bound.
  for (auto [ex, bound] : {std::pair{"exclusiveMaximum", "maximum"}, std::pair{"exclusiveMinimum", "minimum"}}) {
    auto* e = o.if_contains(ex);
    if (e && e->is_bool() && e->get_bool() && out.contains(ex)) out.erase(bound);
  }
  if (!dropped_props.empty()) {
    if (auto* r = out.if_contains("required"); r && r->is_array()) {
      auto& a = r->get_array();
      a.erase(std::remove_if(a.begin(), a.end(),
                             [&](const json::value& x) { return dropped_props.count(std::string(x.get_string())); }),
              a.end());
    }
  }
  if (auto* r = out.if_contains("required"); r && r->get_array().empty()) out.erase("required");
  if (example && !out.contains("examples")) out["examples"] = json::array{*example};
  // Binary strings travel base64-encoded inside JSON arguments.
  if (scope.dir == Direction::request) {
    auto f = find_string(out, "format");
    auto t = find_string(out, "type");
    if (f && *f == "binary" && t && *t == "string" && !out.contains("contentEncoding"))
      out["contentEncoding"] = "base64";
  }
  // discriminator: each oneOf/anyOf branch that is a $ref gets a const on the property.
  if (discriminator) {
    auto pn = find_string(*discriminator, "propertyName");
    const char* which = out.contains("oneOf") ? "oneOf" : out.contains("anyOf") ? "anyOf" : nullptr;
    const json::value* src = which ? o.if_contains(which) : nullptr;
    if (pn && src && src->is_array()) {
      std::map<std::string, std::string> value_of;  // canonical -> discriminator value
      if (auto* mapping = find_object(*discriminator, "mapping")) {
        for (auto& m : *mapping) {
          if (!m.value().is_string()) continue;
          std::string target(m.value().get_string());
          if (target.find('/') == std::string::npos && target.find('#') == std::string::npos)
            target = (dialect_ == Dialect::swagger2 ? "#/definitions/" : "#/components/schemas/") + target;
          try {
            value_of.emplace(docs_.resolve(base, target).canonical, std::string(m.key()));
          } catch (const LoadError&) {
          }
        }
      }
      auto& branches = out[which].as_array();
      const auto& sources = src->get_array();
      for (std::size_t i = 0; i < branches.size() && i < sources.size(); ++i) {
        if (!sources[i].is_object()) continue;
        auto ref = find_string(sources[i].get_object(), "$ref");
        if (!ref) continue;
        auto canonical = docs_.resolve(base, *ref).canonical;
        auto it = value_of.find(canonical);
        std::string value = it != value_of.end() ? it->second : pointer_leaf(canonical);
        json::object pin{{"properties", json::object{{*pn, json::object{{"const", value}}}}}};
        branches[i] = json::object{{"allOf", json::array{std::move(branches[i]), std::move(pin)}}};
      }
    }
  }
  json::value result = std::move(out);
  if (nullable && legacy) make_nullable(result);
  return result;
}

void SchemaConverter::subschemas(const json::object& o, std::vector<const json::value*>& out) const {
  const bool compat = options_.compat;
  for (auto& kv : o) {
    std::string_view k = kv.key();
    const json::value& v = kv.value();
    if (compat && modern_only(k) && k != "prefixItems") continue;
    switch (kind_of(k)) {
      case Kind::schema_map:
        if (v.is_object())
          for (auto& p : v.get_object()) out.push_back(&p.value());
        break;
      case Kind::additional:
        if (v.is_object()) out.push_back(&v);
        break;
      case Kind::schema:
        if (v.is_object() || v.is_bool()) out.push_back(&v);
        break;
      case Kind::items:
        if (v.is_array()) {
          for (auto& x : v.get_array()) out.push_back(&x);
        } else if ((v.is_object() || v.is_bool()) && !(compat && o.contains("prefixItems"))) {
          out.push_back(&v);
        }
        break;
      case Kind::schema_array:
        if (v.is_array())
          for (auto& x : v.get_array()) out.push_back(&x);
        break;
      default:
        break;
    }
  }
}

json::value SchemaConverter::convert_v2_parameter(const json::object& param, const std::string& base, Scope& scope) {
  static const std::set<std::string_view> keys = {
      "type",     "format",           "items",     "default",    "maximum",    "exclusiveMaximum",
      "minimum",  "exclusiveMinimum", "maxLength", "minLength",  "pattern",    "maxItems",
      "minItems", "uniqueItems",      "enum",      "multipleOf", "x-nullable", "description"};
  json::object s;
  for (auto& kv : param)
    if (keys.count(kv.key())) s.emplace(kv.key(), kv.value());
  return node(s, base, scope, 0);
}

bool SchemaConverter::pattern_ok(std::string_view pattern) {
  std::string p(pattern);
  if (auto it = pattern_ok_.find(p); it != pattern_ok_.end()) return it->second;
  bool ok = true;
  try {
    std::regex re(p, std::regex::ECMAScript);
  } catch (const std::exception&) {
    ok = false;
  }
  pattern_ok_.emplace(std::move(p), ok);
  return ok;
}

}  // namespace mcp::openapi::detail
