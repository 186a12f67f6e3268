// The `connections:` section: other MCP servers whose tools the gateway serves.
//
// connections:
//   - name: crm                        # tool prefix (crm__<tool>) and the vault entries' upstream
//     url: https://crm.internal/mcp
//     auth: none | api_key | headers | oauth
//     client_id_env: CRM_CLIENT_ID | client_id_file: ...      # oauth: a pre-registered client
//     client_secret_env: CRM_CLIENT_SECRET | client_secret_file: ...
//     scopes: [contacts.read]          # oauth: else the upstream's challenge or scopes_supported
//     api_key_header: X-Api-Key        # api_key: else "Authorization: Bearer <key>"
//     per_user: true                   # each user's own credential (mcpbridge connections login)
//     env: CRM_KEY | file: /run/secrets/crm   # else one shared credential (per_user: false)
//     separator: "__"
//     allow: ["contacts_*"]            # tool-name globs
//     deny: ["*_delete"]
//     protocol_version: 2025-11-25     # or 2026-07-28
//     timeout_ms: 60000                # 100 to 600000
//     refresh_s: 300                   # how often the tool list is fetched again (10 to 86400)
//     allow_private: false             # an internal (RFC 1918 / loopback) address must be allowed explicitly
//     limits: {per_principal: {per_second: 5, burst: 10}, per_tool: {...}, per_upstream: {...}, cache_ttl_s: 0}
//
// admin:                               # the admin API (docs/admin.md)
//   role: admin                        # who may add and remove connections at run time
//   scope: admin                       # what an OAuth token needs to use the admin API at all
//   private_hosts: [crm.internal]      # hosts run-time connections may reach on private addresses
//   poll_s: 5                          # how soon `mcpbridge connections add|remove` reach a running server
#include <mcp/config/config.hpp>
#include "yaml_read.hpp"

