#pragma once
// "Did you mean": the known name nearest to a misspelt one (a command, an option, a config key),
// so that an error names what the user most likely meant instead of leaving them to guess.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace mcp {

// Levenshtein distance (insertions, deletions, substitutions).
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The candidate nearest to `word`, or "" when none is near enough to be a likely typo (at most
// a third of the word's length wrong, at least 2 edits allowed) nor starts with it.
inline std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (word.size() >= 3 && c.size() > word.size() && c.compare(0, word.size(), word) == 0)
      d = std::min<std::size_t>(d, 1);  // an abbreviation: "conn" for "connections"
    if (d < best_distance) best_distance = d, best = c;
  }
  return best;
}

}  // namespace mcp
