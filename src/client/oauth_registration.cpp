// Client registration: a configured client, a remembered one, a metadata document (CIMD) or
// dynamic registration (RFC 7591); and how the client authenticates at the token endpoint.
#include "client/oauth_impl.hpp"

#include <algorithm>

namespace mcp::client {

using namespace oauth_detail;
namespace urls = boost::urls;

std::string OAuth::Impl::application_type() const {
  auto u = urls::parse_uri(opt.redirect_uri);
  if (!u) return "native";
  auto scheme = std::string(u->scheme());
  auto host = std::string(u->host());
  if ((scheme != "http" && scheme != "https") || host == "localhost" || host == "127.0.0.1" || host == "[::1]")
    return "native";
  return "web";
}

Task<Result<bool>> OAuth::Impl::register_client() {
  if (!opt.client_id.empty()) {
    client_id = opt.client_id;
    client_secret = opt.client_secret;
    co_return Result<bool>(true);
  }
  if (auto it = registrations.find(issuer); it != registrations.end()) {
    client_id = it->second.id;
    client_secret = it->second.secret;
    auth_method = it->second.method;
    co_return Result<bool>(true);
  }
  client_id.clear();
  client_secret.clear();
  auth_method.clear();
  auto* cimd = as_meta.if_contains("client_id_metadata_document_supported");
  if (!opt.client_metadata_url.empty() && cimd && cimd->is_bool() && cimd->as_bool()) {
    client_id = opt.client_metadata_url;
    registrations[issuer] = Registration{client_id, "", "none"};
    co_return Result<bool>(true);
  }
  auto reg = find_string(as_meta, "registration_endpoint");
  if (!reg) co_return Result<bool>(auth_error("no way to register: no client id, CIMD or registration endpoint"));
  json::object body{{"client_name", opt.client_name},
                    {"redirect_uris", json::array{json::value(opt.redirect_uri)}},
                    {"grant_types", json::array{"authorization_code", "refresh_token"}},
                    {"response_types", json::array{"code"}},
                    {"token_endpoint_auth_method", "none"},
                    {"application_type", application_type()}};
  net::ClientRequest r;
  r.method = "POST";
  r.url = std::string(*reg);
  r.headers = {{"content-type", "application/json"}, {"accept", "application/json"}};
  r.body = json::serialize(body);
  r.timeout = std::chrono::seconds(15);
  auto res = co_await http->send(std::move(r));
  if (!res) co_return Result<bool>(res.error());
  boost::system::error_code ec;
  auto v = json::parse(res->body, ec);
  if ((res->status != 201 && res->status != 200) || ec || !v.is_object())
    co_return Result<bool>(auth_error("registration failed: HTTP " + std::to_string(res->status)));
  client_id = std::string(find_string(v.as_object(), "client_id").value_or(""));
  client_secret = std::string(find_string(v.as_object(), "client_secret").value_or(""));
  auth_method = std::string(find_string(v.as_object(), "token_endpoint_auth_method").value_or(""));
  if (client_id.empty()) co_return Result<bool>(auth_error("registration returned no client_id"));
  registrations[issuer] = Registration{client_id, client_secret, auth_method};
  co_return Result<bool>(true);
}

void OAuth::Impl::client_auth(std::vector<std::pair<std::string, std::string>>& fields, net::Headers& headers) {
  std::string method = auth_method;
  if (method.empty()) {
    std::vector<std::string> supported;
    if (auto* m = as_meta.if_contains("token_endpoint_auth_methods_supported"); m && m->is_array())
      for (auto& x : m->as_array())
        if (x.is_string()) supported.emplace_back(x.as_string());
    auto has = [&](const char* s) { return std::find(supported.begin(), supported.end(), s) != supported.end(); };
    if (client_secret.empty()) method = "none";
    else if (supported.empty() || has("client_secret_basic")) method = "client_secret_basic";
    else if (has("client_secret_post")) method = "client_secret_post";
    else method = "client_secret_basic";
  }
  if (method == "client_secret_basic" && !client_secret.empty()) {
    headers.emplace_back("authorization",
                         "Basic " + base64_encode(form_encode(client_id) + ":" + form_encode(client_secret)));
  } else {
    fields.emplace_back("client_id", client_id);
    if (method == "client_secret_post") fields.emplace_back("client_secret", client_secret);
  }
}

}  // namespace mcp::client
