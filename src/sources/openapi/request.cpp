#include "sources/openapi/request.hpp"

#include <algorithm>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <charconv>
#include <cmath>
#include <mcp/core/encoding.hpp>

namespace mcp::openapi {
namespace {

namespace urls = boost::urls;

// Path values keep only unreserved characters plus ':' and '@' (legal in a segment and never a
// delimiter of a style), so '/', '?', '#', ',', ';', '=' inside a value cannot change the URL.
constexpr urls::grammar::lut_chars kPathChars = urls::unreserved_chars + ":@";
constexpr urls::grammar::lut_chars kQueryChars = urls::unreserved_chars;
// allowReserved: reserved characters pass, except the ones that would end or split the query
// ('#', '&', '=', '+') and '[' ']', which RFC 3986 allows only in a host (clients reject them).
constexpr urls::grammar::lut_chars kQueryReserved = urls::unreserved_chars + ":/?@!$'()*,;";

Error invalid(std::string m) { return Error{errc::kInvalidParams, std::move(m), {}}; }

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos || s.find('\0') != std::string_view::npos;
}

// A named value split into (key, value) pairs (object) or items (array) for the styles.
struct Exploded {
  enum Kind { scalar, array, object } kind = scalar;
  std::string text;                                     // scalar
  std::vector<std::string> items;                       // array
  std::vector<std::pair<std::string, std::string>> kv;  // object
};

Exploded explode_value(const json::value& v) {
  Exploded e;
  if (v.is_array()) {
    e.kind = Exploded::array;
    for (auto& x : v.get_array()) e.items.push_back(scalar_text(x));
  } else if (v.is_object()) {
    e.kind = Exploded::object;
    for (auto& [k, x] : v.get_object()) e.kv.emplace_back(std::string(k), scalar_text(x));
  } else {
    e.text = scalar_text(v);
  }
  return e;
}

template <class Enc>
std::string join(const std::vector<std::string>& items, std::string_view sep, Enc enc) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += enc(items[i]);
  }
  return out;
}

template <class Enc>
std::string join_kv(const std::vector<std::pair<std::string, std::string>>& kv, std::string_view pair_sep,
                    std::string_view sep, Enc enc) {
  std::string out;
  for (size_t i = 0; i < kv.size(); ++i) {
    if (i) out += sep;
    out += enc(kv[i].first);
    out += pair_sep;
    out += enc(kv[i].second);
  }
  return out;
}

// simple / label / matrix (RFC 6570 {x}, {.x}, {;x}) for path parameters.
std::string path_value(const Parameter& p, const json::value& v) {
  auto e = explode_value(v);
  const std::string& style = p.style.empty() ? std::string("simple") : p.style;
  auto enc = [](const std::string& s) { return encode_path_value(s); };
  std::string name = enc(p.name);
  if (style == "label") {
    switch (e.kind) {
      case Exploded::scalar:
        return "." + enc(e.text);
      case Exploded::array:
        return "." + join(e.items, p.explode ? "." : ",", enc);
      case Exploded::object:
        return "." + join_kv(e.kv, p.explode ? "=" : ",", p.explode ? "." : ",", enc);
    }
  }
  if (style == "matrix") {
    switch (e.kind) {
      case Exploded::scalar:
        return ";" + name + (e.text.empty() ? "" : "=" + enc(e.text));
      case Exploded::array:
        if (!p.explode) return ";" + name + "=" + join(e.items, ",", enc);
        {
          std::string out;
          for (auto& i : e.items) out += ";" + name + "=" + enc(i);
          return out;
        }
      case Exploded::object:
        if (!p.explode) return ";" + name + "=" + join_kv(e.kv, ",", ",", enc);
        return ";" + join_kv(e.kv, "=", ";", enc);
    }
  }
  switch (e.kind) {  // simple
    case Exploded::scalar:
      return enc(e.text);
    case Exploded::array:
      return join(e.items, ",", enc);
    case Exploded::object:
      return join_kv(e.kv, p.explode ? "=" : ",", ",", enc);
  }
  return {};
}

void add_pair(std::string& q, std::string_view k, std::string_view v) {
  if (!q.empty()) q += '&';
  q += k;
  q += '=';
  q += v;
}

