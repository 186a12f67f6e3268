// Fuzzes the JSON Schema validator with a schema and an instance both taken from the input:
// the input is two JSON texts one after the other (`{"type":"string"} "abc"`); the first
// complete value is the schema, the rest the instance. Schemas come from untrusted upstreams
// (OpenAPI specs, other MCP servers), so nothing here may crash, recurse without bound or hang.
// Oracles: validation is deterministic, and `true`/`{}` accept and `false` rejects everything.
#include <mcp/core/json_schema.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

namespace json = mcp::json;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "json_schema_fuzz oracle failed: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

json::parse_options options() {
  json::parse_options o;
  o.max_depth = 64;  // what jsonrpc::parse admits: the deepest a schema or argument can be
  o.allow_invalid_utf8 = false;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;

  json::parser p({}, options());
  std::size_t used = p.write_some(in.data(), in.size(), ec);
  if (ec) return 0;
  json::value schema = p.release();

  json::value instance = json::parse(in.substr(used), ec, {}, options());
  if (ec) instance = json::value(std::string(in.substr(used)));  // a non-JSON tail is a string instance

  auto r1 = mcp::validate_json_schema(schema, instance);
  auto r2 = mcp::validate_json_schema(schema, instance);
  if (r1.has_value() != r2.has_value() || (r1 && (r1->pointer != r2->pointer || r1->message != r2->message)))
    fail("validation is not deterministic", in);
  if (r1) (void)r1->to_string();

  if (mcp::validate_json_schema(json::value(true), instance)) fail("true rejected", in);
  if (mcp::validate_json_schema(json::object{}, instance)) fail("{} rejected", in);
  if (!mcp::validate_json_schema(json::value(false), instance)) fail("false accepted", in);
  // The instance as a schema over the schema: exercises both directions of every input.
  (void)mcp::validate_json_schema(instance, schema);
  return 0;
}
