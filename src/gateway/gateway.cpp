#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mcp/core/encoding.hpp>
#include <mcp/gateway/gateway.hpp>
#include <mutex>
#include <set>
#include <unordered_map>

#include "gateway/result_cache.hpp"
#include <mcp/cluster/shared_state.hpp>
#include <mcp/core/log_escape.hpp>
#include <mcp/core/token_buckets.hpp>

namespace mcp::gateway {

struct Gateway::Impl {
  PolicyOptions opt;
  std::shared_ptr<store::Store> store;
  AuditSink sink;
  TokenBuckets buckets;
  ResultCache cache;
  std::atomic<std::uint64_t> calls{0}, cache_hits{0}, replays{0}, rate_limited{0}, conflicts{0}, puts{0};
  std::mutex mu;
  std::set<std::string> inflight;                                    // idempotency scopes being executed right now
  std::unordered_map<std::string, store::IdempotencyRecord> memory;  // without a store
  static constexpr std::size_t kMaxMemoryRecords = 100000;
  // The same store, awaited: its reads and writes (a write is an fsync with SQLite) run on its
  // pool, off the event loops, so one slow disk or database does not stall a loop.
  store::AsyncStore db;

  Impl(PolicyOptions o, store::AsyncStore s, AuditSink a)
      : opt(std::move(o)),
        store(s.store()),
        sink(std::move(a)),
        cache(opt.cache_max_entries, opt.cache_max_bytes),
        db(std::move(s)) {}

  // A copy: connections added at run time insert their limits (set_limits) while calls run.
  mutable std::mutex limits_mu;
  Limits limits(const std::string& upstream) const {
    std::lock_guard lock(limits_mu);
    auto it = opt.upstreams.find(upstream);
    return it == opt.upstreams.end() ? opt.defaults : it->second;
  }
  // Across every source (a reload may change them): per principal, all calls.
  std::pair<RateLimit, RateLimit> global_limits() const {
    std::lock_guard lock(limits_mu);
    return {opt.per_principal, opt.all_calls};
  }
};

namespace {

using Impl = Gateway::Impl;
using Clock = std::chrono::steady_clock;

struct Entry {
  std::string name;
  ToolHandler inner;
  CallTraits traits;
  // Which wrap() made it: cached results belong to one definition, so a tool re-wrapped by a
  // reload (same name, perhaps another path or server) never answers from the old one's cache.
  std::uint64_t generation = 0;
};

// SHA-256 as hex with the algorithm fetched once: EVP_sha256() makes OpenSSL 3 look the
// implementation up again on every digest, which was a third of the hashing cost here.
std::string sha256_fast(std::string_view bytes) {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) return sha256_hex(bytes);
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), d, &len, md, nullptr) != 1) return sha256_hex(bytes);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = kHex[d[i] >> 4];
    out[2 * i + 1] = kHex[d[i] & 15];
  }
  return out;
}

void canonical_into(const json::value& v, std::string& out) {
  if (v.is_object()) {
    auto& o = v.get_object();
    std::vector<std::pair<std::string_view, const json::value*>> kv;
    kv.reserve(o.size());
    for (auto& [k, x] : o) kv.emplace_back(k, &x);
    std::sort(kv.begin(), kv.end(), [](auto& a, auto& b) { return a.first < b.first; });
    out += '{';
    for (size_t i = 0; i < kv.size(); ++i) {
      if (i) out += ',';
      out += json::serialize(json::string_view(kv[i].first.data(), kv[i].first.size()));
      out += ':';
      canonical_into(*kv[i].second, out);
    }
    out += '}';
  } else if (v.is_array()) {
    out += '[';
    bool first = true;
    for (auto& x : v.get_array()) {
      if (!first) out += ',';
      first = false;
      canonical_into(x, out);
    }
    out += ']';
  } else {
    out += json::serialize(v);
  }
}

// A recorded result's upstream status rides in the record beside the result (never in _meta,
// which the client sees): the replay's audit line reports it.
constexpr std::string_view kRecordStatus = "upstreamStatus";

