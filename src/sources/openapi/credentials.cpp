#include "sources/openapi/credentials.hpp"

#include <algorithm>
#include <mcp/core/ascii.hpp>
#include <mcp/core/encoding.hpp>

#include "sources/openapi/request.hpp"

namespace mcp::openapi {
namespace {

void set_header(net::Headers& h, std::string name, std::string value) {
  for (auto& [k, v] : h)
    if (k == name) {
      v = std::move(value);
      return;
    }
  h.emplace_back(std::move(name), std::move(value));
}

}  // namespace

Task<std::optional<std::string>> own_secret(const UpstreamOptions& o, const Principal& principal,
                                            sources::Vault* vault) {
  if (!o.credential.per_user || o.credential.kind == Credential::Kind::passthrough || !vault) co_return std::nullopt;
  co_return co_await vault->get_async(principal.subject, o.name);
}

Result<bool> apply_credential(net::ClientRequest& req, const UpstreamOptions& o, const Principal& principal,
                              const std::optional<std::string>& mine) {
  using Kind = Credential::Kind;
  const Credential& c = o.credential;
  if (c.kind == Kind::none) return false;

  std::string secret;
  if (c.kind == Kind::passthrough) {
    // Explicit same-audience passthrough: the token the caller signed in with, only if it was
    // issued for this upstream too. The token never appears in these messages.
    if (c.audience.empty())
      return Error{errc::kInternalError,
                   "Passing your sign-in through to " + o.name + " needs the upstream's audience configured", {}};
    if (principal.method != "oauth" || !principal.bearer_token || principal.bearer_token->empty())
      return Error{errc::kInvalidRequest,
                   "This tool calls " + o.name +
                       " with your own OAuth access token, and you are not connected with one (signed in by " +
                       principal.method + "). Connect with OAuth to use it.",
                   {}};
    if (std::find(principal.audiences.begin(), principal.audiences.end(), c.audience) == principal.audiences.end())
      return Error{errc::kInvalidRequest,
                   "This tool calls " + o.name +
                       " with your own OAuth access token, but that token was not issued for it (its audience "
                       "does not include " +
                       c.audience + "). Reconnect with a token whose audience includes " + c.audience + ".",
                   {}};
    secret = *principal.bearer_token;
  } else if (c.per_user) {
    if (!mine)
      return Error{errc::kInvalidRequest,
                   "This tool calls " + o.name + " with your own credential, and none is stored for you (" +
                       principal.subject + "). Store it once: `mcpbridge vault set --user " + principal.subject +
                       " --upstream " + o.name + "` (the secret is read from standard input), then call again.",
                   {}};
    secret = *mine;
  } else {
    secret = c.secret;
    if (secret.empty())
      return Error{errc::kInternalError, "The service credential for " + o.name + " is not configured", {}};
  }
  if (secret.find_first_of("\r\n") != std::string::npos || secret.find('\0') != std::string::npos)
    return Error{errc::kInternalError, "The credential for " + o.name + " contains a line break", {}};

  switch (c.kind) {
    case Kind::bearer:
    case Kind::passthrough:
      set_header(req.headers, "authorization", "Bearer " + secret);
      break;
    case Kind::basic:
      set_header(req.headers, "authorization", "Basic " + base64_encode(secret));
      break;
    case Kind::api_key:
      if (c.in == "query") {
        req.url += req.url.find('?') == std::string::npos ? '?' : '&';
        req.url += encode_query_value(c.name) + "=" + encode_query_value(secret);
      } else if (c.in == "cookie") {
        std::string add = c.name + "=" + encode_query_value(secret);
        for (auto& [k, v] : req.headers)
          if (k == "cookie") {
            v += "; " + add;
            return true;
          }
        req.headers.emplace_back("cookie", std::move(add));
      } else {
        set_header(req.headers, ascii::lower(c.name.empty() ? "x-api-key" : c.name), secret);
      }
      break;
    case Kind::none:
      break;
  }
  return true;
}

}  // namespace mcp::openapi
