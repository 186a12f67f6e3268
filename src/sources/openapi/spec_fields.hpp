#pragma once
// Readers of OpenAPI object fields shared by the loader's walk (loader.cpp) and its operation
// builder (operation_builder.cpp, operation_input.cpp): strings, flags, servers, security,
// media types and the object-schema shape tests the flat input relies on.
#include <mcp/core/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mcp/core/ascii.hpp>
#include <mcp/sources/openapi/model.hpp>

namespace mcp::openapi::detail {

using ascii::lower;
using ascii::upper;
// A scalar field as text ("" when absent; numbers as written: `version: 1.0` stays "1.0").
std::string str(const json::object& o, std::string_view key);
bool flag(const json::object& o, std::string_view key);      // present and true
bool is_false(const json::object& o, std::string_view key);  // present and false

bool json_media(std::string_view media_type);
// The media type a request body is sent as, by preference.
const json::key_value_pair* choose_media(const json::object& content);

// Has properties and no alternatives: can be flattened into the tool's input.
bool object_like(const json::object& s);
// {"allOf": [objects...]} -> one object, when every member is a plain object schema.
std::optional<json::object> merge_all_of(const json::object& s);

std::vector<ServerUrl> read_servers(const json::value* v);
std::vector<SecurityRequirement> read_security(const json::value& v);
// The {name}s of a path template, in order.
std::vector<std::string> path_template_names(std::string_view path);

}  // namespace mcp::openapi::detail