// Worth replaying: a success, or a client error the upstream will give again. Not 5xx, 429,
// 408, 409 or a network failure: the upstream itself dedupes those retries by the key.
bool recordable(const ToolResult& r, int s) {
  if (!r.is_error) return true;
  return s >= 400 && s < 500 && s != 408 && s != 409 && s != 425 && s != 429;
}

// ToolResult::to_json() without its deep copy: records are written on every non-safe call.
std::string serialize_result(const ToolResult& r, int upstream_status = 0) {
  std::string out = "{\"content\":";
  out += json::serialize(r.content);
  if (r.structured) {
    out += ",\"structuredContent\":";
    out += json::serialize(*r.structured);
  }
  if (r.is_error) out += ",\"isError\":true";
  if (!r.meta.empty()) {
    out += ",\"_meta\":";
    out += json::serialize(r.meta);
  }
  if (upstream_status != 0) {
    out += ",\"";
    out += kRecordStatus;
    out += "\":" + std::to_string(upstream_status);
  }
  out += '}';
  return out;
}

ToolResult limited(const std::string& what, std::chrono::milliseconds wait) {
  double secs = static_cast<double>(wait.count()) / 1000.0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", secs);
  auto r = ToolResult::error("Rate limit reached for " + what + ": retry after " + buf + " s.");
  r.meta["io.mcpbridge/retryAfterMs"] = wait.count();
  return r;
}

void audit(Impl& g, const Entry& e, Context& ctx, std::string_view outcome, int status, Clock::time_point start) {
  if (!g.opt.audit) return;
  AuditRecord a{
      ctx.principal().subject, e.name, e.traits.upstream,
      std::string(outcome),    status, std::chrono::duration<double, std::milli>(Clock::now() - start).count(),
      ctx.session_id()};
  if (g.sink) {
    g.sink(a);
    return;
  }
  json::object line{{"audit", "tools/call"},
                    {"principal", a.principal},
                    {"tool", a.tool},
                    {"upstream", a.upstream},
                    {"outcome", a.outcome},
                    {"upstream_status", a.upstream_status},
                    {"us", static_cast<std::int64_t>(a.duration_ms * 1000.0)},
                    {"session", a.session}};
  auto logger = spdlog::get("audit");
  (logger ? logger : spdlog::default_logger())->info("{}", json::serialize(line));
}

std::optional<store::IdempotencyRecord> find_record(Impl& g, const std::string& scope, const std::string& tool,
                                                    const std::string& key) {
  auto now = store::unix_now();
  if (g.store) {
    // A store that does not answer throws: the caller refuses the call (fail closed) rather
    // than run a destructive call whose retry nothing could recognise.
    return g.store->find_idempotency(scope, tool, key, now);
  }
  std::lock_guard lock(g.mu);
  auto it = g.memory.find(scope + '\n' + tool + '\n' + key);
  if (it == g.memory.end() || it->second.expires_at <= now) return std::nullopt;
  return it->second;
}

void put_record(Impl& g, store::IdempotencyRecord r) {
  auto now = store::unix_now();
  if (g.store) {
    try {
      g.store->put_idempotency(r, now);
      if (++g.puts % 1000 == 0) g.store->purge_idempotency(now);
    } catch (const std::exception& e) {
      spdlog::warn("idempotency record not kept: {}", e.what());
    }
    return;
  }
  std::lock_guard lock(g.mu);
  // Expired records go in a sweep every 4096 inserts (not on every insert once full); when
  // still full, an arbitrary record makes room (the bound matters more than which one).
  if (++g.puts % 4096 == 0)
    for (auto it = g.memory.begin(); it != g.memory.end();)
      it = it->second.expires_at <= now ? g.memory.erase(it) : std::next(it);
  if (g.memory.size() >= Impl::kMaxMemoryRecords) g.memory.erase(g.memory.begin());
  std::string id = r.scope + '\n' + r.tool + '\n' + r.key;
  g.memory[id] = std::move(r);
}

