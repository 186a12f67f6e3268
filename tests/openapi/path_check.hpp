#pragma once
// The path-structure oracle of the request builder's property test and fuzz target: a path
// built for a template keeps the template's segments (count, literal text around each
// {parameter}) and no argument becomes an empty or dot segment (also percent-encoded).
#include <string>
#include <string_view>
#include <vector>

namespace mcp::test {

inline std::vector<std::string_view> path_segments(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '/') {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

inline bool dot_segment(std::string seg) {
  for (std::size_t p; (p = seg.find("%2e")) != std::string::npos || (p = seg.find("%2E")) != std::string::npos;)
    seg.replace(p, 3, ".");
  return seg == "." || seg == "..";
}

// What is wrong with `path` (no query) built for the template `tmpl`, or "".
inline std::string path_violation(std::string_view tmpl, std::string_view path) {
  auto t = path_segments(tmpl), p = path_segments(path);
  if (t.size() != p.size()) return "segment count " + std::to_string(p.size()) + " != " + std::to_string(t.size());
  for (std::size_t i = 0; i < t.size(); ++i) {
    std::string seg(p[i]), tpl(t[i]);
    auto open = t[i].find('{');
    if (open == std::string_view::npos) {
      if (p[i] != t[i]) return "literal segment " + tpl + " became " + seg;
      continue;
    }
    auto pre = t[i].substr(0, open), post = t[i].substr(t[i].rfind('}') + 1);
    if (p[i].size() < pre.size() + post.size() || p[i].substr(0, pre.size()) != pre ||
        p[i].substr(p[i].size() - post.size()) != post)
      return "segment " + tpl + " lost its literal text: " + seg;
    if (p[i].empty() || dot_segment(seg)) return "segment " + tpl + " became '" + seg + "'";
  }
  return "";
}

}  // namespace mcp::test
