#pragma once
// The OpenAPI loader: a spec (OpenAPI 3.0, 3.1 or Swagger 2.0; JSON or YAML) becomes a
// normalised Spec whose operations each carry a tool's name, title, description, flat input
// schema, output schema and annotations (model.hpp). docs/openapi.md states the rules.
//
//   auto spec = mcp::openapi::load_file("api.yaml", {});
//   if (!spec) ... spec.error().message ...
//   for (auto& op : spec->operations) server.add_tool(tool_definition(op), ...);
//
// A document that cannot be read or is not OpenAPI fails the load (an Error); a single bad
// operation never does: it lands in Spec::skipped with the reason.
#include <cstddef>
#include <map>
#include <mcp/core/result.hpp>
#include <mcp/core/task.hpp>
#include <mcp/net/http_client.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mcp/sources/openapi/model.hpp>

namespace mcp::openapi {

// Which operations become tools. An operation is kept when it matches every non-empty
// include list and no exclude list; `x-mcp: false` on the operation or its path item always
// excludes it. Paths match globs: `*` within one segment, `**` across segments, `?` one char.
struct Selection {
  std::vector<std::string> include_tags, exclude_tags;
  std::vector<std::string> include_paths, exclude_paths;            // globs over the path template
  std::vector<std::string> include_methods, exclude_methods;        // any case
  std::vector<std::string> include_operations, exclude_operations;  // operationId or tool name
  bool empty() const;
};

struct LoadOptions {
  std::size_t max_name_length = 64;  // tool names; clamped to [16, 128]
  // Tool name overrides, keyed by operationId or "METHOD /path" (e.g. "GET /pets/{id}").
  std::map<std::string, std::string> names;
  Selection selection;
  // Compatibility mode: no $ref/$defs (recursion cut after `compat_recursion_depth`
  // expansions), no 2020-12-only keywords, no `additionalProperties: false`.
  bool compat = false;
  int compat_recursion_depth = 2;
  bool output_schemas = true;  // derive outputSchema from 2xx JSON responses
  // Loosen output schemas (detail::loosen_output) so that clients validating results do not
  // reject answers the spec did not quite promise (a null where it said string, a new enum
  // value). false: the spec's schema as it is.
  bool lenient_output = true;
  // Flat-input property names the caller adds itself (e.g. "idempotency_key"): spec
  // parameters and body properties of that name are renamed like any other collision.
  std::vector<std::string> reserved_properties;
  // Bounds for untrusted documents.
  std::size_t max_document_bytes = 64u << 20;
  std::size_t max_documents = 64;            // documents reachable through $refs
  // Per tool schema once $refs are inlined: 57x the largest real tool (GitHub, 4.4k), so one
  // tool's schema stays in the tens of MiB.
  std::size_t max_schema_nodes = 250'000;
  // Schema nodes produced for the whole spec (every tool's input and output schema, attempts
  // that fell back to $defs included); once spent, the remaining operations are skipped with
  // the reason. Real specs need far less: Kubernetes 313k, GitHub 112k (docs/openapi.md).
  std::size_t max_total_schema_nodes = 4'000'000;
};

// Loads a file and the files its relative $refs name (gzip-compressed files too).
Result<Spec> load_file(const std::string& path, const LoadOptions& options = {});

// Loads a document held in memory. `base_path` (a file path) lets relative file $refs
// resolve; without it only references inside the document are followed.
Result<Spec> load_bytes(std::string_view bytes, const LoadOptions& options = {}, std::string base_path = "");

// Fetches the document (and the documents its $refs name, resolved against its URL) with
// `client`. The client enforces its UrlPolicy on every resolved address; this checks the
// scheme and literal hosts against `policy` before asking, and bounds each body by
// options.max_document_bytes.
Task<Result<Spec>> load_url(std::shared_ptr<net::HttpClient> client, std::string url, LoadOptions options,
                            net::UrlPolicy policy);

// The tools/list entry of an operation: name, title, description, inputSchema,
// outputSchema (when any), annotations.
json::object tool_definition(const Operation& op);

// A structural check that `schema` is a valid JSON Schema (2020-12) that our validator
// (mcp::validate_json_schema) can use: keyword value types, resolvable local $refs,
// compilable patterns. nullopt when fine, else what is wrong and where.
std::optional<std::string> check_schema(const json::value& schema);

// Catalogue mode (very large specs): the served `<prefix>search`, `<prefix>describe` and
// `<prefix>invoke` tools (OpenApiSource::catalogue_tools) answer with these.
struct SearchHit {
  const Operation* operation;
  double score;
};
// Keyword search over tool name, title, description, tags and path; best first, ties by name.
// An empty query lists operations in order. `tag` and `method` filter when non-empty.
std::vector<SearchHit> search_operations(const Spec& spec, std::string_view query, std::size_t limit = 20,
                                         std::string_view tag = {}, std::string_view method = {});
// One operation's documentation: tool_definition plus method, path, tags, deprecated.
std::optional<json::object> describe_operation(const Spec& spec, std::string_view tool_name);

}  // namespace mcp::openapi
