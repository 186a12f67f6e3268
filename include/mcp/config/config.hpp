#pragma once
// mcpbridge's configuration, the one model every part reads: a YAML file, then MCPBRIDGE_*
// environment variables, then flags, each overriding the one before. Unknown keys are errors
// (a typo must not pass silently). The CLI reads it without building a gateway (`config`,
// `keys`, ...); gateway::assemble(Config) builds one from it. Reader: src/config/.
#include <mcp/gateway/gateway.hpp>
#include <mcp/authz/authz.hpp>
#include <mcp/http/http.hpp>
#include <mcp/sources/openapi.hpp>
#include <mcp/sources/upstream.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace YAML {
class Node;
}

namespace mcp::config {

// One `openapi:` entry: a REST API whose operations become tools.
struct OpenApiSourceConfig {
  std::string spec;    // a file path or an https:// URL
  std::string prefix;  // prepended to every tool name
  bool catalogue = false;  // search/describe/invoke instead of one tool per operation
  // Which operations (keys: tags, paths, methods, operations), for the loader.
  std::map<std::string, std::vector<std::string>> include, exclude;
  mcp::openapi::UpstreamOptions upstream;  // name, base_url, server_variables, credential, timeouts, retries, polling
  std::string secret_env;   // the service secret's environment variable
  std::string secret_file;  // or a file holding it
  mcp::gateway::Limits limits;
  // A spec file is checked (mtime, size) this often and reloaded when it changed; 0: only on
  // SIGHUP. URL specs reload on SIGHUP only.
  std::chrono::milliseconds watch_interval{2000};
};

// One `connections:` entry: another MCP server whose tools the gateway serves.
struct ConnectionConfig {
  mcp::upstream::ConnectionOptions options;
  std::string secret_env;   // a shared credential's environment variable
  std::string secret_file;  // or a file holding it
  bool allow_private = false;  // the URL may resolve to loopback / private addresses
  mcp::gateway::Limits limits;  // the gateway's rate limits (and cache of read-only tools) for it
  // auth oauth: a pre-registered client's id and secret from the environment or files.
  std::string client_id_env, client_id_file, client_secret_env, client_secret_file;
};

// The `admin:` section: the admin API (/admin/v1, docs/admin.md) and run-time connections.
struct AdminConfig {
  std::string role = "admin";  // principals with this role manage connections
  // An OAuth access token is delegated: it reaches the admin API only with this scope (an API
  // key or a proxy's identity is the user's own). Add it to auth.oauth.scopes to allow it.
  std::string scope = "admin";
  // Hosts that connections added at run time may reach on loopback / private addresses (the
  // config file's connections say so with allow_private instead).
  std::vector<std::string> private_hosts;
  std::chrono::seconds poll{5};  // how often the store is read for the CLI's changes
};

struct Config {
  // The embedded setup is secure by default: the built-in authorization server (auth mode oauth).
  Config() { auth.mode = mcp::auth::Mode::oauth; }
  mcp::HttpOptions http;
  mcp::ServerOptions server;  // caching hints (the rest is set by the program)
  std::string log_level = "info";  // trace, debug, info, warn, error, off
  std::string log_format = "text";  // text | json
  // The native demo tools (echo, add, whoami), tools.builtin: unset, served only when no source
  // (openapi:, connections:) is configured, so that they never sit beside a gateway's real tools.
  std::optional<bool> builtin_tools;
  std::string store_path = "mcpbridge.db";  // the embedded SQLite database
  // Several replicas (cluster.redis_url, MCPBRIDGE_REDIS_URL): what they share lives in Redis;
  // empty: this process alone, in memory. The URL's password is never printed.
  std::string redis_url;
  std::string replica_id;  // cluster.replica_id, MCPBRIDGE_REPLICA_ID; empty: random
  mcp::auth::AuthOptions auth;
  std::vector<OpenApiSourceConfig> openapi;
  std::vector<ConnectionConfig> connections;
  AdminConfig admin;
  mcp::gateway::PolicyOptions gateway;
  std::string vault_key_file;  // the vault key (base64 of 32 bytes); MCPBRIDGE_VAULT_KEY overrides
  std::string vault_key;       // from MCPBRIDGE_VAULT_KEY (base64), never printed
  // The gateway's external base URL (server.public_url, MCPBRIDGE_PUBLIC_URL): sign-in links
  // and the redirect URI of OAuth connections. Default: the OAuth issuer, or the loopback
  // listener's URL.
  std::string public_url;
  // auth mode oauth: the built-in authorization server. Its key encryption key comes from
  // MCPBRIDGE_OAUTH_KEY (base64 of 32 bytes) or from `oauth_key_file` (default: the store path
  // + ".oauth-key", created 0600 on first use).
  mcp::authz::AuthzOptions oauth;
  std::string oauth_key_file;
  // auth mode oauth with an external issuer (auth.oauth.external): its JWKS from a file (keys
  // pinned); the built-in authorization server is then off.
  mcp::authz::ExternalIssuerOptions external;
  std::string external_jwks_file;
  // auth.oauth.external: jwks_uri (or discovery) and RFC 7662 introspection (endpoint set: used
  // instead of the JWKS); the outbound client's SSRF policy.
  mcp::authz::IntrospectionOptions introspection;
  bool external_allow_private = false;  // http and private/loopback issuers (development, tests)
  std::string external_ca_file;
  // auth.oauth.client_metadata: private/loopback client ID URLs and an extra CA (development, tests).
  bool client_metadata_allow_private = false;
  std::string client_metadata_ca_file;
};

// The OAuth settings resolved for serving: issuer and resource defaulted from the listener,
// the key encryption key loaded (or created). Throws std::runtime_error.
void resolve_oauth(Config& c, std::uint16_t bound_port);

// The authentication methods `serve` accepts on the MCP endpoint: auth.methods, else auth.mode
// as a shorthand (oauth: OAuth tokens and API keys; none: none).
std::vector<mcp::auth::Mode> auth_methods(const Config& c);
// Whether the demo tools are served (tools.builtin, else only without configured sources).
inline bool serves_builtin_tools(const Config& c) {
  return c.builtin_tools.value_or(c.openapi.empty() && c.connections.empty());
}

// A URL as it may be printed: "redis://user:***@host" for "redis://user:secret@host" (store::redact_uri).
std::string redact_url_password(const std::string& url);

// auth_external_config.cpp: the auth.oauth.external and auth.oauth.client_metadata sections;
// resolve_external reads the pinned JWKS file and fills in what follows from the rest. The
// outbound clients and token checks are the gateway's to make (assemble()).
void read_external_auth(Config& c, const YAML::Node& external);
void read_client_metadata(Config& c, const YAML::Node& client_metadata);
void resolve_external(Config& c);

// Reads the service secrets the `openapi:` entries name (environment, files) into their
// credentials; throws std::runtime_error naming the source whose secret is missing.
void resolve_openapi_secrets(Config& c);
// The same for shared `connections:` credentials.
void resolve_connection_secrets(Config& c);
// One `connections:` entry from YAML or JSON text (the admin API's and the store's form);
// throws std::runtime_error naming `key` and the problem.
ConnectionConfig connection_from_yaml(const std::string& text, const std::string& key);
// The vault key (raw 32 bytes) from MCPBRIDGE_VAULT_KEY or vault.key_file; "" when neither.
std::string load_vault_key(const Config& c);
// The same, or (when neither is set) the key in a 0600 file next to the store (store path +
// ".vault-key"), created on first use when `create`; "" when there is none.
std::string load_or_create_vault_key(const Config& c, bool create);

// Throws std::runtime_error naming the key and the problem.
void apply_yaml(Config& c, const std::string& yaml_text);
void apply_yaml_file(Config& c, const std::string& path);
// A command's configuration: the file at `path` (else env's MCPBRIDGE_CONFIG, else none), then
// env's MCPBRIDGE_* variables. Throws std::runtime_error naming the key and the problem.
Config load(std::string path, const std::map<std::string, std::string>& env);
// Applies MCPBRIDGE_OAUTH_ISSUER, MCPBRIDGE_OAUTH_KEY, MCPBRIDGE_STORE, MCPBRIDGE_AUTH_MODE, MCPBRIDGE_AUTH_METHODS, MCPBRIDGE_PROXY_SECRET, MCPBRIDGE_HOST, _PORT, _PATH, _THREADS, _ALLOWED_HOSTS, _ALLOWED_ORIGINS (comma
// separated), _MAX_SESSIONS, _LOG_LEVEL, _LOG_FORMAT, _REQUEST_STATE_KEY (base64 of 32
// bytes; a secret, so better here than in a file) from `env`.
void apply_env(Config& c, const std::map<std::string, std::string>& env);
std::map<std::string, std::string> process_env();
// The effective configuration, as YAML (for `mcpbridge config`).
std::string to_yaml(const Config& c);

}  // namespace mcp::config
