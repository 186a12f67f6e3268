#include "commands/openapi.hpp"

#include <iostream>

#include "sources/openapi/loader.hpp"

namespace mcpbridge {
namespace {

bool is_method(const std::string& s) {
  static const char* kMethods[] = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"};
  std::string u = s;
  for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (auto* m : kMethods)
    if (u == m) return true;
  return false;
}

// `--include`/`--exclude` values: a path glob when it starts with '/', an HTTP method, or an
// operationId / tool name.
void sort_into(const std::vector<std::string>& values, std::vector<std::string>& paths,
               std::vector<std::string>& methods, std::vector<std::string>& ops) {
  for (auto& v : values) {
    if (!v.empty() && v[0] == '/')
      paths.push_back(v);
    else if (is_method(v))
      methods.push_back(v);
    else
      ops.push_back(v);
  }
}

const char* in_name(mcp::openapi::ParamIn in) {
  switch (in) {
    case mcp::openapi::ParamIn::path:
      return "path";
    case mcp::openapi::ParamIn::query:
      return "query";
    case mcp::openapi::ParamIn::header:
      return "header";
    case mcp::openapi::ParamIn::cookie:
      return "cookie";
  }
  return "?";
}

mcp::json::array list(const std::vector<mcp::openapi::Skipped>& v) {
  mcp::json::array a;
  for (auto& s : v) a.push_back(mcp::json::object{{"operation", s.where}, {"reason", s.reason}});
  return a;
}

}  // namespace

CLI::App* add_openapi_command(CLI::App& app, InspectArgs& a) {
  auto* openapi = app.add_subcommand("openapi", "OpenAPI sources: inspect the tools a spec produces");
  openapi->require_subcommand(1);
  auto* inspect = openapi->add_subcommand("inspect", "Print the tools a spec produces and the operations it skipped");
  inspect->add_option("spec", a.spec, "OpenAPI 3.x or Swagger 2.0 file (JSON or YAML, optionally gzipped)")->required();
  inspect->add_flag("--json", a.json, "Print a tools/list result ({\"tools\": [...]}); skips under _meta");
  inspect->add_flag("--compat", a.compat, "Schemas without $ref/$defs and 2020-12-only keywords");
  inspect->add_option("--max-name-length", a.max_name_length, "Longest tool name (default 64)")
      ->check(CLI::Range(16, 128));
  inspect->add_option("--include", a.include, "Keep only: a path glob (/repos/**), a method, or an operationId");
  inspect->add_option("--exclude", a.exclude, "Leave out: a path glob, a method, or an operationId");
  inspect->add_option("--include-tag", a.include_tags, "Keep only operations with this tag");
  inspect->add_option("--exclude-tag", a.exclude_tags, "Leave out operations with this tag");
  inspect->add_option("--search", a.search, "Catalogue search: list the operations best matching these keywords");
  return openapi;
}

int run_openapi_inspect(const InspectArgs& a) {
  namespace oa = mcp::openapi;
  if (a.spec.starts_with("http://") || a.spec.starts_with("https://")) {
    std::cerr << "mcpbridge: inspect reads files; download the spec first (URL sources are loaded by `serve`)\n";
    return 1;
  }
  oa::LoadOptions o;
  o.compat = a.compat;
  o.max_name_length = a.max_name_length;
  auto& s = o.selection;
  s.include_tags = a.include_tags;
  s.exclude_tags = a.exclude_tags;
  sort_into(a.include, s.include_paths, s.include_methods, s.include_operations);
  sort_into(a.exclude, s.exclude_paths, s.exclude_methods, s.exclude_operations);
  auto spec = oa::load_file(a.spec, o);
  if (!spec) {
    std::cerr << "mcpbridge: cannot load " << a.spec << ": " << spec.error().message << "\n";
    return 1;
  }
  if (!a.search.empty()) {
    // The served `<prefix>search` tool's ranking (OpenApiSource::catalogue_tools), with scores.
    auto hits = oa::search_operations(*spec, a.search, 50);
    if (a.json) {
      mcp::json::array ops;
      for (auto& h : hits)
        ops.push_back(mcp::json::object{{"name", h.operation->tool_name},
                                        {"method", h.operation->method},
                                        {"path", h.operation->path},
                                        {"score", h.score}});
      std::cout << mcp::json::serialize(mcp::json::object{{"operations", std::move(ops)}}) << "\n";
    } else {
      for (auto& h : hits)
        std::cout << h.score << "\t" << h.operation->tool_name << "\t" << h.operation->method << " "
                  << h.operation->path << "\n";
    }
    return 0;
  }
  if (a.json) {
    mcp::json::array tools;
    for (auto& op : spec->operations) tools.push_back(oa::tool_definition(op));
    mcp::json::object meta{{"openapi", spec->openapi_version},
                           {"title", spec->title},
                           {"skipped", list(spec->skipped)},
                           {"excluded", list(spec->excluded)},
                           {"warnings", list(spec->warnings)}};
    mcp::json::object out{{"tools", std::move(tools)},
                          {"_meta", mcp::json::object{{"mcpbridge/openapi", std::move(meta)}}}};
    std::cout << mcp::json::serialize(out) << "\n";
  } else {
    std::cout << spec->title << " " << spec->version << " (OpenAPI " << spec->openapi_version
              << "): " << spec->operations.size() << " tools, " << spec->skipped.size() << " skipped, "
              << spec->excluded.size() << " excluded\n\n";
    for (auto& op : spec->operations) {
      std::cout << op.tool_name << "  " << op.method << " " << op.path;
      if (op.title != op.tool_name) std::cout << "  — " << op.title;
      std::cout << "\n";
      for (auto& p : op.parameters)
        std::cout << "    " << p.property << (p.required ? "*" : "") << "  (" << in_name(p.in) << " " << p.name
                  << ")\n";
      if (op.body) {
        if (!op.body->wrapped_property.empty())
          std::cout << "    " << op.body->wrapped_property << (op.body->required ? "*" : "") << "  (body "
                    << op.body->content_type << ")\n";
        for (auto& f : op.body->fields)
          std::cout << "    " << f.property << (f.required ? "*" : "") << "  (body " << f.name << ", "
                    << op.body->content_type << ")\n";
      }
      if (op.output_schema) std::cout << "    -> outputSchema" << (op.output_wrapped ? " {result}" : "") << "\n";
    }
    auto print = [](const char* what, const std::vector<oa::Skipped>& v) {
      if (v.empty()) return;
      std::cout << "\n" << what << " (" << v.size() << "):\n";
      for (auto& x : v) std::cout << "  " << x.where << ": " << x.reason << "\n";
    };
    print("skipped", spec->skipped);
    print("warnings", spec->warnings);
    print("excluded", spec->excluded);
  }
  return 0;
}

}  // namespace mcpbridge