// With a store, on its pool (the lambdas refer to this frame, which owns `g`: its last reference
// is never dropped on a pool thread).
Task<std::optional<store::IdempotencyRecord>> find_async(std::shared_ptr<Impl> g, std::string scope, std::string tool,
                                                         std::string key) {
  if (!g->db) co_return find_record(*g, scope, tool, key);
  co_return co_await g->db.call([&](store::Store&) { return find_record(*g, scope, tool, key); });
}

Task<void> put_async(std::shared_ptr<Impl> g, store::IdempotencyRecord r) {
  if (!g->db) {
    put_record(*g, std::move(r));
    co_return;
  }
  co_await g->db.call([&](store::Store&) { put_record(*g, std::move(r)); });
}

// --- several replicas (opt.shared) ---

std::string shared_key(std::string_view kind, std::string_view key) { return std::string(kind) + sha256_fast(key); }

Task<std::optional<ToolResult>> shared_cache_get(std::shared_ptr<Impl> g, std::string key, int* status) {
  auto got = co_await g->opt.shared->get(shared_key("cache:", key));
  if (!got) spdlog::warn("result cache: shared state: {}", got.error().message);  // a miss, then
  if (!got || !got.value()) co_return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(*got.value(), ec);
  if (ec || !v.is_object()) co_return std::nullopt;
  auto* st = v.get_object().if_contains(kRecordStatus);
  *status = st && st->is_int64() ? static_cast<int>(st->get_int64()) : 0;
  co_return ToolResult::from_json(v.get_object());
}

Task<void> shared_cache_put(std::shared_ptr<Impl> g, std::string key, std::string value,
                            std::chrono::milliseconds life) {
  auto r = co_await g->opt.shared->set(shared_key("cache:", key), std::move(value), life);
  if (!r) spdlog::warn("result cache: not shared: {}", r.error().message);
}

// The claim on an idempotency key in flight, across replicas; a shared state that fails lets
// the call go on (the store's record still answers retries).
Task<bool> claim_flight(std::shared_ptr<Impl> g, std::string flight) {
  auto r = co_await g->opt.shared->set_if_absent(shared_key("flight:", flight), "1", std::chrono::minutes(5));
  if (!r) spdlog::warn("idempotency: shared claim failed: {}", r.error().message);
  co_return !r || r.value();
}

// `ex`: the calling coroutine's executor (several replicas only), where the shared claim's
// release runs on its own.
void release_flight(const std::shared_ptr<Impl>& g, const std::string& flight, const Executor& ex) {
  if (flight.empty()) return;
  {
    std::lock_guard lock(g->mu);
    g->inflight.erase(flight);
  }
  if (!g->opt.shared) return;
  boost::asio::co_spawn(
      ex,
      [](std::shared_ptr<Impl> g, std::string key) -> Task<void> { co_await g->opt.shared->del(std::move(key)); }(
          g, shared_key("flight:", flight)),
      [](std::exception_ptr e) {
        if (e) spdlog::warn("idempotency: shared claim not released");
      });
}

// The buckets a call takes from, in order, each atomic across replicas: the wait and what ran
// out, or nothing taken when one is empty.
using Taken = std::pair<std::optional<std::chrono::milliseconds>, std::string>;
Task<Result<Taken>> take_shared(std::shared_ptr<Impl> g, Limits lim, std::string tool, std::string upstream,
                                std::string binding) {
  struct Bucket {
    std::string key;
    RateLimit limit;
    std::string what;
  };
  std::vector<Bucket> buckets;
  if (lim.per_principal.per_second > 0)
    buckets.push_back({"rl:p\n" + upstream + "\n" + binding, lim.per_principal,
                       "your calls" + (upstream.empty() ? std::string() : " to " + upstream)});
  if (lim.per_tool.per_second > 0) buckets.push_back({"rl:t\n" + tool, lim.per_tool, "tool " + tool});
  if (lim.per_upstream.per_second > 0 && !upstream.empty())
    buckets.push_back({"rl:u\n" + upstream, lim.per_upstream, upstream});
  auto [per_principal, all_calls] = g->global_limits();
  if (per_principal.per_second > 0) buckets.push_back({"rl:P\n" + binding, per_principal, "your calls"});
  if (all_calls.per_second > 0) buckets.push_back({"rl:A", all_calls, "this gateway"});
  for (auto& b : buckets) {
    auto r = co_await g->opt.shared->take(b.key, b.limit);
    if (!r) co_return r.error();
    if (r.value()) co_return Taken{r.value(), std::move(b.what)};
  }
  co_return Taken{};
}

