#include "sources/openapi/request.hpp"

#include <algorithm>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <charconv>
#include <cmath>
#include <mcp/core/encoding.hpp>

#include "sources/openapi/request_detail.hpp"

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

using detail::add_pair;
using detail::invalid;
using detail::lower;
using detail::starts_with;

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos || s.find('\0') != std::string_view::npos;
}
// Bytes a header value cannot carry (RFC 9110 §5.5: VCHAR, SP, HTAB and obs-text only).
bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7f;
  });
}
// A header or cookie name: an RFC 9110 token.
bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
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

// A string a path parameter cannot take whatever its segment: nothing, or a dot segment.
// (An empty array or object is judged by the segment it makes: `;x=` in matrix style is fine.)
std::optional<std::string> refused_path_value(const Parameter& p, const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  if (v.get_string().empty()) return "Argument " + p.property + " is empty: a path parameter needs a value";
  if (v.get_string() == "." || v.get_string() == "..")
    return "Argument " + p.property + " is '" + std::string(v.get_string()) +
           "', which a path parameter cannot be: it would name another path";
  return std::nullopt;
}

// The path template with its variables expanded, each value percent-encoded within its segment.
// No segment holding a variable may come out empty, "." or "..": clients, proxies and servers
// remove dot segments and may merge "//", which would call a path that the operation (and the
// include filter, and the tool permissions) never exposed. Refused rather than sent as %2E:
// WHATWG URL parsers treat "%2e%2e" as ".." too.
Result<std::string> expand_path(const Operation& op, const json::object& args) {
  std::string path;
  const std::string& t = op.path;
  std::size_t seg_start = 0;
  std::string seg_args;  // the arguments expanded into the current segment
  auto segment_error = [&]() -> std::optional<Error> {
    std::string_view seg(path.data() + seg_start, path.size() - seg_start);
    if (seg_args.empty() || (!seg.empty() && seg != "." && seg != "..")) return std::nullopt;
    return invalid("Argument" + std::string(seg_args.find(',') == std::string::npos ? " " : "s ") + seg_args +
                   " would make a path segment " + (seg.empty() ? "empty" : "'" + std::string(seg) + "'") +
                   ", which would name another path");
  };
  for (size_t i = 0; i < t.size();) {
    if (t[i] == '/') {
      if (auto e = segment_error()) return *e;
      path += t[i++];
      seg_start = path.size();
      seg_args.clear();
      continue;
    }
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
    if (auto why = refused_path_value(*param, *v)) return invalid(std::move(*why));
    path += path_value(*param, *v);
    seg_args += (seg_args.empty() ? "" : ", ") + param->property;
    i = close + 1;
  }
  if (auto e = segment_error()) return *e;
  return path;
}

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The query names a tool argument cannot add through an exploded object's keys: the other
// query parameters and the credential's (`reserved`), which upstreams often read first-wins.
std::optional<Error> refused_query_key(const Operation& op, const Parameter& p, std::string_view key,
                                       const std::vector<std::string>& reserved) {
  bool taken = std::any_of(reserved.begin(), reserved.end(), [&](auto& r) { return same_name(r, key); });
  for (auto& o : op.parameters)
    if (&o != &p && o.in == ParamIn::query && same_name(o.name, key)) taken = true;
  if (!taken) return std::nullopt;
  return invalid("Argument " + p.property + " has the key '" + std::string(key) +
                 "', which names another query parameter: pass that one on its own");
}

// form / spaceDelimited / pipeDelimited / deepObject, or `content` (serialised JSON).
std::optional<Error> query_value(std::string& q, const Operation& op, const Parameter& p, const json::value& v,
                                 const std::vector<std::string>& reserved) {
  auto enc = [&](const std::string& s) { return encode_query_value(s, p.allow_reserved); };
  std::string name = encode_query_value(p.name);
  if (!p.content_type.empty()) {
    add_pair(q, name, enc(v.is_string() ? std::string(v.get_string()) : json::serialize(v)));
    return std::nullopt;
  }
  auto e = explode_value(v);
  const std::string& style = p.style.empty() ? std::string("form") : p.style;
  if (style == "deepObject" && e.kind != Exploded::scalar) {
    detail::add_bracketed(q, name, v, enc);
    return std::nullopt;
  }
  if ((style == "spaceDelimited" || style == "pipeDelimited") && e.kind != Exploded::scalar && !p.explode) {
    std::string sep = style == "spaceDelimited" ? "%20" : "%7C";
    add_pair(q, name, e.kind == Exploded::array ? join(e.items, sep, enc) : join_kv(e.kv, sep, sep, enc));
    return std::nullopt;
  }
  switch (e.kind) {  // form (and the delimited styles with explode, which are form's)
    case Exploded::scalar:
      add_pair(q, name, enc(e.text));
      return std::nullopt;
    case Exploded::array:
      if (p.explode)
        for (auto& i : e.items) add_pair(q, name, enc(i));
      else
        add_pair(q, name, join(e.items, ",", enc));
      return std::nullopt;
    case Exploded::object:
      if (p.explode)
        for (auto& [k, x] : e.kv) {
          if (auto err = refused_query_key(op, p, k, reserved)) return err;
          add_pair(q, enc(k), enc(x));
        }
      else
        add_pair(q, name, join_kv(e.kv, ",", ",", enc));
      return std::nullopt;
  }
  return std::nullopt;
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
  if (has_control(out))
    return invalid("Argument " + p.property + " contains a control character, which a header cannot carry");
  return out;
}

}  // namespace

