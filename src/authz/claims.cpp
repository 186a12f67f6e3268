#include "authz/claims.hpp"

#include "authz/server_impl.hpp"

namespace mcp::authz {

bool audience_includes(const json::object& c, const std::string& audience) {
  auto* aud = find(c, "aud");
  if (!aud) return false;
  if (aud->is_string()) return aud->get_string() == audience;
  if (aud->is_array())
    for (auto& a : aud->get_array())
      if (a.is_string() && a.get_string() == audience) return true;
  return false;
}

std::vector<std::string> audiences_of(const json::object& c) {
  std::vector<std::string> out;
  auto* aud = find(c, "aud");
  if (aud && aud->is_string()) out.emplace_back(aud->get_string());
  if (aud && aud->is_array())
    for (auto& a : aud->get_array())
      if (a.is_string() && out.size() < 16) out.emplace_back(a.get_string());
  return out;
}

std::variant<Principal, std::string> principal_from_claims(const json::object& c, const std::string& issuer,
                                                           bool iss_required, const std::string& audience,
                                                           bool exp_required, std::chrono::seconds skew) {
  auto iss = find_string(c, "iss");
  if (!issuer.empty() && (iss_required || iss) && iss.value_or("") != issuer) return std::string("wrong issuer");
  if (!audience_includes(c, audience)) return std::string("token is not for this resource (audience)");
  auto t = static_cast<double>(store::unix_now());
  auto s = static_cast<double>(skew.count());
  auto exp = find(c, "exp") ? as_number(*find(c, "exp")) : std::nullopt;
  if (!exp && exp_required) return std::string("token lacks exp");
  if (exp && *exp + s <= t) return std::string("token expired");
  if (auto* nbf = find(c, "nbf"); nbf && as_number(*nbf) && *as_number(*nbf) > t + s)
    return std::string("token not yet valid");
  auto sub = find_string(c, "sub").value_or("");
  if (sub.empty()) return std::string("token lacks sub");
  Principal p;
  p.subject = std::string(sub);
  if (auto sc = find_string(c, "scope")) p.scopes = split_words(*sc);
  if (auto* scp = find(c, "scp")) {
    if (scp->is_string()) p.scopes = split_words(scp->get_string());
    if (scp->is_array())
      for (auto& x : scp->get_array())
        if (x.is_string() && p.scopes.size() < 64) p.scopes.emplace_back(x.get_string());
  }
  if (auto* roles = find(c, "roles"); roles && roles->is_array())
    for (auto& r : roles->get_array())
      if (r.is_string() && p.roles.size() < 64) p.roles.emplace_back(r.get_string());
  p.audiences = audiences_of(c);  // kept for same-audience passthrough to upstreams
  p.method = "oauth";
  p.credential = std::string(find_string(c, "client_id").value_or(find_string(c, "azp").value_or("")));
  return p;
}

}  // namespace mcp::authz
