// The only code that sees Boost.Beast: sockets, HTTP/1.1 parsing with limits, timeouts, and
// writing JSON or chunked SSE responses. Policy lives in StreamableHttp.
#include <mcp/http/http.hpp>

#include "http/beast_parts.hpp"
#include "http/forwarded.hpp"
#include "http/log_failure.hpp"
#include "http/streamable_http.hpp"
#include "http/tls_context.hpp"

#include <mcp/cluster/shared_state.hpp>
#include <mcp/core/log_escape.hpp>
#include <mcp/core/metrics.hpp>
#include <mcp/core/notifier.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace mcp {

using namespace http::beast_parts;

namespace {

// /readyz: 200 when every dependency answers (the shared state, the store...), else 503;
// the body names each and whether it does. The checks are awaited (the store's runs on its
// pool). `options` belongs to the server, which outlives its loops' coroutines.
Task<http::Response> readiness(const HttpOptions* options, bool draining) {
  json::object checks;
  bool ready = !draining;  // a draining server asks its load balancer to send no more
  if (draining) checks["draining"] = false;
  if (options->shared) {
    bool ok = options->shared->healthy();
    checks["shared_state"] = ok;
    ready = ready && ok;
  }
  for (auto& [name, check] : options->readiness) {
    bool ok = false;
    try {
      ok = co_await check();
    } catch (const std::exception&) {
    }
    checks[name] = ok;
    ready = ready && ok;
  }
  json::object body{{"ready", ready}, {"checks", std::move(checks)}};
  http::Response r = net::json_response(ready ? 200 : 503, json::serialize(body));
  if (!ready) r.set("Retry-After", "5");
  co_return r;
}

constexpr http::LogFailure log_failure("connection task failed");

}  // namespace

// An event loop whose pending handlers can be destroyed (shutdown) before its services are.
struct Loop : asio::io_context {
  using asio::io_context::io_context;
  using asio::io_context::shutdown;
};

struct HttpServer::Impl {
  Server& server;
  HttpOptions options;
  // The loops before the transport: its task records hold timers of theirs, so it goes first;
  // ~Impl destroys the loops' pending frames, which use the transport, before either goes.
  std::vector<std::unique_ptr<Loop>> contexts;
  http::StreamableHttp transport;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;

  std::unique_ptr<http::TlsContexts> tls;  // null: plain HTTP
  http::TrustedProxies proxies;
  std::unique_ptr<asio::signal_set> hangup;
  std::unique_ptr<Timer> tls_watch;

  // The limits a reload may change (reconfigure), read by every connection.
  struct Limits {
    std::size_t max_body, max_header;
    std::chrono::seconds read, keepalive;
  };
  std::atomic<std::size_t> max_body{0}, max_header{0};
  std::atomic<std::chrono::seconds::rep> read_s{0}, keepalive_s{0}, drain_s{0};
  Limits limits() const {
    return {max_body.load(std::memory_order_relaxed), max_header.load(std::memory_order_relaxed),
            std::chrono::seconds(read_s.load(std::memory_order_relaxed)),
            std::chrono::seconds(keepalive_s.load(std::memory_order_relaxed))};
  }
  void set_limits(const HttpOptions& o) {
    max_body = o.max_body_bytes;
    max_header = o.max_header_bytes;
    read_s = o.read_timeout.count();
    keepalive_s = o.keepalive_timeout.count();
    drain_s = o.drain_timeout.count();
  }

  // Graceful drain: what is open, and how many requests are being handled or streamed.
  std::atomic<bool> draining{false};
  std::atomic<std::size_t> busy{0};
  std::mutex conns_mu;
  std::unordered_map<ConnectionBase*, std::weak_ptr<ConnectionBase>> conns;
  struct Busy {
    std::atomic<std::size_t>& n;
    explicit Busy(std::atomic<std::size_t>& count) : n(count) { ++n; }
    ~Busy() { --n; }
    Busy(const Busy&) = delete;
    Busy& operator=(const Busy&) = delete;
  };

  Impl(Server& s, HttpOptions o)
      : server(s), options(std::move(o)), transport(s, options), proxies(options.trusted_proxies) {
    if (options.tls.enabled()) tls = std::make_unique<http::TlsContexts>(options.tls);
    set_limits(options);
  }
  // After stop() (~HttpServer) has joined the threads: the loops' pending frames go while the
  // transport they use still exists; then the members, the transport before the loops.
  ~Impl() {
    for (auto& c : contexts) c->shutdown();
  }

