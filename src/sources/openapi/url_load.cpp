// load_url: fetch the spec and every document its $refs reach, then convert as for files.
// The HttpClient applies its UrlPolicy to each resolved address (and redirect); the literal
// checks here stop obviously forbidden URLs before any connection is attempted.
#include <boost/asio/ip/address.hpp>
#include <boost/url.hpp>

#include "sources/openapi/document.hpp"
#include "sources/openapi/loader.hpp"

namespace mcp::openapi {
namespace detail {
Result<Spec> load_document_set(DocumentSet& docs, const LoadOptions& options);  // loader.cpp
}
namespace {

std::optional<std::string> url_refused(const std::string& url, const net::UrlPolicy& policy) {
  auto u = boost::urls::parse_uri(url);
  if (!u) return "not an absolute URL: " + url;
  std::string scheme(u->scheme());
  std::string host(u->host_address());
  if (u->host_type() == boost::urls::host_type::ipv6) host = u->host_ipv6_address().to_string();
  if (std::find(policy.allowed_hosts.begin(), policy.allowed_hosts.end(), host) != policy.allowed_hosts.end())
    return std::nullopt;
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(host, ec);
  bool loopback = host == "localhost" || (!ec && addr.is_loopback());
  bool priv = false;
  if (!ec && addr.is_v4()) {
    auto b = addr.to_v4().to_bytes();
    priv = b[0] == 10 || b[0] == 0 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168) ||
           (b[0] == 169 && b[1] == 254) || (b[0] == 100 && (b[1] & 0xC0) == 64);
  } else if (!ec && addr.is_v6()) {
    auto b = addr.to_v6().to_bytes();
    priv = (b[0] & 0xFE) == 0xFC || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) || addr.to_v6().is_unspecified() ||
           addr.to_v6().is_v4_mapped();
  }
  if (scheme != "https" && scheme != "http") return "unsupported URL scheme: " + scheme;
  if (loopback && !policy.allow_loopback) return "loopback addresses are not allowed: " + url;
  if (priv && !policy.allow_private) return "private addresses are not allowed: " + url;
  if (scheme == "http" && !policy.allow_http && !(loopback && policy.allow_loopback))
    return "plain http is not allowed: " + url;
  return std::nullopt;
}

}  // namespace

Task<Result<Spec>> load_url(std::shared_ptr<net::HttpClient> client, std::string url, LoadOptions options,
                            net::UrlPolicy policy) {
  std::vector<std::string> queue{url};
  std::map<std::string, json::value> docs;
  while (!queue.empty()) {
    std::string u = std::move(queue.back());
    queue.pop_back();
    if (docs.count(u)) continue;
    if (docs.size() >= options.max_documents)
      co_return Error{errc::kInvalidParams,
                      "too many referenced documents (limit " + std::to_string(options.max_documents) + ")"};
    if (auto why = url_refused(u, policy)) co_return Error{errc::kInvalidParams, *why};
    net::ClientRequest req;
    req.url = u;
    req.headers.emplace_back("accept", "application/json, application/yaml, text/yaml, */*");
    req.max_body_bytes = options.max_document_bytes;
    auto resp = co_await client->send(std::move(req));
    if (!resp) co_return Error{errc::kInvalidParams, "cannot fetch " + u + ": " + resp.error().message};
    if (resp->status != 200)
      co_return Error{errc::kInvalidParams, "cannot fetch " + u + ": HTTP " + std::to_string(resp->status)};
    try {
      std::string body = std::move(resp->body);
      if (detail::is_gzip(body)) body = detail::gunzip(body, options.max_document_bytes);
      auto doc = detail::parse_document(body, u);
      for (auto& ref : detail::external_refs(doc, u)) queue.push_back(ref);
      docs.emplace(u, std::move(doc));
    } catch (const std::exception& e) {
      co_return Error{errc::kInvalidParams, e.what()};
    }
  }
  // Everything is fetched: convert with bytes semantics over the prefetched set.
  try {
    auto root = std::move(docs.at(url));
    docs.erase(url);
    detail::DocumentSet set(url, std::move(root), {}, options.max_documents);
    for (auto& [u, d] : docs) set.add(u, std::move(d));
    co_return detail::load_document_set(set, options);
  } catch (const std::exception& e) {
    co_return Error{errc::kInvalidParams, e.what()};
  }
}

}  // namespace mcp::openapi
