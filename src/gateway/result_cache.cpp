#include "gateway/result_cache.hpp"

#include <algorithm>
#include <cctype>

namespace mcp::gateway {

std::optional<ToolResult> ResultCache::get(const std::string& key, Clock::time_point now, int* upstream_status) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  if (it->second->expires <= now) {
    erase(it->second);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  if (upstream_status) *upstream_status = it->second->upstream_status;
  return it->second->result;
}

void ResultCache::put(const std::string& key, const ToolResult& r, std::size_t bytes, Clock::time_point expires,
                      int upstream_status) {
  if (bytes > max_bytes_ || max_entries_ == 0) return;
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) erase(it->second);
  lru_.push_front(Entry{key, r, bytes, expires, upstream_status});
  index_.emplace(lru_.front().key, lru_.begin());
  bytes_ += bytes;
  while (!lru_.empty() && (index_.size() > max_entries_ || bytes_ > max_bytes_)) erase(std::prev(lru_.end()));
}

void ResultCache::erase(std::list<Entry>::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->key);
  lru_.erase(it);
}

std::size_t ResultCache::size() const {
  std::lock_guard lock(mu_);
  return index_.size();
}

std::chrono::milliseconds cache_lifetime(std::string_view cc, std::chrono::milliseconds ttl) {
  ttl = std::max(ttl, std::chrono::milliseconds(0));
  std::string s(cc);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto has = [&](std::string_view d) {
    for (size_t pos = s.find(d); pos != std::string::npos; pos = s.find(d, pos + 1)) {
      bool start = pos == 0 || s[pos - 1] == ',' || s[pos - 1] == ' ';
      size_t end = pos + d.size();
      bool stop = end == s.size() || s[end] == ',' || s[end] == ' ' || s[end] == '=';
      if (start && stop) return pos;
    }
    return std::string::npos;
  };
  if (has("no-store") != std::string::npos || has("no-cache") != std::string::npos) return std::chrono::milliseconds(0);
  if (auto pos = has("max-age"); pos != std::string::npos && pos + 8 <= s.size() && s[pos + 7] == '=') {
    // delta-seconds (RFC 9111 §1.2.2): digits only, and a value too large to represent is
    // taken as 2^31 s, so nothing overflows below. Anything else ("-5", "") is invalid: the
    // response is not stored.
    constexpr long long kMaxAge = 1LL << 31;
    std::size_t i = pos + 8;
    if (i < s.size() && s[i] == '"') ++i;
    long long secs = 0;
    std::size_t digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits)
      secs = std::min(kMaxAge, secs * 10 + (s[i] - '0'));
    if (digits == 0) return std::chrono::milliseconds(0);
    return std::min<std::chrono::milliseconds>(ttl, std::chrono::seconds(secs));
  }
  return ttl;
}

}  // namespace mcp::gateway
