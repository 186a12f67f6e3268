#pragma once
// What an HTTP request must look like for one operation and its tool arguments, read from the
// spec document itself (OpenAPI 3.x / Swagger 2.0: method, path template, parameters with
// in/style/explode/allowReserved/content/collectionFormat, requestBody media types and
// encodings), compared with a request an upstream received. Independent of the request
// builder: the wire text is parsed back (split on the style's raw delimiters, then
// percent-decoded) and compared with the arguments. From the loader's model it takes only the
// tool's property names (which argument feeds which parameter or body field).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <mcp/core/encoding.hpp>
#include <mcp/core/json.hpp>
#include <mcp/net/http_types.hpp>
#include <optional>
#include <string>
#include <vector>

#include <mcp/sources/openapi/model.hpp>

namespace wire_test {

namespace oa = mcp::openapi;

struct Received {
  std::string method;
  std::string target;
  mcp::net::Headers headers;
  std::string body;
};

inline std::string lower(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return o;
}

inline std::vector<std::string> split(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  if (sep.empty()) return {std::string(s)};
  std::size_t i = 0;
  for (;;) {
    auto j = s.find(sep, i);
    if (j == std::string_view::npos) {
      out.emplace_back(s.substr(i));
      return out;
    }
    out.emplace_back(s.substr(i, j - i));
    i = j + sep.size();
  }
}

inline bool unreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Strict RFC 3986 percent-decoding; nullopt on a bad escape. `plus`: '+' is a space (forms).
inline std::optional<std::string> pct_decode(std::string_view s, bool plus = false) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(s[i + 2])))
        return std::nullopt;
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (plus && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

// A raw piece of a URL that carries one value: only unreserved characters and escapes (plus
// `extra`, e.g. ":@" which a path segment may hold raw without changing its meaning).
inline bool clean_piece(std::string_view s, std::string_view extra = {}) {
  for (char c : s)
    if (!unreserved(c) && c != '%' && extra.find(c) == std::string_view::npos) return false;
  return true;
}

// The text a scalar argument stands for; nested structures are JSON.
inline std::string text_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return std::string(v.get_string());
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::int64:
      return std::to_string(v.get_int64());
    case json::kind::uint64:
      return std::to_string(v.get_uint64());
    case json::kind::null:
      return "";
    default:
      return json::serialize(v);
  }
}

// Whether wire text `got` carries the scalar `want` (numbers compared as numbers).
inline bool same_scalar(const json::value& want, std::string_view got) {
  if (want.is_double()) {
    char* end = nullptr;
    std::string g(got);
    double d = std::strtod(g.c_str(), &end);
    return !g.empty() && end == g.c_str() + g.size() && d == want.get_double();
  }
  if (want.is_structured()) {
    boost::system::error_code ec;
    auto parsed = json::parse(got, ec);
    return !ec && parsed == want;
  }
  return text_of(want) == got;
}

// ---- the spec's side --------------------------------------------------------------------

struct SpecParam {
  std::string name, in, style;
  bool explode = false, allow_reserved = false, content = false;
  std::string delimiter;  // Swagger 2.0 collectionFormat's separator for non-exploded arrays
};

struct SpecOp {
  std::string method, path;
  std::vector<SpecParam> params;
  std::vector<std::string> media_types;            // the body's, lower case, without parameters
  std::map<std::string, json::object> body_schema;  // per media type (resolved one level)
  std::map<std::string, json::object> encodings;    // per media type: the encoding object
  std::vector<std::string> file_fields;             // Swagger 2.0 type: file
  bool has_body = false;
};

class SpecReader {
 public:
  explicit SpecReader(const json::value& doc) : doc_(doc) {
    swagger_ = doc.is_object() && doc.as_object().contains("swagger");
    // apiKey security schemes: a parameter restating one is a credential (the gateway's to
    // supply, not a tool argument).
    const json::value* defs = nullptr;
    if (swagger_) {
      defs = doc.as_object().if_contains("securityDefinitions");
    } else if (auto* c = doc.as_object().if_contains("components"); c && c->is_object()) {
      defs = c->as_object().if_contains("securitySchemes");
    }
    if (defs && defs->is_object())
      for (auto& [k, v] : defs->get_object())
        if (auto* s = resolve(&v); s && s->is_object() && s->as_object().contains("name") &&
                                   text_of(s->as_object().at("type")) == "apiKey")
          api_keys_.push_back(text_of(s->as_object().at("in")) + "\n" + lower(text_of(s->as_object().at("name"))));
  }

  const json::value* resolve(const json::value* v) const {
    for (int i = 0; v && v->is_object() && i < 16; ++i) {
      auto* r = v->as_object().if_contains("$ref");
      if (!r || !r->is_string() || !r->get_string().starts_with("#")) return v;
      boost::system::error_code ec;
      v = doc_.find_pointer(std::string_view(r->get_string()).substr(1), ec);
    }
    return v;
  }

