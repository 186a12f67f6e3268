// The flat input schema of one operation: parameters (path item first, the operation's
// override by in+name) and the request body merged into one object, with collision renames.
#include <algorithm>
#include <map>
#include <set>

#include "sources/openapi/naming.hpp"
#include "sources/openapi/operation_builder.hpp"
#include "sources/openapi/spec_fields.hpp"

namespace mcp::openapi::detail {
namespace {

struct Built {
  Parameter param;
  json::value schema;  // the property's schema in the flat input
};

// Headers the HTTP client computes (framing, connection management, the host): a value from
// the model would be dropped or would corrupt the message, so it is never asked for.
bool transport_header(const std::string& lower_name) {
  static const std::set<std::string, std::less<>> names = {
      "content-length", "host",    "transfer-encoding", "connection", "keep-alive",
      "te",             "trailer", "upgrade",           "proxy-connection"};
  return names.count(lower_name) > 0;
}

// A value that must not be empty (a path segment, a required query or header value): strings
// get minLength 1, arrays minItems 1 and objects minProperties 1, unless the schema already bounds them or lists the
// values it takes (an enum holding "" means the spec wants it).
void refuse_empty(json::value& schema) {
  if (!schema.is_object()) return;
  auto& o = schema.get_object();
  if (o.contains("enum") || o.contains("const")) return;
  // A copy: raise() inserts into `o`, which would leave a view of its storage dangling.
  std::string type(find_string(o, "type").value_or(""));
  auto raise = [&](const char* key) {
    auto* v = find(o, key);
    if (!v || !v->is_number() || v->to_number<double>() < 1) o[key] = 1;
  };
  if (type.empty() || type == "string") raise("minLength");
  if (type == "array") raise("minItems");
  if (type == "object") raise("minProperties");
}

// Media types sent as raw bytes (the tool takes them base64-encoded): what request_body.cpp
// does not send as JSON, text, a form or multipart.
bool binary_media(const std::string& ct) {
  if (json_media(ct) || ct.find("form") != std::string::npos || ct.starts_with("multipart/")) return false;
  if (ct.starts_with("text/") || ct.ends_with("+xml") || ct.ends_with("+json")) return false;
  return ct != "application/xml" && ct != "application/yaml" && ct != "application/x-yaml" &&
         ct != "application/graphql" && !ct.empty();
}

// A binary body's schema as base64 text: an untyped one ({}) becomes a base64 string, a string
// gains contentEncoding (the request builder decodes it, so only base64 is accepted).
void base64_body(json::value& schema) {
  if (!schema.is_object()) schema = json::object{};
  auto& o = schema.get_object();
  auto type = find_string(o, "type");
  static const char* shaped[] = {"anyOf", "oneOf", "allOf", "$ref", "enum", "const", "properties", "items"};
  bool untyped = !type && std::none_of(std::begin(shaped), std::end(shaped), [&](auto k) { return o.contains(k); });
  if (!untyped && !(type && *type == "string")) return;
  o["type"] = "string";
  o["contentEncoding"] = "base64";
  o.erase("format");
}

}  // namespace

// Resolves, merges (operation over path item, keyed by in+name) and converts parameters.
void OperationBuilder::build_input(const RawOp& r, Operation& op, bool refs_as_defs) {
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
    static const std::map<std::string, ParamIn, std::less<>> locations{
        {"path", ParamIn::path}, {"query", ParamIn::query}, {"header", ParamIn::header}, {"cookie", ParamIn::cookie}};
    auto location = locations.find(in);
    if (location == locations.end()) throw LoadError("parameter " + name + " has unknown location `" + in + "`");
    p.in = location->second;
    // OpenAPI: these header parameters are ignored (content negotiation and auth are ours).
    if (p.in == ParamIn::header) {
      auto l = lower(name);
      if (l == "accept" || l == "content-type" || l == "authorization" || transport_header(l)) continue;
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
      p.allow_empty = flag(*po, "allowEmptyValue");
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
    if (dialect_ == Dialect::swagger2) p.allow_empty = flag(*po, "allowEmptyValue");
    // `/a//b` or `name=` would go out: an empty path value, or a required value left empty
    // where the spec does not allow it, is refused by the schema (and by the request builder).
    if (p.in == ParamIn::path || (p.required && !p.allow_empty)) refuse_empty(schema);
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
    p.schema = {{"type", "string"},
                {"minLength", 1},
                {"description", "Path parameter `" + v + "` (not declared in the spec)"}};
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
          for (auto& e : *enc) {
            if (!e.value().is_object()) continue;
            auto& eo = e.value().get_object();
            if (auto ct = find_string(eo, "contentType")) body->field_content_types.emplace(e.key(), std::string(*ct));
            auto style = find_string(eo, "style");
            auto* ex = find(eo, "explode");
            if (!style && !(ex && ex->is_bool())) continue;
            Body::FieldStyle fs;
            fs.style = style ? std::string(*style) : "form";
            fs.explode = ex && ex->is_bool() ? ex->get_bool() : fs.style == "form";
            body->field_styles.emplace(e.key(), std::move(fs));
          }
      if (body_schema.is_null()) {
        auto ct = lower(body->content_type);
        body_schema = json_media(ct) || ct.find("form") != std::string::npos
                          ? json::value(json::object{})
                          : json::value(json::object{{"type", "string"}});
      }
      if (binary_media(lower(body->content_type))) base64_body(body_schema);
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
        BodyField f{n, claim(name, "body_" + name), body->required && req.count(n) > 0, req.count(n) > 0};
        json::value field = p.value();
        // A form carries no empty list: a required array needs an item.
        if (form_like && f.body_required && field.is_object() && find_string(field.get_object(), "type") ==
                                                                 std::optional<std::string_view>("array"))
          refuse_empty(field);
        props[f.property] = std::move(field);
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
  // An optional body still needs what its schema requires once any of it is given: each body
  // property depends on those (compat mode leaves the 2019-09 keyword out, like the others; the
  // request builder refuses such a call either way).
  if (op.body && !op.body->required && !options_.compat) {
    json::array needed;
    for (auto& f : op.body->fields)
      if (f.body_required) needed.emplace_back(f.property);
    json::object deps;
    for (auto& f : op.body->fields) {
      json::array others;
      for (auto& n : needed)
        if (n.get_string() != f.property) others.push_back(n);
      if (!others.empty()) deps[f.property] = std::move(others);
    }
    if (!deps.empty()) input["dependentRequired"] = std::move(deps);
  }
  conv_->attach_defs(input, scope);
  op.input_schema = std::move(input);
}

}  // namespace mcp::openapi::detail
