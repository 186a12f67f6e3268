#pragma once
// The admin API (/admin/v1, docs/admin.md): JSON over HTTP beside the MCP endpoint, for what the
// CLI does on the server's machine — connections added and removed at run time (role `admin`),
// and each user's own upstream credentials (any signed-in principal, for themselves only).
// Callers authenticate exactly as on /mcp (API key, proxy headers, OAuth bearer token); with auth
// mode none there is nobody to authorise, so the API refuses every request.
#include <mcp/config/config.hpp>
#include "gateway/connection_set.hpp"

#include <mcp/auth/auth.hpp>
#include <mcp/net/http_types.hpp>
#include <mcp/sources/vault.hpp>
#include <mcp/store/async_store.hpp>

#include <memory>
#include <vector>

namespace mcp::gateway {

struct AdminApi {
  const Config* cfg = nullptr;                         // admin role, sources' names
  std::shared_ptr<mcp::auth::Authenticator> auth;      // null: auth mode none
  std::shared_ptr<ConnectionSet> connections;
  std::shared_ptr<mcp::sources::Vault> vault;          // null: no vault key
  // Requests are handled on the store's pool (they read and write the store); none: inline.
  mcp::store::AsyncStore store;
};

std::vector<mcp::net::HttpRoute> admin_routes(AdminApi api);

}  // namespace mcp::gateway
