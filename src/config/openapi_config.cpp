// The `openapi:`, `gateway:` and `vault:` sections of mcpbridge's configuration.
//
// openapi:
//   - name: petstore                 # the upstream's id (vault entries, limits, audit)
//     spec: specs/petstore.yaml      # file or https:// URL
//     prefix: pets_                  # tool name prefix
//     catalogue: false               # search/describe/invoke instead of one tool per operation
//     base_url: https://api.example.com/v2     # else the spec's servers
//     server_variables: {region: eu}
//     include: {tags: [pets], paths: ["/pets/**"], methods: [GET], operations: [getPet]}
//     exclude: {...}
//     credentials: {type: bearer|basic|api_key|passthrough|none, name: X-API-Key, in: header|query|cookie,
//                   env: PETSTORE_TOKEN | file: /run/secrets/petstore | per_user: true,
//                   audience: https://api.example.com}   # passthrough: forward the caller's token
//                                                        # only when its aud includes this
//     timeout_ms: 30000
//     retries: 2                     # extra attempts for safe/idempotent methods
//     max_retry_after_s: 30
//     poll: {interval_ms: 1000, max_s: 600, max_polls: 600}
//     output_schema: false           # advertise (and so validate) outputSchema
//     limits: {per_principal: {per_second: 5, burst: 10}, per_tool: {...}, per_upstream: {...}, cache_ttl_s: 30}
//     watch_interval_ms: 2000        # poll the spec file and reload it when it changes; 0: SIGHUP only
// gateway: {idempotency: true, idempotency_ttl_s: 86400, cache_max_entries: 10000, cache_max_bytes: 67108864, audit:
// true, per_principal: {per_second: 20, burst: 40}, all_calls: {...}}   # limits across every source together
// vault: {key_file: /run/secrets/vault.key}   # or MCPBRIDGE_VAULT_KEY (base64 of 32 bytes)
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <mcp/sources/vault.hpp>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include <mcp/config/config.hpp>
#include "yaml_read.hpp"

