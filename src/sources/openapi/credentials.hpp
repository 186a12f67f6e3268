#pragma once
// Puts an upstream's credential on an outbound request: a service secret, the caller's own
// secret from the vault, or (only when configured) the caller's token for that audience.
#include <mcp/core/principal.hpp>
#include <mcp/core/result.hpp>
#include <mcp/net/http_client.hpp>
#include <mcp/sources/openapi.hpp>

namespace mcp::openapi {

// An Error whose message tells the caller what to do (store a vault secret, sign in).
Result<bool> apply_credential(net::ClientRequest& req, const UpstreamOptions& options, const Principal& principal,
                              sources::Vault* vault);

}  // namespace mcp::openapi
