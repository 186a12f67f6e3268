// Catalogue mode: keyword search and descriptions over a spec's operations, so that a client
// sees three tools instead of a thousand (the tools themselves: OpenApiSource::catalogue_tools).
#include <algorithm>
#include <cctype>

#include <mcp/core/ascii.hpp>
#include <mcp/sources/openapi/loader.hpp>

namespace mcp::openapi {
namespace {

// Lower-case words; camelCase and any non-alphanumeric character split words.
std::vector<std::string> words(std::string_view s, std::size_t limit = 4000) {
  std::vector<std::string> out;
  std::string cur;
  char prev = 0;
  for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
    char c = s[i];
    bool alnum = std::isalnum(static_cast<unsigned char>(c));
    bool split =
        !alnum || (std::isupper(static_cast<unsigned char>(c)) && std::islower(static_cast<unsigned char>(prev)));
    if (split && !cur.empty()) out.push_back(std::move(cur)), cur.clear();
    if (alnum) cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    prev = c;
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

double term_match(const std::string& term, const std::vector<std::string>& field) {
  double best = 0;
  for (auto& w : field) {
    if (w == term) return 1.0;
    if ((term.size() >= 3 && w.starts_with(term)) || (w.size() >= 4 && term.starts_with(w))) best = 0.5;
  }
  return best;
}

}  // namespace

std::vector<SearchHit> search_operations(const Spec& spec, std::string_view query, std::size_t limit,
                                         std::string_view tag, std::string_view method) {
  auto terms = words(query, 512);
  std::string method_up = ascii::upper(method);
  std::vector<SearchHit> hits;
  for (auto& op : spec.operations) {
    if (!tag.empty() && std::find(op.tags.begin(), op.tags.end(), tag) == op.tags.end()) continue;
    if (!method_up.empty() && op.method != method_up) continue;
    if (terms.empty()) {
      hits.push_back({&op, 0});
      continue;
    }
    std::string tags;
    for (auto& t : op.tags) tags += t + " ";
    const std::pair<std::vector<std::string>, double> fields[] = {{words(op.tool_name), 4},
                                                                  {words(op.title), 3},
                                                                  {words(tags), 3},
                                                                  {words(op.path), 2},
                                                                  {words(op.description), 1}};
    double score = 0;
    std::size_t matched = 0;
    for (auto& t : terms) {
      double best = 0;
      for (auto& [f, w] : fields) best = std::max(best, w * term_match(t, f));
      score += best;
      matched += best > 0;
    }
    if (matched == 0) continue;
    if (matched == terms.size()) score *= 1.5;  // every word found
    hits.push_back({&op, score});
  }
  std::stable_sort(hits.begin(), hits.end(), [&](const SearchHit& a, const SearchHit& b) {
    if (a.score != b.score) return a.score > b.score;
    return terms.empty() ? false : a.operation->tool_name < b.operation->tool_name;
  });
  if (hits.size() > limit) hits.resize(limit);
  return hits;
}

std::optional<json::object> describe_operation(const Spec& spec, std::string_view tool_name) {
  for (auto& op : spec.operations) {
    if (op.tool_name != tool_name) continue;
    json::object d = tool_definition(op);
    d["method"] = op.method;
    d["path"] = op.path;
    json::array tags;
    for (auto& t : op.tags) tags.emplace_back(t);
    d["tags"] = std::move(tags);
    if (op.deprecated) d["deprecated"] = true;
    return d;
  }
  return std::nullopt;
}

}  // namespace mcp::openapi
