// Reading a spec: files (and the files their $refs name), buffers and URLs (and every document
// their $refs reach), gzip inflated and bounded, into the DocumentSet the walk converts.
// For URLs the HttpClient applies its UrlPolicy to each resolved address (and redirect); the
// literal checks here stop obviously forbidden URLs before any connection is attempted.
#include "sources/openapi/read.hpp"

#include <zlib.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/url.hpp>
#include <filesystem>
#include <fstream>

namespace mcp::openapi {
namespace {

using detail::DocumentSet;
using detail::LoadError;

bool is_gzip(std::string_view d) {
  return d.size() >= 2 && static_cast<unsigned char>(d[0]) == 0x1f && static_cast<unsigned char>(d[1]) == 0x8b;
}

std::string gunzip(std::string_view data, std::size_t limit) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw LoadError("gzip: cannot initialise");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw LoadError("gzip: corrupt data");
    }
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > limit) {
      inflateEnd(&zs);
      throw LoadError("gzip: inflated document larger than the limit");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;  // truncated input
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) throw LoadError("gzip: truncated data");
  return out;
}

std::optional<std::string> read_file(const std::string& path, std::size_t limit, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path;
    return std::nullopt;
  }
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg()));
  if (size > limit) {
    error = path + " is larger than " + std::to_string(limit) + " bytes";
    return std::nullopt;
  }
  in.seekg(0);
  std::string data(size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  try {
    data = detail::spec_text(std::move(data), limit);
  } catch (const std::exception& e) {
    error = path + ": " + e.what();
    return std::nullopt;
  }
  return data;
}

DocumentSet::Fetch file_fetch(std::size_t limit) {
  return [limit](const std::string& uri, std::string& error) -> std::optional<std::string> {
    if (uri.starts_with("http://") || uri.starts_with("https://")) {
      error = "a spec loaded from a file may only reference files";
      return std::nullopt;
    }
    return read_file(uri, limit, error);
  };
}

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

namespace detail {
std::string spec_text(std::string data, std::size_t limit) {
  if (is_gzip(data)) return gunzip(data, limit);
  return data;
}
}  // namespace detail

Result<Spec> load_file(const std::string& path, const LoadOptions& options) {
  std::string error;
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec).lexically_normal().string();
  if (ec) abs = path;
  auto text = read_file(abs, options.max_document_bytes, error);
  if (!text) return Error{errc::kInvalidParams, error};
  try {
    DocumentSet docs(abs, detail::parse_document(*text, path), file_fetch(options.max_document_bytes),
                     options.max_documents);
    return detail::load_document_set(docs, options);
  } catch (const std::exception& e) {
    return Error{errc::kInvalidParams, e.what()};
  }
}

Result<Spec> load_bytes(std::string_view bytes, const LoadOptions& options, std::string base_path) {
  if (bytes.size() > options.max_document_bytes)
    return Error{errc::kInvalidParams, "document larger than " + std::to_string(options.max_document_bytes) + " bytes"};
  try {
    std::string text;
    if (is_gzip(bytes)) text = gunzip(bytes, options.max_document_bytes);
    std::string_view src = text.empty() ? bytes : std::string_view(text);
    std::string uri = base_path.empty() ? "" : std::filesystem::absolute(base_path).lexically_normal().string();
    DocumentSet docs(uri, detail::parse_document(src, base_path.empty() ? "document" : base_path),
                     base_path.empty() ? DocumentSet::Fetch{} : file_fetch(options.max_document_bytes),
                     options.max_documents);
    return detail::load_document_set(docs, options);
  } catch (const std::exception& e) {
    return Error{errc::kInvalidParams, e.what()};
  }
}

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
      auto body = detail::spec_text(std::move(resp->body), options.max_document_bytes);
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
