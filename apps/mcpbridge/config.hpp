#pragma once
// mcpbridge's configuration: a YAML file, then MCPBRIDGE_* environment variables, then flags,
// each overriding the one before. Unknown keys are errors (a typo must not pass silently).
#include <mcp/http/http.hpp>

#include <map>
#include <string>

namespace mcpbridge {

struct Config {
  mcp::HttpOptions http;
  mcp::ServerOptions server;  // caching hints (the rest is set by the program)
  std::string log_level = "info";  // trace, debug, info, warn, error, off
  std::string log_format = "text";  // text | json
  bool builtin_tools = true;         // the native demo tools (echo, add)
  std::string store_path = "mcpbridge.db";  // the embedded SQLite database
  mcp::auth::AuthOptions auth;
};

// Throws std::runtime_error naming the key and the problem.
void apply_yaml(Config& c, const std::string& yaml_text);
void apply_yaml_file(Config& c, const std::string& path);
// Applies MCPBRIDGE_STORE, MCPBRIDGE_AUTH_MODE, MCPBRIDGE_PROXY_SECRET, MCPBRIDGE_HOST, _PORT, _PATH, _THREADS, _ALLOWED_HOSTS, _ALLOWED_ORIGINS (comma
// separated), _MAX_SESSIONS, _LOG_LEVEL, _LOG_FORMAT, _REQUEST_STATE_KEY (base64 of 32
// bytes; a secret, so better here than in a file) from `env`.
void apply_env(Config& c, const std::map<std::string, std::string>& env);
std::map<std::string, std::string> process_env();
// The effective configuration, as YAML (for `mcpbridge config`).
std::string to_yaml(const Config& c);

}  // namespace mcpbridge