  std::optional<SpecOp> op(const std::string& method, const std::string& path) const {
    auto* paths = doc_.as_object().if_contains("paths");
    if (!paths) return std::nullopt;
    auto* item = resolve(paths->as_object().if_contains(path));
    if (!item || !item->is_object()) return std::nullopt;
    auto* o = resolve(item->as_object().if_contains(lower(method)));
    if (!o || !o->is_object()) return std::nullopt;
    SpecOp out;
    form_params_ = false;
    swagger_body_ = {};
    out.method = method;
    out.path = path;
    std::vector<const json::object*> raw;
    auto collect = [&](const json::value* list) {
      if (!list || !list->is_array()) return;
      for (auto& p : list->get_array()) {
        auto* r = resolve(&p);
        if (!r || !r->is_object()) continue;
        auto& po = r->as_object();
        auto key = [](const json::object& x) { return text_of(x.at("name")) + "\n" + text_of(x.at("in")); };
        raw.erase(std::remove_if(raw.begin(), raw.end(), [&](auto* q) { return key(*q) == key(po); }), raw.end());
        raw.push_back(&po);
      }
    };
    collect(item->as_object().if_contains("parameters"));
    collect(o->as_object().if_contains("parameters"));
    for (auto* p : raw) add_param(*p, out);
    if (!swagger_) {
      if (auto* rb = resolve(o->as_object().if_contains("requestBody")); rb && rb->is_object())
        if (auto* content = rb->as_object().if_contains("content"); content && content->is_object())
          for (auto& [mt, m] : content->get_object()) {
            std::string t = lower(std::string_view(mt).substr(0, std::string_view(mt).find(';')));
            out.media_types.push_back(t);
            out.has_body = true;
            if (!m.is_object()) continue;
            if (auto* s = resolve(m.as_object().if_contains("schema")); s && s->is_object())
              out.body_schema[t] = merged(s->as_object(), 0);
            if (auto* e = m.as_object().if_contains("encoding"); e && e->is_object())
              out.encodings[t] = e->get_object();
          }
    } else if (out.has_body) {
      std::vector<std::string> consumes;
      for (auto* src : {o, &doc_})
        if (consumes.empty())
          if (auto* c = src->as_object().if_contains("consumes"); c && c->is_array())
            for (auto& x : c->get_array()) consumes.push_back(lower(text_of(x)));
      bool form = !out.file_fields.empty() || form_params_;
      for (auto& c : consumes) {
        bool is_form = c.starts_with("multipart/form-data") || c == "application/x-www-form-urlencoded";
        if (is_form == form) out.media_types.push_back(c.substr(0, c.find(';')));
      }
      if (out.media_types.empty())
        out.media_types.push_back(!form ? "application/json"
                                        : !out.file_fields.empty() ? "multipart/form-data"
                                                                   : "application/x-www-form-urlencoded");
      for (auto& t : out.media_types) out.body_schema[t] = swagger_body_;
    }
    return out;
  }

 private:
  const json::value& doc_;
  bool swagger_ = false;
  mutable bool form_params_ = false;
  mutable json::object swagger_body_;
  std::vector<std::string> api_keys_;  // "in\nname" (name lower case)

  json::object merged(const json::object& s, int depth) const {
    json::object out = s;
    if (depth > 6) return out;
    if (auto* all = s.if_contains("allOf"); all && all->is_array())
      for (auto& b : all->get_array())
        if (auto* r = resolve(&b); r && r->is_object()) {
          auto m = merged(r->as_object(), depth + 1);
          if (auto* p = m.if_contains("properties"); p && p->is_object()) {
            if (!out.contains("properties")) out["properties"] = json::object{};
            for (auto& [k, v] : p->get_object()) out["properties"].as_object()[k] = v;
          }
        }
    return out;
  }

  void add_param(const json::object& p, SpecOp& out) const {
    SpecParam sp;
    sp.name = text_of(p.at("name"));
    sp.in = text_of(p.at("in"));
    if (sp.in == "body") {
      out.has_body = true;
      if (auto* s = resolve(p.if_contains("schema")); s && s->is_object()) swagger_body_ = merged(s->as_object(), 0);
      return;
    }
    if (sp.in == "formData") {
      if (!out.has_body) swagger_body_ = json::object{{"type", "object"}, {"properties", json::object{}}};
      out.has_body = true;
      form_params_ = true;
      json::object f = p;
      if (text_of(p.at("type")) == "file") out.file_fields.push_back(sp.name);
      swagger_body_["properties"].as_object()[sp.name] = f;
      return;
    }
    if (std::find(api_keys_.begin(), api_keys_.end(), sp.in + "\n" + lower(sp.name)) != api_keys_.end()) return;
    if (swagger_) {
      sp.style = sp.in == "query" ? "form" : "simple";
      std::string cf = p.contains("collectionFormat") ? text_of(p.at("collectionFormat")) : "csv";
      sp.explode = cf == "multi";
      sp.delimiter = cf == "ssv" ? " " : cf == "tsv" ? "\t" : cf == "pipes" ? "|" : ",";
    } else {
      bool qc = sp.in == "query" || sp.in == "cookie";
      sp.style = p.contains("style") ? text_of(p.at("style")) : qc ? "form" : "simple";
      sp.explode = p.contains("explode") ? p.at("explode").as_bool() : sp.style == "form";
      sp.allow_reserved = p.contains("allowReserved") && p.at("allowReserved").as_bool();
      sp.content = p.contains("content");
      sp.delimiter = sp.style == "spaceDelimited" ? " " : sp.style == "pipeDelimited" ? "|" : ",";
    }
    out.params.push_back(std::move(sp));
  }
};

