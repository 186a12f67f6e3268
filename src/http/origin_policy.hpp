#pragma once
// DNS-rebinding protection: which Host and Origin headers the endpoint accepts (403 otherwise).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcp::http {

class OriginPolicy {
 public:
  OriginPolicy(bool loopback_bind, std::vector<std::string> allowed_hosts, std::vector<std::string> allowed_origins);
  // nullopt when acceptable, else why not.
  std::optional<std::string> check(std::string_view host, std::string_view origin) const;

  static bool is_loopback_name(std::string_view host_without_port);
  static std::string_view strip_port(std::string_view host);

 private:
  bool loopback_;
  std::vector<std::string> hosts_;
  std::vector<std::string> origins_;
};

}  // namespace mcp::http