// form / spaceDelimited / pipeDelimited / deepObject, or `content` (serialised JSON).
void query_value(std::string& q, const Parameter& p, const json::value& v) {
  auto enc = [&](const std::string& s) { return encode_query_value(s, p.allow_reserved); };
  std::string name = encode_query_value(p.name);
  if (!p.content_type.empty()) {
    add_pair(q, name, enc(v.is_string() ? std::string(v.get_string()) : json::serialize(v)));
    return;
  }
  auto e = explode_value(v);
  const std::string& style = p.style.empty() ? std::string("form") : p.style;
  if (style == "deepObject" && e.kind == Exploded::object) {
    for (auto& [k, x] : e.kv) add_pair(q, name + "%5B" + enc(k) + "%5D", enc(x));
    return;
  }
  if ((style == "spaceDelimited" || style == "pipeDelimited") && e.kind != Exploded::scalar && !p.explode) {
    std::string sep = style == "spaceDelimited" ? "%20" : "%7C";
    add_pair(q, name, e.kind == Exploded::array ? join(e.items, sep, enc) : join_kv(e.kv, sep, sep, enc));
    return;
  }
  switch (e.kind) {  // form (and the delimited styles with explode, which are form's)
    case Exploded::scalar:
      add_pair(q, name, enc(e.text));
      return;
    case Exploded::array:
      if (p.explode)
        for (auto& i : e.items) add_pair(q, name, enc(i));
      else
        add_pair(q, name, join(e.items, ",", enc));
      return;
    case Exploded::object:
      if (p.explode)
        for (auto& [k, x] : e.kv) add_pair(q, enc(k), enc(x));
      else
        add_pair(q, name, join_kv(e.kv, ",", ",", enc));
      return;
  }
}

// Headers use `simple`; values are not percent-encoded but must not break the header block.
Result<std::string> header_value(const Parameter& p, const json::value& v) {
  std::string out;
  if (!p.content_type.empty()) {
    out = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
  } else {
    auto e = explode_value(v);
    auto id = [](const std::string& s) { return s; };
    switch (e.kind) {
      case Exploded::scalar:
        out = e.text;
        break;
      case Exploded::array:
        out = join(e.items, ",", id);
        break;
      case Exploded::object:
        out = join_kv(e.kv, p.explode ? "=" : ",", ",", id);
        break;
    }
  }
  if (has_line_break(out))
    return invalid("Argument " + p.property + " contains a line break, which a header cannot carry");
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

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

Result<bool> build_body(const Body& b, const json::object& args, net::ClientRequest& req) {
  std::string ct = lower(b.content_type);
  const json::value* whole = b.wrapped_property.empty() ? nullptr : find(args, b.wrapped_property);
  auto fields = present_fields(b, args);
  if (!whole && fields.empty()) return false;  // nothing to send (required ones were checked)
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
    json::object o;
    if (whole && whole->is_object()) o = whole->get_object();
    for (auto& [f, v] : fields) o[f->name] = *v;
    std::string out;
    for (auto& [k, v] : o) {
      std::string name = encode_form_value(k);
      auto form_ct = b.field_content_types.find(std::string(k));
      if (form_ct != b.field_content_types.end() && is_json_type(lower(form_ct->second))) {
        add_pair(out, name, encode_form_value(json::serialize(v)));
      } else if (v.is_array()) {  // form, explode (the default for form bodies)
        for (auto& x : v.get_array()) add_pair(out, name, encode_form_value(scalar_text(x)));
      } else if (v.is_object()) {
        for (auto& [k2, x] : v.get_object())
          add_pair(out, name + "%5B" + encode_form_value(k2) + "%5D", encode_form_value(scalar_text(x)));
      } else {
        add_pair(out, name, encode_form_value(scalar_text(v)));
      }
    }
    req.body = std::move(out);
    set_type("application/x-www-form-urlencoded");
    return true;
  }
  if (starts_with(ct, "multipart/")) {
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

}  // namespace

std::string scalar_text(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return std::string(v.get_string());
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::int64:
      return std::to_string(v.get_int64());
    case json::kind::uint64:
      return std::to_string(v.get_uint64());
    case json::kind::double_: {
      double d = v.get_double();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15)
        return std::to_string(static_cast<long long>(d));
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, d);
      return std::string(buf, r.ptr);
    }
    case json::kind::null:
      return "";
    default:
      return json::serialize(v);
  }
}

std::string encode_path_value(std::string_view s) { return urls::encode(s, kPathChars); }

std::string encode_query_value(std::string_view s, bool allow_reserved) {
  return allow_reserved ? urls::encode(s, kQueryReserved) : urls::encode(s, kQueryChars);
}

std::string encode_form_value(std::string_view s) {
  urls::encoding_opts opt;
  opt.space_as_plus = true;
  return urls::encode(s, urls::unreserved_chars, opt);
}

std::string multipart_boundary() { return "mcpbridge-" + random_token(24); }