Task<ToolResult> run(std::shared_ptr<Impl> g, std::shared_ptr<const Entry> e, json::object args, Context& ctx) {
  const auto start = Clock::now();
  ++g->calls;
  Executor ex;
  if (g->opt.shared) ex = co_await boost::asio::this_coro::executor;
  const Principal& who = ctx.principal();
  const Limits lim = g->limits(e->traits.upstream);
  const std::string& arg_name = g->opt.idempotency_argument;

  // Safe reads: the cache first (a hit costs the upstream nothing, so it is not rate limited).
  std::string cache_key;
  if (e->traits.safe && lim.cache_ttl.count() > 0) {
    cache_key = who.binding();
    cache_key += '\n';
    cache_key += e->name;
    cache_key += '\n';
    // Replicas share results by tool name and arguments; one process, by definition too.
    if (!g->opt.shared) cache_key += std::to_string(e->generation);
    cache_key += '\n';
    canonical_into(json::value(args), cache_key);
    int status = 0;
    auto hit = g->cache.get(cache_key, start, &status);
    if (!hit && g->opt.shared) hit = co_await shared_cache_get(g, cache_key, &status);
    if (hit) {
      ++g->cache_hits;
      hit->meta["io.mcpbridge/cached"] = true;
      audit(*g, *e, ctx, "cached", status, start);
      co_return std::move(*hit);
    }
  }

  // Non-safe calls: the key, and a recorded result for it.
  std::string scope, key, fingerprint, flight;
  bool keyed = !e->traits.safe && g->opt.idempotency && e->traits.idempotency;
  // The key argument is the gateway's own (decorate() adds it): it goes on in the call's
  // context, not in the arguments.
  std::optional<json::value> key_arg;
  if (auto it = args.find(arg_name); keyed && it != args.end()) {
    key_arg = std::move(it->value());
    args.erase(it);
  }
  if (keyed) {
    std::optional<std::string> given;
    if (auto* k = key_arg ? &*key_arg : nullptr) {
      if (!k->is_string() || k->get_string().empty() || k->get_string().size() > 255 ||
          std::any_of(k->get_string().begin(), k->get_string().end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        audit(*g, *e, ctx, "error", 0, start);
        co_return ToolResult::error(arg_name + " must be a string of 1 to 255 printable characters");
      }
      given = std::string(k->get_string());
    }
    std::string canon;
    canonical_into(json::value(args), canon);
    fingerprint = sha256_fast(canon);
    scope = who.binding();
    if (given) {
      key = *given;
    } else {
      // Derived: the same JSON-RPC request (a transport-level retry) gets the same key. The
      // arguments are part of it, so a client reusing ids cannot collide two different calls.
      std::string seed = scope + '\n' + ctx.session_id() + '\n' + json::serialize(ctx.request_id()) + '\n' + e->name +
                         '\n' + fingerprint;
      key = ctx.request_id().is_null() ? "mcpb-" + random_token(16) : "mcpb-" + sha256_fast(seed).substr(0, 32);
    }
    std::optional<store::IdempotencyRecord> rec;
    bool unavailable = false;
    try {
      rec = co_await find_async(g, scope, e->name, key);
    } catch (const std::exception& ex) {
      spdlog::warn("idempotency lookup failed: {}", log_escaped(ex.what()));
      unavailable = true;
    }
    if (unavailable) {
      audit(*g, *e, ctx, "unavailable", 0, start);
      co_return ToolResult::error("The idempotency records cannot be read right now (the store does not answer), so "
                                  "this call was not made; retry in a moment.");
    }
    if (rec) {
      if (!constant_time_equal(rec->fingerprint, fingerprint)) {
        ++g->conflicts;
        audit(*g, *e, ctx, "conflict", 0, start);
        co_return ToolResult::error("The idempotency key " + key +
                                    " was already used for a call with different arguments; use a new key for a new "
                                    "operation.");
      }
      boost::system::error_code ec;
      auto v = json::parse(rec->result, ec);
      if (!ec && v.is_object()) {
        ++g->replays;
        auto r = ToolResult::from_json(v.get_object());
        r.meta["io.mcpbridge/replayed"] = true;
        r.meta["io.mcpbridge/idempotencyKey"] = key;
        auto* st = v.get_object().if_contains(kRecordStatus);
        audit(*g, *e, ctx, "replayed", st && st->is_int64() ? static_cast<int>(st->get_int64()) : 0, start);
        co_return r;
      }
    }
    flight = scope + '\n' + e->name + '\n' + key;
    {
      bool claimed;
      {
        std::lock_guard lock(g->mu);
        claimed = g->inflight.insert(flight).second;
      }
      // Several replicas: the same key on another one is in flight too (a claim with an
      // expiry, so a replica that dies holding it does not block the key for long).
      if (claimed && g->opt.shared && !co_await claim_flight(g, flight)) {
        std::lock_guard lock(g->mu);
        g->inflight.erase(flight);
        claimed = false;
      }
      if (!claimed) {
        audit(*g, *e, ctx, "in_progress", 0, start);
        auto r = ToolResult::error("A call with idempotency key " + key + " is still in progress; retry in a moment.");
        r.meta["io.mcpbridge/retryAfterMs"] = 1000;
        co_return r;
      }
    }
  }
  ctx.call().idempotency_key = key;  // the source sends it upstream (e.g. the Idempotency-Key header)
  ctx.call().upstream = {};

  // Rate limits: the principal (on this upstream), the tool, the upstream; then across every
  // source together: the principal, all calls.
  std::optional<std::chrono::milliseconds> wait;
  std::string what;
  if (!g->opt.shared) {
    auto now = Clock::now();
    auto [per_principal, all_calls] = g->global_limits();
    if (lim.per_principal.per_second > 0 &&
        (wait = g->buckets.take("p\n" + e->traits.upstream + "\n" + who.binding(), lim.per_principal, now)))
      what = "your calls" + (e->traits.upstream.empty() ? std::string() : " to " + e->traits.upstream);
    else if (lim.per_tool.per_second > 0 && (wait = g->buckets.take("t\n" + e->name, lim.per_tool, now)))
      what = "tool " + e->name;
    else if (lim.per_upstream.per_second > 0 && !e->traits.upstream.empty() &&
             (wait = g->buckets.take("u\n" + e->traits.upstream, lim.per_upstream, now)))
      what = e->traits.upstream;
    else if (per_principal.per_second > 0 && (wait = g->buckets.take("P\n" + who.binding(), per_principal, now)))
      what = "your calls";
    else if (all_calls.per_second > 0 && (wait = g->buckets.take("A", all_calls, now)))
      what = "this gateway";
  } else {
    auto taken = co_await take_shared(g, lim, e->name, e->traits.upstream, who.binding());
    if (!taken) {
      release_flight(g, flight, ex);
      audit(*g, *e, ctx, "error", 0, start);
      auto r = ToolResult::error("The gateway cannot check its rate limits right now (" + taken.error().message +
                                 "); retry in a moment.");
      r.meta["io.mcpbridge/retryAfterMs"] = 2000;
      co_return r;
    }
    wait = taken->first;
    what = std::move(taken->second);
  }
  if (wait) {
    release_flight(g, flight, ex);
    ++g->rate_limited;
    audit(*g, *e, ctx, "rate_limited", 0, start);
    co_return limited(what, *wait);
  }

  ToolResult r;
  try {
    r = co_await e->inner(std::move(args), ctx);
  } catch (...) {
    release_flight(g, flight, ex);
    audit(*g, *e, ctx, "error", 0, start);
    throw;
  }
  const UpstreamReply& up = ctx.call().upstream;
  int status = up.status;
  if (!cache_key.empty() && !r.is_error) {
    auto life = cache_lifetime(up.cache_control, lim.cache_ttl);
    if (life.count() > 0) {
      g->cache.put(cache_key, r, serialize_result(r).size() + cache_key.size(), Clock::now() + life, status);
      if (g->opt.shared) co_await shared_cache_put(g, cache_key, serialize_result(r, status), life);
    }
  }
  if (keyed) {
    if (recordable(r, status)) {
      store::IdempotencyRecord rec{scope,
                                   e->name,
                                   key,
                                   fingerprint,
                                   serialize_result(r, status),
                                   store::unix_now() + g->opt.idempotency_ttl.count()};
      co_await put_async(g, std::move(rec));  // recorded before the key is released
    }
    release_flight(g, flight, ex);
    r.meta["io.mcpbridge/idempotencyKey"] = key;
  }
  audit(*g, *e, ctx, r.is_error ? "error" : "ok", status, start);
  co_return r;
}

}  // namespace