// ---- comparing ----------------------------------------------------------------------------

// What was checked, by kind (values on the wire, not declarations).
struct Seen {
  std::size_t path = 0, query = 0, header = 0, cookie = 0, json = 0, form = 0, multipart = 0, binary = 0, text = 0;
  void add(const Seen& o) {
    path += o.path, query += o.query, header += o.header, cookie += o.cookie, json += o.json, form += o.form;
    multipart += o.multipart, binary += o.binary, text += o.text;
  }
};

class Checker {
 public:
  Seen seen;

  Checker(const SpecOp& spec, const oa::Operation& op, const json::object& args, std::string base_path)
      : spec_(spec), op_(op), args_(args), base_(std::move(base_path)) {}

  // Every difference found, in words; empty when the request is what the spec describes.
  std::vector<std::string> check(const Received& r) {
    if (r.method != spec_.method) diff("method " + r.method + ", want " + spec_.method);
    auto q = r.target.find('?');
    std::string path = r.target.substr(0, q);
    std::string query = q == std::string::npos ? "" : r.target.substr(q + 1);
    check_path(path);
    check_query(query);
    check_headers(r.headers);
    check_body(r);
    return diffs_;
  }

 private:
  const SpecOp& spec_;
  const oa::Operation& op_;
  const json::object& args_;
  std::string base_;
  std::vector<std::string> diffs_;

  void diff(std::string s) { diffs_.push_back(std::move(s)); }

  // The argument that feeds parameter `p` (by the loader's property name), or null.
  const json::value* arg_for(const SpecParam& p, bool* exposed = nullptr) {
    for (auto& mp : op_.parameters) {
      static const char* kIn[] = {"path", "query", "header", "cookie"};
      if (mp.name == p.name && kIn[static_cast<int>(mp.in)] == p.in) {
        if (exposed) *exposed = true;
        auto* v = args_.if_contains(mp.property);
        return v && !v->is_null() ? v : nullptr;
      }
    }
    if (exposed) *exposed = false;
    return nullptr;
  }

  // Wire pieces (already split on the style's raw separators) against an argument.
  void compare_pieces(const std::string& where, const json::value& v, const std::vector<std::string>& raw,
                      std::string_view extra, bool object_pairs_joined, bool decode_plus = false) {
    std::vector<std::string> dec;
    for (auto& p : raw) {
      if (!clean_piece(p, extra)) diff(where + ": raw character that must be percent-encoded in '" + p + "'");
      auto d = pct_decode(p, decode_plus);
      if (!d) {
        diff(where + ": bad percent-encoding in '" + p + "'");
        return;
      }
      dec.push_back(*d);
    }
    compare_decoded(where, v, dec, object_pairs_joined);
  }

  // Decoded pieces against an argument: a scalar is one piece, an array one piece per item,
  // an object k,v,k,v (or k=v pieces when `pairs` is set: split here on the first '=').
  void compare_decoded(const std::string& where, const json::value& v, const std::vector<std::string>& dec,
                       bool pairs) {
    std::string got;
    for (auto& d : dec) got += (got.empty() ? "" : " | ") + d;
    if (v.is_array()) {
      auto& a = v.get_array();
      bool ok = a.size() == dec.size() || (a.empty() && dec.size() == 1 && dec[0].empty());
      for (std::size_t i = 0; ok && i < a.size(); ++i) ok = same_scalar(a[i], dec[i]);
      if (!ok) diff(where + ": got [" + got + "], want " + json::serialize(v));
    } else if (v.is_object()) {
      std::vector<std::pair<std::string, std::string>> kv;
      if (pairs) {
        for (auto& d : dec) {
          auto e = d.find('=');
          if (e == std::string::npos) {
            diff(where + ": piece without '=': " + d);
            return;
          }
          kv.emplace_back(d.substr(0, e), d.substr(e + 1));
        }
      } else {
        if (dec.size() % 2 && !(v.get_object().empty() && dec.size() == 1 && dec[0].empty())) {
          diff(where + ": odd number of pieces for an object: [" + got + "]");
          return;
        }
        for (std::size_t i = 0; i + 1 < dec.size(); i += 2) kv.emplace_back(dec[i], dec[i + 1]);
      }
      auto& o = v.get_object();
      bool ok = kv.size() == o.size();
      for (auto& [k, x] : kv)
        if (auto* want = o.if_contains(k); !want || !same_scalar(*want, x)) ok = false;
      if (!ok) diff(where + ": got [" + got + "], want " + json::serialize(v));
    } else if (dec.size() != 1 || !same_scalar(v, dec[0])) {
      diff(where + ": got [" + got + "], want " + json::serialize(v));
    }
  }

