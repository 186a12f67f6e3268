// Fuzzes RFC 6570 URI templates (the resource-template subset): match and expand with a
// template and a URI from the input ("template\nuri"; a missing URI is the empty string).
// Oracles:
//  - expanding with the variables a match produced does not crash (and is deterministic);
//  - for a template "prefix{name}suffix" (one simple expression, suffix empty or starting with
//    '/', '?' or '#'), matching the expansion of any non-empty value gives back that value.
#include <mcp/server/uri_template.hpp>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "uri_template_fuzz oracle failed: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// "prefix{name}suffix" with a plain name and no other braces: the expression's name, else "".
std::string single_simple_name(std::string_view t) {
  auto open = t.find('{');
  auto close = t.find('}');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return {};
  if (t.find_first_of("{}", close + 1) != std::string_view::npos || t.substr(0, open).find('}') != std::string_view::npos)
    return {};
  std::string_view name = t.substr(open + 1, close - open - 1);
  if (name.empty()) return {};
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return {};
  std::string_view suffix = t.substr(close + 1);
  if (!suffix.empty() && suffix[0] != '/' && suffix[0] != '?' && suffix[0] != '#') return {};
  return std::string(name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view tmpl = in.substr(0, nl);
  std::string_view uri = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);

  if (auto vars = mcp::match_uri_template(tmpl, uri)) {
    auto once = mcp::expand_uri_template(tmpl, *vars);
    if (once != mcp::expand_uri_template(tmpl, *vars)) fail("expand is not deterministic", in);
    (void)mcp::match_uri_template(tmpl, once);
  }
  // The URI as a value for every name the template might use.
  mcp::UriVariables vars{{"name", std::string(uri)}, {"q", std::string(uri)}, {"id", "1"}, {"path", "a/b"}};
  (void)mcp::expand_uri_template(tmpl, vars);

  if (auto name = single_simple_name(tmpl); !name.empty() && !uri.empty()) {
    mcp::UriVariables one{{name, std::string(uri)}};
    std::string expanded = mcp::expand_uri_template(tmpl, one);
    auto back = mcp::match_uri_template(tmpl, expanded);
    if (!back) fail("expansion does not match its template", expanded);
    auto it = back->find(name);
    if (it == back->end() || it->second != uri) fail("match does not invert expand", expanded);
  }
  return 0;
}
