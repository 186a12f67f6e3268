#pragma once
// Sealed requestState for multi round-trip requests (2026-07-28, SEP-2322). The state travels
// through the client, so it is attacker-controlled: it is encrypted and authenticated with
// AES-256-GCM under a server key, and carries its own expiry. Tampered, foreign or expired
// state fails to open.
#include <mcp/core/json.hpp>
#include <mcp/core/result.hpp>

#include <chrono>
#include <string>

namespace mcp::protocol {

class RequestStateSealer {
 public:
  // `key`: 32 bytes; empty means a fresh random key (valid for this process only).
  explicit RequestStateSealer(std::string key = {});

  std::string seal(const json::object& payload, std::chrono::seconds ttl) const;
  // The payload, or -32602 "invalid requestState".
  Result<json::object> open(std::string_view sealed) const;

 private:
  std::string key_;
};

}  // namespace mcp::protocol
