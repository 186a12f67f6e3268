#pragma once
// Tool and property names. Tool names: [A-Za-z0-9_-], at most a configured length; a name
// that must be shortened keeps its start and ends with "_" + 8 hex digits of a hash of the
// whole name (FNV-1a, so the same spec gives the same names on every machine).
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

namespace mcp::openapi::detail {

std::uint32_t fnv1a(std::string_view s);
std::string hex(std::uint32_t v, int digits);

// Invalid characters become '_' (runs of them one '_'); then shortened with a hash suffix.
std::string sanitize_tool_name(std::string_view raw, std::size_t max);
// "GET /repos/{owner}/{repo}" -> "get_repos_owner_repo".
std::string method_path_name(std::string_view method, std::string_view path);
// "listAgents" / "repos/get-by-id" -> "List agents" / "Repos get by id".
std::string readable_title(std::string_view name);
// Flat-input property names: [A-Za-z0-9_.-], at most 64 characters (what LLM APIs accept).
std::string sanitize_property(std::string_view raw);

// Hands out unique names in the order asked. A taken name gets "_" + 6 hex digits of a hash
// of `disambiguator` (the operation's "METHOD /path", stable whatever else the spec holds),
// then a counter if even that is taken.
class NameSet {
 public:
  explicit NameSet(std::size_t max) : max_(max) {}
  std::string claim(const std::string& name, std::string_view disambiguator);
  bool taken(const std::string& name) const { return used_.count(name) > 0; }
  void reserve(const std::string& name) { used_.insert(name); }

 private:
  std::string fit(const std::string& base, const std::string& suffix) const;
  std::size_t max_;
  std::set<std::string> used_;
};

// Glob over a path template: `*` within one segment, `**` across segments, `?` one character.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace mcp::openapi::detail
