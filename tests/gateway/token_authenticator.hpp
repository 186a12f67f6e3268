#pragma once
// An oauth-mode authenticator whose bearer tokens are "<subject>:<scope>:<role>" (either may
// be empty), for the admin API's tests and its fuzz target: who calls is in the token itself.
#include <memory>
#include <mcp/auth/auth.hpp>
#include <string>
#include <string_view>
#include <variant>

namespace mcp::test {

inline std::shared_ptr<auth::Authenticator> token_authenticator() {
  auth::AuthOptions o;
  o.mode = auth::Mode::oauth;
  o.resource = "http://127.0.0.1:8080/mcp";
  o.token_verifier = [](std::string_view token, const std::string&) -> std::variant<Principal, std::string> {
    auto a = token.find(':'), b = token.find(':', a + 1);
    if (a == std::string_view::npos || b == std::string_view::npos) return std::string("bad token");
    Principal p;
    p.subject = std::string(token.substr(0, a));
    p.method = "oauth";
    if (b > a + 1) p.scopes = {std::string(token.substr(a + 1, b - a - 1))};
    if (b + 1 < token.size()) p.roles = {std::string(token.substr(b + 1))};
    return p;
  };
  return std::make_shared<auth::Authenticator>(o, nullptr);
}

}  // namespace mcp::test
