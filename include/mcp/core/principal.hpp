#pragma once
// Principal: who is behind a request — attached to every request, session and audit record.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace mcp {

struct Principal {
  std::string subject = "anonymous";  // user id, client id, ...
  std::string tenant;                 // team
  std::vector<std::string> scopes;
  std::vector<std::string> roles;
  std::string method = "none";        // how it authenticated: none, api_key, header, oauth
  std::string credential;             // which credential (key id, OAuth client, ...)
  // oauth: the audiences (`aud`) the inbound access token was issued for.
  std::vector<std::string> audiences;
  // oauth: the inbound access token itself, held only for an upstream configured for
  // same-audience passthrough (openapi::Credential::Kind::passthrough). Behind a pointer so
  // that nothing prints it by accident; binding(), audit, cache keys and errors never use it.
  std::shared_ptr<const std::string> bearer_token;

  bool has_scope(const std::string& s) const { return std::find(scopes.begin(), scopes.end(), s) != scopes.end(); }
  bool has_role(const std::string& r) const { return std::find(roles.begin(), roles.end(), r) != roles.end(); }
  // Sessions are bound to this: only the same subject with the same credential (API key,
  // OAuth client) may use one, so permissions seen in a session are always its own.
  std::string binding() const { return method + ":" + tenant + ":" + subject + ":" + credential; }
};

}  // namespace mcp