  static http::Response unavailable(const std::exception& e) {
    spdlog::error("request failed: {}", log_escaped(e.what()));
    auto r = http::rpc_error(503, errc::kInternalError, "Service Unavailable: a backend did not answer; try again");
    r.set("Retry-After", "5");
    return r;
  }

  Task<http::Response> route(http::Request req) {
    auto path = req.path();
    if (path == options.path) co_return co_await transport.handle(std::move(req));
    if (auto wk = transport.well_known(req)) co_return std::move(*wk);
    for (auto& r : options.routes) {
      if (path == r.path || (r.prefix && path.substr(0, r.path.size()) == r.path))
        co_return co_await r.handler(std::move(req));  // plain routes see the same message
    }
    if (path == "/metrics" && req.method == "GET") {
      http::Response r;
      r.set("Content-Type", "text/plain; version=0.0.4");
      r.body = Metrics::global().render(transport.sessions().size());
      co_return r;
    }
    if (path == "/readyz" && req.method == "GET") co_return co_await readiness(&options, draining.load());
    if (path == "/healthz" && req.method == "GET") {
      http::Response r;
      r.set("Content-Type", "text/plain");
      r.body = "ok\n";
      co_return r;
    }
    co_return http::rpc_error(404, errc::kConnectionClosed, "Not Found");
  }

  // While a response streams, a read on the socket notices the client leaving (EOF or reset),
  // so the producer learns it at once rather than at the next keep-alive write.
  struct Watch {
    bool done = false;
    std::string early_bytes;  // a pipelined next request, handed back to the connection
    Notifier finished;
  };
  template <class Stream>
  static Task<void> watch_client(Stream& stream, std::shared_ptr<protocol::SseSink> sink, std::shared_ptr<Watch> w) {
    char buf[1024];
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
    if (!ec && n > 0) w->early_bytes.assign(buf, n);
    else if (ec != asio::error::operation_aborted) sink->abandon();
    w->done = true;
    w->finished.notify();
  }

  // Writes an SSE response: head and whatever is queued go out in one write, and so on.
  template <class Stream>
  Task<bool> stream_out(Connection<Stream>& conn, beast::flat_buffer& buffer, const http::Response& resp,
                        bool keep_alive) {
    auto w = std::make_shared<Watch>();
    asio::co_spawn(conn.socket().get_executor(), watch_client(conn.stream, resp.stream, w), log_failure);
    bool ok = co_await write_stream(conn, resp, keep_alive);
    if (!w->done) {
      beast::error_code ignored;
      conn.socket().cancel(ignored);
    }
    while (!w->done) co_await w->finished.wait(std::chrono::seconds(5));
    if (!w->early_bytes.empty()) {
      auto dst = buffer.prepare(w->early_bytes.size());
      asio::buffer_copy(dst, asio::buffer(w->early_bytes));
      buffer.commit(w->early_bytes.size());
    }
    co_return ok;
  }

  template <class Stream>
  Task<bool> write_stream(Connection<Stream>& conn, const http::Response& resp, bool keep_alive) {
    std::string out = serialize_head(resp, keep_alive);
    for (;;) {
      auto chunk = co_await resp.stream->next(options.sse_keepalive);
      if (chunk.bytes.empty() && !chunk.last) chunk.bytes = ": keepalive\n\n";
      append_chunk(out, chunk.bytes);
      if (chunk.last) out += "0\r\n\r\n";
      conn.expires_after(options.sse_keepalive + std::chrono::seconds(30));
      auto [ec, n] = co_await asio::async_write(conn.stream, asio::buffer(out), as_tuple(use_awaitable));
      conn.no_deadline();  // waiting for the next event is not I/O
      if (ec) {
        resp.stream->abandon();  // the client went away; a session keeps the events for resumption
        co_return false;
      }
      out.clear();
      if (chunk.last) co_return true;
    }
  }

  // After an early answer the client may still be sending the body we did not read; closing
  // with unread bytes would reset the connection and could destroy the answer before the client
  // reads it. So: end our side, then discard what arrives for a bounded time and amount.
  template <class Stream>
  static Task<void> linger(Connection<Stream>& conn) {
    beast::error_code ignored;
    conn.socket().shutdown(tcp::socket::shutdown_send, ignored);
    conn.expires_after(std::chrono::seconds(2));
    char buf[16 << 10];
    std::size_t discarded = 0;
    while (discarded < (std::size_t{8} << 20)) {
      auto [ec, n] = co_await conn.stream.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
      if (ec) break;
      discarded += n;
    }
  }

