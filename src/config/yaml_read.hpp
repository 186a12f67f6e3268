#pragma once
// Reading the YAML configuration: every error names the key and throws std::runtime_error
// ("config: <key>: <why>"); unknown keys are errors. Shared by config.cpp and the section files.
#include <mcp/core/nearest.hpp>
#include <mcp/gateway/gateway.hpp>
#include <yaml-cpp/yaml.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace mcp::config::yaml_read {

[[noreturn]] inline void fail(const std::string& key, const std::string& why) {
  throw std::runtime_error("config: " + key + ": " + why);
}

template <class T>
T scalar(const YAML::Node& n, const std::string& key) {
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    fail(key, "invalid value '" + (n.IsScalar() ? n.Scalar() : std::string("<non-scalar>")) + "'");
  }
}

inline std::vector<std::string> string_list(const YAML::Node& n, const std::string& key) {
  if (!n.IsSequence()) fail(key, "expected a list");
  std::vector<std::string> out;
  for (const auto& item : n) out.push_back(scalar<std::string>(item, key));
  return out;
}

inline void check_keys(const YAML::Node& map, const std::string& where, const std::set<std::string>& allowed) {
  if (!map.IsMap()) fail(where.empty() ? "(root)" : where, "expected a mapping");
  for (const auto& kv : map) {
    auto k = kv.first.as<std::string>();
    if (allowed.count(k)) continue;
    auto guess = mcp::nearest(k, {allowed.begin(), allowed.end()});
    fail(where.empty() ? k : where + "." + k,
         "unknown key" + (guess.empty() ? "" : "; did you mean " + (where.empty() ? "" : where + ".") + guess + "?"));
  }
}

// `limits:` (rate limits per principal, tool and upstream; cache_ttl_s) of a source
// (openapi_config.cpp).
mcp::gateway::Limits limits(const YAML::Node& n, const std::string& key);

}  // namespace mcp::config::yaml_read

namespace mcp::config {
// The readers every section file of src/config uses, by their short names.
using yaml_read::check_keys;
using yaml_read::fail;
using yaml_read::scalar;
using yaml_read::string_list;
}  // namespace mcp::config
