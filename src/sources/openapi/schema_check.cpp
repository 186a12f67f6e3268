// check_schema: is a produced schema valid JSON Schema 2020-12 that our validator can use?
// Each schema node is validated (by mcp::validate_json_schema) against a one-level
// meta-schema giving every keyword's value type; the walk then descends into subschemas
// itself, so that a 100k-node schema never exceeds the validator's step budget. Unknown
// keywords are reported too: the loader is meant to emit only ones it knows.
#include <mcp/core/json_schema.hpp>
#include <regex>
#include <set>

#include <mcp/sources/openapi/loader.hpp>

namespace mcp::openapi {
namespace {

const json::value& meta_schema() {
  static const json::value m = json::parse(R"({
    "type": ["object", "boolean"],
    "$defs": {
      "schema": {"type": ["object", "boolean"]},
      "schemaMap": {"type": "object", "additionalProperties": {"type": ["object", "boolean"]}},
      "schemaArray": {"type": "array", "minItems": 1, "items": {"type": ["object", "boolean"]}},
      "count": {"type": "integer", "minimum": 0},
      "typeName": {"enum": ["array", "boolean", "integer", "null", "number", "object", "string"]},
      "strings": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}
    },
    "properties": {
      "$ref": {"type": "string"}, "$defs": {"$ref": "#/$defs/schemaMap"},
      "$schema": {"type": "string"}, "$id": {"type": "string"}, "$comment": {"type": "string"},
      "type": {"anyOf": [{"$ref": "#/$defs/typeName"},
                         {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"$ref": "#/$defs/typeName"}}]},
      "properties": {"$ref": "#/$defs/schemaMap"}, "patternProperties": {"$ref": "#/$defs/schemaMap"},
      "dependentSchemas": {"$ref": "#/$defs/schemaMap"},
      "additionalProperties": {"$ref": "#/$defs/schema"}, "items": {"anyOf": [{"$ref": "#/$defs/schema"}, {"$ref": "#/$defs/schemaArray"}]},
      "not": {"$ref": "#/$defs/schema"}, "if": {"$ref": "#/$defs/schema"}, "then": {"$ref": "#/$defs/schema"},
      "else": {"$ref": "#/$defs/schema"}, "propertyNames": {"$ref": "#/$defs/schema"},
      "contains": {"$ref": "#/$defs/schema"}, "unevaluatedItems": {"$ref": "#/$defs/schema"},
      "unevaluatedProperties": {"$ref": "#/$defs/schema"}, "contentSchema": {"$ref": "#/$defs/schema"},
      "allOf": {"$ref": "#/$defs/schemaArray"}, "anyOf": {"$ref": "#/$defs/schemaArray"},
      "oneOf": {"$ref": "#/$defs/schemaArray"}, "prefixItems": {"$ref": "#/$defs/schemaArray"},
      "title": {"type": "string"}, "description": {"type": "string"}, "format": {"type": "string"},
      "contentMediaType": {"type": "string"}, "contentEncoding": {"type": "string"},
      "pattern": {"type": "string"},
      "multipleOf": {"type": "number", "exclusiveMinimum": 0},
      "maximum": {"type": "number"}, "minimum": {"type": "number"},
      "exclusiveMaximum": {"type": "number"}, "exclusiveMinimum": {"type": "number"},
      "maxLength": {"$ref": "#/$defs/count"}, "minLength": {"$ref": "#/$defs/count"},
      "maxItems": {"$ref": "#/$defs/count"}, "minItems": {"$ref": "#/$defs/count"},
      "maxProperties": {"$ref": "#/$defs/count"}, "minProperties": {"$ref": "#/$defs/count"},
      "maxContains": {"$ref": "#/$defs/count"}, "minContains": {"$ref": "#/$defs/count"},
      "uniqueItems": {"type": "boolean"}, "readOnly": {"type": "boolean"}, "writeOnly": {"type": "boolean"},
      "deprecated": {"type": "boolean"},
      "enum": {"type": "array"}, "examples": {"type": "array"},
      "required": {"$ref": "#/$defs/strings"},
      "dependentRequired": {"type": "object", "additionalProperties": {"$ref": "#/$defs/strings"}}
    }
  })");
  return m;
}

const std::set<std::string_view>& known_keywords() {
  static const std::set<std::string_view> k = [] {
    std::set<std::string_view> s;
    for (auto& kv : meta_schema().at("properties").as_object()) s.insert(kv.key());
    s.insert("const");
    s.insert("default");
    return s;
  }();
  return k;
}

std::string escape(std::string_view t) {
  std::string s;
  for (char c : t) s += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
  return s;
}

struct Checker {
  const json::value& root;
  long nodes = 0;

  std::optional<std::string> walk(const json::value& s, const std::string& ptr, int depth) {
    if (depth > 200) return ptr + ": nested too deeply";
    if (++nodes > 5'000'000) return std::string("schema too large to check");
    if (auto e = validate_json_schema(meta_schema(), s)) return ptr + e->pointer + ": " + e->message;
    if (s.is_bool()) return std::nullopt;
    const auto& o = s.get_object();
    for (auto& kv : o) {
      std::string_view k = kv.key();
      const json::value& v = kv.value();
      std::string p = ptr + "/" + escape(k);
      if (!known_keywords().count(k)) return p + ": unknown keyword";
      if (k == "$ref") {
        std::string_view ref = v.get_string();
        if (!ref.starts_with("#")) return p + ": non-local $ref " + std::string(ref);
        boost::system::error_code ec;
        auto* t = ref.size() == 1 ? &root : root.find_pointer(ref.substr(1), ec);
        if (ec || !t) return p + ": unresolvable $ref " + std::string(ref);
      } else if (k == "pattern") {
        try {
          std::regex re(std::string(v.get_string()), std::regex::ECMAScript);
        } catch (const std::exception&) {
          return p + ": invalid pattern";
        }
      } else if (k == "dependentRequired") {
        continue;  // lists of property names (the meta-schema checked them), not schemas
      } else if (k == "properties" || k == "patternProperties" || k == "dependentSchemas" || k == "$defs") {
        for (auto& c : v.get_object())
          if (auto e = walk(c.value(), p + "/" + escape(c.key()), depth + 1)) return e;
      } else if (k == "allOf" || k == "anyOf" || k == "oneOf" || k == "prefixItems" || (k == "items" && v.is_array())) {
        std::size_t i = 0;
        for (auto& c : v.get_array())
          if (auto e = walk(c, p + "/" + std::to_string(i++), depth + 1)) return e;
      } else if (v.is_object() || (v.is_bool() && k != "uniqueItems" && k != "readOnly" && k != "writeOnly" &&
                                   k != "deprecated" && k != "const" && k != "default")) {
        if (k == "const" || k == "default") continue;
        if (auto e = walk(v, p, depth + 1)) return e;
      }
    }
    return std::nullopt;
  }
};

}  // namespace

std::optional<std::string> check_schema(const json::value& schema) {
  Checker c{schema};
  if (auto e = c.walk(schema, "", 0)) return e;
  // The validator itself must be able to evaluate it (references, depth, budget).
  if (auto e = validate_json_schema(schema, json::object{})) {
    const auto& m = e->message;
    if (m.find("unresolvable") != std::string::npos || m.find("too deep") != std::string::npos ||
        m.find("too complex") != std::string::npos)
      return "validator: " + e->to_string();
  }
  return std::nullopt;
}

}  // namespace mcp::openapi
