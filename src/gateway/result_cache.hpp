#pragma once
// Results of safe reads, per principal and arguments: TTL, LRU eviction bounded by entries and
// bytes. Thread-safe.
#include <chrono>
#include <list>
#include <mcp/server/types.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mcp::gateway {

class ResultCache {
 public:
  using Clock = std::chrono::steady_clock;
  ResultCache(std::size_t max_entries, std::size_t max_bytes) : max_entries_(max_entries), max_bytes_(max_bytes) {}
  // `upstream_status`: what the upstream answered when the result was cached (for the audit).
  std::optional<ToolResult> get(const std::string& key, Clock::time_point now, int* upstream_status = nullptr);
  void put(const std::string& key, const ToolResult& r, std::size_t bytes, Clock::time_point expires,
           int upstream_status = 0);
  std::size_t size() const;

 private:
  struct Entry {
    std::string key;
    ToolResult result;
    std::size_t bytes;
    Clock::time_point expires;
    int upstream_status;
  };
  void erase(std::list<Entry>::iterator it);
  std::size_t max_entries_, max_bytes_, bytes_ = 0;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;
};

// The lifetime Cache-Control allows, within [0, ttl]: 0 for no-store, no-cache and an invalid
// max-age (negative, not a number); private is fine (the cache is per principal); max-age
// lowers the TTL (values past 2^31 s count as 2^31 s).
std::chrono::milliseconds cache_lifetime(std::string_view cache_control, std::chrono::milliseconds ttl);

}  // namespace mcp::gateway
