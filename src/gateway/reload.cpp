#include "gateway/reload.hpp"

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>

namespace mcp::gateway {
namespace {

// `mcpbridge config`'s YAML as "a.b.c" -> value (sequences of scalars as one
// flow value).
void flatten(const YAML::Node &n, const std::string &key, std::map<std::string, std::string> &out) {
  if (n.IsMap()) {
    for (auto it : n) flatten(it.second, key.empty() ? it.first.Scalar() : key + "." + it.first.Scalar(), out);
    return;
  }
  YAML::Emitter e;
  e << YAML::Flow << n;
  out[key] = e.c_str();
}

std::map<std::string, std::string> settings(const config::Config &c) {
  std::map<std::string, std::string> out;
  flatten(YAML::Load(config::to_yaml(c)), "", out);
  return out;
}

// What a reload applies (Assembly::reload): these keys and everything under
// these sections.
bool reloadable(const std::string &key) {
  static const std::set<std::string> keys = {"log.level",
                                             "log.format",
                                             "limits.max_body_bytes",
                                             "limits.max_header_bytes",
                                             "limits.read_timeout_s",
                                             "limits.keepalive_timeout_s",
                                             "server.drain_s",
                                             "server.tls.cert_file",
                                             "server.tls.key_file",
                                             "server.tls.client_ca_file",
                                             "server.tls.client_cert"};
  static const char *sections[] = {"openapi", "connections"};
  if (keys.count(key)) return true;
  for (auto *s : sections)
    if (key == s || key.rfind(std::string(s) + ".", 0) == 0) return true;
  return false;
}

std::string limits_text(const Limits &l) {
  auto rate = [](const RateLimit &r) { return std::to_string(r.per_second) + "/" + std::to_string(r.burst); };
  return rate(l.per_principal) + " " + rate(l.per_tool) + " " + rate(l.per_upstream) + " " +
         std::to_string(l.cache_ttl.count());
}

}  // namespace

std::vector<std::string> changes_needing_restart(const config::Config &started, const config::Config &next) {
  auto a = settings(started), b = settings(next);
  std::vector<std::string> out;
  for (auto &[k, v] : b) {
    if (reloadable(k)) continue;
    auto it = a.find(k);
    if (it == a.end())
      out.push_back(k + ": (unset) -> " + v);
    else if (it->second != v)
      out.push_back(k + ": " + it->second + " -> " + v);
  }
  for (auto &[k, v] : a)
    if (!reloadable(k) && !b.count(k)) out.push_back(k + ": " + v + " -> (unset)");
  // `server.tls` on or off: the listener is a new one either way.
  if (started.http.tls.enabled() != next.http.tls.enabled())
    out.push_back(std::string("server.tls: ") + (started.http.tls.enabled() ? "on -> off" : "off -> on"));
  return out;
}

std::string connection_fingerprint(const config::ConnectionConfig &c) {
  config::Config alone;
  alone.connections = {c};
  auto &o = c.options;
  return config::to_yaml(alone) + "\n" + o.api_key_header + "\n" + o.secret + "\n" + o.oauth_client_id + "\n" +
         o.oauth_client_secret + "\n" + o.oauth_scope + "\n" + o.separator + "\n" + std::to_string(o.timeout.count()) +
         "\n" + std::to_string(o.refresh_interval.count()) + "\n" + std::to_string(o.max_clients) + "\n" +
         limits_text(c.limits);
}

std::string openapi_fingerprint(const config::OpenApiSourceConfig &o) {
  config::Config alone;
  alone.openapi = {o};
  std::string inc, exc;
  for (auto &[k, v] : o.include)
    for (auto &s : v) inc += k + "=" + s + ",";
  for (auto &[k, v] : o.exclude)
    for (auto &s : v) exc += k + "=" + s + ",";
  return config::to_yaml(alone) + "\n" + inc + "\n" + exc + "\n" + limits_text(o.limits);
}

}  // namespace mcp::gateway