std::string canonical_json(const json::value& v) {
  std::string out;
  canonical_into(v, out);
  return out;
}

Gateway::Gateway(PolicyOptions options, std::shared_ptr<store::Store> store, AuditSink sink)
    : Gateway(std::move(options), store ? store::AsyncStore(std::move(store)) : store::AsyncStore(), std::move(sink)) {}

Gateway::Gateway(PolicyOptions options, store::AsyncStore store, AuditSink sink)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(store), std::move(sink))) {}

Gateway::~Gateway() = default;

Tool Gateway::decorate(Tool tool, const CallTraits& traits) const {
  if (traits.safe || !impl_->opt.idempotency || !traits.idempotency) return tool;
  auto& schema = tool.input_schema;
  auto* props = schema.if_contains("properties");
  if (!props || !props->is_object()) props = &(schema["properties"] = json::object{});
  auto& p = props->get_object();
  if (!p.contains(impl_->opt.idempotency_argument))
    p[impl_->opt.idempotency_argument] = json::object{
        {"type", "string"},
        {"minLength", 1},
        {"maxLength", 255},
        {"description",
         "Optional. The same key on a retry returns the first call's result instead of repeating it. Use a new key "
         "(e.g. a UUID) for each new operation."}};
  return tool;
}

ToolHandler Gateway::wrap(std::string tool_name, ToolHandler inner, CallTraits traits) {
  static std::atomic<std::uint64_t> generations{0};
  auto e = std::make_shared<const Entry>(Entry{std::move(tool_name), std::move(inner), std::move(traits), ++generations});
  return [g = impl_, e](json::object args, Context& ctx) { return run(g, e, std::move(args), ctx); };
}

void Gateway::add_tool(Server& server, Tool tool, ToolHandler handler, CallTraits traits) {
  tool = decorate(std::move(tool), traits);
  std::string name = tool.name;
  server.add_tool(std::move(tool), wrap(std::move(name), std::move(handler), std::move(traits)));
}

void Gateway::set_limits(const std::string& upstream, Limits limits) {
  std::lock_guard lock(impl_->limits_mu);
  impl_->opt.upstreams[upstream] = std::move(limits);
}

void Gateway::set_global_limits(RateLimit per_principal, RateLimit all_calls) {
  std::lock_guard lock(impl_->limits_mu);
  impl_->opt.per_principal = per_principal;
  impl_->opt.all_calls = all_calls;
}

Gateway::Stats Gateway::stats() const {
  return Stats{impl_->calls.load(), impl_->cache_hits.load(), impl_->replays.load(), impl_->rate_limited.load(),
               impl_->conflicts.load()};
}

}  // namespace mcp::gateway