  template <class Stream>
  Task<void> connection(std::shared_ptr<Connection<Stream>> conn) {
    constexpr bool kTls = !std::is_same_v<Stream, Socket>;
    auto& stream = conn->stream;
    auto tick = std::clamp<std::chrono::steady_clock::duration>(
        std::chrono::milliseconds(std::min(options.read_timeout, options.keepalive_timeout)) / 8,
        std::chrono::milliseconds(250),
        std::chrono::seconds(5));
    asio::co_spawn(conn->socket().get_executor(), watchdog(conn, tick, &draining), log_failure);
    beast::flat_buffer buffer;
    beast::error_code ep_ec;
    auto peer = conn->socket().remote_endpoint(ep_ec);
    std::string remote = ep_ec ? std::string() : peer.address().to_string();
    std::string client_name;  // mTLS: the verified certificate's CN
    if constexpr (kTls) {
      conn->expires_after(limits().read);  // a client that never finishes its handshake
      auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
      if (hec) {
        spdlog::debug("TLS handshake with {} failed: {}", remote, hec.message());
        conn->done = true;
        conn->timer.cancel();
        co_return;
      }
      client_name = http::verified_client_name(stream.native_handle());
    }
    {
      std::lock_guard lock(conns_mu);
      conns.emplace(conn.get(), conn);
    }
    bool closing = false;  // we end the connection (not the client, nor a failure)
    for (;;) {
      conn->expires_after(limits().keepalive);
      if (buffer.size() == 0) {  // idle until the next request's first bytes: a drain closes it
        if (draining.load()) break;
        conn->idle = true;
        auto [rec, rn] = co_await stream.async_read_some(buffer.prepare(4096), as_tuple(use_awaitable));
        conn->idle = false;
        if (rec) break;
        buffer.commit(rn);
      }
      const Limits lim = limits();  // as they are when the request begins (a reload may change them)
      RequestParser parser;
      parser.header_limit(static_cast<std::uint32_t>(lim.max_header));
      parser.body_limit(lim.max_body);
      auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, as_tuple(use_awaitable));
      int reject = 0;
      if (ec == bhttp::error::header_limit) reject = 431;
      else if (ec == bhttp::error::body_limit) reject = 413;  // Content-Length above the limit
      else if (ec) break;
      if (!reject) {
        conn->expires_after(lim.read);
        if (parser.content_length() && *parser.content_length() > lim.max_body) {
          reject = 413;
        } else {
          auto [ec2, n2] = co_await bhttp::async_read(stream, buffer, parser, as_tuple(use_awaitable));
          if (ec2 == bhttp::error::body_limit) reject = 413;
          else if (ec2) break;
        }
      }
      if (reject) {  // answer, then close: the rest of the request is not read
        auto r = http::rpc_error(reject, errc::kConnectionClosed,
                                 reject == 413 ? "Payload Too Large" : "Request Header Fields Too Large");
        std::string out = serialize_head(r, false) + r.body;
        conn->expires_after(lim.read);
        auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(out), as_tuple(use_awaitable));
        if (!wec) co_await linger(*conn);
        break;
      }

