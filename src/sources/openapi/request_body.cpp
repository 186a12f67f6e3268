#include <algorithm>
#include <mcp/core/encoding.hpp>

#include "sources/openapi/request.hpp"
#include "sources/openapi/request_detail.hpp"

namespace mcp::openapi::detail {
namespace {

bool is_json_type(std::string_view ct) {
  return ct == "application/json" || (ct.size() > 5 && ct.substr(ct.size() - 5) == "+json") ||
         starts_with(ct, "application/json;");
}
bool is_text_type(std::string_view ct) {
  return starts_with(ct, "text/") || ct == "application/xml" || (ct.size() > 4 && ct.substr(ct.size() - 4) == "+xml") ||
         ct == "application/yaml" || ct == "application/x-yaml" || ct == "application/graphql";
}

// A body property schema: base64 in the input, raw bytes on the wire.
bool is_binary_field(const Body& b, const std::string& name) {
  if (auto it = b.field_content_types.find(name); it != b.field_content_types.end()) {
    std::string ct = lower(it->second);
    if (!ct.empty() && !is_json_type(ct) && !is_text_type(ct)) return true;
  }
  auto* props = find_object(b.schema, "properties");
  if (!props) return false;
  auto* s = find_object(*props, name);
  if (!s) return false;
  auto binary = [](const json::object& x) {
    if (find_string(x, "format") == std::optional<std::string_view>("binary")) return true;
    if (find_string(x, "contentEncoding") == std::optional<std::string_view>("base64")) return true;
    auto media = find_string(x, "contentMediaType");
    return media && !is_json_type(*media) && !is_text_type(*media);
  };
  // An array of files (items: {format: binary}) is sent as one file part per item.
  auto* items = find_object(*s, "items");
  return binary(*s) || (items && binary(*items));
}

Result<std::string> decode_binary(const json::value& v, const std::string& property) {
  if (!v.is_string()) return invalid("Argument " + property + " must be a base64 string (binary content)");
  auto raw = base64_decode(v.get_string());
  if (!raw) return invalid("Argument " + property + " is not valid base64");
  return std::move(*raw);
}

std::string quote_name(std::string_view s) {  // for Content-Disposition
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c != '\r' && c != '\n') out += c;
  }
  return out;
}

// The flat properties that make up an object body, in the body's own names.
std::vector<std::pair<const BodyField*, const json::value*>> present_fields(const Body& b, const json::object& args) {
  std::vector<std::pair<const BodyField*, const json::value*>> out;
  for (auto& f : b.fields)
    if (auto* v = find(args, f.property)) out.emplace_back(&f, v);
  return out;
}

// One property of an application/x-www-form-urlencoded body, by its `encoding` (default:
// form, explode). Nested values use brackets at any depth, lists indexed (name[0]=a), which
// form-encoded APIs read; a list of scalars under form/explode repeats the key, as OpenAPI says.
void add_form_property(std::string& out, const Body& b, const std::string& key, const json::value& v) {
  auto enc = [](const std::string& s) { return encode_form_value(s); };
  std::string name = enc(key);
  if (auto ct = b.field_content_types.find(key);
      ct != b.field_content_types.end() && is_json_type(lower(ct->second))) {
    add_pair(out, name, enc(json::serialize(v)));
    return;
  }
  Body::FieldStyle fs;
  if (auto it = b.field_styles.find(key); it != b.field_styles.end()) fs = it->second;
  if (v.is_array() && fs.style != "deepObject") {
    auto& a = v.get_array();
    bool flat = std::none_of(a.begin(), a.end(), [](auto& x) { return x.is_structured(); });
    if (flat && !fs.explode) {
      std::string sep = fs.style == "spaceDelimited" ? "%20" : fs.style == "pipeDelimited" ? "%7C" : "%2C";
      std::string joined;
      for (std::size_t i = 0; i < a.size(); ++i) joined += (i ? sep : "") + enc(scalar_text(a[i]));
      add_pair(out, name, joined);
      return;
    }
    if (flat) {
      for (auto& x : a) add_pair(out, name, enc(scalar_text(x)));
      return;
    }
  }
  add_bracketed(out, name, v, enc);
}

// A required form field given an empty list: a form has no way to say "empty list".
std::optional<Error> empty_form_list(const std::vector<std::pair<const BodyField*, const json::value*>>& fields) {
  for (auto& [f, v] : fields)
    if (f->body_required && v->is_array() && v->get_array().empty())
      return invalid("Argument " + f->property +
                     " is an empty list, which a form body cannot carry: the API requires at least one item");
  return std::nullopt;
}

}  // namespace