namespace detail {

Error invalid(std::string m) { return Error{errc::kInvalidParams, std::move(m), {}}; }

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

void add_pair(std::string& q, std::string_view k, std::string_view v) {
  if (!q.empty()) q += '&';
  q += k;
  q += '=';
  q += v;
}

void add_bracketed(std::string& q, const std::string& name, const json::value& v,
                   const std::function<std::string(const std::string&)>& enc) {
  if (v.is_object()) {
    for (auto& [k, x] : v.get_object()) add_bracketed(q, name + "%5B" + enc(std::string(k)) + "%5D", x, enc);
  } else if (v.is_array()) {
    auto& a = v.get_array();
    for (std::size_t i = 0; i < a.size(); ++i) add_bracketed(q, name + "%5B" + std::to_string(i) + "%5D", a[i], enc);
  } else {
    add_pair(q, name, enc(scalar_text(v)));
  }
}

}  // namespace detail

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

std::string encode_form_value(std::string_view s) { return urls::encode(s, urls::unreserved_chars); }

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
      // A variable fills a host, a port or a base path: never a query, fragment or userinfo.
      if (value.find_first_of("?#@\\ ") != std::string::npos || has_control(value))
        return Error{errc::kInternalError,
                     "Server variable " + name + "='" + value + "' holds a character a server URL cannot take",
                     {}};
      url += value;
      i = close + 1;
    }
  } else {
    return Error{errc::kInternalError, "The spec names no server for " + op.tool_name + ": configure base_url", {}};
  }
  if (!starts_with(url, "http://") && !starts_with(url, "https://"))
    return Error{
        errc::kInternalError, "Server URL '" + url + "' is not absolute: configure base_url for this source", {}};
  // The operation's path is appended, and its query merged: a fragment would swallow both.
  auto u = urls::parse_absolute_uri(url);
  if (!u || u->encoded_host().empty())
    return Error{errc::kInternalError, "Server URL '" + url + "' is not a valid absolute URL with a host", {}};
  auto end = url.find('?');
  if (end == std::string::npos) end = url.size();
  while (end > 0 && url[end - 1] == '/') url.erase(--end, 1);
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
  } else if (op.body) {  // an optional body, once sent, needs what its schema requires
    bool sending = std::any_of(op.body->fields.begin(), op.body->fields.end(), [&](auto& f) {
      auto* v = find(args, f.property);
      return v && !v->is_null();
    });
    for (auto& f : op.body->fields)
      if (sending && f.body_required) need(f.property);
  }
  if (!missing.empty()) return invalid("Missing required arguments: " + missing);
  // An empty value the schema refuses (a required one, unless allowEmptyValue) would go out
  // as `name=`, or as no parameter at all for a list.
  for (auto& p : op.parameters) {
    if (p.in == ParamIn::path || !p.required || p.allow_empty) continue;
    auto* v = find(args, p.property);
    auto at_least_one = [&](const char* key) {
      auto* n = find(p.schema, key);
      return n && n->is_number() && n->to_number<double>() >= 1;
    };
    if ((v->is_string() && v->get_string().empty() && at_least_one("minLength")) ||
        (v->is_array() && v->get_array().empty() && at_least_one("minItems")) ||
        (v->is_object() && v->get_object().empty() && at_least_one("minProperties")))
      return invalid("Argument " + p.property + " is empty: this parameter needs a value");
  }

  auto base = server_url(op, opt);
  if (!base) return base.error();
  net::ClientRequest req;
  req.method = op.method;

  auto path = expand_path(op, args);
  if (!path) return path.error();

  std::string query;
  std::string cookies;
  for (auto& p : op.parameters) {
    if (p.in == ParamIn::path) continue;
    const json::value* v = find(args, p.property);
    if (!v || v->is_null()) continue;
    switch (p.in) {
      case ParamIn::query:
        if (auto e = query_value(query, op, p, *v, opt.reserved_query_names)) return *e;
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
        if (!is_token(p.name))
          return Error{errc::kInternalError, "The spec's cookie parameter '" + p.name + "' is not a cookie name", {}};
        if (!cookies.empty()) cookies += "; ";
        cookies += p.name + "=" + value;
        break;
      }
      case ParamIn::path:
        break;
    }
  }
  if (!cookies.empty()) req.headers.emplace_back("cookie", std::move(cookies));

  if (op.body) {
    auto built = detail::build_body(*op.body, args, req);
    if (!built) return built.error();
  }

  // Names and values from the spec (parameter names, media types) must not split the header
  // block either; argument values were checked where they were serialised, with their names.
  for (auto& [k, h] : req.headers)
    if (!is_token(k) || has_control(h))
      return Error{errc::kInternalError, "The spec's header '" + k + "' cannot be sent: invalid name or value", {}};

  // JSON first (what the results map best), anything else accepted; a spec's own Accept
  // parameter wins.
  if (net::find_header(req.headers, "accept").empty())
    req.headers.emplace_back("accept", "application/json, */*;q=0.5");
  // A configured base URL may carry a query (a fixed key): the path goes before it.
  std::string_view b = *base;
  auto q = b.find('?');
  req.url.reserve(b.size() + path->size() + query.size() + 2);
  req.url.assign(b.substr(0, q));
  req.url += *path;
  if (q != std::string_view::npos) {
    req.url += b.substr(q);
    if (!query.empty()) req.url += '&';
  } else if (!query.empty()) {
    req.url += '?';
  }
  req.url += query;
  return req;
}

}  // namespace mcp::openapi
