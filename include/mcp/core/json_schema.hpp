#pragma once
// A JSON Schema validator for tool arguments: the 2020-12 vocabulary that matters for inputs
// (types, properties, required, items/prefixItems, enum/const, bounds, allOf/anyOf/oneOf/not,
// if/then/else, local $ref into $defs/definitions and $anchor). Unknown keywords are ignored,
// as the spec allows; nothing in a schema from an untrusted upstream can crash or hang it
// (bounded depth, no remote references).
#include <mcp/core/json.hpp>

#include <optional>
#include <string>

namespace mcp {

struct SchemaError {
  std::string pointer;  // JSON pointer into the instance, "" for the root
  std::string message;
  std::string to_string() const;
};

// nullopt when `instance` is valid against `schema`.
std::optional<SchemaError> validate_json_schema(const json::value& schema, const json::value& instance);

}  // namespace mcp
