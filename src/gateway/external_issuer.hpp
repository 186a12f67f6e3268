#pragma once
// The run-time half of auth mode oauth's outbound parts, made by assemble() from configuration
// that src/config only reads: the external issuer's HTTP client and token check (JWKS with its
// refresher, or RFC 7662 introspection), and the client the built-in authorization server
// fetches client ID metadata documents with.
#include <mcp/config/config.hpp>
#include <mcp/net/http_client.hpp>

#include <memory>

namespace mcp::gateway {

// Sets c.auth's token check for the external issuer (introspection, or the JWKS: pinned, or
// fetched with its refresher thread started), first giving c.external and c.introspection the
// outbound client they fetch with when they fetch at all. Returns what must live while
// serving. Needs config::resolve_oauth first.
std::shared_ptr<void> start_external_check(config::Config& c);

// HTTPS to public addresses only, no redirects; auth.oauth.client_metadata may allow private
// addresses and an extra CA (development, tests).
std::shared_ptr<net::HttpClient> client_metadata_http_client(const config::Config& c);

}  // namespace mcp::gateway
