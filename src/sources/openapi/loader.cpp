// The loader: documents -> Spec. Operations are named over the whole spec first (so that
// selection never renames a tool), then selected, then built one by one; a failure while
// building one operation is recorded in Spec::skipped and the others go on.
#include "sources/openapi/loader.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sources/openapi/document.hpp"
#include "sources/openapi/naming.hpp"
#include "sources/openapi/schema.hpp"

namespace mcp::openapi {
namespace {

using detail::Dialect;
using detail::Direction;
using detail::DocumentSet;
using detail::LoadError;
using detail::SchemaConverter;

constexpr std::string_view kMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string upper(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return o;
}
std::string lower(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}
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
bool is_false(const json::object& o, std::string_view key) {
  auto* v = find(o, key);
  return v && v->is_bool() && !v->get_bool();
}

bool json_media(std::string_view mt) {
  auto m = lower(mt.substr(0, mt.find(';')));
  return m == "application/json" || (m.size() > 5 && m.ends_with("+json")) || m == "text/json";
}

// The media type a request body is sent as, by preference.
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

// {"allOf": [objects...]} -> one object, when every member is a plain object schema.
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

struct RawOp {
  std::string method;  // upper case
  std::string path;
  const json::object* item;
  std::string item_doc;
  const json::object* op;
  std::string name;
};

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
    detail::SchemaOptions so{options_.compat, std::max(0, options_.compat_recursion_depth), options_.max_schema_nodes};
    conv_.emplace(docs_, dialect_, so);

    if (auto* info = find_object(root_, "info")) {
      spec.title = str(*info, "title");
      spec.version = str(*info, "version");
      spec.description = str(*info, "description");
    }
    spec.servers = document_servers();
    spec.security_schemes = security_schemes();
    schemes_ = &spec.security_schemes;
    if (auto* s = find(root_, "security")) global_security_ = read_security(*s);