Result<std::string> server_url(const Operation& op, const RequestOptions& opt) {
  std::string url;
  const ServerUrl* server = op.servers.empty() ? nullptr : &op.servers.front();
  if (!opt.base_url.empty()) {
    url = opt.base_url;
  } else if (server) {
    const std::string& t = server->url;
    for (size_t i = 0; i < t.size();) {
      if (t[i] != '{') {
        url += t[i++];
        continue;
      }
      auto close = t.find('}', i);
      if (close == std::string::npos) return Error{errc::kInternalError, "Server URL " + t + " has an unclosed {", {}};
      std::string name = t.substr(i + 1, close - i - 1);
      auto var = server->variables.find(name);
      std::string value;
      if (auto o = opt.server_variables.find(name); o != opt.server_variables.end()) {
        value = o->second;
        if (var != server->variables.end() && !var->second.enum_values.empty() &&
            std::find(var->second.enum_values.begin(), var->second.enum_values.end(), value) ==
                var->second.enum_values.end())
          return Error{
              errc::kInternalError, "Server variable " + name + "=" + value + " is not one the spec allows", {}};
      } else if (var != server->variables.end()) {
        value = var->second.default_value;
      } else {
        return Error{errc::kInternalError,
                     "Server URL " + t + " uses {" + name + "}, which has no value (set it in server_variables)",
                     {}};
      }
      url += value;
      i = close + 1;
    }
  } else {
    return Error{errc::kInternalError, "The spec names no server for " + op.tool_name + ": configure base_url", {}};
  }
  if (!starts_with(url, "http://") && !starts_with(url, "https://"))
    return Error{
        errc::kInternalError, "Server URL '" + url + "' is not absolute: configure base_url for this source", {}};
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

Result<net::ClientRequest> build_request(const Operation& op, const json::object& args, const RequestOptions& opt) {
  // Every missing required argument at once: the model fixes them in one retry.
  std::string missing;
  auto need = [&](const std::string& property) {
    auto* v = find(args, property);
    if (!v || v->is_null()) missing += (missing.empty() ? "" : ", ") + property;
  };
  for (auto& p : op.parameters)
    if (p.required || p.in == ParamIn::path) need(p.property);
  if (op.body && op.body->required) {
    if (!op.body->wrapped_property.empty()) need(op.body->wrapped_property);
    for (auto& f : op.body->fields)
      if (f.required) need(f.property);
  }
  if (!missing.empty()) return invalid("Missing required arguments: " + missing);

  auto base = server_url(op, opt);
  if (!base) return base.error();
  net::ClientRequest req;
  req.method = op.method;

  // The path, segment by segment from the template.
  std::string path;
  const std::string& t = op.path;
  for (size_t i = 0; i < t.size();) {
    if (t[i] != '{') {
      path += t[i++];
      continue;
    }
    auto close = t.find('}', i);
    if (close == std::string::npos) return Error{errc::kInternalError, "Path template " + t + " has an unclosed {", {}};
    std::string_view name(t.data() + i + 1, close - i - 1);
    const Parameter* param = nullptr;
    for (auto& p : op.parameters)
      if (p.in == ParamIn::path && p.name == name) param = &p;
    if (!param)
      return Error{errc::kInternalError,
                   "Path template " + t + " uses {" + std::string(name) + "}, which is not a parameter",
                   {}};
    const json::value* v = find(args, param->property);
    path += path_value(*param, *v);
    i = close + 1;
  }

  std::string query;
  std::string cookies;
  for (auto& p : op.parameters) {
    if (p.in == ParamIn::path) continue;
    const json::value* v = find(args, p.property);
    if (!v || v->is_null()) continue;
    switch (p.in) {
      case ParamIn::query:
        query_value(query, p, *v);
        break;
      case ParamIn::header: {
        auto h = header_value(p, *v);
        if (!h) return h.error();
        req.headers.emplace_back(lower(p.name), std::move(*h));
        break;
      }
      case ParamIn::cookie: {
        std::string value;
        auto e = explode_value(*v);
        auto enc = [](const std::string& s) { return encode_query_value(s); };
        if (e.kind == Exploded::scalar)
          value = enc(e.text);
        else if (e.kind == Exploded::array)
          value = join(e.items, ",", enc);
        else
          value = join_kv(e.kv, ",", ",", enc);
        if (!cookies.empty()) cookies += "; ";
        cookies += p.name + "=" + value;
        break;
      }
      case ParamIn::path:
        break;
    }
  }
  if (!cookies.empty()) {
    if (has_line_break(cookies)) return invalid("A cookie argument contains a line break");
    req.headers.emplace_back("cookie", std::move(cookies));
  }

  if (op.body) {
    auto built = build_body(*op.body, args, req);
    if (!built) return built.error();
  }

  // JSON first (what the results map best), anything else accepted; a spec's own Accept
  // parameter wins.
  if (net::find_header(req.headers, "accept").empty())
    req.headers.emplace_back("accept", "application/json, */*;q=0.5");
  req.url.reserve(base->size() + path.size() + query.size() + 1);
  req.url = std::move(*base);
  req.url += path;
  if (!query.empty()) {
    req.url += req.url.find('?') == std::string::npos ? '?' : '&';
    req.url += query;
  }
  return req;
}

}  // namespace mcp::openapi