      Busy in_progress(busy);
      bool keep_alive = parser.keep_alive();
      conn->no_deadline();
      http::Response resp;
      parser.req.remote_address = remote;
      if constexpr (kTls) {
        parser.req.scheme = "https";
        parser.req.client_certificate = client_name;
      }
      if (!proxies.empty()) proxies.apply(parser.req);
      try {
        if (parser.req.path() == options.path)  // the MCP endpoint without route()'s coroutine frame
          resp = co_await transport.handle(std::move(parser.req));
        else
          resp = co_await route(std::move(parser.req));
      } catch (const std::exception& e) {
        // A backend that does not answer (the store, Redis) throws: the client gets a clear 503
        // on this connection, which stays usable; the detail goes to the log only.
        resp = unavailable(e);
      }
      keep_alive = keep_alive && !draining.load();  // a draining server closes after answering
      if (resp.status >= 100 && resp.status < 600) Metrics::add(Metrics::global().http_responses[resp.status / 100]);
      if (resp.stream) {
        if (!co_await stream_out(*conn, buffer, resp, keep_alive)) break;
      } else {
        std::string out = serialize_head(resp, keep_alive);
        out += resp.body;
        conn->expires_after(lim.read);
        auto [ec3, n3] = co_await asio::async_write(stream, asio::buffer(out), as_tuple(use_awaitable));
        if (ec3) break;
      }
      if (!keep_alive) {
        closing = true;
        break;
      }
    }
    if constexpr (kTls) {
      if (closing) {  // close_notify, so that the client knows the response is complete
        conn->expires_after(std::chrono::seconds(1));
        co_await stream.async_shutdown(as_tuple(use_awaitable));
      }
    }
    beast::error_code ignored;
    conn->socket().shutdown(tcp::socket::shutdown_send, ignored);
    conn->done = true;
    conn->timer.cancel();  // the watchdog ends now rather than at its next tick
    std::lock_guard lock(conns_mu);
    conns.erase(conn.get());
  }

  Task<void> listen(tcp::acceptor& acceptor, IoExecutor executor) {
    for (;;) {
      Socket socket(executor);
      auto [ec] = co_await acceptor.async_accept(socket, as_tuple(use_awaitable));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
      socket.set_option(tcp::no_delay(true), ec);
      if (tls) {
        auto ctx = tls->current();
        auto conn = std::make_shared<Connection<TlsStream>>(ctx, std::move(socket), *ctx);
        asio::co_spawn(executor, connection(std::move(conn)), log_failure);
      } else {
        asio::co_spawn(executor, connection(std::make_shared<Connection<Socket>>(nullptr, std::move(socket))),
                       log_failure);
      }
    }
  }

  // SIGHUP, and the files' poll: a changed pair is loaded for new handshakes (on loop 0; a
  // context is built in a few milliseconds).
  void wait_hangup() {
    hangup->async_wait([this](const beast::error_code& ec, int) {
      if (ec) return;  // stopped
      tls->reload(true, "SIGHUP");
      wait_hangup();
    });
  }
  void watch_tls() {
    tls_watch->expires_after(options.tls.watch_interval);
    tls_watch->async_wait([this](const beast::error_code& ec) {
      if (ec) return;
      tls->reload(false, "the files changed");
      watch_tls();
    });
  }

  // Stops accepting (a new connection is refused), ends the GET streams with a retry: hint,
  // and wakes every connection's watchdog: idle keep-alive connections close now, the others
  // after their response. Requests in progress run on.
  void begin_drain() {
    if (draining.exchange(true)) return;
    for (size_t i = 0; i < acceptors.size(); ++i)
      asio::post(*contexts[i], [a = acceptors[i].get()] {
        beast::error_code ec;
        a->close(ec);
      });
    transport.drain();
    std::lock_guard lock(conns_mu);
    for (auto& [raw, weak] : conns)
      if (auto c = weak.lock()) asio::post(c->timer.get_executor(), [c] { c->timer.cancel(); });
  }

  Task<void> reap_sessions() {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto period = std::min<std::chrono::seconds>(std::chrono::seconds(30),
                                                 std::max<std::chrono::seconds>(std::chrono::seconds(1),
                                                                                options.session_idle_timeout / 4));
    for (;;) {
      timer.expires_after(period);
      auto [ec] = co_await timer.async_wait(as_tuple(use_awaitable));
      if (ec) co_return;
      if (auto n = transport.sessions().expire_idle()) {
        Metrics::add(Metrics::global().sessions_expired, n);
        spdlog::info("expired {} idle sessions", n);
      }
    }
  }
};

