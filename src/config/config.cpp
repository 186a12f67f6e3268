#include <mcp/config/config.hpp>
#include "yaml_read.hpp"

#include <mcp/core/encoding.hpp>
#include <mcp/store/store.hpp>
#include <yaml-cpp/yaml.h>

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace mcp::config {
namespace {

std::vector<std::string> split_csv(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

mcp::auth::Mode method(const std::string& key, const std::string& v, bool none_ok) {
  if (v == "none" && none_ok) return mcp::auth::Mode::none;
  if (v == "api_key") return mcp::auth::Mode::api_key;
  if (v == "header" || v == "headers") return mcp::auth::Mode::header;
  if (v == "oauth") return mcp::auth::Mode::oauth;
  fail(key, none_ok ? "expected none, api_key, header or oauth" : "expected oauth, api_key or header");
}

// auth.mode, MCPBRIDGE_AUTH_MODE, --auth: one value, the shorthand that replaces any list.
void set_mode(Config& c, const std::string& key, const std::string& v) {
  c.auth.mode = method(key, v, true);
  c.auth.methods.clear();
}

// auth.methods, MCPBRIDGE_AUTH_METHODS: the methods accepted together.
void set_methods(Config& c, const std::string& key, const std::vector<std::string>& names) {
  if (names.empty()) fail(key, "expected at least one of oauth, api_key, header (no auth: auth.mode none)");
  c.auth.methods.clear();
  for (auto& n : names) {
    auto m = method(key, n, false);
    if (std::find(c.auth.methods.begin(), c.auth.methods.end(), m) == c.auth.methods.end()) c.auth.methods.push_back(m);
  }
}

const char* method_name(mcp::auth::Mode m) {
  const char* names[] = {"none", "api_key", "header", "oauth"};
  return names[static_cast<int>(m)];
}

void set_state_key(Config& c, const std::string& key, const std::string& b64) {
  auto raw = mcp::base64_decode(b64);
  if (!raw || raw->size() != 32) fail(key, "expected the base64 encoding of 32 random bytes");
  c.http.request_state_key = *raw;
}

unsigned long long parse_uint(const std::string& key, const std::string& v, unsigned long long max) {
  try {
    size_t pos = 0;
    auto n = std::stoull(v, &pos);
    if (pos != v.size() || n > max) throw std::out_of_range(v);
    return n;
  } catch (const std::exception&) {
    fail(key, "expected an integer up to " + std::to_string(max) + ", got '" + v + "'");
  }
}

void check_log_level(const std::string& key, const std::string& v) {
  static const std::set<std::string> ok = {"trace", "debug", "info", "warn", "error", "off"};
  if (!ok.count(v)) fail(key, "expected one of trace, debug, info, warn, error, off");
}

}  // namespace

// The `openapi:`, `gateway:` and `vault:` sections (openapi_config.cpp).
void apply_openapi_yaml(Config& c, const YAML::Node& root);
// The `connections:` section (connections_config.cpp).
void apply_connections_yaml(Config& c, const YAML::Node& root);
// server.tls, server.trusted_proxies and their variables (tls_config.cpp).
void read_server_tls(Config& c, const YAML::Node& server);
void apply_tls_env(Config& c, const std::map<std::string, std::string>& env);
void tls_to_yaml(const Config& c, YAML::Emitter& out);

void apply_yaml(Config& c, const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(std::string("config: not valid YAML: ") + e.what());
  }
  if (root.IsNull()) return;
  check_keys(root, "", {"server", "limits", "sessions", "sse", "log", "tools", "protocol", "cache", "auth", "store",
                         "openapi", "gateway", "vault", "connections", "admin", "cluster"});
  apply_openapi_yaml(c, root);
  apply_connections_yaml(c, root);
  if (auto k = root["cluster"]) {
    check_keys(k, "cluster", {"redis_url", "replica_id"});
    if (k["redis_url"]) c.redis_url = scalar<std::string>(k["redis_url"], "cluster.redis_url");
    if (k["replica_id"]) c.replica_id = scalar<std::string>(k["replica_id"], "cluster.replica_id");
  }
  if (auto s = root["store"]) {
    check_keys(s, "store", {"path"});
    if (s["path"]) c.store_path = scalar<std::string>(s["path"], "store.path");
  }
  if (auto a = root["auth"]) {
    check_keys(a, "auth", {"mode", "methods", "api_key_header", "identity_header", "team_header", "roles_header",
                           "proxy_secret_header", "resource", "authorization_servers", "scopes_supported",
                           "permissions", "oauth"});
    if (a["mode"] && a["methods"]) fail("auth.methods", "give auth.methods or auth.mode, not both");
    if (a["mode"]) set_mode(c, "auth.mode", scalar<std::string>(a["mode"], "auth.mode"));
    if (a["methods"]) set_methods(c, "auth.methods", string_list(a["methods"], "auth.methods"));
    auto str = [&](const char* k, std::string& out) {
      if (a[k]) out = scalar<std::string>(a[k], std::string("auth.") + k);
    };
    str("api_key_header", c.auth.api_key_header);
    str("identity_header", c.auth.identity_header);
    str("team_header", c.auth.team_header);
    str("roles_header", c.auth.roles_header);
    str("proxy_secret_header", c.auth.proxy_secret_header);
    str("resource", c.auth.resource);
    for (auto* h : {&c.auth.api_key_header, &c.auth.identity_header, &c.auth.team_header, &c.auth.roles_header,
                    &c.auth.proxy_secret_header})
      for (auto& ch : *h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (a["authorization_servers"]) c.auth.authorization_servers = string_list(a["authorization_servers"], "auth.authorization_servers");
    if (a["scopes_supported"]) c.auth.scopes_supported = string_list(a["scopes_supported"], "auth.scopes_supported");
    if (auto o = a["oauth"]) {
      check_keys(o, "auth.oauth", {"issuer", "scopes", "default_scopes", "access_token_ttl_s", "refresh_token_ttl_s",
                                   "code_ttl_s", "key_rotation_days", "key_file", "dynamic_registration",
                                   "external", "client_metadata", "registrations_per_minute", "registration_burst",
                                   "abandoned_client_hours"});
      if (auto x = o["external"]) read_external_auth(c, x);
      if (auto m = o["client_metadata"]) read_client_metadata(c, m);
      auto& z = c.oauth;
      if (o["issuer"]) z.issuer = scalar<std::string>(o["issuer"], "auth.oauth.issuer");
      if (o["scopes"]) z.scopes_supported = string_list(o["scopes"], "auth.oauth.scopes");
      if (o["default_scopes"]) z.default_scopes = string_list(o["default_scopes"], "auth.oauth.default_scopes");
      auto secs = [&](const char* k, std::chrono::seconds& out, unsigned long long max) {
        if (o[k]) out = std::chrono::seconds(parse_uint(std::string("auth.oauth.") + k, o[k].Scalar(), max));
      };
      secs("access_token_ttl_s", z.access_token_ttl, 86400);
      secs("refresh_token_ttl_s", z.refresh_token_ttl, 365 * 86400);
      secs("code_ttl_s", z.code_ttl, 600);
      if (o["key_rotation_days"])
        z.key_rotation = std::chrono::seconds(86400 * parse_uint("auth.oauth.key_rotation_days", o["key_rotation_days"].Scalar(), 3650));
      if (z.key_rotation.count() == 0) fail("auth.oauth.key_rotation_days", "must be at least 1");
      if (o["key_file"]) c.oauth_key_file = scalar<std::string>(o["key_file"], "auth.oauth.key_file");
      if (o["dynamic_registration"]) z.dynamic_registration = scalar<bool>(o["dynamic_registration"], "auth.oauth.dynamic_registration");
      // Dynamic registration guards (per client IP; abandoned registrations swept hourly).
      if (o["registrations_per_minute"])
        z.registrations_per_minute = static_cast<double>(parse_uint("auth.oauth.registrations_per_minute", o["registrations_per_minute"].Scalar(), 100000));
      if (o["registration_burst"])
        z.registration_burst = static_cast<double>(parse_uint("auth.oauth.registration_burst", o["registration_burst"].Scalar(), 100000));
      if (o["abandoned_client_hours"])
        z.abandoned_client_ttl = std::chrono::seconds(3600 * parse_uint("auth.oauth.abandoned_client_hours", o["abandoned_client_hours"].Scalar(), 24 * 365));
    }
    if (auto perms = a["permissions"]) {
      if (!perms.IsSequence()) fail("auth.permissions", "expected a list");
      c.auth.permissions.clear();
      for (size_t i = 0; i < perms.size(); ++i) {
        std::string where = "auth.permissions[" + std::to_string(i) + "]";
        check_keys(perms[i], where, {"scopes", "roles", "tools"});
        mcp::auth::Permission p;
        if (perms[i]["scopes"]) p.scopes = string_list(perms[i]["scopes"], where + ".scopes");
        if (perms[i]["roles"]) p.roles = string_list(perms[i]["roles"], where + ".roles");
        if (!perms[i]["tools"]) fail(where + ".tools", "required");
        p.tools = string_list(perms[i]["tools"], where + ".tools");
        c.auth.permissions.push_back(std::move(p));
      }
    }
  }
  auto& h = c.http;
  if (auto s = root["server"]) {
    check_keys(s, "server", {"host", "port", "path", "threads", "allowed_hosts", "allowed_origins", "public_url",
                             "tls", "trusted_proxies", "drain_s"});
    read_server_tls(c, s);
    if (s["public_url"]) c.public_url = scalar<std::string>(s["public_url"], "server.public_url");
    if (s["host"]) h.host = scalar<std::string>(s["host"], "server.host");
    if (s["port"]) h.port = static_cast<std::uint16_t>(parse_uint("server.port", s["port"].Scalar(), 65535));
    if (s["path"]) {
      h.path = scalar<std::string>(s["path"], "server.path");
      if (h.path.empty() || h.path[0] != '/') fail("server.path", "must start with '/'");
    }
    if (s["threads"]) h.threads = static_cast<unsigned>(parse_uint("server.threads", s["threads"].Scalar(), 256));
    if (s["allowed_hosts"]) h.allowed_hosts = string_list(s["allowed_hosts"], "server.allowed_hosts");
    if (s["allowed_origins"]) h.allowed_origins = string_list(s["allowed_origins"], "server.allowed_origins");
  }
  if (auto l = root["limits"]) {
    check_keys(l, "limits", {"max_body_bytes", "max_header_bytes", "read_timeout_s", "keepalive_timeout_s",
                             "client_request_timeout_s", "max_batch", "tool_call_timeout_s"});
    if (l["max_body_bytes"]) h.max_body_bytes = parse_uint("limits.max_body_bytes", l["max_body_bytes"].Scalar(), 1ull << 32);
    if (l["max_batch"]) h.max_batch = parse_uint("limits.max_batch", l["max_batch"].Scalar(), 1'000'000);
    if (l["max_header_bytes"])
      h.max_header_bytes = parse_uint("limits.max_header_bytes", l["max_header_bytes"].Scalar(), 1 << 20);
    if (l["read_timeout_s"])
      h.read_timeout = std::chrono::seconds(parse_uint("limits.read_timeout_s", l["read_timeout_s"].Scalar(), 86400));
    if (l["keepalive_timeout_s"])
      h.keepalive_timeout =
          std::chrono::seconds(parse_uint("limits.keepalive_timeout_s", l["keepalive_timeout_s"].Scalar(), 86400));
    if (l["client_request_timeout_s"])
      h.client_request_timeout = std::chrono::seconds(
          parse_uint("limits.client_request_timeout_s", l["client_request_timeout_s"].Scalar(), 86400));
    if (l["tool_call_timeout_s"])
      c.server.tool_call_timeout = std::chrono::seconds(
          parse_uint("limits.tool_call_timeout_s", l["tool_call_timeout_s"].Scalar(), 86400));
  }
  if (auto s = root["sessions"]) {
    check_keys(s, "sessions", {"max", "idle_timeout_s", "events_per_session", "max_per_principal",
                               "replay_bytes_per_session", "replay_bytes_total"});
    if (s["max_per_principal"])
      h.max_sessions_per_principal =
          parse_uint("sessions.max_per_principal", s["max_per_principal"].Scalar(), 10'000'000);
    if (s["replay_bytes_per_session"])
      h.replay_bytes_per_session =
          parse_uint("sessions.replay_bytes_per_session", s["replay_bytes_per_session"].Scalar(), 1ull << 40);
    if (s["replay_bytes_total"])
      h.replay_bytes_total = parse_uint("sessions.replay_bytes_total", s["replay_bytes_total"].Scalar(), 1ull << 40);
    if (s["max"]) h.max_sessions = parse_uint("sessions.max", s["max"].Scalar(), 10'000'000);
    if (s["idle_timeout_s"])
      h.session_idle_timeout = std::chrono::seconds(parse_uint("sessions.idle_timeout_s", s["idle_timeout_s"].Scalar(), 30 * 86400));
    if (s["events_per_session"])
      h.events_per_session = parse_uint("sessions.events_per_session", s["events_per_session"].Scalar(), 1'000'000);
  }
  if (auto s = root["sse"]) {
    check_keys(s, "sse", {"keepalive_s", "retry_ms", "always"});
    if (s["keepalive_s"]) h.sse_keepalive = std::chrono::seconds(parse_uint("sse.keepalive_s", s["keepalive_s"].Scalar(), 3600));
    if (s["retry_ms"]) h.sse_retry_ms = static_cast<int>(parse_uint("sse.retry_ms", s["retry_ms"].Scalar(), 3'600'000));
    if (s["always"]) h.always_sse = scalar<bool>(s["always"], "sse.always");
  }
  if (auto s = root["log"]) {
    check_keys(s, "log", {"level", "format"});
    if (s["level"]) {
      c.log_level = scalar<std::string>(s["level"], "log.level");
      check_log_level("log.level", c.log_level);
    }
    if (s["format"]) {
      c.log_format = scalar<std::string>(s["format"], "log.format");
      if (c.log_format != "text" && c.log_format != "json") fail("log.format", "expected text or json");
    }
  }
  if (auto p = root["protocol"]) {
    check_keys(p, "protocol", {"legacy_sessions", "request_state_key", "request_state_ttl_s"});
    if (p["legacy_sessions"]) h.legacy_sessions = scalar<bool>(p["legacy_sessions"], "protocol.legacy_sessions");
    if (p["request_state_key"]) set_state_key(c, "protocol.request_state_key", scalar<std::string>(p["request_state_key"], "protocol.request_state_key"));
    if (p["request_state_ttl_s"])
      h.request_state_ttl =
          std::chrono::seconds(parse_uint("protocol.request_state_ttl_s", p["request_state_ttl_s"].Scalar(), 86400));
  }
  if (auto k = root["cache"]) {
    check_keys(k, "cache", {"list_ttl_ms", "list_scope", "read_ttl_ms", "read_scope"});
    auto scope = [&](const char* key) {
      auto v = scalar<std::string>(k[key], std::string("cache.") + key);
      if (v != "public" && v != "private") fail(std::string("cache.") + key, "expected public or private");
      return v;
    };
    if (k["list_ttl_ms"]) c.server.list_ttl_ms = static_cast<std::int64_t>(parse_uint("cache.list_ttl_ms", k["list_ttl_ms"].Scalar(), 1ull << 40));
    if (k["read_ttl_ms"]) c.server.read_ttl_ms = static_cast<std::int64_t>(parse_uint("cache.read_ttl_ms", k["read_ttl_ms"].Scalar(), 1ull << 40));
    if (k["list_scope"]) c.server.list_cache_scope = scope("list_scope");
    if (k["read_scope"]) c.server.read_cache_scope = scope("read_scope");
  }
  if (auto t = root["tools"]) {
    check_keys(t, "tools", {"builtin"});
    if (t["builtin"]) c.builtin_tools = scalar<bool>(t["builtin"], "tools.builtin");
  }
}

void apply_yaml_file(Config& c, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("config: cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  apply_yaml(c, ss.str());
}

Config load(std::string path, const std::map<std::string, std::string>& env) {
  Config c;
  if (path.empty())
    if (auto it = env.find("MCPBRIDGE_CONFIG"); it != env.end()) path = it->second;
  if (!path.empty()) apply_yaml_file(c, path);
  apply_env(c, env);
  return c;
}

void apply_env(Config& c, const std::map<std::string, std::string>& env) {
  auto get = [&](const char* k) -> const std::string* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : &it->second;
  };
  auto& h = c.http;
  if (auto v = get("MCPBRIDGE_HOST")) h.host = *v;
  if (auto v = get("MCPBRIDGE_PORT")) h.port = static_cast<std::uint16_t>(parse_uint("MCPBRIDGE_PORT", *v, 65535));
  if (auto v = get("MCPBRIDGE_PATH")) h.path = *v;
  if (auto v = get("MCPBRIDGE_THREADS")) h.threads = static_cast<unsigned>(parse_uint("MCPBRIDGE_THREADS", *v, 256));
  if (auto v = get("MCPBRIDGE_ALLOWED_HOSTS")) h.allowed_hosts = split_csv(*v);
  apply_tls_env(c, env);
  if (auto v = get("MCPBRIDGE_ALLOWED_ORIGINS")) h.allowed_origins = split_csv(*v);
  if (auto v = get("MCPBRIDGE_MAX_SESSIONS")) h.max_sessions = parse_uint("MCPBRIDGE_MAX_SESSIONS", *v, 10'000'000);
  if (auto v = get("MCPBRIDGE_MAX_SESSIONS_PER_PRINCIPAL"))
    h.max_sessions_per_principal = parse_uint("MCPBRIDGE_MAX_SESSIONS_PER_PRINCIPAL", *v, 10'000'000);
  if (auto v = get("MCPBRIDGE_REPLAY_BYTES_PER_SESSION"))
    h.replay_bytes_per_session = parse_uint("MCPBRIDGE_REPLAY_BYTES_PER_SESSION", *v, 1ull << 40);
  if (auto v = get("MCPBRIDGE_REPLAY_BYTES_TOTAL"))
    h.replay_bytes_total = parse_uint("MCPBRIDGE_REPLAY_BYTES_TOTAL", *v, 1ull << 40);
  if (auto v = get("MCPBRIDGE_MAX_BATCH")) h.max_batch = parse_uint("MCPBRIDGE_MAX_BATCH", *v, 1'000'000);
  if (auto v = get("MCPBRIDGE_LOG_LEVEL")) {
    check_log_level("MCPBRIDGE_LOG_LEVEL", *v);
    c.log_level = *v;
  }
  if (auto v = get("MCPBRIDGE_STORE")) c.store_path = *v;
  if (auto v = get("MCPBRIDGE_REDIS_URL")) c.redis_url = *v;
  if (auto v = get("MCPBRIDGE_REPLICA_ID")) c.replica_id = *v;
  if (get("MCPBRIDGE_AUTH_MODE") && get("MCPBRIDGE_AUTH_METHODS"))
    fail("MCPBRIDGE_AUTH_METHODS", "give MCPBRIDGE_AUTH_METHODS or MCPBRIDGE_AUTH_MODE, not both");
  if (auto v = get("MCPBRIDGE_AUTH_MODE")) set_mode(c, "MCPBRIDGE_AUTH_MODE", *v);
  if (auto v = get("MCPBRIDGE_AUTH_METHODS")) set_methods(c, "MCPBRIDGE_AUTH_METHODS", split_csv(*v));
  if (auto v = get("MCPBRIDGE_PROXY_SECRET")) c.auth.proxy_secret = *v;
  if (auto v = get("MCPBRIDGE_VAULT_KEY")) c.vault_key = *v;
  if (auto v = get("MCPBRIDGE_PUBLIC_URL")) c.public_url = *v;
  if (auto v = get("MCPBRIDGE_OAUTH_ISSUER")) c.oauth.issuer = *v;
  if (auto v = get("MCPBRIDGE_OAUTH_KEY")) {
    auto raw = mcp::base64_decode(*v);
    if (!raw || raw->size() != 32) fail("MCPBRIDGE_OAUTH_KEY", "expected the base64 encoding of 32 random bytes");
    c.oauth.key_encryption_key = *raw;
  }
  if (auto v = get("MCPBRIDGE_REQUEST_STATE_KEY")) set_state_key(c, "MCPBRIDGE_REQUEST_STATE_KEY", *v);
  if (auto v = get("MCPBRIDGE_LOG_FORMAT")) {
    if (*v != "text" && *v != "json") fail("MCPBRIDGE_LOG_FORMAT", "expected text or json");
    c.log_format = *v;
  }
}

std::vector<mcp::auth::Mode> auth_methods(const Config& c) {
  using mcp::auth::Mode;
  if (!c.auth.methods.empty()) return c.auth.methods;
  if (c.auth.mode == Mode::none) return {};
  // OAuth for people in their MCP hosts, API keys for scripts: both, as hosted MCP servers take them.
  if (c.auth.mode == Mode::oauth) return {Mode::oauth, Mode::api_key};
  return {c.auth.mode};
}

std::string redact_url_password(const std::string& url) { return mcp::store::redact_uri(url); }

void resolve_oauth(Config& c, std::uint16_t bound_port) {
  if (!c.external.issuer.empty()) {
    resolve_external(c);
    return;
  }
  auto& z = c.oauth;
  if (z.issuer.empty()) {
    // Only a loopback listener has an address worth defaulting to; elsewhere the public URL
    // (behind TLS) must be named.
    if (c.http.host != "127.0.0.1" && c.http.host != "localhost" && c.http.host != "::1")
      fail("auth.oauth.issuer", "required when serving on " + c.http.host + " (the public https URL; or --auth none)");
    if (bound_port == 0) fail("auth.oauth.issuer", "required with an ephemeral port (or give --port, or --auth none)");
    z.issuer = (c.http.tls.enabled() ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(bound_port);
  }
  while (!z.issuer.empty() && z.issuer.back() == '/') z.issuer.pop_back();
  if (c.auth.resource.empty()) c.auth.resource = z.issuer + c.http.path;
  z.resource = c.auth.resource;
  if (c.auth.authorization_servers.empty()) c.auth.authorization_servers = {z.issuer};
  if (c.auth.scopes_supported.empty()) c.auth.scopes_supported = z.scopes_supported;
  if (!z.key_encryption_key.empty()) return;
  // A shared store has no file to keep the key beside, and every replica must use the same key.
  if (c.oauth_key_file.empty() && mcp::store::is_postgres_uri(c.store_path))
    fail("auth.oauth.key_file",
         "a postgresql:// store is shared by every replica, so the signing keys' encryption key cannot be made "
         "next to it: set MCPBRIDGE_OAUTH_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or "
         "auth.oauth.key_file, the same on every replica");
  auto path = c.oauth_key_file.empty() ? c.store_path + ".oauth-key" : c.oauth_key_file;
  std::ifstream in(path);
  if (in) {
    std::string b64;
    std::getline(in, b64);
    auto raw = mcp::base64_decode(b64);
    if (!raw || raw->size() != 32) fail("auth.oauth.key_file", path + " does not hold the base64 of 32 bytes");
    z.key_encryption_key = *raw;
    return;
  }
  auto key = mcp::random_token(32);  // 32 random bytes, base64url: decode to get them back
  auto raw = mcp::base64_decode(key);
  auto old = ::umask(077);
  std::ofstream out(path);
  ::umask(old);
  if (!out) fail("auth.oauth.key_file", "cannot create " + path);
  out << key << "\n";
  z.key_encryption_key = *raw;
}

std::map<std::string, std::string> process_env() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("MCPBRIDGE_", 0) != 0) continue;
    auto eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

std::string to_yaml(const Config& c) {
  const auto& h = c.http;
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "host" << YAML::Value << h.host << YAML::Key << "port" << YAML::Value << h.port;
  out << YAML::Key << "path" << YAML::Value << h.path << YAML::Key << "threads" << YAML::Value << h.threads;
  out << YAML::Key << "allowed_hosts" << YAML::Value << YAML::Flow << h.allowed_hosts;
  out << YAML::Key << "allowed_origins" << YAML::Value << YAML::Flow << h.allowed_origins;
  if (!c.public_url.empty()) out << YAML::Key << "public_url" << YAML::Value << c.public_url;
  tls_to_yaml(c, out);
  out << YAML::EndMap;
  out << YAML::Key << "limits" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_body_bytes" << YAML::Value << h.max_body_bytes;
  out << YAML::Key << "max_header_bytes" << YAML::Value << h.max_header_bytes;
  out << YAML::Key << "max_batch" << YAML::Value << h.max_batch;
  out << YAML::Key << "read_timeout_s" << YAML::Value << h.read_timeout.count();
  out << YAML::Key << "keepalive_timeout_s" << YAML::Value << h.keepalive_timeout.count();
  out << YAML::Key << "client_request_timeout_s" << YAML::Value
      << std::chrono::duration_cast<std::chrono::seconds>(h.client_request_timeout).count();
  out << YAML::Key << "tool_call_timeout_s" << YAML::Value
      << std::chrono::duration_cast<std::chrono::seconds>(c.server.tool_call_timeout).count()
      << YAML::Comment("0: none; else each tool call's deadline");
  out << YAML::EndMap;
  out << YAML::Key << "sessions" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max" << YAML::Value << h.max_sessions;
  out << YAML::Key << "idle_timeout_s" << YAML::Value << h.session_idle_timeout.count();
  out << YAML::Key << "events_per_session" << YAML::Value << h.events_per_session;
  out << YAML::Key << "max_per_principal" << YAML::Value << h.max_sessions_per_principal
      << YAML::Comment("0: max(1, max / 10)");
  out << YAML::Key << "replay_bytes_per_session" << YAML::Value << h.replay_bytes_per_session;
  out << YAML::Key << "replay_bytes_total" << YAML::Value << h.replay_bytes_total;
  out << YAML::EndMap;
  out << YAML::Key << "sse" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "keepalive_s" << YAML::Value << h.sse_keepalive.count();
  out << YAML::Key << "retry_ms" << YAML::Value << h.sse_retry_ms;
  out << YAML::Key << "always" << YAML::Value << h.always_sse;
  out << YAML::EndMap;
  out << YAML::Key << "log" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "level" << YAML::Value << c.log_level << YAML::Key << "format" << YAML::Value << c.log_format;
  out << YAML::EndMap;
  out << YAML::Key << "protocol" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "legacy_sessions" << YAML::Value << h.legacy_sessions;
  out << YAML::Key << "request_state_ttl_s" << YAML::Value << h.request_state_ttl.count();
  out << YAML::EndMap;  // the key is a secret: never printed
  out << YAML::Key << "cache" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "list_ttl_ms" << YAML::Value << c.server.list_ttl_ms;
  out << YAML::Key << "list_scope" << YAML::Value << c.server.list_cache_scope;
  out << YAML::Key << "read_ttl_ms" << YAML::Value << c.server.read_ttl_ms;
  out << YAML::Key << "read_scope" << YAML::Value << c.server.read_cache_scope;
  out << YAML::EndMap;
  out << YAML::Key << "store" << YAML::Value << YAML::BeginMap << YAML::Key << "path" << YAML::Value
      << mcp::store::redact_uri(c.store_path) << YAML::EndMap;  // a URI's password is never printed
  if (!c.redis_url.empty() || !c.replica_id.empty()) {
    out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
    if (!c.redis_url.empty()) out << YAML::Key << "redis_url" << YAML::Value << redact_url_password(c.redis_url);
    if (!c.replica_id.empty()) out << YAML::Key << "replica_id" << YAML::Value << c.replica_id;
    out << YAML::EndMap;
  }
  out << YAML::Key << "auth" << YAML::Value << YAML::BeginMap;
  if (auto methods = auth_methods(c); methods.empty()) {
    out << YAML::Key << "mode" << YAML::Value << "none";
  } else {
    out << YAML::Key << "methods" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (auto m : methods) out << method_name(m);
    out << YAML::EndSeq;
  }
  if (!c.auth.api_key_header.empty()) out << YAML::Key << "api_key_header" << YAML::Value << c.auth.api_key_header;
  out << YAML::Key << "identity_header" << YAML::Value << c.auth.identity_header;
  out << YAML::Key << "team_header" << YAML::Value << c.auth.team_header;
  out << YAML::Key << "roles_header" << YAML::Value << c.auth.roles_header;
  out << YAML::Key << "proxy_secret_header" << YAML::Value << c.auth.proxy_secret_header;
  if (!c.auth.resource.empty()) out << YAML::Key << "resource" << YAML::Value << c.auth.resource;
  out << YAML::Key << "authorization_servers" << YAML::Value << YAML::Flow << c.auth.authorization_servers;
  out << YAML::Key << "scopes_supported" << YAML::Value << YAML::Flow << c.auth.scopes_supported;
  out << YAML::Key << "permissions" << YAML::Value << YAML::BeginSeq;
  for (auto& p : c.auth.permissions) {
    out << YAML::BeginMap << YAML::Key << "scopes" << YAML::Value << YAML::Flow << p.scopes;
    out << YAML::Key << "roles" << YAML::Value << YAML::Flow << p.roles;
    out << YAML::Key << "tools" << YAML::Value << YAML::Flow << p.tools << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "oauth" << YAML::Value << YAML::BeginMap;
  if (!c.oauth.issuer.empty()) out << YAML::Key << "issuer" << YAML::Value << c.oauth.issuer;
  out << YAML::Key << "scopes" << YAML::Value << YAML::Flow << c.oauth.scopes_supported;
  out << YAML::Key << "default_scopes" << YAML::Value << YAML::Flow << c.oauth.default_scopes;
  out << YAML::Key << "access_token_ttl_s" << YAML::Value << c.oauth.access_token_ttl.count();
  out << YAML::Key << "refresh_token_ttl_s" << YAML::Value << c.oauth.refresh_token_ttl.count();
  out << YAML::Key << "code_ttl_s" << YAML::Value << c.oauth.code_ttl.count();
  out << YAML::Key << "key_rotation_days" << YAML::Value << c.oauth.key_rotation.count() / 86400;
  if (!c.oauth_key_file.empty()) out << YAML::Key << "key_file" << YAML::Value << c.oauth_key_file;
  out << YAML::Key << "dynamic_registration" << YAML::Value << c.oauth.dynamic_registration;
  out << YAML::Key << "registrations_per_minute" << YAML::Value << c.oauth.registrations_per_minute;
  out << YAML::Key << "registration_burst" << YAML::Value << c.oauth.registration_burst;
  out << YAML::Key << "abandoned_client_hours" << YAML::Value << c.oauth.abandoned_client_ttl.count() / 3600;
  if (c.client_metadata_allow_private || !c.client_metadata_ca_file.empty()) {
    out << YAML::Key << "client_metadata" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "allow_private" << YAML::Value << c.client_metadata_allow_private;
    if (!c.client_metadata_ca_file.empty()) out << YAML::Key << "ca_file" << YAML::Value << c.client_metadata_ca_file;
    out << YAML::EndMap;
  }
  if (!c.external.issuer.empty()) {
    out << YAML::Key << "external" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "issuer" << YAML::Value << c.external.issuer;
    if (!c.external.audience.empty()) out << YAML::Key << "audience" << YAML::Value << c.external.audience;
    if (!c.external_jwks_file.empty()) out << YAML::Key << "jwks_file" << YAML::Value << c.external_jwks_file;
    if (!c.external.jwks_uri.empty()) out << YAML::Key << "jwks_uri" << YAML::Value << c.external.jwks_uri;
    if (!c.introspection.endpoint.empty())
      out << YAML::Key << "introspection" << YAML::Value << YAML::BeginMap << YAML::Key << "endpoint" << YAML::Value
          << c.introspection.endpoint << YAML::EndMap;  // its secret is not printed
    if (c.external_allow_private) out << YAML::Key << "allow_private_issuer" << YAML::Value << true;
    out << YAML::Key << "algorithms" << YAML::Value << YAML::Flow << c.external.algorithms;
    out << YAML::Key << "clock_skew_s" << YAML::Value << c.external.clock_skew.count();
    out << YAML::EndMap;
  }
  out << YAML::EndMap;  // the key encryption key is a secret: never printed
  out << YAML::EndMap;  // the proxy secret is not printed
  out << YAML::Key << "tools" << YAML::Value << YAML::BeginMap << YAML::Key << "builtin" << YAML::Value
      << serves_builtin_tools(c) << YAML::EndMap;
  if (!c.openapi.empty()) {
    out << YAML::Key << "openapi" << YAML::Value << YAML::BeginSeq;
    for (auto& o : c.openapi) {  // secrets are named (env, file), never printed
      out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << o.upstream.name;
      out << YAML::Key << "spec" << YAML::Value << o.spec;
      if (!o.prefix.empty()) out << YAML::Key << "prefix" << YAML::Value << o.prefix;
      out << YAML::Key << "catalogue" << YAML::Value << o.catalogue;
      if (!o.upstream.base_url.empty()) out << YAML::Key << "base_url" << YAML::Value << o.upstream.base_url;
      if (!o.secret_env.empty()) out << YAML::Key << "secret_env" << YAML::Value << o.secret_env;
      if (!o.secret_file.empty()) out << YAML::Key << "secret_file" << YAML::Value << o.secret_file;
      out << YAML::Key << "timeout_ms" << YAML::Value << o.upstream.timeout.count();
      out << YAML::Key << "retries" << YAML::Value << o.upstream.max_attempts - 1;
      if (!o.upstream.credential.audience.empty())
        out << YAML::Key << "passthrough_audience" << YAML::Value << o.upstream.credential.audience;
      out << YAML::Key << "watch_interval_ms" << YAML::Value << o.watch_interval.count();
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!c.connections.empty()) {
    out << YAML::Key << "connections" << YAML::Value << YAML::BeginSeq;
    for (auto& cc : c.connections) {  // shared secrets are named (env, file), never printed
      auto& o = cc.options;
      const char* auth = o.auth == mcp::upstream::AuthMethod::api_key   ? "api_key"
                         : o.auth == mcp::upstream::AuthMethod::headers ? "headers"
                         : o.auth == mcp::upstream::AuthMethod::oauth   ? "oauth"
                                                                        : "none";
      out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << o.name;
      out << YAML::Key << "url" << YAML::Value << o.url << YAML::Key << "auth" << YAML::Value << auth;
      out << YAML::Key << "per_user" << YAML::Value << o.per_user;
      if (!cc.secret_env.empty()) out << YAML::Key << "env" << YAML::Value << cc.secret_env;
      if (!cc.secret_file.empty()) out << YAML::Key << "file" << YAML::Value << cc.secret_file;
      out << YAML::Key << "allow" << YAML::Value << YAML::Flow << o.allow;
      out << YAML::Key << "deny" << YAML::Value << YAML::Flow << o.deny;
      out << YAML::Key << "protocol_version" << YAML::Value << o.protocol_version;
      out << YAML::Key << "allow_private" << YAML::Value << cc.allow_private << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace mcp::config