namespace mcp::config {
namespace {

double number(const YAML::Node& n, const std::string& key, double max) {
  double v = scalar<double>(n, key);
  if (!(v >= 0 && v <= max)) fail(key, "expected a number from 0 to " + std::to_string(static_cast<long long>(max)));
  return v;
}

mcp::gateway::RateLimit rate(const YAML::Node& n, const std::string& key) {
  check_keys(n, key, {"per_second", "burst"});
  mcp::gateway::RateLimit r;
  if (n["per_second"]) r.per_second = number(n["per_second"], key + ".per_second", 1e6);
  if (n["burst"]) r.burst = number(n["burst"], key + ".burst", 1e6);
  return r;
}

}  // namespace

mcp::gateway::Limits yaml_read::limits(const YAML::Node& l, const std::string& key) {
  check_keys(l, key, {"per_principal", "per_tool", "per_upstream", "cache_ttl_s"});
  mcp::gateway::Limits out;
  if (l["per_principal"]) out.per_principal = rate(l["per_principal"], key + ".per_principal");
  if (l["per_tool"]) out.per_tool = rate(l["per_tool"], key + ".per_tool");
  if (l["per_upstream"]) out.per_upstream = rate(l["per_upstream"], key + ".per_upstream");
  if (l["cache_ttl_s"])
    out.cache_ttl = std::chrono::milliseconds(static_cast<long long>(1000 * number(l["cache_ttl_s"], key + ".cache_ttl_s", 86400)));
  return out;
}

namespace {

std::map<std::string, std::vector<std::string>> selection(const YAML::Node& n, const std::string& key) {
  check_keys(n, key, {"tags", "paths", "methods", "operations"});
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& kv : n)
    out[kv.first.as<std::string>()] = string_list(kv.second, key + "." + kv.first.as<std::string>());
  return out;
}

void credentials(OpenApiSourceConfig& o, const YAML::Node& n, const std::string& key) {
  check_keys(n, key, {"type", "name", "in", "env", "file", "per_user", "audience"});
  using Kind = mcp::openapi::Credential::Kind;
  auto& c = o.upstream.credential;
  std::string type = n["type"] ? scalar<std::string>(n["type"], key + ".type") : "none";
  static const std::map<std::string, Kind> kinds{{"none", Kind::none},
                                                 {"bearer", Kind::bearer},
                                                 {"basic", Kind::basic},
                                                 {"api_key", Kind::api_key},
                                                 {"passthrough", Kind::passthrough}};
  auto kind = kinds.find(type);
  if (kind == kinds.end()) fail(key + ".type", "expected none, bearer, basic, api_key or passthrough");
  c.kind = kind->second;
  if (n["name"]) c.name = scalar<std::string>(n["name"], key + ".name");
  if (n["in"]) {
    c.in = scalar<std::string>(n["in"], key + ".in");
    if (c.in != "header" && c.in != "query" && c.in != "cookie") fail(key + ".in", "expected header, query or cookie");
  }
  if (c.kind == Kind::api_key && c.name.empty())
    fail(key + ".name", "an api_key credential needs the header, query or cookie name");
  if (n["env"]) o.secret_env = scalar<std::string>(n["env"], key + ".env");
  if (n["file"]) o.secret_file = scalar<std::string>(n["file"], key + ".file");
  if (n["per_user"]) c.per_user = scalar<bool>(n["per_user"], key + ".per_user");
  bool needs_secret = c.kind == Kind::bearer || c.kind == Kind::basic || c.kind == Kind::api_key;
  if (needs_secret && !c.per_user && o.secret_env.empty() && o.secret_file.empty())
    fail(key, "say where the secret comes from: env, file, or per_user: true (the vault)");
  if (c.per_user && (!o.secret_env.empty() || !o.secret_file.empty()))
    fail(key, "per_user and env/file exclude each other");
  if (n["audience"]) c.audience = scalar<std::string>(n["audience"], key + ".audience");
  if (c.kind == Kind::passthrough) {
    if (c.audience.empty())
      fail(key + ".audience",
           "passthrough needs the upstream's audience: callers' tokens are passed on only when issued for it");
    if (c.per_user || !o.secret_env.empty() || !o.secret_file.empty())
      fail(key, "passthrough sends the caller's own token: no env, file or per_user");
  } else if (!c.audience.empty()) {
    fail(key + ".audience", "only a passthrough credential has an audience");
  }
}

OpenApiSourceConfig source(const YAML::Node& n, const std::string& key) {
  check_keys(n, key,
             {"name", "spec", "prefix", "catalogue", "base_url", "server_variables", "include", "exclude",
              "credentials", "timeout_ms", "retries", "max_retry_after_s", "poll", "output_schema", "limits",
              "watch_interval_ms"});
  OpenApiSourceConfig o;
  if (!n["name"] || !n["spec"]) fail(key, "name and spec are required");
  o.upstream.name = scalar<std::string>(n["name"], key + ".name");
  if (o.upstream.name.empty() || o.upstream.name.find_first_of(" \t\r\n/") != std::string::npos)
    fail(key + ".name", "expected a non-empty name without spaces or '/'");
  o.spec = scalar<std::string>(n["spec"], key + ".spec");
  if (n["prefix"]) o.prefix = scalar<std::string>(n["prefix"], key + ".prefix");
  if (n["catalogue"]) o.catalogue = scalar<bool>(n["catalogue"], key + ".catalogue");
  if (n["base_url"]) {
    o.upstream.base_url = scalar<std::string>(n["base_url"], key + ".base_url");
    if (o.upstream.base_url.rfind("http://", 0) != 0 && o.upstream.base_url.rfind("https://", 0) != 0)
      fail(key + ".base_url", "expected an absolute http:// or https:// URL");
  }
  if (auto v = n["server_variables"]) {
    if (!v.IsMap()) fail(key + ".server_variables", "expected a mapping");
    for (const auto& kv : v)
      o.upstream.server_variables[kv.first.as<std::string>()] =
          scalar<std::string>(kv.second, key + ".server_variables");
  }
  if (n["include"]) o.include = selection(n["include"], key + ".include");
  if (n["exclude"]) o.exclude = selection(n["exclude"], key + ".exclude");
  if (n["credentials"]) credentials(o, n["credentials"], key + ".credentials");
  if (n["timeout_ms"])
    o.upstream.timeout =
        std::chrono::milliseconds(static_cast<long long>(number(n["timeout_ms"], key + ".timeout_ms", 3600000)));
  if (n["retries"]) o.upstream.max_attempts = 1 + static_cast<int>(number(n["retries"], key + ".retries", 9));
  if (n["max_retry_after_s"])
    o.upstream.max_retry_after =
        std::chrono::seconds(static_cast<long long>(number(n["max_retry_after_s"], key + ".max_retry_after_s", 3600)));
  if (auto p = n["poll"]) {
    check_keys(p, key + ".poll", {"interval_ms", "max_s", "max_polls", "enabled"});
    if (p["enabled"]) o.upstream.follow_accepted = scalar<bool>(p["enabled"], key + ".poll.enabled");
    if (p["interval_ms"])
      o.upstream.poll_interval = std::chrono::milliseconds(
          static_cast<long long>(number(p["interval_ms"], key + ".poll.interval_ms", 3600000)));
    if (p["max_s"])
      o.upstream.max_poll_time =
          std::chrono::seconds(static_cast<long long>(number(p["max_s"], key + ".poll.max_s", 86400)));
    if (p["max_polls"])
      o.upstream.max_polls = static_cast<int>(number(p["max_polls"], key + ".poll.max_polls", 100000));
  }
  if (n["output_schema"]) o.upstream.output_schema = scalar<bool>(n["output_schema"], key + ".output_schema");
  if (n["watch_interval_ms"]) {
    double ms = number(n["watch_interval_ms"], key + ".watch_interval_ms", 3600000);
    if (ms != 0 && ms < 100) fail(key + ".watch_interval_ms", "expected 0 (no file watch) or at least 100");
    o.watch_interval = std::chrono::milliseconds(static_cast<long long>(ms));
  }
  if (auto l = n["limits"]) o.limits = yaml_read::limits(l, key + ".limits");
  return o;
}

std::string read_secret_file(const std::string& path, const std::string& what) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(what + ": cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

void apply_openapi_yaml(Config& c, const YAML::Node& root) {
  if (auto list = root["openapi"]) {
    if (!list.IsSequence()) fail("openapi", "expected a list of sources");
    c.openapi.clear();
    std::set<std::string> names;
    for (size_t i = 0; i < list.size(); ++i) {
      auto o = source(list[i], "openapi[" + std::to_string(i) + "]");
      if (!names.insert(o.upstream.name).second) fail("openapi[" + std::to_string(i) + "].name", "used twice");
      c.openapi.push_back(std::move(o));
    }
  }
  if (auto g = root["gateway"]) {
    check_keys(g, "gateway", {"idempotency", "idempotency_ttl_s", "cache_max_entries", "cache_max_bytes", "audit",
                              "per_principal", "all_calls"});
    if (g["idempotency"]) c.gateway.idempotency = scalar<bool>(g["idempotency"], "gateway.idempotency");
    if (g["idempotency_ttl_s"])
      c.gateway.idempotency_ttl = std::chrono::seconds(
          static_cast<long long>(number(g["idempotency_ttl_s"], "gateway.idempotency_ttl_s", 30 * 86400)));
    if (g["cache_max_entries"])
      c.gateway.cache_max_entries =
          static_cast<std::size_t>(number(g["cache_max_entries"], "gateway.cache_max_entries", 1e7));
    if (g["cache_max_bytes"])
      c.gateway.cache_max_bytes =
          static_cast<std::size_t>(number(g["cache_max_bytes"], "gateway.cache_max_bytes", 1e11));
    if (g["audit"]) c.gateway.audit = scalar<bool>(g["audit"], "gateway.audit");
    if (g["per_principal"]) c.gateway.per_principal = rate(g["per_principal"], "gateway.per_principal");
    if (g["all_calls"]) c.gateway.all_calls = rate(g["all_calls"], "gateway.all_calls");
  }
  if (auto v = root["vault"]) {
    check_keys(v, "vault", {"key_file"});
    if (v["key_file"]) c.vault_key_file = scalar<std::string>(v["key_file"], "vault.key_file");
  }
  for (auto& o : c.openapi) c.gateway.upstreams[o.upstream.name] = o.limits;
}

void resolve_openapi_secrets(Config& c) {
  for (auto& o : c.openapi) {
    std::string what = "openapi source " + o.upstream.name;
    if (!o.secret_env.empty()) {
      const char* v = std::getenv(o.secret_env.c_str());
      if (!v || !*v) throw std::runtime_error(what + ": environment variable " + o.secret_env + " is not set");
      o.upstream.credential.secret = v;
    } else if (!o.secret_file.empty()) {
      o.upstream.credential.secret = read_secret_file(o.secret_file, what);
      if (o.upstream.credential.secret.empty()) throw std::runtime_error(what + ": " + o.secret_file + " is empty");
    }
  }
}

std::string load_vault_key(const Config& c) {
  if (!c.vault_key.empty()) return mcp::sources::vault_key_from_base64(c.vault_key);
  if (!c.vault_key_file.empty())
    return mcp::sources::vault_key_from_base64(read_secret_file(c.vault_key_file, "vault.key_file"));
  return {};
}

}  // namespace mcp::config
