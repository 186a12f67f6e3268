#pragma once
// Claims of an external issuer's access token (a verified JWT's payload or an RFC 7662
// introspection response) read the same way: audience, expiry, the principal.
#include <mcp/core/json.hpp>
#include <mcp/core/principal.hpp>

#include <chrono>
#include <string>
#include <variant>
#include <vector>

namespace mcp::authz {

// Why the claims do not admit the caller, or the principal: `iss` (when `issuer` is set and
// `iss_required` or present), `aud` holding `audience`, `exp` (required when `exp_required`)
// and `nbf` within `skew`, a non-empty `sub`. Scopes from `scope` or `scp`, roles from
// `roles`, the client from `client_id` or `azp`.
// Whether `aud` (a string or an array) names `audience`.
bool audience_includes(const json::object& c, const std::string& audience);
// The audiences `aud` names (at most 16).
std::vector<std::string> audiences_of(const json::object& c);

std::variant<Principal, std::string> principal_from_claims(const json::object& c, const std::string& issuer,
                                                           bool iss_required, const std::string& audience,
                                                           bool exp_required, std::chrono::seconds skew);

}  // namespace mcp::authz