    auto ops = collect(spec);
    name_all(ops);
    for (auto& raw : ops) {
      std::string where = raw.method + " " + raw.path;
      if (auto why = excluded_by(raw)) {
        spec.excluded.push_back({where, *why});
        continue;
      }
      try {
        spec.operations.push_back(build(raw, spec));
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

  struct Built {
    Parameter param;
    json::value schema;  // the property's schema in the flat input
  };

  // Resolves, merges (operation over path item, keyed by in+name) and converts parameters.
  Operation build(const RawOp& r, Spec& spec) {
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

  static bool flag(const json::object& o, std::string_view k) {
    auto* v = find(o, k);
    return v && v->is_bool() && v->get_bool();
  }

  void build_input(const RawOp& r, Operation& op, bool refs_as_defs) {
    SchemaConverter::Scope scope;
    scope.dir = Direction::request;
    scope.refs_as_defs = refs_as_defs;
    op.parameters.clear();
    op.body.reset();

    // Parameters, path item first, the operation's override by (in, name).
    std::vector<std::pair<const json::object*, std::string>> raw;  // resolved param, its doc
    auto add = [&](const json::object& holder, const std::string& doc) {
      auto* ps = find(holder, "parameters");
      if (!ps) return;
      if (!ps->is_array()) throw LoadError("`parameters` is not an array");
      for (auto& p : ps->get_array()) {
        auto t = docs_.deref(p, doc);
        if (!t.value->is_object()) throw LoadError("a parameter is not an object");
        auto& po = t.value->get_object();
        std::string name = str(po, "name"), in = str(po, "in");
        if (name.empty() || in.empty()) throw LoadError("a parameter lacks `name` or `in`");
        auto same = std::find_if(raw.begin(), raw.end(),
                                 [&](auto& x) { return str(*x.first, "name") == name && str(*x.first, "in") == in; });
        if (same != raw.end())
          *same = {&po, t.doc};
        else
          raw.emplace_back(&po, t.doc);
      }
    };
    add(*r.item, r.item_doc);
    add(*r.op, r.item_doc);

    std::vector<Built> params;
    const json::object* v2_body = nullptr;
    std::string v2_body_doc;
    std::vector<std::pair<const json::object*, std::string>> form;
    for (auto& [po, doc] : raw) {
      std::string in = str(*po, "in"), name = str(*po, "name");
      if (in == "body") {
        v2_body = po, v2_body_doc = doc;
        continue;
      }
      if (in == "formData") {
        form.emplace_back(po, doc);
        continue;
      }
      Parameter p;
      p.name = name;
      if (in == "path")
        p.in = ParamIn::path;
      else if (in == "query")
        p.in = ParamIn::query;
      else if (in == "header")
        p.in = ParamIn::header;
      else if (in == "cookie")
        p.in = ParamIn::cookie;
      else
        throw LoadError("parameter " + name + " has unknown location `" + in + "`");
      // OpenAPI: these header parameters are ignored (content negotiation and auth are ours).
      if (p.in == ParamIn::header) {
        auto l = lower(name);
        if (l == "accept" || l == "content-type" || l == "authorization") continue;
      }
      // A parameter that restates an apiKey security scheme is a credential: the gateway
      // supplies it (per upstream or per user), the model must not be asked for it.
      if (is_api_key(in, name)) continue;
      p.required = p.in == ParamIn::path || flag(*po, "required");
      p.description = str(*po, "description");
      json::value schema;
      if (dialect_ == Dialect::swagger2) {
        schema = conv_->convert_v2_parameter(*po, doc, scope);
        std::string cf = str(*po, "collectionFormat");
        if (p.in == ParamIn::query || p.in == ParamIn::cookie) {
          p.style = cf == "ssv" ? "spaceDelimited" : cf == "pipes" ? "pipeDelimited" : "form";
          p.explode = cf == "multi" || (cf.empty() && !is_array_schema(schema));
        } else {
          p.style = "simple";
        }
      } else {
        p.style = str(*po, "style");
        if (p.style.empty()) p.style = (p.in == ParamIn::query || p.in == ParamIn::cookie) ? "form" : "simple";
        auto* ex = find(*po, "explode");
        p.explode = ex && ex->is_bool() ? ex->get_bool() : p.style == "form";
        p.allow_reserved = flag(*po, "allowReserved");
        if (auto* s = find(*po, "schema")) {
          schema = conv_->convert(*s, doc, scope);
        } else if (auto* c = find_object(*po, "content"); c && !c->empty()) {
          auto& first = *c->begin();
          p.content_type = std::string(first.key());
          if (first.value().is_object())
            if (auto* s = find(first.value().get_object(), "schema")) schema = conv_->convert(*s, doc, scope);
        }
        if (schema.is_null()) schema = json::object{};
        // Examples documented on the parameter travel with its property.
        if (schema.is_object() && !schema.get_object().contains("examples")) {
          if (auto* e = find(*po, "example")) {
            schema.get_object()["examples"] = json::array{*e};
          } else if (auto* ex = find_object(*po, "examples")) {  // {name: {value: ...}}
            json::array values;
            for (auto& kv : *ex)
              if (kv.value().is_object())
                if (auto* v = find(kv.value().get_object(), "value")) values.push_back(*v);
            if (!values.empty()) schema.get_object()["examples"] = std::move(values);
          }
        }
      }
      if (schema.is_bool()) schema = json::object{};
      auto& so = schema.as_object();
      if (!p.description.empty()) so["description"] = p.description;
      if (flag(*po, "deprecated")) so["deprecated"] = true;
      p.schema = so;
      params.push_back({std::move(p), std::move(schema)});
    }
    // Path template variables the spec forgot to declare still need a value.
    for (auto& v : path_template_names(r.path)) {
      bool declared = std::any_of(params.begin(), params.end(),
                                  [&](auto& b) { return b.param.in == ParamIn::path && b.param.name == v; });
      if (declared) continue;
      Parameter p;
      p.name = v;
      p.in = ParamIn::path;
      p.required = true;
      p.style = "simple";
      p.schema = {{"type", "string"}, {"description", "Path parameter `" + v + "` (not declared in the spec)"}};
      params.push_back({p, p.schema});
    }
    // Declared path parameters that the template does not use cannot be sent anywhere.
    auto names = path_template_names(r.path);
    params.erase(std::remove_if(params.begin(), params.end(),
                                [&](auto& b) {
                                  return b.param.in == ParamIn::path &&
                                         std::find(names.begin(), names.end(), b.param.name) == names.end();
                                }),
                 params.end());
    std::stable_sort(params.begin(), params.end(),
                     [](auto& a, auto& b) { return static_cast<int>(a.param.in) < static_cast<int>(b.param.in); });

    // The body.
    std::optional<Body> body;
    json::value body_schema;
    if (dialect_ == Dialect::swagger2) {
      if (v2_body) {
        body.emplace();
        body->content_type = pick_v2_consumes(*r.op, {"application/json"});
        body->required = flag(*v2_body, "required");
        auto* s = find(*v2_body, "schema");
        body_schema = s ? convert_top(*s, v2_body_doc, scope) : json::value(json::object{});
      } else if (!form.empty()) {
        body.emplace();
        bool has_file = std::any_of(form.begin(), form.end(), [](auto& f) { return str(*f.first, "type") == "file"; });
        body->content_type =
            has_file ? "multipart/form-data"
                     : pick_v2_consumes(*r.op, {"application/x-www-form-urlencoded", "multipart/form-data"});
        json::object props;
        json::array required;
        for (auto& [po, doc] : form) {
          auto s = conv_->convert_v2_parameter(*po, doc, scope);
          std::string n = str(*po, "name");
          if (flag(*po, "required")) required.emplace_back(n);
          props[n] = std::move(s);
        }
        json::object o{{"type", "object"}, {"properties", std::move(props)}};
        body->required = !required.empty();
        if (!required.empty()) o["required"] = std::move(required);
        body_schema = std::move(o);
      }
    } else if (auto* rb = find(*r.op, "requestBody")) {
      auto t = docs_.deref(*rb, r.item_doc);
      if (!t.value->is_object()) throw LoadError("requestBody is not an object");
      auto& rbo = t.value->get_object();
      auto* content = find_object(rbo, "content");
      if (content && !content->empty()) {
        const auto* media = choose_media(*content);
        body.emplace();
        body->content_type = std::string(media->key());
        body->required = flag(rbo, "required");
        const json::object* mo = media->value().is_object() ? &media->value().get_object() : nullptr;
        if (auto* s = mo ? find(*mo, "schema") : nullptr) body_schema = convert_top(*s, t.doc, scope);
        if (mo)
          if (auto* enc = find_object(*mo, "encoding"))
            for (auto& e : *enc)
              if (e.value().is_object())
                if (auto ct = find_string(e.value().get_object(), "contentType"))
                  body->field_content_types.emplace(e.key(), std::string(*ct));
        if (body_schema.is_null()) {
          auto ct = lower(body->content_type);
          body_schema = json_media(ct) || ct.find("form") != std::string::npos
                            ? json::value(json::object{})
                            : json::value(json::object{{"type", "string"}});
          if (ct == "application/octet-stream" || ct.starts_with("image/") || ct.starts_with("audio/") ||
              ct.starts_with("video/") || ct == "application/pdf")
            body_schema = json::object{{"type", "string"}, {"contentEncoding", "base64"}};
        }
      }
    }

    // The flat input object. Parameters keep their names, in the order path, query, header,
    // cookie; a later parameter whose name is taken becomes "<in>_<name>". Body properties
    // keep theirs unless taken, then become "body_<name>". A non-object body is one property,
    // "body" (or "body_body", ...). Any remaining clash gets "_2", "_3", ...
    std::set<std::string> taken(options_.reserved_properties.begin(), options_.reserved_properties.end());
    auto claim = [&](const std::string& wanted, const std::string& prefixed) {
      std::string n = taken.count(wanted) ? prefixed : wanted;
      std::string base = n;
      for (int i = 2; taken.count(n); ++i) n = base + "_" + std::to_string(i);
      taken.insert(n);
      return n;
    };
    static const char* kIn[] = {"path", "query", "header", "cookie"};
    json::object props;
    json::array required;
    for (auto& b : params) {
      auto name = detail::sanitize_property(b.param.name);
      b.param.property = claim(name, std::string(kIn[static_cast<int>(b.param.in)]) + "_" + name);
      props[b.param.property] = std::move(b.schema);
      if (b.param.required) required.emplace_back(b.param.property);
      op.parameters.push_back(std::move(b.param));
    }
    if (body) {
      if (body_schema.is_bool()) body_schema = json::object{};
      auto& bs = body_schema.as_object();
      std::optional<json::object> merged;
      if (!object_like(bs)) merged = merge_all_of(bs);
      const json::object& obj = merged ? *merged : bs;
      bool form_like = lower(body->content_type).find("form") != std::string::npos;
      bool flatten = object_like(obj) && (!obj.at("properties").as_object().empty() || form_like);
      if (flatten) {
        std::set<std::string> req;
        if (auto* rq = find(obj, "required"); rq && rq->is_array())
          for (auto& x : rq->get_array())
            if (x.is_string()) req.insert(std::string(x.get_string()));
        for (auto& p : obj.at("properties").as_object()) {
          std::string n(p.key());
          auto name = detail::sanitize_property(n);
          BodyField f{n, claim(name, "body_" + name), body->required && req.count(n) > 0};
          props[f.property] = p.value();
          if (f.required) required.emplace_back(f.property);
          body->fields.push_back(std::move(f));
        }
      } else {
        body->wrapped_property = claim("body", "body_body");
        json::value s = body_schema;
        if (s.is_object() && !s.get_object().contains("description"))
          s.get_object()["description"] = "The request body (" + body->content_type + ")";
        props[body->wrapped_property] = std::move(s);
        if (body->required) required.emplace_back(body->wrapped_property);
      }
      body->schema = merged ? std::move(*merged) : bs;
      op.body = std::move(body);
    }
    json::object input{{"type", "object"}, {"properties", std::move(props)}};
    if (!required.empty()) input["required"] = std::move(required);
    conv_->attach_defs(input, scope);
    op.input_schema = std::move(input);
  }

  // A body or response schema that is itself a $ref is converted from its target, so that it
  // can still be flattened when it is recursive or every other $ref is kept as a $def.
  json::value convert_top(const json::value& s, const std::string& doc, SchemaConverter::Scope& scope) {
    if (s.is_object() && s.get_object().size() == 1 && s.get_object().contains("$ref")) {
      auto t = docs_.deref(s, doc);
      return conv_->convert(*t.value, t.doc, scope);
    }
    return conv_->convert(s, doc, scope);
  }

  bool is_api_key(const std::string& in, const std::string& name) const {
    for (auto& [id, sc] : *schemes_) {
      if (sc.type != "apiKey" || sc.in != in) continue;
      if (in == "header" ? lower(sc.name) == lower(name) : sc.name == name) return true;
    }
    return false;
  }

  static bool is_array_schema(const json::value& s) {
    if (!s.is_object()) return false;
    auto t = find_string(s.get_object(), "type");
    return t && *t == "array";
  }

  std::string pick_v2_consumes(const json::object& op, std::vector<std::string> prefs) {
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

  void build_output(const RawOp& r, Operation& op, bool refs_as_defs) {
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

  DocumentSet& docs_;
  const LoadOptions& options_;
  const json::object& root_;
  std::size_t max_name_;
  Dialect dialect_ = Dialect::oas30;
  std::optional<SchemaConverter> conv_;
  std::vector<SecurityRequirement> global_security_;
  const std::map<std::string, SecurityScheme>* schemes_ = nullptr;
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

namespace {

std::optional<std::string> read_file(const std::string& path, std::size_t limit, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path;
    return std::nullopt;
  }
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg()));
  if (size > limit) {
    error = path + " is larger than " + std::to_string(limit) + " bytes";
    return std::nullopt;
  }
  in.seekg(0);
  std::string data(size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  try {
    if (detail::is_gzip(data)) data = detail::gunzip(data, limit);
  } catch (const std::exception& e) {
    error = path + ": " + e.what();
    return std::nullopt;
  }
  return data;
}

DocumentSet::Fetch file_fetch(std::size_t limit) {
  return [limit](const std::string& uri, std::string& error) -> std::optional<std::string> {
    if (uri.starts_with("http://") || uri.starts_with("https://")) {
      error = "a spec loaded from a file may only reference files";
      return std::nullopt;
    }
    return read_file(uri, limit, error);
  };
}

}  // namespace

bool Selection::empty() const {
  return include_tags.empty() && exclude_tags.empty() && include_paths.empty() && exclude_paths.empty() &&
         include_methods.empty() && exclude_methods.empty() && include_operations.empty() && exclude_operations.empty();
}

Result<Spec> load_file(const std::string& path, const LoadOptions& options) {
  std::string error;
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec) abs = path;
  auto text = read_file(abs, options.max_document_bytes, error);
  if (!text) return Error{errc::kInvalidParams, error};
  try {
    DocumentSet docs(abs, detail::parse_document(*text, path), file_fetch(options.max_document_bytes),
                     options.max_documents);
    return detail::load_document_set(docs, options);
  } catch (const std::exception& e) {
    return Error{errc::kInvalidParams, e.what()};
  }
}

Result<Spec> load_bytes(std::string_view bytes, const LoadOptions& options, std::string base_path) {
  if (bytes.size() > options.max_document_bytes)
    return Error{errc::kInvalidParams, "document larger than " + std::to_string(options.max_document_bytes) + " bytes"};
  try {
    std::string text;
    if (detail::is_gzip(bytes)) text = detail::gunzip(bytes, options.max_document_bytes);
    std::string_view src = text.empty() ? bytes : std::string_view(text);
    std::string uri = base_path.empty() ? "" : std::filesystem::absolute(base_path).lexically_normal().string();
    DocumentSet docs(uri, detail::parse_document(src, base_path.empty() ? "document" : base_path),
                     base_path.empty() ? DocumentSet::Fetch{} : file_fetch(options.max_document_bytes),
                     options.max_documents);
    return detail::load_document_set(docs, options);
  } catch (const std::exception& e) {
    return Error{errc::kInvalidParams, e.what()};
  }
}

json::object tool_definition(const Operation& op) {
  json::object t{
      {"name", op.tool_name}, {"title", op.title}, {"description", op.description}, {"inputSchema", op.input_schema}};
  if (op.output_schema) t["outputSchema"] = *op.output_schema;
  t["annotations"] = op.annotations;
  return t;
}

}  // namespace mcp::openapi
