#pragma once
// `mcpbridge openapi inspect SPEC`: the tools a spec produces, and what it skipped and why.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace mcpbridge {

struct InspectArgs {
  std::string spec;
  bool json = false;
  bool compat = false;
  std::size_t max_name_length = 64;
  std::vector<std::string> include, exclude;  // glob (/...), HTTP method, or operationId/tool name
  std::vector<std::string> include_tags, exclude_tags;
  std::string search;  // catalogue search instead of the tool list
};

// Adds the `openapi` command (with `inspect`) to `app`.
CLI::App* add_openapi_command(CLI::App& app, InspectArgs& args);
// Runs it: 0 when the spec loaded, 1 when it could not be loaded at all.
int run_openapi_inspect(const InspectArgs& args);

}  // namespace mcpbridge
