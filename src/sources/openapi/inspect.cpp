// `mcpbridge openapi inspect`: a spec file's tools (or a catalogue search) and what it skipped,
// as text or JSON (include/mcp/sources/openapi.hpp: inspect_file).
#include <mcp/sources/openapi.hpp>
#include <sstream>

#include <mcp/sources/openapi/loader.hpp>

namespace mcp::openapi {
namespace {

bool is_method(const std::string& s) {
  static const char* kMethods[] = {"GET",     "PUT",  "POST",  "DELETE",
                                   "OPTIONS", "HEAD", "PATCH", "TRACE"};
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

Result<std::string> inspect_file(const std::string& path, const InspectOptions& a) {
  namespace oa = mcp::openapi;
  if (path.starts_with("http://") || path.starts_with("https://"))
    return Error{errc::kInvalidParams,
                 "inspect reads files; download the spec first (URL sources are loaded by `serve`)",
                 {}};
  oa::LoadOptions o;
  o.compat = a.compat;
  o.max_name_length = a.max_name_length;
  auto& s = o.selection;
  s.include_tags = a.include_tags;
  s.exclude_tags = a.exclude_tags;
  sort_into(a.include, s.include_paths, s.include_methods, s.include_operations);
  sort_into(a.exclude, s.exclude_paths, s.exclude_methods, s.exclude_operations);
  auto spec = oa::load_file(path, o);
  if (!spec)
    return Error{spec.error().code, "cannot load " + path + ": " + spec.error().message, {}};
  std::ostringstream out;
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
      out << mcp::json::serialize(mcp::json::object{{"operations", std::move(ops)}}) << "\n";
    } else {
      for (auto& h : hits)
        out << h.score << "\t" << h.operation->tool_name << "\t" << h.operation->method << " "
            << h.operation->path << "\n";
    }
    return out.str();
  }
  if (a.json) {
    mcp::json::array tools;
    for (auto& op : spec->operations) tools.push_back(oa::tool_definition(op));
    mcp::json::object meta{{"openapi", spec->openapi_version},
                           {"title", spec->title},
                           {"skipped", list(spec->skipped)},
                           {"excluded", list(spec->excluded)},
                           {"warnings", list(spec->warnings)}};
    mcp::json::object result{{"tools", std::move(tools)},
                             {"_meta", mcp::json::object{{"mcpbridge/openapi", std::move(meta)}}}};
    out << mcp::json::serialize(result) << "\n";
  } else {
    out << spec->title << " " << spec->version << " (OpenAPI " << spec->openapi_version
        << "): " << spec->operations.size() << " tools, " << spec->skipped.size() << " skipped, "
        << spec->excluded.size() << " excluded\n\n";
    for (auto& op : spec->operations) {
      out << op.tool_name << "  " << op.method << " " << op.path;
      if (op.title != op.tool_name) out << "  — " << op.title;
      out << "\n";
      for (auto& p : op.parameters)
        out << "    " << p.property << (p.required ? "*" : "") << "  (" << in_name(p.in) << " "
            << p.name << ")\n";
      if (op.body) {
        if (!op.body->wrapped_property.empty())
          out << "    " << op.body->wrapped_property << (op.body->required ? "*" : "") << "  (body "
              << op.body->content_type << ")\n";
        for (auto& f : op.body->fields)
          out << "    " << f.property << (f.required ? "*" : "") << "  (body " << f.name << ", "
              << op.body->content_type << ")\n";
      }
      if (op.output_schema)
        out << "    -> outputSchema" << (op.output_wrapped ? " {result}" : "") << "\n";
    }
    auto print = [&out](const char* what, const std::vector<oa::Skipped>& v) {
      if (v.empty()) return;
      out << "\n" << what << " (" << v.size() << "):\n";
      for (auto& x : v) out << "  " << x.where << ": " << x.reason << "\n";
    };
    print("skipped", spec->skipped);
    print("warnings", spec->warnings);
    print("excluded", spec->excluded);
  }
  return out.str();
}

}  // namespace mcp::openapi
