#pragma once
// OAuth sign-in to custom connections: each user signs in to an upstream MCP server in their
// browser through the gateway's callback URL, and the gateway keeps their tokens (sealed in the
// vault, refreshed on demand, revocable).
//
//   <base>/<connection>/signin?ticket=T   a one-time link (ticket: random, stored hashed, bound
//                                         to the user who must sign in, short-lived): discovery
//                                         and registration, then a redirect to the upstream's
//                                         authorization server with PKCE and a state bound to
//                                         user, connection, verifier and issuer
//   <base>/callback                       state, browser and `iss` checked, the code exchanged,
//                                         the tokens stored for that user
//
// Tickets, pending sign-ins and the clients registered at each authorization server (per
// connection and issuer) live in the vault too, so the CLI (`connections login`) and any
// replica of the server share them.
#include <mcp/client/oauth.hpp>
#include <mcp/cluster/shared_state.hpp>
#include <mcp/net/http_client.hpp>
#include <mcp/net/http_types.hpp>
#include <mcp/sources/upstream.hpp>
#include <mcp/sources/vault.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace mcp::upstream {

struct SignInOptions {
  std::string public_url;              // the gateway's external base URL, e.g. https://mcp.example.com
  std::string base_path = "/connections";
  std::chrono::seconds ticket_ttl{900};  // a sign-in link
  std::chrono::seconds flow_ttl{600};    // from the redirect to the callback
  // Who the browser is, when the gateway can tell (a trusted proxy's identity header, a key);
  // a link opened by somebody else is refused. Unset, or nullopt: the link alone decides.
  std::function<std::optional<std::string>(const net::HttpRequest&)> identify;
  // Several replicas: a refresh takes a lock here first, so that one replica refreshes a
  // user's token and the others use what it stores (a refresh token rotated by the
  // authorization server would leave theirs invalid). Unset: one process, no lock.
  std::shared_ptr<cluster::SharedState> shared;
};

// Why there is no token: the user must sign in (data "sign_in"), or the authorization server
// could not be reached (retry later).
inline constexpr const char* kSignInRequired = "sign_in";

class SignIn : public std::enable_shared_from_this<SignIn> {
 public:
  // Throws std::invalid_argument when public_url is not an http(s) URL.
  SignIn(SignInOptions options, std::shared_ptr<sources::Vault> vault);

  // What to register at an authorization server that needs it: <public_url><base>/callback.
  std::string redirect_uri() const;
  // A one-time sign-in link for `subject` to connection `name`.
  std::string link(const std::string& subject, const std::string& name);

  // Connections with auth oauth, served by the routes (their HTTP client reaches the upstream
  // and its authorization server). Calls set_sign_in on the connection.
  void add(std::shared_ptr<Connection> connection, std::shared_ptr<net::HttpClient> http);
  void remove(const std::string& name);
  std::vector<net::HttpRoute> routes();

  // `subject`'s access token for connection `name`: refreshed when it is about to expire or
  // when it is `rejected` (the one the upstream just refused); one refresh at a time per user
  // (across the replicas sharing `shared`).
  // An error with data kSignInRequired means: sign in (again).
  Task<Result<std::string>> access_token(std::string name, std::string subject, std::string rejected = {});
  // Revokes the tokens at the authorization server (when it has a revocation endpoint) and
  // forgets them. False when the user had none.
  Task<Result<bool>> sign_out(std::string name, std::string subject, std::shared_ptr<net::HttpClient> http);

  struct Entry {
    std::weak_ptr<Connection> connection;
    ConnectionOptions options;
    std::shared_ptr<net::HttpClient> http;
  };

 private:
  Task<net::HttpResponse> start(net::HttpRequest request);
  Task<net::HttpResponse> callback(net::HttpRequest request);
  Task<Result<net::HttpResponse>> redirect_to_authorize(Entry e, std::string subject, bool retried);
  std::optional<Entry> entry(const std::string& name);
  Task<Result<std::string>> refresh(Entry e, std::string name, std::string subject, json::object grant);
  std::string registration_key(const std::string& name, const std::string& issuer) const;

  SignInOptions options_;
  std::shared_ptr<sources::Vault> vault_;
  std::mutex mu_;
  std::map<std::string, Entry> connections_;
  std::set<std::string> refreshing_;  // name|subject with a refresh in flight
};

}  // namespace mcp::upstream