HttpServer::HttpServer(Server& server, HttpOptions options)
    : impl_(std::make_unique<Impl>(server, std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  auto& I = *impl_;
  unsigned n = std::max(1u, I.options.threads);
  auto address = asio::ip::make_address(I.options.host);
  std::uint16_t port = I.options.port;
  for (unsigned i = 0; i < n; ++i) {
    I.contexts.push_back(std::make_unique<Loop>(1));
    auto acc = std::make_unique<tcp::acceptor>(*I.contexts.back());
    tcp::endpoint ep(address, port);
    acc->open(ep.protocol());
    acc->set_option(asio::socket_base::reuse_address(true));
    if (n > 1) {
      int one = 1;
      ::setsockopt(acc->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    }
    acc->bind(ep);
    acc->listen(asio::socket_base::max_listen_connections);
    port = acc->local_endpoint().port();  // the others share the first one's (maybe ephemeral) port
    I.acceptors.push_back(std::move(acc));
  }
  I.port = port;
  for (unsigned i = 0; i < n; ++i) {
    asio::co_spawn(*I.contexts[i], I.listen(*I.acceptors[i], I.contexts[i]->get_executor()), log_failure);
  }
  asio::co_spawn(*I.contexts[0], I.reap_sessions(), log_failure);
  if (I.tls) {
    I.hangup = std::make_unique<asio::signal_set>(*I.contexts[0], SIGHUP);
    I.wait_hangup();
    if (I.options.tls.watch_interval.count() > 0) {
      I.tls_watch = std::make_unique<Timer>(I.contexts[0]->get_executor());
      I.watch_tls();
    }
  }
  for (unsigned i = 0; i < n; ++i) I.threads.emplace_back([ctx = I.contexts[i].get()] { ctx->run(); });
  auto host = I.options.host.find(':') == std::string::npos ? I.options.host : "[" + I.options.host + "]";
  spdlog::info("MCP endpoint {}://{}:{}{} ({} thread{})", I.tls ? "https" : "http", host, port, I.options.path, n,
               n > 1 ? "s" : "");
}

std::uint16_t HttpServer::port() const { return impl_->port; }

std::size_t HttpServer::session_count() const { return impl_->transport.sessions().size(); }

void HttpServer::reconfigure(const HttpOptions& next) {
  auto& I = *impl_;
  auto was = I.limits();
  auto drain_was = I.drain_s.load();
  I.set_limits(next);
  auto now = I.limits();
  auto changed = [](const char* what, auto a, auto b) {
    if (a != b) spdlog::info("reload: {} {} -> {}", what, a, b);
  };
  changed("limits.max_body_bytes", was.max_body, now.max_body);
  changed("limits.max_header_bytes", was.max_header, now.max_header);
  changed("limits.read_timeout_s", was.read.count(), now.read.count());
  changed("limits.keepalive_timeout_s", was.keepalive.count(), now.keepalive.count());
  changed("server.drain_s", drain_was, I.drain_s.load());
  if (!I.tls || !next.tls.enabled()) return;  // HTTP <-> HTTPS needs a new listener (a restart)
  auto apply = [&I, t = next.tls] { I.tls->reconfigure(t, "configuration reload"); };
  if (I.contexts.empty()) apply();
  else asio::post(*I.contexts[0], apply);  // where the file watch runs: one at a time
}

void HttpServer::begin_drain() { impl_->begin_drain(); }

std::size_t HttpServer::requests_in_progress() const { return impl_->busy.load(); }

std::chrono::seconds HttpServer::drain_timeout() const { return std::chrono::seconds(impl_->drain_s.load()); }

void HttpServer::stop() {
  auto& I = *impl_;
  {
    std::lock_guard lock(I.mu);
    if (I.stopped) return;
    I.stopped = true;
  }
  for (size_t i = 0; i < I.acceptors.size(); ++i)
    asio::post(*I.contexts[i], [a = I.acceptors[i].get()] {
      beast::error_code ec;
      a->close(ec);
    });
  I.transport.shutdown();  // ends every SSE stream
  for (auto& c : I.contexts) c->stop();
  for (auto& t : I.threads)
    if (t.joinable()) t.join();
  I.cv.notify_all();
}

void HttpServer::wait() {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return impl_->stopped; });
}

int serve(Server& server, HttpOptions options) {
  // Signals are taken synchronously on this thread; the event-loop threads never see them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // The SDK's one-call path stays secure: with an authenticator, tools/list shows and
  // tools/call runs only what it permits (gateway::assemble installs the same itself).
  if (auto authn = options.authenticator)
    server.set_tool_filter([authn](const Principal& p, const std::string& tool) { return authn->may_call(p, tool); });
  std::optional<HttpServer> http;
  try {
    http.emplace(server, std::move(options));
  } catch (const std::invalid_argument& e) {
    spdlog::error("cannot start: {}", e.what());
    return 2;
  }
  try {
    http->start();
  } catch (const std::exception& e) {
    spdlog::error("cannot start: {}", e.what());
    return 3;
  }
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("signal {}: shutting down", sig);
  return drain_and_stop(*http, set);
}

}  // namespace mcp
