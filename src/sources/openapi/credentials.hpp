#pragma once
// Puts an upstream's credential on an outbound request: a service secret, the caller's own
// secret from the vault, or (only when configured) the caller's token for that audience.
#include <mcp/core/principal.hpp>
#include <mcp/core/result.hpp>
#include <mcp/core/task.hpp>
#include <mcp/net/http_client.hpp>
#include <mcp/sources/openapi.hpp>

namespace mcp::openapi {

// The caller's own secret for this upstream when its credential is per user (from the vault,
// awaited: a cache miss reads the store off the event loop); nullopt otherwise.
Task<std::optional<std::string>> own_secret(const UpstreamOptions& options, const Principal& principal,
                                            sources::Vault* vault);
// Puts the credential on `req`; `mine` is own_secret()'s answer. An Error whose message tells the
// caller what to do (store a vault secret, sign in).
Result<bool> apply_credential(net::ClientRequest& req, const UpstreamOptions& options, const Principal& principal,
                              const std::optional<std::string>& mine);

}  // namespace mcp::openapi
