// The loader's walk: documents -> Spec. Operations are named over the whole spec first (so that
// selection never renames a tool), then selected, then built one by one (operation_builder.cpp);
// a failure while building one operation is recorded in Spec::skipped and the others go on.
#include <mcp/sources/openapi/loader.hpp>

#include <algorithm>

#include "sources/openapi/document.hpp"
#include "sources/openapi/naming.hpp"
#include "sources/openapi/operation_builder.hpp"
#include "sources/openapi/read.hpp"
#include "sources/openapi/schema.hpp"
#include "sources/openapi/spec_fields.hpp"

namespace mcp::openapi {
namespace {

using detail::Dialect;
using detail::DocumentSet;
using detail::is_false;
using detail::LoadError;
using detail::lower;
using detail::RawOp;
using detail::read_security;
using detail::read_servers;
using detail::SchemaConverter;
using detail::str;
using detail::upper;

constexpr std::string_view kMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

class Loader {
 public:
  Loader(DocumentSet& docs, const LoadOptions& options)
      : docs_(docs),
        options_(options),
        root_(docs.root().as_object()),
        max_name_(std::clamp<std::size_t>(options.max_name_length, 16, 128)) {}

  Spec run() {
    Spec spec;
    if (auto v = find_string(root_, "swagger")) {
      if (!v->starts_with("2.")) throw LoadError("unsupported Swagger version " + std::string(*v));
      dialect_ = Dialect::swagger2;
      spec.openapi_version = std::string(*v);
    } else if (auto v = find_string(root_, "openapi")) {
      if (v->starts_with("3.0"))
        dialect_ = Dialect::oas30;
      else if (v->starts_with("3."))
        dialect_ = Dialect::oas31;
      else
        throw LoadError("unsupported OpenAPI version " + std::string(*v));
      spec.openapi_version = std::string(*v);
    } else {
      throw LoadError("not an OpenAPI document: no `openapi` or `swagger` field");
    }
    detail::SchemaOptions so{options_.compat, std::max(0, options_.compat_recursion_depth), options_.max_schema_nodes,
                             options_.max_total_schema_nodes};
    conv_.emplace(docs_, dialect_, so);

    if (auto* info = find_object(root_, "info")) {
      spec.title = str(*info, "title");
      spec.version = str(*info, "version");
      spec.description = str(*info, "description");
    }
    spec.servers = document_servers();
    spec.security_schemes = security_schemes();
    if (auto* s = find(root_, "security")) global_security_ = read_security(*s);

    auto ops = collect(spec);
    name_all(ops);
    detail::OperationBuilder builder(
        {docs_, options_, root_, dialect_, *conv_, global_security_, spec.security_schemes});
    std::optional<std::string> spent;  // the spec-wide schema budget is spent: skip the rest
    for (auto& raw : ops) {
      std::string where = raw.method + " " + raw.path;
      if (auto why = excluded_by(raw)) {
        spec.excluded.push_back({where, *why});
        continue;
      }
      if (spent) {
        spec.skipped.push_back({where, *spent});
        continue;
      }
      try {
        spec.operations.push_back(builder.build(raw, spec));
      } catch (const detail::SchemaBudgetSpent& e) {
        spent = e.what();
        spec.skipped.push_back({where, *spent});
      } catch (const std::exception& e) {
        spec.skipped.push_back({where, e.what()});
      }
    }
    return spec;
  }

 private:
  std::vector<ServerUrl> document_servers() {
    if (dialect_ != Dialect::swagger2) {
      auto s = read_servers(find(root_, "servers"));
      if (s.empty()) s.push_back({"/", {}});  // the 3.x default
      return s;
    }
    std::string host = str(root_, "host"), base = str(root_, "basePath");
    std::vector<std::string> schemes;
    if (auto* sc = find(root_, "schemes"); sc && sc->is_array())
      for (auto& x : sc->get_array())
        if (x.is_string()) schemes.emplace_back(x.get_string());
    if (schemes.empty()) schemes.push_back("https");
    std::vector<ServerUrl> out;
    if (host.empty()) {
      out.push_back({base.empty() ? "/" : base, {}});
      return out;
    }
    // https first: prefer the secure scheme when a spec offers both.
    std::stable_sort(schemes.begin(), schemes.end(), [](auto& a, auto& b) { return a == "https" && b != "https"; });
    for (auto& s : schemes)
      if (s == "http" || s == "https") out.push_back({s + "://" + host + base, {}});
    return out;
  }

  std::map<std::string, SecurityScheme> security_schemes() {
    std::map<std::string, SecurityScheme> out;
    const json::object* defs = nullptr;
    if (dialect_ == Dialect::swagger2)
      defs = find_object(root_, "securityDefinitions");
    else if (auto* c = find_object(root_, "components"))
      defs = find_object(*c, "securitySchemes");
    if (!defs) return out;
    for (auto& kv : *defs) {
      const json::value* v = &kv.value();
      try {
        v = docs_.deref(*v, docs_.root_uri()).value;
      } catch (const LoadError&) {
        continue;
      }
      if (!v->is_object()) continue;
      auto& o = v->get_object();
      SecurityScheme s{str(o, "type"), lower(str(o, "scheme")), str(o, "name"), str(o, "in")};
      if (s.type == "basic") s = {"http", "basic", "", ""};  // Swagger 2.0
      out.emplace(kv.key(), std::move(s));
    }
    return out;
  }

