#include "sources/openapi/naming.hpp"

#include <cctype>

namespace mcp::openapi::detail {
namespace {

bool tool_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

std::string trim_joiners(std::string s) {
  while (!s.empty() && (s.back() == '_' || s.back() == '-')) s.pop_back();
  return s;
}

}  // namespace

std::uint32_t fnv1a(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::string hex(std::uint32_t v, int digits) {
  static const char* d = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = d[v & 15];
  return out;
}

std::string sanitize_tool_name(std::string_view raw, std::size_t max) {
  std::string s;
  for (char c : raw) {
    if (tool_char(c))
      s += c;
    else if (!s.empty() && s.back() != '_')
      s += '_';
  }
  s = trim_joiners(std::move(s));
  if (s.empty()) s = "operation";
  if (s.size() <= max) return s;
  std::string h = "_" + hex(fnv1a(raw), 8);
  return trim_joiners(s.substr(0, max - h.size())) + h;
}

std::string method_path_name(std::string_view method, std::string_view path) {
  std::string s;
  for (char c : method) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  s += '_';
  s += path;
  return s;  // sanitize_tool_name turns '/', '{', '}' into single '_'
}

std::string readable_title(std::string_view name) {
  std::string out;
  char prev = 0;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      if (std::isupper(static_cast<unsigned char>(c)) && std::islower(static_cast<unsigned char>(prev)) &&
          !out.empty() && out.back() != ' ')
        out += ' ';
      out += out.empty() ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                         : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    prev = c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string sanitize_property(std::string_view raw) {
  std::string s;
  for (char c : raw) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')
      s += c;
    else if (!s.empty() && s.back() != '_')
      s += '_';
  }
  while (!s.empty() && s.back() == '_' && raw.size() && !(raw.back() == '_')) s.pop_back();
  if (s.empty()) s = "param";
  if (s.size() > 64) s = s.substr(0, 55) + "_" + hex(fnv1a(raw), 8);
  return s;
}

std::string NameSet::fit(const std::string& base, const std::string& suffix) const {
  if (base.size() + suffix.size() <= max_) return base + suffix;
  return trim_joiners(base.substr(0, max_ - suffix.size())) + suffix;
}

std::string NameSet::claim(const std::string& name, std::string_view disambiguator) {
  std::string n = name;
  if (used_.count(n)) n = fit(name, "_" + hex(fnv1a(disambiguator), 6));
  for (int i = 2; used_.count(n) && i < 1000000; ++i) n = fit(name, "_" + std::to_string(i));
  used_.insert(n);
  return n;
}

bool glob_match(std::string_view p, std::string_view t) {
  // Iterative matcher with one backtrack point per star kind; patterns are short.
  std::size_t pi = 0, ti = 0;
  std::size_t star_p = std::string_view::npos, star_t = 0;
  bool star_any = false;
  while (ti < t.size()) {
    if (pi + 1 < p.size() && p[pi] == '*' && p[pi + 1] == '*') {
      star_p = pi + 2, star_t = ti, star_any = true, pi += 2;
    } else if (pi < p.size() && p[pi] == '*') {
      star_p = pi + 1, star_t = ti, star_any = false, ++pi;
    } else if (pi < p.size() && (p[pi] == '?' ? t[ti] != '/' : p[pi] == t[ti])) {
      ++pi, ++ti;
    } else if (star_p != std::string_view::npos && (star_any || t[star_t] != '/')) {
      pi = star_p, ti = ++star_t;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace mcp::openapi::detail
