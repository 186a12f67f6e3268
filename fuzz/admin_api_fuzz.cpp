// Fuzzes the admin API's JSON bodies through its real route handler (mcp::gateway::admin_routes over
// a ConnectionSet, an in-memory store and a vault): POST /admin/v1/connections and PUT
// /admin/v1/me/credentials/{c} for an api_key and a headers connection. The first byte picks the
// request (% 3: '0' POST, '1' PUT for the api_key one, '2' for the headers one); the rest is the
// body. The set's event loop never runs, so nothing is contacted.
// Oracles (abort on violation):
//  - every answer has a status of 200..599 and, unless 204, a JSON object body; a refusal
//    (>= 400) says why in "error";
//  - a refused body changes nothing: the running connections, the store's and the vault's rows;
//  - an accepted connection is listed under its name and can be deleted (204); an accepted
//    credential is stored for the caller and makes headers for the connection.
#include "gateway/admin_api.hpp"
#include "../tests/gateway/token_authenticator.hpp"  // tokens "<subject>:<scope>:<role>"

#include <mcp/config/config.hpp>
#include <mcp/gateway/gateway.hpp>

#include <mcp/server/server.hpp>
#include <mcp/sources/upstream.hpp>
#include <mcp/store/store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace {

namespace json = mcp::json;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "admin_api_fuzz oracle failed: %s %s\n", what, detail.substr(0, 300).c_str());
  std::abort();
}

struct World {
  std::shared_ptr<mcp::store::Store> store = mcp::store::open_sqlite(":memory:");
  std::shared_ptr<mcp::sources::Vault> vault = std::make_shared<mcp::sources::Vault>(store, std::string(32, 'k'));
  mcp::config::Config cfg;
  mcp::Server server{mcp::ServerOptions{}};
  std::shared_ptr<mcp::gateway::ConnectionSet> set = std::make_shared<mcp::gateway::ConnectionSet>(server, cfg, store, vault,
                                                       std::make_shared<mcp::gateway::Gateway>(cfg.gateway, store));
  std::vector<mcp::net::HttpRoute> routes = mcp::gateway::admin_routes({&cfg, mcp::test::token_authenticator(), set, vault});

  World() {
    for (auto* spec : {R"({"name":"key","url":"https://key.example/mcp","auth":"api_key"})",
                       R"({"name":"hdr","url":"https://hdr.example/mcp","auth":"headers"})"})
      if (set->add(spec, "fuzz").status != 201) fail("setup", spec);
  }

  mcp::net::HttpResponse call(std::string method, std::string target, std::string body) {
    mcp::net::HttpRequest r{std::move(method), target,
                            {{"host", "127.0.0.1:8080"}, {"authorization", "Bearer admin:admin:admin"}}, std::move(body),
                            "127.0.0.1"};
    if (r.method != "DELETE") r.headers.emplace_back("content-type", "application/json");
    boost::asio::io_context io;
    std::optional<mcp::net::HttpResponse> out;
    boost::asio::co_spawn(io, routes.at(0).handler(std::move(r)), [&out](std::exception_ptr e, mcp::net::HttpResponse resp) {
      if (e) fail("the handler threw");
      out = std::move(resp);
    });
    io.run();
    if (!out) fail("the handler did not complete");
    if (std::getenv("ADMIN_API_FUZZ_VERBOSE"))
      std::fprintf(stderr, "  %s -> %d %s\n", target.c_str(), out->status, out->body.substr(0, 160).c_str());
    return std::move(*out);
  }

  // Everything a request may change.
  std::string snapshot() const {
    std::string s = json::serialize(set->describe());
    for (auto& c : store->list_connections()) s += "\nc:" + c.name + "=" + c.spec;
    for (auto& e : vault->list()) s += "\nv:" + e.subject + "/" + e.upstream + "@" + std::to_string(e.updated_at);
    return s;
  }
};

json::object body_of(const mcp::net::HttpResponse& r) {
  if (r.status < 200 || r.status > 599) fail("status out of range", std::to_string(r.status));
  if (r.status == 204) {
    if (!r.body.empty()) fail("204 with a body");
    return {};
  }
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  if (ec || !v.is_object()) fail("the body is not a JSON object", r.body);
  if (r.status >= 400 && !v.as_object().contains("error")) fail("a refusal without error", r.body);
  return v.as_object();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<World> world;
  static int uses = 0;
  // Connections that were accepted leave their (never run) tasks queued: start afresh now and then.
  if (!world || ++uses % 256 == 0) {
    spdlog::set_level(spdlog::level::off);
    world.reset();
    world = std::make_unique<World>();
  }
  if (size == 0) return 0;
  auto& w = *world;
  int pick = data[0] % 3;
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto before = w.snapshot();

  if (pick == 0) {
    auto r = w.call("POST", "/admin/v1/connections", body);
    auto out = body_of(r);
    if (r.status >= 400) {
      if (w.snapshot() != before) fail("a refused connection changed something", body);
      return 0;
    }
    if (r.status != 201) fail("POST answered neither 201 nor a refusal", std::to_string(r.status));
    auto name = mcp::find_string(out, "name");
    if (!name || !w.set->find(std::string(*name))) fail("an accepted connection is not running", r.body);
    if (!mcp::upstream::check_options(w.set->find(std::string(*name))->config.options).empty())
      fail("an accepted connection is out of bounds", r.body);
    auto del = w.call("DELETE", "/admin/v1/connections/" + std::string(*name), {});
    body_of(del);
    if (del.status != 204) fail("an accepted connection cannot be deleted", std::to_string(del.status) + " " + std::string(*name));
    if (w.snapshot() != before) fail("add then delete left something behind");
    return 0;
  }

  std::string upstream = pick == 1 ? "key" : "hdr";
  auto r = w.call("PUT", "/admin/v1/me/credentials/" + upstream, body);
  body_of(r);
  if (r.status >= 400) {
    if (w.snapshot() != before) fail("a refused credential changed something", body);
    return 0;
  }
  if (r.status != 204) fail("PUT answered neither 204 nor a refusal", std::to_string(r.status));
  auto stored = w.vault->get("admin", upstream);
  if (!stored) fail("an accepted credential is not stored");
  if (!mcp::upstream::Connection::headers_for(w.set->find(upstream)->config.options, *stored))
    fail("an accepted credential makes no headers", *stored);
  auto del = w.call("DELETE", "/admin/v1/me/credentials/" + upstream, {});
  body_of(del);
  if (del.status != 204) fail("a stored credential cannot be deleted");
  return 0;
}
