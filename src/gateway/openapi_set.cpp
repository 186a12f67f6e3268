#include "gateway/openapi_set.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <functional>
#include <map>
#include <mcp/gateway/gateway.hpp>
#include <mcp/http/client.hpp>
#include <mcp/sources/openapi.hpp>
#include <mcp/sources/vault.hpp>
#include <mutex>
#include <thread>

#include <mcp/sources/openapi/loader.hpp>

namespace mcp::gateway {
namespace {

namespace asio = boost::asio;
using config::Config;
using config::OpenApiSourceConfig;
using config::resolve_openapi_secrets;

bool is_url(const std::string& spec) { return spec.rfind("https://", 0) == 0 || spec.rfind("http://", 0) == 0; }

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
  mcp::net::UrlPolicy policy;  // a fetched spec: public HTTPS only
  out->emplace(co_await mcp::openapi::load_url(std::move(client), std::move(url), std::move(lo), policy));
}

mcp::Result<mcp::openapi::Spec> load(const OpenApiSourceConfig& o, const mcp::openapi::LoadOptions& lo,
                                     std::shared_ptr<mcp::net::HttpClient> client) {
  if (!is_url(o.spec)) return mcp::openapi::load_file(o.spec, lo);
  asio::io_context io;
  std::optional<mcp::Result<mcp::openapi::Spec>> out;
  std::string failure;
  asio::co_spawn(io, fetch_spec(std::move(client), o.spec, lo, &out), [&](std::exception_ptr e) {
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

// What a spec file looked like when it was last read: a change of either means "read again".
struct FileStamp {
  std::int64_t mtime_ns = -1;
  std::int64_t size = -1;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
          static_cast<std::int64_t>(st.st_size)};
}

// One source's tools, ready to register: definitions (with the gateway's decoration) and
// handlers (wrapped in its policy), keyed by name.
struct Built {
  std::vector<std::pair<mcp::Tool, mcp::ToolHandler>> tools;
  std::size_t operations = 0;
};

class Sources final : public RunningOpenApi {
 public:
  Sources(mcp::Server& server, std::vector<OpenApiSourceConfig> configs, std::string idempotency_argument,
          std::shared_ptr<mcp::net::HttpClient> client, std::shared_ptr<mcp::sources::Vault> vault,
          std::shared_ptr<mcp::gateway::Gateway> gateway)
      : server_(server),
        configs_(std::move(configs)),
        idempotency_argument_(std::move(idempotency_argument)),
        client_(std::move(client)),
        vault_(std::move(vault)),
        gateway_(std::move(gateway)),
        listed_(configs_.size()),
        stamps_(configs_.size()) {}

  ~Sources() override { stop(); }

  void stop() override {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Start-up: every source must load ("" or what failed).
  std::string load_all() { return reload_all("start-up"); }

  std::string reload_all(const char* why) override {
    std::vector<std::size_t> all;
    for (std::size_t i = 0; i < configs_.size(); ++i) all.push_back(i);
    return reload(all, why);
  }

  std::vector<std::string> tool_names() const override {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (auto& listed : listed_)
      for (auto& [name, hash] : listed) out.push_back(name);
    return out;
  }

  // The file watch, on a thread of its own (SIGHUP is Assembly::serve's: reload_all).
  void watch() override {
    bool any_file = false;
    for (auto& c : configs_) any_file = any_file || (!is_url(c.spec) && c.watch_interval.count() > 0);
    if (any_file) poll();
    thread_ = std::thread([this] {
      // SIGINT/SIGTERM belong to Assembly::serve's sigwait on the main thread (graceful shutdown).
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGINT);
      sigaddset(&set, SIGTERM);
      pthread_sigmask(SIG_BLOCK, &set, nullptr);
      io_.run();
    });
  }

 private:
  Built build(std::size_t i, mcp::openapi::Spec spec) {
    auto& o = configs_[i];
    for (auto& op : spec.operations) op.tool_name = o.prefix + op.tool_name;
    Built out;
    out.operations = spec.operations.size();
    auto shared = std::make_shared<const mcp::openapi::Spec>(std::move(spec));
    mcp::openapi::OpenApiSource source(shared, o.upstream, client_, vault_);
    auto tools =
        o.catalogue ? source.catalogue_tools(o.prefix.empty() ? o.upstream.name + "_" : o.prefix) : source.tools();
    for (auto& t : tools) {
      mcp::gateway::CallTraits traits{t.safe, t.upstream};
      auto tool = gateway_->decorate(std::move(t.tool), traits);
      auto handler = gateway_->wrap(tool.name, std::move(t.handler), std::move(traits));
      out.tools.emplace_back(std::move(tool), std::move(handler));
    }
    return out;
  }

  // A tool name that two sources produce, or that something else already serves (a built-in,
  // another source, a connection): the error naming both, never a silent replacement.
  std::string clashes(const std::vector<std::pair<std::size_t, Built>>& built) const {
    std::map<std::string, std::size_t> from;  // name → the source producing it now
    for (auto& [i, b] : built)
      for (auto& t : b.tools) {
        auto [it, fresh] = from.emplace(t.first.name, i);
        if (!fresh && it->second != i)
          return "tool '" + t.first.name + "' of openapi source " + configs_[i].upstream.name +
                 " clashes with the same tool of openapi source " + configs_[it->second].upstream.name +
                 " (give one of them a prefix:)";
      }
    for (auto& [name, i] : from) {
      bool replaced = false;  // served now by a source being reloaded: its own to replace
      for (auto& [j, b] : built) replaced = replaced || listed_[j].contains(name);
      if (replaced) continue;
      std::string other;
      for (std::size_t j = 0; j < listed_.size() && other.empty(); ++j)
        if (listed_[j].contains(name)) other = "the same tool of openapi source " + configs_[j].upstream.name;
      if (other.empty() && server_.task_support(name)) other = "a tool already served (built-in or a connection's)";
      if (!other.empty())
        return "tool '" + name + "' of openapi source " + configs_[i].upstream.name + " clashes with " + other +
               " (give the source a prefix:)";
    }
    return {};
  }

  // Loads the sources `which` completely, then swaps their tools in one step; when any fails
  // to load, nothing changes (the old tools stay served) and the reason is returned.
  std::string reload(const std::vector<std::size_t>& which, const char* why) {
    std::lock_guard lock(mu_);
    std::vector<std::pair<std::size_t, Built>> built;
    for (auto i : which) {
      auto& o = configs_[i];
      mcp::openapi::LoadOptions lo;
      lo.selection = selection_of(o);
      lo.reserved_properties = {idempotency_argument_};
      if (!o.prefix.empty()) lo.max_name_length = std::max<std::size_t>(16, 64 - o.prefix.size());
      if (!is_url(o.spec)) stamps_[i] = stamp_of(o.spec);  // a broken file is retried once it changes again
      auto spec = load(o, lo, client_);
      if (!spec) return "openapi source " + o.upstream.name + ": " + spec.error().message;
      for (auto& s : spec->skipped) spdlog::warn("openapi {}: skipped {}: {}", o.upstream.name, s.where, s.reason);
      built.emplace_back(i, build(i, std::move(spec.value())));
    }
    if (auto clash = clashes(built); !clash.empty()) return clash;
    std::vector<std::string> remove;
    std::vector<std::pair<mcp::Tool, mcp::ToolHandler>> add;
    for (auto& [i, b] : built) {
      auto& o = configs_[i];
      std::map<std::string, std::size_t> now;  // a hash of each definition: enough to count changes
      for (auto& [tool, handler] : b.tools)
        now[tool.name] = std::hash<std::string>{}(mcp::json::serialize(tool.to_json()));
      std::size_t added = 0, changed = 0, removed = 0;
      for (auto& [name, text] : now) {
        auto old = listed_[i].find(name);
        if (old == listed_[i].end())
          ++added;
        else if (old->second != text)
          ++changed;
      }
      for (auto& [name, text] : listed_[i])
        if (!now.contains(name)) ++removed, remove.push_back(name);
      if (std::string_view(why) == "start-up")
        spdlog::info("openapi {}: {} tools from {} ({} operations)", o.upstream.name, now.size(), o.spec, b.operations);
      else
        spdlog::info("openapi {}: reloaded ({}): {} tools from {}: {} added, {} removed, {} changed", o.upstream.name,
                     why, now.size(), o.spec, added, removed, changed);
      // Handlers are replaced even when no definition changed: servers or paths may have.
      for (auto& t : b.tools) add.push_back(std::move(t));
      listed_[i] = std::move(now);
    }
    if (!remove.empty() || !add.empty()) server_.replace_tools(remove, std::move(add));
    return {};
  }

  void reload_logged(const std::vector<std::size_t>& which, const char* why) {
    if (which.empty()) return;
    if (auto err = reload(which, why); !err.empty())
      spdlog::error("openapi reload ({}) failed, still serving the previous tools: {}", why, err);
  }

  // Spec files are polled (mtime and size) at their source's watch interval; URLs are not.
  void poll() {
    auto interval = std::chrono::milliseconds::max();
    for (auto& c : configs_)
      if (!is_url(c.spec) && c.watch_interval.count() > 0) interval = std::min(interval, c.watch_interval);
    timer_.expires_after(interval);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      std::vector<std::size_t> changed;
      for (std::size_t i = 0; i < configs_.size(); ++i) {
        auto& c = configs_[i];
        if (is_url(c.spec) || c.watch_interval.count() == 0) continue;
        FileStamp s = stamp_of(c.spec);
        bool differs;
        {
          std::lock_guard lock(mu_);
          differs = !(s == stamps_[i]);
        }
        if (differs) {
          spdlog::info("openapi {}: {} changed", c.upstream.name, c.spec);
          changed.push_back(i);
        }
      }
      reload_logged(changed, "file changed");
      poll();
    });
  }

  mcp::Server& server_;
  std::vector<OpenApiSourceConfig> configs_;
  std::string idempotency_argument_;
  std::shared_ptr<mcp::net::HttpClient> client_;
  std::shared_ptr<mcp::sources::Vault> vault_;
  std::shared_ptr<mcp::gateway::Gateway> gateway_;
  mutable std::mutex mu_;                                   // one load at a time
  std::vector<std::map<std::string, std::size_t>> listed_;  // per source: served name -> definition hash
  std::vector<FileStamp> stamps_;                           // per source: the file as last read
  asio::io_context io_;
  asio::steady_timer timer_{io_};
  std::thread thread_;
};

}  // namespace

std::string start_openapi_sources(mcp::Server& server, Config& cfg, std::shared_ptr<Gateway> gateway,
                                  std::shared_ptr<mcp::sources::Vault> vault, std::unique_ptr<RunningOpenApi>& out) {
  if (cfg.openapi.empty()) return {};
  try {
    resolve_openapi_secrets(cfg);
  } catch (const std::exception& e) {
    return e.what();
  }
  for (auto& o : cfg.openapi)
    if (o.upstream.credential.per_user && !vault)
      return "openapi source " + o.upstream.name + " uses per_user credentials: set MCPBRIDGE_VAULT_KEY or vault.key_file";
  // Upstreams are chosen by the operator (internal APIs included): the policy allows private
  // addresses; 202 Location polling never leaves the configured origin.
  mcp::http::ClientOptions co;
  co.policy.allow_http = true;
  co.policy.allow_loopback = true;
  co.policy.allow_private = true;
  auto client = mcp::http::make_http_client(co);
  auto sources =
      std::make_unique<Sources>(server, cfg.openapi, cfg.gateway.idempotency_argument, client, vault, gateway);
  if (auto err = sources->load_all(); !err.empty()) return err;
  out = std::move(sources);
  return {};
}

}  // namespace mcp::gateway
