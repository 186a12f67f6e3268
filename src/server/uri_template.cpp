#include <mcp/server/uri_template.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/gen_delim_chars.hpp>
#include <boost/url/rfc/sub_delim_chars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/pct_string_view.hpp>

#include <vector>

namespace mcp {
namespace {

// RFC 6570 §3.2.3: reserved ({+var}) and fragment ({#var}) expansion pass reserved characters
// ("/", "?", "#", ...) through; the other operators pass unreserved characters only.
constexpr auto kReservedExpansion =
    boost::urls::unreserved_chars + boost::urls::gen_delim_chars + boost::urls::sub_delim_chars;

struct Expr {
  char op = 0;  // 0, '+', '#', '/', '?', '&'
  std::vector<std::string> names;
};

// Splits a template into literals and expressions; a malformed brace is kept as a literal.
struct Part {
  bool is_expr;
  std::string literal;
  Expr expr;
};

std::vector<Part> parse(std::string_view t) {
  std::vector<Part> parts;
  std::string lit;
  for (size_t i = 0; i < t.size();) {
    if (t[i] == '{') {
      size_t close = t.find('}', i);
      if (close != std::string_view::npos) {
        if (!lit.empty()) parts.push_back({false, std::move(lit), {}}), lit.clear();
        std::string_view body = t.substr(i + 1, close - i - 1);
        Expr e;
        if (!body.empty() && std::string_view("+#/?&.;").find(body[0]) != std::string_view::npos) {
          e.op = body[0];
          body.remove_prefix(1);
        }
        while (!body.empty()) {
          size_t comma = body.find(',');
          std::string name(body.substr(0, comma));
          if (!name.empty() && (name.back() == '*')) name.pop_back();
          if (auto colon = name.find(':'); colon != std::string::npos) name.resize(colon);
          e.names.push_back(name);
          if (comma == std::string_view::npos) break;
          body.remove_prefix(comma + 1);
        }
        parts.push_back({true, {}, std::move(e)});
        i = close + 1;
        continue;
      }
    }
    lit += t[i++];
  }
  if (!lit.empty()) parts.push_back({false, std::move(lit), {}});
  return parts;
}

std::string decode(std::string_view s) {
  auto r = boost::urls::make_pct_string_view(s);
  if (!r) return std::string(s);
  return r->decode();
}

}  // namespace

std::string expand_uri_template(std::string_view tmpl, const UriVariables& vars) {
  std::string out;
  for (auto& p : parse(tmpl)) {
    if (!p.is_expr) {
      out += p.literal;
      continue;
    }
    bool first = true;
    for (auto& n : p.expr.names) {
      auto it = vars.find(n);
      if (it == vars.end()) continue;
      char op = p.expr.op;
      const char* sep = (op == '?' || op == '&') ? "&" : (op == '/' ? "/" : ",");
      if (first) {
        if (op == '?') out += '?';
        else if (op == '&') out += '&';
        else if (op == '/') out += '/';
        else if (op == '#') out += '#';
      } else {
        out += sep;
      }
      if (op == '?' || op == '&') out += n + "=";
      out += (op == '+' || op == '#') ? boost::urls::encode(it->second, kReservedExpansion)
                                      : boost::urls::encode(it->second, boost::urls::unreserved_chars);
      first = false;
    }
  }
  return out;
}

std::optional<UriVariables> match_uri_template(std::string_view tmpl, std::string_view uri) {
  auto parts = parse(tmpl);
  UriVariables vars;
  size_t pos = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto& p = parts[i];
    if (!p.is_expr) {
      if (uri.substr(pos, p.literal.size()) != p.literal) return std::nullopt;
      pos += p.literal.size();
      continue;
    }
    char op = p.expr.op;
    if (op == '?' || op == '&') {  // query: name=value pairs up to a fragment
      if (pos < uri.size() && uri[pos] == op) {
        std::string_view q = uri.substr(pos + 1);
        size_t end = q.find('#');
        q = q.substr(0, end);
        pos += 1 + q.size();
        while (!q.empty()) {
          size_t amp = q.find('&');
          std::string_view kv = q.substr(0, amp);
          size_t eq = kv.find('=');
          if (eq != std::string_view::npos) vars[decode(kv.substr(0, eq))] = decode(kv.substr(eq + 1));
          if (amp == std::string_view::npos) break;
          q.remove_prefix(amp + 1);
        }
      }
      continue;
    }
    if (op == '/' || op == '#') {
      if (pos >= uri.size() || uri[pos] != op) continue;
      ++pos;
    }
    // The value runs to the next literal (or the end); simple expansions stop at '/', '?', '#'.
    std::string_view next_lit;
    if (i + 1 < parts.size() && !parts[i + 1].is_expr) next_lit = parts[i + 1].literal;
    size_t end = next_lit.empty() ? uri.size() : uri.find(next_lit, pos);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view value = uri.substr(pos, end - pos);
    if (op != '+' && op != '#') {
      size_t stop = value.find_first_of(op == '/' ? "?#" : "/?#");
      if (stop != std::string_view::npos) {
        if (!next_lit.empty()) return std::nullopt;
        value = value.substr(0, stop);
        end = pos + stop;
      }
    }
    if (p.expr.names.size() == 1) {
      if (value.empty() && op == 0) return std::nullopt;
      vars[p.expr.names[0]] = decode(value);
    } else {  // several names: comma-separated values in order
      size_t k = 0;
      while (k < p.expr.names.size()) {
        size_t comma = value.find(',');
        vars[p.expr.names[k++]] = decode(value.substr(0, comma));
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
      }
    }
    pos = end;
  }
  if (pos != uri.size()) return std::nullopt;
  return vars;
}

}  // namespace mcp
