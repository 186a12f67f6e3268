// server.tls, server.trusted_proxies and server.drain_s (docs/operations.md), their MCPBRIDGE_*
// variables, and their part of `mcpbridge config`'s output.
#include <mcp/config/config.hpp>
#include "yaml_read.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <sstream>

namespace mcp::config {
namespace {

std::vector<std::string> proxies(std::vector<std::string> entries, const std::string& key) {
  for (auto& e : entries)
    if (auto why = mcp::check_trusted_proxy(e); !why.empty()) fail(key, why);
  return entries;
}

bool client_cert(const std::string& v, const std::string& key) {
  if (v != "required" && v != "optional") fail(key, "expected required or optional");
  return v == "required";
}

std::chrono::seconds drain_seconds(const std::string& text, const std::string& key) {
  long long s = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), s);
  if (ec != std::errc() || end != text.data() + text.size() || s < 0 || s > 3600)
    fail(key, "expected whole seconds from 0 (stop at once) to 3600");
  return std::chrono::seconds(s);
}

}  // namespace

void read_server_tls(Config& c, const YAML::Node& server) {
  auto& t = c.http.tls;
  if (auto n = server["tls"]) {
    check_keys(n, "server.tls",
               {"cert_file", "key_file", "watch_interval_ms", "client_ca_file", "client_cert", "client_roles"});
    if (n["client_ca_file"]) t.client_ca_file = scalar<std::string>(n["client_ca_file"], "server.tls.client_ca_file");
    if (auto v = n["client_cert"])
      t.client_cert_required = client_cert(scalar<std::string>(v, "server.tls.client_cert"), "server.tls.client_cert");
    if (n["client_roles"]) t.client_roles = string_list(n["client_roles"], "server.tls.client_roles");
    if (n["cert_file"]) t.cert_file = scalar<std::string>(n["cert_file"], "server.tls.cert_file");
    if (n["key_file"]) t.key_file = scalar<std::string>(n["key_file"], "server.tls.key_file");
    if (n["watch_interval_ms"]) {
      auto ms = scalar<long long>(n["watch_interval_ms"], "server.tls.watch_interval_ms");
      if (ms != 0 && (ms < 100 || ms > 3'600'000))
        fail("server.tls.watch_interval_ms", "expected 0 (SIGHUP only) or 100 to 3600000");
      t.watch_interval = std::chrono::milliseconds(ms);
    }
  }
  if (auto n = server["drain_s"]) c.http.drain_timeout = drain_seconds(n.Scalar(), "server.drain_s");
  if (auto n = server["trusted_proxies"])
    c.http.trusted_proxies = proxies(string_list(n, "server.trusted_proxies"), "server.trusted_proxies");
}

void apply_tls_env(Config& c, const std::map<std::string, std::string>& env) {
  auto get = [&](const char* k) -> const std::string* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : &it->second;
  };
  if (auto v = get("MCPBRIDGE_TLS_CERT_FILE")) c.http.tls.cert_file = *v;
  if (auto v = get("MCPBRIDGE_TLS_KEY_FILE")) c.http.tls.key_file = *v;
  if (auto v = get("MCPBRIDGE_TLS_CLIENT_CA")) c.http.tls.client_ca_file = *v;
  if (auto v = get("MCPBRIDGE_TLS_CLIENT_CERT"))
    c.http.tls.client_cert_required = client_cert(*v, "MCPBRIDGE_TLS_CLIENT_CERT");
  if (auto v = get("MCPBRIDGE_DRAIN_S")) c.http.drain_timeout = drain_seconds(*v, "MCPBRIDGE_DRAIN_S");
  if (auto v = get("MCPBRIDGE_TRUSTED_PROXIES")) {
    std::vector<std::string> list;
    std::stringstream ss(*v);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) list.push_back(item);
    c.http.trusted_proxies = proxies(std::move(list), "MCPBRIDGE_TRUSTED_PROXIES");
  }
}

void tls_to_yaml(const Config& c, YAML::Emitter& out) {
  auto& t = c.http.tls;
  if (t.enabled()) {
    out << YAML::Key << "tls" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "cert_file" << YAML::Value << t.cert_file;
    out << YAML::Key << "key_file" << YAML::Value << t.key_file;
    out << YAML::Key << "watch_interval_ms" << YAML::Value << t.watch_interval.count();
    if (!t.client_ca_file.empty()) {
      out << YAML::Key << "client_ca_file" << YAML::Value << t.client_ca_file;
      out << YAML::Key << "client_cert" << YAML::Value << (t.client_cert_required ? "required" : "optional");
      out << YAML::Key << "client_roles" << YAML::Value << YAML::Flow << t.client_roles;
    }
    out << YAML::EndMap;
  }
  out << YAML::Key << "drain_s" << YAML::Value << c.http.drain_timeout.count();
  if (!c.http.trusted_proxies.empty())
    out << YAML::Key << "trusted_proxies" << YAML::Value << YAML::Flow << c.http.trusted_proxies;
}

}  // namespace mcp::config
