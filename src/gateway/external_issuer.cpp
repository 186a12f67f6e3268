#include "gateway/external_issuer.hpp"

#include <spdlog/spdlog.h>

#include <mcp/authz/authz.hpp>
#include <mcp/http/client.hpp>

namespace mcp::gateway {
namespace {

// The client the issuer's JWKS, discovery and introspection are fetched with: HTTPS to public
// addresses only, unless the issuer is knowingly private (development, tests, an issuer inside
// the same network).
void give_outbound_client(config::Config& c) {
  bool fetches = c.external.jwks_json.empty() || !c.introspection.endpoint.empty();
  if (!fetches) return;
  http::ClientOptions co;
  co.ca_file = c.external_ca_file;
  co.policy.allow_loopback = co.policy.allow_private = co.policy.allow_http = c.external_allow_private;
  auto client = http::make_http_client(co);
  c.external.http_client = client;
  if (!c.introspection.endpoint.empty()) c.introspection.http_client = client;
}

}  // namespace

std::shared_ptr<void> start_external_check(config::Config& c) {
  give_outbound_client(c);
  if (!c.introspection.endpoint.empty()) {
    auto v = std::make_shared<authz::IntrospectionVerifier>(c.introspection);
    c.auth.async_token_verifier = v->async_token_verifier();
    spdlog::info("oauth: tokens from the external issuer {}, checked by introspection at {}", c.external.issuer,
                 c.introspection.endpoint);
    return v;
  }
  auto v = std::make_shared<authz::JwksVerifier>(c.external);
  if (auto first = v->start(); !first)  // the issuer may come up later: the refresher keeps trying
    spdlog::warn("oauth: external issuer {}: {} (retrying every {} s)", c.external.issuer, first.error().message,
                 c.external.min_refresh.count());
  c.auth.async_token_verifier = v->async_token_verifier();
  c.auth.token_verifier = v->token_verifier();  // for callers of the synchronous authenticate()
  spdlog::info("oauth: tokens from the external issuer {} (JWKS {})", c.external.issuer,
               c.external.jwks_json.empty() ? (v->jwks_uri().empty() ? "not yet discovered" : v->jwks_uri()) : "pinned");
  return v;
}

std::shared_ptr<net::HttpClient> client_metadata_http_client(const config::Config& c) {
  http::ClientOptions co;
  co.ca_file = c.client_metadata_ca_file;
  co.policy.allow_loopback = co.policy.allow_private = c.client_metadata_allow_private;
  return http::make_http_client(co);
}

}  // namespace mcp::gateway