  // ---- path
  void check_path(const std::string& path) {
    if (!path.starts_with(base_)) {
      diff("path " + path + " does not start with the base " + base_);
      return;
    }
    auto got = split(std::string_view(path).substr(base_.size()), "/");
    // A '#' in a path key (ReadMe's way of listing one path twice) starts a fragment, which
    // is never sent.
    auto want = split(std::string_view(spec_.path).substr(0, spec_.path.find('#')), "/");
    if (got.size() != want.size()) {
      diff("path " + path + " has " + std::to_string(got.size()) + " segments, the template " + spec_.path + " " +
           std::to_string(want.size()));
      return;
    }
    for (std::size_t i = 0; i < want.size(); ++i) segment(want[i], got[i]);
  }

  void segment(const std::string& tmpl, std::string raw) {
    // Literal text and {params} in turn; literal text matched as given.
    std::size_t i = 0;
    while (i <= tmpl.size()) {
      auto open = tmpl.find('{', i);
      std::string lit = tmpl.substr(i, open == std::string::npos ? std::string::npos : open - i);
      if (!raw.starts_with(lit)) {
        diff("path segment '" + raw + "' does not match the template's '" + tmpl + "'");
        return;
      }
      raw = raw.substr(lit.size());
      if (open == std::string::npos) {
        if (!raw.empty()) diff("path segment has extra text '" + raw + "' after the template's '" + tmpl + "'");
        return;
      }
      auto close = tmpl.find('}', open);
      std::string name = tmpl.substr(open + 1, close - open - 1);
      i = close + 1;
      auto next_open = tmpl.find('{', i);
      std::string next_lit = tmpl.substr(i, next_open == std::string::npos ? std::string::npos : next_open - i);
      std::size_t end = raw.size();
      if (!next_lit.empty()) {
        end = next_open == std::string::npos ? raw.rfind(next_lit) : raw.find(next_lit);
        if (end == std::string::npos) {
          diff("path segment '" + raw + "' lacks the template's '" + next_lit + "'");
          return;
        }
      }
      path_param(name, raw.substr(0, end));
      raw = raw.substr(end);
    }
  }

  void path_param(const std::string& name, const std::string& raw) {
    const SpecParam* p = nullptr;
    for (auto& x : spec_.params)
      if (x.in == "path" && x.name == name) p = &x;
    std::string where = "path parameter " + name;
    if (!p) {
      diff(where + " is not declared by the spec");
      return;
    }
    const json::value* v = arg_for(*p);
    if (!v) {
      diff(where + " has no argument");
      return;
    }
    ++seen.path;
    const std::string extra = ":@";  // legal raw in a segment, never a style's separator
    if (p->style == "label") {
      if (!raw.starts_with(".")) return diff(where + ": label value '" + raw + "' does not start with '.'");
      auto body = raw.substr(1);
      if (v->is_object() && p->explode) return compare_pieces(where, *v, split_pairs(body, ".", "="), extra, false);
      return compare_pieces(where, *v, v->is_structured() ? split(body, p->explode ? "." : ",") : std::vector{body},
                            extra, false);
    }
    if (p->style == "matrix") {
      if (!raw.starts_with(";")) return diff(where + ": matrix value '" + raw + "' does not start with ';'");
      auto parts = split(std::string_view(raw).substr(1), ";");
      if (v->is_object() && p->explode) return compare_pieces(where, *v, split_pairs_list(parts, "="), extra, false);
      std::vector<std::string> pieces;
      for (auto& part : parts) {
        auto eq = part.find('=');
        std::string n = part.substr(0, eq);
        if (n != p->name) return diff(where + ": matrix name '" + n + "', want '" + p->name + "'");
        std::string val = eq == std::string::npos ? "" : part.substr(eq + 1);
        if (v->is_structured() && !(v->is_array() && p->explode))
          for (auto& x : split(val, ",")) pieces.push_back(x);
        else
          pieces.push_back(val);
      }
      return compare_pieces(where, *v, pieces, extra, false);
    }
    if (v->is_object() && p->explode) return compare_pieces(where, *v, split_pairs(raw, ",", "="), extra, false);
    compare_pieces(where, *v, v->is_structured() ? split(raw, p->delimiter) : std::vector{raw}, extra, false);
  }

  // "a=1,b=2" → ["a","1","b","2"], raw (each half checked and decoded by compare_pieces).
  static std::vector<std::string> split_pairs(const std::string& raw, std::string_view sep, std::string_view eq) {
    return split_pairs_list(split(raw, sep), eq);
  }
  static std::vector<std::string> split_pairs_list(const std::vector<std::string>& parts, std::string_view eq) {
    std::vector<std::string> out;
    for (auto& p : parts) {
      auto e = p.find(eq);
      out.push_back(p.substr(0, e));
      out.push_back(e == std::string::npos ? "" : p.substr(e + eq.size()));
    }
    return out;
  }