#include <mcp/core/encoding.hpp>
#include <mcp/sources/vault.hpp>
#include <mcp/store/store.hpp>
#include <yaml-cpp/yaml.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace mcp::config {
namespace {

ConnectionConfig connection(const YAML::Node& n, const std::string& key) {
  check_keys(n, key, {"name", "url", "auth", "limits", "api_key_header", "per_user", "env", "file", "separator", "allow",
                     "deny", "protocol_version", "timeout_ms", "refresh_s", "allow_private", "client_id_env",
                     "client_id_file", "client_secret_env", "client_secret_file", "scopes"});
  ConnectionConfig c;
  auto& o = c.options;
  if (!n["name"] || !n["url"]) fail(key, "name and url are required");
  o.name = scalar<std::string>(n["name"], key + ".name");
  o.url = scalar<std::string>(n["url"], key + ".url");
  std::string auth = n["auth"] ? scalar<std::string>(n["auth"], key + ".auth") : "none";
  if (auth == "none") o.auth = mcp::upstream::AuthMethod::none;
  else if (auth == "api_key") o.auth = mcp::upstream::AuthMethod::api_key;
  else if (auth == "headers") o.auth = mcp::upstream::AuthMethod::headers;
  else if (auth == "oauth") o.auth = mcp::upstream::AuthMethod::oauth;
  else fail(key + ".auth", "expected none, api_key, headers or oauth");
  auto opt_str = [&](const char* k, std::string& out) {
    if (n[k]) out = scalar<std::string>(n[k], key + "." + k);
  };
  opt_str("client_id_env", c.client_id_env);
  opt_str("client_id_file", c.client_id_file);
  opt_str("client_secret_env", c.client_secret_env);
  opt_str("client_secret_file", c.client_secret_file);
  if (n["scopes"]) {
    for (auto& sc : string_list(n["scopes"], key + ".scopes")) o.oauth_scope += (o.oauth_scope.empty() ? "" : " ") + sc;
  }
  bool client_keys = !c.client_id_env.empty() || !c.client_id_file.empty() || !c.client_secret_env.empty() ||
                     !c.client_secret_file.empty() || n["scopes"];
  if (client_keys && o.auth != mcp::upstream::AuthMethod::oauth) fail(key, "client_id/client_secret/scopes need auth: oauth");
  if ((!c.client_secret_env.empty() || !c.client_secret_file.empty()) && c.client_id_env.empty() && c.client_id_file.empty())
    fail(key, "a client secret needs its client id (client_id_env or client_id_file)");
  if (o.auth == mcp::upstream::AuthMethod::oauth && ((n["per_user"] && !scalar<bool>(n["per_user"], key + ".per_user")) || n["env"] || n["file"]))
    fail(key, "auth: oauth signs each user in (per_user); env/file do not apply");
  if (n["api_key_header"]) {
    o.api_key_header = scalar<std::string>(n["api_key_header"], key + ".api_key_header");
    for (auto& ch : o.api_key_header) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  if (n["per_user"]) o.per_user = scalar<bool>(n["per_user"], key + ".per_user");
  if (n["env"]) c.secret_env = scalar<std::string>(n["env"], key + ".env");
  if (n["file"]) c.secret_file = scalar<std::string>(n["file"], key + ".file");
  if (o.auth != mcp::upstream::AuthMethod::none && !o.per_user && c.secret_env.empty() && c.secret_file.empty())
    fail(key, "a shared credential (per_user: false) needs env or file");
  if (o.per_user && (!c.secret_env.empty() || !c.secret_file.empty())) fail(key, "per_user and env/file exclude each other");
  if (n["separator"]) o.separator = scalar<std::string>(n["separator"], key + ".separator");
  if (n["allow"]) o.allow = string_list(n["allow"], key + ".allow");
  if (n["deny"]) o.deny = string_list(n["deny"], key + ".deny");
  if (n["protocol_version"]) o.protocol_version = scalar<std::string>(n["protocol_version"], key + ".protocol_version");
  if (n["timeout_ms"]) o.timeout = std::chrono::milliseconds(scalar<std::int64_t>(n["timeout_ms"], key + ".timeout_ms"));
  if (n["refresh_s"]) o.refresh_interval = std::chrono::seconds(scalar<std::int64_t>(n["refresh_s"], key + ".refresh_s"));
  if (n["allow_private"]) c.allow_private = scalar<bool>(n["allow_private"], key + ".allow_private");
  if (n["limits"]) c.limits = yaml_read::limits(n["limits"], key + ".limits");
  // Bounded like everything a connection is made of (mcp::upstream::bounds), so that what is
  // accepted here can be listed, called and removed later.
  if (auto why = mcp::upstream::check_options(o); !why.empty()) fail(key, why);
  for (auto* name : {&c.secret_env, &c.secret_file, &c.client_id_env, &c.client_id_file, &c.client_secret_env, &c.client_secret_file})
    if (!name->empty() && !mcp::upstream::plain_text(*name, mcp::upstream::bounds::kText))
      fail(key, "env and file names: expected at most " + std::to_string(mcp::upstream::bounds::kText) +
                    " visible ASCII characters");
  return c;
}

}  // namespace

ConnectionConfig connection_from_yaml(const std::string& text, const std::string& key) {
  YAML::Node n;
  try {
    n = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(key, std::string("not valid YAML or JSON: ") + e.what());
  }
  if (!n.IsMap()) fail(key, "expected an object");
  return connection(n, key);
}

void apply_connections_yaml(Config& c, const YAML::Node& root) {
  if (auto a = root["admin"]) {
    check_keys(a, "admin", {"role", "scope", "private_hosts", "poll_s"});
    if (a["role"]) c.admin.role = scalar<std::string>(a["role"], "admin.role");
    if (a["scope"]) c.admin.scope = scalar<std::string>(a["scope"], "admin.scope");
    if (a["private_hosts"]) c.admin.private_hosts = string_list(a["private_hosts"], "admin.private_hosts");
    if (a["poll_s"]) {
      auto s = scalar<std::int64_t>(a["poll_s"], "admin.poll_s");
      if (s < 1 || s > 3600) fail("admin.poll_s", "expected 1 to 3600 seconds");
      c.admin.poll = std::chrono::seconds(s);
    }
  }
  auto n = root["connections"];
  if (!n) return;
  if (!n.IsSequence()) fail("connections", "expected a list");
  c.connections.clear();
  std::set<std::string> names;
  for (std::size_t i = 0; i < n.size(); ++i) {
    auto conn = connection(n[i], "connections[" + std::to_string(i) + "]");
    if (!names.insert(conn.options.name).second) fail("connections[" + std::to_string(i) + "].name", "duplicate name " + conn.options.name);
    for (auto& o : c.openapi)
      if (o.upstream.name == conn.options.name) fail("connections[" + std::to_string(i) + "].name", "also an openapi source's name");
    c.connections.push_back(std::move(conn));
  }
}

namespace {
std::string secret_from(const std::string& env, const std::string& file, const std::string& what) {
  if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (!v || !*v) throw std::runtime_error(what + ": $" + env + " is not set");
    return v;
  }
  std::ifstream in(file);
  if (!in) throw std::runtime_error(what + ": cannot read " + file);
  std::stringstream ss;
  ss << in.rdbuf();
  auto s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}
}  // namespace

