// Fuzzes the OpenAPI loader (load_bytes) on YAML/JSON text: the document parser with its YAML
// alias and depth bounds, $ref resolution, schema conversion, naming. Options vary with the
// input's size (compat mode every third size, no output schemas every fifth), so one corpus
// reaches both schema paths.
// Oracles: no crash, no sanitizer report, bounded time and memory (libFuzzer's -timeout and
// -rss_limit_mb; run.sh sets them); every tool has a valid, unique name within the limit, an
// input schema that is an object ({"type":"object",...}), and a tools/list entry that
// serialises.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include <mcp/sources/openapi/loader.hpp>

namespace {

namespace oa = mcp::openapi;
namespace json = mcp::json;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "openapi_spec_fuzz oracle failed: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

bool valid_name(std::string_view n, std::size_t max) {
  if (n.empty() || n.size() > max) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  oa::LoadOptions o;
  o.compat = size % 3 == 0;
  o.output_schemas = size % 5 != 0;
  o.max_name_length = 16 + size % 50;
  auto spec = oa::load_bytes(text, o);
  if (!spec) {
    if (spec.error().message.empty()) fail("a load error without a message", text);
    return 0;
  }
  std::set<std::string> names;
  for (auto& op : spec->operations) {
    if (!valid_name(op.tool_name, o.max_name_length)) fail("invalid tool name", op.tool_name);
    if (!names.insert(op.tool_name).second) fail("duplicate tool name", op.tool_name);
    auto* type = op.input_schema.if_contains("type");
    if (!type || *type != "object") fail("input schema is not an object", json::serialize(op.input_schema));
    auto def = oa::tool_definition(op);
    auto* schema = def.if_contains("inputSchema");
    if (!schema || !schema->is_object()) fail("tools/list entry without an object inputSchema", op.tool_name);
    (void)json::serialize(def);
  }
  return 0;
}
