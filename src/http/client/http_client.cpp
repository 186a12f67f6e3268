// net::HttpClient on Beast: resolve, check every address against the UrlPolicy, connect to
// exactly those addresses (no second lookup, so no DNS-rebinding window), TLS with
// verification, one deadline for the whole exchange, bounded bodies, pooled keep-alive.
#include <mcp/http/client.hpp>

#include "http/client/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <stdexcept>

namespace mcp::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace urls = boost::urls;
using tcp = asio::ip::tcp;
using asio::as_tuple;
using asio::use_awaitable;
using client::Connection;
using client::Pool;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

Error fail(int code, std::string_view reason, std::string message) {
  return Error{code, std::move(message), json::object{{"reason", reason}}};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

struct Target {
  bool tls = false;
  std::string host;         // name (lower-case) or address text without brackets
  bool host_is_ip = false;
  std::string port;
  std::string host_header;  // as the URL spells it, with a non-default port
  std::string target;       // path and query
  std::string origin() const { return (tls ? "https://" : "http://") + host + ":" + port; }
};

Result<Target> parse_target(std::string_view url) {
  auto u = urls::parse_uri(url);
  if (!u) return fail(errc::kInvalidParams, "url", "invalid URL '" + std::string(url) + "'");
  Target t;
  auto scheme = lower(u->scheme());
  if (scheme == "https") t.tls = true;
  else if (scheme != "http")
    return fail(errc::kInvalidParams, "url", "unsupported URL scheme '" + scheme + "' (http or https only)");
  switch (u->host_type()) {
    case urls::host_type::ipv4: t.host = u->host_ipv4_address().to_string(); t.host_is_ip = true; break;
    case urls::host_type::ipv6: t.host = u->host_ipv6_address().to_string(); t.host_is_ip = true; break;
    case urls::host_type::name: t.host = lower(u->host_name()); break;
    default: return fail(errc::kInvalidParams, "url", "URL has no usable host: " + std::string(url));
  }
  if (t.host.empty()) return fail(errc::kInvalidParams, "url", "URL has no host: " + std::string(url));
  t.port = u->has_port() ? std::string(u->port()) : (t.tls ? "443" : "80");
  t.host_header = std::string(u->encoded_host_and_port());
  t.target = u->encoded_path().empty() ? "/" : std::string(u->encoded_path());
  if (u->has_query()) t.target += "?" + std::string(u->encoded_query());
  return t;
}

std::string describe(net::AddressKind k) {
  switch (k) {
    case net::AddressKind::kLoopback: return "a loopback address";
    case net::AddressKind::kPrivate: return "a private or link-local address";
    case net::AddressKind::kBlocked: return "a reserved address";
    case net::AddressKind::kPublic: return "a public address";
  }
  return "an address";
}

Error from_ec(const ErrorCode& ec, std::string_view what, const Target& t) {
  auto where = t.origin();
  if (ec == beast::error::timeout || ec == asio::error::timed_out)
    return fail(errc::kRequestTimeout, "timeout", "HTTP request to " + where + " timed out while " + std::string(what));
  if (ec == bhttp::error::body_limit)
    return fail(errc::kInternalError, "too_large", "response body from " + where + " exceeds the size limit");
  if (ec == bhttp::error::header_limit)
    return fail(errc::kInternalError, "too_large", "response headers from " + where + " exceed the size limit");
  if (ec.category() == ErrorCode(bhttp::error::end_of_stream).category())
    return fail(errc::kConnectionClosed, "protocol",
                "invalid HTTP response from " + where + " while " + std::string(what) + ": " + ec.message());
  return fail(errc::kConnectionClosed, "connect",
              "HTTP request to " + where + " failed while " + std::string(what) + ": " + ec.message());
}

bool retriable(const ErrorCode& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated;
}

using Request = bhttp::request<bhttp::string_body>;

Result<Request> build_request(const net::ClientRequest& r, const Target& t, const std::string& user_agent) {
  Request req;
  req.version(11);
  auto verb = bhttp::string_to_verb(r.method);
  if (verb == bhttp::verb::unknown) req.method_string(r.method);
  else req.method(verb);
  req.target(t.target);
  req.set(bhttp::field::host, t.host_header);
  bool has_agent = false;
  for (const auto& [k, v] : r.headers) {
    if (k.find_first_of("\r\n: ") != std::string::npos || v.find_first_of("\r\n") != std::string::npos)
      return fail(errc::kInvalidParams, "header", "header '" + k + "' contains forbidden characters");
    auto name = lower(k);
    if (name == "host" || name == "content-length" || name == "transfer-encoding" || name == "connection") continue;
    if (name == "user-agent") has_agent = true;
    req.insert(k, v);
  }
  if (!has_agent && !user_agent.empty()) req.set(bhttp::field::user_agent, user_agent);
  req.body() = r.body;
  if (!r.body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put || verb == bhttp::verb::patch)
    req.prepare_payload();
  req.keep_alive(true);
  return req;
}

net::Headers headers_of(const bhttp::fields& f) {
  net::Headers h;
  for (const auto& field : f) h.emplace_back(lower(field.name_string()), std::string(field.value()));
  return h;
}


// The streamed body of one response: the connection goes back to the pool once it is read to
// the end (if the server keeps it alive), and is closed otherwise.
class Stream final : public net::BodyStream {
 public:
  Stream(std::unique_ptr<Connection> c, std::unique_ptr<bhttp::response_parser<bhttp::buffer_body>> p,
         beast::flat_buffer buf, Target t, std::chrono::milliseconds idle, Pool* pool, std::size_t max_idle,
         std::chrono::seconds idle_timeout)
      : conn_(std::move(c)), parser_(std::move(p)), buf_(std::move(buf)), target_(std::move(t)), idle_(idle),
        pool_(pool), max_idle_(max_idle), idle_timeout_(idle_timeout) {}
  ~Stream() override {
    if (conn_) conn_->close();
  }

  Task<Result<std::optional<std::string>>> next() override {
    using Out = Result<std::optional<std::string>>;
    // Each round either yields body bytes, ends, or reads more (a chunk header alone yields
    // nothing); the bound only stops a peer that streams framing without data forever.
    for (int round = 0; round < 1 << 20; ++round) {
      if (closed_ || !conn_) co_return Out(std::optional<std::string>{});
      if (parser_->is_done()) {
        finish();
        co_return Out(std::optional<std::string>{});
      }
      auto& body = parser_->get().body();
      body.data = chunk_;
      body.size = sizeof chunk_;
      conn_->tcp().expires_after(idle_);
      ErrorCode ec;
      if (conn_->tls) std::tie(ec, std::ignore) = co_await bhttp::async_read_some(*conn_->tls, buf_, *parser_, as_tuple(use_awaitable));
      else std::tie(ec, std::ignore) = co_await bhttp::async_read_some(*conn_->plain, buf_, *parser_, as_tuple(use_awaitable));
      if (closed_) co_return Out(std::optional<std::string>{});
      if (ec == bhttp::error::need_buffer) ec = {};
      std::size_t got = sizeof chunk_ - parser_->get().body().size;
      if (got > 0) co_return Out(std::optional<std::string>(std::string(chunk_, got)));
      if (ec) {
        conn_->close();
        conn_.reset();
        co_return Out(from_ec(ec, "reading the response body", target_));
      }
    }
    co_return Out(fail(errc::kConnectionClosed, "protocol", "response body from " + target_.origin() + " made no progress"));
  }

  void close() override {
    closed_ = true;
    if (conn_) conn_->close();
  }

 private:
  void finish() {
    if (!conn_) return;
    if (parser_->keep_alive() && buf_.size() == 0 && pool_) {
      conn_->tcp().expires_never();
      pool_->put(std::move(conn_), max_idle_, idle_timeout_);
    } else {
      conn_->close();
      conn_.reset();
    }
  }

  std::unique_ptr<Connection> conn_;
  std::unique_ptr<bhttp::response_parser<bhttp::buffer_body>> parser_;
  beast::flat_buffer buf_;
  Target target_;
  std::chrono::milliseconds idle_;
  Pool* pool_;
  std::size_t max_idle_;
  std::chrono::seconds idle_timeout_;
  bool closed_ = false;
  char chunk_[16 * 1024];
};

class BeastClient final : public net::HttpClient, public std::enable_shared_from_this<BeastClient> {
 public:
  explicit BeastClient(ClientOptions o) : opt_(std::move(o)), ssl_(asio::ssl::context::tls_client) {
    static std::atomic<unsigned long> next_id{0};
    id_ = std::to_string(++next_id);
    ssl_.set_default_verify_paths();
    ErrorCode ec;
    ssl_.add_verify_path("/etc/ssl/certs", ec);  // the system store, wherever OpenSSL looks by default
    if (!opt_.ca_file.empty()) {
      ssl_.load_verify_file(opt_.ca_file, ec);
      if (ec) throw std::runtime_error("cannot load CA file '" + opt_.ca_file + "': " + ec.message());
    }
    ssl_.set_verify_mode(asio::ssl::verify_peer);
    SSL_CTX_set_min_proto_version(ssl_.native_handle(), TLS1_2_VERSION);
  }

  Task<Result<net::ClientResponse>> send(net::ClientRequest request) override {
    auto self = shared_from_this();
    for (int hop = 0; hop <= 20; ++hop) {
      auto res = co_await self->send_once(request);
      if (!res || opt_.max_redirects <= 0) co_return res;
      int s = res->status;
      auto location = std::string(res->header("location"));
      if ((s != 301 && s != 302 && s != 303 && s != 307 && s != 308) || location.empty()) co_return res;
      if (hop >= opt_.max_redirects)
        co_return Result<net::ClientResponse>(
            fail(errc::kInternalError, "redirect", "too many redirects (limit " + std::to_string(opt_.max_redirects) + ")"));
      auto next = redirect(request, s, location);
      if (!next) co_return Result<net::ClientResponse>(next.error());
      request = std::move(*next);
    }
    co_return Result<net::ClientResponse>(fail(errc::kInternalError, "redirect", "too many redirects"));
  }

  Task<Result<net::StreamedResponse>> open(net::ClientRequest request) override {
    using Out = Result<net::StreamedResponse>;
    auto self = shared_from_this();
    auto t = parse_target(request.url);
    if (!t) co_return Out(t.error());
    auto req = build_request(request, *t, opt_.user_agent);
    if (!req) co_return Out(req.error());
    auto deadline = Clock::now() + request.timeout;
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto c = co_await self->connect(*t, deadline);
      if (!c) co_return Out(c.error());
      auto conn = std::move(*c);
      conn->tcp().expires_at(deadline);
      auto parser = std::make_unique<bhttp::response_parser<bhttp::buffer_body>>();
      parser->header_limit(static_cast<std::uint32_t>(opt_.max_header_bytes));
      parser->body_limit(request.max_body_bytes);
      beast::flat_buffer buf;
      ErrorCode ec;
      if (conn->tls) std::tie(ec, std::ignore) = co_await bhttp::async_write(*conn->tls, *req, as_tuple(use_awaitable));
      else std::tie(ec, std::ignore) = co_await bhttp::async_write(*conn->plain, *req, as_tuple(use_awaitable));
      if (!ec) {
        if (conn->tls) std::tie(ec, std::ignore) = co_await bhttp::async_read_header(*conn->tls, buf, *parser, as_tuple(use_awaitable));
        else std::tie(ec, std::ignore) = co_await bhttp::async_read_header(*conn->plain, buf, *parser, as_tuple(use_awaitable));
      }
      if (ec) {
        bool again = conn->reused && retriable(ec);
        conn->close();
        if (again) continue;
        co_return Out(from_ec(ec, "waiting for the response", *t));
      }
      net::StreamedResponse out;
      out.status = static_cast<int>(parser->get().result_int());
      out.headers = headers_of(parser->get().base());
      auto* pool = &asio::use_service<Pool>(asio::query(co_await asio::this_coro::executor, asio::execution::context));
      if (request.method == "HEAD") parser->skip(true);
      out.body = std::make_unique<Stream>(std::move(conn), std::move(parser), std::move(buf), *t, request.timeout, pool,
                                          opt_.max_idle_per_host, opt_.idle_timeout);
      co_return Out(std::move(out));
    }
    co_return Out(fail(errc::kConnectionClosed, "connect", "connection to " + t->origin() + " closed twice"));
  }

 private:
  Result<net::ClientRequest> redirect(const net::ClientRequest& from, int status, const std::string& location) {
    auto base = urls::parse_uri(from.url);
    auto ref = urls::parse_uri_reference(location);
    if (!base || !ref) return fail(errc::kInternalError, "redirect", "invalid redirect Location '" + location + "'");
    urls::url dest;
    if (!urls::resolve(*base, *ref, dest)) return fail(errc::kInternalError, "redirect", "cannot resolve redirect '" + location + "'");
    dest.remove_fragment();
    net::ClientRequest next = from;
    next.url = std::string(dest.buffer());
    if (status == 303 || ((status == 301 || status == 302) && from.method == "POST")) {
      next.method = "GET";
      next.body.clear();
      std::erase_if(next.headers, [](const auto& h) { return lower(h.first) == "content-type"; });
    }
    auto a = parse_target(from.url);
    auto b = parse_target(next.url);
    if (!b) return b.error();
    if (!a || a->origin() != b->origin())  // credentials stay with the origin they were meant for
      std::erase_if(next.headers, [](const auto& h) {
        auto n = lower(h.first);
        return n == "authorization" || n == "cookie" || n == "proxy-authorization";
      });
    return next;
  }

  Task<Result<net::ClientResponse>> send_once(net::ClientRequest request) {
    using Out = Result<net::ClientResponse>;
    auto t = parse_target(request.url);
    if (!t) co_return Out(t.error());
    auto req = build_request(request, *t, opt_.user_agent);
    if (!req) co_return Out(req.error());
    auto deadline = Clock::now() + request.timeout;
    auto& pool = asio::use_service<Pool>(asio::query(co_await asio::this_coro::executor, asio::execution::context));
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto c = co_await connect(*t, deadline);
      if (!c) co_return Out(c.error());
      auto conn = std::move(*c);
      conn->tcp().expires_at(deadline);
      bhttp::response_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(opt_.max_header_bytes));
      parser.body_limit(request.max_body_bytes);
      if (request.method == "HEAD") parser.skip(true);
      beast::flat_buffer buf;
      ErrorCode ec;
      if (conn->tls) std::tie(ec, std::ignore) = co_await bhttp::async_write(*conn->tls, *req, as_tuple(use_awaitable));
      else std::tie(ec, std::ignore) = co_await bhttp::async_write(*conn->plain, *req, as_tuple(use_awaitable));
      bool wrote = !ec;
      if (!ec) {
        if (conn->tls) std::tie(ec, std::ignore) = co_await bhttp::async_read(*conn->tls, buf, parser, as_tuple(use_awaitable));
        else std::tie(ec, std::ignore) = co_await bhttp::async_read(*conn->plain, buf, parser, as_tuple(use_awaitable));
      }
      if (ec) {
        // A kept-alive connection the server closed just as we reused it: try once on a new
        // one (nothing of the response arrived, so the server did not act on it).
        bool again = conn->reused && retriable(ec) && !parser.got_some();
        conn->close();
        if (again) continue;
        co_return Out(from_ec(ec, wrote ? "reading the response" : "sending the request", *t));
      }
      net::ClientResponse out;
      auto msg = parser.release();
      out.status = static_cast<int>(msg.result_int());
      out.headers = headers_of(msg.base());
      out.body = std::move(msg.body());
      if (msg.keep_alive() && buf.size() == 0) {
        conn->tcp().expires_never();
        pool.put(std::move(conn), opt_.max_idle_per_host, opt_.idle_timeout);
      } else {
        conn->close();
      }
      co_return Out(std::move(out));
    }
    co_return Out(fail(errc::kConnectionClosed, "connect", "connection to " + t->origin() + " closed twice"));
  }

  Task<Result<std::unique_ptr<Connection>>> connect(Target t, Clock::time_point deadline) {
    using Out = Result<std::unique_ptr<Connection>>;
    using namespace asio::experimental::awaitable_operators;
    auto ex = co_await asio::this_coro::executor;
    auto& pool = asio::use_service<Pool>(asio::query(ex, asio::execution::context));
    auto key = id_ + " " + t.origin();
    if (auto idle = pool.take(key, opt_.idle_timeout)) co_return Out(std::move(idle));

    std::vector<tcp::endpoint> endpoints;
    auto port = static_cast<unsigned short>(std::stoul(t.port));
    if (t.host_is_ip) {
      endpoints.emplace_back(asio::ip::make_address(t.host), port);
    } else {
      tcp::resolver resolver(ex);
      asio::steady_timer timer(ex, deadline);
      auto r = co_await (resolver.async_resolve(t.host, t.port, as_tuple(use_awaitable)) ||
                         timer.async_wait(as_tuple(use_awaitable)));
      if (r.index() == 1)
        co_return Out(fail(errc::kRequestTimeout, "timeout", "resolving " + t.host + " timed out"));
      auto [ec, results] = std::get<0>(r);
      if (ec) co_return Out(fail(errc::kConnectionClosed, "dns", "cannot resolve " + t.host + ": " + ec.message()));
      for (const auto& e : results) endpoints.push_back(e.endpoint());
      if (endpoints.empty()) co_return Out(fail(errc::kConnectionClosed, "dns", "no addresses for " + t.host));
    }
    // Every address must pass: a name that resolves to public and private addresses at once
    // is how rebinding attacks look.
    bool all_loopback = true;
    for (const auto& e : endpoints) {
      auto ip = e.address().to_string();
      auto kind = net::classify_address(ip);
      if (kind != net::AddressKind::kLoopback) all_loopback = false;
      if (!address_allowed(opt_.policy, t.host, ip))
        co_return Out(fail(errc::kInvalidParams, "policy",
                           "refused: " + t.host + " resolves to " + ip + ", " + describe(kind) +
                               " the URL policy does not allow"));
    }
    if (!t.tls && !opt_.policy.allow_http && !(opt_.policy.allow_loopback && all_loopback))
      co_return Out(fail(errc::kInvalidParams, "policy", "refused: plain http:// to " + t.host + " is not allowed (use https)"));

    auto conn = std::make_unique<Connection>();
    conn->key = key;
    if (t.tls) {
      conn->tls = std::make_unique<client::TlsStream>(ex, ssl_);
      SSL* ssl = conn->tls->native_handle();
      if (t.host_is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str());
      } else {
        SSL_set_tlsext_host_name(ssl, t.host.c_str());  // SNI
        SSL_set1_host(ssl, t.host.c_str());               // and the certificate must name it
      }
    } else {
      conn->plain = std::make_unique<beast::tcp_stream>(ex);
    }
    conn->tcp().expires_at(deadline);
    auto [cec, ep] = co_await conn->tcp().async_connect(endpoints, as_tuple(use_awaitable));
    if (cec) co_return Out(from_ec(cec, "connecting", t));
    if (t.tls) {
      auto [hec] = co_await conn->tls->async_handshake(asio::ssl::stream_base::client, as_tuple(use_awaitable));
      if (hec) {
        auto verify = SSL_get_verify_result(conn->tls->native_handle());
        std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : hec.message();
        if (hec == beast::error::timeout) co_return Out(from_ec(hec, "in the TLS handshake", t));
        co_return Out(fail(errc::kConnectionClosed, "tls", "TLS handshake with " + t.origin() + " failed: " + why));
      }
    }
    co_return Out(std::move(conn));
  }

  ClientOptions opt_;
  asio::ssl::context ssl_;
  std::string id_;
};

}  // namespace

std::shared_ptr<net::HttpClient> make_http_client(ClientOptions options) {
  return std::make_shared<BeastClient>(std::move(options));
}

}  // namespace mcp::http