std::string load_or_create_vault_key(const Config& c, bool create) {
  if (auto k = load_vault_key(c); !k.empty()) return k;
  if (mcp::store::is_postgres_uri(c.store_path)) {
    // No file beside a shared store; secrets sealed on one replica must open on the others.
    if (!create) return {};
    throw std::runtime_error(
        "the vault key: a postgresql:// store is shared by every replica, so the key cannot be made next to it: set "
        "MCPBRIDGE_VAULT_KEY (base64 of 32 random bytes, e.g. `openssl rand -base64 32`) or vault.key_file, the same "
        "on every replica");
  }
  auto path = c.store_path + ".vault-key";
  std::ifstream in(path);
  if (in) {
    std::string b64;
    std::getline(in, b64);
    return mcp::sources::vault_key_from_base64(b64);
  }
  if (!create) return {};
  auto raw = mcp::base64_decode(mcp::random_token(32));  // 32 random bytes
  auto old = ::umask(077);
  std::ofstream out(path);
  ::umask(old);
  if (!out) throw std::runtime_error("cannot create the vault key file " + path);
  out << mcp::base64_encode(*raw) << "\n";
  out.close();
  return *raw;
}

void resolve_connection_secrets(Config& c) {
  for (auto& conn : c.connections) {
    auto what = "connection " + conn.options.name;
    if (!conn.client_id_env.empty() || !conn.client_id_file.empty())
      conn.options.oauth_client_id = secret_from(conn.client_id_env, conn.client_id_file, what + " client id");
    if (!conn.client_secret_env.empty() || !conn.client_secret_file.empty())
      conn.options.oauth_client_secret = secret_from(conn.client_secret_env, conn.client_secret_file, what + " client secret");
    if (!conn.secret_env.empty()) {
      const char* v = std::getenv(conn.secret_env.c_str());
      if (!v || !*v) throw std::runtime_error("connection " + conn.options.name + ": $" + conn.secret_env + " is not set");
      conn.options.secret = v;
    } else if (!conn.secret_file.empty()) {
      std::ifstream in(conn.secret_file);
      if (!in) throw std::runtime_error("connection " + conn.options.name + ": cannot read " + conn.secret_file);
      std::stringstream ss;
      ss << in.rdbuf();
      auto s = ss.str();
      while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
      conn.options.secret = s;
    }
    // What came from the environment or files is bounded too (a shared key becomes a header).
    if (auto why = mcp::upstream::check_options(conn.options); !why.empty()) throw std::runtime_error(what + ": " + why);
    if (conn.options.auth != mcp::upstream::AuthMethod::none && !conn.options.per_user)
      if (auto h = mcp::upstream::Connection::headers_for(conn.options, conn.options.secret); !h)
        throw std::runtime_error(what + ": the shared credential: " + h.error().message);
  }
}

}  // namespace mcp::config
