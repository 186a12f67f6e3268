#include "openapi_sources.hpp"

#include <mcp/gateway/gateway.hpp>
#include <mcp/sources/openapi.hpp>
#include <mcp/sources/vault.hpp>

#include <spdlog/spdlog.h>

// The loader (openapi branch) and the Beast client (client branch) arrive at merge; until both
// are in the tree, configured sources are refused with a clear message instead of ignored.
#if __has_include("sources/openapi/loader.hpp") && __has_include(<mcp/http/client.hpp>)
#define MCPBRIDGE_OPENAPI_READY 1
#include "sources/openapi/loader.hpp"

#include <mcp/http/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#endif

namespace mcpbridge {

#ifdef MCPBRIDGE_OPENAPI_READY
namespace {

mcp::openapi::Selection selection_of(const OpenApiSourceConfig& o) {
  mcp::openapi::Selection s;
  auto get = [](const std::map<std::string, std::vector<std::string>>& m, const char* k) {
    auto it = m.find(k);
    return it == m.end() ? std::vector<std::string>{} : it->second;
  };
  s.include_tags = get(o.include, "tags");
  s.exclude_tags = get(o.exclude, "tags");
  s.include_paths = get(o.include, "paths");
  s.exclude_paths = get(o.exclude, "paths");
  s.include_methods = get(o.include, "methods");
  s.exclude_methods = get(o.exclude, "methods");
  s.include_operations = get(o.include, "operations");
  s.exclude_operations = get(o.exclude, "operations");
  return s;
}

mcp::Task<void> fetch_spec(std::shared_ptr<mcp::net::HttpClient> client, std::string url, mcp::openapi::LoadOptions lo,
                           std::optional<mcp::Result<mcp::openapi::Spec>>* out) {
  mcp::net::UrlPolicy policy;  // a spec fetched at start-up: public HTTPS only
  out->emplace(co_await mcp::openapi::load_url(std::move(client), std::move(url), std::move(lo), policy));
}

mcp::Result<mcp::openapi::Spec> load(const OpenApiSourceConfig& o, const mcp::openapi::LoadOptions& lo,
                                     std::shared_ptr<mcp::net::HttpClient> client) {
  if (o.spec.rfind("https://", 0) != 0 && o.spec.rfind("http://", 0) != 0) return mcp::openapi::load_file(o.spec, lo);
  boost::asio::io_context io;
  std::optional<mcp::Result<mcp::openapi::Spec>> out;
  std::string failure;
  boost::asio::co_spawn(io, fetch_spec(std::move(client), o.spec, lo, &out), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      failure = x.what();
    }
  });
  io.run();
  if (out) return std::move(*out);
  return mcp::Error{mcp::errc::kInternalError, "cannot load " + o.spec + ": " + failure, {}};
}

}  // namespace
#endif

std::string register_openapi_sources(mcp::Server& server, Config& cfg, std::shared_ptr<mcp::store::Store> store) {
  if (cfg.openapi.empty()) return {};
#ifndef MCPBRIDGE_OPENAPI_READY
  (void)server;
  (void)store;
  return "openapi sources are configured, but this build has no OpenAPI loader or HTTP client";
#else
  try {
    resolve_openapi_secrets(cfg);
  } catch (const std::exception& e) {
    return e.what();
  }
  std::shared_ptr<mcp::sources::Vault> vault;
  for (auto& o : cfg.openapi)
    if (o.upstream.credential.per_user && !vault) {
      std::string key;
      try {
        key = load_vault_key(cfg);
      } catch (const std::exception& e) {
        return e.what();
      }
      if (key.empty()) return "openapi source " + o.upstream.name + " uses per_user credentials: set MCPBRIDGE_VAULT_KEY or vault.key_file";
      vault = std::make_shared<mcp::sources::Vault>(store, key);
    }
  // Upstreams are chosen by the operator (internal APIs included): the policy allows private
  // addresses; 202 Location polling never leaves the configured origin.
  mcp::http::ClientOptions co;
  co.policy.allow_http = true;
  co.policy.allow_loopback = true;
  co.policy.allow_private = true;
  auto client = mcp::http::make_http_client(co);
  auto gateway = std::make_shared<mcp::gateway::Gateway>(cfg.gateway, store);
  for (auto& o : cfg.openapi) {
    mcp::openapi::LoadOptions lo;
    lo.selection = selection_of(o);
    lo.reserved_properties = {cfg.gateway.idempotency_argument};
    if (!o.prefix.empty()) lo.max_name_length = std::max<std::size_t>(16, 64 - o.prefix.size());
    auto spec = load(o, lo, client);
    if (!spec) return "openapi source " + o.upstream.name + ": " + spec.error().message;
    for (auto& s : spec->skipped) spdlog::warn("openapi {}: skipped {}: {}", o.upstream.name, s.where, s.reason);
    for (auto& op : spec->operations) op.tool_name = o.prefix + op.tool_name;
    auto shared = std::make_shared<const mcp::openapi::Spec>(std::move(spec.value()));
    mcp::openapi::OpenApiSource source(shared, o.upstream, client, vault);
    auto tools = o.catalogue ? source.catalogue_tools(o.prefix.empty() ? o.upstream.name + "_" : o.prefix) : source.tools();
    for (auto& t : tools) gateway->add_tool(server, std::move(t.tool), std::move(t.handler), {t.safe, t.upstream});
    spdlog::info("openapi {}: {} tools from {} ({} operations)", o.upstream.name, tools.size(), o.spec,
                 shared->operations.size());
  }
  return {};
#endif
}

}  // namespace mcpbridge