  // ---- query
  void check_query(const std::string& query) {
    std::vector<std::pair<std::string, std::string>> pairs;  // raw name, raw value
    if (!query.empty())
      for (auto& kv : split(query, "&")) {
        auto e = kv.find('=');
        pairs.emplace_back(kv.substr(0, e), e == std::string::npos ? "" : kv.substr(e + 1));
      }
    std::vector<bool> used(pairs.size());
    auto name_of = [&](std::size_t i) { return pct_decode(pairs[i].first).value_or("\x01"); };
    auto take = [&](const std::string& name) {
      std::vector<std::string> raw;
      for (std::size_t i = 0; i < pairs.size(); ++i)
        if (!used[i] && name_of(i) == name) {
          used[i] = true;
          raw.push_back(pairs[i].second);
        }
      return raw;
    };
    for (auto& p : spec_.params) {
      if (p.in != "query") continue;
      bool exposed = false;
      const json::value* v = arg_for(p, &exposed);
      std::string where = "query parameter " + p.name;
      if (!exposed) {
        diff(where + " is not a tool argument");
        continue;
      }
      std::string extra = p.allow_reserved ? ":/?@!$'()*,;" : "";
      if (!v) {
        if (!take(p.name).empty()) diff(where + " sent without an argument");
        continue;
      }
      ++seen.query;
      if (p.content) {  // serialised as its media type (JSON)
        auto raw = take(p.name);
        if (raw.size() != 1) {
          diff(where + ": " + std::to_string(raw.size()) + " values, want 1");
          continue;
        }
        auto d = pct_decode(raw[0]);
        if (!d || !(v->is_string() ? *d == v->get_string() : same_scalar(*v, *d)))
          diff(where + ": got '" + raw[0] + "', want " + json::serialize(*v));
        continue;
      }
      if (v->is_object() && p.style == "deepObject") {
        std::vector<std::string> pieces;
        for (std::size_t i = 0; i < pairs.size(); ++i) {
          auto n = name_of(i);
          if (used[i] || !n.starts_with(p.name + "[") || !n.ends_with("]")) continue;
          used[i] = true;
          if (!clean_piece(pairs[i].first, "[]")) diff(where + ": raw character in name '" + pairs[i].first + "'");
          pieces.push_back(n.substr(p.name.size() + 1, n.size() - p.name.size() - 2));
          auto d = pct_decode(pairs[i].second);
          pieces.push_back(d.value_or("\x01"));
          if (!clean_piece(pairs[i].second, extra)) diff(where + ": raw character in '" + pairs[i].second + "'");
        }
        compare_decoded(where, *v, pieces, false);
        continue;
      }
      if (v->is_object() && p.explode) {  // form: k=v pairs under the object's own keys
        std::vector<std::string> pieces;
        for (auto& [k, x] : v->get_object()) {
          auto raw = take(std::string(k));
          if (raw.size() != 1) {
            diff(where + ": key " + std::string(k) + " sent " + std::to_string(raw.size()) + " times");
            continue;
          }
          pieces.push_back(std::string(k));
          pieces.push_back(pct_decode(raw[0]).value_or("\x01"));
          if (!clean_piece(raw[0], extra)) diff(where + ": raw character in '" + raw[0] + "'");
        }
        if (pieces.size() == 2 * v->get_object().size()) compare_decoded(where, *v, pieces, false);
        continue;
      }
      auto raw = take(p.name);
      if (v->is_array() && p.explode) {
        compare_pieces(where, *v, raw, extra, false);
        continue;
      }
      if (raw.size() != 1) {
        diff(where + ": sent " + std::to_string(raw.size()) + " times, want once");
        continue;
      }
      if (!v->is_structured()) {
        compare_pieces(where, *v, raw, extra, false);
        continue;
      }
      // Non-exploded arrays/objects: one value split on the delimiter (',' raw; a space or a
      // pipe percent-encoded, as they may not appear raw in a query).
      std::string r = raw[0];
      std::vector<std::string> parts;
      if (p.delimiter == ",") {
        parts = split(r, ",");
      } else {
        // The separator is encoded like a space or pipe inside a value, so the decoded text
        // is compared whole with the items (or keys and values) joined by it.
        std::string want;
        auto add = [&](const std::string& x) { want += (want.empty() ? "" : p.delimiter) + x; };
        if (v->is_array())
          for (auto& x : v->get_array()) add(text_of(x));
        else
          for (auto& [k, x] : v->get_object()) add(std::string(k)), add(text_of(x));
        auto d = pct_decode(r);
        if (!clean_piece(r)) diff(where + ": raw character in '" + r + "'");
        if (!d || *d != want) diff(where + ": got '" + r + "', want '" + want + "' (" + p.delimiter + "-joined)");
        continue;
      }
      compare_pieces(where, *v, parts, extra, false);
    }
    for (std::size_t i = 0; i < pairs.size(); ++i)
      if (!used[i]) diff("query has '" + pairs[i].first + "=" + pairs[i].second + "', which no argument explains");
  }

