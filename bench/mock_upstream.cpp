// bench-mock-upstream: the REST API behind the OpenAPI load benchmark (bench/openapi_load.sh).
// As cheap as an HTTP/1.1 server gets on Beast: one thread, keep-alive, every request answered
// at once with the same JSON object (the pet asked for), so that its own CPU per request is
// small and is measured separately from the gateway's. Loopback only.
//   bench-mock-upstream [--port N] [--body-bytes N]      prints "mock upstream on http://127.0.0.1:PORT"
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

asio::awaitable<void> session(tcp::socket socket, std::shared_ptr<const std::string> body) {
  beast::flat_buffer buffer;
  for (int served = 0; served < 100'000'000; ++served) {  // bounded; wrk reconnects if ever reached
    bhttp::request<bhttp::string_body> req;
    auto [ec, n] = co_await bhttp::async_read(socket, buffer, req, kTuple);
    if (ec) co_return;
    bhttp::response<bhttp::string_body> res{bhttp::status::ok, req.version()};
    res.set(bhttp::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = *body;
    res.prepare_payload();
    auto [wec, m] = co_await bhttp::async_write(socket, res, kTuple);
    if (wec || !res.keep_alive()) co_return;
  }
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, std::shared_ptr<const std::string> body) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) co_return;
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket), body), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short port = 0;
  std::size_t body_bytes = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--port" && i + 1 < argc) port = static_cast<unsigned short>(std::atoi(argv[++i]));
    else if (a == "--body-bytes" && i + 1 < argc) body_bytes = std::strtoull(argv[++i], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: bench-mock-upstream [--port N] [--body-bytes N]\n");
      return 2;
    }
  }
  // A pet, padded with a description to --body-bytes when asked.
  std::string pet = R"({"id":7,"name":"doggie","tag":"dog","status":"available","category":{"id":1,"name":"dogs"})";
  if (body_bytes > pet.size() + 20) pet += R"(,"description":")" + std::string(body_bytes - pet.size() - 19, 'x') + "\"";
  pet += "}";
  auto body = std::make_shared<const std::string>(std::move(pet));

  asio::io_context io(1);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  std::printf("mock upstream on http://127.0.0.1:%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { io.stop(); });
  asio::co_spawn(io, listen(acceptor, body), asio::detached);
  io.run();
  return 0;
}
