// `mcpbridge openapi inspect SPEC`: the tools a spec produces, and what it skipped and why
// (mcp::openapi::inspect_file). Exit code 1 when the spec cannot be loaded at all.
#include <mcp/sources/openapi.hpp>

#include <iostream>

#include "commands/command.hpp"

namespace mcpbridge {
namespace {

struct InspectArgs {
  std::string spec;
  mcp::openapi::InspectOptions options;
};

CLI::App* add_openapi_command(CLI::App& app, InspectArgs& a) {
  auto* openapi = app.add_subcommand("openapi", "OpenAPI sources: inspect the tools a spec produces");
  openapi->require_subcommand(1);
  auto* inspect = openapi->add_subcommand("inspect", "Print the tools a spec produces and the operations it skipped");
  inspect->add_option("spec", a.spec, "OpenAPI 3.x or Swagger 2.0 file (JSON or YAML, optionally gzipped)")->required();
  inspect->add_flag("--json", a.options.json, "Print a tools/list result ({\"tools\": [...]}); skips under _meta");
  inspect->add_flag("--compat", a.options.compat, "Schemas without $ref/$defs and 2020-12-only keywords");
  inspect->add_option("--max-name-length", a.options.max_name_length, "Longest tool name (default 64)")
      ->check(CLI::Range(16, 128));
  inspect->add_option("--include", a.options.include, "Keep only: a path glob (/repos/**), a method, or an operationId");
  inspect->add_option("--exclude", a.options.exclude, "Leave out: a path glob, a method, or an operationId");
  inspect->add_option("--include-tag", a.options.include_tags, "Keep only operations with this tag");
  inspect->add_option("--exclude-tag", a.options.exclude_tags, "Leave out operations with this tag");
  inspect->add_option("--search", a.options.search, "Catalogue search: list the operations best matching these keywords");
  return openapi;
}

int run_openapi_inspect(const InspectArgs& a) {
  auto report = mcp::openapi::inspect_file(a.spec, a.options);
  if (!report) return fail(report.error().message, 1);
  std::cout << *report;
  return 0;
}

}  // namespace

std::unique_ptr<Command> make_openapi_command() {
  return std::make_unique<FunctionCommand<InspectArgs>>(add_openapi_command, run_openapi_inspect);
}

}  // namespace mcpbridge