  std::vector<RawOp> collect(Spec& spec) {
    std::vector<RawOp> ops;
    auto* paths = find_object(root_, "paths");
    if (!paths) return ops;
    for (auto& pkv : *paths) {
      std::string path(pkv.key());
      if (path.empty() || path[0] != '/') {
        if (!path.starts_with("x-")) spec.skipped.push_back({path, "path does not start with '/'"});
        continue;
      }
      const json::value* item = &pkv.value();
      std::string item_doc = docs_.root_uri();
      try {
        auto t = docs_.deref(*item, item_doc);
        item = t.value;
        item_doc = t.doc;
      } catch (const std::exception& e) {
        spec.skipped.push_back({path, e.what()});
        continue;
      }
      if (!item->is_object()) {
        spec.skipped.push_back({path, "path item is not an object"});
        continue;
      }
      for (auto& okv : item->get_object()) {
        std::string m = lower(okv.key());
        if (std::find(std::begin(kMethods), std::end(kMethods), m) == std::end(kMethods)) continue;
        if (!okv.value().is_object()) {
          spec.skipped.push_back({upper(m) + " " + path, "operation is not an object"});
          continue;
        }
        ops.push_back({upper(m), path, &item->get_object(), item_doc, &okv.value().get_object(), {}});
      }
    }
    return ops;
  }

  void name_all(std::vector<RawOp>& ops) {
    detail::NameSet names(max_name_);
    for (auto& op : ops) {
      std::string op_id = str(*op.op, "operationId");
      std::string key = op.method + " " + op.path;
      std::string raw;
      if (auto it = options_.names.find(op_id); !op_id.empty() && it != options_.names.end())
        raw = it->second;
      else if (auto it2 = options_.names.find(key); it2 != options_.names.end())
        raw = it2->second;
      else if (auto x = find_string(*op.op, "x-mcp-name"); x && !x->empty())
        raw = std::string(*x);
      else if (!op_id.empty())
        raw = op_id;
      else
        raw = detail::method_path_name(op.method, op.path);
      op.name = names.claim(detail::sanitize_tool_name(raw, max_name_), key);
    }
  }

  std::optional<std::string> excluded_by(const RawOp& r) {
    if (is_false(*r.op, "x-mcp")) return "x-mcp: false on the operation";
    if (is_false(*r.item, "x-mcp")) return "x-mcp: false on the path";
    const auto& sel = options_.selection;
    std::vector<std::string> tags;
    if (auto* t = find(*r.op, "tags"); t && t->is_array())
      for (auto& x : t->get_array())
        if (x.is_string()) tags.emplace_back(x.get_string());
    std::string op_id = str(*r.op, "operationId");
    auto has_tag = [&](const std::vector<std::string>& list) {
      for (auto& t : tags)
        if (std::find(list.begin(), list.end(), t) != list.end()) return true;
      return false;
    };
    auto path_in = [&](const std::vector<std::string>& globs) {
      for (auto& g : globs)
        if (detail::glob_match(g, r.path)) return true;
      return false;
    };
    auto method_in = [&](const std::vector<std::string>& list) {
      for (auto& m : list)
        if (upper(m) == r.method) return true;
      return false;
    };
    auto op_in = [&](const std::vector<std::string>& list) {
      for (auto& o : list)
        if ((!op_id.empty() && o == op_id) || o == r.name) return true;
      return false;
    };
    if (!sel.include_tags.empty() && !has_tag(sel.include_tags)) return "no tag in --include-tag";
    if (has_tag(sel.exclude_tags)) return "tag excluded";
    if (!sel.include_paths.empty() && !path_in(sel.include_paths)) return "path not in --include-path";
    if (path_in(sel.exclude_paths)) return "path excluded";
    if (!sel.include_methods.empty() && !method_in(sel.include_methods)) return "method not included";
    if (method_in(sel.exclude_methods)) return "method excluded";
    if (!sel.include_operations.empty() && !op_in(sel.include_operations)) return "operation not included";
    if (op_in(sel.exclude_operations)) return "operation excluded";
    return std::nullopt;
  }

  DocumentSet& docs_;
  const LoadOptions& options_;
  const json::object& root_;
  std::size_t max_name_;
  Dialect dialect_ = Dialect::oas30;
  std::optional<SchemaConverter> conv_;
  std::vector<SecurityRequirement> global_security_;
};

}  // namespace

namespace detail {
Result<Spec> load_document_set(DocumentSet& docs, const LoadOptions& options) {
  try {
    if (!docs.root().is_object()) return Error{errc::kInvalidParams, "the document is not an object"};
    Loader l(docs, options);
    return l.run();
  } catch (const std::exception& e) {
    return Error{errc::kInvalidParams, e.what()};
  }
}
}  // namespace detail

bool Selection::empty() const {
  return include_tags.empty() && exclude_tags.empty() && include_paths.empty() && exclude_paths.empty() &&
         include_methods.empty() && exclude_methods.empty() && include_operations.empty() && exclude_operations.empty();
}

json::object tool_definition(const Operation& op) {
  json::object t{
      {"name", op.tool_name}, {"title", op.title}, {"description", op.description}, {"inputSchema", op.input_schema}};
  if (op.output_schema) t["outputSchema"] = *op.output_schema;
  t["annotations"] = op.annotations;
  return t;
}

}  // namespace mcp::openapi
