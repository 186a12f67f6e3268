// What a SIGHUP reload reports as needing a restart, and what it applies
// itself.
#include "gateway/reload.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using mcp::config::Config;

namespace {

bool mentions(const std::vector<std::string> &lines, const std::string &what) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string &l) { return l.find(what) != std::string::npos; });
}

}  // namespace

TEST(Reload, ListenerStoreAndSessionChangesNeedARestart) {
  Config a, b;
  mcp::config::apply_yaml(a,
                          "server:\n  port: 8080\nstore:\n  path: "
                          "/var/a.db\nsessions:\n  max: 100\n");
  mcp::config::apply_yaml(b,
                          "server:\n  port: 9090\nstore:\n  path: "
                          "/var/b.db\nsessions:\n  max: 100\n");
  auto lines = mcp::gateway::changes_needing_restart(a, b);
  EXPECT_TRUE(mentions(lines, "server.port: 8080 -> 9090")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(mentions(lines, "store.path: /var/a.db -> /var/b.db"));
  EXPECT_FALSE(mentions(lines, "sessions.max"));
  EXPECT_TRUE(mcp::gateway::changes_needing_restart(a, a).empty());
}

TEST(Reload, WhatAReloadAppliesIsNotReported) {
  Config a, b;
  mcp::config::apply_yaml(a,
                          "log:\n  level: info\nlimits:\n  max_body_bytes: "
                          "1000\nserver:\n  drain_s: 30\n");
  mcp::config::apply_yaml(b,
                          "log:\n  level: debug\nlimits:\n  max_body_bytes: 2000\nserver:\n  "
                          "drain_s: 5\n"
                          "connections:\n  - name: up\n    url: https://mcp.example.com/mcp\n"
                          // pinned: a first source would otherwise end the demo tools (a restart)
                          "tools:\n  builtin: true\n");
  EXPECT_TRUE(mcp::gateway::changes_needing_restart(a, b).empty())
      << ::testing::PrintToString(mcp::gateway::changes_needing_restart(a, b));
  // TLS turned on needs a new listener.
  mcp::config::apply_yaml(b, "server:\n  tls:\n    cert_file: /c.pem\n    key_file: /k.pem\n");
  EXPECT_TRUE(mentions(mcp::gateway::changes_needing_restart(a, b), "server.tls: off -> on"));
}

TEST(Reload, ConnectionFingerprintsChangeWithWhatRunsTheConnection) {
  auto one = [](const std::string &extra) {
    Config c;
    mcp::config::apply_yaml(c, "connections:\n  - name: up\n    url: https://mcp.example.com/mcp\n" + extra);
    return mcp::gateway::connection_fingerprint(c.connections.at(0));
  };
  EXPECT_EQ(one(""), one(""));
  EXPECT_NE(one(""), one("    timeout_ms: 5000\n"));
  EXPECT_NE(one(""), one("    deny: [drop_*]\n"));
  EXPECT_NE(one(""), one("    limits:\n      per_principal: {per_second: 2}\n"));
}