Result<bool> build_body(const Body& b, const json::object& args, net::ClientRequest& req) {
  std::string ct = lower(b.content_type);
  const json::value* whole = b.wrapped_property.empty() ? nullptr : find(args, b.wrapped_property);
  auto fields = present_fields(b, args);
  // Nothing given: an optional body is left out; a required one whose properties are all
  // optional goes out empty ({} or an empty form), since the API expects a body.
  if (!whole && fields.empty() && !b.required) return false;
  auto set_type = [&](std::string t) { req.headers.emplace_back("content-type", std::move(t)); };

  if (is_json_type(ct) || ct.empty()) {
    if (whole) {
      req.body = json::serialize(*whole);
    } else {
      json::object o;
      for (auto& [f, v] : fields) o[f->name] = *v;
      req.body = json::serialize(o);
    }
    set_type(b.content_type.empty() ? "application/json" : b.content_type);
    return true;
  }
  if (ct == "application/x-www-form-urlencoded") {
    if (auto e = empty_form_list(fields)) return *e;
    json::object o;
    if (whole && whole->is_object()) o = whole->get_object();
    for (auto& [f, v] : fields) o[f->name] = *v;
    std::string out;
    for (auto& [k, v] : o) add_form_property(out, b, std::string(k), v);
    req.body = std::move(out);
    set_type("application/x-www-form-urlencoded");
    return true;
  }
  if (starts_with(ct, "multipart/")) {
    if (auto e = empty_form_list(fields)) return *e;
    std::string boundary = multipart_boundary();
    std::string out;
    auto part = [&](const std::string& name, std::string_view type, std::string_view data, bool file) {
      out += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + quote_name(name) + "\"";
      if (file) out += "; filename=\"" + quote_name(name) + "\"";
      out += "\r\n";
      if (!type.empty()) out += "Content-Type: " + std::string(type) + "\r\n";
      out += "\r\n";
      out += data;
      out += "\r\n";
    };
    std::vector<std::pair<std::string, const json::value*>> parts;
    if (whole && whole->is_object())
      for (auto& [k, v] : whole->get_object()) parts.emplace_back(std::string(k), &v);
    for (auto& [f, v] : fields) parts.emplace_back(f->name, v);
    for (auto& [name, v] : parts) {
      auto fct = b.field_content_types.find(name);
      std::string declared = fct == b.field_content_types.end() ? std::string() : fct->second;
      if (is_binary_field(b, name)) {
        auto items = v->is_array() ? std::vector<const json::value*>() : std::vector<const json::value*>{v};
        if (v->is_array())
          for (auto& x : v->get_array()) items.push_back(&x);
        for (auto* x : items) {
          auto raw = decode_binary(*x, name);
          if (!raw) return raw.error();
          part(name, declared.empty() ? "application/octet-stream" : declared, *raw, true);
        }
      } else if (v->is_object() || (v->is_array() && !declared.empty())) {
        part(name, declared.empty() ? "application/json" : declared, json::serialize(*v), false);
      } else if (v->is_array()) {
        for (auto& x : v->get_array())
          part(name, x.is_structured() ? "application/json" : "",
               x.is_structured() ? json::serialize(x) : scalar_text(x), false);
      } else {
        part(name, declared, scalar_text(*v), false);
      }
    }
    out += "--" + boundary + "--\r\n";
    req.body = std::move(out);
    set_type(b.content_type.find("boundary=") == std::string::npos ? "multipart/form-data; boundary=" + boundary
                                                                   : b.content_type);
    return true;
  }
  if (!whole && fields.empty()) return false;  // a required text or binary body was checked
  if (is_text_type(ct)) {
    const json::value& v = whole ? *whole : *fields.front().second;
    req.body = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
    set_type(b.content_type);
    return true;
  }
  // Everything else is binary: the tool takes base64, the API gets the bytes.
  if (!whole)
    return invalid("The request body of this operation is binary: pass it base64-encoded in " + b.wrapped_property);
  auto raw = decode_binary(*whole, b.wrapped_property);
  if (!raw) return raw.error();
  req.body = std::move(*raw);
  set_type(b.content_type);
  return true;
}

}  // namespace mcp::openapi::detail