  // ---- headers and cookies
  void check_headers(const mcp::net::Headers& headers) {
    std::map<std::string, std::vector<std::string>> got;
    for (auto& [k, v] : headers) got[lower(k)].push_back(v);
    static const std::vector<std::string> kTransport = {"host",           "user-agent", "accept", "content-type",
                                                        "content-length", "connection", "cookie", "accept-encoding",
                                                        "transfer-encoding"};
    std::vector<std::string> explained = kTransport;
    for (auto& p : spec_.params) {
      if (p.in != "header") continue;
      std::string n = lower(p.name);
      if (n == "accept" || n == "content-type" || n == "authorization") continue;  // OpenAPI: ignored
      explained.push_back(n);
      std::string where = "header " + p.name;
      bool exposed = false;
      const json::value* v = arg_for(p, &exposed);
      if (!exposed) {
        diff(where + " is not a tool argument");
        continue;
      }
      auto it = got.find(n);
      if (!v) {
        if (it != got.end()) diff(where + " sent without an argument");
        continue;
      }
      ++seen.header;
      if (it == got.end() || it->second.size() != 1) {
        diff(where + ": sent " + std::to_string(it == got.end() ? 0 : it->second.size()) + " times, want once");
        continue;
      }
      const std::string& h = it->second[0];
      if (p.content) {
        if (!(v->is_string() ? h == v->get_string() : same_scalar(*v, h)))
          diff(where + ": got '" + h + "', want " + json::serialize(*v));
        continue;
      }
      // simple style, no percent-encoding: the joined text itself.
      std::string want;
      if (v->is_array()) {
        for (auto& x : v->get_array()) want += (want.empty() ? "" : ",") + text_of(x);
      } else if (v->is_object()) {
        for (auto& [k, x] : v->get_object())
          want += (want.empty() ? "" : ",") + std::string(k) + (p.explode ? "=" : ",") + text_of(x);
      } else {
        want = text_of(*v);
      }
      if (v->is_double() ? !same_scalar(*v, h) : h != want) diff(where + ": got '" + h + "', want '" + want + "'");
    }
    for (auto& [k, vs] : got)
      if (std::find(explained.begin(), explained.end(), k) == explained.end())
        diff("header " + k + ": " + vs[0] + " is not one the spec describes");
    check_cookies(got.contains("cookie") ? got["cookie"] : std::vector<std::string>{});
  }

  void check_cookies(const std::vector<std::string>& lines) {
    std::vector<std::pair<std::string, std::string>> jar;
    for (auto& l : lines)
      for (auto& c : split(l, "; ")) {
        auto e = c.find('=');
        jar.emplace_back(c.substr(0, e), e == std::string::npos ? "" : c.substr(e + 1));
      }
    std::vector<bool> used(jar.size());
    for (auto& p : spec_.params) {
      if (p.in != "cookie") continue;
      std::string where = "cookie " + p.name;
      bool exposed = false;
      const json::value* v = arg_for(p, &exposed);
      if (!exposed) {
        diff(where + " is not a tool argument");
        continue;
      }
      std::vector<std::string> raw;
      for (std::size_t i = 0; i < jar.size(); ++i)
        if (jar[i].first == p.name) {
          used[i] = true;
          raw.push_back(jar[i].second);
        }
      if (!v) {
        if (!raw.empty()) diff(where + " sent without an argument");
        continue;
      }
      ++seen.cookie;
      // form style: one cookie, items ','-joined (OpenAPI 3.0/3.1 leave exploded cookies
      // undefined; 3.2's answer is one cookie per item: both accepted).
      std::vector<std::string> pieces = raw;
      if (raw.size() == 1 && v->is_structured()) pieces = split(raw[0], ",");
      if (v->is_object() && !pieces.empty() && pieces[0].find('=') != std::string::npos)
        pieces = split_pairs_list(pieces, "=");
      compare_pieces(where, *v, pieces, "", false);
    }
    for (std::size_t i = 0; i < jar.size(); ++i)
      if (!used[i]) diff("cookie " + jar[i].first + " is not one the spec describes");
  }

  // ---- body
  json::value expected_body(bool& any) {
    any = false;
    if (!op_.body) return nullptr;
    if (!op_.body->wrapped_property.empty()) {
      if (auto* w = args_.if_contains(op_.body->wrapped_property); w && !w->is_null()) {
        any = true;
        return *w;
      }
    }
    json::object o;
    for (auto& f : op_.body->fields)
      if (auto* v = args_.if_contains(f.property)) {
        o[f.name] = *v;
        any = true;
      }
    // A required object body goes out even when no property was given: {} or an empty form.
    if (op_.body->required && op_.body->wrapped_property.empty()) any = true;
    return o;
  }

