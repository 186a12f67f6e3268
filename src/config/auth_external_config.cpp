// auth.oauth.external (tokens from another issuer: JWKS pinned, fetched or discovered; or RFC
// 7662 introspection) and auth.oauth.client_metadata (how the built-in AS fetches client ID
// metadata documents). Data only: the clients and token checks they configure are made by the
// gateway (src/gateway/external_issuer.cpp).
#include <mcp/config/config.hpp>
#include "yaml_read.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mcp::config {
namespace {

using namespace yaml_read;

std::chrono::seconds seconds(const YAML::Node& n, const std::string& key, long long min, long long max) {
  auto v = scalar<long long>(n, key);
  if (v < min || v > max) fail(key, "expected " + std::to_string(min) + ".." + std::to_string(max));
  return std::chrono::seconds(v);
}

}  // namespace

void read_external_auth(Config& c, const YAML::Node& x) {
  const std::string w = "auth.oauth.external";
  check_keys(x, w, {"issuer", "audience", "jwks_file", "jwks_uri", "algorithms", "clock_skew_s", "refresh_interval_s",
                    "min_refresh_s", "allow_private_issuer", "ca_file", "introspection"});
  if (!x["issuer"]) fail(w + ".issuer", "required");
  auto& e = c.external;
  e.issuer = scalar<std::string>(x["issuer"], w + ".issuer");
  if (x["audience"]) e.audience = scalar<std::string>(x["audience"], w + ".audience");
  if (x["jwks_file"]) c.external_jwks_file = scalar<std::string>(x["jwks_file"], w + ".jwks_file");
  if (x["jwks_uri"]) e.jwks_uri = scalar<std::string>(x["jwks_uri"], w + ".jwks_uri");
  if (!c.external_jwks_file.empty() && !e.jwks_uri.empty()) fail(w, "jwks_file and jwks_uri exclude each other");
  if (x["algorithms"]) {
    e.algorithms = string_list(x["algorithms"], w + ".algorithms");
    for (auto& alg : e.algorithms)
      if (alg != "RS256" && alg != "ES256" && alg != "EdDSA")
        fail(w + ".algorithms", "expected RS256, ES256 or EdDSA, got " + alg);
  }
  if (x["clock_skew_s"]) e.clock_skew = seconds(x["clock_skew_s"], w + ".clock_skew_s", 0, 600);
  if (x["refresh_interval_s"]) e.refresh_interval = seconds(x["refresh_interval_s"], w + ".refresh_interval_s", 60, 86400);
  if (x["min_refresh_s"]) e.min_refresh = seconds(x["min_refresh_s"], w + ".min_refresh_s", 1, 3600);
  if (x["allow_private_issuer"]) c.external_allow_private = scalar<bool>(x["allow_private_issuer"], w + ".allow_private_issuer");
  if (x["ca_file"]) c.external_ca_file = scalar<std::string>(x["ca_file"], w + ".ca_file");
  if (auto i = x["introspection"]) {
    const std::string wi = w + ".introspection";
    check_keys(i, wi, {"endpoint", "client_id", "client_secret", "cache_ttl_s", "timeout_ms"});
    if (!i["endpoint"]) fail(wi + ".endpoint", "required");
    auto& o = c.introspection;
    o.endpoint = scalar<std::string>(i["endpoint"], wi + ".endpoint");
    if (i["client_id"]) o.client_id = scalar<std::string>(i["client_id"], wi + ".client_id");
    if (i["client_secret"]) o.client_secret = scalar<std::string>(i["client_secret"], wi + ".client_secret");
    if (i["cache_ttl_s"]) o.cache_ttl = seconds(i["cache_ttl_s"], wi + ".cache_ttl_s", 0, 3600);
    if (i["timeout_ms"]) {
      auto ms = scalar<long long>(i["timeout_ms"], wi + ".timeout_ms");
      if (ms < 100 || ms > 60000) fail(wi + ".timeout_ms", "expected 100..60000");
      o.timeout = std::chrono::milliseconds(ms);
    }
  }
}

void read_client_metadata(Config& c, const YAML::Node& m) {
  const std::string w = "auth.oauth.client_metadata";
  check_keys(m, w, {"allow_private", "ca_file"});
  if (m["allow_private"]) c.client_metadata_allow_private = scalar<bool>(m["allow_private"], w + ".allow_private");
  if (m["ca_file"]) c.client_metadata_ca_file = scalar<std::string>(m["ca_file"], w + ".ca_file");
}

void resolve_external(Config& c) {
  auto& e = c.external;
  if (!c.external_jwks_file.empty()) {
    std::ifstream in(c.external_jwks_file);
    if (!in) fail("auth.oauth.external.jwks_file", "cannot read " + c.external_jwks_file);
    std::stringstream ss;
    ss << in.rdbuf();
    e.jwks_json = ss.str();
  }
  if (c.auth.authorization_servers.empty()) c.auth.authorization_servers = {e.issuer};
  if (auto* s = std::getenv("MCPBRIDGE_INTROSPECTION_SECRET")) c.introspection.client_secret = s;
  // What introspection checks beside the token's activity; its outbound client, like the
  // JWKS's, is made by the gateway (src/gateway/external_issuer.cpp).
  auto& i = c.introspection;
  if (!i.endpoint.empty()) {
    i.issuer = e.issuer;
    i.audience = e.audience;
    i.clock_skew = e.clock_skew;
  }
}

}  // namespace mcp::config
