// server.tls and server.trusted_proxies: YAML, environment, errors, and `mcpbridge config` output.
#include <mcp/config/config.hpp>

#include <gtest/gtest.h>

using mcp::config::Config;

TEST(TlsConfig, YamlEnvAndRoundTrip) {
  Config c;
  EXPECT_FALSE(c.http.tls.enabled());  // plain HTTP by default
  mcp::config::apply_yaml(c, "server:\n  tls:\n    cert_file: /etc/c.pem\n    key_file: /etc/k.pem\n"
                             "    watch_interval_ms: 0\n  trusted_proxies: [127.0.0.1, 10.0.0.0/8]\n");
  EXPECT_TRUE(c.http.tls.enabled());
  EXPECT_EQ(c.http.tls.cert_file, "/etc/c.pem");
  EXPECT_EQ(c.http.tls.key_file, "/etc/k.pem");
  EXPECT_EQ(c.http.tls.watch_interval.count(), 0);
  ASSERT_EQ(c.http.trusted_proxies.size(), 2u);
  EXPECT_EQ(c.http.trusted_proxies[1], "10.0.0.0/8");

  Config again;
  mcp::config::apply_yaml(again, mcp::config::to_yaml(c));
  EXPECT_EQ(again.http.tls.cert_file, "/etc/c.pem");
  EXPECT_EQ(again.http.trusted_proxies, c.http.trusted_proxies);

  mcp::config::apply_env(c, {{"MCPBRIDGE_TLS_CERT_FILE", "/run/c.pem"}, {"MCPBRIDGE_TLS_KEY_FILE", "/run/k.pem"},
                             {"MCPBRIDGE_TRUSTED_PROXIES", "::1,fd00::/8"}});
  EXPECT_EQ(c.http.tls.cert_file, "/run/c.pem");
  EXPECT_EQ(c.http.tls.key_file, "/run/k.pem");
  EXPECT_EQ(c.http.trusted_proxies, (std::vector<std::string>{"::1", "fd00::/8"}));
}

TEST(TlsConfig, ErrorsNameTheKey) {
  auto message = [](const std::string& yaml, std::map<std::string, std::string> env = {}) {
    Config c;
    try {
      mcp::config::apply_yaml(c, yaml);
      mcp::config::apply_env(c, env);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("server:\n  tls:\n    cert: x\n").find("server.tls.cert"), std::string::npos);
  EXPECT_NE(message("server:\n  tls:\n    watch_interval_ms: 5\n").find("server.tls.watch_interval_ms"),
            std::string::npos);
  EXPECT_NE(message("server:\n  trusted_proxies: [proxy.local]\n").find("server.trusted_proxies"), std::string::npos);
  EXPECT_NE(message("", {{"MCPBRIDGE_TRUSTED_PROXIES", "10.0.0.0/40"}}).find("MCPBRIDGE_TRUSTED_PROXIES"),
            std::string::npos);
}

TEST(TlsConfig, ClientCertificatesAndDrainReadAndRoundTrip) {
  Config c;
  EXPECT_EQ(c.http.drain_timeout.count(), 30);
  mcp::config::apply_yaml(c, "server:\n  drain_s: 5\n  tls:\n    cert_file: /c.pem\n    key_file: /k.pem\n"
                             "    client_ca_file: /ca.pem\n    client_cert: optional\n    client_roles: [ops, audit]\n");
  EXPECT_EQ(c.http.drain_timeout.count(), 5);
  EXPECT_EQ(c.http.tls.client_ca_file, "/ca.pem");
  EXPECT_FALSE(c.http.tls.client_cert_required);
  EXPECT_EQ(c.http.tls.client_roles, (std::vector<std::string>{"ops", "audit"}));
  Config again;
  mcp::config::apply_yaml(again, mcp::config::to_yaml(c));
  EXPECT_EQ(again.http.drain_timeout.count(), 5);
  EXPECT_EQ(again.http.tls.client_ca_file, "/ca.pem");
  EXPECT_FALSE(again.http.tls.client_cert_required);
  EXPECT_EQ(again.http.tls.client_roles, c.http.tls.client_roles);
  mcp::config::apply_env(c, {{"MCPBRIDGE_TLS_CLIENT_CA", "/run/ca.pem"}, {"MCPBRIDGE_TLS_CLIENT_CERT", "required"},
                             {"MCPBRIDGE_DRAIN_S", "0"}});
  EXPECT_EQ(c.http.tls.client_ca_file, "/run/ca.pem");
  EXPECT_TRUE(c.http.tls.client_cert_required);
  EXPECT_EQ(c.http.drain_timeout.count(), 0);
  for (const char* bad : {"server:\n  drain_s: -1\n", "server:\n  drain_s: 3601\n", "server:\n  drain_s: soon\n"}) {
    Config d;
    EXPECT_THROW(mcp::config::apply_yaml(d, bad), std::runtime_error) << bad;
  }
  Config e;
  EXPECT_THROW(mcp::config::apply_yaml(e, "server:\n  tls:\n    client_cert: sometimes\n"), std::runtime_error);
  EXPECT_THROW(mcp::config::apply_env(e, {{"MCPBRIDGE_DRAIN_S", "1.5"}}), std::runtime_error);
}