  // A body property that travels as raw bytes (base64 in the tool's input).
  bool binary_field(const std::string& media, const std::string& name) {
    if (std::find(spec_.file_fields.begin(), spec_.file_fields.end(), name) != spec_.file_fields.end()) return true;
    if (auto e = spec_.encodings.find(media); e != spec_.encodings.end())
      if (auto* f = e->second.if_contains(name); f && f->is_object())
        if (auto* ct = f->as_object().if_contains("contentType"); ct && ct->is_string()) {
          std::string t = lower(ct->get_string());
          if (!t.starts_with("text/") && !t.starts_with("application/json") && !t.ends_with("+json") && t != "*/*" &&
              t.find(',') == std::string::npos)
            return true;
        }
    auto s = spec_.body_schema.find(media);
    if (s == spec_.body_schema.end()) return false;
    auto* props = s->second.if_contains("properties");
    if (!props || !props->is_object()) return false;
    auto* f = props->as_object().if_contains(name);
    if (!f || !f->is_object()) return false;
    auto& fo = f->as_object();
    auto* items = fo.if_contains("items");
    const json::object& leaf = fo.contains("type") && text_of(fo.at("type")) == "array" && items && items->is_object()
                                   ? items->as_object()
                                   : fo;
    if (leaf.contains("format") && text_of(leaf.at("format")) == "binary") return true;
    if (leaf.contains("contentEncoding")) return true;
    if (auto* m = leaf.if_contains("contentMediaType"); m && m->is_string()) {
      std::string t = lower(m->get_string());
      return !t.starts_with("text/") && !t.starts_with("application/json");
    }
    return false;
  }

  bool json_encoded_field(const std::string& media, const std::string& name) {
    if (auto e = spec_.encodings.find(media); e != spec_.encodings.end())
      if (auto* f = e->second.if_contains(name); f && f->is_object())
        if (auto* ct = f->as_object().if_contains("contentType"); ct && ct->is_string())
          return lower(ct->get_string()).starts_with("application/json");
    return false;
  }

  void check_body(const Received& r) {
    bool any = false;
    json::value want = expected_body(any);
    std::string ct;
    for (auto& [k, v] : r.headers)
      if (lower(k) == "content-type") ct = v;
    std::string media = lower(std::string_view(ct).substr(0, std::string_view(ct).find(';')));
    while (!media.empty() && media.back() == ' ') media.pop_back();
    if (!any) {
      if (!r.body.empty() || !ct.empty()) diff("a body (" + ct + ") was sent with no body argument");
      return;
    }
    if (!spec_.has_body) return diff("a body was sent, the spec describes none");
    // A spec's wildcard (*/*, application/*) admits any concrete type under it; the type sent
    // must itself be concrete.
    bool listed = false;
    for (auto& m : spec_.media_types)
      listed |= m == media || (media.find('*') == std::string::npos &&
                               (m == "*/*" || (m.ends_with("/*") && media.starts_with(m.substr(0, m.size() - 1)))));
    if (!listed) {
      std::string list;
      for (auto& m : spec_.media_types) list += " " + m;
      return diff("Content-Type '" + ct + "' is not one the spec lists:" + list);
    }
    if (media == "application/json" || media.ends_with("+json")) {
      ++seen.json;
      boost::system::error_code ec;
      auto got = json::parse(r.body, ec);
      if (ec) return diff("JSON body does not parse: " + r.body.substr(0, 200));
      if (got != want) diff("JSON body " + r.body.substr(0, 300) + ", want " + json::serialize(want).substr(0, 300));
      return;
    }
    if (media == "application/x-www-form-urlencoded") return ++seen.form, check_form(r.body, want, media);
    if (media.starts_with("multipart/")) return ++seen.multipart, check_multipart(r.body, ct, want, media);
    if (want.is_string() && (media.starts_with("text/") || media.find("xml") != std::string::npos)) {
      ++seen.text;
      if (r.body != want.get_string()) diff("text body '" + r.body.substr(0, 100) + "', want the argument");
      return;
    }
    if (want.is_string()) {  // bytes: the tool took them base64-encoded
      ++seen.binary;
      auto raw = mcp::base64_decode(want.get_string());
      if (!raw || *raw != r.body) diff("binary body (" + std::to_string(r.body.size()) + " bytes) is not the argument decoded");
      return;
    }
    diff("body of type " + media + " with a " + std::string(json::to_string(want.kind())) + " argument");
  }

