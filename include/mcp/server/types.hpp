#pragma once
// The server-side vocabulary of MCP: tools, resources, prompts and their results.
// Field names follow the spec's JSON spelling where they reach the wire unchanged.
#include <mcp/core/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mcp {

struct Implementation {
  std::string name;
  std::string version;
  std::string title;        // optional
  std::string description;  // optional
  json::array icons;        // optional Icon objects
  std::string website_url;  // optional
  json::object to_json() const;
};

// RFC 5424 severities, in order; notifications/message below the session's level are dropped.
enum class LogLevel { debug, info, notice, warning, error, critical, alert, emergency };
std::optional<LogLevel> parse_log_level(std::string_view s);
std::string_view to_string(LogLevel l);

struct Tool {
  std::string name;
  std::string title;
  std::string description;
  json::object input_schema{{"type", "object"}};  // kept exactly as given (2020-12 intact)
  std::optional<json::object> output_schema;
  json::object annotations;  // ToolAnnotations: readOnlyHint, destructiveHint, ...
  json::array icons;
  json::object execution;    // e.g. {"taskSupport":"optional"}: may run as a task
  json::object meta;
  bool task_starts_in_handler = false;  // the handler calls Context::start_task() itself
  json::object to_json() const;
};

// What a tool returns. A failure the model should see is an isError result, not an exception.
struct ToolResult {
  json::array content;
  std::optional<json::object> structured;
  bool is_error = false;
  json::object meta;

  static ToolResult text(std::string text);
  static ToolResult error(std::string message);
  // structuredContent plus its serialisation as a text block (spec: SHOULD for compatibility).
  static ToolResult structured_content(json::object value);
  ToolResult& add(json::object content_block);
  json::object to_json() const&;
  json::object to_json() &&;  // moves the content out instead of copying it
  // The inverse of to_json(): a CallToolResult as recorded or received from an upstream.
  static ToolResult from_json(const json::object& o);
};

// Content block helpers.
json::object text_content(std::string text);
json::object image_content(std::string base64, std::string mime_type);
json::object audio_content(std::string base64, std::string mime_type);
json::object embedded_text_resource(std::string uri, std::string mime_type, std::string text);

struct Resource {
  std::string uri;
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  std::optional<std::int64_t> size;
  json::object annotations;
  json::array icons;
  json::object to_json() const;
};

struct ResourceTemplate {
  std::string uri_template;  // RFC 6570
  std::string name;
  std::string title;
  std::string description;
  std::string mime_type;
  json::array icons;
  json::object to_json() const;
};

struct PromptArgument {
  std::string name;
  std::string title;
  std::string description;
  bool required = false;
};

struct Prompt {
  std::string name;
  std::string title;
  std::string description;
  std::vector<PromptArgument> arguments;
  json::array icons;
  json::object to_json() const;
};

using PromptArguments = std::map<std::string, std::string>;
using UriVariables = std::map<std::string, std::string>;

}  // namespace mcp
