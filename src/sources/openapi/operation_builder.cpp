// Building one operation: its metadata, servers, security, annotations and output schema;
// the flat input schema is operation_input.cpp.
#include "sources/openapi/operation_builder.hpp"

#include <algorithm>

#include "sources/openapi/naming.hpp"
#include "sources/openapi/spec_fields.hpp"

namespace mcp::openapi::detail {

Operation OperationBuilder::build(const RawOp& r, Spec& spec) {
  Operation op;
  op.tool_name = r.name;
  op.operation_id = str(*r.op, "operationId");
  op.method = r.method;
  op.path = r.path;
  if (auto* t = find(*r.op, "tags"); t && t->is_array())
    for (auto& x : t->get_array())
      if (x.is_string()) op.tags.emplace_back(x.get_string());
  op.deprecated = flag(*r.op, "deprecated");
  for (auto& kv : *r.op)
    if (kv.key().starts_with("x-")) op.extensions.emplace(kv.key(), kv.value());

  // Input, first without $defs except for recursion; if inlining is too large, with $defs.
  try {
    build_input(r, op, false);
  } catch (const detail::SchemaTooLarge&) {
    if (options_.compat) throw;
    build_input(r, op, true);
  }
  if (options_.output_schemas) {
    try {
      try {
        build_output(r, op, false);
      } catch (const detail::SchemaTooLarge&) {
        if (options_.compat) throw;
        build_output(r, op, true);
      }
    } catch (const detail::SchemaBudgetSpent&) {
      throw;  // the spec's budget, not this schema: the operation is skipped (loader.cpp)
    } catch (const std::exception& e) {
      op.output_schema.reset();
      op.output_wrapped = false;
      spec.warnings.push_back({op.method + " " + op.path, std::string("no outputSchema: ") + e.what()});
    }
  }

  auto servers = read_servers(find(*r.op, "servers"));
  if (servers.empty()) servers = read_servers(find(*r.item, "servers"));
  op.servers = servers.empty() ? spec.servers : std::move(servers);
  if (auto* s = find(*r.op, "security"))
    op.security = read_security(*s);
  else
    op.security = global_security_;

  std::string summary = str(*r.op, "summary"), description = str(*r.op, "description");
  op.title =
      !summary.empty() ? summary : detail::readable_title(op.operation_id.empty() ? op.tool_name : op.operation_id);
  op.description = summary;
  if (!description.empty() && description != summary)
    op.description += (op.description.empty() ? "" : "\n\n") + description;
  if (op.description.empty()) op.description = op.method + " " + op.path;
  if (op.deprecated) op.description = "(Deprecated) " + op.description;

  const std::string& m = op.method;
  bool safe = m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE";
  op.annotations = {{"title", op.title},
                    {"readOnlyHint", safe},
                    {"destructiveHint", m == "DELETE"},
                    {"idempotentHint", safe || m == "PUT" || m == "DELETE"},
                    {"openWorldHint", true}};
  return op;
}

// A body or response schema that is itself a $ref is converted from its target, so that it
// can still be flattened when it is recursive or every other $ref is kept as a $def.
json::value OperationBuilder::convert_top(const json::value& s, const std::string& doc, SchemaConverter::Scope& scope) {
  if (s.is_object() && s.get_object().size() == 1 && s.get_object().contains("$ref")) {
    auto t = docs_.deref(s, doc);
    return conv_->convert(*t.value, t.doc, scope);
  }
  return conv_->convert(s, doc, scope);
}

bool OperationBuilder::is_api_key(const std::string& in, const std::string& name) const {
  for (auto& [id, sc] : *schemes_) {
    if (sc.type != "apiKey" || sc.in != in) continue;
    if (in == "header" ? lower(sc.name) == lower(name) : sc.name == name) return true;
  }
  return false;
}

bool OperationBuilder::is_array_schema(const json::value& s) {
  if (!s.is_object()) return false;
  auto t = find_string(s.get_object(), "type");
  return t && *t == "array";
}

std::string OperationBuilder::pick_v2_consumes(const json::object& op, std::vector<std::string> prefs) {
  const json::value* c = find(op, "consumes");
  if (!c) c = find(root_, "consumes");
  std::vector<std::string> types;
  if (c && c->is_array())
    for (auto& x : c->get_array())
      if (x.is_string()) types.emplace_back(x.get_string());
  for (auto& p : prefs)
    for (auto& t : types)
      if (lower(t.substr(0, t.find(';'))) == p) return t;
  for (auto& t : types)
    if (json_media(t) && prefs.front() == "application/json") return t;
  return prefs.front();
}

void OperationBuilder::build_output(const RawOp& r, Operation& op, bool refs_as_defs) {
  op.output_schema.reset();
  op.output_wrapped = false;
  auto* responses = find_object(*r.op, "responses");
  if (!responses) return;
  const json::value* chosen = nullptr;
  std::string chosen_code;
  for (auto& kv : *responses) {
    std::string code(kv.key());
    bool two = code.size() == 3 && code[0] == '2' && (code != "204");
    if (two && (chosen_code.empty() || code < chosen_code)) chosen = &kv.value(), chosen_code = code;
  }
  if (!chosen) return;
  auto t = docs_.deref(*chosen, r.item_doc);
  if (!t.value->is_object()) return;
  auto& resp = t.value->get_object();
  const json::value* schema = nullptr;
  if (dialect_ == Dialect::swagger2) {
    const json::value* p = find(*r.op, "produces");
    if (!p) p = find(root_, "produces");
    bool json_out = !p || !p->is_array() || p->get_array().empty();
    if (p && p->is_array())
      for (auto& x : p->get_array()) json_out = json_out || (x.is_string() && json_media(x.get_string()));
    if (!json_out) return;
    schema = find(resp, "schema");
  } else {
    auto* content = find_object(resp, "content");
    if (!content) return;
    for (auto& kv : *content) {
      if (!json_media(kv.key()) || !kv.value().is_object()) continue;
      schema = find(kv.value().get_object(), "schema");
      break;
    }
  }
  if (!schema) return;
  SchemaConverter::Scope scope;
  scope.dir = Direction::response;
  scope.refs_as_defs = refs_as_defs;
  json::value s = convert_top(*schema, t.doc, scope);
  json::object out;
  auto plain_object = [](const json::value& v) {  // {"type": "object", ...} without alternatives
    if (!v.is_object()) return false;
    auto& o = v.get_object();
    auto t = find_string(o, "type");
    return t && *t == "object" && !o.contains("oneOf") && !o.contains("anyOf") && !o.contains("not") &&
           !o.contains("if");
  };
  if (s.is_object() && (object_like(s.get_object()) || plain_object(s))) {
    out = std::move(s.get_object());
    out["type"] = "object";
  } else if (auto merged = s.is_object() ? merge_all_of(s.get_object()) : std::nullopt) {
    out = std::move(*merged);
  } else {
    out = {{"type", "object"},
           {"properties", json::object{{"result", std::move(s)}}},
           {"required", json::array{"result"}}};
    op.output_wrapped = true;
  }
  conv_->attach_defs(out, scope);
  if (options_.lenient_output) {
    json::value v = std::move(out);
    detail::loosen_output(v);
    out = std::move(v.get_object());
  }
  op.output_schema = std::move(out);
}

}  // namespace mcp::openapi::detail