  // application/x-www-form-urlencoded: OpenAPI's default encoding (form, explode: arrays as
  // repeated fields); objects as name[key]=value (the bracket convention such APIs use).
  void check_form(const std::string& body, const json::value& want, const std::string& media) {
    std::multimap<std::string, std::string> got;
    for (auto& kv : split(body, "&")) {
      if (kv.empty()) continue;
      auto e = kv.find('=');
      std::string rn = kv.substr(0, e), rv = e == std::string::npos ? "" : kv.substr(e + 1);
      if (!clean_piece(rn, "+") || !clean_piece(rv, "+")) diff("form field '" + kv + "' has a raw reserved character");
      auto n = pct_decode(rn, true), v = pct_decode(rv, true);
      if (!n || !v) return diff("form field '" + kv + "' has a bad escape");
      got.emplace(*n, *v);
    }
    if (!want.is_object()) return diff("form body for a non-object argument");
    for (auto& [k, v] : want.get_object()) {
      std::string name(k);
      auto pop = [&](const std::string& n) -> std::optional<std::string> {
        auto it = got.find(n);
        if (it == got.end()) return std::nullopt;
        auto s = it->second;
        got.erase(it);
        return s;
      };
      if (json_encoded_field(media, name)) {
        auto g = pop(name);
        if (!g || !same_scalar(v, *g)) diff("form field " + name + ": want JSON " + json::serialize(v));
      } else if (v.is_array()) {
        for (auto& x : v.get_array()) {
          auto g = pop(name);
          if (!g || !same_scalar(x, *g)) diff("form field " + name + ": missing item " + json::serialize(x));
        }
      } else if (v.is_object()) {
        for (auto& [k2, x] : v.get_object()) {
          auto g = pop(name + "[" + std::string(k2) + "]");
          if (!g || !same_scalar(x, *g)) diff("form field " + name + "[" + std::string(k2) + "] missing or wrong");
        }
      } else {
        auto g = pop(name);
        if (!g || !same_scalar(v, *g)) diff("form field " + name + ": got '" + g.value_or("(none)") + "', want " + json::serialize(v));
      }
    }
    for (auto& [k, v] : got) diff("form field " + k + "=" + v + " that no argument explains");
  }

  void check_multipart(const std::string& body, const std::string& ct, const json::value& want,
                       const std::string& media) {
    auto b = ct.find("boundary=");
    if (b == std::string::npos) return diff("multipart Content-Type without a boundary: " + ct);
    std::string boundary = ct.substr(b + 9);
    if (auto semi = boundary.find(';'); semi != std::string::npos) boundary.resize(semi);
    if (boundary.size() > 1 && boundary.front() == '"') boundary = boundary.substr(1, boundary.size() - 2);
    struct Part {
      std::string name, type, data;
      bool file = false;
    };
    std::vector<Part> parts;
    auto chunks = split(body, "--" + boundary);
    if (chunks.size() < 2 || !chunks.back().starts_with("--")) return diff("multipart body without a closing boundary");
    for (std::size_t i = 1; i + 1 < chunks.size(); ++i) {
      std::string c = chunks[i];
      if (!c.starts_with("\r\n") || !c.ends_with("\r\n")) return diff("multipart part not framed by CRLF");
      c = c.substr(2, c.size() - 4);
      auto end = c.find("\r\n\r\n");
      if (end == std::string::npos) return diff("multipart part without a header block");
      Part p;
      p.data = c.substr(end + 4);
      for (auto& line : split(std::string_view(c).substr(0, end), "\r\n")) {
        auto colon = line.find(':');
        std::string h = lower(line.substr(0, colon));
        std::string v = colon == std::string::npos ? "" : line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.erase(0, 1);
        if (h == "content-type") p.type = v;
        if (h == "content-disposition") {
          auto n = v.find("name=\"");
          if (n == std::string::npos) return diff("multipart part without a name");
          for (std::size_t j = n + 6; j < v.size() && v[j] != '"'; ++j) {
            if (v[j] == '\\' && j + 1 < v.size()) ++j;
            p.name += v[j];
          }
          p.file = v.find("filename=") != std::string::npos;
        }
      }
      parts.push_back(std::move(p));
    }
    if (!want.is_object()) return diff("multipart body for a non-object argument");
    std::vector<bool> used(parts.size());
    auto pop = [&](const std::string& name) -> const Part* {
      for (std::size_t i = 0; i < parts.size(); ++i)
        if (!used[i] && parts[i].name == name) {
          used[i] = true;
          return &parts[i];
        }
      return nullptr;
    };
    for (auto& [k, v] : want.get_object()) {
      std::string name(k);
      if (binary_field(media, name)) {
        std::vector<const json::value*> items;
        if (v.is_array())
          for (auto& x : v.get_array()) items.push_back(&x);
        else
          items.push_back(&v);
        for (auto* x : items) {
          auto* p = pop(name);
          auto raw = x->is_string() ? mcp::base64_decode(x->get_string()) : std::nullopt;
          if (!p || !raw || p->data != *raw) diff("multipart file part " + name + " missing or not the decoded bytes");
        }
      } else if (v.is_array() && !json_encoded_field(media, name)) {
        for (auto& x : v.get_array()) {
          auto* p = pop(name);
          if (!p || !same_scalar(x, p->data)) diff("multipart part " + name + ": missing item " + json::serialize(x));
        }
      } else {
        auto* p = pop(name);
        if (!p || !same_scalar(v, p->data))
          diff("multipart part " + name + ": got '" + (p ? p->data.substr(0, 100) : "(none)") + "', want " +
               json::serialize(v).substr(0, 100));
      }
    }
    for (std::size_t i = 0; i < parts.size(); ++i)
      if (!used[i]) diff("multipart part " + parts[i].name + " that no argument explains");
  }
};

}  // namespace wire_test
